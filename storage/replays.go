package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets for what happens to a request after capture: replays sent from
// it, the edit draft being prepared, and the result of forwarding it.
var ()

// A replay's bodies are kept for comparison, within limits: a request body
// over ReplayRequestBodyLimit keeps only its size and SHA-256 (it usually
// equals the capture, which has it), and a response body is cut at
// ReplayResponseBodyLimit.
const (
	ReplayRequestBodyLimit  = 1 << 20
	ReplayResponseBodyLimit = 1 << 20
)

// ReplayTiming is a replay's phases in milliseconds.
type ReplayTiming struct {
	DNSMs       float64 `json:"dns_ms"`
	ConnectMs   float64 `json:"connect_ms"`
	TLSMs       float64 `json:"tls_ms"`
	FirstByteMs float64 `json:"first_byte_ms"`
	TotalMs     float64 `json:"total_ms"`
}

// ReplayRecord is one replay as sent and answered. Status is 0 and Error
// set when no answer came back.
type ReplayRecord struct {
	ID       uint64    `json:"id"`
	SourceID uint64    `json:"source_id"`
	At       time.Time `json:"at"`
	Target   string    `json:"target"`
	Method   string    `json:"method"`
	// Resigned names the scheme whose signature was recomputed, if any.
	Resigned           string      `json:"resigned,omitempty"`
	RequestHeader      http.Header `json:"request_headers,omitempty"`
	RequestBody        []byte      `json:"request_body,omitempty"`
	RequestBodySize    int64       `json:"request_body_size"`
	RequestBodySHA256  string      `json:"request_body_sha256,omitempty"`
	RequestBodyOmitted bool        `json:"request_body_omitted,omitempty"`

	Status            int         `json:"status,omitempty"`
	ResponseHeader    http.Header `json:"response_headers,omitempty"`
	ResponseBody      []byte      `json:"response_body,omitempty"`
	ResponseBodySize  int64       `json:"response_body_size,omitempty"`
	ResponseTruncated bool        `json:"response_truncated,omitempty"`

	Error string `json:"error,omitempty"`
	// ErrorKind classifies Error (refused, timeout, tls, dns, canceled,
	// other) for scripts.
	ErrorKind string       `json:"error_kind,omitempty"`
	Timing    ReplayTiming `json:"timing"`
	// Proto and RemoteAddr are the answer's protocol and the address it
	// came from.
	Proto      string `json:"proto,omitempty"`
	RemoteAddr string `json:"remote_addr,omitempty"`
}

// Draft is an edited replay not yet sent, kept per captured request so an
// edit survives closing the window.
type Draft struct {
	Method  string      `json:"method,omitempty"`
	Target  string      `json:"target,omitempty"`
	Header  http.Header `json:"headers,omitempty"`
	Body    []byte      `json:"body,omitempty"`
	Resign  bool        `json:"resign,omitempty"`
	Scheme  string      `json:"scheme,omitempty"`
	SavedAt time.Time   `json:"saved_at"`
}

// ForwardResult is how forwarding one capture went.
type ForwardResult struct {
	At         time.Time `json:"at"`
	Target     string    `json:"target"`
	Status     int       `json:"status,omitempty"`
	Error      string    `json:"error,omitempty"`
	Attempts   int       `json:"attempts"`
	DurationMs float64   `json:"duration_ms"`
	// ReplayID is the history entry with the full exchange, if recorded.
	ReplayID uint64 `json:"replay_id,omitempty"`
}

// AppendReplay stores r (applying the body limits) and returns its ID.
func (s *Store) AppendReplay(r ReplayRecord) (uint64, error) {
	r = limitReplay(r)
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReplays)
		id, err := b.NextSequence()
		if err != nil {
			return err
		}
		r.ID = id
		raw, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if err := b.Put(idKey(id), raw); err != nil {
			return err
		}
		return tx.Bucket(bucketReplaysBySource).Put(sourceKey(r.SourceID, id), nil)
	})
	if err != nil {
		return 0, fmt.Errorf("save the replay of request %d: %w", r.SourceID, err)
	}
	return r.ID, nil
}

func limitReplay(r ReplayRecord) ReplayRecord {
	if r.At.IsZero() {
		r.At = time.Now()
	}
	if n := len(r.RequestBody); n > 0 {
		sum := sha256.Sum256(r.RequestBody)
		r.RequestBodySize, r.RequestBodySHA256 = int64(n), hex.EncodeToString(sum[:])
		if n > ReplayRequestBodyLimit {
			r.RequestBody, r.RequestBodyOmitted = nil, true
		}
	}
	if n := int64(len(r.ResponseBody)); n > r.ResponseBodySize {
		r.ResponseBodySize = n
	}
	if len(r.ResponseBody) > ReplayResponseBodyLimit {
		r.ResponseBody, r.ResponseTruncated = r.ResponseBody[:ReplayResponseBodyLimit], true
	}
	return r
}

// sourceKey orders replays by source, then by their own ID, so one
// source's history is a prefix seek.
func sourceKey(sourceID, replayID uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, sourceID)
	binary.BigEndian.PutUint64(k[8:], replayID)
	return k
}

// Replays lists the replays of one captured request, oldest first.
func (s *Store) Replays(sourceID uint64) ([]ReplayRecord, error) {
	var out []ReplayRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		replays := tx.Bucket(bucketReplays)
		prefix := idKey(sourceID)
		c := tx.Bucket(bucketReplaysBySource).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != 16 {
				return fmt.Errorf("%w (an index key of %d bytes, expected 16)", errBadKey, len(k))
			}
			raw := replays.Get(k[8:])
			if raw == nil {
				continue // an index entry outliving its replay shows nothing
			}
			var r ReplayRecord
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("replay %d: %w", keyID(k[8:]), err)
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("replays of request %d: %w", sourceID, err)
	}
	return out, nil
}

// Replay returns one replay by its own ID.
func (s *Store) Replay(id uint64) (ReplayRecord, error) {
	var r ReplayRecord
	ok, err := s.lookupJSON(bucketReplays, id, &r)
	if err != nil {
		return ReplayRecord{}, fmt.Errorf("replay %d: %w", id, err)
	}
	if !ok {
		return ReplayRecord{}, fmt.Errorf("no replay with ID %d (%w)", id, ErrNotFound)
	}
	return r, nil
}

// SaveDraft keeps d as the draft for sourceID, replacing any earlier one.
func (s *Store) SaveDraft(sourceID uint64, d Draft) error {
	if d.SavedAt.IsZero() {
		d.SavedAt = time.Now()
	}
	if err := s.putJSON(bucketDrafts, sourceID, d); err != nil {
		return fmt.Errorf("save the draft of request %d: %w", sourceID, err)
	}
	return nil
}

// Draft returns the draft for sourceID; ok is false when there is none.
func (s *Store) Draft(sourceID uint64) (d Draft, ok bool, err error) {
	ok, err = s.lookupJSON(bucketDrafts, sourceID, &d)
	if err != nil {
		return Draft{}, false, fmt.Errorf("the draft of request %d: %w", sourceID, err)
	}
	return d, ok, nil
}

// DiscardDraft forgets the draft for sourceID, if any.
func (s *Store) DiscardDraft(sourceID uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDrafts).Delete(idKey(sourceID))
	})
}

// PutForwardResult records how forwarding captureID went, replacing an
// earlier result.
func (s *Store) PutForwardResult(captureID uint64, r ForwardResult) error {
	if err := s.putJSON(bucketForwards, captureID, r); err != nil {
		return fmt.Errorf("save the forward result of request %d: %w", captureID, err)
	}
	return nil
}

// ForwardResult returns the forward result of captureID; ok is false when
// it was not forwarded.
func (s *Store) ForwardResult(captureID uint64) (r ForwardResult, ok bool, err error) {
	ok, err = s.lookupJSON(bucketForwards, captureID, &r)
	if err != nil {
		return ForwardResult{}, false, fmt.Errorf("the forward result of request %d: %w", captureID, err)
	}
	return r, ok, nil
}

func deleteReplayData(tx *bolt.Tx, id uint64) error {
	key := idKey(id)
	if err := tx.Bucket(bucketDrafts).Delete(key); err != nil {
		return err
	}
	if err := tx.Bucket(bucketForwards).Delete(key); err != nil {
		return err
	}
	if err := tx.Bucket(bucketAnswers).Delete(key); err != nil {
		return err
	}
	index := tx.Bucket(bucketReplaysBySource)
	// Collect first: deleting under a cursor then calling Next skips keys.
	var keys [][]byte
	c := index.Cursor()
	for k, _ := c.Seek(key); k != nil && bytes.HasPrefix(k, key); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	replays := tx.Bucket(bucketReplays)
	for _, k := range keys {
		if err := replays.Delete(k[8:]); err != nil {
			return err
		}
		if err := index.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) putJSON(bucket []byte, id uint64, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put(idKey(id), raw)
	})
}

// lookupJSON decodes the value at id into v; ok is false when absent.
func (s *Store) lookupJSON(bucket []byte, id uint64, v any) (ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucket).Get(idKey(id))
		if raw == nil {
			return nil
		}
		ok = true
		// Unmarshal copies what it keeps, so nothing outlives the tx.
		return json.Unmarshal(raw, v)
	})
	return ok, err
}
