package localapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dev.hookscope/app"
	"dev.hookscope/storage"
)

// attachRead serves core's API with TLS on addr and attaches a
// RemoteSource with a new read token, pinning into knownHosts.
func attachRead(t *testing.T, core *app.Core, srv *Server, knownHosts string) *RemoteSource {
	t.Helper()
	token, _, err := core.AddToken("viewer-"+strings.ReplaceAll(t.Name(), "/", "-"), app.RoleRead)
	if err != nil {
		t.Fatal(err)
	}
	c, err := DialRemote(RemoteOptions{URL: srv.TCPURL(), Token: token, KnownHosts: knownHosts})
	if err != nil {
		t.Fatal(err)
	}
	_, hostport, _ := ParseRemote(srv.TCPURL())
	src, err := Attach(c, hostport, AttachOptions{MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// TestRemoteSourceRead: a window's source attached with a read token
// lists, follows new captures live, fetches a record once however often
// it is read, and gets the server's 403 sentence for replay and delete.
func TestRemoteSourceRead(t *testing.T) {
	core, srv := startAPI(t, Options{TCPAddr: "127.0.0.1:0", TLS: true})
	first := addRequest(t, core, "POST", "/hooks/a", nil, []byte(`{"n":1}`))
	src := attachRead(t, core, srv, filepath.Join(t.TempDir(), "known_hosts"))

	if n, _ := src.Count(); n != 1 {
		t.Fatalf("Count = %d, want 1", n)
	}
	sub := src.Subscribe()
	defer sub.Close()
	// 1 MB, not 5: the point is how often it crosses the network, and
	// -race makes each megabyte of JSON cost seconds.
	big := bytes.Repeat([]byte(`{"k":"0123456789"},`), 1<<20/19)
	second := addRequest(t, core, "PUT", "/hooks/big", http.Header{"Content-Type": {"application/json"}}, big)
	waitFor(t, "the live insert", func() bool { s, err := src.Summary(second); return err == nil && s.Path == "/hooks/big" })
	if sub.Take()&app.Added == 0 {
		t.Error("the subscription was not told of the insert")
	}
	if ids, _ := src.IDs(); len(ids) != 2 || ids[0] != first || ids[1] != second {
		t.Errorf("IDs = %v", ids)
	}
	for range 3 {
		rec, err := src.Get(second)
		if err != nil || !bytes.Equal(rec.Body, big) {
			t.Fatalf("Get: %v (%d bytes)", err, len(rec.Body))
		}
	}
	if n := src.fetched.Load(); n != 1 {
		t.Errorf("the 1 MB record was fetched %d times for three reads, want once", n)
	}

	_, err := src.Replay(context.Background(), first, app.ReplaySpec{Target: "http://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "needs a token with the replay role or higher") || strings.Contains(err.Error(), "\n") {
		t.Errorf("replay with a read token: %v", err)
	}
	err = src.Delete(first)
	if err == nil || !strings.Contains(err.Error(), "needs a token with the admin role") {
		t.Errorf("delete with a read token: %v", err)
	}
	if _, err := src.Summary(first); err != nil {
		t.Errorf("a refused delete forgot the request here: %v", err)
	}
	if _, err := core.Summary(first); err != nil {
		t.Errorf("a refused delete deleted on the server: %v", err)
	}
}

// TestRemoteSourceReconnect: when the server goes, the source says so with
// the wait before the next try; when it is back on the same port, it says
// connected and lists what was stored meanwhile.
func TestRemoteSourceReconnect(t *testing.T) {
	core, srv := startAPI(t, Options{TCPAddr: "127.0.0.1:0", TLS: true})
	addr := srv.TCPAddr()
	src := attachRead(t, core, srv, filepath.Join(t.TempDir(), "known_hosts"))
	var mu sync.Mutex
	var seen []RemoteStatus
	src.OnStatus(func(st RemoteStatus) { mu.Lock(); seen = append(seen, st); mu.Unlock() })
	last := func() RemoteStatus { return src.Status() }

	srv.Close()
	waitFor(t, "the disconnected status", func() bool { return !last().Connected })
	if st := last(); st.RetryIn <= 0 || st.RetryIn > 100*time.Millisecond || st.HostPort != addr {
		t.Errorf("status while down: %+v", st)
	}
	id := addRequest(t, core, "POST", "/while/down", nil, nil)

	srv2, err := Start(core, Options{TCPAddr: addr, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	waitFor(t, "the reconnection", func() bool { return last().Connected })
	waitFor(t, "the request stored while down", func() bool { _, err := src.Summary(id); return err == nil })
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 2 || seen[0].Connected || !seen[len(seen)-1].Connected {
		t.Errorf("statuses: %+v", seen)
	}
}

// TestRemoteSourceChangedCertificate: another store's certificate on a
// pinned HOST:PORT is refused, naming both fingerprints.
func TestRemoteSourceChangedCertificate(t *testing.T) {
	known := filepath.Join(t.TempDir(), "known_hosts")
	core, srv := startAPI(t, Options{TCPAddr: "127.0.0.1:0", TLS: true})
	addr, firstFP := srv.TCPAddr(), srv.TLSFingerprint()
	attachRead(t, core, srv, known).Close()
	srv.Close()

	other := openCore(t, filepath.Join(t.TempDir(), "other.db"))
	srv2, err := Start(other, Options{TCPAddr: addr, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	token, _, _ := other.AddToken("viewer", app.RoleRead)
	_, err = DialRemote(RemoteOptions{URL: srv2.TCPURL(), Token: token, KnownHosts: known})
	var changed *ChangedCertError
	if !errors.As(err, &changed) || changed.Pinned != firstFP || changed.Got != srv2.TLSFingerprint() {
		t.Errorf("a changed certificate: %v", err)
	}
}

// TestRecordCacheBudget: the cache keeps bodies up to its budget, the
// least recently read going first, and never one bigger than the budget.
func TestRecordCacheBudget(t *testing.T) {
	c := newRecordCache(10)
	rec := func(id uint64, n int) *storage.Record {
		return &storage.Record{Summary: storage.Summary{ID: id}, Body: make([]byte, n)}
	}
	c.put(rec(1, 4))
	c.put(rec(2, 4))
	c.get(1) // 2 is now the least recently read
	c.put(rec(3, 4))
	if _, ok := c.get(2); ok {
		t.Error("2 was kept over the budget")
	}
	if _, ok := c.get(1); !ok {
		t.Error("1, read recently, was dropped")
	}
	c.put(rec(4, 11))
	if _, ok := c.get(4); ok || c.size() > 10 {
		t.Errorf("a record over the budget was kept (size %d)", c.size())
	}
}
