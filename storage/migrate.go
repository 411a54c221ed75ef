package storage

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Schema 1 kept each replay as one JSON value, headers and bodies
// included, so reading the last hour of replays for the monitor meant
// stepping over every body. Schema 2 keeps the metadata in bucketReplays
// and the headers and bodies in bucketReplayBodies (see putReplay).
//
// Open splits a schema-1 file's replays in batches of about
// splitBatchBytes of old values, one transaction each, rather than in one
// transaction: a transaction holds every page it writes in memory until
// it commits, and a history where forwarding records a replay per capture
// can hold many thousands of replays with bodies up to 1 MiB each. Each
// batch records in the meta bucket (keySplitFrom) the key the next one
// starts at, in the same transaction as its writes, so a kill between
// batches leaves every replay either split or still whole, and the next
// Open carries on from there. The schema version is already 2 during the
// split, so an older Hookscope refuses the half-split file instead of
// showing split replays without their bodies.
const splitBatchBytes = 16 << 20

// splitReplays splits the replays from keySplitFrom on, batchBytes of old
// values per transaction, and removes the mark after the last. maxBatches
// below zero means no limit; tests stop early to stand for a kill.
func splitReplays(db *bolt.DB, batchBytes, maxBatches int) error {
	for n := 0; maxBatches < 0 || n < maxBatches; n++ {
		done, err := splitReplayBatch(db, batchBytes)
		if err != nil {
			return fmt.Errorf("split the replays into metadata and bodies (schema 2): %w", err)
		}
		if done {
			return nil
		}
	}
	return nil
}

// splitReplayBatch splits one batch; done is true when none is left.
//
// A value that does not decode is left as it was, to be reported by the
// reads that meet it ("replay N: its record is damaged"), as schema 1 did:
// refusing the file would keep the user from every other request and
// replay in it, and dropping the value would lose what may still be
// recovered by hand.
func splitReplayBatch(db *bolt.DB, batchBytes int) (done bool, err error) {
	err = db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		from := meta.Get(keySplitFrom)
		if from == nil {
			done = true
			return nil
		}
		bodies := tx.Bucket(bucketReplayBodies)
		// Decode the batch first, then write: a Put under a cursor can
		// move it.
		var batch []ReplayRecord
		size := 0
		c := tx.Bucket(bucketReplays).Cursor()
		k, v := c.Seek(from)
		for ; k != nil && size < batchBytes; k, v = c.Next() {
			size += len(v)
			if len(k) != 8 || bodies.Get(k) != nil {
				continue // not a replay key, or already split
			}
			var r ReplayRecord
			if json.Unmarshal(v, &r) != nil {
				continue // damaged: kept as it is (see above)
			}
			r.ID = keyID(k) // the key is what every reader goes by
			batch = append(batch, r)
		}
		next := bytes.Clone(k)
		for _, r := range batch {
			if err := putReplay(tx, r); err != nil {
				return fmt.Errorf("replay %d: %w", r.ID, err)
			}
		}
		if next == nil {
			done = true
			return meta.Delete(keySplitFrom)
		}
		return meta.Put(keySplitFrom, next)
	})
	return done, err
}
