package exchange

import (
	"bytes"
	"net/http"
	"reflect"
	"testing"
	"time"

	"dev.hookscope/storage"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.UTC)

// samples covers what exports must keep: repeated headers and query keys,
// a binary body, a cut body, a chunked body, an empty POST and a GET.
func samples() []*storage.Record {
	return []*storage.Record{
		{
			Summary:  storage.Summary{ID: 1, ReceivedAt: t0, Method: "POST", Path: "/hooks/a%2Fb", Status: 200},
			RawQuery: "x=1&x=2&y=a%20b&flag", Proto: "HTTP/1.1", Host: "localhost:8080", RemoteAddr: "127.0.0.1:5000",
			Header: http.Header{
				"Content-Type":   {"application/json"},
				"Content-Length": {"26"},
				"X-Dup":          {"2", "1", "3"},
				"X-Empty":        {""},
				"X-Quote":        {`it's "quoted" & <tagged>`},
				"Accept":         {"*/*"},
				"User-Agent":     {"Stripe/1.0"},
			},
			Body: []byte(`{"a":"it's","b":[1,2,3]}` + "\n\t"),
		},
		{
			Summary: storage.Summary{ID: 2, ReceivedAt: t0.Add(time.Second), Method: "PUT", Path: "/bin", Status: 200},
			Proto:   "HTTP/1.1", Host: "example.test", RemoteAddr: "[::1]:6000",
			Header: http.Header{"Content-Type": {"application/octet-stream"}, "Content-Length": {"7"}, "Accept": {"*/*"}, "User-Agent": {"x"}},
			Body:   []byte{0xff, 0x00, 0xfe, '\n', '\'', 0x80, 'z'},
		},
		{
			Summary: storage.Summary{ID: 3, ReceivedAt: t0.Add(2 * time.Second), Method: "POST", Path: "/big", Truncated: true, OriginalSize: 100, Status: 200},
			Proto:   "HTTP/1.1", Host: "h", RemoteAddr: "10.0.0.1:1",
			Header: http.Header{"Content-Type": {"text/plain"}, "Content-Length": {"100"}, "Accept": {"*/*"}, "User-Agent": {"x"}},
			Body:   []byte("only the first bytes"),
		},
		{
			Summary: storage.Summary{ID: 4, ReceivedAt: t0.Add(3 * time.Second), Method: "POST", Path: "/chunked", Status: 200},
			Proto:   "HTTP/1.1", Host: "h", RemoteAddr: "10.0.0.1:2",
			Header: http.Header{"Content-Type": {"text/plain"}, "Transfer-Encoding": {"chunked"}, "Accept": {"*/*"}, "User-Agent": {"x"}},
			Body:   []byte("line one\r\n### hookscope request 99 body=3\n0\r\n\r\n"),
		},
		{
			Summary: storage.Summary{ID: 5, ReceivedAt: t0.Add(4 * time.Second), Method: "DELETE", Path: "/empty", Status: 200},
			Proto:   "HTTP/1.1", Host: "h", RemoteAddr: "10.0.0.1:3",
			Header: http.Header{"Content-Length": {"0"}, "Accept": {"*/*"}, "User-Agent": {"x"}},
		},
		{
			Summary:  storage.Summary{ID: 6, ReceivedAt: t0.Add(5 * time.Second), Method: "GET", Path: "/q/[x]/{y}", Status: 200},
			RawQuery: "a=%26&b=%3D", Proto: "HTTP/1.1", Host: "h", RemoteAddr: "10.0.0.1:4",
			Header: http.Header{"Accept": {"*/*"}, "User-Agent": {"x"}, "Cookie": {"a=1; b=2"}},
		},
		secretSample(),
	}
}

// secretSample carries credentials (every value holding "LEAK") next to
// signatures (every value holding "SIGKEEP"), in headers and in the query.
func secretSample() *storage.Record {
	return &storage.Record{
		Summary:  storage.Summary{ID: 7, ReceivedAt: t0.Add(6 * time.Second), Method: "POST", Path: "/hooks/secret", Status: 200},
		RawQuery: "token=LEAK1&page=2&api_key=LEAK%202&sig=SIGKEEP0&access_token=LEAK3&key=LEAK4&keyword=open&empty_token=",
		Proto:    "HTTP/1.1", Host: "h", RemoteAddr: "10.0.0.1:7",
		Header: http.Header{
			"Content-Type":        {"application/json"},
			"Content-Length":      {"2"},
			"Authorization":       {"Bearer LEAK-bearer"},
			"X-Api-Key":           {"LEAK-apikey"},
			"X-Gitlab-Token":      {"LEAK-gitlab"},
			"X-Webhook-Secret":    {"LEAK-custom"},
			"Set-Cookie":          {"s=LEAK-cookie1", "t=LEAK-cookie2"},
			"X-Hookscope-Token":   {"LEAK-hookscope"},
			"Stripe-Signature":    {"t=1,v1=SIGKEEP1"},
			"X-Hub-Signature-256": {"sha256=SIGKEEP2"},
			"Webhook-Signature":   {"v1,SIGKEEP3"},
			"X-Slack-Signature":   {"v0=SIGKEEP4"},
			"X-Token-Signature":   {"SIGKEEP5"},
			"Accept":              {"*/*"},
			"User-Agent":          {"x"},
		},
		Body: []byte("{}"),
	}
}

// withSecrets is the export option the lossless round trips use.
var withSecrets = Options{IncludeSecrets: true, CreatorVersion: "test"}

// withSizes fills the summary sizes the way capture does.
func withSizes(recs []*storage.Record) []*storage.Record {
	for _, r := range recs {
		r.BodySize = int64(len(r.Body))
		if r.OriginalSize < r.BodySize {
			r.OriginalSize = r.BodySize
		}
		r.ContentType = r.Header.Get("Content-Type")
	}
	return recs
}

// sameRequest compares what every round trip must keep; skip names
// headers that a format legitimately drops.
func sameRequest(t *testing.T, want, got *storage.Record, skip ...string) {
	t.Helper()
	if got.Method != want.Method || got.Path != want.Path || got.RawQuery != want.RawQuery || got.Host != want.Host {
		t.Errorf("request line: got %s %s ? %s host %s, want %s %s ? %s host %s",
			got.Method, got.Path, got.RawQuery, got.Host, want.Method, want.Path, want.RawQuery, want.Host)
	}
	wh, gh := want.Header.Clone(), got.Header.Clone()
	for _, name := range skip {
		delete(wh, name)
		delete(gh, name)
	}
	if !reflect.DeepEqual(wh, gh) {
		t.Errorf("headers:\n got %v\nwant %v", gh, wh)
	}
	if !bytes.Equal(got.Body, want.Body) {
		t.Errorf("body: got %q, want %q", got.Body, want.Body)
	}
	if got.BodySize != int64(len(got.Body)) || got.ContentType != got.Header.Get("Content-Type") {
		t.Errorf("summary sizes or content type not derived: %+v", got.Summary)
	}
}

// sameRecord adds what HAR and raw keep beyond the request itself.
func sameRecord(t *testing.T, want, got *storage.Record) {
	t.Helper()
	sameRequest(t, want, got)
	if got.Proto != want.Proto || got.RemoteAddr != want.RemoteAddr || !got.ReceivedAt.Equal(want.ReceivedAt) {
		t.Errorf("proto/remote/time: got %s %s %v, want %s %s %v", got.Proto, got.RemoteAddr, got.ReceivedAt, want.Proto, want.RemoteAddr, want.ReceivedAt)
	}
	if got.Truncated != want.Truncated || got.OriginalSize != want.OriginalSize {
		t.Errorf("truncation: got %v/%d, want %v/%d", got.Truncated, got.OriginalSize, want.Truncated, want.OriginalSize)
	}
}

func mustImport(t *testing.T, o ImportOptions, data []byte, want Format) *ImportResult {
	t.Helper()
	res, err := o.Import(data)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, data)
	}
	if res.Format != want {
		t.Fatalf("detected %q, want %q", res.Format, want)
	}
	return res
}
