package storage

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestPruneByAgeDecidesPerRequest: an imported request keeps its old time
// but gets the newest ID. Age-based retention deletes it alone and keeps
// every fresh capture; before, it deleted every ID up to the old one.
func TestPruneByAgeDecidesPerRequest(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	st, _ := openTemp(t)
	fill(t, st, 50, []byte("fresh"), func(i int) time.Time { return now.Add(-time.Duration(i) * time.Minute) })
	old := sampleRecord("/imported", []byte("from 2020"))
	old.ReceivedAt = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	oldID, err := st.Append(context.Background(), old)
	if err != nil {
		t.Fatal(err)
	}
	fill(t, st, 5, []byte("after"), func(int) time.Time { return now })
	deleted, err := st.Prune(Retention{MaxAge: 14 * 24 * time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := st.IDs()
	if deleted != 1 || len(ids) != 55 {
		t.Fatalf("deleted %d, kept %d: want the imported request alone deleted, 55 kept", deleted, len(ids))
	}
	if _, err := st.Get(oldID); err == nil {
		t.Fatalf("the request from 2020 (#%d) was kept", oldID)
	}
	if n, _ := st.Count(); n != 55 {
		t.Fatalf("count %d after pruning, want 55", n)
	}
	// With a count bound too, the expired one does not take a place.
	if _, err := st.Prune(Retention{MaxAge: 14 * 24 * time.Hour, MaxCount: 55}, now); err != nil {
		t.Fatal(err)
	}
	if ids, _ := st.IDs(); len(ids) != 55 {
		t.Fatalf("count bound after an age deletion kept %d, want 55", len(ids))
	}
}

// TestShortKeyIsAnErrorNotAPanic: a summaries key that is not 8 bytes (a
// damaged or hand-edited file) made NewestID and the list panic with an
// index out of range.
func TestShortKeyIsAnErrorNotAPanic(t *testing.T) {
	st, path := openTemp(t)
	fill(t, st, 3, []byte("x"), func(int) time.Time { return time.Now() })
	st.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Between requests 2 and 3, where only a walk meets it.
	middle := []byte{0, 0, 0, 0, 0, 0, 0, 2, 1}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSummaries).Put(middle, []byte{1, 2}) })
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	// At the end, where every start looks: Open refuses the file.
	atEnd := filepath.Join(t.TempDir(), "end.db")
	raw, _ := os.ReadFile(path)
	os.WriteFile(atEnd, raw, 0o600)
	db, _ = bolt.Open(atEnd, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSummaries).Put([]byte{0xff}, []byte{1}) })
	db.Close()
	if st, err := Open(atEnd, Options{}); err == nil {
		st.Close()
		t.Fatal("a file whose newest request key is one byte opened")
	} else if !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "move it aside") {
		t.Fatalf("unclear error: %v", err)
	}
	st, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checks := map[string]func() error{
		"IDs":            func() error { _, err := st.IDs(); return err },
		"Summaries":      func() error { _, err := st.Summaries(0, 0); return err },
		"SummariesSince": func() error { _, err := st.SummariesSince(time.Time{}); return err },
		"Prune":          func() error { _, err := st.Prune(Retention{MaxCount: 1}, time.Now()); return err },
	}
	for name, check := range checks {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s panicked: %v", name, r)
				}
			}()
			if err := check(); err == nil || !strings.Contains(err.Error(), "damaged") {
				t.Errorf("%s: %v, want an error saying the file is damaged", name, err)
			}
		}()
	}
}

// TestForeignBboltFileIsRefused: another program's bbolt file must not be
// adopted and written into; an empty one is fine.
func TestForeignBboltFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "other.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket([]byte("users"))
		return b.Put([]byte("alice"), []byte("admin"))
	})
	db.Close()
	before, _ := os.ReadFile(foreign)
	if st, err := Open(foreign, Options{}); err == nil {
		st.Close()
		t.Fatal("a bbolt file with a \"users\" bucket was opened as a Hookscope database")
	} else if !strings.Contains(err.Error(), "not a Hookscope database") || !strings.Contains(err.Error(), `"users"`) || !strings.Contains(err.Error(), "move it aside") {
		t.Fatalf("unclear error: %v", err)
	}
	if after, _ := os.ReadFile(foreign); !bytes.Equal(before, after) {
		t.Fatal("the foreign file was written to")
	}

	// Our own bucket names but no schema: written by something else.
	noSchema := filepath.Join(dir, "noschema.db")
	db, _ = bolt.Open(noSchema, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bucketSummaries); return err })
	db.Close()
	if st, err := Open(noSchema, Options{}); err == nil {
		st.Close()
		t.Fatal("a file with buckets but no schema was adopted")
	}

	empty := filepath.Join(dir, "empty.db")
	db, _ = bolt.Open(empty, 0o600, nil)
	db.Close()
	st, err := Open(empty, Options{})
	if err != nil {
		t.Fatalf("an empty bbolt file: %v", err)
	}
	st.Close()
}

// TestTinyFileSaysWhatToDo: bbolt's "file size too small 5000" became a
// sentence with the fix.
func TestTinyFileSaysWhatToDo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiny.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte{7}, 5000), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "only 5000 bytes") || !strings.Contains(err.Error(), "move it aside") {
		t.Fatalf("got %v", err)
	}
}

// TestCompactWithNothingToGainKeepsTheFile: compacting a file with no free
// pages made it bigger (356 → 366 MiB); the original is now kept.
func TestCompactWithNothingToGainKeepsTheFile(t *testing.T) {
	st, path := openTemp(t)
	fill(t, st, 200, bytes.Repeat([]byte("q"), 3000), func(int) time.Time { return time.Now() })
	st.Close()
	if _, _, err := CompactFile(path); err != nil { // the first pass may gain a little
		t.Fatal(err)
	}
	fi1, _ := os.Stat(path)
	before, after, err := CompactFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi2, _ := os.Stat(path)
	if after > before || fi2.Size() > fi1.Size() || !os.SameFile(fi1, fi2) {
		t.Fatalf("a second compaction changed the file: %d → %d (reported %d → %d), same file %v", fi1.Size(), fi2.Size(), before, after, os.SameFile(fi1, fi2))
	}
	if left, _ := filepath.Glob(path + compactSuffix + "*"); len(left) != 0 {
		t.Fatalf("temporary copies left behind: %v", left)
	}
}

// TestOpenWaitingOnCompactionOpensTheNewFile: a process that opened the
// file and waited for the lock while compact held it must not write into
// the old, unlinked file (its acknowledged requests would vanish). The
// opener is started just before the rename and the test waits until it
// holds the old file open before letting the rename go ahead.
func TestOpenWaitingOnCompactionOpensTheNewFile(t *testing.T) {
	st, path := openTemp(t)
	fill(t, st, 300, bytes.Repeat([]byte("z"), 5000), func(int) time.Time { return time.Now() })
	st.Prune(Retention{MaxCount: 20}, time.Now())
	st.Close()

	type opened struct {
		st  *Store
		err error
	}
	result := make(chan opened, 1)
	compactBeforeRename = func() {
		go func() {
			st, err := Open(path, Options{LockTimeout: 30 * time.Second})
			result <- opened{st, err}
		}()
		waitFor(t, 10*time.Second, "the second opener to hold the old file", func() bool { return openFDs(path) >= 2 })
	}
	t.Cleanup(func() { compactBeforeRename = nil })
	if _, _, err := CompactFile(path); err != nil {
		t.Fatal(err)
	}
	got := <-result
	if got.err != nil {
		t.Fatal(got.err)
	}
	id, err := got.st.Append(context.Background(), sampleRecord("/after-compact", []byte("kept")))
	got.st.Close()
	if err != nil {
		t.Fatal(err)
	}
	st2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if rec, err := st2.Get(id); err != nil || string(rec.Body) != "kept" {
		t.Fatalf("request #%d appended after waiting on compaction is not in %s: %v", id, path, err)
	}
}

// openFDs counts this process's descriptors open on path.
func openFDs(path string) int {
	fds, _ := os.ReadDir("/proc/self/fd")
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && target == path {
			n++
		}
	}
	return n
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
