package bodyfmt

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
)

// PrettyXML re-indents an XML document with two spaces per level. It works
// on raw tokens so namespace prefixes are kept exactly as written, and any
// declared charset is read as-is (non-UTF-8 bodies are classified Binary
// before they get here). Elements holding only text stay on one line.
func PrettyXML(body []byte) ([]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	p := xmlPrinter{out: bytes.NewBuffer(make([]byte, 0, len(body)+len(body)/2))}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		p.token(tok)
	}
	p.flushStart(false)
	if p.out.Len() > 0 {
		p.out.WriteByte('\n')
	}
	return p.out.Bytes(), nil
}

// xmlPrinter delays writing a start tag until it knows whether the element
// is empty (<a/>), text-only (<a>x</a>) or has children.
type xmlPrinter struct {
	out     *bytes.Buffer
	depth   int
	pending *xml.StartElement // start tag not yet written
	inline  bool              // current element's text was written after its start tag
	started bool              // something has been written, so lines need separators
}

func (p *xmlPrinter) token(tok xml.Token) {
	switch t := tok.(type) {
	case xml.StartElement:
		p.flushStart(false)
		start := t.Copy()
		p.pending = &start
	case xml.EndElement:
		p.end(t)
	case xml.CharData:
		p.text(string(t))
	case xml.Comment:
		p.flushStart(false)
		p.line("<!--" + string(t) + "-->")
	case xml.ProcInst:
		p.flushStart(false)
		inst := strings.TrimSpace(string(t.Inst))
		if inst != "" {
			inst = " " + inst
		}
		p.line("<?" + t.Target + inst + "?>")
	case xml.Directive:
		p.flushStart(false)
		p.line("<!" + string(t) + ">")
	}
}

func (p *xmlPrinter) end(t xml.EndElement) {
	if p.pending != nil {
		p.flushStart(true)
		return
	}
	p.depth--
	if p.inline {
		p.inline = false
	} else {
		p.newline()
	}
	p.out.WriteString("</" + xmlName(t.Name) + ">")
}

func (p *xmlPrinter) text(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	if p.pending != nil {
		p.flushStart(false)
		p.out.WriteString(xmlTextEscaper.Replace(s))
		p.inline = true
		return
	}
	p.inline = false
	p.line(xmlTextEscaper.Replace(s))
}

// flushStart writes the pending start tag, self-closed when empty.
func (p *xmlPrinter) flushStart(empty bool) {
	if p.pending == nil {
		return
	}
	if p.inline {
		// A sibling after inline text: the parent now has mixed content.
		p.inline = false
	}
	p.newline()
	p.out.WriteString("<" + xmlName(p.pending.Name))
	for _, a := range p.pending.Attr {
		p.out.WriteString(" " + xmlName(a.Name) + `="` + xmlAttrEscaper.Replace(a.Value) + `"`)
	}
	p.pending = nil
	if empty {
		p.out.WriteString("/>")
		return
	}
	p.out.WriteString(">")
	p.depth++
}

func (p *xmlPrinter) line(s string) {
	p.inline = false
	p.newline()
	p.out.WriteString(s)
}

func (p *xmlPrinter) newline() {
	if p.started {
		p.out.WriteByte('\n')
	}
	p.started = true
	for range p.depth {
		p.out.WriteString("  ")
	}
}

func xmlName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

var (
	xmlTextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	xmlAttrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\n", "&#xA;", "\t", "&#x9;")
)
