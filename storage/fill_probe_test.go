package storage

import (
	"os"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestFillForProbe is not a test: with HOOKSCOPE_FILL_DB set it writes
// HOOKSCOPE_FILL_ROWS requests (default 1,000,000) of 650-byte bodies into
// that file, in transactions of 10,000 without fsync (then one), so
// scripts/memprobe.sh can time the window's start on a million-row store
// in about a minute instead of the hours that posting them would take:
//
//	go test -c -o /tmp/storage.test ./storage
//	HOOKSCOPE_FILL_DB=/tmp/big.db /tmp/storage.test -test.run TestFillForProbe
func TestFillForProbe(t *testing.T) {
	path := os.Getenv("HOOKSCOPE_FILL_DB")
	if path == "" {
		t.Skip("set HOOKSCOPE_FILL_DB to fill a store for scripts/memprobe.sh")
	}
	rows := 1_000_000
	if n, err := strconv.Atoi(os.Getenv("HOOKSCOPE_FILL_ROWS")); err == nil && n > 0 {
		rows = n
	}
	st, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 650)
	for start := 0; start < rows; start += 10_000 {
		n := min(10_000, rows-start)
		var w recordWriter
		err := st.db.Update(func(tx *bolt.Tx) error {
			w.begin(tx)
			for range n {
				id, err := w.sums.NextSequence()
				if err != nil {
					return err
				}
				rec := sampleRecord("/hooks/probe", body)
				rec.ReceivedAt = time.Unix(1_700_000_000+int64(id), 0).UTC()
				if err := w.put(id, rec); err != nil {
					return err
				}
			}
			return addCount(tx, n)
		})
		w.end()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.db.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}
