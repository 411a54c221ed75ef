package storage

import (
	"context"
	"encoding/binary"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// maxGroup bounds one commit so a flood of large bodies cannot make a
// single transaction hold gigabytes of dirty pages.
const (
	maxGroup      = 512
	maxGroupBytes = 64 << 20
)

// pendingPool recycles the queue entries (and their channels) of Append:
// the writer signals done with a send, and an entry goes back only once
// Append has read it.
var pendingPool = sync.Pool{New: func() any { return &pendingAppend{done: make(chan struct{}, 1)} }}

// Append stores rec and returns its ID once the commit that holds it has
// been synced to disk. Many concurrent Appends share one commit.
func (s *Store) Append(ctx context.Context, rec *Record) (uint64, error) {
	p := pendingPool.Get().(*pendingAppend)
	p.rec = rec
	defer func() {
		*p = pendingAppend{done: p.done}
		pendingPool.Put(p)
	}()
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return 0, ErrClosed
	}
	select {
	case s.appends <- p:
	case <-ctx.Done():
		s.mu.RUnlock()
		return 0, ctx.Err()
	}
	s.mu.RUnlock()
	// Once queued the record will be committed or fail; the caller must
	// learn which, so ctx is not consulted again.
	<-p.done
	return p.id, p.err
}

// writeLoop is the single writer: it takes everything queued and logs it
// in one write and one sync the moment the previous one returns.
func (s *Store) writeLoop() {
	defer s.wg.Done()
	defer close(s.applyq)
	group := make([]*pendingAppend, 0, maxGroup)
	last := 1 // size of the previous group
	for first := range s.appends {
		group = append(group[:0], first)
		size := len(first.rec.Body)
		group, size = s.drain(group, size, 0)
		// The senders answered by the previous commit are usually a few
		// microseconds behind the first of them; waiting a moment for them
		// halves the number of fsyncs under load. A lone sender (last == 1)
		// never waits.
		if len(group) < (last+1)/2 {
			group, _ = s.drain(group, size, lingerFor)
		}
		last = len(group)
		s.commitGroup(group)
	}
}

// lingerFor bounds the wait for the rest of a group: well under one fsync.
const lingerFor = 300 * time.Microsecond

// drain adds queued appends to group; with wait > 0 it keeps listening that
// long for more.
func (s *Store) drain(group []*pendingAppend, size int, wait time.Duration) ([]*pendingAppend, int) {
	var deadline <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		deadline = t.C
	}
	for len(group) < maxGroup && size < maxGroupBytes {
		var p *pendingAppend
		var ok bool
		if deadline == nil {
			select {
			case p, ok = <-s.appends:
			default:
				return group, size
			}
		} else {
			select {
			case p, ok = <-s.appends:
			case <-deadline:
				return group, size
			}
		}
		if !ok {
			return group, size
		}
		group = append(group, p)
		size += len(p.rec.Body)
	}
	return group, size
}

func (s *Store) commitGroup(group []*pendingAppend) {
	var start time.Time
	if s.onCommit != nil {
		start = time.Now()
	}
	err := s.logGroup(group)
	if s.onCommit != nil {
		// Told before the senders are released, so a caller that has its
		// ID also finds its commit counted.
		s.onCommit(CommitInfo{Duration: time.Since(start), Requests: len(group), Err: err != nil})
	}
	if err != nil {
		err = writeError(s.path, err)
	}
	for _, p := range group {
		if err != nil {
			p.id, p.err = 0, err
		} else {
			p.rec.ID = p.id
		}
		p.done <- struct{}{}
	}
}

// recordWriter puts requests into the three request buckets of one write
// transaction. bbolt keeps each value by reference until the commit, so
// the encoded summaries and details go into one buffer (arena) that the
// single writer reuses from commit to commit: no allocation per request.
type recordWriter struct {
	sums, details, bodies *bolt.Bucket
	arena                 []byte
	key                   [8]byte // bbolt copies keys
}

// maxKeptArena bounds the buffer kept between commits (a request with
// huge headers may grow it once).
const maxKeptArena = 256 << 10

func (w *recordWriter) begin(tx *bolt.Tx) {
	w.sums, w.details, w.bodies = tx.Bucket(bucketSummaries), tx.Bucket(bucketDetails), tx.Bucket(bucketBodies)
	// Keys only ever grow, so full pages waste nothing.
	w.sums.FillPercent, w.details.FillPercent, w.bodies.FillPercent = 1, 1, 1
	w.arena = w.arena[:0]
}

// end forgets the transaction; call it once the transaction is over.
func (w *recordWriter) end() {
	w.sums, w.details, w.bodies = nil, nil, nil
	if cap(w.arena) > maxKeptArena {
		w.arena = nil
	}
}

// put stores rec under id: its summary, its detail and its body, each in
// its own bucket, so a list reads summaries only.
func (w *recordWriter) put(id uint64, rec *Record) error {
	binary.BigEndian.PutUint64(w.key[:], id)
	rec.ID = id
	start := len(w.arena)
	w.arena = appendSummary(w.arena, &rec.Summary)
	sum := w.arena[start:len(w.arena):len(w.arena)]
	start = len(w.arena)
	w.arena = appendRequestDetail(w.arena, rec)
	det := w.arena[start:len(w.arena):len(w.arena)]
	if err := w.sums.Put(w.key[:], sum); err != nil {
		return err
	}
	if err := w.details.Put(w.key[:], det); err != nil {
		return err
	}
	if len(rec.Body) > 0 {
		return w.bodies.Put(w.key[:], rec.Body)
	}
	return nil
}
