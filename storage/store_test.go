package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hookscope.db")
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

// appendRequests stores n sample requests (IDs 1..n on a new store), for
// tests of what is kept beside a request: that needs the request there.
func appendRequests(t *testing.T, st *Store, n int) {
	t.Helper()
	for range n {
		if _, err := st.Append(context.Background(), sampleRecord("/r", nil)); err != nil {
			t.Fatal(err)
		}
	}
}

func sampleRecord(path string, body []byte) *Record {
	return &Record{
		Summary: Summary{
			ReceivedAt: time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC),
			Method:     "POST", Path: path, BodySize: int64(len(body)), OriginalSize: int64(len(body)),
			ContentType: "application/octet-stream", Status: 200,
		},
		RawQuery: "a=1&a=2", Proto: "HTTP/1.1", Host: "127.0.0.1:8080", RemoteAddr: "127.0.0.1:5555",
		Header: http.Header{"X-Repeat": {"one", "two"}, "Content-Type": {"application/octet-stream"}},
		Body:   body,
	}
}

func TestBinaryBodyRoundTrip(t *testing.T) {
	st, _ := openTemp(t)
	body := make([]byte, 256*3)
	for i := range body {
		body[i] = byte(i)
	}
	body = append(body, 0xff, 0xfe, 0x00, '\r', '\n')
	id, err := st.Append(context.Background(), sampleRecord("/bin", body))
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Body, body) {
		t.Fatalf("body changed: got %d bytes, want %d", len(got.Body), len(body))
	}
	if got.RawQuery != "a=1&a=2" || strings.Join(got.Header["X-Repeat"], ",") != "one,two" {
		t.Fatalf("detail changed: %+v", got)
	}
	want := time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC)
	if !got.ReceivedAt.Equal(want) || got.Method != "POST" || got.Path != "/bin" || got.Status != 200 {
		t.Fatalf("summary changed: %+v", got.Summary)
	}
}

func TestOrderAndReopen(t *testing.T) {
	st, path := openTemp(t)
	for i := 0; i < 50; i++ {
		if _, err := st.Append(context.Background(), sampleRecord("/p"+string(rune('a'+i%26)), []byte{byte(i)})); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	sums, err := st2.Summaries(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 50 {
		t.Fatalf("got %d after reopen, want 50", len(sums))
	}
	for i, s := range sums {
		if s.ID != uint64(i+1) {
			t.Fatalf("row %d has id %d: not in arrival order", i, s.ID)
		}
	}
	page, _ := st2.Summaries(45, 3)
	if len(page) != 3 || page[0].ID != 46 {
		t.Fatalf("page after 45: %+v", page)
	}
	n, _ := st2.Count()
	if n != 50 {
		t.Fatalf("count %d", n)
	}
}

func TestConcurrentAppendsShareCommitsAndKeepEveryRecord(t *testing.T) {
	st, _ := openTemp(t)
	var wg sync.WaitGroup
	ids := make(chan uint64, 200)
	for g := 0; g < 20; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				id, err := st.Append(context.Background(), sampleRecord("/c", []byte("x")))
				if err != nil {
					t.Error(err)
					return
				}
				ids <- id
			}
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[uint64]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("id %d handed out twice", id)
		}
		seen[id] = true
		if _, err := st.Get(id); err != nil {
			t.Fatalf("acknowledged id %d not readable: %v", id, err)
		}
	}
	if len(seen) != 200 {
		t.Fatalf("got %d ids", len(seen))
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestFileModeIs0600(t *testing.T) {
	_, path := openTemp(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestLockedFileSaysInUse(t *testing.T) {
	_, path := openTemp(t)
	_, err := Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if err == nil {
		t.Fatal("second open of a held database succeeded")
	}
	want := "the database " + path + " is in use by another Hookscope (close it or use --db)"
	if err.Error() != want {
		t.Fatalf("got %q\nwant %q", err, want)
	}
}

func TestDamagedFileIsAnErrorNotAPanic(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"text":    []byte(strings.Repeat("this is not a database\n", 1000)),
		"zeros":   make([]byte, 64*1024),
		"short":   []byte("bolt"),
		"garbage": bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 8192),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := Open(path, Options{})
			if err == nil {
				st.Close()
				t.Fatal("opened a damaged file")
			}
			if !strings.Contains(err.Error(), "is damaged") || !strings.Contains(err.Error(), "move it aside") {
				t.Fatalf("message does not say what to do: %v", err)
			}
		})
	}
}

func TestDamagedPagesAfterValidHeader(t *testing.T) {
	st, path := openTemp(t)
	for i := 0; i < 200; i++ {
		st.Append(context.Background(), sampleRecord("/d", bytes.Repeat([]byte("y"), 500)))
	}
	st.Close()
	data, _ := os.ReadFile(path)
	// Keep the two meta pages, wreck the rest.
	for i := 4096 * 2; i < len(data); i++ {
		data[i] = 0xAA
	}
	os.WriteFile(path, data, 0o600)
	st2, err := Open(path, Options{})
	if err != nil {
		if !strings.Contains(err.Error(), path) {
			t.Fatalf("error does not name the file: %v", err)
		}
		return
	}
	defer st2.Close()
	// If bbolt opens it, reading must still not panic, and Check must report.
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("panic reading a damaged file: %v", r)
			}
		}()
		_, _ = st2.Summaries(0, 0)
	}()
}

func TestNewerSchemaRefused(t *testing.T) {
	st, path := openTemp(t)
	st.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		v := make([]byte, 8)
		binary.BigEndian.PutUint64(v, SchemaVersion+1)
		return tx.Bucket(bucketMeta).Put(keySchema, v)
	})
	db.Close()
	_, err = Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "newer Hookscope") {
		t.Fatalf("got %v", err)
	}
}

func TestDeleteClearAndSequence(t *testing.T) {
	st, _ := openTemp(t)
	for i := 0; i < 5; i++ {
		st.Append(context.Background(), sampleRecord("/x", []byte("b")))
	}
	if err := st.Delete(2, 4, 99); err != nil {
		t.Fatal(err)
	}
	ids, _ := st.IDs()
	if len(ids) != 3 || ids[0] != 1 || ids[1] != 3 || ids[2] != 5 {
		t.Fatalf("ids after delete: %v", ids)
	}
	if _, err := st.Get(2); err == nil {
		t.Fatal("deleted record still readable")
	}
	if err := st.Clear(); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.Count(); n != 0 {
		t.Fatalf("count after clear %d", n)
	}
	id, _ := st.Append(context.Background(), sampleRecord("/y", nil))
	if id != 6 {
		t.Fatalf("id after clear %d, want 6 (never reuse)", id)
	}
}

func TestAppendAfterCloseFails(t *testing.T) {
	st, _ := openTemp(t)
	st.Close()
	if _, err := st.Append(context.Background(), sampleRecord("/z", nil)); err != ErrClosed {
		t.Fatalf("got %v", err)
	}
}

func TestSettings(t *testing.T) {
	st, _ := openTemp(t)
	if v, _ := st.Setting("listen"); v != nil {
		t.Fatalf("missing setting %q", v)
	}
	st.PutSetting("listen", []byte("127.0.0.1:9000"))
	if v, _ := st.Setting("listen"); string(v) != "127.0.0.1:9000" {
		t.Fatalf("got %q", v)
	}
}
