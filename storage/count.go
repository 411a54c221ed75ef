package storage

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// keyCount in the meta bucket holds the number of stored requests, kept in
// the same transactions that add and remove them, so a window over a
// million requests learns the count without walking every key (a walk
// touches pages all through the file).

func readCount(tx *bolt.Tx) (uint64, bool) {
	v := tx.Bucket(bucketMeta).Get(keyCount)
	if len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

func writeCount(tx *bolt.Tx, n uint64) error {
	return tx.Bucket(bucketMeta).Put(keyCount, idKey(n))
}

// addCount adjusts the stored count by delta (never below zero).
func addCount(tx *bolt.Tx, delta int) error {
	n, ok := readCount(tx)
	if !ok {
		return nil // counted at the next open
	}
	switch {
	case delta >= 0:
		n += uint64(delta)
	case uint64(-delta) > n:
		n = 0
	default:
		n -= uint64(-delta)
	}
	return writeCount(tx, n)
}

// ensureCount counts the requests once for a file written before the count
// was kept.
func ensureCount(tx *bolt.Tx) error {
	if _, ok := readCount(tx); ok {
		return nil
	}
	n := uint64(tx.Bucket(bucketSummaries).Stats().KeyN)
	return writeCount(tx, n)
}

// OldestID is the lowest stored ID, 0 when empty.
func (s *Store) OldestID() (uint64, error) {
	var id uint64
	err := s.view(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketSummaries).Cursor().First(); k != nil {
			var err error
			id, err = checkedID(k)
			return err
		}
		return nil
	})
	return id, err
}
