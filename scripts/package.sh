#!/usr/bin/env bash
# Builds the Linux package: Hookscope.tar.xz with the binary, a .desktop
# file and the icon (install it with: tar xf Hookscope.tar.xz && sudo make -C hookscope install).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# fyne.io/tools v1.7.x is built on Fyne 2.8, so it is installed as a tool
# rather than added to go.mod (which would lift the app off 2.7.1). Its
# packaging reads FyneApp.toml, including the fyneDo migration tag.
go install fyne.io/tools/cmd/fyne@v1.7.4
# The tags scripts/run.sh builds with (it says why).
"$(go env GOPATH)/bin/fyne" package -os linux -tags "$(cat scripts/build-tags)"
ls -l Hookscope.tar.xz
