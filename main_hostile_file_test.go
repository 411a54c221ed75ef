package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dev.hookscope/storage"
)

// TestDamagedOrForeignFileIsASentence: a summaries key of one byte made
// `serve` and `list` die with "index out of range" and a stack trace, and
// another program's bbolt file was adopted and written into. Both are now
// one sentence on stderr and exit 2, and the foreign file is untouched.
func TestDamagedOrForeignFileIsASentence(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	damaged := filepath.Join(dir, "damaged.db")
	st, err := storage.Open(damaged, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Append(context.Background(), &storage.Record{Summary: storage.Summary{Method: "POST", Path: "/x", ReceivedAt: time.Now()}})
	st.Close()
	db, err := bolt.Open(damaged, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("summaries")).Put([]byte{0xff}, []byte{1}) })
	db.Close()

	foreign := filepath.Join(dir, "foreign.db")
	db, err = bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket([]byte("sessions"))
		return b.Put([]byte("k"), []byte("v"))
	})
	db.Close()

	for _, tc := range []struct {
		db   string
		args []string
		want string
	}{
		{damaged, []string{"list"}, "damaged"},
		{damaged, []string{"list", "--json"}, "damaged"},
		{damaged, []string{"serve", "--listen", "127.0.0.1:0"}, "damaged"},
		{foreign, []string{"list"}, "not a Hookscope database"},
		{foreign, []string{"serve", "--listen", "127.0.0.1:0"}, "not a Hookscope database"},
	} {
		args := append(append([]string{}, tc.args...), "--db", tc.db)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Run()
		cancel()
		msg := stderr.String()
		code := cmd.ProcessState.ExitCode()
		if code != 2 || !strings.Contains(msg, tc.want) || strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine") || strings.Count(strings.TrimSpace(msg), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one sentence saying %q", args, code, msg, tc.want)
		}
	}
	db, err = bolt.Open(foreign, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		names := []string{}
		tx.ForEach(func(name []byte, _ *bolt.Bucket) error { names = append(names, string(name)); return nil })
		if len(names) != 1 || names[0] != "sessions" {
			t.Errorf("the foreign file now holds buckets %v", names)
		}
		return nil
	})
}
