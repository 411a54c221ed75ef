package capture

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// delayedPost posts to srv from a goroutine and reports the status (0 on
// a connection error) and when the answer came.
func delayedPost(t *testing.T, srv *Server) <-chan [2]int64 {
	got := make(chan [2]int64, 1)
	client := freshClient(t, 0)
	go func() {
		resp, err := client.Post(srv.URL()+"/delayed", "text/plain", strings.NewReader("x"))
		if err != nil {
			got <- [2]int64{0, time.Now().UnixNano()}
			return
		}
		resp.Body.Close()
		got <- [2]int64{int64(resp.StatusCode), time.Now().UnixNano()}
	}()
	return got
}

func TestDrainWaitsOutADelayThatFits(t *testing.T) {
	const delay = 600 * time.Millisecond
	st := openStore(t)
	srv := startServer(t, st, Config{Respond: respondWith(Answer{Status: 202, Delay: delay})})
	start := time.Now()
	got := delayedPost(t, srv)
	eventually(t, 5*time.Second, "the request to be stored", func() bool { return countAll(t, st) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Drain(ctx); err != nil {
		t.Fatalf("drain: %v", err)
	}
	drained := time.Since(start)
	r := <-got
	answeredAfter := time.Duration(r[1] - start.UnixNano())
	if r[0] != http.StatusAccepted || answeredAfter < delay {
		t.Fatalf("answered %d after %v, want 202 after the whole %v delay", r[0], answeredAfter, delay)
	}
	if drained > 2*time.Second {
		t.Fatalf("drain returned after %v, want soon after the answer", drained)
	}
}

func TestDrainCutsShortADelayThatDoesNotFit(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{Respond: respondWith(Answer{Status: 202, Delay: 2 * time.Second})})
	got := delayedPost(t, srv)
	eventually(t, 5*time.Second, "the request to be stored", func() bool { return countAll(t, st) == 1 })
	// The delay would end 2 s from now, past the 1 s deadline less the
	// margin: it is cut short at once, as Shutdown does.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Drain(ctx); err != nil {
		t.Fatalf("drain: %v", err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Fatalf("drain took %v with a delay that did not fit", took)
	}
	if r := <-got; r[0] != http.StatusAccepted {
		t.Fatalf("answered %d, want the 202 sent at once", r[0])
	}
}
