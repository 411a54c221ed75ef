package storage

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// benchRows is 100,000 by default; HOOKSCOPE_BENCH_ROWS=1000000 measures
// the million-request store the issue asks about (setup takes a minute).
var benchRows = func() int {
	if n, err := strconv.Atoi(os.Getenv("HOOKSCOPE_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}()

var (
	benchOnce sync.Once
	benchPath string
	benchDir  string
)

// benchStore builds, once per run, a store of benchRows requests with
// 650-byte bodies, written in large transactions to keep setup quick.
func benchStore(b *testing.B) string {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hookscope-bench")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		benchPath = filepath.Join(dir, "bench.db")
		st, err := Open(benchPath, Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		body := make([]byte, 650)
		for start := 0; start < benchRows; start += 10_000 {
			var w recordWriter
			err := st.db.Update(func(tx *bolt.Tx) error {
				w.begin(tx)
				for i := 0; i < 10_000; i++ {
					id, _ := w.sums.NextSequence()
					rec := sampleRecord("/hooks/bench", body)
					rec.ReceivedAt = time.Unix(1_700_000_000+int64(id), 0)
					if err := w.put(id, rec); err != nil {
						return err
					}
				}
				return addCount(tx, 10_000)
			})
			w.end()
			if err != nil {
				b.Fatal(err)
			}
		}
		st.Close()
	})
	return benchPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// BenchmarkOpenAndFirstPage is what the window does at start: open, list
// the IDs, read the 50 newest summaries.
func BenchmarkOpenAndFirstPage(b *testing.B) {
	path := benchStore(b)
	b.ResetTimer()
	for b.Loop() {
		st, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		ids, err := st.IDs()
		if err != nil || len(ids) != benchRows {
			b.Fatalf("%d ids, %v", len(ids), err)
		}
		for _, id := range ids[len(ids)-50:] {
			if _, err := st.Summary(id); err != nil {
				b.Fatal(err)
			}
		}
		st.Close()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapInuse)/(1<<20), "heap-MiB")
}

// BenchmarkRawKeyWalk is the baseline for the IDs walk: a bare bbolt
// cursor over the same keys, nothing decoded or kept.
func BenchmarkRawKeyWalk(b *testing.B) {
	st, err := Open(benchStore(b), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		st.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketSummaries).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				n++
			}
			return nil
		})
		if n != benchRows {
			b.Fatal(n)
		}
	}
}

// BenchmarkIDs lists every ID, as the request list does on open.
func BenchmarkIDs(b *testing.B) {
	st, err := Open(benchStore(b), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ResetTimer()
	for b.Loop() {
		if ids, _ := st.IDs(); len(ids) != benchRows {
			b.Fatal(len(ids))
		}
	}
}

// BenchmarkSummaryRow reads one row's summary, as a visible list row does.
func BenchmarkSummaryRow(b *testing.B) {
	st, err := Open(benchStore(b), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	id := uint64(1)
	for b.Loop() {
		if _, err := st.Summary(id); err != nil {
			b.Fatal(err)
		}
		id = id%uint64(benchRows) + 1
	}
}

// BenchmarkAppendDurable is one request at a time with fsync: the cost a
// lone sender sees.
func BenchmarkAppendDurable(b *testing.B) {
	st, err := Open(filepath.Join(b.TempDir(), "a.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rec := sampleRecord("/a", make([]byte, 650))
	for b.Loop() {
		r := *rec
		if _, err := st.Append(context.Background(), &r); err != nil {
			b.Fatal(err)
		}
	}
}
