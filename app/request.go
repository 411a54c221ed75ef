package app

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"runtime/debug"
	"time"
	"unicode/utf8"

	"dev.hookscope/storage"
)

// FullURL is the URL the sender addressed, rebuilt from what was captured.
func FullURL(rec *storage.Record) string {
	u := "http://" + rec.Host + rec.Path
	if rec.Path == "*" {
		u = "http://" + rec.Host
	}
	if rec.RawQuery != "" {
		u += "?" + rec.RawQuery
	}
	return u
}

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
}

// FormatTime is RFC 3339 with all nine digits of nanoseconds, so times
// sort as strings and never lose precision.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") }

// NewRequestJSON converts a stored record to its JSON form.
func NewRequestJSON(rec *storage.Record) RequestJSON {
	h := rec.Header
	if h == nil {
		h = http.Header{}
	}
	return RequestJSON{
		ID: rec.ID, ReceivedAt: FormatTime(rec.ReceivedAt), Method: rec.Method, Path: rec.Path,
		Query: rec.RawQuery, Proto: rec.Proto, Host: rec.Host, RemoteAddr: rec.RemoteAddr,
		Headers: h, BodyBase64: base64.StdEncoding.EncodeToString(rec.Body), BodySize: rec.BodySize,
		OriginalSize: rec.OriginalSize, Truncated: rec.Truncated, ContentType: rec.ContentType, Status: rec.Status,
		Signature: rec.Signature.String(),
	}
}

// NewSummaryJSON converts a summary to its JSON form.
func NewSummaryJSON(s storage.Summary) SummaryJSON {
	return SummaryJSON{
		ID: s.ID, ReceivedAt: FormatTime(s.ReceivedAt), Method: s.Method, Path: s.Path,
		BodySize: s.BodySize, ContentType: s.ContentType, OriginalSize: s.OriginalSize, Truncated: s.Truncated,
		Status: s.Status, Signature: s.Signature.String(),
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
	return storage.Summary{
		ID: j.ID, ReceivedAt: at.UTC(), Method: j.Method, Path: j.Path, BodySize: j.BodySize,
		OriginalSize: j.OriginalSize, Truncated: j.Truncated, ContentType: j.ContentType,
		Status: j.Status, Signature: ParseSigState(j.Signature),
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
	return &storage.Record{
		Summary: storage.Summary{
			ID: j.ID, ReceivedAt: at.UTC(), Method: j.Method, Path: j.Path, BodySize: j.BodySize,
			OriginalSize: j.OriginalSize, Truncated: j.Truncated, ContentType: j.ContentType,
			Status: j.Status, Signature: ParseSigState(j.Signature),
		},
		RawQuery: j.Query, Proto: j.Proto, Host: j.Host, RemoteAddr: j.RemoteAddr, Header: j.Headers, Body: body,
	}, nil
}

// HumanSize renders a byte count for people: 512 B, 1.5 KiB, 10.0 MiB.
func HumanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Version is the module version, for HAR's creator and the like ("(devel)"
// in a plain go build).
func Version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// ReplayResultJSON has the field names of `replay --json`.
type ReplayResultJSON struct {
	Status     int                  `json:"status"`
	Headers    http.Header          `json:"headers"`
	Body       *string              `json:"body,omitempty"`
	BodyBase64 *string              `json:"body_base64,omitempty"`
	BodySize   int64                `json:"body_size"`
	Truncated  bool                 `json:"truncated"`
	DurationMs float64              `json:"duration_ms"`
	Timing     storage.ReplayTiming `json:"timing"`
	ReplayID   uint64               `json:"replay_id,omitempty"`
}

// NewReplayResultJSON describes a stored replay that got an answer.
func NewReplayResultJSON(e storage.ReplayRecord) ReplayResultJSON {
	out := ReplayResultJSON{Status: e.Status, Headers: e.ResponseHeader, BodySize: e.ResponseBodySize,
		Truncated: e.ResponseTruncated, DurationMs: e.Timing.TotalMs, Timing: e.Timing, ReplayID: e.ID}
	out.Body, out.BodyBase64 = TextOrBase64(e.ResponseBody)
	return out
}

// TextOrBase64 gives a body as text when it is UTF-8 without NULs, else as
// standard base64: the body / body_base64 pair of the JSON outputs.
func TextOrBase64(b []byte) (text, b64 *string) {
	if utf8.Valid(b) && !bytes.ContainsRune(b, 0) {
		s := string(b)
		return &s, nil
	}
	s := base64.StdEncoding.EncodeToString(b)
	return nil, &s
}
