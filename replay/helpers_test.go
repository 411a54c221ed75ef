package replay

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"dev.hookscope/storage"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// seen is exactly what a test server received.
type seen struct {
	Method, URI, Host string
	Header            http.Header
	Body              []byte
	ContentLength     int64
	TransferEncoding  []string
}

// recorder is a loopback server that keeps every request it gets and
// answers with answer (200 and no body when nil).
type recorder struct {
	*httptest.Server
	mu     sync.Mutex
	got    []seen
	answer func(n int, w http.ResponseWriter)
}

func newRecorder(t *testing.T, answer func(n int, w http.ResponseWriter)) *recorder {
	t.Helper()
	rc := &recorder{answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, seen{r.Method, r.RequestURI, r.Host, r.Header.Clone(), body, r.ContentLength, r.TransferEncoding})
		n := len(rc.got)
		rc.mu.Unlock()
		if rc.answer != nil {
			rc.answer(n, w)
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *recorder) requests() []seen {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]seen(nil), rc.got...)
}

func (rc *recorder) last(t *testing.T) seen {
	t.Helper()
	got := rc.requests()
	if len(got) == 0 {
		t.Fatal("the server received nothing")
	}
	return got[len(got)-1]
}

// fakeClock moves only when slept on, and remembers each sleep.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// closedAddr is a loopback port nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func binaryBody() []byte {
	b := make([]byte, 0, 300)
	for i := range 256 {
		b = append(b, byte(i))
	}
	return append(b, 0xff, 0xfe, 0, '\r', '\n')
}

func capture(method, path, query string, h http.Header, body []byte) *storage.Record {
	return &storage.Record{
		Summary:  storage.Summary{ID: 7, Method: method, Path: path, BodySize: int64(len(body)), OriginalSize: int64(len(body))},
		RawQuery: query, Proto: "HTTP/1.1", Host: "hooks.example:8080", Header: h, Body: body,
	}
}

func newTLSRecorder(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	// Quiet the handshake errors the test provokes on purpose.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}
