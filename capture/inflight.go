package capture

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxInflight bounds the bytes of request bodies held in memory at
// once, across all connections: 150 senders each stalling in a 10 MiB
// body would otherwise take 1.5 GB.
const DefaultMaxInflight = 256 << 20

// DefaultInflightWait is how long a body waits for room in the budget
// before it is refused with 503.
const DefaultInflightWait = time.Second

// inflightRetryAfter is the Retry-After of a 503 for want of room: the
// senders holding the budget may be slow, so a second is too eager.
const inflightRetryAfter = 5

// returnMemoryAbove is the high-water mark past which the memory that
// bodies took is handed back to the system as soon as no body is being
// received, rather than after the runtime's own, slower, scavenging.
const returnMemoryAbove = 64 << 20

// errNoRoom is a body that found no room in the budget in time.
var errNoRoom = errors.New("no room in the in-flight budget")

// budget counts the bytes reserved for bodies being received. Each
// reservation is taken before the bytes are read, so a stalled sender
// holds its share without anyone else's memory being spent.
type budget struct {
	mu    sync.Mutex
	limit int64
	used  int64
	// peak is the most used since memory was last handed back.
	peak int64
	// freed is closed (and replaced) when bytes are given back while
	// someone waits.
	freed   chan struct{}
	waiting int
	// returning and again make returnMemory single-flight.
	returning atomic.Bool
	again     atomic.Bool
}

func newBudget(limit int64) *budget {
	return &budget{limit: limit, freed: make(chan struct{})}
}

// take reserves n bytes, waiting up to wait for room. It gives up early
// when ctx (the request) or stop (the server) ends.
func (b *budget) take(ctx context.Context, stop <-chan struct{}, n int64, wait time.Duration) error {
	if n <= 0 {
		return nil
	}
	var timer *time.Timer
	for {
		b.mu.Lock()
		if b.used+n <= b.limit {
			b.used += n
			b.peak = max(b.peak, b.used)
			b.mu.Unlock()
			return nil
		}
		freed := b.freed
		b.waiting++
		b.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(wait)
			defer timer.Stop()
		}
		var err error
		select {
		case <-freed:
		case <-timer.C:
			err = errNoRoom
		case <-ctx.Done():
			err = ctx.Err()
		case <-stop:
			err = errShuttingDown
		}
		b.mu.Lock()
		b.waiting--
		b.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// give returns n bytes. When nothing is held any more after a peak past
// returnMemoryAbove, the memory is handed back to the system.
func (b *budget) give(n int64) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	if b.waiting > 0 {
		close(b.freed)
		b.freed = make(chan struct{})
	}
	drained := b.used == 0 && b.peak >= returnMemoryAbove
	if drained {
		b.peak = 0
	}
	b.mu.Unlock()
	if drained {
		b.returnMemory()
	}
}

// inUse is the bytes reserved now.
func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// returnMemory runs debug.FreeOSMemory off the request's goroutine, once
// at a time (a call asked for meanwhile runs once more after it).
func (b *budget) returnMemory() {
	b.again.Store(true)
	if !b.returning.CompareAndSwap(false, true) {
		return
	}
	go func() {
		for {
			for b.again.Swap(false) {
				debug.FreeOSMemory()
			}
			b.returning.Store(false)
			// A request made between the last Swap and the Store above
			// found returning still true: look once more.
			if !b.again.Load() || !b.returning.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}

// reservation is one request's share of the budget.
type reservation struct {
	b    *budget
	ctx  context.Context
	stop <-chan struct{}
	wait time.Duration
	held int64
}

// grow reserves n more bytes.
func (r *reservation) grow(n int64) error {
	if err := r.b.take(r.ctx, r.stop, n, r.wait); err != nil {
		return err
	}
	r.held += n
	return nil
}

// shrink gives back n of the bytes held.
func (r *reservation) shrink(n int64) {
	n = min(n, r.held)
	r.held -= n
	r.b.give(n)
}

// release gives back everything; it may be called more than once.
func (r *reservation) release() { r.shrink(r.held) }
