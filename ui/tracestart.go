package ui

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// HOOKSCOPE_TRACE_START=1 makes the window print one line to stderr,
// "trace: first row at UNIX_NANOS", when the request list fills its first
// row with a stored request: the rows of the first frame are being laid
// out. scripts/memprobe.sh times the window's start on a large store
// against a small one with it (docs/cli.md, Benchmark). Nothing is printed
// otherwise.
var (
	traceStart    = os.Getenv("HOOKSCOPE_TRACE_START") == "1"
	traceFirstRow sync.Once
)

// traceRowShown is called by each row update; it costs one bool test
// unless tracing.
func traceRowShown() {
	if !traceStart {
		return
	}
	traceFirstRow.Do(func() {
		fmt.Fprintf(os.Stderr, "trace: first row at %d\n", time.Now().UnixNano())
	})
}
