package diff

import (
	"bytes"
	"fmt"
	"strings"

	"dev.hookscope/app"
	"dev.hookscope/bodyfmt"
	"dev.hookscope/textutil"
)

// BodyKind says how two bodies were compared.
type BodyKind uint8

// Body kinds.
const (
	BodyText   BodyKind = iota // line by line (Lines)
	BodyJSON                   // structurally (Changes)
	BodyForm                   // field by field (Changes)
	BodyBinary                 // byte by byte (Statement)
)

func (k BodyKind) String() string {
	return [...]string{"text", "JSON", "form", "binary"}[k]
}

// Body is the comparison of two bodies.
type Body struct {
	Kind BodyKind
	// Identical reports byte-for-byte equality, whatever the kind.
	Identical bool
	// Changes lists differences for JSON and form bodies.
	Changes []Change
	// Lines is the full alignment for text bodies, equal lines included, so
	// a viewer can show context or everything.
	Lines []Line
	// Statement is a one-line verdict for binary bodies, and for two empty
	// ones.
	Statement string
	// Notes explain the comparison: array lengths, re-indenting, parts left
	// out, bodies cut at capture.
	Notes []string
	// Truncated is set when MaxChanges was reached or only the first part
	// of the bodies was compared.
	Truncated bool
	// Reformatted is set when text bodies were re-indented (JSON or XML)
	// before the line diff, so line numbers refer to the indented text.
	Reformatted bool
	SizeA       int
	SizeB       int
}

// ChangeCounts counts Changes by kind.
func (b Body) ChangeCounts() (changed, added, removed int) {
	for _, c := range b.Changes {
		switch c.Kind {
		case Changed:
			changed++
		case Added:
			added++
		case Removed:
			removed++
		}
	}
	return changed, added, removed
}

// LineCounts counts inserted and deleted Lines.
func (b Body) LineCounts() (inserted, deleted int) {
	for _, l := range b.Lines {
		switch l.Op {
		case Insert:
			inserted++
		case Delete:
			deleted++
		}
	}
	return inserted, deleted
}

// Bodies compares two bodies with their content types: structurally when
// both are JSON (or both forms), line by line when both are text, and
// otherwise by the first differing byte.
func Bodies(a, b []byte, ctA, ctB string) Body {
	if isBinary(a) || isBinary(b) {
		return binaryBody(a, b)
	}
	if len(a) == 0 && len(b) == 0 {
		return Body{Kind: BodyText, Identical: true, Statement: "both bodies are empty"}
	}
	if body, ok := JSON(a, b); ok {
		return body
	}
	if bodyfmt.Classify(ctA, a) == bodyfmt.Form && bodyfmt.Classify(ctB, b) == bodyfmt.Form {
		return formBody(a, b)
	}
	return textBody(a, b, ctA, ctB)
}

// isBinary: NUL bytes or invalid UTF-8 would make a line diff unreadable.
func isBinary(b []byte) bool { return !textutil.IsText(b) }

func binaryBody(a, b []byte) Body {
	body := Body{Kind: BodyBinary, SizeA: len(a), SizeB: len(b)}
	if k := firstDifference(a, b); k >= 0 {
		body.Statement = fmt.Sprintf("bodies differ: %d vs %d bytes, first difference at byte %d", len(a), len(b), k)
	} else {
		body.Identical = true
		body.Statement = "bodies are identical"
	}
	return body
}

func formBody(a, b []byte) Body {
	fields := Pairs(app.QueryPairs(strings.TrimRight(string(a), "\r\n")), app.QueryPairs(strings.TrimRight(string(b), "\r\n")))
	body := Body{Kind: BodyForm, Identical: bytes.Equal(a, b), SizeA: len(a), SizeB: len(b)}
	for _, f := range fields {
		if f.Kind == Unchanged {
			continue
		}
		if len(body.Changes) == MaxChanges {
			body.Truncated = true
			break
		}
		body.Changes = append(body.Changes, Change{Path: f.Name, Kind: f.Kind, Old: f.A, New: f.B})
	}
	return body
}

func textBody(a, b []byte, ctA, ctB string) Body {
	body := Body{Kind: BodyText, Identical: bytes.Equal(a, b), SizeA: len(a), SizeB: len(b)}
	ta, tb, how := prepare(a, b, ctA, ctB)
	if how != "" {
		body.Reformatted = true
		body.Notes = append(body.Notes, "compared re-indented "+how+"; line numbers refer to the indented text")
	}
	la, cutA := splitLines(ta)
	lb, cutB := splitLines(tb)
	if cutA || cutB {
		body.Truncated = true
		body.Notes = append(body.Notes, fmt.Sprintf("compared only the first %s or %d lines of each body",
			textutil.HumanSize(MaxBodyBytes), MaxLines))
	}
	body.Lines = lineDiff(la, lb)
	return body
}

// prepare re-indents bodies whose lines alone would say little: minified
// JSON is one line, so a line diff would only say "everything changed".
// JSON-looking bodies that are not both valid (one cut at capture, say)
// get a tolerant indenter; XML gets bodyfmt's pretty printer when both
// parse.
func prepare(a, b []byte, ctA, ctB string) (ta, tb []byte, how string) {
	if looksJSON(a) && looksJSON(b) {
		return indentLoose(a, MaxBodyBytes+1), indentLoose(b, MaxBodyBytes+1), "JSON"
	}
	if len(a) <= MaxBodyBytes && len(b) <= MaxBodyBytes &&
		bodyfmt.Classify(ctA, a) == bodyfmt.XML && bodyfmt.Classify(ctB, b) == bodyfmt.XML {
		pa, errA := bodyfmt.PrettyXML(a)
		pb, errB := bodyfmt.PrettyXML(b)
		if errA == nil && errB == nil {
			return pa, pb, "XML"
		}
	}
	return a, b, ""
}

func looksJSON(b []byte) bool {
	b = trimSpace(b)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// maxIndent caps indentation: deeper levels add no information and a
// hostile "[[[[…" would otherwise grow quadratically.
const maxIndent = 64

// indentLoose re-indents JSON-like text two spaces per level without
// validating it, stopping once the output reaches limit bytes. For valid
// JSON the result matches json.Indent(…, "", "  ").
func indentLoose(s []byte, limit int) []byte {
	out := make([]byte, 0, min(2*len(s)+16, limit+2*maxIndent+2))
	depth := 0
	newline := func() {
		out = append(out, '\n')
		for range min(depth, maxIndent) {
			out = append(out, ' ', ' ')
		}
	}
	inString, escaped := false, false
	for i := 0; i < len(s) && len(out) < limit; i++ {
		c := s[i]
		if inString {
			out = append(out, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\r', '\n':
		case '"':
			inString = true
			out = append(out, c)
		case '{', '[':
			out = append(out, c)
			j := skipSpace(s, i+1)
			if j < len(s) && (s[j] == '}' || s[j] == ']') {
				out = append(out, s[j]) // {} and [] stay on one line
				i = j
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth = max(depth-1, 0)
			newline()
			out = append(out, c)
		case ',':
			out = append(out, c)
			newline()
		case ':':
			out = append(out, ':', ' ')
		default:
			out = append(out, c)
		}
	}
	return out
}

// splitLines splits text into lines without their "\n" or "\r\n". A final
// newline ends the last line rather than starting an empty one. More than
// MaxBodyBytes or MaxLines is cut at a line boundary and cut is reported.
func splitLines(text []byte) (lines []string, cut bool) {
	if len(text) > MaxBodyBytes {
		text, cut = text[:MaxBodyBytes], true
		if nl := bytes.LastIndexByte(text, '\n'); nl >= 0 {
			text = text[:nl+1]
		}
	}
	s := string(text)
	lines = make([]string, 0, min(bytes.Count(text, []byte{'\n'})+1, MaxLines))
	for len(s) > 0 {
		if len(lines) == MaxLines {
			cut = true
			break
		}
		line, rest, _ := strings.Cut(s, "\n")
		lines = append(lines, strings.TrimSuffix(line, "\r"))
		s = rest
	}
	return lines, cut
}
