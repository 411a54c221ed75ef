#!/usr/bin/env bash
# Installs what is needed and runs every check: formatting, vet, the real
# (cgo, OpenGL) build, and all tests with the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
# Everything is built with -race so Fyne is compiled once and shared by the
# binary, vet and the tests (a cold Fyne build is minutes on 2 cores).
# The end-to-end tests run this real binary (OpenGL driver, not -tags ci):
# serve, list, show, SIGKILL mid-burst, and the window under Xvfb.
bin_dir=$(mktemp -d)
trap 'rm -rf "$bin_dir"' EXIT
go build -race -tags "$(cat scripts/build-tags)" -o "$bin_dir/hookscope" .
# -tags ci: Fyne's software driver for the headless UI tests.
go vet -race -tags ci,migrated_fynedo ./...
HOOKSCOPE_BIN="$bin_dir/hookscope" go test -race -tags ci,migrated_fynedo -timeout 15m ./...
