package exchange

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dev.hookscope/storage"
	"dev.hookscope/textutil"
)

// The raw format is HTTP/1.1 text, one request after another, each after a
// marker line:
//
//	### hookscope request 12 received=2025-01-02T03:04:05.000000000Z remote=127.0.0.1:5000 body=42 original=42
//	POST /hooks/a?x=1 HTTP/1.1
//	Host: example.com
//	Content-Type: application/json
//
//	{"exact":"body bytes"}
//
// body= counts the bytes written after the blank line, so any body,
// binary or one holding a "###" line, reads back exactly; the request line
// and headers end in CRLF as on the wire, and a chunked request's body is
// written chunked. original= is the size the sender sent (larger than the
// stored body when it was cut). A hand-written file may leave the marker
// out, or use any "###" line between requests (as REST-client .http files
// do); then Content-Length, chunked coding or the next "###" line ends the
// body.

type rawEncoder struct {
	w   io.Writer
	n   int
	err error
}

func (e *rawEncoder) Encode(rec *storage.Record) error {
	wire := rec.Body
	if isChunked(rec.Header[("Transfer-Encoding")]) {
		wire = chunk(rec.Body)
	}
	var b bytes.Buffer
	if e.n > 0 {
		b.WriteString("\n")
	}
	e.n++
	fmt.Fprintf(&b, "### hookscope request %d received=%s remote=%s body=%d original=%d\n",
		rec.ID, textutil.FormatTime(rec.ReceivedAt), markerValue(rec.RemoteAddr), len(wire), max(rec.OriginalSize, int64(len(rec.Body))))
	b.WriteString(oneLine(rec.Method) + " " + oneLine(requestTarget(rec)) + " " + oneLine(proto(rec)) + "\r\n")
	b.WriteString("Host: " + oneLine(rec.Host) + "\r\n")
	for _, name := range headerNames(rec.Header) {
		if name == "Host" {
			continue
		}
		for _, v := range rec.Header[name] {
			b.WriteString(oneLine(name) + ": " + oneLine(v) + "\r\n")
		}
	}
	b.WriteString("\r\n")
	if _, err := e.w.Write(b.Bytes()); err != nil {
		return err
	}
	if _, err := e.w.Write(wire); err != nil {
		return err
	}
	_, err := io.WriteString(e.w, "\n")
	return err
}

func (e *rawEncoder) Close() error { return nil }

// oneLine keeps a value from breaking the message apart: captured values
// never hold CR or LF, but an imported HAR could.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// markerValue escapes a marker field that would otherwise split the line.
func markerValue(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\r\n%") {
		return url.PathEscape(s)
	}
	return s
}

// isChunked reports whether the last transfer coding is chunked, the only
// one that frames the body.
func isChunked(te []string) bool {
	if len(te) == 0 {
		return false
	}
	codings := strings.Split(te[len(te)-1], ",")
	return strings.EqualFold(strings.TrimSpace(codings[len(codings)-1]), "chunked")
}

// chunk encodes body as one chunk and the last chunk.
func chunk(body []byte) []byte {
	var b bytes.Buffer
	if len(body) > 0 {
		fmt.Fprintf(&b, "%x\r\n", len(body))
		b.Write(body)
		b.WriteString("\r\n")
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

// rawMarker is what a "### hookscope request" line says; body is -1 when
// it does not give the length.
type rawMarker struct {
	body     int
	original int64
	received time.Time
	remote   string
}

func parseMarker(line string) rawMarker {
	m := rawMarker{body: -1, original: -1}
	fields := strings.Fields(strings.TrimPrefix(line, "###"))
	if len(fields) < 2 || fields[0] != "hookscope" || fields[1] != "request" {
		return m
	}
	for _, f := range fields[2:] {
		key, value, _ := strings.Cut(f, "=")
		switch key {
		case "body":
			if n, err := strconv.Atoi(value); err == nil && n >= 0 {
				m.body = n
			}
		case "original":
			if n, err := strconv.ParseInt(value, 10, 64); err == nil && n >= 0 {
				m.original = n
			}
		case "received":
			m.received, _ = time.Parse(time.RFC3339Nano, value)
		case "remote":
			m.remote, _ = url.PathUnescape(value)
		}
	}
	return m
}
