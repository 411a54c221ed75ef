package exchange

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"dev.hookscope/storage"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/). Field names
// are the spec's; the "_"-prefixed ones are Hookscope's extensions, which
// the spec allows and which make an export import back without loss.

type harNameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	// Encoding is "base64" when Text is the base64 of a body that is not
	// valid UTF-8 (docs/cli.md, "HAR export": HAR's own content.encoding
	// does the same for responses, but postData has no such field).
	Encoding string `json:"_encoding,omitempty"`
}

type harRequest struct {
	Method      string         `json:"method"`
	URL         string         `json:"url"`
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []struct{}     `json:"cookies"`
	Headers     []harNameValue `json:"headers"`
	QueryString []harNameValue `json:"queryString"`
	PostData    *harPostData   `json:"postData,omitempty"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int64          `json:"bodySize"`
}

type harContent struct {
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

type harResponse struct {
	Status      int            `json:"status"`
	StatusText  string         `json:"statusText"`
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []struct{}     `json:"cookies"`
	Headers     []harNameValue `json:"headers"`
	Content     harContent     `json:"content"`
	RedirectURL string         `json:"redirectURL"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int64          `json:"bodySize"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	ID              uint64      `json:"_id,omitempty"`
	Truncated       bool        `json:"_truncated"`
	OriginalSize    int64       `json:"_originalSize"`
	RemoteAddr      string      `json:"_remoteAddr,omitempty"`
}

// harEncoder writes the envelope by hand around one json encoding per
// entry, so an export of any size streams.
type harEncoder struct {
	w       io.Writer
	version string
	// redact hides secrets on the response side; the request side is
	// redacted before Encode by redactingEncoder.
	redact bool
	n      int
	err    error
}

func (e *harEncoder) head() {
	version, _ := json.Marshal(e.version)
	e.write(`{
  "log": {
    "version": "1.2",
    "creator": {"name": "Hookscope", "version": ` + string(version) + `},
    "entries": [`)
}

func (e *harEncoder) write(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
	}
}

func (e *harEncoder) Encode(rec *storage.Record) error {
	if e.n == 0 {
		e.head()
	} else {
		e.write(",")
	}
	e.n++
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Bodies are often JSON or HTML; escaping <, > and & would only make
	// them harder to read.
	enc.SetEscapeHTML(false)
	enc.SetIndent("      ", "  ")
	if err := enc.Encode(harEntryOf(rec, e.redact)); err != nil {
		return err
	}
	e.write("\n      " + strings.TrimSuffix(buf.String(), "\n"))
	return e.err
}

func (e *harEncoder) Close() error {
	if e.n == 0 {
		e.head()
	}
	e.write("\n    ]\n  }\n}\n")
	return e.err
}

func harEntryOf(rec *storage.Record, redact bool) harEntry {
	resp := harResponseOf(rec)
	if redact {
		resp.Headers = redactNameValues(resp.Headers)
	}
	return harEntry{
		StartedDateTime: formatTime(rec.ReceivedAt),
		Request:         harRequestOf(rec),
		Response:        resp,
		ID:              rec.ID,
		Truncated:       rec.Truncated,
		OriginalSize:    rec.OriginalSize,
		RemoteAddr:      rec.RemoteAddr,
	}
}

func harRequestOf(rec *storage.Record) harRequest {
	r := harRequest{
		Method:      rec.Method,
		URL:         fullURL(rec),
		HTTPVersion: proto(rec),
		Cookies:     []struct{}{},
		Headers:     harHeaders(rec),
		QueryString: harQuery(rec.RawQuery),
		HeadersSize: -1,
		BodySize:    int64(len(rec.Body)),
	}
	if len(rec.Body) > 0 {
		r.PostData = &harPostData{MimeType: rec.ContentType, Text: string(rec.Body)}
		if !utf8.Valid(rec.Body) {
			r.PostData.Text, r.PostData.Encoding = base64.StdEncoding.EncodeToString(rec.Body), "base64"
		}
	}
	return r
}

// harHeaders lists Host first (HTTP/1.1 puts it there and the record keeps
// it apart), then every header by name, repeated values in arrival order.
func harHeaders(rec *storage.Record) []harNameValue {
	out := []harNameValue{{Name: "Host", Value: rec.Host}}
	for _, name := range headerNames(rec.Header) {
		for _, v := range rec.Header[name] {
			out = append(out, harNameValue{Name: name, Value: v})
		}
	}
	return out
}

// harQuery decodes the raw query pair by pair in order; url.ParseQuery
// would lose the order and drop pairs it cannot decode.
func harQuery(raw string) []harNameValue {
	out := []harNameValue{}
	if raw == "" {
		return out
	}
	for _, pair := range strings.Split(raw, "&") {
		name, value, _ := strings.Cut(pair, "=")
		out = append(out, harNameValue{Name: unescapeQuery(name), Value: unescapeQuery(value)})
	}
	return out
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// harResponseOf is what Hookscope answered: the capture acknowledgement
// for a 200, else only the status (a rule's body is not stored), and
// status 0 for an imported request that was never answered (browsers use
// 0 the same way).
func harResponseOf(rec *storage.Record) harResponse {
	r := harResponse{
		Status:      rec.Status,
		StatusText:  http.StatusText(rec.Status),
		HTTPVersion: proto(rec),
		Cookies:     []struct{}{},
		Headers:     []harNameValue{},
		Content:     harContent{MimeType: "x-unknown"},
		HeadersSize: -1,
		// The spec's "not available": a rule's answer body is not stored.
		BodySize: -1,
	}
	if rec.Status == http.StatusOK {
		body := `{"ok":true,"id":` + strconv.FormatUint(rec.ID, 10) + "}\n"
		n := int64(len(body))
		r.Headers = []harNameValue{{Name: "Content-Type", Value: "application/json"}, {Name: "Content-Length", Value: strconv.FormatInt(n, 10)}}
		r.Content = harContent{Size: n, MimeType: "application/json", Text: body}
		r.BodySize = n
	}
	return r
}
