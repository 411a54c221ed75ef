// Package wire holds every JSON shape Hookscope prints or sends over its
// local API, so the command line, the API and its client cannot drift
// apart. Field names are a contract (docs/cli.md, "JSON"): add fields
// freely, never rename. Values that may not be UTF-8 travel as base64.
package wire

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"dev.hookscope/storage"
	"dev.hookscope/textutil"
)

// RequestJSON is the stable shape of `show --json` (docs/cli.md,
// "show --json"): add fields freely, never rename.
type RequestJSON struct {
	ID           uint64      `json:"id"`
	ReceivedAt   string      `json:"received_at"`
	Method       string      `json:"method"`
	Path         string      `json:"path"`
	Query        string      `json:"query"`
	Proto        string      `json:"proto"`
	Host         string      `json:"host"`
	RemoteAddr   string      `json:"remote_addr"`
	Headers      http.Header `json:"headers"`
	BodyBase64   string      `json:"body_base64"`
	BodySize     int64       `json:"body_size"`
	OriginalSize int64       `json:"original_size"`
	Truncated    bool        `json:"truncated"`
	ContentType  string      `json:"content_type"`
	Status       int         `json:"status,omitempty"`
	Signature    string      `json:"signature,omitempty"`
	DuplicateOf  uint64      `json:"duplicate_of,omitempty"`
	// The exact bytes where path, query or a header is not UTF-8 (which
	// the fields above, being JSON strings, show with U+FFFD): present only
	// then, and preferred when reading back. Header names and values are
	// all in standard base64.
	PathBase64    string              `json:"path_base64,omitempty"`
	QueryBase64   string              `json:"query_base64,omitempty"`
	HeadersBase64 map[string][]string `json:"headers_base64,omitempty"`
}

// SummaryJSON is the stable shape of one `list --json` line.
type SummaryJSON struct {
	ID           uint64 `json:"id"`
	ReceivedAt   string `json:"received_at"`
	Method       string `json:"method"`
	Path         string `json:"path"`
	BodySize     int64  `json:"body_size"`
	ContentType  string `json:"content_type"`
	OriginalSize int64  `json:"original_size"`
	Truncated    bool   `json:"truncated"`
	Status       int    `json:"status,omitempty"`
	Signature    string `json:"signature,omitempty"`
	DuplicateOf  uint64 `json:"duplicate_of,omitempty"`
	PathBase64   string `json:"path_base64,omitempty"` // the exact path when it is not UTF-8
}

// NewRequestJSON converts a stored record to its JSON form.
func NewRequestJSON(rec *storage.Record) RequestJSON {
	h := rec.Header
	if h == nil {
		h = http.Header{}
	}
	return RequestJSON{
		ID: rec.ID, ReceivedAt: textutil.FormatTime(rec.ReceivedAt), Method: rec.Method, Path: rec.Path,
		Query: rec.RawQuery, Proto: rec.Proto, Host: rec.Host, RemoteAddr: rec.RemoteAddr,
		Headers: h, BodyBase64: base64.StdEncoding.EncodeToString(rec.Body), BodySize: rec.BodySize,
		OriginalSize: rec.OriginalSize, Truncated: rec.Truncated, ContentType: rec.ContentType, Status: rec.Status,
		Signature: rec.Signature.String(), DuplicateOf: rec.DuplicateOf, PathBase64: exactIfNotUTF8(rec.Path), QueryBase64: exactIfNotUTF8(rec.RawQuery),
		HeadersBase64: headersIfNotUTF8(h),
	}
}

// exactIfNotUTF8 is s in base64 when JSON would change it, else "".
func exactIfNotUTF8(s string) string {
	if utf8.ValidString(s) {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(s))
}

func headersIfNotUTF8(h http.Header) map[string][]string {
	exact := true
	for name, values := range h {
		exact = exact && utf8.ValidString(name)
		for _, v := range values {
			exact = exact && utf8.ValidString(v)
		}
	}
	if exact {
		return nil
	}
	out := make(map[string][]string, len(h))
	for name, values := range h {
		enc := make([]string, len(values))
		for i, v := range values {
			enc[i] = base64.StdEncoding.EncodeToString([]byte(v))
		}
		out[base64.StdEncoding.EncodeToString([]byte(name))] = enc
	}
	return out
}

// exact prefers the base64 form of a field when it is there.
func exact(field, text, b64 string) (string, error) {
	if b64 == "" {
		return text, nil
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", fmt.Errorf("%s_base64: %w", field, err)
	}
	return string(b), nil
}

// NewSummaryJSON converts a summary to its JSON form.
func NewSummaryJSON(s storage.Summary) SummaryJSON {
	return SummaryJSON{
		ID: s.ID, ReceivedAt: textutil.FormatTime(s.ReceivedAt), Method: s.Method, Path: s.Path,
		BodySize: s.BodySize, ContentType: s.ContentType, OriginalSize: s.OriginalSize, Truncated: s.Truncated,
		Status: s.Status, Signature: s.Signature.String(), DuplicateOf: s.DuplicateOf, PathBase64: exactIfNotUTF8(s.Path),
	}
}

// ParseSigState reads a verdict written by SigState.String.
func ParseSigState(s string) storage.SigState {
	for _, st := range []storage.SigState{storage.SigValid, storage.SigInvalid, storage.SigStale} {
		if st.String() == s {
			return st
		}
	}
	return storage.SigNone
}

// Summary converts the JSON form back, for clients of the local API.
func (j SummaryJSON) Summary() (storage.Summary, error) {
	at, err := time.Parse(time.RFC3339Nano, j.ReceivedAt)
	if err != nil {
		return storage.Summary{}, fmt.Errorf("request %d: received_at %q: %w", j.ID, j.ReceivedAt, err)
	}
	path, err := exact("path", j.Path, j.PathBase64)
	if err != nil {
		return storage.Summary{}, fmt.Errorf("request %d: %w", j.ID, err)
	}
	return storage.Summary{
		ID: j.ID, ReceivedAt: at.UTC(), Method: j.Method, Path: path, BodySize: j.BodySize,
		OriginalSize: j.OriginalSize, Truncated: j.Truncated, ContentType: j.ContentType,
		Status: j.Status, Signature: ParseSigState(j.Signature), DuplicateOf: j.DuplicateOf,
	}, nil
}

// Record converts the JSON form back into a record.
func (j RequestJSON) Record() (*storage.Record, error) {
	at, err := time.Parse(time.RFC3339Nano, j.ReceivedAt)
	if err != nil {
		return nil, fmt.Errorf("request %d: received_at %q: %w", j.ID, j.ReceivedAt, err)
	}
	body, err := base64.StdEncoding.DecodeString(j.BodyBase64)
	if err != nil {
		return nil, fmt.Errorf("request %d: body_base64: %w", j.ID, err)
	}
	path, err := exact("path", j.Path, j.PathBase64)
	if err != nil {
		return nil, fmt.Errorf("request %d: %w", j.ID, err)
	}
	query, err := exact("query", j.Query, j.QueryBase64)
	if err != nil {
		return nil, fmt.Errorf("request %d: %w", j.ID, err)
	}
	header := j.Headers
	if j.HeadersBase64 != nil {
		if header, err = decodeHeaders(j.HeadersBase64); err != nil {
			return nil, fmt.Errorf("request %d: headers_base64: %w", j.ID, err)
		}
	}
	return &storage.Record{
		Summary: storage.Summary{
			ID: j.ID, ReceivedAt: at.UTC(), Method: j.Method, Path: path, BodySize: j.BodySize,
			OriginalSize: j.OriginalSize, Truncated: j.Truncated, ContentType: j.ContentType,
			Status: j.Status, Signature: ParseSigState(j.Signature), DuplicateOf: j.DuplicateOf,
		},
		RawQuery: query, Proto: j.Proto, Host: j.Host, RemoteAddr: j.RemoteAddr, Header: header, Body: body,
	}, nil
}

func decodeHeaders(enc map[string][]string) (http.Header, error) {
	h := make(http.Header, len(enc))
	for name64, values64 := range enc {
		name, err := base64.StdEncoding.DecodeString(name64)
		if err != nil {
			return nil, err
		}
		values := make([]string, len(values64))
		for i, v64 := range values64 {
			v, err := base64.StdEncoding.DecodeString(v64)
			if err != nil {
				return nil, err
			}
			values[i] = string(v)
		}
		h[string(name)] = values
	}
	return h, nil
}

// TextOrBase64 gives a body as text when it is UTF-8 without NULs, else as
// standard base64: the body / body_base64 pair of the JSON outputs.
func TextOrBase64(b []byte) (text, b64 *string) {
	if textutil.IsText(b) {
		s := string(b)
		return &s, nil
	}
	s := base64.StdEncoding.EncodeToString(b)
	return nil, &s
}

// ReplayJSON is `replay --json` and the API's answer to a replay that got
// an answer: one shape whichever side sent it.
type ReplayJSON struct {
	Status     int                  `json:"status"`
	Proto      string               `json:"proto,omitempty"`
	Headers    http.Header          `json:"headers"`
	Body       *string              `json:"body,omitempty"`
	BodyBase64 *string              `json:"body_base64,omitempty"`
	BodySize   int64                `json:"body_size"`
	Truncated  bool                 `json:"truncated"`
	DurationMs float64              `json:"duration_ms"`
	Timing     storage.ReplayTiming `json:"timing"`
	RemoteAddr string               `json:"remote_addr,omitempty"`
	ReplayID   uint64               `json:"replay_id,omitempty"`
}

// ReplayErrorJSON is printed (exit 1) and answered (502) when no answer
// came back from the target.
type ReplayErrorJSON struct {
	Error      string  `json:"error"`
	Kind       string  `json:"kind"`
	DurationMs float64 `json:"duration_ms"`
	ReplayID   uint64  `json:"replay_id,omitempty"`
}

// NewReplayJSON describes an exchange that got an answer.
func NewReplayJSON(e storage.ReplayRecord) ReplayJSON {
	out := ReplayJSON{Status: e.Status, Proto: e.Proto, Headers: e.ResponseHeader, BodySize: e.ResponseBodySize,
		Truncated: e.ResponseTruncated, DurationMs: e.Timing.TotalMs, Timing: e.Timing, RemoteAddr: e.RemoteAddr, ReplayID: e.ID}
	if out.Headers == nil {
		out.Headers = http.Header{}
	}
	out.Body, out.BodyBase64 = TextOrBase64(e.ResponseBody)
	return out
}

// Record turns the answer back into the exchange it describes.
func (j ReplayJSON) Record() (storage.ReplayRecord, error) {
	body, err := BodyOf(j.Body, j.BodyBase64)
	if err != nil {
		return storage.ReplayRecord{}, fmt.Errorf("replay %d: %w", j.ReplayID, err)
	}
	return storage.ReplayRecord{ID: j.ReplayID, Status: j.Status, Proto: j.Proto, ResponseHeader: j.Headers,
		ResponseBody: body, ResponseBodySize: j.BodySize, ResponseTruncated: j.Truncated, Timing: j.Timing,
		RemoteAddr: j.RemoteAddr}, nil
}

// NewReplayErrorJSON describes an exchange that got no answer.
func NewReplayErrorJSON(e storage.ReplayRecord) ReplayErrorJSON {
	kind := e.ErrorKind
	if kind == "" {
		kind = "other"
	}
	return ReplayErrorJSON{Error: e.Error, Kind: kind, DurationMs: e.Timing.TotalMs, ReplayID: e.ID}
}

// Record turns the error back into the exchange it describes.
func (j ReplayErrorJSON) Record() storage.ReplayRecord {
	return storage.ReplayRecord{ID: j.ReplayID, Error: j.Error, ErrorKind: j.Kind, Timing: storage.ReplayTiming{TotalMs: j.DurationMs}}
}

// BodyOf reads a body / body_base64 pair back into bytes.
func BodyOf(text, b64 *string) ([]byte, error) {
	switch {
	case b64 != nil:
		b, err := base64.StdEncoding.DecodeString(*b64)
		if err != nil {
			return nil, fmt.Errorf("body_base64: %w", err)
		}
		return b, nil
	case text != nil:
		return []byte(*text), nil
	}
	return nil, nil
}

// ReplayRequest is the body of POST /v1/requests/{id}/replay, in the words
// of `hookscope replay`'s flags.
type ReplayRequest struct {
	To         string   `json:"to"`
	Method     string   `json:"method,omitempty"`
	Headers    []string `json:"headers,omitempty"` // "K: V" sets, "K:" removes
	BodyBase64 *string  `json:"body_base64,omitempty"`
	Resign     bool     `json:"resign,omitempty"`
	Scheme     string   `json:"scheme,omitempty"`
	Secret     string   `json:"secret,omitempty"`
	Timeout    string   `json:"timeout,omitempty"`
	Insecure   bool     `json:"insecure,omitempty"`
}

// VerifyRequest is the body of POST /v1/requests/{id}/verify. Without a
// secret the one saved for the request's path is used, with its scheme;
// over TCP the answer then leaves out expected and signed_payload.
type VerifyRequest struct {
	Scheme    string `json:"scheme"`
	Secret    string `json:"secret,omitempty"`
	Tolerance string `json:"tolerance,omitempty"`
	URL       string `json:"url,omitempty"`
}

// WaitError is the API's answer to a wait that ended before `count`
// requests matched: 408 when its timeout passed, 503 when the instance
// began to stop. Requests holds the matches found until then, Since the ID
// they are above (the newest when the wait started, unless given).
type WaitError struct {
	Error    string        `json:"error"`
	Since    uint64        `json:"since"`
	Requests []RequestJSON `json:"requests"`
}

// Error is every error answer's body.
type Error struct {
	Error string `json:"error"`
}
