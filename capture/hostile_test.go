package capture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dev.hookscope/storage"
)

// Hostile input against a real listener on 127.0.0.1 and a real bbolt store.
// Every test states what the input gets; throughout, the listener keeps
// answering others, memory stays bounded and nothing panics (net/http
// recovers a handler panic and logs it: the ErrorLog is checked).

// syncBuffer collects the server's ErrorLog.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type hostile struct {
	srv *Server
	st  *storage.Store
	log *syncBuffer
}

// startHostile starts a listener whose ErrorLog is checked for panics when
// the test ends.
func startHostile(t testing.TB, cfg Config) *hostile {
	t.Helper()
	st, err := storage.Open(filepath.Join(t.TempDir(), "hostile.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &hostile{st: st, log: &syncBuffer{}}
	cfg.ErrorLog = log.New(h.log, "", 0)
	cfg.Addr = "127.0.0.1:0"
	srv, err := Start(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	t.Cleanup(func() {
		shutdownNow(srv)
		if strings.Contains(h.log.String(), "panic") {
			t.Errorf("the server panicked:\n%s", h.log.String())
		}
	})
	return h
}

func shutdownNow(srv *Server) {
	srv.http.Close()
	<-srv.done
}

// probe proves the listener still answers an ordinary request promptly.
func (h *hostile) probe(t testing.TB) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	resp, err := client.Post(h.srv.URL()+"/probe", "text/plain", strings.NewReader("still here"))
	if err != nil {
		t.Fatalf("the listener stopped answering others: %v", err)
	}
	defer resp.Body.Close()
	var a ack
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != 200 || !a.OK {
		t.Fatalf("probe answered %d %+v %v", resp.StatusCode, a, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("probe took %v", d)
	}
}

func (h *hostile) count(t testing.TB, path string) int {
	t.Helper()
	sums, err := h.st.Summaries(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range sums {
		if s.Path == path {
			n++
		}
	}
	return n
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// memoryBound fails the test if the live heap has grown by more than limit
// since memoryBound was called; call the returned func during the attack
// and after it.
func memoryBound(t *testing.T, limit uint64) func(stage string) {
	before := heapInUse()
	return func(stage string) {
		t.Helper()
		now := heapInUse()
		if now > before && now-before > limit {
			t.Fatalf("%s: live heap grew by %d MiB (limit %d MiB)", stage, (now-before)>>20, limit>>20)
		}
		t.Logf("%s: live heap %d MiB -> %d MiB", stage, before>>20, now>>20)
	}
}

// exchange writes raw bytes, ends the client's half, and returns everything
// the server sent until it closed. Writing runs beside reading so a server
// that answers early (431) does not deadlock a big write.
func exchange(t testing.TB, addr string, payload []byte, timeout time.Duration) ([]byte, error) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	go func() {
		conn.Write(payload)
		conn.(*net.TCPConn).CloseWrite()
	}()
	return io.ReadAll(conn)
}

var statusLine = regexp.MustCompile(`(?m)^HTTP/1\.[01] (\d{3}) `)

// FuzzRawRequest writes arbitrary bytes to a real socket. Expected: every
// answer is a well-formed HTTP/1.x response with a status from a short list
// (200 stored; 400 malformed; 417 unknown Expect; 431 headers too big; 501
// unknown transfer coding; 505 bad version), every ID answered 200 is
// readable from the store, the server closes the connection within a few
// seconds of the client finishing, and it still answers an ordinary
// request. The seeds run in every `go test`; `go test -fuzz
// FuzzRawRequest ./capture/` explores further.
func FuzzRawRequest(f *testing.F) {
	seeds := []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
		"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n",
		"",
		"\r\n",
		"\r\n\r\nGET /lead HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET\r\n\r\n",
		"GET /\r\n\r\n",
		"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost x\r\n\r\n",
		"GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",
		"GET /\x00nul HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-Ctl: a\x01b\x7f\r\n\r\n",
		"GET  /  HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n  b\r\n\r\n",
		"GET /lf HTTP/1.1\nHost: x\n\n",
		"GET /cr HTTP/1.1\rHost: x\r\r",
		"GET http://elsewhere.example/abs?q=1 HTTP/1.1\r\nHost: x\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		strings.Repeat("M", 5000) + " / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /" + strings.Repeat("p", 70000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + strings.Repeat("\x00", 32),
		"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nPOST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nc",
		"POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
		"POST /e HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\nhi",
		"GET / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET /caf\xe9/\xff?q=\xfe HTTP/1.1\r\nHost: x\r\nX-Bin: \xff\xfe\r\n\r\n",
		"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /after-head HTTP/1.1\r\nHost: x\r\n\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	h := startHostile(f, Config{ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 3 * time.Second, MaxBody: 64 << 10})
	allowed := map[string]bool{"100": true, "200": true, "400": true, "417": true, "431": true, "501": true, "505": true}
	idPattern := regexp.MustCompile(`\{"ok":true,"id":(\d+)\}`)
	f.Fuzz(func(t *testing.T, payload []byte) {
		out, err := exchange(t, h.srv.Addr(), payload, 10*time.Second)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the server neither answered nor closed within 10 s of the client finishing; got %q", out)
			}
			// A reset after the answer (the server closed with input
			// unread) is fine; what was read is still checked.
		}
		if len(out) > 0 && !statusLine.Match(out) {
			t.Fatalf("answer is not HTTP: %.200q", out)
		}
		for _, m := range statusLine.FindAllSubmatch(out, -1) {
			if !allowed[string(m[1])] {
				t.Fatalf("status %s for %.200q:\n%.500s", m[1], payload, out)
			}
		}
		for _, m := range idPattern.FindAllSubmatch(out, -1) {
			id, _ := strconv.ParseUint(string(m[1]), 10, 64)
			if _, err := h.st.Get(id); err != nil {
				t.Fatalf("answered id %d but it is not stored: %v", id, err)
			}
		}
		h.probe(t)
	})
}

// TestOneMegabyteHeadersGet431: a header block past the 1 MiB cap is
// answered 431 without storing anything, and costs no more than the cap in
// memory; a 900 KB header under the cap is stored byte for byte.
func TestOneMegabyteHeadersGet431(t *testing.T) {
	h := startHostile(t, Config{})
	memory := memoryBound(t, 64<<20)
	big := "POST /big-headers HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 1<<20+8<<10) + "\r\nContent-Length: 0\r\n\r\n"
	for range 4 {
		out, _ := exchange(t, h.srv.Addr(), []byte(big), 10*time.Second)
		if !bytes.HasPrefix(out, []byte("HTTP/1.1 431 ")) {
			t.Fatalf("1 MiB of headers answered %.100q", out)
		}
	}
	// Many headers adding up past the cap: the same.
	var many strings.Builder
	many.WriteString("POST /many-big HTTP/1.1\r\nHost: x\r\n")
	for i := 0; many.Len() < 1<<20+8<<10; i++ {
		fmt.Fprintf(&many, "X-H%d: %s\r\n", i, strings.Repeat("b", 1000))
	}
	many.WriteString("\r\n")
	out, _ := exchange(t, h.srv.Addr(), []byte(many.String()), 10*time.Second)
	if !bytes.HasPrefix(out, []byte("HTTP/1.1 431 ")) {
		t.Fatalf("many headers over 1 MiB answered %.100q", out)
	}
	if n := h.count(t, "/big-headers") + h.count(t, "/many-big"); n != 0 {
		t.Fatalf("%d requests with oversized headers were stored", n)
	}
	h.probe(t)

	value := strings.Repeat("v", 900_000)
	req := mustRequest("POST", h.srv.URL()+"/under-cap", "x")
	req.Header.Set("X-Big", value)
	a := send(t, req)
	rec, err := h.st.Get(a.ID)
	if err != nil || rec.Header.Get("X-Big") != value {
		t.Fatalf("900 KB header not stored whole: %v", err)
	}
	memory("after")
}

// TestThousandsOfHeaders: 5,000 distinct headers and 3,000 repeats of one
// name (about 130 KB, under the cap) are answered 200 and stored, every
// value kept and repeats in arrival order.
func TestThousandsOfHeaders(t *testing.T) {
	h := startHostile(t, Config{})
	memory := memoryBound(t, 64<<20)
	var b strings.Builder
	b.WriteString("POST /many HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "X-Distinct-%d: d%d\r\n", i, i)
	}
	for i := range 3000 {
		fmt.Fprintf(&b, "X-Same: %d\r\n", i)
	}
	b.WriteString("\r\nok")
	out, _ := exchange(t, h.srv.Addr(), []byte(b.String()), 10*time.Second)
	m := regexp.MustCompile(`"id":(\d+)`).FindSubmatch(out)
	if !bytes.HasPrefix(out, []byte("HTTP/1.1 200 ")) || m == nil {
		t.Fatalf("answer %.200q", out)
	}
	id, _ := strconv.ParseUint(string(m[1]), 10, 64)
	rec, err := h.st.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5000 {
		if got := rec.Header.Get(fmt.Sprintf("X-Distinct-%d", i)); got != fmt.Sprintf("d%d", i) {
			t.Fatalf("header %d stored as %q", i, got)
		}
	}
	same := rec.Header["X-Same"]
	if len(same) != 3000 {
		t.Fatalf("%d of 3000 repeated values stored", len(same))
	}
	for i, v := range same {
		if v != strconv.Itoa(i) {
			t.Fatalf("repeat %d stored as %q: arrival order lost", i, v)
		}
	}
	h.probe(t)
	memory("after")
}

// TestInvalidUTF8IsStoredByteExact: bytes that are not UTF-8 in the path,
// the query, a header value and the body are answered 200 and stored
// exactly as sent (nothing replaced with U+FFFD).
func TestInvalidUTF8IsStoredByteExact(t *testing.T) {
	h := startHostile(t, Config{})
	body := []byte{0xff, 0x00, 0xfe, 0x80, 0xc3, 0x28, '\r', '\n'}
	raw := "POST /caf\xe9/\xff\xfe/%ff HTTP/1.1\r\nHost: x\r\n" +
		"X-Bin: \xff\xfe\x80 and \xc0\xaf\r\n" +
		"Content-Type: text/plain; charset=\xff\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + string(body)
	raw = strings.Replace(raw, "/%ff HTTP", "/%ff?q=\xfe\xff&r=%FF HTTP", 1)
	out, _ := exchange(t, h.srv.Addr(), []byte(raw), 10*time.Second)
	m := regexp.MustCompile(`"id":(\d+)`).FindSubmatch(out)
	if !bytes.HasPrefix(out, []byte("HTTP/1.1 200 ")) || m == nil {
		t.Fatalf("answer %.200q", out)
	}
	id, _ := strconv.ParseUint(string(m[1]), 10, 64)
	rec, err := h.st.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Path != "/caf\xe9/\xff\xfe/%ff" || rec.RawQuery != "q=\xfe\xff&r=%FF" {
		t.Fatalf("path %q query %q", rec.Path, rec.RawQuery)
	}
	if got := rec.Header.Get("X-Bin"); got != "\xff\xfe\x80 and \xc0\xaf" {
		t.Fatalf("header %q", got)
	}
	if rec.ContentType != "text/plain; charset=\xff" || !bytes.Equal(rec.Body, body) {
		t.Fatalf("content type %q body %x", rec.ContentType, rec.Body)
	}
	h.probe(t)
}

// TestChunkedBodyThatNeverEnds: a chunked body that keeps coming, slowly
// or as fast as loopback allows, is cut off by the read timeout (1 s here;
// 5 min by default): the sender gets 400 or a closed connection, nothing is
// stored, memory stays under the body cap, and others are answered while
// it streams.
func TestChunkedBodyThatNeverEnds(t *testing.T) {
	const readTimeout = time.Second
	h := startHostile(t, Config{ReadTimeout: readTimeout, WriteTimeout: 5 * time.Second, MaxBody: 1 << 20})
	memory := memoryBound(t, 64<<20)
	for _, fast := range []bool{false, true} {
		conn, err := net.Dial("tcp", h.srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /endless HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
		stop := make(chan struct{})
		wrote := make(chan int64, 1)
		go func() {
			chunk := []byte("1\r\na\r\n")
			if fast {
				chunk = append([]byte("8000\r\n"), append(make([]byte, 0x8000), "\r\n"...)...)
			}
			var n int64
			defer func() { wrote <- n }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := conn.Write(chunk); err != nil {
					return
				}
				n += int64(len(chunk))
				if !fast {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
		h.probe(t)
		memory(fmt.Sprintf("fast=%v, while streaming", fast))
		start := time.Now()
		conn.SetReadDeadline(time.Now().Add(readTimeout + 5*time.Second))
		out, err := io.ReadAll(conn)
		elapsed := time.Since(start)
		close(stop)
		conn.Close()
		n := <-wrote
		if err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("fast=%v: connection not ended by the server: %v after %v", fast, err, elapsed)
		}
		if len(out) > 0 && !bytes.HasPrefix(out, []byte("HTTP/1.1 400 ")) {
			t.Fatalf("fast=%v: answered %.200q", fast, out)
		}
		if elapsed > readTimeout+3*time.Second {
			t.Fatalf("fast=%v: ended after %v, read timeout %v", fast, elapsed, readTimeout)
		}
		t.Logf("fast=%v: sent %d bytes, ended after %v with %.40q", fast, n, elapsed, out)
	}
	if n := h.count(t, "/endless"); n != 0 {
		t.Fatalf("%d endless bodies were stored", n)
	}
	h.probe(t)
	memory("after")
}

// TestSlowloris: 200 clients dribbling their headers one byte per 100 ms,
// and 50 dribbling a body, are each dropped by the header timeout (1 s
// here, 10 s by default) or the read timeout (2 s here, 5 min by default);
// none is stored, and an ordinary request meanwhile is answered at once.
func TestSlowloris(t *testing.T) {
	const headerTimeout, readTimeout = time.Second, 2 * time.Second
	h := startHostile(t, Config{ReadHeaderTimeout: headerTimeout, ReadTimeout: readTimeout})
	memory := memoryBound(t, 64<<20)
	type result struct {
		elapsed time.Duration
		err     error
	}
	results := make(chan result, 250)
	dribble := func(prefix, rest string) {
		conn, err := net.Dial("tcp", h.srv.Addr())
		if err != nil {
			results <- result{err: err}
			return
		}
		defer conn.Close()
		start := time.Now()
		io.WriteString(conn, prefix)
		closed := make(chan struct{})
		go func() {
			// The server ends the connection: a read returns EOF, a
			// reset, or the 400/408 it chose to write first.
			conn.SetReadDeadline(time.Now().Add(15 * time.Second))
			io.Copy(io.Discard, conn)
			close(closed)
		}()
		for i := 0; ; i++ {
			select {
			case <-closed:
				results <- result{elapsed: time.Since(start)}
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := io.WriteString(conn, rest[i%len(rest):i%len(rest)+1]); err != nil {
				<-closed
				results <- result{elapsed: time.Since(start)}
				return
			}
		}
	}
	for range 200 {
		go dribble("POST /loris HTTP/1.1\r\n", "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n")
	}
	for range 50 {
		go dribble("POST /loris-body HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", "b")
	}
	time.Sleep(300 * time.Millisecond)
	h.probe(t)
	memory("with 250 slow clients connected")
	var slowest time.Duration
	for range 250 {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		slowest = max(slowest, r.elapsed)
	}
	if slowest > readTimeout+3*time.Second {
		t.Fatalf("a slow client kept its connection %v (timeouts %v, %v)", slowest, headerTimeout, readTimeout)
	}
	if n := h.count(t, "/loris") + h.count(t, "/loris-body"); n != 0 {
		t.Fatalf("%d slow requests were stored", n)
	}
	h.probe(t)
	memory("after")
	t.Logf("slowest slow client dropped after %v", slowest)
}

// idleConns is how many idle connections TestThousandsOfIdleConnections
// opens: 2,000, unless the open-file limit (two descriptors per
// connection here, client and server in one process) is lower.
func idleConns(t *testing.T) int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 200
	}
	n := 2000
	if room := (int(lim.Cur) - 256) / 2; room < n {
		t.Logf("open-file limit %d: %d idle connections instead of 2,000", lim.Cur, room)
		n = max(room, 50)
	}
	return n
}

// TestThousandsOfIdleConnections: 2,000 connections that never send a byte
// and 300 keep-alive connections left idle after a request do not stop an
// ordinary request from being answered at once; the server closes the first
// kind at the header timeout and the second at the idle timeout (1 s each
// here; 10 s and 2 min by default), and memory stays bounded.
func TestThousandsOfIdleConnections(t *testing.T) {
	const timeout = time.Second
	h := startHostile(t, Config{ReadHeaderTimeout: timeout, IdleTimeout: timeout})
	n := idleConns(t)
	memory := memoryBound(t, 256<<20)
	conns := make([]net.Conn, 0, n+300)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	start := time.Now()
	for range n {
		c, err := net.Dial("tcp", h.srv.Addr())
		if err != nil {
			t.Fatalf("dial after %d idle connections: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", h.srv.Addr())
			if err != nil {
				t.Error(err)
				return
			}
			fmt.Fprint(c, "POST /keepalive HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nk")
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil || resp.StatusCode != 200 {
				t.Errorf("keep-alive request: %v", err)
				c.Close()
				return
			}
			resp.Body.Close()
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	h.probe(t)
	memory(fmt.Sprintf("with %d idle connections open", len(conns)))

	// Every idle connection is closed by the server, not left to pile up.
	deadline := time.Now().Add(timeout + 10*time.Second)
	buf := make([]byte, 1)
	for i, c := range conns {
		c.SetReadDeadline(deadline)
		if _, err := c.Read(buf); err == nil || isTimeout(err) {
			t.Fatalf("idle connection %d still open %v after the timeouts: %v", i, time.Since(start), err)
		}
	}
	h.probe(t)
	memory("after")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestHTTP10AndPipelining: an HTTP/1.0 request without Host is answered
// with HTTP/1.0 and stored with its protocol; HTTP/1.0 keep-alive serves
// two requests on one connection; ten requests pipelined in one write
// (fixed length, chunked, empty, HEAD) are answered in order, each
// stored with its own body and increasing IDs.
func TestHTTP10AndPipelining(t *testing.T) {
	h := startHostile(t, Config{})
	out, _ := exchange(t, h.srv.Addr(), []byte("POST /ten HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc"), 5*time.Second)
	m := regexp.MustCompile(`"id":(\d+)`).FindSubmatch(out)
	if !bytes.HasPrefix(out, []byte("HTTP/1.0 200 ")) || m == nil {
		t.Fatalf("HTTP/1.0 answered %.200q", out)
	}
	id, _ := strconv.ParseUint(string(m[1]), 10, 64)
	rec, _ := h.st.Get(id)
	if rec == nil || rec.Proto != "HTTP/1.0" || string(rec.Body) != "abc" || rec.Host != "" {
		t.Fatalf("HTTP/1.0 stored as %+v", rec)
	}

	out, _ = exchange(t, h.srv.Addr(), []byte(
		"POST /ka1 HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n1"+
			"POST /ka2 HTTP/1.0\r\nContent-Length: 1\r\n\r\n2"), 5*time.Second)
	if got := len(statusLine.FindAll(out, -1)); got != 2 {
		t.Fatalf("HTTP/1.0 keep-alive: %d answers: %.300q", got, out)
	}

	var pipe bytes.Buffer
	var methods []string
	for i := range 10 {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&pipe, "POST /pipe/%d HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\nbody-%d", i, len(fmt.Sprint("body-", i)), i)
			methods = append(methods, "POST")
		case 1:
			fmt.Fprintf(&pipe, "PUT /pipe/%d HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\nbody-%d\r\n0\r\n\r\n", i, len(fmt.Sprint("body-", i)), i)
			methods = append(methods, "PUT")
		case 2:
			fmt.Fprintf(&pipe, "GET /pipe/%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
			methods = append(methods, "GET")
		case 3:
			fmt.Fprintf(&pipe, "HEAD /pipe/%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
			methods = append(methods, "HEAD")
		}
	}
	conn, err := net.Dial("tcp", h.srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(pipe.Bytes()); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	var last uint64
	for i, method := range methods {
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("pipelined answer %d: %v", i, err)
		}
		var a ack
		json.NewDecoder(resp.Body).Decode(&a) // HEAD: no body, no ID
		resp.Body.Close()
		if resp.StatusCode != 200 || (method != "HEAD" && (!a.OK || a.ID <= last)) {
			t.Fatalf("pipelined %d: status %d id %d after %d", i, resp.StatusCode, a.ID, last)
		}
		last = max(last, a.ID)
	}
	// Stored in the order sent, each with its own method and body.
	var pipes []storage.Summary
	sums, _ := h.st.Summaries(0, 0)
	for _, s := range sums {
		if strings.HasPrefix(s.Path, "/pipe/") {
			pipes = append(pipes, s)
		}
	}
	if len(pipes) != len(methods) {
		t.Fatalf("%d of %d pipelined requests stored", len(pipes), len(methods))
	}
	for i, s := range pipes {
		rec, err := h.st.Get(s.ID)
		if err != nil || rec.Path != fmt.Sprintf("/pipe/%d", i) || rec.Method != methods[i] {
			t.Fatalf("pipelined %d stored as %+v %v", i, rec, err)
		}
		if want := fmt.Sprint("body-", i); (rec.Method == "POST" || rec.Method == "PUT") && string(rec.Body) != want {
			t.Fatalf("pipelined %d body %q, want %q", i, rec.Body, want)
		}
	}
	h.probe(t)
}

// TestExpect100Continue: "Expect: 100-continue" gets "100 Continue" before
// the body is sent, then 200 once it is stored; an unknown expectation gets
// 417 and nothing is stored.
func TestExpect100Continue(t *testing.T) {
	h := startHostile(t, Config{})
	conn, err := net.Dial("tcp", h.srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprint(conn, "POST /expect HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("interim answer %q %v", line, err)
	}
	if blank, _ := br.ReadString('\n'); blank != "\r\n" {
		t.Fatalf("after 100: %q", blank)
	}
	io.WriteString(conn, "hello")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	var a ack
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	rec, err := h.st.Get(a.ID)
	if resp.StatusCode != 200 || err != nil || string(rec.Body) != "hello" {
		t.Fatalf("after 100-continue: %d %v", resp.StatusCode, err)
	}
	if got := rec.Header.Get("Expect"); got != "100-continue" {
		t.Fatalf("Expect header stored as %q", got)
	}

	out, _ := exchange(t, h.srv.Addr(), []byte("POST /teapot HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\nhi"), 5*time.Second)
	if !bytes.HasPrefix(out, []byte("HTTP/1.1 417 ")) {
		t.Fatalf("unknown expectation answered %.100q", out)
	}
	if h.count(t, "/teapot") != 0 {
		t.Fatal("a request with an unknown expectation was stored")
	}
	h.probe(t)
}
