package bodyfmt

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"

	"dev.hookscope/textutil"
)

// DefaultDecodeLimit is how much Decode returns at most when given no
// limit. A compressed body of a few megabytes can expand to gigabytes (a
// "gzip bomb"); past this a viewer has nothing more to show a person, and
// the memory would be gone.
const DefaultDecodeLimit = 32 << 20

// Codings splits a Content-Encoding value into its codings in the order
// the sender applied them, lower case, without "identity" (which changes
// nothing). Several header lines should be joined with ", " first.
func Codings(contentEncoding string) []string {
	var out []string
	for c := range strings.SplitSeq(contentEncoding, ",") {
		c = strings.ToLower(strings.TrimSpace(c))
		if c != "" && c != "identity" {
			out = append(out, c)
		}
	}
	return out
}

// DecodeError says which coding of a body could not be undone.
type DecodeError struct {
	Coding string // as in the header, e.g. "gzip" or "zstd"
	Err    error
}

// Error names the coding once: the decoders' own messages start with
// their package name ("gzip: invalid header"), which is noise beside it.
func (e *DecodeError) Error() string {
	msg := e.Err.Error()
	for _, pkg := range []string{"gzip: ", "flate: ", "zlib: ", "brotli: "} {
		msg = strings.TrimPrefix(msg, pkg)
	}
	return e.Coding + ": " + msg
}

func (e *DecodeError) Unwrap() error { return e.Err }

// errUnsupported is a coding Decode has no decoder for.
var errUnsupported = errors.New("not supported")

// Decode undoes contentEncoding on body for display: gzip (and x-gzip),
// deflate (zlib-wrapped as the RFC says, or raw as some servers send), br,
// and stacks of them ("gzip, br" is undone right to left, br first).
//
// It never produces more than limit bytes (DefaultDecodeLimit when limit
// <= 0): the decoders are read through an io.LimitReader of limit+1 bytes
// and dropped there, so a bomb costs limit bytes and the time to inflate
// them, never the size it claims.
//
// note is a sentence for the viewer's notice line: what was decoded, and
// whether the output was cut at limit or the stream ended early (a capture
// cut at the body cap), in which case decoded holds what the stream did
// hold. When err is non-nil (a corrupt stream, an unsupported coding)
// decoded is body unchanged and note says so, so a caller can always show
// decoded. No coding, or an empty body, returns body, "" and nil.
func Decode(body []byte, contentEncoding string, limit int64) (decoded []byte, note string, err error) {
	codings := Codings(contentEncoding)
	if len(codings) == 0 || len(body) == 0 {
		return body, "", nil
	}
	if limit <= 0 {
		limit = DefaultDecodeLimit
	}
	steps := make([]string, 0, len(codings))
	var r io.Reader = bytes.NewReader(body)
	for i := len(codings) - 1; i >= 0; i-- {
		if r, err = decoder(codings[i], r); err != nil {
			err = layerErr(codings[i], err)
			return body, failedNote(err), err
		}
		r = &layerReader{coding: codings[i], r: r}
		steps = append(steps, codings[i])
	}
	what := "decoded " + strings.Join(steps, ", then ")

	out, more, err := readCapped(r, limit, len(body))
	switch {
	case more:
		return out, fmt.Sprintf("%s: showing the first %s (the body expands further)", what, textutil.HumanSize(limit)), nil
	case errors.Is(err, io.ErrUnexpectedEOF) && len(out) > 0:
		return out, fmt.Sprintf("%s: the stream ends early (cut at capture?), showing the %s it holds", what, textutil.HumanSize(int64(len(out)))), nil
	case err != nil:
		err = layerErr(steps[len(steps)-1], err)
		return body, failedNote(err), err
	}
	return out, fmt.Sprintf("%s (%s as sent)", what, textutil.HumanSize(int64(len(body)))), nil
}

// decoder returns a reader that undoes coding on r.
func decoder(coding string, r io.Reader) (io.Reader, error) {
	switch coding {
	case "gzip", "x-gzip":
		// gzip.NewReader reads a 10-byte header before checking the magic,
		// so a short plain body mislabelled gzip would be "unexpected EOF".
		br := bufio.NewReader(r)
		h, err := br.Peek(2)
		if err != nil && err != io.EOF {
			return nil, err // an inner layer's, already named
		}
		if len(h) < 2 || h[0] != 0x1f || h[1] != 0x8b {
			return nil, gzip.ErrHeader
		}
		return gzip.NewReader(br)
	case "deflate":
		return newDeflate(r)
	case "br":
		return brotli.NewReader(r), nil
	}
	return nil, errUnsupported
}

// newDeflate reads zlib when the stream starts with a zlib header (RFC 9110
// says "deflate" means zlib) and raw DEFLATE otherwise, because servers
// have long sent raw DEFLATE under that name and browsers accept both.
func newDeflate(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	h, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, err // an inner layer's, already named
	}
	if len(h) == 2 && h[0]&0x0f == 8 && h[0]>>4 <= 7 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}

// layerReader tags an error with the coding whose decoder raised it, so
// "gzip, br" with a bad br stream says br. An error already tagged by an
// inner layer passes through unchanged.
type layerReader struct {
	coding string
	r      io.Reader
}

func (l *layerReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if err != nil && err != io.EOF {
		err = layerErr(l.coding, err)
	}
	return n, err
}

func layerErr(coding string, err error) error {
	var de *DecodeError
	if errors.As(err, &de) {
		return err
	}
	return &DecodeError{Coding: coding, Err: err}
}

func failedNote(err error) string {
	var de *DecodeError
	if errors.As(err, &de) && errors.Is(de.Err, errUnsupported) {
		return fmt.Sprintf("Content-Encoding %s is not decoded here: showing the bytes as sent", de.Coding)
	}
	return fmt.Sprintf("cannot decode %v: showing the bytes as sent", err)
}

// readCapped reads r to the end or to limit bytes, whichever comes first;
// more reports that r had more. The buffer starts near the size a typical
// body inflates to and doubles up to limit+1, so a small body allocates
// little and a bomb at most about 1.5 times limit while growing.
func readCapped(r io.Reader, limit int64, sentLen int) (out []byte, more bool, err error) {
	lr := io.LimitReader(r, limit+1)
	buf := make([]byte, 0, min(limit+1, int64(max(4*sentLen, 4096))))
	// Stop as soon as limit+1 bytes are in: one more Read would only
	// return EOF, but growing the full buffer for it would double the cost.
	for int64(len(buf)) <= limit {
		if len(buf) == cap(buf) {
			bigger := make([]byte, len(buf), min(limit+1, int64(2*cap(buf))))
			copy(bigger, buf)
			buf = bigger
		}
		n, rerr := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return buf, false, rerr
		}
	}
	if int64(len(buf)) > limit {
		return buf[:limit], true, nil
	}
	return buf, false, nil
}
