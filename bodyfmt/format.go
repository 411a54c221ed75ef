package bodyfmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// FallbackError reports that the requested mode could not be applied, so the
// returned Lines hold the raw text instead. Its message is meant to be shown
// to the user as a notice.
type FallbackError struct {
	What string // "JSON", "XML" or "multipart"
	Err  error
}

func (e *FallbackError) Error() string {
	var syn *json.SyntaxError
	if errors.As(e.Err, &syn) {
		return fmt.Sprintf("not valid %s: showing raw (%v at byte %d)", e.What, syn, syn.Offset)
	}
	return fmt.Sprintf("not valid %s: showing raw (%v)", e.What, e.Err)
}

func (e *FallbackError) Unwrap() error { return e.Err }

// Format turns body into display lines for mode. wrap is the maximum number
// of runes per display line (0 = no limit); longer lines become several.
//
// Any mode works for any kind: pretty on a kind without a pretty printer is
// raw. When pretty printing fails, Format returns raw Lines together with a
// *FallbackError, so callers should show the lines whenever they are non-nil.
// The returned Text may alias body.
func Format(body []byte, kind Kind, mode Mode, wrap int) (*Lines, error) {
	return FormatWith(body, kind, "", mode, wrap)
}

// FormatWith is Format for modes that need the body's Content-Type: parts
// takes the multipart boundary from it (without one, the boundary is read
// from the body's first line). Format passes "".
func FormatWith(body []byte, kind Kind, contentType string, mode Mode, wrap int) (*Lines, error) {
	if mode == ModeHex || mode == ModeImage {
		return formatHex(body, wrap)
	}
	text, fallback := formatText(body, kind, contentType, mode)
	if text == nil && fallback != nil {
		return nil, fallback
	}
	lines, err := NewLines(text, wrap)
	if err != nil {
		return nil, err
	}
	return lines, fallback
}

// formatHex skips the generic newline scan unless wrap is below the fixed
// hex line length.
func formatHex(body []byte, wrap int) (*Lines, error) {
	lines, err := HexDump(body)
	if err != nil {
		return nil, err
	}
	return lines.Rewrap(wrap), nil
}

func formatText(body []byte, kind Kind, contentType string, mode Mode) ([]byte, error) {
	switch mode {
	case ModeParts:
		text, err := PartsText(body, contentType)
		if err != nil {
			return RawText(body), err
		}
		return text, nil
	case ModeForm:
		return FormText(body), nil
	case ModeRaw:
		return RawText(body), nil
	case ModeGraphQL:
		return GraphQLText(contentType, body), nil
	case ModePretty:
		return prettyText(body, kind)
	}
	return nil, fmt.Errorf("bodyfmt: unknown mode %q", mode)
}

func prettyText(body []byte, kind Kind) ([]byte, error) {
	var (
		out []byte
		err error
	)
	switch kind {
	case JSON, GraphQL:
		out, err = PrettyJSON(body)
		if err != nil {
			err = &FallbackError{What: "JSON", Err: err}
		}
	case XML:
		out, err = PrettyXML(body)
		if err != nil {
			err = &FallbackError{What: "XML", Err: err}
		}
	case HTML:
		out, err = PrettyHTML(body)
		if err != nil {
			err = &FallbackError{What: "HTML", Err: err}
		}
	default:
		return RawText(body), nil
	}
	if err != nil {
		return RawText(body), err
	}
	return out, nil
}

// PrettyJSON indents body with two spaces. Typical webhook JSON grows by
// 1.5-1.8x when indented; sizing the buffer at 2x avoids a regrow and copy,
// which costs ~15% on multi-megabyte bodies.
func PrettyJSON(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(2*len(body) + 64)
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// RawText returns body as text, with each run of invalid UTF-8 replaced by
// U+FFFD. Valid bodies are returned as-is, without copying.
func RawText(body []byte) []byte {
	if utf8.Valid(body) {
		return body
	}
	return bytes.ToValidUTF8(body, []byte("\uFFFD"))
}

// FormText renders an application/x-www-form-urlencoded body as one
// "key = value" line per pair, in the order sent; url.ParseQuery would lose
// that order. Pairs that fail to decode are shown undecoded, and control
// characters in values are escaped so one pair is always one line.
func FormText(body []byte) []byte {
	raw := strings.TrimRight(string(body), "\r\n")
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/4)
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		key, value, hasValue := strings.Cut(pair, "=")
		b.WriteString(formPart(key))
		if hasValue {
			b.WriteString(" = ")
			b.WriteString(formPart(value))
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

func formPart(s string) string {
	if dec, err := url.QueryUnescape(s); err == nil {
		s = dec
	}
	return QuoteControls(strings.ToValidUTF8(s, "\uFFFD"), "")
}

// QuoteControls makes newlines and other control characters visible as Go
// escapes (\n, \r, \t, \x01, \x7f), so a value always stays on one
// display line and no character the font cannot draw reaches the screen.
// tab, when not "", stands for each tab instead of \t: a viewer keeping a
// line's indentation passes spaces. Text without control characters is
// returned as it is.
func QuoteControls(s, tab string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t' && tab != "":
			b.WriteString(tab)
		case r == '\t':
			b.WriteString(`\t`)
		case isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
