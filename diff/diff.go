// Package diff compares two captured requests: request line, query,
// headers and body. JSON bodies are compared structurally, other text line
// by line, anything else byte by byte. Every comparison is bounded so two
// hostile multi-megabyte deliveries cannot stall the caller.
//
// The package has no UI dependencies and is safe to call from any goroutine.
package diff

import (
	"bytes"
	"fmt"
	"strings"

	"dev.hookscope/app"
	"dev.hookscope/storage"
	"dev.hookscope/textutil"
)

// Bounds. They trade completeness for a result that arrives in well under a
// second and fits on a screen that someone will actually read.
const (
	// MaxChanges caps the structural changes listed for JSON and form bodies.
	MaxChanges = 10_000
	// MaxBodyBytes and MaxLines cap the part of each text body that is
	// compared line by line; the rest is left out and Body.Truncated set.
	MaxBodyBytes = 2 << 20
	MaxLines     = 50_000
)

// Kind says how one compared item differs.
type Kind uint8

// Kinds. Added means present only in B, Removed only in A.
const (
	Unchanged Kind = iota
	Added
	Removed
	Changed
)

func (k Kind) String() string {
	switch k {
	case Added:
		return "added"
	case Removed:
		return "removed"
	case Changed:
		return "changed"
	}
	return "unchanged"
}

// Field is one compared name: the method, the path, a query parameter or a
// header. A and B are the values on each side, "" when absent (Kind tells
// an absent value from an empty one).
type Field struct {
	Name string
	A, B string
	Kind Kind
	// Volatile marks headers expected to differ between any two deliveries
	// (Date, Content-Length, request IDs, signatures, timestamps), so a
	// viewer can dim them instead of hiding them.
	Volatile bool
}

// Result is the comparison of request A with request B.
type Result struct {
	Method, Path Field
	// Query lists parameters in A's order, then those only in B. Repeated
	// names are matched by occurrence: A's second "x" against B's second.
	Query []Field
	// QueryRawDiffers is set when no parameter differs but the raw query
	// strings do (another order, or other percent-encoding): harmless to
	// most receivers, but not to signatures computed over the URL.
	QueryRawDiffers bool
	// Headers are sorted by canonical name; Host is included.
	Headers []Field
	Body    Body
}

// Requests compares a with b. Both must be non-nil.
func Requests(a, b *storage.Record) Result {
	r := Result{
		Method:  compareField("Method", a.Method, b.Method),
		Path:    compareField("Path", a.Path, b.Path),
		Headers: Headers(a, b),
	}
	r.Query = Pairs(app.QueryPairs(a.RawQuery), app.QueryPairs(b.RawQuery))
	r.QueryRawDiffers = !fieldsDiffer(r.Query) && a.RawQuery != b.RawQuery
	r.Body = Bodies(a.Body, b.Body, a.ContentType, b.ContentType)
	// A body cut at capture explains most "removed" lines at the end; say
	// so before the reader goes looking for a bug in the sender.
	for _, side := range []struct {
		name string
		rec  *storage.Record
	}{{"A", a}, {"B", b}} {
		if side.rec.Truncated {
			r.Body.Notes = append(r.Body.Notes, fmt.Sprintf("%s's body was cut at capture: %s of %s stored",
				side.name, textutil.HumanSize(side.rec.BodySize), textutil.HumanSize(side.rec.OriginalSize)))
		}
	}
	return r
}

func compareField(name, a, b string) Field {
	f := Field{Name: name, A: a, B: b}
	if a != b {
		f.Kind = Changed
	}
	return f
}

// Same reports whether nothing differs: method, path, raw query, headers (volatile ones too) and the body bytes. JSON bodies equal
// in value but not in bytes (key order, spacing) are not Same.
func (r Result) Same() bool {
	return r.Method.Kind == Unchanged && r.Path.Kind == Unchanged &&
		!fieldsDiffer(r.Query) && !r.QueryRawDiffers &&
		!fieldsDiffer(r.Headers) && r.Body.Identical
}

func fieldsDiffer(fs []Field) bool {
	for _, f := range fs {
		if f.Kind != Unchanged {
			return true
		}
	}
	return false
}

// CountDiffering returns how many fields differ and how many of those are
// volatile.
func CountDiffering(fs []Field) (n, volatile int) {
	for _, f := range fs {
		if f.Kind != Unchanged {
			n++
			if f.Volatile {
				volatile++
			}
		}
	}
	return n, volatile
}

// Summary is one line for a title bar, such as
// "3 headers differ, 2 JSON values changed, 1 added".
func (r Result) Summary() string {
	if r.Same() {
		return "requests are identical"
	}
	var parts []string
	if r.Method.Kind != Unchanged {
		parts = append(parts, "method differs")
	}
	if r.Path.Kind != Unchanged {
		parts = append(parts, "path differs")
	}
	if n, _ := CountDiffering(r.Query); n > 0 {
		parts = append(parts, count(n, "query parameter differs", "query parameters differ"))
	} else if r.QueryRawDiffers {
		parts = append(parts, "raw query differs (order or encoding)")
	}
	if n, v := CountDiffering(r.Headers); n > 0 {
		s := count(n, "header differs", "headers differ")
		switch {
		case v == n && n > 1:
			s += " (all volatile)"
		case v == n:
			s += " (volatile)"
		case v > 0:
			s += fmt.Sprintf(" (%d volatile)", v)
		}
		parts = append(parts, s)
	}
	if s := r.Body.summary(); s != "" {
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// changeCounts words counts as "2 JSON values changed, 1 added": the noun
// goes with the first non-zero count only, which keeps the line short.
func changeCounts(noun, nouns string, changed, added, removed int) string {
	var parts []string
	for _, c := range []struct {
		n    int
		verb string
	}{{changed, "changed"}, {added, "added"}, {removed, "removed"}} {
		if c.n == 0 {
			continue
		}
		if len(parts) == 0 {
			parts = append(parts, count(c.n, noun+" "+c.verb, nouns+" "+c.verb))
		} else {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.verb))
		}
	}
	return strings.Join(parts, ", ")
}

func (b Body) summary() string {
	if b.Identical {
		return ""
	}
	var s string
	switch b.Kind {
	case BodyJSON, BodyForm:
		noun, nouns := "JSON value", "JSON values"
		if b.Kind == BodyForm {
			noun, nouns = "form field", "form fields"
		}
		c, a, r := b.ChangeCounts()
		s = changeCounts(noun, nouns, c, a, r)
		if s == "" {
			// Equal values, different bytes: key order or spacing.
			s = "bodies differ only in formatting"
		}
	case BodyText:
		ins, del := b.LineCounts()
		switch {
		case ins == 0 && del == 0 && b.Reformatted:
			s = "bodies differ only in formatting"
		case ins == 0 && del == 0:
			s = "bodies differ only in line endings"
		case ins == 0:
			s = count(del, "body line removed", "body lines removed")
		case del == 0:
			s = count(ins, "body line added", "body lines added")
		default:
			s = fmt.Sprintf("%s, %d added", count(del, "body line removed", "body lines removed"), ins)
		}
	case BodyBinary:
		s = "bodies differ"
	}
	if b.Truncated {
		s += " (compared in part)"
	}
	return s
}

// firstDifference is the offset of the first differing byte, or -1.
func firstDifference(a, b []byte) int {
	n := min(len(a), len(b))
	// Compare in chunks: bytes.Equal is vectorised, a byte loop is not,
	// and this runs over whole multi-megabyte bodies.
	const chunk = 4096
	i := 0
	for i+chunk <= n && bytes.Equal(a[i:i+chunk], b[i:i+chunk]) {
		i += chunk
	}
	for ; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return n
	}
	return -1
}
