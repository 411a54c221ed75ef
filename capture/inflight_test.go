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
	"strings"
	"testing"
	"time"
)

// eventually polls cond every 5 ms until it holds, failing the test with
// what was awaited after limit.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: still waiting for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// slowSender is a raw connection that announced a body and sent only part
// of it; the rest waits for finish.
type slowSender struct {
	conn  net.Conn
	body  []byte
	sent  int
	wrote chan error
}

// startSlow announces size bytes on path and sends the first sent of them
// from a goroutine (the server may never read them), then stalls.
func startSlow(t *testing.T, addr, path string, size, sent int) *slowSender {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	body := bytes.Repeat([]byte(path[len(path)-1:]), size)
	s := &slowSender{conn: conn, body: body, sent: sent, wrote: make(chan error, 1)}
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", path, size)
	go func() {
		_, err := conn.Write(append([]byte(head), body[:sent]...))
		s.wrote <- err
	}()
	return s
}

// finish sends the rest of the body and reads the answer.
func (s *slowSender) finish(t *testing.T) (*http.Response, string) {
	t.Helper()
	if err := <-s.wrote; err != nil {
		t.Fatalf("sending the first part: %v", err)
	}
	if _, err := s.conn.Write(s.body[s.sent:]); err != nil {
		t.Fatalf("sending the rest: %v", err)
	}
	return s.read(t)
}

// read reads the answer without sending anything more.
func (s *slowSender) read(t *testing.T) (*http.Response, string) {
	t.Helper()
	s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(s.conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestInflightBudgetRefusesBodiesBeyondIt(t *testing.T) {
	const budget, size = 1 << 20, 256 << 10
	h := startHostile(t, Config{MaxInflight: budget, MaxBody: size, InflightWait: 300 * time.Millisecond})
	addr := h.srv.Addr()

	// Four bodies of a quarter of the budget each, all but their last byte
	// sent: together they hold the whole budget.
	var within []*slowSender
	for i := range 4 {
		within = append(within, startSlow(t, addr, fmt.Sprintf("/within/%d", i), size, size-1))
		eventually(t, 5*time.Second, fmt.Sprintf("body %d to take its room", i), func() bool {
			return h.srv.inflight.inUse() == int64(i+1)*size
		})
	}

	// Beyond the budget: two more bodies wait InflightWait, then get 503
	// unread, while the four still hold their room.
	for i := range 2 {
		start := time.Now()
		beyond := startSlow(t, addr, fmt.Sprintf("/beyond/%d", i), size, size-1)
		resp, body := beyond.read(t)
		took := time.Since(start)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" {
			t.Fatalf("beyond the budget: %d %v %q", resp.StatusCode, resp.Header, body)
		}
		if took < 300*time.Millisecond || took > 5*time.Second {
			t.Fatalf("refused after %v, want after waiting about 300ms", took)
		}
		var answer struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		}
		if strings.Count(body, "\n") != 1 || !strings.HasSuffix(body, "\n") || json.Unmarshal([]byte(body), &answer) != nil || answer.OK ||
			answer.Error != "not stored: Hookscope is already receiving 1 MiB of other request bodies, its limit; retry after 5 s" {
			t.Fatalf("refusal body %q", body)
		}
	}

	// The four finish: each is answered 200 and stored whole.
	for i, s := range within {
		resp, body := s.finish(t)
		var a ack
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &a) != nil || !a.OK {
			t.Fatalf("body %d within the budget: %d %q", i, resp.StatusCode, body)
		}
		rec, err := h.st.Get(a.ID)
		if err != nil || rec.Path != fmt.Sprintf("/within/%d", i) || !bytes.Equal(rec.Body, s.body) {
			t.Fatalf("body %d stored as %v (%d bytes), %v", i, rec.Path, len(rec.Body), err)
		}
	}
	if n := h.count(t, "/beyond/0") + h.count(t, "/beyond/1"); n != 0 {
		t.Fatalf("%d refused bodies were stored", n)
	}

	// The room is given back: nothing held, and a new body of the whole
	// budget's size is received.
	eventually(t, 5*time.Second, "the budget to be empty", func() bool { return h.srv.inflight.inUse() == 0 })
	h.probe(t)
	again := startSlow(t, addr, "/after", size, size-1)
	if resp, body := again.finish(t); resp.StatusCode != 200 {
		t.Fatalf("after the others finished: %d %q", resp.StatusCode, body)
	}
	if h.srv.inflight.inUse() != 0 {
		t.Fatalf("%d bytes still held after every body was answered", h.srv.inflight.inUse())
	}
}

func TestBodyWaitingForRoomGetsItWhenItIsFreed(t *testing.T) {
	const size = 512 << 10
	h := startHostile(t, Config{MaxInflight: size, MaxBody: size, InflightWait: 10 * time.Second})
	first := startSlow(t, h.srv.Addr(), "/first", size, 1)
	eventually(t, 5*time.Second, "the first body to take the budget", func() bool { return h.srv.inflight.inUse() == size })
	second := startSlow(t, h.srv.Addr(), "/second", 1000, 1000)
	eventually(t, 5*time.Second, "the second body to wait for room", func() bool {
		h.srv.inflight.mu.Lock()
		defer h.srv.inflight.mu.Unlock()
		return h.srv.inflight.waiting == 1
	})
	if resp, body := first.finish(t); resp.StatusCode != 200 {
		t.Fatalf("first: %d %q", resp.StatusCode, body)
	}
	if resp, body := second.read(t); resp.StatusCode != 200 {
		t.Fatalf("second, after the first gave its room back: %d %q", resp.StatusCode, body)
	}
	if h.count(t, "/second") != 1 {
		t.Fatal("the second body was not stored")
	}
}

func TestChunkedBodyGrowsWithinTheBudget(t *testing.T) {
	const max = 1 << 20
	h := startHostile(t, Config{MaxInflight: max, MaxBody: max})
	for _, size := range []int{0, 1, growFrom - 1, growFrom, growFrom + 1, 300 << 10, max, max + 5} {
		body := make([]byte, size)
		for i := range body {
			body[i] = byte(i * 7)
		}
		// An io.Reader that is not a bytes.Reader: sent chunked.
		req, _ := http.NewRequest("POST", h.srv.URL()+"/chunked", io.MultiReader(bytes.NewReader(body)))
		req.ContentLength = -1
		a := send(t, req)
		rec, err := h.st.Get(a.ID)
		want := body[:min(size, max)]
		if err != nil || !bytes.Equal(rec.Body, want) || rec.OriginalSize != int64(size) || rec.Truncated != (size > max) {
			t.Fatalf("%d bytes chunked: stored %d of %d, truncated %v, %v", size, len(rec.Body), rec.OriginalSize, rec.Truncated, err)
		}
		if n := h.srv.inflight.inUse(); n != 0 {
			t.Fatalf("%d bytes chunked: %d bytes still held", size, n)
		}
	}
}

func TestChunkedBodyFindingNoRoomToGrowGets503(t *testing.T) {
	const max = 256 << 10
	h := startHostile(t, Config{MaxInflight: max + growFrom, MaxBody: max, InflightWait: 200 * time.Millisecond})
	holder := startSlow(t, h.srv.Addr(), "/holder", max, 10)
	eventually(t, 5*time.Second, "the holder to take its room", func() bool { return h.srv.inflight.inUse() == max })

	// The chunked body gets its first buffer, then finds no room to grow.
	conn, err := net.Dial("tcp", h.srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	chunk := bytes.Repeat([]byte("c"), 32<<10)
	wrote := make(chan error, 1)
	go func() {
		_, err := fmt.Fprintf(conn, "POST /grow HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
		for i := 0; i < 4 && err == nil; i++ {
			_, err = fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk)
		}
		wrote <- err
	}()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a chunked body with no room to grow: %d %v", resp.StatusCode, resp.Header)
	}
	<-wrote
	if resp, body := holder.finish(t); resp.StatusCode != 200 {
		t.Fatalf("holder: %d %q", resp.StatusCode, body)
	}
	if h.count(t, "/grow") != 0 {
		t.Fatal("the refused chunked body was stored")
	}
	eventually(t, 5*time.Second, "the budget to be empty", func() bool { return h.srv.inflight.inUse() == 0 })
}

func TestShutdownRefusesABodyWaitingForRoom(t *testing.T) {
	const size = 64 << 10
	h := startHostile(t, Config{MaxInflight: size, MaxBody: size, InflightWait: time.Minute})
	startSlow(t, h.srv.Addr(), "/holder", size, 1)
	eventually(t, 5*time.Second, "the holder to take its room", func() bool { return h.srv.inflight.inUse() == size })
	waiter := startSlow(t, h.srv.Addr(), "/waiter", 10, 10)
	eventually(t, 5*time.Second, "the second body to wait", func() bool {
		h.srv.inflight.mu.Lock()
		defer h.srv.inflight.mu.Unlock()
		return h.srv.inflight.waiting == 1
	})
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		done <- h.srv.Shutdown(ctx)
	}()
	resp, body := waiter.read(t)
	if resp.StatusCode != 503 || !strings.Contains(body, "shutting down") {
		t.Fatalf("waiting at shutdown: %d %q", resp.StatusCode, body)
	}
	<-done
}

func TestInflightBudgetBelowMaxBodyIsRefusedAtStart(t *testing.T) {
	_, err := Start(openStore(t), Config{Addr: "127.0.0.1:0", MaxInflight: 1 << 20})
	if err == nil || err.Error() != "the in-flight budget (1 MiB) is smaller than one stored body (10 MiB), so a large body could never be received: raise --max-inflight or lower --max-body" {
		t.Fatalf("error %v", err)
	}
	cfg := Config{MaxBody: 512 << 20}
	if got := cfg.withDefaults().MaxInflight; got != 512<<20 {
		t.Fatalf("default budget with a 512 MiB body: %d", got)
	}
	cfg = Config{}
	if got := cfg.withDefaults().MaxInflight; got != DefaultMaxInflight {
		t.Fatalf("default budget: %d", got)
	}
}

func TestBudget(t *testing.T) {
	b := newBudget(100)
	stop := make(chan struct{})
	ctx := context.Background()
	if err := b.take(ctx, stop, 60, 0); err != nil {
		t.Fatal(err)
	}
	if err := b.take(ctx, stop, 40, 0); err != nil {
		t.Fatal(err)
	}
	if err := b.take(ctx, stop, 1, 10*time.Millisecond); !errors.Is(err, errNoRoom) {
		t.Fatalf("over the limit: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.take(cancelled, stop, 1, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("with the request gone: %v", err)
	}
	stopped := make(chan struct{})
	close(stopped)
	if err := b.take(ctx, stopped, 1, time.Minute); !errors.Is(err, errShuttingDown) {
		t.Fatalf("with the server stopping: %v", err)
	}
	got := make(chan error, 1)
	go func() { got <- b.take(ctx, stop, 50, time.Minute) }()
	eventually(t, 5*time.Second, "the taker to wait", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.waiting == 1
	})
	b.give(60)
	if err := <-got; err != nil {
		t.Fatalf("after room was given back: %v", err)
	}
	if b.inUse() != 90 {
		t.Fatalf("in use %d, want 90", b.inUse())
	}
	b.give(90)
	if b.inUse() != 0 || b.waiting != 0 {
		t.Fatalf("in use %d, waiting %d", b.inUse(), b.waiting)
	}
	if err := b.take(ctx, stop, 0, 0); err != nil {
		t.Fatalf("an empty body: %v", err)
	}
}
