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
# The real binary, exactly as scripts/run.sh builds it; the end-to-end tests
# run it (serve, list, show, and the window under Xvfb).
go build -tags migrated_fynedo -o hookscope .
go vet -tags ci,migrated_fynedo ./...
# -tags ci: Fyne's software driver for the headless UI tests.
HOOKSCOPE_BIN="$PWD/hookscope" go test -race -tags ci,migrated_fynedo -timeout 15m ./...
