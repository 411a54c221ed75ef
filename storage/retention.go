package storage

import (
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Retention bounds what is kept; a zero field is no bound.
type Retention struct {
	MaxCount int           `json:"max_count,omitempty"`
	MaxAge   time.Duration `json:"max_age,omitempty"`
	MaxBytes int64         `json:"max_bytes,omitempty"`
}

// Active reports whether any bound is set.
func (r Retention) Active() bool { return r.MaxCount > 0 || r.MaxAge > 0 || r.MaxBytes > 0 }

// perRequestOverhead approximates what a request costs beyond its body
// (summary, headers, keys), so MaxBytes tracks the file's growth.
const perRequestOverhead = 400

// pruneBatch keeps each deleting transaction short, so capture's commits
// interleave with a large cleanup and a crash mid-way loses nothing else.
const pruneBatch = 1000

// Prune deletes the oldest requests beyond r, oldest first, a batch per
// transaction. It returns how many it deleted.
func (s *Store) Prune(r Retention, now time.Time) (int, error) {
	if !r.Active() {
		return 0, nil
	}
	cutoff, err := s.pruneCutoff(r, now)
	if err != nil || cutoff == 0 {
		return 0, err
	}
	deleted := 0
	for {
		ids, err := s.oldestUpTo(cutoff, pruneBatch)
		if err != nil || len(ids) == 0 {
			return deleted, err
		}
		if err := s.Delete(ids...); err != nil {
			return deleted, fmt.Errorf("retention: %w", err)
		}
		deleted += len(ids)
	}
}

// pruneCutoff walks from the newest request back and returns the highest
// ID that falls outside r (0 when everything is kept).
func (s *Store) pruneCutoff(r Retention, now time.Time) (uint64, error) {
	var cutoff uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSummaries).Cursor()
		count, bytes := 0, int64(0)
		oldest := now.Add(-r.MaxAge)
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			sum, err := decodeSummary(keyID(k), v)
			if err != nil {
				return err
			}
			count++
			bytes += sum.BodySize + perRequestOverhead
			if (r.MaxCount > 0 && count > r.MaxCount) || (r.MaxBytes > 0 && bytes > r.MaxBytes) ||
				(r.MaxAge > 0 && sum.ReceivedAt.Before(oldest)) {
				cutoff = sum.ID
				return nil
			}
		}
		return nil
	})
	return cutoff, err
}

func (s *Store) oldestUpTo(cutoff uint64, limit int) ([]uint64, error) {
	var ids []uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSummaries).Cursor()
		for k, _ := c.First(); k != nil && keyID(k) <= cutoff && len(ids) < limit; k, _ = c.Next() {
			ids = append(ids, keyID(k))
		}
		return nil
	})
	return ids, err
}

// CompactFile rewrites the database at path into a new file without the
// free pages deletions left (bbolt never shrinks a file by itself), then
// replaces the original. The file must not be open anywhere.
func CompactFile(path string) (before, after int64, err error) {
	src, err := Open(path, Options{LockTimeout: 500 * time.Millisecond})
	if err != nil {
		return 0, 0, err
	}
	tmp := path + ".compact"
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		src.Close()
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	err = bolt.Compact(dst, src.db, 64<<20)
	dst.Close()
	src.Close()
	if err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	fiBefore, _ := os.Stat(path)
	fiAfter, _ := os.Stat(tmp)
	// Rename is atomic: a crash leaves either the old file or the new one.
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	return fiBefore.Size(), fiAfter.Size(), nil
}
