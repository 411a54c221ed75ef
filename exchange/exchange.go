// Package exchange converts captured requests to and from the formats other
// tools speak: HAR 1.2, curl commands and raw HTTP/1.1 text.
//
// Exports: HAR puts the body in request.postData.text (base64 with
// "_encoding": "base64" beside it when it is not UTF-8) and adds _id,
// _truncated, _originalSize and _remoteAddr to each entry; the response is
// what Hookscope answered. Curl writes one command per request (see
// curlEncoder). Raw writes HTTP/1.1 text after "### hookscope request"
// marker lines (see rawEncoder). HAR and raw exports import back to equal
// records (method, path, query, host, headers in order, body bytes, time,
// remote address, truncation) when exported with Options.IncludeSecrets;
// by default the values of secret headers and query parameters are
// replaced (see Redacted). A curl export imports back to the same
// request, less what curl computes itself (Content-Length,
// Transfer-Encoding, hop-by-hop headers).
//
// Import detects the format from the content: JSON is HAR (Hookscope's,
// browsers', Insomnia's), a request line or a "###" line is raw HTTP, and
// a command starting with curl (or echo/printf/cat piped into curl) is a
// curl command, parsed as POSIX shell (mvdan.cc/sh). Known limits: a curl
// command whose text is not UTF-8 is refused rather than altered (the curl
// export pipes such bodies through base64 instead); Windows cmd quoting
// (^) is not read; a HAR or raw header
// value that is not UTF-8 does not survive JSON.
//
// It imports no storage engine and no UI: it works on storage.Record values
// so that the command line, the window and tests share one implementation.
// The full URL and the time format come from textutil, as everywhere.
package exchange

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"dev.hookscope/storage"
)

// Format names an exchange format.
type Format string

// The formats Export writes and Import reads.
const (
	FormatHAR  Format = "har"
	FormatCurl Format = "curl"
	FormatRaw  Format = "raw"
)

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatHAR, FormatCurl, FormatRaw:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (use har, curl or raw)", s)
}

// Encoder writes records one at a time, so a caller can stream a store of
// any size without holding it in memory. Close finishes the output (HAR
// needs its closing brackets) and must be called even when nothing was
// encoded.
type Encoder interface {
	Encode(rec *storage.Record) error
	Close() error
}

// NewEncoder returns an Encoder for f writing to w that redacts secrets
// (see Options). creatorVersion goes into HAR's log.creator.version and is
// ignored by the other formats.
func NewEncoder(w io.Writer, f Format, creatorVersion string) (Encoder, error) {
	return NewEncoderWith(w, f, Options{CreatorVersion: creatorVersion})
}

// NewEncoderWith returns an Encoder for f writing to w. Unless
// o.IncludeSecrets, the values of secret headers and query parameters
// are replaced with Redacted, in the request and in HAR's response.
func NewEncoderWith(w io.Writer, f Format, o Options) (Encoder, error) {
	var enc Encoder
	switch f {
	case FormatHAR:
		enc = &harEncoder{w: w, version: o.CreatorVersion, redact: !o.IncludeSecrets, answer: o.Answer}
	case FormatCurl:
		enc = &curlEncoder{w: w}
	case FormatRaw:
		enc = &rawEncoder{w: w}
	default:
		return nil, fmt.Errorf("unknown format %q (use har, curl or raw)", string(f))
	}
	if o.IncludeSecrets {
		return enc, nil
	}
	return redactingEncoder{enc}, nil
}

// WriteWith writes recs in format f as one document (HAR) or one request
// after another (curl, raw).
func WriteWith(w io.Writer, f Format, recs []*storage.Record, o Options) error {
	enc, err := NewEncoderWith(w, f, o)
	if err != nil {
		return err
	}
	return writeAll(enc, recs)
}

// WriteHAR writes recs as one HAR 1.2 document, secrets redacted.
func WriteHAR(w io.Writer, recs []*storage.Record, creatorVersion string) error {
	return WriteWith(w, FormatHAR, recs, Options{CreatorVersion: creatorVersion})
}

// WriteCurl writes one curl command per record, separated by blank lines,
// secrets redacted.
func WriteCurl(w io.Writer, recs []*storage.Record) error {
	return WriteWith(w, FormatCurl, recs, Options{})
}

// WriteRaw writes recs as HTTP/1.1 text, each after a "### hookscope
// request" marker line (see rawEncoder for the marker's fields), secrets
// redacted.
func WriteRaw(w io.Writer, recs []*storage.Record) error {
	return WriteWith(w, FormatRaw, recs, Options{})
}

func writeAll(enc Encoder, recs []*storage.Record) error {
	for _, rec := range recs {
		if err := enc.Encode(rec); err != nil {
			return err
		}
	}
	return enc.Close()
}

// headerNames returns h's names sorted, so every export lists headers in
// the same order however the map iterates.
func headerNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// requestTarget is the path and query as they stood on the request line.
func requestTarget(rec *storage.Record) string {
	target := rec.Path
	if target == "" {
		target = "/"
	}
	if rec.RawQuery != "" {
		target += "?" + rec.RawQuery
	}
	return target
}

// proto defaults an empty protocol to HTTP/1.1, which is what every
// importer assumes when a source does not say.
func proto(rec *storage.Record) string {
	if rec.Proto == "" {
		return "HTTP/1.1"
	}
	return rec.Proto
}
