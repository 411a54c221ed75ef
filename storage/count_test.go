package storage

import (
	"context"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestCountKeptWithEveryChange(t *testing.T) {
	st, path := openTemp(t)
	count := func() int {
		n, err := st.Count()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for range 20 {
		st.Append(context.Background(), sampleRecord("/c", []byte("x")))
	}
	if n := count(); n != 20 {
		t.Fatalf("after 20 appends: %d", n)
	}
	st.Delete(3, 4, 4, 999)
	if n := count(); n != 18 {
		t.Fatalf("after deleting 2 (one twice, one unknown): %d", n)
	}
	st.Prune(Retention{MaxCount: 10}, time.Now())
	if n := count(); n != 10 {
		t.Fatalf("after pruning to 10: %d", n)
	}
	if oldest, _ := st.OldestID(); oldest != 11 {
		t.Fatalf("oldest %d", oldest)
	}
	st.Close()
	// A file written before the count was kept gets counted at open.
	db, _ := bolt.Open(path, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyCount) })
	db.Close()
	st2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if n, _ := st2.Count(); n != 10 {
		t.Fatalf("recounted %d", n)
	}
	st2.Clear()
	if n, _ := st2.Count(); n != 0 {
		t.Fatalf("after clear %d", n)
	}
}
