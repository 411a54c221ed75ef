package exchange

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"dev.hookscope/storage"
	"dev.hookscope/textutil"
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
	Encoding string `json:"encoding,omitempty"`
	Comment  string `json:"comment,omitempty"`
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
	Comment     string         `json:"comment,omitempty"`
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
	// answer finds a response rule's answer (Options.Answer); nil: none.
	answer func(id uint64) (storage.AnswerRecord, bool, error)
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
	var answer *storage.AnswerRecord
	if e.answer != nil {
		a, ok, err := e.answer(rec.ID)
		if err != nil {
			return err
		}
		if ok {
			answer = &a
		}
	}
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
	if err := enc.Encode(harEntryOf(rec, answer, e.redact)); err != nil {
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

func harEntryOf(rec *storage.Record, answer *storage.AnswerRecord, redact bool) harEntry {
	resp := harResponseOf(rec, answer)
	if redact {
		resp.Headers = redactNameValues(resp.Headers)
	}
	return harEntry{
		StartedDateTime: textutil.FormatTime(rec.ReceivedAt),
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
		URL:         textutil.FullURL(rec),
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

// harResponseOf is what Hookscope answered: a response rule's answer as
// stored (its headers, and its body up to storage.AnswerBodyLimit), else
// the capture acknowledgement for a 200, else only the status; status 0
// for an imported request that was never answered (browsers use 0 the
// same way) or one a rule closed or held unanswered.
func harResponseOf(rec *storage.Record, answer *storage.AnswerRecord) harResponse {
	r := harResponse{
		Status:      rec.Status,
		StatusText:  http.StatusText(rec.Status),
		HTTPVersion: proto(rec),
		Cookies:     []struct{}{},
		Headers:     []harNameValue{},
		Content:     harContent{MimeType: "x-unknown"},
		HeadersSize: -1,
		// The spec's "not available".
		BodySize: -1,
	}
	if answer != nil {
		if answer.Action != "" {
			r.Status, r.StatusText = 0, ""
			r.Comment = "no answer: rule " + strconv.Quote(answer.Rule) + " closed the connection"
			if answer.Action == storage.AnswerHung {
				r.Comment = "no answer: rule " + strconv.Quote(answer.Rule) + " held the connection until the sender gave up"
			}
			return r
		}
		return harRuleResponse(r, answer)
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

// harRuleResponse fills r with what a response rule sent: its status, its
// headers by name, and its body (base64, as HAR's content.encoding says,
// when it is not UTF-8). content.size is the size sent; a body kept only
// in part says so in content.comment.
func harRuleResponse(r harResponse, a *storage.AnswerRecord) harResponse {
	r.Status, r.StatusText = a.Status, http.StatusText(a.Status)
	for _, name := range headerNames(a.Header) {
		for _, v := range a.Header[name] {
			r.Headers = append(r.Headers, harNameValue{Name: name, Value: v})
		}
	}
	size := max(a.BodySize, int64(len(a.Body)))
	r.Content = harContent{Size: size, MimeType: a.Header.Get("Content-Type"), Text: string(a.Body)}
	if r.Content.MimeType == "" {
		r.Content.MimeType = "x-unknown"
	}
	if !utf8.Valid(a.Body) {
		r.Content.Text, r.Content.Encoding = base64.StdEncoding.EncodeToString(a.Body), "base64"
	}
	if a.Truncated {
		r.Content.Comment = fmt.Sprintf("Hookscope keeps the first %d bytes of an answer's body; %d were sent", len(a.Body), size)
	}
	r.BodySize = size
	return r
}
