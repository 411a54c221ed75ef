package replay

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"dev.hookscope/sender"
)

// Item is one request of a bulk replay. Request must be resendable: a
// body needs GetBody, which Build provides.
type Item struct {
	ID      uint64 // the caller's, e.g. the captured request replayed
	Request *http.Request
}

// Clock is time as Bulk sees it; tests inject a fake one so backoff
// schedules are exact and instant.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends, returning ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

// BulkConfig tunes Bulk. The zero value sends one at a time, unthrottled,
// with up to 3 attempts.
type BulkConfig struct {
	// Concurrency is how many requests are in flight at once (default 1).
	Concurrency int
	// Rate caps attempts per second across all workers, retries included;
	// 0 means no cap.
	Rate float64
	// MaxAttempts counts the first try (default 3; 1 means no retries).
	MaxAttempts int
	// BaseDelay and MaxDelay bound the exponential backoff: before retry n
	// the wait is a random duration in [0, min(MaxDelay, BaseDelay*2^(n-1))]
	// ("full jitter"). Defaults 500ms and 30s.
	BaseDelay, MaxDelay time.Duration
	// MaxRetryAfter caps a server's Retry-After (default 5m), so a
	// misconfigured server cannot park a bulk run for a day.
	MaxRetryAfter time.Duration
	// Send applies to every attempt.
	Send sender.Options
	// Clock defaults to the real one.
	Clock Clock
	// Jitter picks the wait in [0, ceiling]; nil is uniform random.
	Jitter func(ceiling time.Duration) time.Duration
	// Do sends one attempt; nil is sender.Send.
	Do func(ctx context.Context, req *http.Request, opt sender.Options) (*sender.Response, error)
}

// Attempt is one try of an item.
type Attempt struct {
	Status   int // 0 when no answer came back
	Err      error
	Duration time.Duration
	// Wait is the pause after this attempt before the next one.
	Wait time.Duration
}

// Outcome is what became of one item.
type Outcome struct {
	Index    int
	ID       uint64
	Attempts []Attempt
	// Status is the final answer's status, 0 when none came back.
	Status   int
	Response *sender.Response
	// Err is the final failure: a *sender.Error, or ctx's error when the
	// run was canceled before or between attempts. A final 5xx is a
	// Status with a nil Err.
	Err error
	// Duration is from the first attempt to the end, waits included.
	Duration time.Duration
}

// OK reports a 1xx–3xx answer.
func (o Outcome) OK() bool { return o.Err == nil && o.Status > 0 && o.Status < 400 }

// Progress is reported after each item finishes.
type Progress struct {
	Total, Done, Succeeded, Failed int
	Last                           Outcome
}

// Bulk sends items, starting them in order, and returns one Outcome per
// item in the same order. progress (may be nil) is called after each item,
// never concurrently. Canceling ctx stops retries and unstarted items,
// which come back with ctx's error.
func Bulk(ctx context.Context, items []Item, cfg BulkConfig, progress func(Progress)) []Outcome {
	cfg = cfg.withDefaults()
	r := &bulkRun{cfg: cfg, items: items, out: make([]Outcome, len(items)), progress: progress}
	if cfg.Rate > 0 {
		r.limit = &limiter{clock: cfg.Clock, interval: time.Duration(float64(time.Second) / cfg.Rate)}
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(cfg.Concurrency, max(len(items), 1)) {
		wg.Go(func() {
			for i := range next {
				r.finish(r.runItem(ctx, i))
			}
		})
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	return r.out
}

func (c BulkConfig) withDefaults() BulkConfig {
	if c.Concurrency <= 0 {
		c.Concurrency = 1
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = 500 * time.Millisecond
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = 30 * time.Second
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = 5 * time.Minute
	}
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	if c.Jitter == nil {
		c.Jitter = fullJitter
	}
	if c.Do == nil {
		c.Do = sender.Send
	}
	return c
}

type bulkRun struct {
	cfg      BulkConfig
	items    []Item
	limit    *limiter
	progress func(Progress)
	mu       sync.Mutex
	out      []Outcome
	done     Progress
}

// finish stores an outcome and reports progress under one lock, so
// callbacks never overlap and counts are never torn.
func (r *bulkRun) finish(o Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out[o.Index] = o
	r.done.Total, r.done.Last = len(r.items), o
	r.done.Done++
	if o.OK() {
		r.done.Succeeded++
	} else {
		r.done.Failed++
	}
	if r.progress != nil {
		r.progress(r.done)
	}
}

// runItem tries one item until it succeeds, fails for good, or runs out
// of attempts.
func (r *bulkRun) runItem(ctx context.Context, i int) (o Outcome) {
	o = Outcome{Index: i, ID: r.items[i].ID}
	start := r.cfg.Clock.Now()
	defer func() { o.Duration = r.cfg.Clock.Now().Sub(start) }()
	for n := 1; ; n++ {
		if err := r.limit.wait(ctx); err != nil {
			o.Err = canceled(err, n)
			return o
		}
		a, resp := r.attempt(ctx, r.items[i].Request)
		o.Status, o.Response, o.Err = a.Status, resp, a.Err
		wait, again := r.retryWait(n, a, resp)
		if !again {
			o.Attempts = append(o.Attempts, a)
			return o
		}
		a.Wait = wait
		o.Attempts = append(o.Attempts, a)
		if err := r.cfg.Clock.Sleep(ctx, wait); err != nil {
			o.Err = canceled(err, n+1)
			return o
		}
	}
}

func canceled(err error, attempt int) error {
	if attempt == 1 {
		return fmt.Errorf("not sent: %w", err)
	}
	return fmt.Errorf("stopped before attempt %d: %w", attempt, err)
}

func (r *bulkRun) attempt(ctx context.Context, req *http.Request) (Attempt, *sender.Response) {
	start := r.cfg.Clock.Now()
	out, err := resendable(ctx, req)
	var resp *sender.Response
	if err == nil {
		resp, err = r.cfg.Do(ctx, out, r.cfg.Send)
	}
	a := Attempt{Err: err, Duration: r.cfg.Clock.Now().Sub(start)}
	if resp != nil {
		a.Status = resp.Status
	}
	return a, resp
}

// resendable copies req with a fresh body, so each attempt sends the same
// bytes and the caller's request is never consumed.
func resendable(ctx context.Context, req *http.Request) (*http.Request, error) {
	out := req.Clone(ctx)
	if req.Body == nil || req.Body == http.NoBody {
		return out, nil
	}
	if req.GetBody == nil {
		return nil, errors.New("the request body cannot be sent twice (build it with replay.Build)")
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("reopen the request body: %w", err)
	}
	out.Body = body
	return out, nil
}

// retryWait decides whether attempt n is retried and after how long.
func (r *bulkRun) retryWait(n int, a Attempt, resp *sender.Response) (time.Duration, bool) {
	if n >= r.cfg.MaxAttempts || !retryable(a, resp) {
		return 0, false
	}
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), r.cfg.Clock.Now()); ok {
			return min(d, r.cfg.MaxRetryAfter), true
		}
	}
	return r.cfg.Jitter(backoffCeiling(n, r.cfg.BaseDelay, r.cfg.MaxDelay)), true
}

// retryable: an answer of 429 or 5xx, or a connection that failed in a way
// that may pass (refused, timed out, reset). TLS and DNS failures, and
// cancellation, will not fix themselves.
func retryable(a Attempt, resp *sender.Response) bool {
	if resp != nil {
		return resp.Status == http.StatusTooManyRequests || resp.Status >= 500
	}
	e, ok := sender.AsError(a.Err)
	if !ok {
		return false
	}
	switch e.Kind {
	case sender.KindRefused, sender.KindTimeout, sender.KindOther:
		return true
	}
	return false
}

// backoffCeiling is min(max, base*2^(n-1)) without overflowing.
func backoffCeiling(n int, base, maxDelay time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}

// retryAfter reads delay-seconds or an HTTP date (RFC 9110 10.2.3).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(at.Sub(now), 0), true
}

func fullJitter(ceiling time.Duration) time.Duration {
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

// limiter spaces attempts interval apart across workers: each attempt
// reserves the next free slot, then sleeps until it.
type limiter struct {
	clock    Clock
	interval time.Duration
	mu       sync.Mutex
	next     time.Time
}

func (l *limiter) wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	l.mu.Lock()
	now := l.clock.Now()
	slot := l.next
	if slot.Before(now) {
		slot = now
	}
	l.next = slot.Add(l.interval)
	l.mu.Unlock()
	if d := slot.Sub(now); d > 0 {
		return l.clock.Sleep(ctx, d)
	}
	return ctx.Err()
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
