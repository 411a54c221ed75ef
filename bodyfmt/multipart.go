package bodyfmt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"slices"
	"strings"

	"dev.hookscope/textutil"
)

const (
	// MaxParts is how many parts PartsText lists; a body of tiny parts
	// could otherwise be millions of them.
	MaxParts = 1000
	// MaxPartText is how much of one text part PartsText shows.
	MaxPartText = 64 << 10
)

// PartsText lists the parts of a multipart body: for each a header line
// like
//
//	── part 1: name="file"; filename="a.png" (image/png, 12.3 KiB) ──
//
// then its headers (sorted by name), a blank line and its body: as text
// when it is UTF-8 (at most MaxPartText bytes, then "… N more bytes"),
// else "[binary, N bytes]". Parts are read as sent (NextRawPart: no
// quoted-printable decoding). The boundary comes from contentType, or
// from the body's first line when contentType has none.
//
// A body in which no part can be read returns a *FallbackError (and nil);
// one that breaks off after some parts, as a capture cut at the body cap
// does, lists those with a last line saying where it stopped.
func PartsText(body []byte, contentType string) ([]byte, error) {
	boundary := boundaryOf(contentType, body)
	if boundary == "" {
		return nil, &FallbackError{What: "multipart", Err: errors.New("no boundary in the Content-Type or the first line")}
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var out bytes.Buffer
	for n := 1; ; n++ {
		if n > MaxParts {
			fmt.Fprintf(&out, "── stopped after %d parts ──\n", MaxParts)
			break
		}
		p, err := mr.NextRawPart()
		if err == io.EOF && n > 1 {
			// The reader also ends quietly when the body stops before
			// a part's headers; only the closing delimiter says it ended.
			if !bytes.Contains(body, []byte("--"+boundary+"--")) {
				fmt.Fprintf(&out, "── the body breaks off after part %d: no closing boundary (cut at capture?) ──\n", n-1)
			}
			break
		}
		if err != nil {
			err = partErr(err, boundary)
			if n == 1 {
				return nil, &FallbackError{What: "multipart", Err: err}
			}
			fmt.Fprintf(&out, "── the body breaks off after part %d: %v ──\n", n-1, err)
			break
		}
		if err := writePart(&out, n, p); err != nil {
			fmt.Fprintf(&out, "── part %d breaks off: %v ──\n", n, partErr(err, boundary))
			break
		}
	}
	return out.Bytes(), nil
}

// partErr makes the multipart package's errors readable.
func partErr(err error, boundary string) error {
	msg := strings.TrimPrefix(err.Error(), "multipart: ")
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("no part starts with boundary %q", boundary)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the body ends inside a part (cut at capture?)")
	}
	return errors.New(msg)
}

// boundaryOf takes the boundary parameter of contentType, else the first
// line of body when it looks like "--boundary".
func boundaryOf(contentType string, body []byte) string {
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["boundary"] != "" {
		return params["boundary"]
	}
	line, _, _ := bytes.Cut(body[:min(len(body), 200)], []byte("\n"))
	line = bytes.TrimRight(line, "\r \t")
	if len(line) > 2 && bytes.HasPrefix(line, []byte("--")) && len(line) <= 72 {
		return string(line[2:])
	}
	return ""
}

// writePart renders part n. When its body breaks off it still renders
// what was read, and returns the error.
func writePart(out *bytes.Buffer, n int, p *multipart.Part) error {
	defer p.Close()
	head, err := io.ReadAll(io.LimitReader(p, MaxPartText+utf8Tail))
	var rest int64
	if err == nil {
		rest, err = io.Copy(io.Discard, p)
	}
	size := int64(len(head)) + rest

	fmt.Fprintf(out, "── part %d", n)
	if d := disposition(p.Header.Get("Content-Disposition")); d != "" {
		out.WriteString(": " + d)
	}
	out.WriteString(" (")
	if ct := p.Header.Get("Content-Type"); ct != "" {
		out.WriteString(QuoteControls(ct, "") + ", ")
	}
	out.WriteString(textutil.HumanSize(size) + ") ──\n")

	keys := make([]string, 0, len(p.Header))
	for k := range p.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range p.Header[k] {
			out.WriteString(QuoteControls(k+": "+v, "") + "\n")
		}
	}
	out.WriteByte('\n')

	switch {
	case size == 0:
		out.WriteString("[empty]\n")
	case isBinary(head):
		fmt.Fprintf(out, "[binary, %d bytes]\n", size)
	default:
		shown := head[:min(len(head), MaxPartText)]
		shown = shown[:len(shown)-incompleteTail(shown)]
		out.Write(RawText(shown))
		if len(shown) > 0 && shown[len(shown)-1] != '\n' {
			out.WriteByte('\n')
		}
		if more := size - int64(len(shown)); more > 0 {
			fmt.Fprintf(out, "… %d more bytes\n", more)
		}
	}
	out.WriteByte('\n')
	return err
}

// utf8Tail is read beyond MaxPartText so a rune cut at the limit does not
// make isBinary see invalid UTF-8 in the middle.
const utf8Tail = 4

// disposition renders the name and filename of a Content-Disposition
// value, as sent (FileName would strip directories), or the raw value
// when it does not parse.
func disposition(v string) string {
	if v == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(v)
	if err != nil {
		return QuoteControls(v, "")
	}
	var parts []string
	for _, k := range []string{"name", "filename"} {
		if val, ok := params[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%q", k, val))
		}
	}
	return QuoteControls(strings.Join(parts, "; "), "")
}
