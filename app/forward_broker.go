package app

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"dev.hookscope/app/broker"
	"dev.hookscope/storage"
)

// Broker targets (nats://host:port/subject, kafka://host:port/topic) are
// not served by the HTTP workers: each enabled broker rule has one
// goroutine that walks the store from the last capture it dealt with,
// publishing the captures under its prefix one at a time and waiting for
// each acknowledgement. The store is the queue: captures are durable, so
// nothing is dropped while the broker is away and a restart resumes after
// the last capture recorded as published (docs/cli.md, "Publish to NATS
// or Kafka").
const (
	// brokerBatch is how many summaries one walk reads, and so how many
	// outcomes at most one commit records.
	brokerBatch = 256
	// Retries back off exponentially with jitter between these.
	brokerBackoffMin = 100 * time.Millisecond
	brokerBackoffMax = 30 * time.Second
	// brokerAttemptTimeout bounds one publish waiting for its ack (as
	// JetStream's own default): past it the wait is recorded as a retry,
	// so the inspector says why the capture is not published yet.
	brokerAttemptTimeout = 5 * time.Second
	// brokerIdlePoll picks up requests stored without a capture (import,
	// the local API) when no capture wakes the publisher.
	brokerIdlePoll = 2 * time.Second
)

// brokerSet holds the running publishers, by cursor key.
type brokerSet struct {
	mu      sync.Mutex
	workers map[string]*brokerWorker
	// dial is broker.Dial; tests may count dials through it.
	dial func(broker.Target) (broker.Publisher, error)
}

type brokerWorker struct {
	f      *forwarder
	rule   ForwardRule
	target broker.Target
	key    string
	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

func brokerCursorKey(r ForwardRule) string {
	return storage.SettingBrokerCursor + r.Prefix + "\x00" + r.Target
}

// checkBrokerRule validates a broker rule; relay is refused since a
// broker's acknowledgement is not an HTTP answer for the sender.
func checkBrokerRule(r ForwardRule) error {
	if _, err := broker.ParseTarget(r.Target); err != nil {
		return fmt.Errorf("forward target %q: %w", r.Target, err)
	}
	if r.Relay {
		return fmt.Errorf("relay needs an HTTP target to answer the sender; %s publishes to a broker, so turn relay off", r.Target)
	}
	return nil
}

// prepareBrokerCursors runs before new rules take effect: a broker rule
// just added or turned on starts after the newest stored capture (as an
// HTTP forward, it publishes what arrives from now on), and a rule
// removed or turned off forgets its place, so turning it on again does not
// publish what arrived meanwhile.
func (f *forwarder) prepareBrokerCursors(next []ForwardRule) error {
	keep := map[string]bool{}
	for _, r := range next {
		if !r.Enabled || !broker.IsTarget(r.Target) {
			continue
		}
		key := brokerCursorKey(r)
		keep[key] = true
		if v, err := f.core.store.Setting(key); err != nil {
			return fmt.Errorf("read where %s left off: %w", r.Target, err)
		} else if len(v) > 0 {
			continue
		}
		newest, err := f.core.store.NewestID()
		if err != nil {
			return fmt.Errorf("start publishing to %s: %w", r.Target, err)
		}
		if err := f.core.store.PutSetting(key, []byte(strconv.FormatUint(newest, 10))); err != nil {
			return fmt.Errorf("start publishing to %s: %w", r.Target, err)
		}
	}
	f.mu.RLock()
	old := slices.Clone(f.rules)
	f.mu.RUnlock()
	for _, r := range old {
		if key := brokerCursorKey(r); broker.IsTarget(r.Target) && !keep[key] {
			if err := f.core.store.PutSetting(key, nil); err != nil {
				return fmt.Errorf("stop publishing to %s: %w", r.Target, err)
			}
		}
	}
	return nil
}

// syncBrokers starts a publisher for each enabled broker rule and stops
// the others; it does nothing on a core that does not forward.
func (f *forwarder) syncBrokers() {
	f.mu.RLock()
	running, rules := f.running, slices.Clone(f.rules)
	f.mu.RUnlock()
	if !running {
		return
	}
	b := &f.brokers
	b.mu.Lock()
	defer b.mu.Unlock()
	want := map[string]ForwardRule{}
	for _, r := range rules {
		if r.Enabled && broker.IsTarget(r.Target) {
			want[brokerCursorKey(r)] = r
		}
	}
	for key, w := range b.workers {
		if _, ok := want[key]; !ok {
			w.stop()
			delete(b.workers, key)
		}
	}
	if b.workers == nil {
		b.workers = map[string]*brokerWorker{}
	}
	dial := b.dial
	if dial == nil {
		dial = broker.Dial
	}
	for key, r := range want {
		if _, ok := b.workers[key]; ok {
			continue
		}
		t, err := broker.ParseTarget(r.Target)
		if err != nil {
			continue // refused when saved; an old file's rule is left alone
		}
		ctx, cancel := context.WithCancel(context.Background())
		w := &brokerWorker{f: f, rule: r, target: t, key: key, wake: make(chan struct{}, 1),
			ctx: ctx, cancel: cancel, done: make(chan struct{})}
		b.workers[key] = w
		go w.run(dial)
	}
}

// wakeBroker tells rule's publisher that a capture was stored; it never
// blocks (the capture's sender is waiting for its answer).
func (f *forwarder) wakeBroker(r ForwardRule) {
	b := &f.brokers
	b.mu.Lock()
	w := b.workers[brokerCursorKey(r)]
	b.mu.Unlock()
	if w != nil {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// stopBrokers stops every publisher, each after recording what it has
// published; a publish waiting for its ack is abandoned and the capture
// is published again at the next start (the broker drops the copy:
// docs/cli.md).
func (f *forwarder) stopBrokers() {
	b := &f.brokers
	b.mu.Lock()
	defer b.mu.Unlock()
	for key, w := range b.workers {
		w.stop()
		delete(b.workers, key)
	}
}

func (w *brokerWorker) stop() {
	w.cancel()
	<-w.done
}

func (w *brokerWorker) run(dial func(broker.Target) (broker.Publisher, error)) {
	defer close(w.done)
	var pub broker.Publisher
	defer func() {
		if pub != nil {
			pub.Close()
		}
	}()
	st := w.f.core.store
	cursor := w.loadCursor()
	failures := 0
	for w.ctx.Err() == nil {
		sums, err := st.Summaries(cursor, brokerBatch)
		if err != nil {
			// The store is ours; an error here is rare (disk trouble)
			// and says nothing about one capture: wait and read again.
			failures++
			if !w.sleep(backoff(failures)) {
				return
			}
			continue
		}
		failures = 0
		if len(sums) == 0 {
			select {
			case <-w.wake:
			case <-time.After(brokerIdlePoll):
			case <-w.ctx.Done():
				return
			}
			continue
		}
		var done []storage.ForwardOutcome
		next := cursor
		for _, s := range sums {
			if w.mine(s.Path) {
				res, ok := w.publishOne(dial, &pub, s.ID)
				if !ok {
					break // stopping; s stays unpublished
				}
				if res != nil {
					done = append(done, storage.ForwardOutcome{ID: s.ID, Result: *res})
				}
			}
			next = s.ID
		}
		if next != cursor || len(done) > 0 {
			// One commit for the batch: the outcomes and the cursor
			// together, so a restart resumes right after the last
			// capture recorded as published.
			if err := st.PutForwardResults(done, w.key, []byte(strconv.FormatUint(next, 10))); err == nil {
				cursor = next
				w.f.core.hub.Publish(ReplaysChanged)
			} else if !w.sleep(time.Second) {
				return
			}
		}
	}
}

func (w *brokerWorker) loadCursor() uint64 {
	v, _ := w.f.core.store.Setting(w.key)
	n, err := strconv.ParseUint(string(v), 10, 64)
	if err != nil {
		// Never saved (a rule from before cursors, or a store written by
		// hand): start with what arrives from now on.
		n, _ = w.f.core.store.NewestID()
	}
	return n
}

// mine reports whether path's capture is this rule's: the enabled rule
// with the longest matching prefix wins, as for HTTP forwards.
func (w *brokerWorker) mine(path string) bool {
	r, ok := w.f.rule(path)
	return ok && r.Prefix == w.rule.Prefix && r.Target == w.rule.Target
}

// publishOne publishes capture id, retrying until the broker acknowledges
// it or refuses it for good. ok is false when the worker is stopping; res
// is nil when the capture is gone (deleted before its turn).
func (w *brokerWorker) publishOne(dial func(broker.Target) (broker.Publisher, error), pub *broker.Publisher, id uint64) (res *storage.ForwardResult, ok bool) {
	rec, err := w.f.core.store.Get(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, true
	}
	var msg broker.Message
	if err == nil {
		msg = brokerMessage(rec)
	}
	for attempt := 1; ; attempt++ {
		start := time.Now()
		var ack string
		if err == nil && *pub == nil {
			*pub, err = dial(w.target)
		}
		if err == nil {
			ctx, cancel := context.WithTimeout(w.ctx, brokerAttemptTimeout)
			ack, err = (*pub).Publish(ctx, msg)
			cancel()
		}
		r := storage.ForwardResult{At: time.Now().UTC(), Target: w.rule.Target, Attempts: attempt,
			DurationMs: float64(time.Since(start).Microseconds()) / 1000}
		if err == nil {
			r.Acked = ack
			return &r, true
		}
		if w.ctx.Err() != nil {
			return nil, false
		}
		if errors.Is(err, broker.ErrRejected) {
			r.Error = "not published: " + err.Error()
			return &r, true
		}
		// Shown in the inspector while it waits; the ack replaces it.
		wait := backoff(attempt)
		r.Error = fmt.Sprintf("%v; retrying in %s", err, wait.Round(time.Millisecond))
		w.f.record(id, r)
		if !w.sleep(wait) {
			return nil, false
		}
		if rec == nil { // the read failed: try it again
			if rec, err = w.f.core.store.Get(id); errors.Is(err, storage.ErrNotFound) {
				return nil, true
			} else if err == nil {
				msg = brokerMessage(rec)
			}
		} else {
			err = nil
		}
	}
}

func (w *brokerWorker) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-w.ctx.Done():
		return false
	}
}

// backoff is capped exponential with full jitter over the top half, so
// many publishers coming back do not retry in step.
func backoff(attempt int) time.Duration {
	d := brokerBackoffMin << min(attempt-1, 16)
	d = min(d, brokerBackoffMax)
	return d/2 + rand.N(d/2+1)
}

// Header names that the message's own headers and the broker use: a
// captured header with one of these prefixes is carried under
// Hookscope-Captured-<name>, so a sender can neither pose as Hookscope nor
// steer JetStream (Nats-Msg-Id, Nats-Expected-Stream, …).
const capturedPrefix = "Hookscope-Captured-"

var reservedPrefixes = []string{"Hookscope-", "Nats-"}

// brokerMessage is the capture as published: the body exactly, the
// captured headers (names sorted, each name's values in arrival order)
// after Hookscope's own, whose values are the stored bytes as they are.
func brokerMessage(rec *storage.Record) broker.Message {
	id := strconv.FormatUint(rec.ID, 10)
	target := rec.Path
	if rec.RawQuery != "" {
		target += "?" + rec.RawQuery
	}
	hs := []broker.Header{
		{Name: "Hookscope-Id", Value: id},
		{Name: "Hookscope-Method", Value: rec.Method},
		{Name: "Hookscope-Path", Value: target},
		{Name: "Hookscope-Received-At", Value: rec.ReceivedAt.UTC().Format(time.RFC3339Nano)},
	}
	if rec.Host != "" {
		hs = append(hs, broker.Header{Name: "Hookscope-Host", Value: rec.Host})
	}
	if rec.RemoteAddr != "" {
		hs = append(hs, broker.Header{Name: "Hookscope-Remote-Addr", Value: rec.RemoteAddr})
	}
	if rec.Truncated {
		hs = append(hs, broker.Header{Name: "Hookscope-Original-Size", Value: strconv.FormatInt(rec.OriginalSize, 10)})
	}
	names := make([]string, 0, len(rec.Header))
	for k := range rec.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		name := k
		for _, p := range reservedPrefixes {
			if len(name) >= len(p) && strings.EqualFold(name[:len(p)], p) {
				name = capturedPrefix + name
				break
			}
		}
		for _, v := range rec.Header[k] {
			hs = append(hs, broker.Header{Name: name, Value: v})
		}
	}
	return broker.Message{ID: id, Header: hs, Body: rec.Body, OrderKey: rec.Path}
}
