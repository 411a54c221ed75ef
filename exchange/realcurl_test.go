package exchange

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"dev.hookscope/storage"
)

// TestCurlExportWithRealCurl runs the exported commands through sh and the
// real curl against a local server: what arrives must be the captured
// request (curl computes Content-Length itself, so a cut or chunked body's
// differs).
func TestCurlExportWithRealCurl(t *testing.T) {
	for _, tool := range []string{"sh", "curl", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	var mu sync.Mutex
	var got []*storage.Record
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		path, query, _ := strings.Cut(r.RequestURI, "?")
		mu.Lock()
		got = append(got, &storage.Record{Summary: storage.Summary{Method: r.Method, Path: path, BodySize: int64(len(body)), ContentType: r.Header.Get("Content-Type")},
			RawQuery: query, Host: r.Host, Header: r.Header, Body: body})
		mu.Unlock()
	}))
	defer srv.Close()

	want := withSizes(append(samples(), bigRecord()))
	for _, r := range want {
		r.Host = strings.TrimPrefix(srv.URL, "http://")
	}
	var script bytes.Buffer
	if err := WriteWith(&script, FormatCurl, want, withSecrets); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The script goes in on stdin: as an argument (sh -c) the big body
	// would pass Linux's 128 KiB limit for one argument.
	cmd := exec.CommandContext(ctx, "sh")
	cmd.Stdin = &script
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sh: %v\n%.2000s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("%d requests arrived, want %d", len(got), len(want))
	}
	for i := range want {
		skip := []string{}
		if want[i].Truncated || want[i].Header.Get("Transfer-Encoding") != "" {
			skip = curlSkipped
		}
		sameRequest(t, want[i], got[i], skip...)
	}
}

// bigRecord has a text body past the size that may go in an argument and
// past the size at which curl would add Expect: 100-continue.
func bigRecord() *storage.Record {
	body := bytes.Repeat([]byte("0123456789abcdef\n"), 8000)
	return &storage.Record{
		Summary: storage.Summary{Method: "POST", Path: "/big-text", ReceivedAt: t0},
		Proto:   "HTTP/1.1", RemoteAddr: "10.0.0.1:9",
		Header: http.Header{"Content-Type": {"text/plain"}, "Content-Length": {itoa(len(body))}, "Accept": {"*/*"}, "User-Agent": {"x"}},
		Body:   body,
	}
}
