// Package bodyfmt classifies captured HTTP bodies and formats them into
// line-indexed text, so a viewer can show multi-megabyte bodies one visible
// line at a time instead of handing a whole document to a text widget.
//
// The package has no UI dependencies and every function is safe to call from
// any goroutine.
package bodyfmt

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Mode is a way of viewing a body.
type Mode string

// The view modes. Which ones make sense for a body is decided by Modes.
const (
	ModePretty Mode = "pretty"
	ModeRaw    Mode = "raw"
	ModeHex    Mode = "hex"
	ModeForm   Mode = "form"
	// ModeImage shows an image body as a picture (see DecodeImage); as
	// text, Format renders it as hex.
	ModeImage Mode = "image"
	// ModeParts lists the parts of a multipart body with their headers.
	ModeParts Mode = "parts"
)

// Kind is what a body contains, as far as choosing a view is concerned.
type Kind int

// The body kinds.
const (
	JSON Kind = iota
	XML
	HTML
	Form
	Text
	Binary
	Image
	Empty
	Multipart // multipart/*: form-data uploads, mixed, related
	GraphQL   // a GraphQL request: JSON with a "query" string, or application/graphql
)

var kindNames = [...]string{"JSON", "XML", "HTML", "form", "text", "binary", "image", "empty", "multipart", "GraphQL"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Modes lists the views that make sense for kind, best first. The first
// entry is the one a viewer should open with.
func Modes(kind Kind) []Mode {
	switch kind {
	case JSON, XML, HTML:
		return []Mode{ModePretty, ModeRaw, ModeHex}
	case Form:
		return []Mode{ModeForm, ModeRaw, ModeHex}
	case Text:
		return []Mode{ModeRaw, ModeHex}
	case Empty:
		return []Mode{ModeRaw}
	case Image:
		return []Mode{ModeImage, ModeHex}
	case Multipart:
		return []Mode{ModeParts, ModeRaw, ModeHex}
	case GraphQL:
		return []Mode{ModeGraphQL, ModePretty, ModeRaw, ModeHex}
	default: // Binary: text views would only show replacement characters.
		return []Mode{ModeHex}
	}
}

// Classify decides the kind of body. The content type wins when it names a
// known kind; a missing or generic one (octet-stream, unknown application/*)
// is resolved by sniffing. Bodies with NUL bytes or invalid UTF-8 are Binary
// whatever they claim to be, because text views would mangle them, except
// image/* (Image) and multipart/* (Multipart), whose own views handle
// binary content.
func Classify(contentType string, body []byte) Kind {
	if len(body) == 0 {
		return Empty
	}
	mt := mediaType(contentType)
	if strings.HasPrefix(mt, "image/") {
		return Image
	}
	if strings.HasPrefix(mt, "multipart/") {
		return Multipart
	}
	if isBinary(body) {
		return Binary
	}
	if k, ok := kindFromMediaType(mt); ok {
		return graphQLKind(k, mt, body)
	}
	return graphQLKind(sniff(body), mt, body)
}

// MediaType returns the lower-case type/subtype of a Content-Type value
// ("image/png"), tolerating malformed parameters.
func MediaType(contentType string) string { return mediaType(contentType) }

// mediaType returns the lower-case type/subtype, tolerating malformed
// parameters, which senders get wrong surprisingly often.
func mediaType(contentType string) string {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt
	}
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

func kindFromMediaType(mt string) (Kind, bool) {
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json"):
		return JSON, true
	case mt == "application/xhtml+xml" || mt == "text/html":
		return HTML, true
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return XML, true
	case mt == "application/x-www-form-urlencoded":
		return Form, true
	case strings.HasPrefix(mt, "text/"):
		return Text, true
	case strings.HasPrefix(mt, "audio/"), strings.HasPrefix(mt, "video/"),
		mt == "application/pdf", mt == "application/zip", mt == "application/gzip",
		mt == "application/protobuf", mt == "application/x-protobuf":
		return Binary, true
	}
	return 0, false
}

// isBinary reports NULs or invalid UTF-8. An incomplete rune at the very end
// is tolerated because captures may be truncated mid-rune.
func isBinary(body []byte) bool {
	if bytes.IndexByte(body, 0) >= 0 {
		return true
	}
	if utf8.Valid(body) {
		return false
	}
	return !utf8.Valid(body[:len(body)-incompleteTail(body)])
}

// incompleteTail returns how many trailing bytes form the start of a rune
// that was cut off.
func incompleteTail(b []byte) int {
	for n := 1; n < utf8.UTFMax && n <= len(b); n++ {
		c := b[len(b)-n]
		if c < 0x80 {
			return 0
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[len(b)-n:]) {
				return 0
			}
			return n
		}
	}
	return 0
}

func sniff(body []byte) Kind {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) == 0 {
		return Text
	}
	switch trimmed[0] {
	case '{', '[':
		if json.Valid(trimmed) {
			return JSON
		}
		return Text
	case '<':
		if strings.HasPrefix(http.DetectContentType(trimmed), "text/html") {
			return HTML
		}
		return XML
	}
	if looksLikeForm(body) {
		return Form
	}
	return Text
}

// looksLikeForm accepts only the URL-encoded alphabet with at least one
// key=value pair, so ordinary prose is never mistaken for a form.
func looksLikeForm(body []byte) bool {
	if len(body) > 1<<20 || bytes.IndexByte(body, '=') <= 0 {
		return false
	}
	for _, c := range bytes.TrimRight(body, "\r\n") {
		if !isFormByte(c) {
			return false
		}
	}
	return true
}

func isFormByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("=&%+-_.~*:/,;@!$'()[]", c) >= 0
}
