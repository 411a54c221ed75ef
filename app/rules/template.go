package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"text/template"
	"time"

	"github.com/tidwall/gjson"
)

// MaxRenderedBody bounds a template's output: `{{range 1000000000}}` must
// not fill the memory of the process that is capturing.
const MaxRenderedBody = 10 << 20

// Request is what a template may read of the captured request.
type Request struct {
	ID       uint64
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// Data is the template's dot: {{.ID}}, {{.Method}}, {{.Path}},
// {{.Query "name"}}, {{.Header "Name"}}, {{.JSON "data.object.id"}} (a
// gjson path into the body; {{.JSONRaw "…"}} keeps the JSON form),
// {{.Body}} and {{.Now}} (a time.Time: {{.Now.Unix}}, {{.Now.Format "…"}}).
// The function json turns a value into JSON: {{.JSON "id" | json}}.
type Data struct {
	ID     uint64
	Method string
	Path   string
	Now    time.Time
	req    Request
	query  url.Values
}

// NewData is the dot for one request answered at now.
func NewData(req Request, now time.Time) Data {
	return Data{ID: req.ID, Method: req.Method, Path: req.Path, Now: now, req: req}
}

// Query is the first value of a query parameter, "" when absent.
func (d *Data) Query(name string) string {
	if d.query == nil {
		// A malformed pair is skipped; the rest still reads.
		d.query, _ = url.ParseQuery(d.req.RawQuery)
	}
	return d.query.Get(name)
}

// Header is the first value of a request header, "" when absent.
func (d *Data) Header(name string) string { return d.req.Header.Get(name) }

// JSON is the value at a gjson path in the body, as text ("" when absent
// or when the body is not JSON).
func (d *Data) JSON(path string) string { return gjson.GetBytes(d.req.Body, path).String() }

// JSONRaw is the value at a gjson path as it stands in the body (strings
// keep their quotes), "" when absent.
func (d *Data) JSONRaw(path string) string { return gjson.GetBytes(d.req.Body, path).Raw }

// Body is the stored body as text.
func (d *Data) Body() string { return string(d.req.Body) }

var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}

// Parse compiles a body template; its error is the one shown when a rule
// is saved.
func Parse(body string) (*template.Template, error) {
	t, err := template.New("body").Funcs(funcs).Parse(body)
	if err != nil {
		return nil, errors.New(trimTemplateError(err.Error()))
	}
	return t, nil
}

// trimTemplateError drops text/template's "template: body:" prefix, which
// names our internal template rather than anything the user wrote.
func trimTemplateError(s string) string {
	const prefix = "template: body:"
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return "line " + s[len(prefix):]
	}
	return s
}

// Render runs t over d. Its error (a missing function argument, output
// past MaxRenderedBody) becomes a 500 answer that says it.
func Render(t *template.Template, d Data) ([]byte, error) {
	var buf bytes.Buffer
	w := &cappedWriter{buf: &buf, left: MaxRenderedBody}
	if err := t.Execute(w, &d); err != nil {
		return nil, errors.New(trimTemplateError(err.Error()))
	}
	return buf.Bytes(), nil
}

type cappedWriter struct {
	buf  *bytes.Buffer
	left int
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		return 0, fmt.Errorf("the body would be larger than %d MiB", MaxRenderedBody>>20)
	}
	w.left -= len(p)
	return w.buf.Write(p)
}
