package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

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
	// Acked is where a broker target (NATS, Kafka) put the message, set
	// once the broker acknowledged it ("stream HOOKS seq 42").
	Acked string `json:"acked,omitempty"`
}

// AppendReplay stores r (applying the body limits) and returns its ID.
func (s *Store) AppendReplay(r ReplayRecord) (uint64, error) {
	r = limitReplay(r)
	err := s.update(func(tx *bolt.Tx) error {
		id, err := tx.Bucket(bucketReplays).NextSequence()
		if err != nil {
			return err
		}
		r.ID = id
		if err := putReplay(tx, r); err != nil {
			return err
		}
		return tx.Bucket(bucketReplaysBySource).Put(sourceKey(r.SourceID, id), nil)
	})
	if err != nil {
		return 0, fmt.Errorf("save the replay of request %d: %w", r.SourceID, err)
	}
	return r.ID, nil
}

// putReplay writes r's two parts under its ID: the metadata as JSON (the
// record with its headers and bodies left empty, which omitempty leaves
// out) and the headers and bodies in their own bucket. The body's size
// and SHA-256 stay in the metadata: they are what is left of a body over
// the limit, and they describe a body without reading it.
func putReplay(tx *bolt.Tx, r ReplayRecord) error {
	heavy := encodeReplayBodies(&r)
	r.RequestHeader, r.RequestBody, r.ResponseHeader, r.ResponseBody = nil, nil, nil, nil
	meta, err := json.Marshal(r)
	if err != nil {
		return err
	}
	key := idKey(r.ID)
	if err := tx.Bucket(bucketReplays).Put(key, meta); err != nil {
		return err
	}
	return tx.Bucket(bucketReplayBodies).Put(key, heavy)
}

// decodeReplayMeta decodes a replay's metadata. Headers and bodies are
// cleared in case the value holds them (a schema-1 value the migration
// could not read, so left as it was).
func decodeReplayMeta(raw []byte) (ReplayRecord, error) {
	var r ReplayRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return ReplayRecord{}, fmt.Errorf("its record is damaged (%w)", err)
	}
	r.RequestHeader, r.RequestBody, r.ResponseHeader, r.ResponseBody = nil, nil, nil, nil
	return r, nil
}

// readReplay reads the whole replay at key; ok is false when it is absent.
// A replay without headers and bodies in their bucket reads as one that
// had none: its sizes are still in the metadata.
func readReplay(tx *bolt.Tx, key []byte) (r ReplayRecord, ok bool, err error) {
	raw := tx.Bucket(bucketReplays).Get(key)
	if raw == nil {
		return ReplayRecord{}, false, nil
	}
	if r, err = decodeReplayMeta(raw); err != nil {
		return ReplayRecord{}, true, err
	}
	if heavy := tx.Bucket(bucketReplayBodies).Get(key); heavy != nil {
		if err := decodeReplayBodies(heavy, &r); err != nil {
			return ReplayRecord{}, true, fmt.Errorf("its headers and bodies are damaged (%w)", err)
		}
	}
	return r, true, nil
}

// replayBodiesCodecVersion starts a replay's headers-and-bodies value. It
// is binary, not JSON: JSON would turn header bytes that are not UTF-8
// into U+FFFD and grow each body by a third in base64.
const replayBodiesCodecVersion = 1

func encodeReplayBodies(r *ReplayRecord) []byte {
	buf := make([]byte, 0, 64+len(r.RequestBody)+len(r.ResponseBody))
	buf = append(buf, replayBodiesCodecVersion)
	buf = appendHeader(buf, r.RequestHeader)
	buf = appendBytes(buf, r.RequestBody)
	buf = appendHeader(buf, r.ResponseHeader)
	return appendBytes(buf, r.ResponseBody)
}

// decodeReplayBodies fills in r's headers and bodies from raw, copying
// them (raw is only valid inside its transaction). Empty ones are nil, as
// the JSON of schema 1 gave them.
func decodeReplayBodies(raw []byte, r *ReplayRecord) error {
	rd := summaryReader{buf: raw}
	if v := rd.byte(); rd.err == nil && v != replayBodiesCodecVersion {
		return fmt.Errorf("an unknown format %d", v)
	}
	r.RequestHeader = readHeader(&rd)
	r.RequestBody = readBytes(&rd)
	r.ResponseHeader = readHeader(&rd)
	r.ResponseBody = readBytes(&rd)
	if rd.err != nil {
		return errors.New("cut short")
	}
	return nil
}

func appendBytes(buf, b []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(b)))
	return append(buf, b...)
}

// appendHeader writes h's names in sorted order, each with its values in
// their order: a request's details and a replay's bodies both use it.
func appendHeader(buf []byte, h http.Header) []byte {
	names := slices.Sorted(maps.Keys(h))
	buf = binary.AppendUvarint(buf, uint64(len(names)))
	for _, name := range names {
		buf = appendString(buf, name)
		buf = binary.AppendUvarint(buf, uint64(len(h[name])))
		for _, v := range h[name] {
			buf = appendString(buf, v)
		}
	}
	return buf
}

// readBytes reads what appendBytes wrote, as a copy; empty is nil.
func readBytes(rd *summaryReader) []byte {
	n := rd.uvarint()
	if rd.err == nil && n > uint64(len(rd.buf)) {
		rd.err = errShortSummary
	}
	if rd.err != nil || n == 0 {
		return nil
	}
	b := bytes.Clone(rd.buf[:n])
	rd.buf = rd.buf[n:]
	return b
}

// readHeader reads what appendHeader wrote; empty is nil. Counts are
// bounded by the bytes left, so a damaged count cannot ask for a huge
// allocation.
func readHeader(rd *summaryReader) http.Header {
	n := rd.uvarint()
	if rd.err == nil && n > uint64(len(rd.buf)) {
		rd.err = errShortSummary
	}
	if rd.err != nil || n == 0 {
		return nil
	}
	h := make(http.Header, n)
	for range n {
		name := rd.string()
		count := rd.uvarint()
		if rd.err == nil && count > uint64(len(rd.buf)) {
			rd.err = errShortSummary
		}
		if rd.err != nil {
			return nil
		}
		values := make([]string, 0, count)
		for range count {
			values = append(values, rd.string())
		}
		h[name] = values
	}
	return h
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

// Replays lists the replays of one captured request, oldest first, whole.
func (s *Store) Replays(sourceID uint64) ([]ReplayRecord, error) {
	var out []ReplayRecord
	err := s.view(func(tx *bolt.Tx) error {
		prefix := idKey(sourceID)
		c := tx.Bucket(bucketReplaysBySource).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != 16 {
				return fmt.Errorf("%w (an index key of %d bytes, expected 16)", errBadKey, len(k))
			}
			r, ok, err := readReplay(tx, k[8:])
			if err != nil {
				return fmt.Errorf("replay %d: %w", keyID(k[8:]), err)
			}
			if ok { // an index entry outliving its replay shows nothing
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("replays of request %d: %w", sourceID, err)
	}
	return out, nil
}

// Replay returns one replay by its own ID, whole.
func (s *Store) Replay(id uint64) (ReplayRecord, error) {
	var r ReplayRecord
	var ok bool
	err := s.view(func(tx *bolt.Tx) (err error) {
		r, ok, err = readReplay(tx, idKey(id))
		return err
	})
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
	return s.update(func(tx *bolt.Tx) error {
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
	replays, bodies := tx.Bucket(bucketReplays), tx.Bucket(bucketReplayBodies)
	for _, k := range keys {
		if err := replays.Delete(k[8:]); err != nil {
			return err
		}
		if err := bodies.Delete(k[8:]); err != nil {
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
	// The request is looked up in the same transaction: what is kept
	// beside a request (a draft saved as the window leaves it, a forward's
	// or a rule's outcome) must not outlive a Delete that ran just before,
	// since Delete removes these with the request in one transaction.
	return s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSummaries).Get(idKey(id)) == nil {
			return ErrNotFound
		}
		return tx.Bucket(bucket).Put(idKey(id), raw)
	})
}

// lookupJSON decodes the value at id into v; ok is false when absent.
func (s *Store) lookupJSON(bucket []byte, id uint64, v any) (ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
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
