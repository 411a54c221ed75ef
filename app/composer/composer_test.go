package composer

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"dev.hookscope/signature"
)

var testEnv = &Environment{Name: "dev", Vars: []Var{
	{Name: "host", Value: "api.example.com"},
	{Name: "token", Value: "s3cret", Secret: true},
	{Name: "id", Value: "42"},
}}

func TestSubstitute(t *testing.T) {
	for _, tc := range []struct {
		in   string
		env  *Environment
		want string
	}{
		{"https://{{host}}/users/{{id}}", testEnv, "https://api.example.com/users/42"},
		{"{{ host }}", testEnv, "api.example.com"},
		{"{{unknown}} and {{id}}", testEnv, "{{unknown}} and 42"},
		{"{{host}}", nil, "{{host}}"},
		{"no vars {", testEnv, "no vars {"},
		{"{{{id}}}", testEnv, "{42}"},
	} {
		if got := Substitute(tc.in, tc.env); got != tc.want {
			t.Errorf("Substitute(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSyncURLParams(t *testing.T) {
	r := Request{URL: "http://h/p?a=1&b=x%20y&flag#frag", Params: []KV{{Key: "off", Value: "1"}}}
	r.SyncFromURL()
	want := []KV{{"a", "1", true}, {"b", "x y", true}, {"flag", "", true}, {"off", "1", false}}
	if !reflect.DeepEqual(r.Params, want) {
		t.Fatalf("params %+v, want %+v", r.Params, want)
	}
	r.Params[0].Value = "2&3"
	r.Params[2].Enabled = false
	r.Params = append(r.Params, KV{"q", "{{id}}", true})
	r.SyncToURL()
	if want := "http://h/p?a=2%263&b=x+y&q={{id}}#frag"; r.URL != want {
		t.Fatalf("URL %q, want %q", r.URL, want)
	}
	r.Params = nil
	r.SyncToURL()
	if r.URL != "http://h/p#frag" {
		t.Fatalf("URL %q", r.URL)
	}
}

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.json")
	os.WriteFile(file, []byte(`{"x":1}`), 0o600)

	for _, tc := range []struct {
		name     string
		r        Request
		wantURL  string
		wantBody string
		wantHdr  map[string]string
	}{
		{"get with env", Request{URL: "https://{{host}}/u/{{id}}?x=1",
			Headers: []KV{{"X-Id", "{{id}}", true}, {"X-Off", "1", false}}},
			"https://api.example.com/u/42?x=1", "", map[string]string{"X-Id": "42", "X-Off": ""}},
		{"no scheme", Request{Method: "DELETE", URL: "localhost:9/a"}, "http://localhost:9/a", "", nil},
		{"raw json", Request{Method: "POST", URL: "http://h/", BodyKind: BodyRaw, RawBody: `{"id":{{id}}}`, RawType: "application/json"},
			"http://h/", `{"id":42}`, map[string]string{"Content-Type": "application/json"}},
		{"raw type header wins", Request{Method: "POST", URL: "http://h/", BodyKind: BodyRaw, RawBody: "x", RawType: "text/plain",
			Headers: []KV{{"Content-Type", "text/xml", true}}}, "http://h/", "x", map[string]string{"Content-Type": "text/xml"}},
		{"form", Request{Method: "POST", URL: "http://h/", BodyKind: BodyForm,
			Form: []KV{{"b", "2 3", true}, {"a", "{{id}}", true}, {"c", "no", false}}},
			"http://h/", "b=2+3&a=42", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
		{"binary", Request{Method: "PUT", URL: "http://h/", BodyKind: BodyBinary, BinaryPath: file},
			"http://h/", `{"x":1}`, map[string]string{"Content-Type": "application/octet-stream"}},
		{"basic", Request{URL: "http://h/", Auth: Auth{Kind: AuthBasic, User: "u", Pass: "{{token}}"}},
			"http://h/", "", map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("u:s3cret"))}},
		{"bearer", Request{URL: "http://h/", Auth: Auth{Kind: AuthBearer, Token: "{{token}}"}},
			"http://h/", "", map[string]string{"Authorization": "Bearer s3cret"}},
		{"apikey header", Request{URL: "http://h/", Auth: Auth{Kind: AuthAPIKey, KeyName: "X-Api-Key", KeyValue: "k", KeyIn: KeyInHeader}},
			"http://h/", "", map[string]string{"X-Api-Key": "k"}},
		{"apikey query", Request{URL: "http://h/?a=1", Auth: Auth{Kind: AuthAPIKey, KeyName: "api key", KeyValue: "k&v", KeyIn: KeyInQuery}},
			"http://h/?a=1&api+key=k%26v", "", nil},
		{"host header", Request{URL: "http://127.0.0.1:1/", Headers: []KV{{"Host", "example.org", true}}},
			"http://127.0.0.1:1/", "", map[string]string{"Host": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, body, err := Build(tc.r, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			if req.URL.String() != tc.wantURL {
				t.Errorf("URL %q, want %q", req.URL, tc.wantURL)
			}
			got, _ := io.ReadAll(req.Body)
			if string(got) != tc.wantBody || string(body) != tc.wantBody {
				t.Errorf("body %q / %q, want %q", got, body, tc.wantBody)
			}
			for k, v := range tc.wantHdr {
				if g := req.Header.Get(k); g != v {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
			if req.ContentLength != int64(len(tc.wantBody)) {
				t.Errorf("ContentLength %d", req.ContentLength)
			}
		})
	}
}

func TestBuildHostAndErrors(t *testing.T) {
	req, _, err := Build(Request{URL: "http://127.0.0.1:1/", Headers: []KV{{"Host", "example.org", true}}}, nil)
	if err != nil || req.Host != "example.org" {
		t.Fatalf("host %q, %v", req.Host, err)
	}
	for _, r := range []Request{
		{URL: ""},
		{URL: "ftp://h/"},
		{URL: "http:///nohost"},
		{URL: "http://h/", BodyKind: "weird"},
		{URL: "http://h/", BodyKind: BodyBinary, BinaryPath: "/does/not/exist"},
		{URL: "http://h/", Auth: Auth{Kind: AuthBearer}},
		{URL: "http://h/", Auth: Auth{Kind: AuthSign, Scheme: "no-such-scheme", Secret: "x"}},
	} {
		if _, _, err := Build(r, nil); err == nil {
			t.Errorf("Build(%+v) gave no error", r)
		}
	}
}

func TestBuildMultipart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "note.txt")
	os.WriteFile(file, []byte("file text"), 0o600)
	req, _, err := Build(Request{Method: "POST", URL: "http://h/", BodyKind: BodyMultipart,
		Headers: []KV{{"Content-Type", "multipart/form-data", true}},
		Form:    []KV{{"name", "{{id}}", true}, {"doc", "@" + file, true}}}, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	if err := req.ParseMultipartForm(1 << 20); err != nil {
		t.Fatal(err)
	}
	if got := req.FormValue("name"); got != "42" {
		t.Errorf("name = %q", got)
	}
	f, fh, err := req.FormFile("doc")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f)
	if string(data) != "file text" || fh.Filename != "note.txt" {
		t.Errorf("file %q %q", fh.Filename, data)
	}
	var _ = multipart.ErrMessageTooLarge
}

func TestBuildSign(t *testing.T) {
	r := Request{Method: "POST", URL: "http://h/hook", BodyKind: BodyRaw, RawBody: `{"id":"{{id}}"}`, RawType: "application/json",
		Auth: Auth{Kind: AuthSign, Scheme: "github", Secret: "{{token}}"}}
	req, body, err := Build(r, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("X-Hub-Signature-256") == "" {
		t.Fatalf("no signature header: %v", req.Header)
	}
	res, err := signature.Verify("github", signature.Request{Method: req.Method, URL: req.URL.String(), Path: req.URL.Path,
		Header: req.Header, Body: body}, signature.Options{Secret: "s3cret"})
	if err != nil || !res.Valid {
		t.Fatalf("verify: %+v %v", res, err)
	}
}

func makeJWT(header, claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString([]byte("sig"))
}

func TestDecodeJWT(t *testing.T) {
	tok := makeJWT(map[string]any{"alg": "HS256", "typ": "JWT"}, map[string]any{"sub": "user-1", "exp": 1700000000})
	for _, in := range []string{tok, "Bearer " + tok, "  " + tok + "\n"} {
		h, c, exp, err := DecodeJWT(in)
		if err != nil {
			t.Fatal(err)
		}
		if h["alg"] != "HS256" || c["sub"] != "user-1" {
			t.Errorf("header %v claims %v", h, c)
		}
		if !exp.Equal(time.Unix(1700000000, 0)) {
			t.Errorf("exp %v", exp)
		}
	}
	_, _, exp, err := DecodeJWT(makeJWT(map[string]any{"alg": "none"}, map[string]any{"a": 1}))
	if err != nil || !exp.IsZero() {
		t.Errorf("no exp: %v %v", exp, err)
	}
	for _, bad := range []string{"", "abc", "a.b", "!!.e30.x", "e30.bm90anNvbg.x"} {
		if _, _, _, err := DecodeJWT(bad); err == nil {
			t.Errorf("DecodeJWT(%q) gave no error", bad)
		}
	}
}

func snippetRequest(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	req, body, err := Build(Request{Method: "POST", URL: "https://api.example.com/v1/items?q=a b",
		Headers:  []KV{{"X-Note", `it's "quoted"`, true}},
		BodyKind: BodyRaw, RawBody: "{\"name\":\"O'Brien\"}\n", RawType: "application/json"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req, body
}

func TestSnippets(t *testing.T) {
	req, body := snippetRequest(t)
	want := map[string]string{
		"go": `package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
)

func main() {
	body := strings.NewReader("{\"name\":\"O'Brien\"}\n")
	req, err := http.NewRequest("POST", "https://api.example.com/v1/items?q=a%20b", body)
	if err != nil {
		panic(err)
	}
	req.Header.Add("Content-Type", "application/json")
	req.Header.Add("X-Note", "it's \"quoted\"")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Status)
	fmt.Println(string(out))
}
`,
		"python": `import requests

headers = {
    "Content-Type": "application/json",
    "X-Note": "it's \"quoted\"",
}
data = "{\"name\":\"O'Brien\"}\n".encode()

response = requests.request("POST", "https://api.example.com/v1/items?q=a%20b", headers=headers, data=data)
print(response.status_code)
print(response.text)
`,
		"js": `const response = await fetch("https://api.example.com/v1/items?q=a%20b", {
  method: "POST",
  headers: {
    "Content-Type": "application/json",
    "X-Note": "it's \"quoted\"",
  },
  body: "{\"name\":\"O'Brien\"}\n",
});
console.log(response.status);
console.log(await response.text());
`,
		"httpie": `printf '%s' '{"name":"O'\''Brien"}
' | http POST 'https://api.example.com/v1/items?q=a%20b' Content-Type:application/json 'X-Note:it'\''s "quoted"'
`,
	}
	for _, lang := range SnippetLangs {
		if got := Snippet(lang, req, body); got != want[lang] {
			t.Errorf("%s snippet:\n%s\nwant:\n%s", lang, got, want[lang])
		}
	}
	if Snippet("cobol", req, body) != "" {
		t.Error("unknown language gave text")
	}
	get, _, _ := Build(Request{URL: "http://h/"}, nil)
	if got, want := Snippet("httpie", get, nil), "http --ignore-stdin GET http://h/\n"; got != want {
		t.Errorf("httpie GET %q, want %q", got, want)
	}
	if got := Snippet("js", get, nil); strings.Contains(got, "body:") || strings.Contains(got, "headers:") {
		t.Errorf("js GET:\n%s", got)
	}
}

func TestCurlRoundTrip(t *testing.T) {
	req, body := snippetRequest(t)
	text := ToCurl(req, body)
	if !strings.HasPrefix(text, "curl 'https://api.example.com/v1/items?q=a%20b'") {
		t.Fatalf("curl:\n%s", text)
	}
	back, err := FromCurl(text)
	if err != nil {
		t.Fatal(err)
	}
	if back.Method != "POST" || back.URL != "https://api.example.com/v1/items?q=a%20b" || back.RawBody != string(body) ||
		back.BodyKind != BodyRaw || back.RawType != "application/json" {
		t.Fatalf("round trip: %+v", back)
	}
	req2, body2, err := Build(back, nil)
	if err != nil {
		t.Fatal(err)
	}
	if req2.Header.Get("X-Note") != `it's "quoted"` || string(body2) != string(body) {
		t.Errorf("rebuilt %v %q", req2.Header, body2)
	}
	if !reflect.DeepEqual(back.Params, []KV{{"q", "a b", true}}) {
		t.Errorf("params %+v", back.Params)
	}
}

func TestFromCurl(t *testing.T) {
	for _, tc := range []struct {
		name, cmd string
		check     func(t *testing.T, r Request)
	}{
		{"browser copy", `curl 'https://example.com/api?x=1' \
  -H 'accept: application/json' \
  -H 'authorization: Bearer abc' \
  --data-raw '{"a":1}' \
  --compressed`, func(t *testing.T, r Request) {
			if r.Method != "POST" || r.URL != "https://example.com/api?x=1" || r.RawBody != `{"a":1}` {
				t.Errorf("%+v", r)
			}
			if !hasHeader(r, "Authorization", "Bearer abc") {
				t.Errorf("headers %+v", r.Headers)
			}
		}},
		{"-X and -u", `curl -X PUT -u user:pw http://h:8080/x`, func(t *testing.T, r Request) {
			if r.Method != "PUT" || r.URL != "http://h:8080/x" || r.BodyKind != BodyNone {
				t.Errorf("%+v", r)
			}
			if !hasHeader(r, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("user:pw"))) {
				t.Errorf("headers %+v", r.Headers)
			}
		}},
		{"--json", `curl --json '{"b":2}' http://h/`, func(t *testing.T, r Request) {
			if r.RawType != "application/json" || r.RawBody != `{"b":2}` {
				t.Errorf("%+v", r)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := FromCurl(tc.cmd)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, r)
		})
	}
	if _, err := FromCurl("echo hello"); err == nil {
		t.Error("not curl gave no error")
	}
}

func hasHeader(r Request, k, v string) bool {
	for _, h := range r.Headers {
		if h.Key == k && h.Value == v && h.Enabled {
			return true
		}
	}
	return false
}

func FuzzSyncURL(f *testing.F) {
	for _, s := range []string{"http://h/p?a=1&b=%zz&c", "http://h/?q={{x}}&r=a b#f", "?=&=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Request{URL: s}
		r.SyncFromURL()
		r.SyncToURL()
		again := Request{URL: r.URL}
		again.SyncFromURL()
		if !reflect.DeepEqual(again.Params, r.Params) {
			t.Fatalf("%q → %q: params %+v then %+v", s, r.URL, r.Params, again.Params)
		}
		if q := escapeQuery(s); strings.ContainsAny(q, " \"<>\\^`{|}#") {
			t.Fatalf("escapeQuery(%q) = %q", s, q)
		}
	})
}
