package bodyfmt

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// voidElements never have a closing tag, so they do not indent what follows.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

// rawTextElements keep their content as written (scripts, styles, pre).
var rawTextElements = map[string]bool{"script": true, "style": true, "pre": true, "textarea": true}

// PrettyHTML puts each tag on its own line, indented by nesting, using the
// x/net/html tokenizer (an HTML5 tokenizer, forgiving like a browser). Text
// is trimmed and kept; script, style and pre content is kept as written.
func PrettyHTML(body []byte) ([]byte, error) {
	z := html.NewTokenizer(bytes.NewReader(body))
	var out bytes.Buffer
	out.Grow(len(body) + len(body)/2)
	depth, raw := 0, ""
	line := func(s string) {
		out.WriteString(strings.Repeat("  ", depth))
		out.WriteString(s)
		out.WriteByte('\n')
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return out.Bytes(), nil
			}
			return nil, z.Err()
		case html.TextToken:
			text := string(z.Raw())
			if raw == "" {
				text = strings.TrimSpace(text)
			}
			if text != "" {
				line(text)
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			line(string(z.Raw()))
			if !voidElements[string(name)] {
				depth++
			}
			if rawTextElements[string(name)] {
				raw = string(name)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if string(name) == raw {
				raw = ""
			}
			depth = max(0, depth-1)
			line(string(z.Raw()))
		default: // self-closing tags, comments, doctype
			line(strings.TrimSpace(string(z.Raw())))
		}
	}
}
