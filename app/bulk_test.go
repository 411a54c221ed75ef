package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"dev.hookscope/replay"
)

func TestParseIDList(t *testing.T) {
	ids, err := ParseIDList(" 3, 7-9 ,12")
	if err != nil || len(ids) != 5 || ids[0] != 3 || ids[1] != 7 || ids[3] != 9 || ids[4] != 12 {
		t.Fatalf("%v %v", ids, err)
	}
	for _, bad := range []string{"", "x", "9-7", "0", "1-"} {
		if _, err := ParseIDList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBulkReplaySurvivesAFlakyTargetAndKeepsHistory(t *testing.T) {
	var mu sync.Mutex
	attempts := map[string]int{}
	var order []string
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		attempts[r.URL.Path]++
		if attempts[r.URL.Path] <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		order = append(order, r.URL.Path)
		w.WriteHeader(200)
	}))
	defer flaky.Close()
	c := openCore(t)
	c.StartListener("")
	for _, p := range []string{"/a", "/b", "/c"} {
		post(t, c.ListenerURL()+p)
	}
	var last replay.Progress
	outcomes := c.BulkReplay(context.Background(), []uint64{1, 2, 3, 99}, ReplaySpec{Target: flaky.URL},
		replay.BulkConfig{Concurrency: 1, MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
		func(p replay.Progress) { last = p })
	if len(outcomes) != 4 {
		t.Fatalf("%d outcomes", len(outcomes))
	}
	for _, o := range outcomes[:3] {
		if !o.OK() || len(o.Attempts) != 3 {
			t.Fatalf("request %d: ok=%v after %d attempts (%v)", o.ID, o.OK(), len(o.Attempts), o.Err)
		}
	}
	if outcomes[3].ID != 99 || outcomes[3].Err == nil {
		t.Fatalf("a missing ID should fail: %+v", outcomes[3])
	}
	if last.Done != 3 || last.Succeeded != 3 {
		t.Fatalf("progress %+v", last)
	}
	if len(order) != 3 || order[0] != "/a" || order[2] != "/c" {
		t.Fatalf("delivered out of order: %v", order)
	}
	if hist, _ := c.Replays(2); len(hist) != 1 || hist[0].Status != 200 {
		t.Fatalf("history %+v", hist)
	}
}
