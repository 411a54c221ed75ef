package storage

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketContracts holds, per request ID, the verdict of checking the
// request against the OpenAPI spec attached to its path, as the core's
// JSON (storage does not read it). It is deleted with the request.

// PutContractVerdict records the verdict for request id, replacing an
// earlier one. A request deleted meanwhile gets none: a verdict never
// outlives its request.
func (s *Store) PutContractVerdict(id uint64, verdict []byte) error {
	err := s.update(func(tx *bolt.Tx) error {
		key := idKey(id)
		if tx.Bucket(bucketSummaries).Get(key) == nil {
			return nil
		}
		return tx.Bucket(bucketContracts).Put(key, verdict)
	})
	if err != nil {
		return fmt.Errorf("save the contract verdict of request %d: %w", id, err)
	}
	return nil
}

// ContractVerdict returns the verdict stored for request id; nil when the
// request was not checked.
func (s *Store) ContractVerdict(id uint64) ([]byte, error) {
	var out []byte
	err := s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketContracts).Get(idKey(id)); v != nil {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("the contract verdict of request %d: %w", id, err)
	}
	return out, nil
}
