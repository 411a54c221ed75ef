package storage

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"
)

// maxGroup bounds one commit so a flood of large bodies cannot make a
// single transaction hold gigabytes of dirty pages.
const (
	maxGroup      = 512
	maxGroupBytes = 64 << 20
)

// Append stores rec and returns its ID once the commit that holds it has
// been synced to disk. Many concurrent Appends share one commit.
func (s *Store) Append(ctx context.Context, rec *Record) (uint64, error) {
	p := &pendingAppend{rec: rec, done: make(chan struct{})}
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

// writeLoop is the single writer: it takes everything queued and commits it
// in one transaction the moment the previous commit returns.
func (s *Store) writeLoop() {
	defer s.wg.Done()
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
	err := s.db.Update(func(tx *bolt.Tx) error {
		sums, details, bodies := tx.Bucket(bucketSummaries), tx.Bucket(bucketDetails), tx.Bucket(bucketBodies)
		// Keys only ever grow, so full pages waste nothing.
		sums.FillPercent, details.FillPercent, bodies.FillPercent = 1, 1, 1
		for _, p := range group {
			id, err := sums.NextSequence()
			if err != nil {
				return err
			}
			if err := putRecord(sums, details, bodies, id, p.rec); err != nil {
				return err
			}
			p.id = id
		}
		return addCount(tx, len(group))
	})
	if err != nil {
		err = writeError(s.path, err)
	}
	for _, p := range group {
		if err != nil {
			p.id, p.err = 0, err
		} else {
			p.rec.ID = p.id
		}
		close(p.done)
	}
}

func putRecord(sums, details, bodies *bolt.Bucket, id uint64, rec *Record) error {
	key := idKey(id)
	rec.ID = id
	if err := sums.Put(key, encodeSummary(&rec.Summary)); err != nil {
		return err
	}
	d, err := encodeDetail(rec)
	if err != nil {
		return err
	}
	if err := details.Put(key, d); err != nil {
		return err
	}
	if len(rec.Body) > 0 {
		return bodies.Put(key, rec.Body)
	}
	return nil
}
