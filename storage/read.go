package storage

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Get returns the whole record with its body.
func (s *Store) Get(id uint64) (*Record, error) {
	var rec *Record
	err := s.view(func(tx *bolt.Tx) error {
		key := idKey(id)
		raw := tx.Bucket(bucketSummaries).Get(key)
		if raw == nil {
			return ErrNotFound
		}
		sum, err := decodeSummary(id, raw)
		if err != nil {
			return err
		}
		var d detail
		if raw := tx.Bucket(bucketDetails).Get(key); raw != nil {
			if d, err = decodeRequestDetail(raw, &sum); err != nil {
				return fmt.Errorf("decode request %d: %w", id, err)
			}
		}
		rec = &Record{Summary: sum, RawQuery: d.RawQuery, Proto: d.Proto, Host: d.Host, RemoteAddr: d.RemoteAddr, Header: d.Header}
		// Values from bbolt live only as long as the transaction.
		rec.Body = bytes.Clone(tx.Bucket(bucketBodies).Get(key))
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		// Acknowledged but not yet in bbolt: only while the disk refuses
		// the applier's writes (caughtUp does not wait then).
		if p, ok := s.pendingRecord(id); ok {
			return p, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("request %d: %w", id, err)
	}
	return rec, nil
}

// Summary returns one request's summary without touching its body.
func (s *Store) Summary(id uint64) (Summary, error) {
	var sum Summary
	err := s.view(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketSummaries).Get(idKey(id))
		if raw == nil {
			return ErrNotFound
		}
		var err error
		sum, err = decodeSummary(id, raw)
		return err
	})
	if err != nil {
		return Summary{}, fmt.Errorf("request %d: %w", id, err)
	}
	return sum, nil
}

// Summaries returns up to limit summaries with IDs greater than afterID,
// oldest first. limit <= 0 means all.
func (s *Store) Summaries(afterID uint64, limit int) ([]Summary, error) {
	var out []Summary
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSummaries).Cursor()
		for k, v := c.Seek(idKey(afterID + 1)); k != nil; k, v = c.Next() {
			id, err := checkedID(k)
			if err != nil {
				return err
			}
			sum, err := decodeSummary(id, v)
			if err != nil {
				return fmt.Errorf("request %d: %w", id, err)
			}
			out = append(out, sum)
			if limit > 0 && len(out) >= limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// IDs returns every stored ID, oldest first. It reads keys only.
func (s *Store) IDs() ([]uint64, error) {
	var ids []uint64
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSummaries)
		// The sequence bounds the count without walking every page.
		ids = make([]uint64, 0, min(b.Sequence(), 1<<24))
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			id, err := checkedID(k)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

// Count is the number of stored requests, kept with every change so it
// costs one read.
func (s *Store) Count() (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		c, ok := readCount(tx)
		if !ok {
			c = uint64(tx.Bucket(bucketSummaries).Stats().KeyN)
		}
		n = int(c)
		return nil
	})
	return n, err
}

// Delete removes the given requests with everything linked to them
// (replays, drafts, forward results, answers) in one transaction, so a
// crash never leaves a replay whose request is gone; unknown IDs are
// ignored.
func (s *Store) Delete(ids ...uint64) error {
	return s.update(func(tx *bolt.Tx) error {
		deleted := 0
		for _, id := range ids {
			key := idKey(id)
			if tx.Bucket(bucketSummaries).Get(key) != nil {
				deleted++
			}
			for _, name := range requestBuckets {
				if err := tx.Bucket(name).Delete(key); err != nil {
					return fmt.Errorf("delete request %d: %w", id, err)
				}
			}
			if err := deleteReplayData(tx, id); err != nil {
				return fmt.Errorf("delete the replays of request %d: %w", id, err)
			}
			if err := tx.Bucket(bucketContracts).Delete(key); err != nil {
				return fmt.Errorf("delete the contract verdict of request %d: %w", id, err)
			}
		}
		return addCount(tx, -deleted)
	})
}

// Clear removes every request (and every replay, draft and forward result)
// in one transaction, but keeps the ID sequences, so an ID is never reused.
func (s *Store) Clear() error {
	return s.update(func(tx *bolt.Tx) error {
		for _, name := range append(append([][]byte{}, requestBuckets...), linkedBuckets...) {
			if err := recreateBucket(tx, name); err != nil {
				return fmt.Errorf("clear %s: %w", name, err)
			}
		}
		return writeCount(tx, 0)
	})
}

// recreateBucket empties a bucket by replacing it, keeping its sequence.
func recreateBucket(tx *bolt.Tx, name []byte) error {
	seq := tx.Bucket(name).Sequence()
	if err := tx.DeleteBucket(name); err != nil {
		return err
	}
	b, err := tx.CreateBucket(name)
	if err != nil {
		return err
	}
	return b.SetSequence(seq)
}

// Setting reads a named setting; a missing one is nil. Settings are not
// in the capture log, so it does not wait for the log's applier: capture
// reads one per request (the attached contracts) and must not wait for a
// bbolt commit it has no part in.
func (s *Store) Setting(name string) ([]byte, error) {
	var v []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v = bytes.Clone(tx.Bucket(bucketSettings).Get([]byte(name)))
		return nil
	})
	return v, err
}

// PutSetting writes a named setting.
func (s *Store) PutSetting(name string, value []byte) error {
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSettings).Put([]byte(name), value)
	})
}

// Check runs bbolt's consistency check and returns the first problem found.
// It runs in a write transaction that it rolls back: bbolt's check reads
// the free list, which a commit of the log's applier would be changing
// under a read transaction.
func (s *Store) Check() error {
	s.caughtUp()
	tx, err := s.db.Begin(true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for err := range tx.Check() {
		return err
	}
	return nil
}

// UsedBytes is the size of the file's pages in use, without the space bbolt
// preallocates ahead of need.
func (s *Store) UsedBytes() (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		n = tx.Size()
		return nil
	})
	return n, err
}

// NewestID is the highest stored ID, 0 when empty.
func (s *Store) NewestID() (uint64, error) {
	var id uint64
	err := s.view(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketSummaries).Cursor().Last(); k != nil {
			var err error
			id, err = checkedID(k)
			return err
		}
		return nil
	})
	return id, err
}

// SetStatus records the status the sender was finally answered with (a
// relayed target's status), replacing the one stored with the request.
func (s *Store) SetStatus(id uint64, status int) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSummaries)
		raw := b.Get(idKey(id))
		if raw == nil {
			return ErrNotFound
		}
		sum, err := decodeSummary(id, raw)
		if err != nil {
			return err
		}
		sum.Status = status
		return b.Put(idKey(id), encodeSummary(&sum))
	})
}
