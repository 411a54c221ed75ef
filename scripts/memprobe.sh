#!/usr/bin/env bash
# Memory and start-up probe (issue 16, items 4 and 5; not a test:
# scripts/test.sh does not run it).
#
#   1. serve: `hookscope serve` on a temporary store takes 10,000 requests
#      posted at 1,000/s (loadgen pace); its RSS (VmRSS) is sampled every
#      100 ms during and for 10 s after.
#   2. window: the same against the window, on its own display, then its
#      CPU share at rest.
#   3. start: the window's time from exec to its first row on screen
#      (HOOKSCOPE_TRACE_START=1) on a store of 1,000,000 requests against
#      one of 10, alternating, --starts times each; medians and their ratio.
#
#   scripts/memprobe.sh [--rows 1000000] [--starts 5] [--skip-window]
#
# The window needs a display: DISPLAY is used when set, else the script
# starts Xvfb on :97 (and stops it). HOOKSCOPE_BIN measures a binary built
# elsewhere (built with the tags in scripts/build-tags). BENCH_DIR chooses where the
# stores go (default $TMPDIR or /tmp); the million-row store takes about
# 860 MB and a minute to write.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=1000000 starts=5 window=1
while [ $# -gt 0 ]; do
  case $1 in
    --rows) rows=$2; shift 2 ;;
    --starts) starts=$2; shift 2 ;;
    --skip-window) window=0; shift ;;
    *) echo "usage: scripts/memprobe.sh [--rows N] [--starts N] [--skip-window]" >&2; exit 2 ;;
  esac
done

tmp=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/hookscope-memprobe.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${HOOKSCOPE_BIN:-}" ]; then
  cp "$HOOKSCOPE_BIN" "$tmp/hookscope"
else
  echo "building (a cold Fyne build takes a few minutes)..." >&2
  go build -tags "$(cat scripts/build-tags)" -o "$tmp/hookscope" .
fi
go build -o "$tmp/loadgen" ./scripts/loadgen
# The window keeps its size and settings under the config folder: use a
# fresh one so the user's own never changes the figures.
export XDG_CONFIG_HOME="$tmp/config" LANG=en_US.UTF-8 LANGUAGE=en_US

# listening FILE PID: waits for "listening on URL" and prints URL.
listening() {
  for _ in $(seq 600); do
    if line=$(grep -m1 '^listening on ' "$1" 2>/dev/null); then
      echo "${line#listening on }"
      return 0
    fi
    kill -0 "$2" 2>/dev/null || { echo "memprobe: the process exited:" >&2; cat "$1" "$1.err" >&2; return 1; }
    sleep 0.1
  done
  echo "memprobe: no listening line in $1" >&2
  return 1
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

echo "$(nproc) CPUs, $(uname -sr), $(go version | cut -d' ' -f3); load average $(cut -d' ' -f1-3 /proc/loadavg)"

"$tmp/hookscope" serve --listen 127.0.0.1:0 --db "$tmp/serve.db" >"$tmp/serve.out" 2>"$tmp/serve.out.err" &
pid=$!
pids+=("$pid")
url=$(listening "$tmp/serve.out" "$pid")
echo "serve, 10,000 requests at 1,000/s:"
"$tmp/loadgen" pace --url "$url" --pid "$pid" --rate 1000 --count 10000 --after 10s | sed 's/^/  /'
stop "$pid"

[ "$window" = 1 ] || exit 0

if [ -z "${DISPLAY:-}" ]; then
  Xvfb :97 -screen 0 1400x900x24 >"$tmp/xvfb.log" 2>&1 &
  pids+=("$!")
  export DISPLAY=:97
  sleep 1
fi

"$tmp/hookscope" --listen 127.0.0.1:0 --db "$tmp/window.db" >"$tmp/window.out" 2>"$tmp/window.out.err" &
pid=$!
pids+=("$pid")
url=$(listening "$tmp/window.out" "$pid")
sleep 3 # let the first frames settle
echo "window, 10,000 requests at 1,000/s:"
"$tmp/loadgen" pace --url "$url" --pid "$pid" --rate 1000 --count 10000 --after 10s | sed 's/^/  /'
echo "window at rest after them:"
"$tmp/loadgen" idle --pid "$pid" --for 10s --clk-tck "$(getconf CLK_TCK)" | sed 's/^/  /'
stop "$pid"

echo "filling a store of $rows requests..." >&2
go test -c -o "$tmp/storage.test" ./storage
HOOKSCOPE_FILL_DB="$tmp/big.db" HOOKSCOPE_FILL_ROWS=$rows "$tmp/storage.test" -test.run '^TestFillForProbe$' >/dev/null
HOOKSCOPE_FILL_DB="$tmp/small.db" HOOKSCOPE_FILL_ROWS=10 "$tmp/storage.test" -test.run '^TestFillForProbe$' >/dev/null

# first_row DB: milliseconds from exec to the window's first row.
first_row() {
  local t0 t1 p
  t0=$(date +%s%N)
  HOOKSCOPE_TRACE_START=1 "$tmp/hookscope" --listen 127.0.0.1:0 --db "$1" >"$tmp/start.out" 2>"$tmp/start.err" &
  p=$!
  for _ in $(seq 600); do
    grep -q '^trace: first row at ' "$tmp/start.err" 2>/dev/null && break
    sleep 0.02
  done
  t1=$(grep -m1 '^trace: first row at ' "$tmp/start.err" | awk '{print $5}')
  stop "$p"
  [ -n "$t1" ] || { echo "memprobe: no first row from the window on $1" >&2; cat "$tmp/start.err" >&2; return 1; }
  echo $(((t1 - t0) / 1000000))
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

small=() big=()
for _ in $(seq "$starts"); do
  small+=("$(first_row "$tmp/small.db")")
  big+=("$(first_row "$tmp/big.db")")
done
ms=$(printf '%s\n' "${small[@]}" | median)
mb=$(printf '%s\n' "${big[@]}" | median)
echo "window start to first row: 10 requests ${small[*]} ms (median $ms), $rows requests ${big[*]} ms (median $mb); ratio $(awk -v a="$mb" -v b="$ms" 'BEGIN {printf "%.2f", a / b}')"
"$tmp/hookscope" --listen 127.0.0.1:0 --db "$tmp/big.db" >"$tmp/idle.out" 2>"$tmp/idle.out.err" &
pid=$!
pids+=("$pid")
listening "$tmp/idle.out" "$pid" >/dev/null
sleep 3
echo "window at rest on $rows requests:"
"$tmp/loadgen" idle --pid "$pid" --for 10s --clk-tck "$(getconf CLK_TCK)" | sed 's/^/  /'
