package capture

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"dev.hookscope/storage"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func startServer(t *testing.T, st Store, cfg Config) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	srv, err := Start(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv
}

func openStore(t *testing.T) *storage.Store {
	t.Helper()
	st, err := storage.Open(filepath.Join(t.TempDir(), "cap.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

type ack struct {
	OK bool   `json:"ok"`
	ID uint64 `json:"id"`
}

func send(t *testing.T, req *http.Request) ack {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var a ack
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || !a.OK || a.ID == 0 {
		t.Fatalf("answer %+v %v", a, err)
	}
	return a
}

func TestEveryMethodAndPath(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{})
	for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PURGE", "PROPFIND", "X-CUSTOM"} {
		path := "/hooks/" + strings.ToLower(method) + "/deep%2Fpath"
		req, _ := http.NewRequest(method, srv.URL()+path+"?k=v", strings.NewReader("body-"+method))
		a := send(t, req)
		rec, err := st.Get(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Method != method || rec.Path != path || rec.RawQuery != "k=v" || string(rec.Body) != "body-"+method {
			t.Fatalf("%s stored as %+v body %q", method, rec.Summary, rec.Body)
		}
		if rec.Proto != "HTTP/1.1" || rec.Host != srv.Addr() || !strings.HasPrefix(rec.RemoteAddr, "127.0.0.1:") {
			t.Fatalf("connection facts wrong: %q %q %q", rec.Proto, rec.Host, rec.RemoteAddr)
		}
	}
}

func TestHeadRequestIsStored(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{})
	resp, err := http.Head(srv.URL() + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	sums, _ := st.Summaries(0, 0)
	if len(sums) != 1 || sums[0].Method != "HEAD" {
		t.Fatalf("%+v", sums)
	}
}

func TestBinaryBodyRepeatedHeadersAndQuery(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{})
	body := []byte{0, 1, 2, 0xff, 0xfe, '\r', '\n', 0x80, 0x81}
	req, _ := http.NewRequest("POST", srv.URL()+"/bin?a=1&a=2&b=%E2%9C%93", bytes.NewReader(body))
	req.Header.Add("X-Multi", "first")
	req.Header.Add("X-Multi", "second")
	req.Header.Add("X-Multi", "third")
	req.Header.Set("Content-Type", "application/octet-stream")
	a := send(t, req)
	rec, _ := st.Get(a.ID)
	if !bytes.Equal(rec.Body, body) {
		t.Fatalf("body %x, want %x", rec.Body, body)
	}
	if got := strings.Join(rec.Header["X-Multi"], "|"); got != "first|second|third" {
		t.Fatalf("repeated header %q", got)
	}
	if rec.RawQuery != "a=1&a=2&b=%E2%9C%93" {
		t.Fatalf("query %q", rec.RawQuery)
	}
	if rec.ContentType != "application/octet-stream" || rec.BodySize != int64(len(body)) || rec.Truncated {
		t.Fatalf("summary %+v", rec.Summary)
	}
}

func TestOversizedBodyIsCutAndCounted(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{MaxBody: 1000})
	for _, chunked := range []bool{false, true} {
		big := bytes.Repeat([]byte("0123456789"), 500) // 5000 bytes
		var r io.Reader = bytes.NewReader(big)
		if chunked {
			r = io.MultiReader(r) // hides the length: sent chunked
		}
		req, _ := http.NewRequest("POST", srv.URL()+"/big", r)
		a := send(t, req)
		rec, _ := st.Get(a.ID)
		if !rec.Truncated || rec.BodySize != 1000 || rec.OriginalSize != 5000 || !bytes.Equal(rec.Body, big[:1000]) {
			t.Fatalf("chunked=%v: %+v", chunked, rec.Summary)
		}
		if chunked && strings.Join(rec.Header["Transfer-Encoding"], ",") != "chunked" {
			t.Fatalf("transfer-encoding not recorded: %v", rec.Header)
		}
	}
}

// zeroReader yields n zero bytes without allocating them.
type zeroReader struct{ n int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

func TestEightyMiBBodyWithDefaultCap(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{})
	const size = 80 << 20
	req, _ := http.NewRequest("POST", srv.URL()+"/huge", &zeroReader{n: size})
	req.ContentLength = size
	a := send(t, req)
	sum, _ := st.Summary(a.ID)
	if sum.OriginalSize != size || sum.BodySize != DefaultMaxBody || !sum.Truncated {
		t.Fatalf("%+v", sum)
	}
	// The server still answers others.
	send(t, mustRequest("POST", srv.URL()+"/after", "ok"))
}

func mustRequest(method, url, body string) *http.Request {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	return req
}

func TestSlowClientDoesNotBlockOthers(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{ReadHeaderTimeout: 500 * time.Millisecond})
	// A client that never finishes its headers.
	slow, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "POST /slow HTTP/1.1\r\nHost: x\r\nX-Never: ")
	// And one that announces a body and never sends it.
	stalled, _ := net.Dial("tcp", srv.Addr())
	defer stalled.Close()
	fmt.Fprintf(stalled, "POST /stalled HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")

	done := make(chan ack, 1)
	go func() { done <- send(t, mustRequest("POST", srv.URL()+"/fast", "fast")) }()
	select {
	case a := <-done:
		if a.ID == 0 {
			t.Fatal("no id")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a slow client blocked another request")
	}
	// The header timeout closes the slow connection.
	slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := bufio.NewReader(slow).ReadString('\n'); err != nil && !errors.Is(err, io.EOF) {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("server never closed a client that did not finish its headers")
		}
	}
}

// gatedStore holds every Append until the test opens the gate, to prove the
// answer waits for the commit.
type gatedStore struct {
	inner    Store
	gate     chan struct{}
	mu       sync.Mutex
	received int
}

func (g *gatedStore) Append(ctx context.Context, rec *storage.Record) (uint64, error) {
	g.mu.Lock()
	g.received++
	g.mu.Unlock()
	<-g.gate
	return g.inner.Append(ctx, rec)
}

func TestAnswerComesOnlyAfterCommit(t *testing.T) {
	st := openStore(t)
	gs := &gatedStore{inner: st, gate: make(chan struct{})}
	srv := startServer(t, gs, Config{})
	answered := make(chan ack, 1)
	go func() { answered <- send(t, mustRequest("POST", srv.URL()+"/wait", "x")) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		gs.mu.Lock()
		n := gs.received
		gs.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("request never reached the store")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case <-answered:
		t.Fatal("answered before the store committed")
	case <-time.After(200 * time.Millisecond):
	}
	close(gs.gate)
	a := <-answered
	if _, err := st.Get(a.ID); err != nil {
		t.Fatalf("acknowledged %d but not stored: %v", a.ID, err)
	}
}

func TestStoreFailureAnswers503(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{})
	st.Close()
	resp, err := http.Post(srv.URL()+"/x", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "not stored") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

func TestPortInUseSaysSo(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{})
	_, err := Start(st, Config{Addr: srv.Addr()})
	if !errors.Is(err, ErrAddrInUse) || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("got %v", err)
	}
}

func TestOnStoredAnnouncesEachCapture(t *testing.T) {
	st := openStore(t)
	got := make(chan storage.Summary, 1)
	srv := startServer(t, st, Config{OnStored: func(rec *storage.Record) { got <- rec.Summary }})
	a := send(t, mustRequest("PUT", srv.URL()+"/announce", "{}"))
	s := <-got
	if s.ID != a.ID || s.Method != "PUT" || s.Path != "/announce" {
		t.Fatalf("%+v", s)
	}
}
