package storage

import (
	"bytes"
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
	out, err := walkRecent(s.db, bucketSummaries, t, peek, func(k, v []byte) (Summary, time.Time, error) {
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
// sent at or after t, newest first. Their headers and bodies are left out:
// they are skipped over, never decoded, so a history of large bodies stays
// cheap to summarise.
func (s *Store) ReplaysSince(t time.Time) ([]ReplayRecord, error) {
	out, err := walkRecent(s.db, bucketReplays, t, replayTime, func(k, v []byte) (ReplayRecord, time.Time, error) {
		r, err := decodeReplayLight(v)
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
	out, err := walkRecent(s.db, bucketForwards, t, nil, func(k, v []byte) (ForwardResult, time.Time, error) {
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

// replayHeavy names the members of a stored replay that ReplaysSince skips.
var replayHeavy = [][]byte{
	[]byte("request_headers"), []byte("request_body"), []byte("request_body_sha256"),
	[]byte("response_headers"), []byte("response_body"),
}

func isReplayHeavy(key []byte) bool {
	for _, h := range replayHeavy {
		// encoding/json matches names without regard to case; so do we.
		if bytes.EqualFold(key, h) {
			return true
		}
	}
	return false
}

// replayTime reads a stored replay's "at" (written third, after the IDs)
// without looking at the rest; ok is false when it cannot be found.
func replayTime(raw []byte) (at time.Time, ok bool) {
	eachMember(raw, func(key, _, value []byte) bool {
		if string(key) != "at" {
			return true
		}
		ok = json.Unmarshal(value, &at) == nil
		return false
	})
	return at, ok
}

// decodeReplayLight decodes a stored replay without its headers and
// bodies. Only the small members are copied and decoded; the others are
// stepped over (a body string in one IndexByte).
func decodeReplayLight(raw []byte) (ReplayRecord, error) {
	var r ReplayRecord
	buf := make([]byte, 0, 512)
	buf = append(buf, '{')
	ok := eachMember(raw, func(key, member, _ []byte) bool {
		if isReplayHeavy(key) {
			return true
		}
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = append(buf, member...)
		return true
	})
	if ok {
		buf = append(buf, '}')
		if json.Unmarshal(buf, &r) == nil {
			return r, nil
		}
	}
	// Not the shape json.Marshal writes: decode it all, then drop the rest.
	r = ReplayRecord{}
	if err := json.Unmarshal(raw, &r); err != nil {
		return ReplayRecord{}, err
	}
	r.RequestHeader, r.RequestBody, r.RequestBodySHA256 = nil, nil, ""
	r.ResponseHeader, r.ResponseBody = nil, nil
	return r, nil
}

// eachMember calls fn with each top-level member of the JSON object raw:
// its key (as written, quotes removed), the whole member text and the
// value text, until fn returns false. It reports whether the object was
// well formed as far as it read. Values are skipped by structure only;
// they are not validated.
func eachMember(raw []byte, fn func(key, member, value []byte) bool) bool {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return true
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return false
		}
		start := i
		end, ok := skipString(raw, i)
		if !ok {
			return false
		}
		key := raw[start+1 : end-1]
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return false
		}
		i = skipSpace(raw, i+1)
		valEnd, ok := skipValue(raw, i)
		if !ok {
			return false
		}
		if !fn(key, raw[start:valEnd], raw[i:valEnd]) {
			return true
		}
		i = skipSpace(raw, valEnd)
		if i >= len(raw) {
			return false
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case '}':
			return true
		default:
			return false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i].
func skipString(b []byte, i int) (int, bool) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return 0, false
		}
		k += j
		// The quote ends the string unless an odd run of backslashes
		// escapes it.
		n := 0
		for p := k - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return k + 1, true
		}
		j = k + 1
	}
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); {
			switch b[j] {
			case '"':
				end, ok := skipString(b, j)
				if !ok {
					return 0, false
				}
				j = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
			j++
		}
		return 0, false
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j, j > i
		}
		j++
	}
	return j, j > i
}
