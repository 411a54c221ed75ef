package rules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/tidwall/gjson"
)

// MaxRenderedBody bounds a template's output: `{{range 1000000000}}` must
// not fill the memory of the process that is capturing.
const MaxRenderedBody = 10 << 20

// Bounds on one rendering, so `{{range 1000000000000}}{{end}}` (which
// writes nothing) or a template that calls itself cannot keep a core busy
// after the sender has given up, nor hold up a shutdown.
const (
	// MaxRenderTime is how long one body template may run.
	MaxRenderTime = time.Second
	// MaxRenderSteps bounds loop iterations plus template calls.
	MaxRenderSteps = 1_000_000
	// MaxRenderDepth bounds templates called within templates: each level
	// costs stack, and text/template's own bound (100,000) is about 100 MB.
	MaxRenderDepth = 1000
)

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
// {{.Body}} and {{.Now}} (RFC 3339 in UTC, see Time).
// The function json turns a value into JSON: {{.JSON "id" | json}}.
type Data struct {
	ID     uint64
	Method string
	Path   string
	Now    Time
	req    Request
	query  url.Values
}

// Time is {{.Now}}: printed, it is RFC 3339 in UTC
// (2025-01-02T03:04:05Z), and it has every method of time.Time
// ({{.Now.Unix}}, {{.Now.Format "…"}}).
type Time struct{ time.Time }

// String is RFC 3339 in UTC, to the second.
func (t Time) String() string { return t.UTC().Format(time.RFC3339) }

// MarshalJSON is String quoted, so {{.Now | json}} prints the same time.
func (t Time) MarshalJSON() ([]byte, error) { return []byte(`"` + t.String() + `"`), nil }

// NewData is the dot for one request answered at now.
func NewData(req Request, now time.Time) Data {
	return Data{ID: req.ID, Method: req.Method, Path: req.Path, Now: Time{now}, req: req}
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

// Parse calls stepFunc at the start of every loop iteration, enterFunc at
// the start of every template and leaveFunc at its end; Render binds them
// to the rendering's budget. The names are ones nobody writes by chance.
const (
	stepFunc  = "_hookscope_step"
	enterFunc = "_hookscope_enter"
	leaveFunc = "_hookscope_leave"
)

// unbound is what the three do in a template not run by Render.
func unbound() (string, error) {
	return "", errors.New("the body template must be run by rules.Render")
}

var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	// Replaced by Render; a template executed some other way has no bound,
	// so it refuses to run rather than run unbounded.
	stepFunc:  unbound,
	enterFunc: unbound,
	leaveFunc: unbound,
}

// Parse compiles a body template; its error is the one shown when a rule
// is saved. Every range body starts with a call to the step function and
// every template (so also recursion through {{template}}) is framed by
// enter and leave calls, which is how Render bounds the work.
func Parse(body string) (*template.Template, error) {
	t, err := template.New("body").Funcs(funcs).Parse(body)
	if err != nil {
		return nil, errors.New(trimTemplateError(err.Error()))
	}
	for _, sub := range t.Templates() {
		if sub.Tree != nil && sub.Tree.Root != nil {
			root := sub.Tree.Root
			instrument(root)
			nodes := make([]parse.Node, 0, len(root.Nodes)+2)
			nodes = append(nodes, callNode(enterFunc, root.Pos))
			nodes = append(nodes, root.Nodes...)
			root.Nodes = append(nodes, callNode(leaveFunc, root.Pos))
		}
	}
	return t, nil
}

// instrument puts a step at the start of every range body (and its else,
// which costs nothing and keeps the walk simple) under n.
func instrument(n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			instrument(c)
		}
	case *parse.IfNode:
		instrument(n.List)
		instrument(n.ElseList)
	case *parse.WithNode:
		instrument(n.List)
		instrument(n.ElseList)
	case *parse.RangeNode:
		instrument(n.List)
		instrument(n.ElseList)
		for _, l := range []*parse.ListNode{n.List, n.ElseList} {
			if l != nil {
				l.Nodes = append([]parse.Node{callNode(stepFunc, n.Pos)}, l.Nodes...)
			}
		}
	}
}

// callNode is {{name}} for one of the bounding functions: it prints "" or
// stops the execution.
func callNode(name string, pos parse.Pos) parse.Node {
	cmd := &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos, Args: []parse.Node{parse.NewIdentifier(name).SetPos(pos)}}
	return &parse.ActionNode{NodeType: parse.NodeAction, Pos: pos, Pipe: &parse.PipeNode{NodeType: parse.NodePipe, Pos: pos, Cmds: []*parse.CommandNode{cmd}}}
}

// stopError is why a rendering was stopped; it is the whole message.
type stopError struct{ msg string }

func (e *stopError) Error() string { return e.msg }

// budget is one rendering's allowance of steps and time.
type budget struct {
	ctx      context.Context
	deadline time.Time
	steps    int
	depth    int
}

// ctxEvery is how many steps pass between looks at the context: a
// template that finishes within them is answered even to a sender that
// half-closed its connection (which net/http reports as gone).
const ctxEvery = 1024

// maxSteps and maxTime are MaxRenderSteps and MaxRenderTime; tests
// change them.
var (
	maxSteps = MaxRenderSteps
	maxTime  = MaxRenderTime
)

// enter counts a template call as a step, one level deeper.
func (b *budget) enter() (string, error) {
	b.depth++
	if b.depth > MaxRenderDepth {
		return "", &stopError{fmt.Sprintf("the body template calls templates more than %d deep; make it recurse less", MaxRenderDepth)}
	}
	return b.step()
}

// leave ends a template call. A rendering stopped inside a template never
// gets here, and needs not: it is over.
func (b *budget) leave() (string, error) {
	b.depth--
	return "", nil
}

func (b *budget) step() (string, error) {
	b.steps++
	if b.steps > maxSteps {
		return "", &stopError{fmt.Sprintf("the body template took more than %d steps (loop iterations and template calls); make it loop less", maxSteps)}
	}
	if time.Now().After(b.deadline) {
		return "", &stopError{"the body template ran longer than " + maxTime.String() + "; make it do less work"}
	}
	if b.steps%ctxEvery == 0 && b.ctx.Err() != nil {
		return "", &stopError{"the sender went away before the body template finished"}
	}
	return "", nil
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

// Render runs t (from Parse) over d with no request to follow; see
// RenderContext.
func Render(t *template.Template, d Data) ([]byte, error) {
	return RenderContext(context.Background(), t, d)
}

// RenderContext runs t (from Parse) over d. It stops after MaxRenderTime,
// after MaxRenderSteps, or when ctx ends (the sender left). Its error (a
// missing function argument, output past MaxRenderedBody, one of those
// bounds) becomes a 500 answer that says it.
func RenderContext(ctx context.Context, t *template.Template, d Data) ([]byte, error) {
	b := &budget{ctx: ctx, deadline: time.Now().Add(maxTime)}
	// A clone per rendering, so the step function can be this rendering's
	// own while others run the same template.
	run, err := t.Clone()
	if err != nil {
		return nil, err
	}
	run.Funcs(template.FuncMap{stepFunc: b.step, enterFunc: b.enter, leaveFunc: b.leave})
	var buf bytes.Buffer
	w := &cappedWriter{buf: &buf, left: MaxRenderedBody}
	if err := run.Execute(w, &d); err != nil {
		if stop, ok := errors.AsType[*stopError](err); ok {
			return nil, stop
		}
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
