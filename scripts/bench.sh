#!/usr/bin/env bash
# Capture benchmark (not a test; scripts/test.sh does not run it).
#
# Builds hookscope and the load generator, starts `hookscope serve` on a
# temporary store and a bare net/http server (reads the body, answers 200),
# each in its own process, and drives both from a third process with keep-
# alive senders, alternating bare and hookscope over several rounds. Prints
# req/s, p50/p99 latency, the ratio to bare, each server's CPU µs per
# acknowledged request, every non-2xx and error, and bytes on disk per
# request.
#
#   scripts/bench.sh [--senders 32] [--rounds 3] [--duration 5s] [--warmup 1s]
#
# HOOKSCOPE_BIN, when set, is the binary measured instead of a fresh build.
# BENCH_DIR chooses where the temporary store goes (default: $TMPDIR or
# /tmp); put it on the disk you care about, since every answer waits for
# fsync. A tmpfs there measures no fsync at all.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/hookscope-bench.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${HOOKSCOPE_BIN:-}" ]; then
  cp "$HOOKSCOPE_BIN" "$tmp/hookscope"
else
  echo "building (a cold Fyne build takes a few minutes)..." >&2
  go build -o "$tmp/hookscope" .
fi
go build -o "$tmp/loadgen" ./scripts/loadgen

# first_line FILE PID: waits for the "listening on URL" line and prints URL.
first_line() {
  local file=$1 pid=$2
  for _ in $(seq 300); do
    if read -r line <"$file" 2>/dev/null && [ -n "$line" ]; then
      echo "${line#listening on }"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "bench: the server exited before listening:" >&2
      cat "$file" "$file.err" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  echo "bench: no listening line in $file after 30 s" >&2
  return 1
}

"$tmp/hookscope" serve --listen 127.0.0.1:0 --db "$tmp/x.db" >"$tmp/serve.out" 2>"$tmp/serve.out.err" &
hs_pid=$!
pids+=("$hs_pid")
"$tmp/loadgen" bare --listen 127.0.0.1:0 >"$tmp/bare.out" 2>"$tmp/bare.out.err" &
bare_pid=$!
pids+=("$bare_pid")

hs_url=$(first_line "$tmp/serve.out" "$hs_pid")
bare_url=$(first_line "$tmp/bare.out" "$bare_pid")

echo "$(nproc) CPUs, $(uname -sr), $(go version | cut -d' ' -f3); store on $(df -P "$tmp" | awk 'NR==2 {print $1}')"
"$tmp/loadgen" run --bare "$bare_url" --bare-pid "$bare_pid" \
  --hookscope "$hs_url" --hookscope-pid "$hs_pid" \
  --db "$tmp/x.db" --clk-tck "$(getconf CLK_TCK)" "$@"
