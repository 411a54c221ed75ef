package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dev.hookscope/sender"
)

func identity(d time.Duration) time.Duration { return d }

func items(t *testing.T, url string, n int) []Item {
	t.Helper()
	out := make([]Item, n)
	for i := range out {
		req, err := Build(capture("POST", fmt.Sprintf("/item/%d", i), "", http.Header{"X-I": {fmt.Sprint(i)}}, []byte{byte(i), 0xff}), url, Edit{})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = Item{ID: uint64(100 + i), Request: req}
	}
	return out
}

func statusSeq(codes ...int) func(n int, w http.ResponseWriter) {
	return func(n int, w http.ResponseWriter) {
		w.WriteHeader(codes[min(n, len(codes))-1])
	}
}

func TestBulkBackoffScheduleExact(t *testing.T) {
	srv := newRecorder(t, statusSeq(503, 503, 503, 200))
	clock := newFakeClock()
	out := Bulk(context.Background(), items(t, srv.URL, 1), BulkConfig{
		MaxAttempts: 5, BaseDelay: time.Second, MaxDelay: time.Minute, Clock: clock, Jitter: identity,
	}, nil)
	o := out[0]
	if !o.OK() || o.Status != 200 || len(o.Attempts) != 4 || o.ID != 100 {
		t.Fatalf("outcome %+v", o)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
	if got := clock.slept(); !reflect.DeepEqual(got, want) {
		t.Fatalf("slept %v, want %v", got, want)
	}
	for i, a := range o.Attempts[:3] {
		if a.Status != 503 || a.Wait != want[i] {
			t.Errorf("attempt %d: %+v", i+1, a)
		}
	}
	if o.Duration != 7*time.Second {
		t.Errorf("duration %s, want 7s of fake time", o.Duration)
	}
	// Every attempt carried the same bytes.
	for i, got := range srv.requests() {
		if !bytes.Equal(got.Body, []byte{0, 0xff}) || got.ContentLength != 2 {
			t.Errorf("attempt %d sent %q", i+1, got.Body)
		}
	}
}

func TestBulkJitterGetsCappedCeilings(t *testing.T) {
	var ceilings []time.Duration
	do := func(context.Context, *http.Request, sender.Options) (*sender.Response, error) {
		return &sender.Response{Status: 500, Header: http.Header{}}, nil
	}
	out := Bulk(context.Background(), items(t, "http://127.0.0.1:1", 1), BulkConfig{
		MaxAttempts: 6, BaseDelay: time.Second, MaxDelay: 5 * time.Second, Clock: newFakeClock(), Do: do,
		Jitter: func(c time.Duration) time.Duration { ceilings = append(ceilings, c); return c / 2 },
	}, nil)
	want := []time.Duration{1, 2, 4, 5, 5}
	for i := range want {
		want[i] *= time.Second
	}
	if !reflect.DeepEqual(ceilings, want) {
		t.Fatalf("ceilings %v, want %v", ceilings, want)
	}
	if o := out[0]; o.Status != 500 || o.Err != nil || o.OK() || len(o.Attempts) != 6 {
		t.Fatalf("exhausted: %+v", o)
	}
}

func TestBulkHonoursRetryAfter(t *testing.T) {
	clock := newFakeClock()
	for _, c := range []struct {
		name, value string
		want        time.Duration
	}{
		{"seconds", "2", 2 * time.Second},
		{"date", clock.Now().Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second},
		{"past date", clock.Now().Add(-time.Hour).Format(http.TimeFormat), 0},
		{"capped", "86400", 10 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			clock.sleeps = nil
			clock.now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			srv := newRecorder(t, func(n int, w http.ResponseWriter) {
				if n == 1 {
					w.Header().Set("Retry-After", c.value)
					w.WriteHeader(http.StatusTooManyRequests)
				}
			})
			out := Bulk(context.Background(), items(t, srv.URL, 1), BulkConfig{
				MaxAttempts: 3, BaseDelay: time.Minute, MaxRetryAfter: 10 * time.Second, Clock: clock, Jitter: identity,
			}, nil)
			if o := out[0]; !o.OK() || len(o.Attempts) != 2 || o.Attempts[0].Status != 429 {
				t.Fatalf("%+v", o)
			}
			want := []time.Duration{c.want}
			if c.want == 0 {
				want = []time.Duration{0}
			}
			if got := clock.slept(); !reflect.DeepEqual(got, want) {
				t.Fatalf("slept %v, want %v", got, want)
			}
		})
	}
}

func TestBulkRetriesRefusedNotTLS(t *testing.T) {
	clock := newFakeClock()
	cfg := BulkConfig{MaxAttempts: 3, BaseDelay: 100 * time.Millisecond, Clock: clock, Jitter: identity}
	out := Bulk(context.Background(), items(t, "http://"+closedAddr(t), 1), cfg, nil)
	e, ok := sender.AsError(out[0].Err)
	if !ok || e.Kind != sender.KindRefused || len(out[0].Attempts) != 3 || out[0].Status != 0 {
		t.Fatalf("refused: %+v", out[0])
	}
	if got := clock.slept(); !reflect.DeepEqual(got, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}) {
		t.Fatalf("slept %v", got)
	}

	srv := newTLSRecorder(t)
	out = Bulk(context.Background(), items(t, srv.URL, 1), cfg, nil)
	if e, ok := sender.AsError(out[0].Err); !ok || e.Kind != sender.KindTLS || len(out[0].Attempts) != 1 {
		t.Fatalf("TLS must not be retried: %+v", out[0])
	}
	// A 4xx other than 429 is an answer, not a reason to retry.
	bad := newRecorder(t, statusSeq(400))
	out = Bulk(context.Background(), items(t, bad.URL, 1), cfg, nil)
	if o := out[0]; o.Status != 400 || len(o.Attempts) != 1 || o.Err != nil || o.OK() {
		t.Fatalf("400: %+v", o)
	}
}

func TestBulkRateLimit(t *testing.T) {
	srv := newRecorder(t, nil)
	clock := newFakeClock()
	out := Bulk(context.Background(), items(t, srv.URL, 4), BulkConfig{Rate: 4, Clock: clock}, nil)
	want := []time.Duration{250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond}
	if got := clock.slept(); !reflect.DeepEqual(got, want) {
		t.Fatalf("slept %v, want %v", got, want)
	}
	for i, o := range out {
		if !o.OK() || o.Index != i {
			t.Fatalf("%d: %+v", i, o)
		}
	}
}

func TestBulkConcurrencyOrderAndProgress(t *testing.T) {
	var inFlight, peak atomic.Int32
	srv := newRecorder(t, func(int, http.ResponseWriter) {
		n := inFlight.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(30 * time.Millisecond)
		inFlight.Add(-1)
	})
	var mu sync.Mutex
	var reports []Progress
	out := Bulk(context.Background(), items(t, srv.URL, 9), BulkConfig{Concurrency: 3}, func(p Progress) {
		mu.Lock()
		reports = append(reports, p)
		mu.Unlock()
	})
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak in flight %d, limit 3", p)
	}
	for i, o := range out {
		if o.Index != i || o.ID != uint64(100+i) || !o.OK() || len(o.Attempts) != 1 {
			t.Errorf("outcome %d: %+v", i, o)
		}
	}
	if len(reports) != 9 || reports[8].Done != 9 || reports[8].Succeeded != 9 || reports[8].Total != 9 {
		t.Fatalf("progress %+v", reports)
	}
	for i, p := range reports {
		if p.Done != i+1 {
			t.Fatalf("progress out of order: %+v", reports)
		}
	}
	// Items start in order: with one worker the server sees them in order.
	seq := newRecorder(t, nil)
	Bulk(context.Background(), items(t, seq.URL, 5), BulkConfig{}, nil)
	for i, got := range seq.requests() {
		if got.Header.Get("X-I") != fmt.Sprint(i) {
			t.Fatalf("request %d was item %s", i, got.Header.Get("X-I"))
		}
	}
}

func TestBulkCancel(t *testing.T) {
	srv := newRecorder(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	out := Bulk(ctx, items(t, srv.URL, 5), BulkConfig{}, func(p Progress) {
		if p.Done == 2 {
			cancel()
		}
	})
	for i, o := range out {
		sent := i < 2
		if sent != o.OK() || (!sent && (!errors.Is(o.Err, context.Canceled) || len(o.Attempts) != 0)) {
			t.Errorf("item %d: %+v", i, o)
		}
	}
	if n := len(srv.requests()); n != 2 {
		t.Errorf("%d requests sent after cancel at 2", n)
	}

	// Canceling during a backoff wait stops at once, keeping the last status.
	failing := newRecorder(t, statusSeq(503))
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	do := func(ctx context.Context, req *http.Request, opt sender.Options) (*sender.Response, error) {
		resp, err := sender.Send(ctx, req, opt)
		time.AfterFunc(20*time.Millisecond, cancel) // while Bulk sleeps
		return resp, err
	}
	start := time.Now()
	out = Bulk(ctx, items(t, failing.URL, 1), BulkConfig{BaseDelay: time.Hour, Jitter: identity, Do: do}, nil)
	if o := out[0]; !errors.Is(o.Err, context.Canceled) || o.Status != 503 || len(o.Attempts) != 1 ||
		o.Attempts[0].Wait != 30*time.Second || time.Since(start) > 5*time.Second {
		t.Fatalf("%+v", o)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"0": 0, "120": 2 * time.Minute, " 5 ": 5 * time.Second,
		"Sun, 01 Mar 2026 12:00:30 GMT": 30 * time.Second,
	} {
		if got, ok := retryAfter(v, now); !ok || got != want {
			t.Errorf("%q: %s %v", v, got, ok)
		}
	}
	for _, v := range []string{"", "-1", "soon", "1.5"} {
		if _, ok := retryAfter(v, now); ok {
			t.Errorf("%q accepted", v)
		}
	}
}
