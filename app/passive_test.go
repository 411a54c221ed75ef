package app

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"dev.hookscope/storage"
)

// TestOpenIsPassive: a core opened for one command starts no goroutine
// (no forward workers, no retention loop), prunes nothing and forwards
// nothing; StartBackground starts them.
func TestOpenIsPassive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passive.db")
	before := runtime.NumGoroutine()
	c, err := Open(Config{DBPath: path, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The store's own writer and its log's applier (storage/wal.go) are
	// the two goroutines an open store has.
	if n := runtime.NumGoroutine() - before; n > 2 {
		t.Fatalf("Open started %d goroutines, want at most the store's writer and applier", n)
	}
	if err := c.SetRetention(storage.Retention{MaxCount: 1}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.Append(t.Context(), &storage.Record{Summary: storage.Summary{Method: "POST", Path: "/p", ReceivedAt: time.Now()}}); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing runs that could prune: the count stays 3. No wait is needed
	// for a negative here: no goroutine exists that could do it.
	if n, _ := c.Count(); n != 3 {
		t.Fatalf("a passive core pruned: %d left", n)
	}
	c.StartBackground()
	deadline := time.Now().Add(5 * time.Second)
	for n, _ := c.Count(); n != 1; n, _ = c.Count() {
		if time.Now().After(deadline) {
			t.Fatalf("StartBackground did not prune: %d left", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.StartBackground() // a second call starts nothing more
}

// TestPassiveCoreDoesNotForward: the store opened by a command never
// delivers to a forward target.
func TestPassiveCoreDoesNotForward(t *testing.T) {
	hits := make(chan struct{}, 10)
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits <- struct{}{} }))
	defer target.Close()
	c, err := Open(Config{DBPath: filepath.Join(t.TempDir(), "fwd.db"), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetForwardRules([]ForwardRule{{Prefix: "/", Target: target.URL, Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	if err := c.StartListener(""); err != nil {
		t.Fatal(err)
	}
	post(t, c.ListenerURL()+"/x")
	c.Close() // waits for anything queued; nothing may have been
	select {
	case <-hits:
		t.Fatal("a passive core forwarded a capture")
	default:
	}
}
