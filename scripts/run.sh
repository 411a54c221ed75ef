#!/usr/bin/env bash
# Installs what is needed, builds Hookscope and opens its window.
# Arguments are passed on: scripts/run.sh --listen 127.0.0.1:9000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# migrated_fynedo: without it every refresh walks the goroutine stack and
# live rows lag seconds behind (DESIGN.md). no_animations: Fyne's fading
# text cursor redraws the window 60 times a second while a field has the
# focus (11 % of a core idle under Xvfb; 2 % without); the cursor then
# stays solid and buttons do not ripple.
go build -tags migrated_fynedo,no_animations -o hookscope .
exec ./hookscope "$@"
