package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// Summaries use a compact binary form rather than JSON: a list of a million
// rows decodes one per visible row, and the file stays small.
//
// Version 1: the version byte, arrival time (varint Unix nanoseconds),
// method and path (uvarint length and bytes), body size and original size
// (varints), a flags byte (1: truncated), content type, status (uvarint),
// then, when not zero, the signature verdict (a byte) and the duplicate's
// ID (uvarint).
//
// Version 2, written since issue 16: the same up to the path, but the
// method is coded (appendCoded); then the body size, the flags (1:
// truncated, 2: the original size follows because it differs from the
// body size), the original size when flagged, the coded content type, the
// status and the same optional tail. Both start with the version and the
// arrival time, so a reader that wants only the time reads either.
const (
	summaryV1           = 1
	summaryCodecVersion = 2 // the version written
)

// Flags of a summary.
const (
	summaryTruncated    = 1
	summaryOriginalSize = 2 // version 2 only
)

var errShortSummary = errors.New("summary record is cut short")

func encodeSummary(s *Summary) []byte {
	return appendSummary(make([]byte, 0, 32+len(s.Path)+len(s.Method)+len(s.ContentType)), s)
}

// appendSummary appends s's encoding to buf.
func appendSummary(buf []byte, s *Summary) []byte {
	buf = append(buf, summaryCodecVersion)
	buf = binary.AppendVarint(buf, s.ReceivedAt.UnixNano())
	buf = appendCoded(buf, s.Method)
	buf = appendString(buf, s.Path)
	buf = binary.AppendVarint(buf, s.BodySize)
	flags := byte(0)
	if s.Truncated {
		flags |= summaryTruncated
	}
	if s.OriginalSize != s.BodySize {
		flags |= summaryOriginalSize
	}
	buf = append(buf, flags)
	if flags&summaryOriginalSize != 0 {
		buf = binary.AppendVarint(buf, s.OriginalSize)
	}
	buf = appendCoded(buf, s.ContentType)
	buf = binary.AppendUvarint(buf, uint64(s.Status))
	if s.Signature == SigNone && s.DuplicateOf == 0 {
		return buf
	}
	buf = append(buf, byte(s.Signature))
	if s.DuplicateOf == 0 {
		return buf
	}
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

// skipCoded passes over what appendCoded wrote without copying it.
func (r *summaryReader) skipCoded() {
	x := r.uvarint()
	if r.err != nil || x&1 == 1 {
		return
	}
	if x>>1 > uint64(len(r.buf)) {
		r.err = errShortSummary
		return
	}
	r.buf = r.buf[x>>1:]
}

// summaryVersion reads the version byte of a summary this build knows.
func (r *summaryReader) summaryVersion() byte {
	v := r.byte()
	if r.err == nil && v != summaryV1 && v != summaryCodecVersion {
		r.err = errors.New("summary record has an unknown format")
	}
	return v
}

// summaryTimeSize reads only a summary's arrival time and body size, what
// retention needs of every request, without allocating.
func summaryTimeSize(data []byte) (time.Time, int64, error) {
	r := summaryReader{buf: data}
	v := r.summaryVersion()
	ns := r.varint()
	if v == summaryV1 {
		r.skip() // method
	} else {
		r.skipCoded()
	}
	r.skip() // path
	size := r.varint()
	if r.err != nil {
		return time.Time{}, 0, r.err
	}
	return time.Unix(0, ns), size, nil
}

func decodeSummary(id uint64, data []byte) (Summary, error) {
	r := summaryReader{buf: data}
	v := r.summaryVersion()
	if r.err != nil {
		return Summary{}, r.err
	}
	s := Summary{ID: id}
	s.ReceivedAt = time.Unix(0, r.varint()).UTC()
	if v == summaryV1 {
		s.Method = r.string()
		s.Path = r.string()
		s.BodySize = r.varint()
		s.OriginalSize = r.varint()
		s.Truncated = r.byte()&summaryTruncated != 0
		s.ContentType = r.string()
	} else {
		s.Method = r.coded()
		s.Path = r.string()
		s.BodySize = r.varint()
		flags := r.byte()
		s.Truncated = flags&summaryTruncated != 0
		s.OriginalSize = s.BodySize
		if flags&summaryOriginalSize != 0 {
			s.OriginalSize = r.varint()
		}
		s.ContentType = r.coded()
	}
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

// requestDetailVersion starts the compact detail written since the
// capture benchmark (issue 16): the strings a webhook request repeats
// (protocol, common header names and values) are one-byte codes into
// commonStrings, the remote address is binary, and the Content-Type and
// Content-Length headers are left out when they only repeat the summary
// (its content type, its original size). Details of version 1
// (detailCodecVersion) and JSON ones still read (decodeDetail).
const requestDetailVersion = 2

// Flags of a version 2 detail.
const (
	detailTypeFromSummary   = 1 << iota // Content-Type: [summary's ContentType]
	detailLengthFromSummary             // Content-Length: [summary's OriginalSize]
	detailRemoteBinary                  // RemoteAddr as netip.AddrPort binary
)

// commonStrings are coded as their index. The list is part of the file
// format: entries may be added at the end, never changed, moved or
// removed. The first 64 take one byte.
var commonStrings = [...]string{
	"POST", "GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
	"HTTP/1.1", "HTTP/1.0", "HTTP/2.0",
	"application/json", "application/json; charset=utf-8",
	"application/x-www-form-urlencoded", "text/plain", "gzip", "gzip, deflate",
	"gzip, deflate, br", "*/*", "close", "keep-alive", "no-cache", "100-continue",
	"chunked", "Go-http-client/1.1",
	"Accept", "Accept-Encoding", "Content-Type", "Content-Length", "User-Agent",
	"Connection", "Authorization", "X-Forwarded-For", "X-Forwarded-Proto",
	"X-Forwarded-Host", "X-Real-Ip", "Traceparent", "Tracestate", "Cache-Control",
	"Accept-Language", "Cookie", "Origin", "Referer", "Expect", "Transfer-Encoding",
	"Content-Encoding", "X-Request-Id",
	"Stripe-Signature", "X-Github-Event", "X-Github-Delivery", "X-Github-Hook-Id",
	"X-Github-Hook-Installation-Target-Id", "X-Github-Hook-Installation-Target-Type",
	"X-Hub-Signature", "X-Hub-Signature-256", "Webhook-Id", "Webhook-Timestamp",
	"Webhook-Signature", "Svix-Id", "Svix-Timestamp", "Svix-Signature",
	"X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Shop-Domain",
	"X-Shopify-Webhook-Id", "X-Slack-Signature", "X-Slack-Request-Timestamp",
	"X-Gitlab-Event", "X-Gitlab-Token", "X-Twilio-Signature",
}

// commonCode is commonStrings inverted.
var commonCode = func() map[string]uint64 {
	m := make(map[string]uint64, len(commonStrings))
	for i, s := range commonStrings {
		m[s] = uint64(i)
	}
	return m
}()

// appendCoded writes s as uvarint(index<<1|1) when it is common, else as
// uvarint(len<<1) and its bytes.
func appendCoded(buf []byte, s string) []byte {
	if i, ok := commonCode[s]; ok {
		return binary.AppendUvarint(buf, i<<1|1)
	}
	buf = binary.AppendUvarint(buf, uint64(len(s))<<1)
	return append(buf, s...)
}

func (r *summaryReader) coded() string {
	x := r.uvarint()
	if r.err != nil {
		return ""
	}
	if x&1 == 1 {
		if x>>1 >= uint64(len(commonStrings)) {
			r.err = errors.New("a string code this Hookscope does not know")
			return ""
		}
		return commonStrings[x>>1]
	}
	n := x >> 1
	if n > uint64(len(r.buf)) {
		r.err = errShortSummary
		return ""
	}
	s := string(r.buf[:n])
	r.buf = r.buf[n:]
	return s
}

// appendRequestDetail appends rec's detail (query, protocol, host, remote
// address, headers) in version 2 form to buf. Header names are written
// sorted, each with its values in their order.
func appendRequestDetail(buf []byte, rec *Record) []byte {
	flags := byte(0)
	h := rec.Header
	if v := h["Content-Type"]; len(v) == 1 && v[0] == rec.ContentType {
		flags |= detailTypeFromSummary
	}
	if v := h["Content-Length"]; len(v) == 1 && v[0] == strconv.FormatInt(rec.OriginalSize, 10) {
		flags |= detailLengthFromSummary
	}
	remote, remoteOK := binaryAddrPort(rec.RemoteAddr)
	if remoteOK {
		flags |= detailRemoteBinary
	}
	buf = append(buf, requestDetailVersion, flags)
	buf = appendCoded(buf, rec.RawQuery)
	buf = appendCoded(buf, rec.Proto)
	buf = appendCoded(buf, rec.Host)
	if remoteOK {
		buf = appendString(buf, remote)
	} else {
		buf = appendCoded(buf, rec.RemoteAddr)
	}
	// Sorted without allocating for the usual dozen or so names.
	var small [32]string
	names := small[:0]
	for name := range h {
		if (name == "Content-Type" && flags&detailTypeFromSummary != 0) ||
			(name == "Content-Length" && flags&detailLengthFromSummary != 0) {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	buf = binary.AppendUvarint(buf, uint64(len(names)))
	for _, name := range names {
		buf = appendCoded(buf, name)
		values := h[name]
		buf = binary.AppendUvarint(buf, uint64(len(values)))
		for _, v := range values {
			buf = appendCoded(buf, v)
		}
	}
	return buf
}

// binaryAddrPort is addr as netip.AddrPort's binary form (4 or 16 address
// bytes and the port), when that reads back to exactly addr.
func binaryAddrPort(addr string) (string, bool) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || ap.String() != addr || ap.Addr().Zone() != "" {
		return "", false
	}
	b, err := ap.MarshalBinary()
	if err != nil {
		return "", false
	}
	return string(b), true
}

// decodeRequestDetail reads a detail of any version; sum is the request's
// summary, from which version 2 restores the headers it left out.
func decodeRequestDetail(raw []byte, sum *Summary) (detail, error) {
	if len(raw) == 0 || raw[0] != requestDetailVersion {
		return decodeDetail(raw)
	}
	var d detail
	cut := errors.New("request details are cut short")
	r := summaryReader{buf: raw[1:]}
	flags := r.byte()
	d.RawQuery, d.Proto, d.Host = r.coded(), r.coded(), r.coded()
	if flags&detailRemoteBinary != 0 {
		var ap netip.AddrPort
		if err := ap.UnmarshalBinary([]byte(r.string())); r.err == nil && err != nil {
			return d, fmt.Errorf("request details hold a damaged remote address: %w", err)
		}
		d.RemoteAddr = ap.String()
	} else {
		d.RemoteAddr = r.coded()
	}
	// Counts are bounded by the bytes left, so a damaged count cannot ask
	// for a huge allocation.
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.buf)) {
		return d, cut
	}
	extra := 0
	if flags&detailTypeFromSummary != 0 {
		extra++
	}
	if flags&detailLengthFromSummary != 0 {
		extra++
	}
	if n+uint64(extra) > 0 {
		d.Header = make(map[string][]string, n+uint64(extra))
	}
	for range n {
		name := r.coded()
		count := r.uvarint()
		if r.err != nil || count > uint64(len(r.buf)) {
			return d, cut
		}
		values := make([]string, 0, count)
		for range count {
			values = append(values, r.coded())
		}
		d.Header[name] = values
	}
	if r.err != nil {
		return d, cut
	}
	if flags&detailTypeFromSummary != 0 {
		d.Header["Content-Type"] = []string{sum.ContentType}
	}
	if flags&detailLengthFromSummary != 0 {
		d.Header["Content-Length"] = []string{strconv.FormatInt(sum.OriginalSize, 10)}
	}
	return d, nil
}
