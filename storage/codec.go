package storage

import (
	"encoding/binary"
	"errors"
	"time"
)

// Summaries use a compact binary form rather than JSON: a list of a million
// rows decodes one per visible row, and the file stays small.
const summaryCodecVersion = 1

var errShortSummary = errors.New("summary record is cut short")

func encodeSummary(s *Summary) []byte {
	buf := make([]byte, 0, 48+len(s.Method)+len(s.Path)+len(s.ContentType))
	buf = append(buf, summaryCodecVersion)
	buf = binary.AppendVarint(buf, s.ReceivedAt.UnixNano())
	buf = appendString(buf, s.Method)
	buf = appendString(buf, s.Path)
	buf = binary.AppendVarint(buf, s.BodySize)
	buf = binary.AppendVarint(buf, s.OriginalSize)
	flags := byte(0)
	if s.Truncated {
		flags |= 1
	}
	buf = append(buf, flags)
	buf = appendString(buf, s.ContentType)
	buf = binary.AppendUvarint(buf, uint64(s.Status))
	buf = append(buf, byte(s.Signature))
	return binary.AppendUvarint(buf, s.DuplicateOf)
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

type summaryReader struct {
	buf []byte
	err error
}

func (r *summaryReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.buf)
	if n <= 0 {
		r.err = errShortSummary
		return 0
	}
	r.buf = r.buf[n:]
	return v
}

func (r *summaryReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.buf)
	if n <= 0 {
		r.err = errShortSummary
		return 0
	}
	r.buf = r.buf[n:]
	return v
}

func (r *summaryReader) byte() byte {
	if r.err != nil || len(r.buf) == 0 {
		r.err = errShortSummary
		return 0
	}
	b := r.buf[0]
	r.buf = r.buf[1:]
	return b
}

func (r *summaryReader) string() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.buf)) {
		r.err = errShortSummary
		return ""
	}
	s := string(r.buf[:n])
	r.buf = r.buf[n:]
	return s
}

// skip passes over a string without copying it.
func (r *summaryReader) skip() {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.buf)) {
		r.err = errShortSummary
	}
	if r.err == nil {
		r.buf = r.buf[n:]
	}
}

// summaryTimeSize reads only a summary's arrival time and body size, what
// retention needs of every request, without allocating.
func summaryTimeSize(data []byte) (time.Time, int64, error) {
	r := summaryReader{buf: data}
	if v := r.byte(); r.err == nil && v != summaryCodecVersion {
		return time.Time{}, 0, errors.New("summary record has an unknown format")
	}
	ns := r.varint()
	r.skip() // method
	r.skip() // path
	size := r.varint()
	return time.Unix(0, ns), size, r.err
}

func decodeSummary(id uint64, data []byte) (Summary, error) {
	r := summaryReader{buf: data}
	if v := r.byte(); r.err == nil && v != summaryCodecVersion {
		return Summary{}, errors.New("summary record has an unknown format")
	}
	s := Summary{ID: id}
	s.ReceivedAt = time.Unix(0, r.varint()).UTC()
	s.Method = r.string()
	s.Path = r.string()
	s.BodySize = r.varint()
	s.OriginalSize = r.varint()
	s.Truncated = r.byte()&1 != 0
	s.ContentType = r.string()
	s.Status = int(r.uvarint())
	// Fields added after the first release are read only when present.
	if r.err == nil && len(r.buf) > 0 {
		s.Signature = SigState(r.byte())
	}
	if r.err == nil && len(r.buf) > 0 {
		s.DuplicateOf = r.uvarint()
	}
	return s, r.err
}
