package storage

import (
	"bytes"
	"net/http"
	"os"
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

// BenchmarkOpenSplitsReplays is the schema 1 → 2 migration at Open: a
// schema-1 file of 10,000 replays with 2 KiB request and 1 KiB response
// bodies, copied afresh for each run (the copy is not timed).
func BenchmarkOpenSplitsReplays(b *testing.B) {
	dir := b.TempDir()
	v1 := filepath.Join(dir, "v1.db")
	replays := make([]ReplayRecord, 10_000)
	for i := range replays {
		r := sampleReplay(uint64(i/3+1), bytes.Repeat([]byte{byte(i), 0xff}, 1<<10))
		r.ResponseBody = bytes.Repeat([]byte("r"), 1<<10)
		replays[i] = r
	}
	writeSchema1(b, v1, replays)
	raw, err := os.ReadFile(v1)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "run.db")
	for b.Loop() {
		b.StopTimer()
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		st, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if v, splitting := schemaVersion(b, st); v != 2 || splitting {
			b.Fatalf("schema %d, splitting %v", v, splitting)
		}
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(raw))/(1<<20), "file-MiB")
}
