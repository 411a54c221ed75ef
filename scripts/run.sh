#!/usr/bin/env bash
# Installs what is needed, builds Hookscope and opens its window.
# Arguments are passed on: scripts/run.sh --listen 127.0.0.1:9000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# migrated_fynedo: without it every refresh walks the goroutine stack and
# live rows lag seconds behind (DESIGN.md).
go build -tags migrated_fynedo -o hookscope .
exec ./hookscope "$@"
