package sender

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// received is what a test server saw.
type received struct {
	method, uri string
	header      http.Header
	body        []byte
}

func echoServer(t *testing.T, answer http.HandlerFunc) (*httptest.Server, <-chan received) {
	t.Helper()
	got := make(chan received, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- received{r.Method, r.RequestURI, r.Header.Clone(), body}
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func TestSendReportsAnswerAndTiming(t *testing.T) {
	srv, got := echoServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "hello")
	})
	body := []byte{0, 1, 2, 0xff}
	req, _ := http.NewRequest("PURGE", srv.URL+"/p?q=1", bytes.NewReader(body))
	resp, err := Send(context.Background(), req, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 202 || string(resp.Body) != "hello" || resp.Truncated || resp.BodySize != 5 ||
		strings.Join(resp.Header.Values("X-Multi"), ",") != "a,b" || resp.Proto != "HTTP/1.1" || resp.RemoteAddr != srv.Listener.Addr().String() {
		t.Fatalf("response %+v", resp)
	}
	in := <-got
	if in.method != "PURGE" || in.uri != "/p?q=1" || !bytes.Equal(in.body, body) {
		t.Fatalf("server saw %+v", in)
	}
	// A replay carries only what was captured: no defaults added.
	if _, ok := in.header["User-Agent"]; ok {
		t.Errorf("User-Agent added: %q", in.header.Get("User-Agent"))
	}
	if _, ok := in.header["Accept-Encoding"]; ok {
		t.Errorf("Accept-Encoding added: %q", in.header.Get("Accept-Encoding"))
	}
	checkTiming(t, resp.Timing)
	if resp.Timing.Connect <= 0 {
		t.Errorf("no connect time: %+v", resp.Timing)
	}
}

func checkTiming(t *testing.T, tm Timing) {
	t.Helper()
	for _, d := range []time.Duration{tm.DNS, tm.Connect, tm.TLS, tm.FirstByte, tm.Total} {
		if d < 0 {
			t.Fatalf("negative phase: %+v", tm)
		}
	}
	if tm.FirstByte <= 0 || tm.Total < tm.FirstByte {
		t.Fatalf("total must be at least first byte: %+v", tm)
	}
}

func TestSendKeepsUserAgentWhenGiven(t *testing.T) {
	srv, got := echoServer(t, func(http.ResponseWriter, *http.Request) {})
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("User-Agent", "Stripe/1.0")
	if _, err := Send(context.Background(), req, Options{}); err != nil {
		t.Fatal(err)
	}
	if ua := (<-got).header.Get("User-Agent"); ua != "Stripe/1.0" {
		t.Fatalf("User-Agent %q", ua)
	}
}

func TestSendCapsBody(t *testing.T) {
	srv, _ := echoServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 100))
	})
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := Send(context.Background(), req, Options{MaxBody: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Body) != 10 || !resp.Truncated || resp.BodySize != 100 {
		t.Fatalf("kept %d of %d, truncated %v", len(resp.Body), resp.BodySize, resp.Truncated)
	}
}

func TestSendRedirectToggle(t *testing.T) {
	srv, _ := echoServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusFound)
			return
		}
		io.WriteString(w, "new")
	})
	for _, follow := range []bool{false, true} {
		req, _ := http.NewRequest("GET", srv.URL+"/old", nil)
		resp, err := Send(context.Background(), req, Options{FollowRedirects: follow})
		if err != nil {
			t.Fatal(err)
		}
		want := map[bool]int{false: 302, true: 200}[follow]
		if resp.Status != want {
			t.Errorf("follow=%v: status %d, want %d", follow, resp.Status, want)
		}
		checkTiming(t, resp.Timing)
	}
}

func TestSendRefused(t *testing.T) {
	addr := closedAddr(t)
	req, _ := http.NewRequest("POST", "http://"+addr+"/x", strings.NewReader("{}"))
	_, err := Send(context.Background(), req, Options{})
	e, ok := AsError(err)
	if !ok || e.Kind != KindRefused || !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("err %v (%T)", err, err)
	}
	if !strings.Contains(err.Error(), "refused") || !strings.Contains(err.Error(), addr) {
		t.Errorf("sentence: %q", err)
	}
}

// closedAddr is a loopback port that was just free: nothing listens there.
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

func TestSendTimeout(t *testing.T) {
	release := make(chan struct{})
	srv, _ := echoServer(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release) // before srv.Close, which waits for the handler
	req, _ := http.NewRequest("GET", srv.URL, nil)
	start := time.Now()
	_, err := Send(context.Background(), req, Options{Timeout: 100 * time.Millisecond})
	e, ok := AsError(err)
	if !ok || e.Kind != KindTimeout || e.Timeout != 100*time.Millisecond {
		t.Fatalf("err %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("timeout took %s", took)
	}
	if !strings.Contains(err.Error(), "within 100ms") || e.Timing.Total < 100*time.Millisecond {
		t.Errorf("sentence %q, timing %+v", err, e.Timing)
	}
}

func TestSendCanceled(t *testing.T) {
	release := make(chan struct{})
	srv, got := echoServer(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-got; cancel() }()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	_, err := Send(ctx, req, Options{})
	if e, ok := AsError(err); !ok || e.Kind != KindCanceled {
		t.Fatalf("err %v", err)
	}
}

func TestSendTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") }))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	_, err := Send(context.Background(), req, Options{})
	e, ok := AsError(err)
	if !ok || e.Kind != KindTLS || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("verified send to a self-signed server: %v", err)
	}
	resp, err := Send(context.Background(), req, Options{Insecure: true})
	if err != nil || resp.Status != 200 || string(resp.Body) != "secure" {
		t.Fatalf("insecure: %v %+v", err, resp)
	}
	checkTiming(t, resp.Timing)
	if resp.Timing.TLS <= 0 {
		t.Errorf("no TLS time: %+v", resp.Timing)
	}
}

func TestSendHTTPSToPlainServerIsTLS(t *testing.T) {
	srv, _ := echoServer(t, func(http.ResponseWriter, *http.Request) {})
	req, _ := http.NewRequest("GET", strings.Replace(srv.URL, "http:", "https:", 1), nil)
	_, err := Send(context.Background(), req, Options{Timeout: 5 * time.Second})
	if e, ok := AsError(err); !ok || e.Kind != KindTLS {
		t.Fatalf("err %v", err)
	}
}

func TestSendDNS(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://no-such-host.invalid/", nil)
	_, err := Send(context.Background(), req, Options{Timeout: 10 * time.Second})
	e, ok := AsError(err)
	if !ok || e.Kind != KindDNS || !strings.Contains(err.Error(), "no-such-host.invalid") {
		t.Fatalf("err %v", err)
	}
}

func TestDecoded(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"ok":true}`))
	zw.Close()
	r := &Response{Header: http.Header{"Content-Encoding": {"gzip"}}, Body: buf.Bytes()}
	if out, err := r.Decoded(); err != nil || string(out) != `{"ok":true}` {
		t.Fatalf("%q %v", out, err)
	}
	plain := &Response{Header: http.Header{}, Body: []byte("x")}
	if out, _ := plain.Decoded(); string(out) != "x" {
		t.Fatal(string(out))
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindOther: "other", KindRefused: "refused", KindTimeout: "timeout", KindTLS: "tls", KindDNS: "dns", KindCanceled: "canceled"} {
		if k.String() != want {
			t.Errorf("%d: %s", k, k)
		}
	}
}
