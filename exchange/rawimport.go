package exchange

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"dev.hookscope/storage"
)

// rawParser walks raw HTTP text request by request.
type rawParser struct {
	data     []byte
	pos      int
	sep      int // the next "###" line found so far, -1 before the first search
	warnings []string
}

func (o ImportOptions) importRaw(data []byte) (*ImportResult, error) {
	p := &rawParser{data: data, sep: -1}
	res := &ImportResult{Format: FormatRaw}
	for {
		m, ok := p.preamble()
		if !ok {
			break
		}
		start := p.pos
		rec, err := p.request(m)
		if err != nil {
			p.pos = start
			return nil, fmt.Errorf("raw HTTP request at line %d: %w", p.lineNumber(), err)
		}
		if rec.ReceivedAt.IsZero() {
			rec.ReceivedAt = o.now()
		}
		res.Records = append(res.Records, finish(rec))
	}
	if len(res.Records) == 0 {
		return nil, fmt.Errorf("no request line found; %w", ErrUnsupported)
	}
	res.Warnings = p.warnings
	return res, nil
}

func (p *rawParser) lineNumber() int { return bytes.Count(p.data[:p.pos], []byte("\n")) + 1 }

// peekLine returns the line at pos without its line ending, and where the
// next line starts.
func (p *rawParser) peekLine() (string, int) {
	rest := p.data[p.pos:]
	i := bytes.IndexByte(rest, '\n')
	if i < 0 {
		return string(bytes.TrimSuffix(rest, []byte("\r"))), len(p.data)
	}
	return string(bytes.TrimSuffix(rest[:i], []byte("\r"))), p.pos + i + 1
}

func (p *rawParser) nextLine() string {
	line, next := p.peekLine()
	p.pos = next
	return line
}

// preamble skips blank and comment lines before a request and returns
// what the last marker among them said.
func (p *rawParser) preamble() (rawMarker, bool) {
	m := rawMarker{body: -1, original: -1}
	for p.pos < len(p.data) {
		line, next := p.peekLine()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "###"):
			m = parseMarker(trimmed)
		case trimmed == "" || strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, "//"):
		default:
			return m, true
		}
		p.pos = next
	}
	return m, false
}

func (p *rawParser) request(m rawMarker) (*storage.Record, error) {
	method, target, version, err := parseRequestLine(p.nextLine())
	if err != nil {
		return nil, err
	}
	host, header, err := p.headers()
	if err != nil {
		return nil, err
	}
	urlHost, path, query := urlParts(target)
	if host == "" {
		host = urlHost
	}
	rec := &storage.Record{
		Summary:  storage.Summary{Method: method, Path: path, ReceivedAt: m.received},
		RawQuery: query, Proto: version, Host: host, Header: header, RemoteAddr: m.remote,
	}
	if rec.Body, err = p.body(m, header); err != nil {
		return nil, err
	}
	rec.OriginalSize = max(m.original, 0)
	return rec, nil
}

func parseRequestLine(line string) (method, target, version string, err error) {
	f := strings.Fields(line)
	if len(f) < 2 || len(f) > 3 {
		return "", "", "", fmt.Errorf("%q is not a request line (METHOD TARGET HTTP/1.1)", line)
	}
	version = "HTTP/1.1"
	if len(f) == 3 {
		if !strings.HasPrefix(f[2], "HTTP/") {
			return "", "", "", fmt.Errorf("%q is not a request line: %q is not an HTTP version", line, f[2])
		}
		version = f[2]
	}
	return f[0], f[1], version, nil
}

// headers reads header lines up to the blank line, joining obsolete folded
// lines to the value before them, and keeps Host apart as records do.
func (p *rawParser) headers() (string, http.Header, error) {
	h := http.Header{}
	host, haveHost, last := "", false, ""
	for p.pos < len(p.data) {
		line := p.nextLine()
		if line == "" {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && last != "" {
			vs := h[last]
			vs[len(vs)-1] += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return "", nil, fmt.Errorf("header line %q has no name and colon", line)
		}
		value = strings.TrimSpace(value)
		if strings.EqualFold(name, "Host") && !haveHost {
			host, haveHost, last = value, true, ""
			continue
		}
		last = http.CanonicalHeaderKey(name)
		h[last] = append(h[last], value)
	}
	return host, h, nil
}

// body takes the marker's exact length when there is one; otherwise
// chunked coding, Content-Length or the next "###" line ends it.
func (p *rawParser) body(m rawMarker, h http.Header) ([]byte, error) {
	chunked := isChunked(h["Transfer-Encoding"])
	if m.body >= 0 {
		if m.body > len(p.data)-p.pos {
			return nil, fmt.Errorf("the marker promises %d body bytes but only %d follow", m.body, len(p.data)-p.pos)
		}
		wire := p.data[p.pos : p.pos+m.body]
		p.pos += m.body
		if !chunked {
			return wire, nil
		}
		body, _, err := dechunk(wire)
		return body, err
	}
	end := p.nextSeparator()
	region := p.data[p.pos:end]
	if chunked {
		body, n, err := dechunk(region)
		p.pos += n
		return body, err
	}
	return p.unframedBody(region, end, h.Get("Content-Length")), nil
}

// unframedBody handles hand-written text: Content-Length when it fits what
// follows, no body when a request line follows at once, else everything up
// to the next separator without its trailing newlines.
func (p *rawParser) unframedBody(region []byte, end int, contentLength string) []byte {
	if contentLength != "" {
		n, err := strconv.Atoi(strings.TrimSpace(contentLength))
		if err == nil && n >= 0 && n <= len(region) && startsRequest(region[n:]) {
			p.pos += n
			return region[:n]
		}
	} else if startsRequest(region) {
		return nil
	}
	body := bytes.TrimRight(region, "\r\n")
	p.pos = end
	if contentLength != "" && contentLength != strconv.Itoa(len(body)) {
		p.warnings = append(p.warnings, fmt.Sprintf("line %d: Content-Length says %s but %d body bytes follow; took them all", p.lineNumber(), contentLength, len(body)))
	}
	return body
}

// nextSeparator is where the next "###" line starts, or the end. The
// answer is kept until passed, so pipelined requests without separators
// do not each scan the rest of the file.
func (p *rawParser) nextSeparator() int {
	if p.sep >= p.pos {
		return p.sep
	}
	rest := p.data[p.pos:]
	switch i := bytes.Index(rest, []byte("\n###")); {
	case bytes.HasPrefix(rest, []byte("###")):
		p.sep = p.pos
	case i >= 0:
		p.sep = p.pos + i + 1
	default:
		p.sep = len(p.data)
	}
	return p.sep
}

// startsRequest reports whether b, after blank lines, is empty or begins
// with another request line (several requests pasted without markers).
func startsRequest(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return true
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return requestLine.Match(line)
}

var errChunked = errors.New("malformed chunked body")

// dechunk decodes chunked coding from the start of b and returns the body
// and the bytes consumed, trailers included. It accepts bare LF line ends,
// which hand-edited files often have.
func dechunk(b []byte) ([]byte, int, error) {
	var body []byte
	pos := 0
	for {
		line, next, ok := cutLine(b, pos)
		if !ok {
			return nil, 0, fmt.Errorf("%w: no last chunk", errChunked)
		}
		sizeText, _, _ := strings.Cut(line, ";")
		size, err := strconv.ParseUint(strings.TrimSpace(sizeText), 16, 63)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: chunk size %q", errChunked, sizeText)
		}
		pos = next
		if size == 0 {
			return body, skipTrailers(b, pos), nil
		}
		if size > uint64(len(b)-pos) {
			return nil, 0, fmt.Errorf("%w: a chunk of %d bytes runs past the end", errChunked, size)
		}
		body = append(body, b[pos:pos+int(size)]...)
		pos += int(size)
		if rest, _, ok := cutLine(b, pos); !ok || rest != "" {
			return nil, 0, fmt.Errorf("%w: no line end after a chunk", errChunked)
		}
		_, pos, _ = cutLine(b, pos)
	}
}

// skipTrailers passes trailer fields up to and including the blank line
// (or the end, which a hand-written file may reach first).
func skipTrailers(b []byte, pos int) int {
	for {
		line, next, ok := cutLine(b, pos)
		if !ok {
			return len(b)
		}
		pos = next
		if line == "" {
			return pos
		}
	}
}

// cutLine returns the line starting at pos without its ending and where
// the next one starts; ok is false at the end of b.
func cutLine(b []byte, pos int) (string, int, bool) {
	if pos >= len(b) {
		return "", pos, false
	}
	i := bytes.IndexByte(b[pos:], '\n')
	if i < 0 {
		return string(bytes.TrimSuffix(b[pos:], []byte("\r"))), len(b), true
	}
	return string(bytes.TrimSuffix(b[pos:pos+i], []byte("\r"))), pos + i + 1, true
}
