package storage

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ForwardOutcome is the forward result of one capture.
type ForwardOutcome struct {
	ID     uint64
	Result ForwardResult
}

// PutForwardResults records many forward results and a setting (a broker
// target's cursor: the last capture it has dealt with) in one transaction,
// so they are never out of step and a burst of publishes costs one commit
// rather than one per capture.
func (s *Store) PutForwardResults(results []ForwardOutcome, setting string, value []byte) error {
	raws := make([][]byte, len(results))
	for i, r := range results {
		raw, err := json.Marshal(r.Result)
		if err != nil {
			return fmt.Errorf("save the forward result of request %d: %w", r.ID, err)
		}
		raws[i] = raw
	}
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketForwards)
		sums := tx.Bucket(bucketSummaries)
		for i, r := range results {
			// A capture deleted meanwhile gets no orphan result.
			if sums.Get(idKey(r.ID)) == nil {
				continue
			}
			if err := b.Put(idKey(r.ID), raws[i]); err != nil {
				return err
			}
		}
		if setting == "" {
			return nil
		}
		return tx.Bucket(bucketSettings).Put([]byte(setting), value)
	})
	if err != nil {
		return fmt.Errorf("save %d forward results: %w", len(results), err)
	}
	return nil
}

// SettingBrokerCursor starts the setting that keeps, per broker forward
// rule, the last capture ID it has dealt with (app/forward_broker.go).
const SettingBrokerCursor = "broker_cursor:"
