package diff

import (
	"net/http"
	"slices"
	"testing"

	"dev.hookscope/app"
	"dev.hookscope/storage"
	"dev.hookscope/textutil"
)

func rec(method, path, query string, header http.Header, body string) *storage.Record {
	r := &storage.Record{RawQuery: query, Host: "localhost:8080", Header: header, Body: []byte(body)}
	r.Method, r.Path, r.ContentType = method, path, header.Get("Content-Type")
	return r
}

func TestHeaders(t *testing.T) {
	a := rec("POST", "/", "", http.Header{
		"Content-Type":     {"application/json"},
		"Stripe-Signature": {"t=1,v1=aa"},
		"X-Old":            {"1"},
		"Accept":           {"a", "b"},
		"x-lower":          {"v"}, // as a HAR import might store it
	}, "")
	b := rec("POST", "/", "", http.Header{
		"Content-Type":     {"application/json; charset=utf-8"},
		"Stripe-Signature": {"t=2,v1=bb"},
		"X-New":            {"2"},
		"Accept":           {"a", "b"},
		"X-Lower":          {"v"},
	}, "")
	b.Host = "127.0.0.1:9000"
	want := []Field{
		{Name: "Accept", A: "a, b", B: "a, b"},
		{Name: "Content-Type", A: "application/json", B: "application/json; charset=utf-8", Kind: Changed},
		{Name: "Host", A: "localhost:8080", B: "127.0.0.1:9000", Kind: Changed},
		{Name: "Stripe-Signature", A: "t=1,v1=aa", B: "t=2,v1=bb", Kind: Changed, Volatile: true},
		{Name: "X-Lower", A: "v", B: "v"},
		{Name: "X-New", B: "2", Kind: Added},
		{Name: "X-Old", A: "1", Kind: Removed},
	}
	if got := Headers(a, b); !slices.Equal(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestIsVolatile(t *testing.T) {
	for name, want := range map[string]bool{
		"Date": true, "Content-Length": true, "X-Request-Id": true, "X-Hub-Signature-256": true,
		"X-Slack-Request-Timestamp": true, "Svix-Id": true, "Paypal-Transmission-Sig": true,
		"X-Github-Delivery": true, "Traceparent": true, "X-Gitlab-Event-Uuid": true,
		"Content-Type": false, "User-Agent": false, "X-Github-Event": false, "Authorization": false,
	} {
		if IsVolatile(name) != want {
			t.Errorf("%s: %v", name, !want)
		}
	}
}

func TestPairs(t *testing.T) {
	got := Pairs(app.QueryPairs("a=1&x=1&x=2&b=2&x=3"), app.QueryPairs("x=1&a=1&x=9&c=3"))
	want := []Field{
		{Name: "a", A: "1", B: "1"},
		{Name: "x", A: "1", B: "1"},
		{Name: "x", A: "2", B: "9", Kind: Changed},
		{Name: "b", A: "2", Kind: Removed},
		{Name: "x", A: "3", Kind: Removed},
		{Name: "c", B: "3", Kind: Added},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestRequestsSummaryAndSame(t *testing.T) {
	h := func(sig string) http.Header {
		return http.Header{"Content-Type": {"application/json"}, "X-Signature": {sig}}
	}
	for _, tc := range []struct {
		name string
		a, b *storage.Record
		want string
		same bool
	}{
		{"identical", rec("POST", "/h", "a=1", h("x"), `{"a":1}`), rec("POST", "/h", "a=1", h("x"), `{"a":1}`), "requests are identical", true},
		{"volatile only", rec("POST", "/h", "", h("x"), `{}`), rec("POST", "/h", "", h("y"), `{}`), "1 header differs (volatile)", false},
		{"the example", rec("POST", "/h", "", http.Header{"A": {"1"}, "B": {"1"}, "Date": {"x"}}, `{"a":1,"b":2,"c":3}`),
			rec("POST", "/h", "", http.Header{"A": {"2"}, "B": {"2"}, "Date": {"y"}}, `{"a":2,"b":3,"c":3,"d":4}`),
			"3 headers differ (1 volatile), 2 JSON values changed, 1 added", false},
		{"request line and query", rec("POST", "/a", "x=1&y=2", nil, ""), rec("PUT", "/b", "x=1&y=3", nil, ""),
			"method differs, path differs, 1 query parameter differs", false},
		{"query order", rec("GET", "/", "x=1&y=2", nil, ""), rec("GET", "/", "y=2&x=1", nil, ""), "raw query differs (order or encoding)", false},
		{"query encoding", rec("GET", "/", "x=a%20b", nil, ""), rec("GET", "/", "x=a+b", nil, ""), "raw query differs (order or encoding)", false},
		{"json formatting", rec("POST", "/", "", nil, `{"a":1,"b":2}`), rec("POST", "/", "", nil, `{"b":2, "a":1}`),
			"bodies differ only in formatting", false},
		{"json removed", rec("POST", "/", "", nil, `{"a":1,"b":2}`), rec("POST", "/", "", nil, `{"a":1}`),
			"1 JSON value removed", false},
		{"binary", rec("POST", "/", "", nil, "\x00a"), rec("POST", "/", "", nil, "\x00b"), "bodies differ", false},
	} {
		r := Requests(tc.a, tc.b)
		if got := r.Summary(); got != tc.want || r.Same() != tc.same {
			t.Errorf("%s: %q same=%v, want %q same=%v", tc.name, got, r.Same(), tc.want, tc.same)
		}
	}
}

func TestCaptureTruncationNoted(t *testing.T) {
	a := rec("POST", "/", "", nil, "abc")
	b := rec("POST", "/", "", nil, "ab")
	b.Truncated, b.BodySize, b.OriginalSize = true, 2, 3<<20
	r := Requests(a, b)
	if len(r.Body.Notes) != 1 || r.Body.Notes[0] != "B's body was cut at capture: "+textutil.HumanSize(2)+" of "+textutil.HumanSize(3<<20)+" stored" {
		t.Fatalf("notes %q", r.Body.Notes)
	}
}
