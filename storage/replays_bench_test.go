package storage

import (
	"bytes"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkReplaysSince is what the monitor reads every refresh: the last
// hour of replays, 2,000 of them, each with 32 KiB request and response
// bodies that it must not pay for.
func BenchmarkReplaysSince(b *testing.B) {
	st, err := Open(filepath.Join(b.TempDir(), "since.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	body := bytes.Repeat([]byte(`{"k":"v"},`), 32<<10/10)
	const n = 2000
	for i := range n {
		r := ReplayRecord{
			SourceID: uint64(i + 1), At: now.Add(-time.Duration(n-i) * time.Second),
			Target: "http://localhost:3000/hooks", Method: "POST",
			RequestHeader: http.Header{"Content-Type": {"application/json"}, "X-Signature": {"t=1,v1=abc"}},
			RequestBody:   body, Status: 200,
			ResponseHeader: http.Header{"Content-Type": {"application/json"}},
			ResponseBody:   body, Timing: ReplayTiming{TotalMs: float64(i % 100)},
		}
		if _, err := st.AppendReplay(r); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		got, err := st.ReplaysSince(now.Add(-time.Hour))
		if err != nil || len(got) != n {
			b.Fatalf("%d replays, %v", len(got), err)
		}
	}
}
