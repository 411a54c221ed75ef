package exchange

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRawRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteWith(&buf, FormatRaw, withSizes(samples()), withSecrets); err != nil {
		t.Fatal(err)
	}
	res := mustImport(t, ImportOptions{}, buf.Bytes(), FormatRaw)
	want := withSizes(samples())
	if len(res.Records) != len(want) {
		t.Fatalf("%d records from\n%s", len(res.Records), buf.Bytes())
	}
	for i, got := range res.Records {
		sameRecord(t, want[i], got)
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}
}

func TestRawChunkedIsOnTheWireForm(t *testing.T) {
	var buf bytes.Buffer
	rec := withSizes(samples())[3]
	if err := WriteRaw(&buf, withSizes(samples())[3:4]); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("\r\n\r\n%x\r\n%s\r\n0\r\n\r\n\n", len(rec.Body), rec.Body)
	if !strings.HasSuffix(buf.String(), want) {
		t.Fatalf("chunked body not chunked:\n%q", buf.String())
	}
}

func TestRawHandWritten(t *testing.T) {
	now := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	o := ImportOptions{Now: func() time.Time { return now }}
	cases := []struct {
		name, src string
		want      []string // method path?query host body, one per request
		warnings  int
	}{
		{"single without marker, LF, trailing newline", "POST /a?b=1 HTTP/1.1\nHost: x\nContent-Type: text/plain\n\nhello\n",
			[]string{"POST /a?b=1 x hello"}, 0},
		{"no version, absolute URL", "GET http://h.example:81/p?q\n\n", []string{"GET /p?q h.example:81 "}, 0},
		{"content-length and pipelined", "POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\nHost: y\r\n\r\n",
			[]string{"POST /1 x abc", "GET /2 y "}, 0},
		{"content-length wrong", "POST /1 HTTP/1.1\nHost: x\nContent-Length: 99\n\nabc\n", []string{"POST /1 x abc"}, 1},
		{"chunked with LF and extension", "POST /c HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n3;ext=1\nabc\n2\nde\n0\nX-Trailer: 1\n\n",
			[]string{"POST /c x abcde"}, 0},
		{"folded header", "GET / HTTP/1.1\nHost: x\nX-Long: a\n  b\n\n", []string{"GET / x "}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := o.Import([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res.Records {
				target := r.Path
				if r.RawQuery != "" {
					target += "?" + r.RawQuery
				}
				got = append(got, r.Method+" "+target+" "+r.Host+" "+string(r.Body))
				if !r.ReceivedAt.Equal(now) || r.RemoteAddr != RemoteImported || r.Proto == "" {
					t.Errorf("defaults: %v %q %q", r.ReceivedAt, r.RemoteAddr, r.Proto)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if len(res.Warnings) != tc.warnings {
				t.Errorf("warnings %v", res.Warnings)
			}
		})
	}
}

func TestRawSeparatedRequests(t *testing.T) {
	src := "GET /1 HTTP/1.1\nHost: a\n\n###\n\nPOST /2 HTTP/1.1\nHost: b\n\nbody\n\n### next\nGET /3\n"
	res := mustImport(t, ImportOptions{}, []byte(src), FormatRaw)
	if len(res.Records) != 3 || string(res.Records[1].Body) != "body" || res.Records[2].Path != "/3" {
		t.Fatalf("records %+v", res.Records)
	}
	if got := res.Records[0].Header; len(got) != 0 {
		t.Errorf("headers %v", got)
	}
}

func TestRawFoldedHeader(t *testing.T) {
	res := mustImport(t, ImportOptions{}, []byte("GET / HTTP/1.1\nhost: x\nx-long: a\n  b\n\n"), FormatRaw)
	if got := res.Records[0].Header.Get("X-Long"); got != "a b" || res.Records[0].Host != "x" {
		t.Errorf("folded %q host %q", got, res.Records[0].Host)
	}
}

func TestRawErrorSaysWhere(t *testing.T) {
	_, err := Import([]byte("GET /1 HTTP/1.1\nHost: a\n\n###\nGET /2 HTTP/1.1\nno colon here\n\n"))
	if err == nil || !strings.Contains(err.Error(), "line 5") {
		t.Fatalf("error %v; want one naming line 5", err)
	}
}

func TestRawErrors(t *testing.T) {
	for _, src := range []string{
		"GET / HTTP/1.1\nbad header\n\n",
		"### hookscope request 1 body=50\nPOST / HTTP/1.1\n\nshort",
		"POST / HTTP/1.1\nTransfer-Encoding: chunked\n\nzz\nabc\n0\n\n",
		"POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n5\nab\n",
		"###\n",
	} {
		if _, err := Import([]byte(src)); err == nil {
			t.Errorf("no error for %q", src)
		}
	}
}
