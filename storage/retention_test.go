package storage

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"
)

func fill(t *testing.T, st *Store, n int, body []byte, at func(i int) time.Time) {
	t.Helper()
	for i := range n {
		rec := sampleRecord("/r", body)
		rec.ReceivedAt = at(i)
		if _, err := st.Append(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPruneByCountAgeAndSize(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	hourly := func(i int) time.Time { return now.Add(-time.Duration(50-i) * time.Hour) } // oldest first
	cases := []struct {
		name string
		r    Retention
		keep int
	}{
		{"count", Retention{MaxCount: 10}, 10},
		{"age", Retention{MaxAge: 24 * time.Hour}, 24},
		{"bytes", Retention{MaxBytes: 5 * (1000 + perRequestOverhead)}, 5},
		{"tightest wins", Retention{MaxCount: 30, MaxAge: 12 * time.Hour}, 12},
		{"none", Retention{}, 50},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, _ := openTemp(t)
			fill(t, st, 50, bytes.Repeat([]byte("b"), 1000), hourly)
			deleted, err := st.Prune(c.r, now)
			if err != nil {
				t.Fatal(err)
			}
			ids, _ := st.IDs()
			if len(ids) != c.keep || deleted != 50-c.keep {
				t.Fatalf("kept %d (deleted %d), want %d", len(ids), deleted, c.keep)
			}
			if len(ids) > 0 && ids[len(ids)-1] != 50 {
				t.Fatalf("the newest request was pruned: %v", ids)
			}
			for i := 1; i < len(ids); i++ {
				if ids[i] != ids[i-1]+1 {
					t.Fatalf("a hole in what was kept: %v", ids)
				}
			}
		})
	}
}

func TestPruneLargeBacklogInBatchesKeepsSequence(t *testing.T) {
	st, _ := openTemp(t)
	fill(t, st, 2500, []byte("x"), func(int) time.Time { return time.Now() })
	deleted, err := st.Prune(Retention{MaxCount: 100}, time.Now())
	if err != nil || deleted != 2400 {
		t.Fatalf("deleted %d, %v", deleted, err)
	}
	id, _ := st.Append(context.Background(), sampleRecord("/next", nil))
	if id != 2501 {
		t.Fatalf("next id %d after pruning, want 2501", id)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestCompactFileShrinksAndKeepsEverything(t *testing.T) {
	st, path := openTemp(t)
	fill(t, st, 300, bytes.Repeat([]byte("z"), 20_000), func(int) time.Time { return time.Now() })
	st.Prune(Retention{MaxCount: 10}, time.Now())
	st.Close()
	before, after, err := CompactFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if after >= before/2 {
		t.Fatalf("compaction %d → %d bytes: did not shrink", before, after)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("compacted file mode %v", fi.Mode().Perm())
	}
	st2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	ids, _ := st2.IDs()
	if len(ids) != 10 || ids[0] != 291 {
		t.Fatalf("after compaction: %v", ids)
	}
	rec, err := st2.Get(300)
	if err != nil || len(rec.Body) != 20_000 {
		t.Fatalf("body after compaction: %v", err)
	}
	if id, _ := st2.Append(context.Background(), sampleRecord("/after", nil)); id != 301 {
		t.Fatalf("sequence after compaction gives %d, want 301", id)
	}
}
