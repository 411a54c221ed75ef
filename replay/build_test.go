package replay

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"dev.hookscope/sender"
)

func send(t *testing.T, req *http.Request) *sender.Response {
	t.Helper()
	resp, err := sender.Send(context.Background(), req, sender.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func wireHeaders() http.Header {
	return http.Header{
		"X-Repeat":            {"one", "two", "three"},
		"Content-Type":        {"application/octet-stream"},
		"User-Agent":          {"Stripe/1.0 (+https://stripe.com/docs/webhooks)"},
		"Connection":          {"keep-alive, X-Hop-Named"},
		"X-Hop-Named":         {"dropped"},
		"Keep-Alive":          {"timeout=5"},
		"Transfer-Encoding":   {"chunked"},
		"Content-Length":      {"99999"},
		"Host":                {"old.example"},
		"Te":                  {"trailers"},
		"Trailer":             {"X-Sum"},
		"Upgrade":             {"h2c"},
		"Proxy-Authorization": {"Basic eDp5"},
		"Proxy-Connection":    {"keep-alive"},
	}
}

func TestBuildReplaysByteForByte(t *testing.T) {
	srv := newRecorder(t, nil)
	body := binaryBody()
	rec := capture("PURGE", "/hooks/a%2Fb/%7Euser", "x=1&x=2&y=%20z&empty=", wireHeaders(), body)
	req, err := Build(rec, srv.URL, Edit{})
	if err != nil {
		t.Fatal(err)
	}
	send(t, req)
	got := srv.last(t)
	if got.Method != "PURGE" || got.URI != "/hooks/a%2Fb/%7Euser?x=1&x=2&y=%20z&empty=" {
		t.Fatalf("request line %s %s", got.Method, got.URI)
	}
	if !bytes.Equal(got.Body, body) || got.ContentLength != int64(len(body)) || len(got.TransferEncoding) != 0 {
		t.Fatalf("body: %d bytes, Content-Length %d, TE %v", len(got.Body), got.ContentLength, got.TransferEncoding)
	}
	if got.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %q", got.Header.Get("Content-Length"))
	}
	if strings.Join(got.Header.Values("X-Repeat"), "|") != "one|two|three" {
		t.Errorf("repeated values %q", got.Header.Values("X-Repeat"))
	}
	if got.Header.Get("User-Agent") != "Stripe/1.0 (+https://stripe.com/docs/webhooks)" || got.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("end-to-end headers changed: %v", got.Header)
	}
	if got.Host != strings.TrimPrefix(srv.URL, "http://") {
		t.Errorf("Host %q", got.Host)
	}
	for _, name := range []string{"X-Hop-Named", "Keep-Alive", "Te", "Trailer", "Upgrade", "Proxy-Authorization", "Proxy-Connection"} {
		if v, ok := got.Header[name]; ok {
			t.Errorf("hop-by-hop %s forwarded: %q", name, v)
		}
	}
	// The record itself is untouched: a replay never edits the capture.
	if len(rec.Header["Keep-Alive"]) != 1 || !bytes.Equal(rec.Body, binaryBody()) {
		t.Error("Build changed the captured record")
	}
}

func TestBuildTargetPathRule(t *testing.T) {
	srv := newRecorder(t, nil)
	rec := capture("POST", "/hooks/stripe", "a=1", http.Header{}, []byte("{}"))
	for _, c := range []struct{ target, uri string }{
		{srv.URL, "/hooks/stripe?a=1"},
		{srv.URL + "/", "/"},
		{srv.URL + "/local/path", "/local/path"},
		{srv.URL + "/local?b=2&b=3", "/local?b=2&b=3"},
		{srv.URL + "?own=1", "/hooks/stripe?own=1"},
	} {
		req, err := Build(rec, c.target, Edit{})
		if err != nil {
			t.Fatal(err)
		}
		send(t, req)
		if got := srv.last(t).URI; got != c.uri {
			t.Errorf("--to %s: got %s, want %s", c.target, got, c.uri)
		}
	}
	// Edit.URL wins over the target, under the same rule.
	req, _ := Build(rec, "http://unused.invalid", Edit{URL: srv.URL})
	send(t, req)
	if got := srv.last(t).URI; got != "/hooks/stripe?a=1" {
		t.Errorf("Edit.URL: %s", got)
	}
}

func TestBuildEmptyBodyGet(t *testing.T) {
	srv := newRecorder(t, nil)
	req, err := Build(capture("GET", "/ping", "", http.Header{"Accept": {"*/*"}}, nil), srv.URL, Edit{})
	if err != nil {
		t.Fatal(err)
	}
	send(t, req)
	got := srv.last(t)
	if got.Method != "GET" || len(got.Body) != 0 || got.Header.Get("Content-Length") != "" || len(got.TransferEncoding) != 0 {
		t.Fatalf("%+v", got)
	}
	if _, ok := got.Header["User-Agent"]; ok {
		t.Errorf("a User-Agent appeared that was not captured: %q", got.Header.Get("User-Agent"))
	}
}

func TestBuildEdits(t *testing.T) {
	srv := newRecorder(t, nil)
	rec := capture("POST", "/h", "", wireHeaders(), []byte("original"))
	var edits []HeaderEdit
	for _, s := range []string{"x-repeat: edited", "Content-Type:", "X-New: a", "X-New: b", "User-Agent:"} {
		e, err := ParseHeaderEdit(s)
		if err != nil {
			t.Fatal(err)
		}
		edits = append(edits, e)
	}
	req, err := Build(rec, srv.URL, Edit{Method: "PUT", Headers: edits, Body: []byte{0, 1, 2}, ReplaceBody: true})
	if err != nil {
		t.Fatal(err)
	}
	send(t, req)
	got := srv.last(t)
	if got.Method != "PUT" || !bytes.Equal(got.Body, []byte{0, 1, 2}) || got.ContentLength != 3 {
		t.Fatalf("method %s body %q", got.Method, got.Body)
	}
	if v := got.Header.Values("X-Repeat"); len(v) != 1 || v[0] != "edited" {
		t.Errorf("edited header must win over every captured value: %q", v)
	}
	if _, ok := got.Header["Content-Type"]; ok {
		t.Errorf("\"Content-Type:\" must remove it: %q", got.Header.Get("Content-Type"))
	}
	if _, ok := got.Header["User-Agent"]; ok {
		t.Errorf("removed User-Agent still sent: %q", got.Header.Get("User-Agent"))
	}
	if strings.Join(got.Header.Values("X-New"), ",") != "a,b" {
		t.Errorf("X-New %q", got.Header.Values("X-New"))
	}
	// An edited Host reaches the target as its Host.
	host, _ := ParseHeaderEdit("Host: tenant.example")
	req, _ = Build(rec, srv.URL, Edit{Headers: []HeaderEdit{host}})
	send(t, req)
	if got := srv.last(t); got.Host != "tenant.example" || got.URI != "/h" {
		t.Errorf("Host edit: %q %s", got.Host, got.URI)
	}
	// An empty replacement body is sent as empty, on purpose.
	req, _ = Build(rec, srv.URL, Edit{ReplaceBody: true})
	send(t, req)
	if got := srv.last(t); len(got.Body) != 0 || got.Header.Get("Content-Length") != "0" {
		t.Errorf("empty override: %q, Content-Length %q", got.Body, got.Header.Get("Content-Length"))
	}
}

func TestParseHeaderEdit(t *testing.T) {
	for in, want := range map[string]HeaderEdit{
		"X-Token: abc":         {Name: "X-Token", Value: "abc"},
		"x-token:abc":          {Name: "X-Token", Value: "abc"},
		"X-Token:":             {Name: "X-Token", Remove: true},
		"X-Token:   ":          {Name: "X-Token", Remove: true},
		"Authorization: a:b:c": {Name: "Authorization", Value: "a:b:c"},
	} {
		got, err := ParseHeaderEdit(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v", in, got, err)
		}
	}
	for _, bad := range []string{"nocolon", ": value", "Bad Name: v", "X-A: one\r\nX-B: two", "X(: v"} {
		if _, err := ParseHeaderEdit(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBuildRejectsBadTargets(t *testing.T) {
	rec := capture("POST", "/h", "", nil, nil)
	for _, target := range []string{"", "ftp://host/x", "localhost:3000", "http://", "://nope", "/just/a/path"} {
		if _, err := Build(rec, target, Edit{}); err == nil {
			t.Errorf("target %q accepted", target)
		}
	}
	if _, err := Build(rec, "http://h", Edit{Method: "BAD METHOD"}); err == nil {
		t.Error("a method with a space accepted")
	}
}
