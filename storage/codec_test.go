package storage

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// webhookRecord is a request as a Go sender posts a 650-byte JSON event.
func webhookRecord(body []byte) *Record {
	return &Record{
		Summary: Summary{
			ReceivedAt: time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC),
			Method:     "POST", Path: "/hooks/bench", BodySize: int64(len(body)), OriginalSize: int64(len(body)),
			ContentType: "application/json", Status: 200,
		},
		Proto: "HTTP/1.1", Host: "127.0.0.1:8080", RemoteAddr: "127.0.0.1:50412",
		Header: http.Header{
			"User-Agent":      {"Go-http-client/1.1"},
			"Content-Length":  {fmt.Sprint(len(body))},
			"Content-Type":    {"application/json"},
			"Accept-Encoding": {"gzip"},
		},
		Body: body,
	}
}

// TestRequestDetailRoundTrip: every part of a request's detail comes back
// exactly, whether or not the compact form could code it (common strings,
// headers that repeat the summary, binary remote addresses).
func TestRequestDetailRoundTrip(t *testing.T) {
	base := webhookRecord([]byte(`{"a":1}`))
	cases := map[string]func(r *Record){
		"typical":                func(r *Record) {},
		"no headers":             func(r *Record) { r.Header = nil },
		"only content type":      func(r *Record) { r.Header = http.Header{"Content-Type": {"application/json"}} },
		"content type differs":   func(r *Record) { r.Header["Content-Type"] = []string{"text/plain"} },
		"content type twice":     func(r *Record) { r.Header["Content-Type"] = []string{"application/json", "application/json"} },
		"empty content type":     func(r *Record) { r.ContentType = ""; r.Header["Content-Type"] = []string{""} },
		"content length differs": func(r *Record) { r.Header["Content-Length"] = []string{"007"} },
		"truncated body": func(r *Record) {
			r.OriginalSize = 1 << 30
			r.Truncated = true
			r.Header["Content-Length"] = []string{"1073741824"}
		},
		"chunked, no length": func(r *Record) {
			delete(r.Header, "Content-Length")
			r.Header["Transfer-Encoding"] = []string{"chunked"}
		},
		"ipv6 remote":               func(r *Record) { r.RemoteAddr = "[::1]:443" },
		"ipv4-mapped remote":        func(r *Record) { r.RemoteAddr = "[::ffff:10.0.0.1]:80" },
		"zoned remote":              func(r *Record) { r.RemoteAddr = "[fe80::1%eth0]:80" },
		"remote not an address":     func(r *Record) { r.RemoteAddr = "@" },
		"empty remote":              func(r *Record) { r.RemoteAddr = "" },
		"odd remote spelling":       func(r *Record) { r.RemoteAddr = "127.000.0.1:80" },
		"uncommon proto":            func(r *Record) { r.Proto = "HTTP/3" },
		"query and host":            func(r *Record) { r.RawQuery = "a=1&b=%FF&c=\xff"; r.Host = "h\xc3\x28st:1" },
		"query that is common text": func(r *Record) { r.RawQuery = "gzip"; r.Host = "HTTP/1.1" },
		"uncommon names and values": func(r *Record) {
			r.Header["X-Bin"] = []string{"\xff\xfe\x80", "", "second \xc0\xaf"}
			r.Header["X-Long"] = []string{strings.Repeat("v", 300)}
		},
		"many headers": func(r *Record) {
			for i := range 40 {
				r.Header[fmt.Sprintf("X-H%02d", i)] = []string{fmt.Sprint(i)}
			}
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			rec := *base
			rec.Header = base.Header.Clone()
			change(&rec)
			raw := appendRequestDetail(nil, &rec)
			d, err := decodeRequestDetail(raw, &rec.Summary)
			if err != nil {
				t.Fatal(err)
			}
			want := detail{RawQuery: rec.RawQuery, Proto: rec.Proto, Host: rec.Host, RemoteAddr: rec.RemoteAddr, Header: rec.Header}
			if len(want.Header) == 0 {
				want.Header = nil
			}
			if !reflect.DeepEqual(d, want) {
				t.Fatalf("got  %q\nwant %q", d, want)
			}
		})
	}
}

// TestOldDetailsReadTheSame: a record whose detail was written in version
// 1 (before the compact form) reads back exactly as written, next to
// records of version 2 in the same file.
func TestOldDetailsReadTheSame(t *testing.T) {
	st, path := openTemp(t)
	old := webhookRecord([]byte(`{"old":true}`))
	old.RawQuery = "x=\xff"
	old.Header["X-Bin"] = []string{"\xff", ""}
	oldID, err := st.Append(context.Background(), old)
	if err != nil {
		t.Fatal(err)
	}
	newID, err := st.Append(context.Background(), webhookRecord([]byte(`{"new":true}`)))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Version 1 as the previous release wrote it (encodeDetail), and as a
	// fixed byte string, so a change to that encoder cannot hide a change
	// in what old files hold.
	v1, _ := encodeDetail(old)
	if v1[0] != detailCodecVersion {
		t.Fatalf("version 1 detail starts with %d", v1[0])
	}
	fixed := []byte("\x01\x03x=\xff\x08HTTP/1.1\x0e127.0.0.1:8080\x0f127.0.0.1:50412\x05" +
		"\x0fAccept-Encoding\x01\x04gzip" +
		"\x0eContent-Length\x01\x0212" +
		"\x0cContent-Type\x01\x10application/json" +
		"\x0aUser-Agent\x01\x12Go-http-client/1.1" +
		"\x05X-Bin\x02\x01\xff\x00")
	if string(v1) != string(fixed) {
		t.Fatalf("encodeDetail no longer writes version 1 as released:\n%q\n%q", v1, fixed)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketDetails).Put(idKey(oldID), fixed) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	got, err := st2.Get(oldID)
	if err != nil {
		t.Fatal(err)
	}
	want := *old
	want.ID = oldID
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("old record reads as\n%+v\nwant\n%+v", got, &want)
	}
	if got, err := st2.Get(newID); err != nil || got.Header.Get("Content-Length") != "12" || got.ContentType != "application/json" {
		t.Fatalf("new record: %+v, %v", got, err)
	}
}

// encodeSummaryV1 is the first release's summary encoder, kept to write
// the records older files hold.
func encodeSummaryV1(s *Summary) []byte {
	buf := []byte{summaryV1}
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

// TestSummaryVersions: summaries of version 1 (as the first release wrote
// them, with or without the later fields) and of version 2 read the same,
// in full and as retention's time and size.
func TestSummaryVersions(t *testing.T) {
	base := webhookRecord(make([]byte, 650)).Summary
	base.ReceivedAt = base.ReceivedAt.In(time.UTC)
	v1 := encodeSummaryV1(&base)
	// The bytes the first release wrote for this summary.
	fixed := "\x01\xaa\xb4\xa0\x9c\xc1\xda\xa0\xeb1\x04POST\x0c/hooks/bench\x94\n\x94\n\x00\x10application/json\xc8\x01\x00\x00"
	if string(v1) != fixed {
		t.Fatalf("encodeSummaryV1 no longer writes version 1 as released: %q", v1)
	}
	cases := map[string]func(s *Summary){
		"plain":           func(s *Summary) {},
		"truncated":       func(s *Summary) { s.Truncated, s.OriginalSize = true, 1<<40 },
		"bigger original": func(s *Summary) { s.OriginalSize = 651 },
		"signature":       func(s *Summary) { s.Signature = SigStale },
		"duplicate":       func(s *Summary) { s.DuplicateOf = 1 << 40 },
		"both":            func(s *Summary) { s.Signature, s.DuplicateOf = SigValid, 3 },
		"uncommon":        func(s *Summary) { s.Method, s.ContentType, s.Status = "PROPFIND", "text/\xff", 0 },
		"empty":           func(s *Summary) { *s = Summary{ReceivedAt: time.Unix(0, 0).UTC()} },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			s := base
			change(&s)
			s.ID = 9
			v1 := encodeSummaryV1(&s)
			encodings := map[string][]byte{
				"v1":       v1,
				"v1 short": v1[:len(v1)-2], // before the signature and duplicate fields existed
				"v2":       encodeSummary(&s),
			}
			if s.Signature != SigNone || s.DuplicateOf != 0 {
				delete(encodings, "v1 short")
			}
			for form, raw := range encodings {
				got, err := decodeSummary(9, raw)
				if err != nil || !reflect.DeepEqual(got, s) {
					t.Fatalf("%s %x:\n got %+v, %v\nwant %+v", form, raw, got, err, s)
				}
				at, size, err := summaryTimeSize(raw)
				if err != nil || !at.Equal(s.ReceivedAt) || size != s.BodySize {
					t.Fatalf("%s: time and size %v %d %v", form, at, size, err)
				}
			}
		})
	}
	if _, err := decodeSummary(1, []byte{3, 0}); err == nil {
		t.Fatal("an unknown summary version read")
	}
}

// TestBytesOnDiskPerRequest: a 650-byte JSON event from a typical sender,
// stored by 32 concurrent senders as the listener does, costs at most
// 1.3× its body in the file's pages.
func TestBytesOnDiskPerRequest(t *testing.T) {
	st, _ := openTemp(t)
	body := []byte(`{"id":"evt_1","type":"invoice.paid","note":"` + strings.Repeat("x", 650-46) + `"}`)
	if len(body) != 650 {
		t.Fatalf("body is %d bytes", len(body))
	}
	before, err := st.UsedBytes()
	if err != nil {
		t.Fatal(err)
	}
	const senders, each = 32, 200
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for range each {
				if _, err := st.Append(context.Background(), webhookRecord(body)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	after, err := st.UsedBytes()
	if err != nil {
		t.Fatal(err)
	}
	per := float64(after-before) / (senders * each)
	t.Logf("%.0f bytes per request (%.2f× the body)", per, per/650)
	if per > 1.3*650 {
		t.Fatalf("%.0f bytes on disk per 650-byte request, over 1.3×", per)
	}
}

// FuzzDecodeRequestDetail: damaged details of any version are an error,
// never a panic or a huge allocation; what decodes encodes back to the
// same.
func FuzzDecodeRequestDetail(f *testing.F) {
	rec := webhookRecord([]byte("{}"))
	f.Add(appendRequestDetail(nil, rec))
	f.Add([]byte{requestDetailVersion, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{requestDetailVersion, detailRemoteBinary, 0, 0, 0, 3, 1, 2, 3, 0})
	f.Add([]byte{requestDetailVersion, 0, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := decodeRequestDetail(raw, &rec.Summary)
		if err != nil {
			return
		}
		again := *rec
		again.RawQuery, again.Proto, again.Host, again.RemoteAddr, again.Header = d.RawQuery, d.Proto, d.Host, d.RemoteAddr, d.Header
		d2, err := decodeRequestDetail(appendRequestDetail(nil, &again), &rec.Summary)
		if err != nil || d2.RawQuery != d.RawQuery || d2.Host != d.Host || d2.RemoteAddr != d.RemoteAddr || !reflect.DeepEqual(d2.Header, d.Header) {
			t.Fatalf("round trip: %q -> %q %v", d, d2, err)
		}
	})
}
