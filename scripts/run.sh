#!/usr/bin/env bash
# Installs what is needed, builds Hookscope and opens its window.
# Arguments are passed on: scripts/run.sh --listen 127.0.0.1:9000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The build tags are in scripts/build-tags (every build reads them there):
# migrated_fynedo: without it every refresh walks the goroutine stack and
# live rows lag seconds behind (FyneApp.toml's fyneDo migration).
# no_animations: Fyne's fading text cursor redraws the window 60 times a
# second while a field has the focus (11 % of a core idle under Xvfb; 2 %
# without); the cursor then stays solid and buttons do not ripple.
# no_emoji: Fyne no longer bundles its 4 MB colour emoji font and parses
# it at every start (35 MB of the window's memory); an emoji is drawn from
# the system's emoji font (install-deps.sh installs one) when one is shown.
go build -tags "$(cat scripts/build-tags)" -o hookscope .
exec ./hookscope "$@"
