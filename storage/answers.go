package storage

import (
	"fmt"
	"net/http"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketAnswers holds, per request ID, what a response rule answered; a
// request answered by default has no entry.

// AnswerBodyLimit caps the body kept with an answer: enough to see what
// was sent, while a rule answering megabytes does not double the file.
const AnswerBodyLimit = 64 << 10

// Answer actions, beside a normal answer ("").
const (
	AnswerClosed = "close" // the connection was closed without an answer
	AnswerHung   = "hang"  // the connection was held until the client gave up
)

// AnswerRecord is what a response rule sent back for one request.
type AnswerRecord struct {
	Rule string `json:"rule"`
	// Status is 0 when the rule closed or held the connection.
	Status int         `json:"status,omitempty"`
	Header http.Header `json:"headers,omitempty"`
	Body   []byte      `json:"body,omitempty"`
	// BodySize is the size sent; Body keeps at most AnswerBodyLimit.
	BodySize  int64 `json:"body_size,omitempty"`
	Truncated bool  `json:"truncated,omitempty"`
	// Action is "" for an answer, AnswerClosed or AnswerHung.
	Action string        `json:"action,omitempty"`
	Delay  time.Duration `json:"delay_ns,omitempty"`
	// Note says why, when it is not plain ("failure 1 of 2 on purpose").
	Note string `json:"note,omitempty"`
}

// PutAnswer records what answered request id, replacing an earlier record.
func (s *Store) PutAnswer(id uint64, a AnswerRecord) error {
	if n := int64(len(a.Body)); n > a.BodySize {
		a.BodySize = n
	}
	if len(a.Body) > AnswerBodyLimit {
		a.Body, a.Truncated = a.Body[:AnswerBodyLimit], true
	}
	if err := s.putJSON(bucketAnswers, id, a); err != nil {
		return fmt.Errorf("save the answer to request %d: %w", id, err)
	}
	return nil
}

// Answer returns what a rule answered request id; ok is false when the
// default answer (or a relay) went out.
func (s *Store) Answer(id uint64) (a AnswerRecord, ok bool, err error) {
	ok, err = s.lookupJSON(bucketAnswers, id, &a)
	if err != nil {
		return AnswerRecord{}, false, fmt.Errorf("the answer to request %d: %w", id, err)
	}
	return a, ok, nil
}

// DeleteAnswers forgets the answers to the given requests; call it with
// Delete. Unknown IDs are ignored.
func (s *Store) DeleteAnswers(ids ...uint64) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAnswers)
		for _, id := range ids {
			if err := b.Delete(idKey(id)); err != nil {
				return fmt.Errorf("delete the answer to request %d: %w", id, err)
			}
		}
		return nil
	})
}

// ClearAnswers forgets every answer; call it with Clear.
func (s *Store) ClearAnswers() error {
	return s.update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketAnswers); err != nil {
			return fmt.Errorf("clear the answers: %w", err)
		}
		if _, err := tx.CreateBucket(bucketAnswers); err != nil {
			return fmt.Errorf("clear the answers: %w", err)
		}
		return nil
	})
}
