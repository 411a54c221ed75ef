#!/usr/bin/env bash
# Installs what building and testing Hookscope needs on Debian/Ubuntu:
# a C compiler and the X11/OpenGL headers Fyne's cgo driver compiles
# against, Xvfb for the window start-up test, a colour emoji font (the
# window is built without Fyne's bundled one: scripts/run.sh says why) and
# the Go modules.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(gcc pkg-config libgl1-mesa-dev xorg-dev xvfb curl jq fonts-noto-color-emoji)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing system packages: ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

if ! command -v go >/dev/null; then
  echo "Go 1.26 or newer is needed: https://go.dev/dl/ (then run this again)" >&2
  exit 1
fi
go mod download
