package capture

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"dev.hookscope/storage"
)

// freshClient opens a connection per request: a reused connection that
// drops would make net/http retry an idempotent request behind our back.
func freshClient(t *testing.T, timeout time.Duration) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

func respondWith(a Answer) func(context.Context, *storage.Record) (Answer, bool) {
	return func(context.Context, *storage.Record) (Answer, bool) { return a, true }
}

func TestAnswerIsWrittenAfterItsDelay(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{Respond: respondWith(Answer{Status: 201, Header: http.Header{"X-Rule": {"r"}}, Body: []byte("made"), Delay: 300 * time.Millisecond})})
	start := time.Now()
	resp, err := freshClient(t, 10*time.Second).Post(srv.URL()+"/d", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Fatalf("answered after %v, before the delay", took)
	}
	if resp.StatusCode != 201 || string(body) != "made" || resp.Header.Get("X-Rule") != "r" {
		t.Fatalf("%d %q %v", resp.StatusCode, body, resp.Header)
	}
}

func TestAnswerCloseDropsTheConnectionAfterStoring(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{Respond: respondWith(Answer{Action: AnswerClose})})
	resp, err := freshClient(t, 10*time.Second).Post(srv.URL()+"/c", "text/plain", strings.NewReader("kept"))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer %d, want a connection error", resp.StatusCode)
	}
	if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("error %v, want the connection closed", err)
	}
	if n := countAll(t, st); n != 1 {
		t.Fatalf("%d stored, want 1", n)
	}
}

func TestAnswerHangHoldsUntilTheClientGivesUpAndShutdownIsPrompt(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{Respond: respondWith(Answer{Action: AnswerHang})})
	start := time.Now()
	_, err := freshClient(t, 300*time.Millisecond).Post(srv.URL()+"/h", "text/plain", strings.NewReader("kept"))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("error %v, want the client's timeout", err)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Fatalf("gave up after %v", took)
	}
	if n := countAll(t, st); n != 1 {
		t.Fatalf("%d stored, want 1", n)
	}

	// A client without a timeout hangs until the server shuts down, which
	// must let it go at once rather than wait out its grace period.
	errs := make(chan error, 1)
	go func() {
		resp, err := freshClient(t, 0).Post(srv.URL()+"/h2", "text/plain", strings.NewReader("kept too"))
		if err == nil {
			resp.Body.Close()
		}
		errs <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for countAll(t, st) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("second request not stored")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start = time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("shutdown took %v with a hanging answer", took)
	}
	if err := <-errs; err == nil {
		t.Fatal("the hanging client got an answer")
	}
}

func TestAnswerHangIsBounded(t *testing.T) {
	defer func(d time.Duration) { hangLimit = d }(hangLimit)
	hangLimit = 200 * time.Millisecond
	st := openStore(t)
	srv := startServer(t, st, Config{Respond: respondWith(Answer{Action: AnswerHang})})
	start := time.Now()
	_, err := freshClient(t, 10*time.Second).Post(srv.URL()+"/h", "text/plain", strings.NewReader("x"))
	if err == nil {
		t.Fatal("the hang answered")
	}
	if took := time.Since(start); took < 200*time.Millisecond || took > 5*time.Second {
		t.Fatalf("connection dropped after %v, want about the limit", took)
	}
}

func TestShutdownCutsADelayShort(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{Respond: respondWith(Answer{Status: 202, Delay: time.Minute})})
	codes := make(chan int, 1)
	go func() {
		resp, err := freshClient(t, 0).Post(srv.URL()+"/slow", "text/plain", strings.NewReader("x"))
		if err != nil {
			codes <- 0
			return
		}
		resp.Body.Close()
		codes <- resp.StatusCode
	}()
	deadline := time.Now().Add(5 * time.Second)
	for countAll(t, st) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("request not stored")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("shutdown waited %v for a delayed answer", took)
	}
	if code := <-codes; code != 202 {
		t.Fatalf("the delayed answer was %d, want it sent at shutdown", code)
	}
}
