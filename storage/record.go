// Package storage keeps captured requests in a bbolt file. It is the only
// package that imports bbolt.
package storage

import (
	"net/http"
	"time"
)

// Summary is the small part of a request that a list shows. It is stored
// apart from the body so that listing a million rows never reads a body.
type Summary struct {
	ID           uint64    `json:"id"`
	ReceivedAt   time.Time `json:"received_at"`
	Method       string    `json:"method"`
	Path         string    `json:"path"`
	BodySize     int64     `json:"body_size"`
	OriginalSize int64     `json:"original_size"`
	Truncated    bool      `json:"truncated"`
	ContentType  string    `json:"content_type"`
	// Status is the status code Hookscope answered with.
	Status int `json:"status,omitempty"`
	// Signature is the verdict of the check made on arrival, when the
	// path has a saved secret.
	Signature SigState `json:"signature,omitempty"`
	// DuplicateOf is the earlier request carrying the same event ID (or,
	// without one, the same body on the same path); 0 when none.
	DuplicateOf uint64 `json:"duplicate_of,omitempty"`
}

// SigState is a stored signature verdict.
type SigState uint8

// Verdicts; SigNone means no secret was saved for the path.
const (
	SigNone SigState = iota
	SigValid
	SigInvalid
	SigStale
)

func (s SigState) String() string {
	switch s {
	case SigValid:
		return "valid"
	case SigInvalid:
		return "invalid"
	case SigStale:
		return "stale"
	}
	return ""
}

// Record is everything captured about one request.
type Record struct {
	Summary
	RawQuery   string      `json:"query"`
	Proto      string      `json:"proto"`
	Host       string      `json:"host"`
	RemoteAddr string      `json:"remote_addr"`
	Header     http.Header `json:"headers"`
	Body       []byte      `json:"-"`
	// EventKey is worked out on the capture path before the commit and
	// used again after it (duplicate detection); it is not stored.
	EventKey string `json:"-"`
}

// detail is the part of a Record that is neither summary nor body.
type detail struct {
	RawQuery   string      `json:"q,omitempty"`
	Proto      string      `json:"p,omitempty"`
	Host       string      `json:"h,omitempty"`
	RemoteAddr string      `json:"r,omitempty"`
	Header     http.Header `json:"hd,omitempty"`
}
