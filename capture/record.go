package capture

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"dev.hookscope/storage"
)

// readRecord copies everything the request carried. The body is read as raw
// bytes before anything parses it; past maxBody it is counted, not kept, so
// an oversized body never sits in memory whole. res already holds
// firstReservation's bytes; a body of unannounced length reserves more as
// it grows.
//
// The record shares the request's header map unless it is to be changed
// (edit: the listener hides credentials in it; or Transfer-Encoding is put
// back): copying it was a tenth of the bytes allocated per request, and
// net/http reads nothing from it once the handler has started.
func readRecord(r *http.Request, maxBody int64, res *reservation, edit bool) (*storage.Record, error) {
	received := time.Now().UTC()
	body, original, err := readCapped(r.Body, r.ContentLength, maxBody, res)
	if err != nil {
		return nil, err
	}
	header := r.Header
	if edit || len(r.TransferEncoding) > 0 {
		header = header.Clone()
	}
	if header == nil {
		header = http.Header{}
	}
	// net/http moves Transfer-Encoding out of the header map; the inspector
	// should still show what the sender put on the wire.
	if len(r.TransferEncoding) > 0 {
		header["Transfer-Encoding"] = append([]string(nil), r.TransferEncoding...)
	}
	return &storage.Record{
		Summary: storage.Summary{
			ReceivedAt:   received,
			Method:       r.Method,
			Path:         wirePath(r),
			BodySize:     int64(len(body)),
			OriginalSize: original,
			Truncated:    original > int64(len(body)),
			ContentType:  r.Header.Get("Content-Type"),
		},
		RawQuery:   r.URL.RawQuery,
		Proto:      r.Proto,
		Host:       r.Host,
		RemoteAddr: r.RemoteAddr,
		Header:     header,
		Body:       body,
	}, nil
}

// wirePath is the path exactly as the sender wrote it, not decoded.
func wirePath(r *http.Request) string {
	uri := r.RequestURI
	if strings.HasPrefix(uri, "/") {
		if i := strings.IndexByte(uri, '?'); i >= 0 {
			uri = uri[:i]
		}
		return uri
	}
	// Absolute-form ("POST http://host/x") or "*": use the parsed path.
	if uri == "*" {
		return uri
	}
	return r.URL.EscapedPath()
}

func readCapped(body io.Reader, contentLength, maxBody int64, res *reservation) ([]byte, int64, error) {
	kept, err := readKept(body, contentLength, maxBody, res)
	n := int64(len(kept))
	if err != nil {
		return nil, n, fmt.Errorf("after %d bytes: %w", n, err)
	}
	rest, err := io.Copy(io.Discard, body)
	if err != nil {
		return nil, n + rest, fmt.Errorf("after %d bytes: %w", n+rest, err)
	}
	return kept, n + rest, nil
}

// growFrom is the first buffer of a body of unannounced length (chunked).
const growFrom = 8 << 10

// firstReservation is the room a body needs before its first byte is
// read: all that is kept of it when its length is announced, else the
// first buffer.
func firstReservation(contentLength, maxBody int64) int64 {
	if contentLength >= 0 {
		return min(contentLength, maxBody)
	}
	return min(growFrom, maxBody)
}

// readKept reads up to maxBody bytes, sized exactly when the length is
// announced so a 10 MiB body costs 10 MiB, not a doubling buffer. Without
// a length the buffer doubles, the growth reserved in res before the larger
// one is made (the two exist together only while the bytes are copied).
func readKept(body io.Reader, contentLength, maxBody int64, res *reservation) ([]byte, error) {
	if contentLength >= 0 {
		buf := make([]byte, min(contentLength, maxBody))
		n, err := io.ReadFull(body, buf)
		return buf[:n], err
	}
	buf := make([]byte, 0, min(growFrom, maxBody))
	for {
		if len(buf) == cap(buf) {
			if int64(cap(buf)) >= maxBody {
				return buf, nil
			}
			size := min(2*int64(cap(buf)), maxBody)
			if err := res.grow(size - int64(cap(buf))); err != nil {
				return buf, err
			}
			grown := make([]byte, len(buf), size)
			copy(grown, buf)
			buf = grown
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
