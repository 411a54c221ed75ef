package storage

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The walks below start at the newest key and go backwards, so their cost
// follows the size of the window, not of the store. Keys follow arrival,
// and times nearly do: a replay is stamped when it is sent but keyed when
// it is stored, and an import can append requests stamped long ago. So a
// walk does not stop at the first entry older than the cut-off but after
// recentOldRun of them in a row; those are read only as far as their time.
const recentOldRun = 1024

// walkRecent walks bucket from its newest key back and returns, newest
// first, the entries stamped at or after t. peek, when set, reads only an
// entry's time, so old entries cost no decoding; decode reads the rest.
func walkRecent[T any](db *bolt.DB, bucket []byte, t time.Time,
	peek func(v []byte) (time.Time, bool), decode func(k, v []byte) (T, time.Time, error)) ([]T, error) {
	var out []T
	err := db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		old := 0
		for k, v := c.Last(); k != nil && old < recentOldRun; k, v = c.Prev() {
			if peek != nil {
				if at, ok := peek(v); ok && at.Before(t) {
					old++
					continue
				}
			}
			item, at, err := decode(k, v)
			if err != nil {
				return err
			}
			if at.Before(t) {
				old++
				continue
			}
			old = 0
			out = append(out, item)
		}
		return nil
	})
	return out, err
}

// SummariesSince returns the summaries of requests received at or after t,
// newest first, without reading a body.
func (s *Store) SummariesSince(t time.Time) ([]Summary, error) {
	peek := func(v []byte) (time.Time, bool) {
		at, err := summaryTime(v)
		return at, err == nil
	}
	out, err := walkRecent(s.caughtUpDB(), bucketSummaries, t, peek, func(k, v []byte) (Summary, time.Time, error) {
		id, err := checkedID(k)
		if err != nil {
			return Summary{}, time.Time{}, err
		}
		sum, err := decodeSummary(id, v)
		if err != nil {
			return sum, time.Time{}, fmt.Errorf("request %d: %w", id, err)
		}
		return sum, sum.ReceivedAt, nil
	})
	if err != nil {
		return nil, fmt.Errorf("recent requests: %w", err)
	}
	return out, nil
}

// summaryTime reads only the arrival time of an encoded summary.
func summaryTime(raw []byte) (time.Time, error) {
	r := summaryReader{buf: raw}
	if v := r.byte(); r.err == nil && v != summaryCodecVersion {
		return time.Time{}, fmt.Errorf("summary record has an unknown format")
	}
	ns := r.varint()
	if r.err != nil {
		return time.Time{}, r.err
	}
	return time.Unix(0, ns).UTC(), nil
}

// ReplaysSince returns the replays (forwards and bulk replays included)
// sent at or after t, newest first, without their headers and bodies: it
// reads only the replays bucket, which holds the metadata, so a history of
// large bodies stays cheap to summarise.
func (s *Store) ReplaysSince(t time.Time) ([]ReplayRecord, error) {
	out, err := walkRecent(s.caughtUpDB(), bucketReplays, t, nil, func(k, v []byte) (ReplayRecord, time.Time, error) {
		r, err := decodeReplayMeta(v)
		if err != nil {
			return r, time.Time{}, fmt.Errorf("replay %d: %w", keyID(k), err)
		}
		return r, r.At, nil
	})
	if err != nil {
		return nil, fmt.Errorf("recent replays: %w", err)
	}
	return out, nil
}

// ForwardsSince returns the forward results recorded at or after t, newest
// capture first. The bucket is keyed by capture ID, and a capture is
// forwarded soon after it arrives, so the walk ends once forwards older
// than t keep coming.
func (s *Store) ForwardsSince(t time.Time) ([]ForwardResult, error) {
	out, err := walkRecent(s.caughtUpDB(), bucketForwards, t, nil, func(k, v []byte) (ForwardResult, time.Time, error) {
		var r ForwardResult
		if err := json.Unmarshal(v, &r); err != nil {
			return r, time.Time{}, fmt.Errorf("the forward result of request %d: %w", keyID(k), err)
		}
		return r, r.At, nil
	})
	if err != nil {
		return nil, fmt.Errorf("recent forwards: %w", err)
	}
	return out, nil
}
