package app

import (
	"bytes"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"dev.hookscope/storage"
)

// Filter selects requests. The zero value matches everything. Fields that
// need only the summary (method, path, since) are checked before the body
// is read.
type Filter struct {
	Method         string // exact, case-insensitive
	PathGlob       string // path.Match syntax; "" matches all; a glob without wildcards matches that path exactly
	PathContains   string // substring of the path
	Status         int    // the status Hookscope answered with
	Sig            string // signature verdict: valid, invalid, stale or none
	DuplicatesOnly bool
	Headers        []HeaderCond
	BodyContains   string
	JSON           *JSONCond
	SinceID        uint64 // only IDs above this
}

// HeaderCond matches a header by name and, when Value is set, by value.
type HeaderCond struct{ Name, Value string }

// ParseHeaderCond reads "K: V" (value must match) or "K" (present).
func ParseHeaderCond(s string) (HeaderCond, error) {
	name, value, hasValue := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if name == "" {
		return HeaderCond{}, fmt.Errorf("header condition %q has no name (use \"Name: value\" or \"Name\")", s)
	}
	if !isToken(name) {
		return HeaderCond{}, fmt.Errorf("header condition %q: %q is not a header name (use \"Name: value\" or \"Name\")", s, name)
	}
	if !hasValue {
		return HeaderCond{Name: http.CanonicalHeaderKey(name)}, nil
	}
	return HeaderCond{Name: http.CanonicalHeaderKey(name), Value: strings.TrimSpace(value)}, nil
}

// JSONCond is "PATH OP VALUE" or just "PATH" (present), on a JSON body.
// PATH uses gjson syntax (data.object.id, items.0.sku); a leading "$." is
// accepted for people used to JSONPath.
type JSONCond struct {
	Path  string
	Op    string // "", "==", "!=", "<", "<=", ">", ">=", "~=" (contains)
	Value string // the right-hand side as written (JSON literal or bare word)
	raw   string
}

var jsonOps = []string{"==", "!=", "<=", ">=", "~=", "<", ">"}

// ParseJSONCond reads an expression like `type == "invoice.paid"`.
func ParseJSONCond(expr string) (*JSONCond, error) {
	e := strings.TrimSpace(expr)
	if e == "" {
		return nil, fmt.Errorf("empty JSON path condition")
	}
	c := &JSONCond{raw: expr}
	for _, op := range jsonOps {
		if i := strings.Index(e, op); i > 0 {
			c.Path, c.Op, c.Value = strings.TrimSpace(e[:i]), op, strings.TrimSpace(e[i+len(op):])
			break
		}
	}
	if c.Op == "" {
		c.Path = e
	}
	c.Path = strings.TrimPrefix(strings.TrimPrefix(c.Path, "$"), ".")
	if c.Path == "" || (c.Op != "" && c.Value == "") || strings.ContainsAny(c.Path, "=<>!~ ") ||
		strings.HasSuffix(c.Path, ".") || strings.Contains(c.Path, "..") ||
		(c.Value != "" && strings.ContainsAny(c.Value[:1], "=<>!~")) || !wellQuoted(c.Value) {
		return nil, fmt.Errorf("JSON path condition %q is not PATH, or PATH OP VALUE (like type == \"invoice.paid\")", expr)
	}
	return c, nil
}

// wellQuoted reports whether a value that starts as a JSON string, object
// or array is one: `"unterminated` is a typo, not a bare word.
func wellQuoted(v string) bool {
	if v == "" || !strings.ContainsAny(v[:1], `"{[`) {
		return true
	}
	return gjson.Valid(v)
}

// CheckGlob refuses a path glob path.Match cannot read (like "/a[", or a
// trailing "\"), which would otherwise never match anything.
func CheckGlob(glob string) error {
	if _, err := path.Match(glob, ""); err != nil {
		return fmt.Errorf("path %q is not a valid glob (use *, ?, [a-z] and \\ to escape, like /hooks/*)", glob)
	}
	return nil
}

// isToken reports whether s is an RFC 9110 token, as header names are.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
}

func (c *JSONCond) String() string { return c.raw }

// Match evaluates the condition on a body; a body that is not JSON never
// matches.
func (c *JSONCond) Match(body []byte) bool {
	if !gjson.ValidBytes(body) {
		return false
	}
	got := gjson.GetBytes(body, c.Path)
	if c.Op == "" {
		return got.Exists()
	}
	if !got.Exists() {
		return c.Op == "!="
	}
	want := gjson.Parse(c.Value)
	if !gjson.Valid(c.Value) {
		want = gjson.Result{Type: gjson.String, Str: c.Value} // a bare word is a string
	}
	return compareJSON(got, c.Op, want)
}

func compareJSON(got gjson.Result, op string, want gjson.Result) bool {
	if op == "~=" {
		return strings.Contains(got.String(), want.String())
	}
	if got.Type == gjson.Number && want.Type == gjson.Number {
		return compareOrdered(got.Float(), op, want.Float())
	}
	if op == "==" || op == "!=" {
		equal := got.Type == want.Type && got.String() == want.String()
		if got.Type == gjson.True || got.Type == gjson.False || got.Type == gjson.Null {
			equal = got.Type == want.Type
		}
		return equal == (op == "==")
	}
	return compareOrdered(got.String(), op, want.String())
}

func compareOrdered[T float64 | string](a T, op string, b T) bool {
	switch op {
	case "==":
		return a == b
	case "!=":
		return a != b
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	case ">=":
		return a >= b
	}
	return false
}

// NeedsRecord reports whether matching needs more than the summary.
func (f Filter) NeedsRecord() bool {
	return len(f.Headers) > 0 || f.JSON != nil || f.BodyContains != ""
}

// MatchSummary checks the fields a summary carries.
func (f Filter) MatchSummary(s storage.Summary) bool {
	if s.ID <= f.SinceID {
		return false
	}
	if f.Method != "" && !strings.EqualFold(f.Method, s.Method) {
		return false
	}
	if f.PathGlob != "" {
		if ok, err := path.Match(f.PathGlob, s.Path); err != nil || !ok {
			return false
		}
	}
	if f.PathContains != "" && !strings.Contains(s.Path, f.PathContains) {
		return false
	}
	if (f.Status != 0 && s.Status != f.Status) || (f.Sig != "" && !sigMatches(f.Sig, s.Signature)) {
		return false
	}
	return !f.DuplicatesOnly || s.DuplicateOf != 0
}

// Match checks everything, given the whole record.
func (f Filter) Match(rec *storage.Record) bool {
	if !f.MatchSummary(rec.Summary) {
		return false
	}
	for _, h := range f.Headers {
		if !matchHeader(rec, h) {
			return false
		}
	}
	if f.BodyContains != "" && !bytes.Contains(rec.Body, []byte(f.BodyContains)) {
		return false
	}
	return f.JSON == nil || f.JSON.Match(rec.Body)
}

func matchHeader(rec *storage.Record, h HeaderCond) bool {
	values, ok := rec.Header[h.Name]
	if h.Name == "Host" {
		values, ok = []string{rec.Host}, true
	}
	if !ok {
		return false
	}
	if h.Value == "" {
		return true
	}
	for _, v := range values {
		if v == h.Value {
			return true
		}
	}
	return false
}

// Describe says in words what the filter waits for, for timeout messages.
func (f Filter) Describe() string {
	var parts []string
	if f.Method != "" {
		parts = append(parts, "method "+strings.ToUpper(f.Method))
	}
	if f.PathGlob != "" {
		parts = append(parts, "path "+f.PathGlob)
	}
	for _, h := range f.Headers {
		if h.Value == "" {
			parts = append(parts, "header "+h.Name)
		} else {
			parts = append(parts, "header "+h.Name+": "+h.Value)
		}
	}
	if f.JSON != nil {
		parts = append(parts, "body "+f.JSON.String())
	}
	parts = append(parts, "ID above "+strconv.FormatUint(f.SinceID, 10))
	return strings.Join(parts, ", ")
}
