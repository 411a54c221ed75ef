package exchange

import (
	"bytes"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

type curlWant struct {
	method, target, host string
	header               http.Header
	body                 string
	warnings             int
}

func curlDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"body.json":   "{\"a\":\n1}\r\n",
		"bin.dat":     "\x00\xff\n",
		"headers.txt": "X-From-File: 1\nX-Other: 2\n",
		"a.png":       "PNG",
		"text.txt":    "some text",
		"raw.txt":     "a b&c",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func form(ct string) http.Header {
	return http.Header{"Content-Type": {ct}}
}

func withCL(h http.Header, n string) http.Header {
	h = h.Clone()
	h.Set("Content-Length", n)
	return h
}

var curlCases = []struct {
	name, src string
	want      curlWant
}{
	{"plain GET", `curl https://example.com/a/b?x=1#frag`, curlWant{method: "GET", target: "/a/b?x=1", host: "example.com", header: http.Header{}}},
	{"no scheme, no path", `curl example.com:8080`, curlWant{method: "GET", target: "/", host: "example.com:8080", header: http.Header{}}},
	{"-X and --request", `curl -X PUT http://h/ && curl --request PATCH http://h/`, curlWant{method: "PUT", target: "/", host: "h", header: http.Header{}}},
	{"-XDELETE attached", `curl -XDELETE http://h/x`, curlWant{method: "DELETE", target: "/x", host: "h", header: http.Header{}}},
	{"-H forms", `curl -H 'X-A: 1' --header "X-A:  2 " -H 'X-Empty;' -H 'Accept:' -H 'Host: other:9' -H @headers.txt http://h/`,
		curlWant{method: "GET", target: "/", host: "other:9", header: http.Header{"X-A": {"1", "2"}, "X-Empty": {""}, "X-From-File": {"1"}, "X-Other": {"2"}}}},
	{"-d joined, POST implied", `curl -d a=1 --data b=2 --data-ascii c=3 --data-raw '@d' http://h/`,
		curlWant{method: "POST", target: "/", host: "h", header: withCL(form("application/x-www-form-urlencoded"), "14"), body: "a=1&b=2&c=3&@d"}},
	{"-d @file strips newlines", `curl -d @body.json http://h/`,
		curlWant{method: "POST", target: "/", host: "h", header: withCL(form("application/x-www-form-urlencoded"), "7"), body: `{"a":1}`}},
	{"--data-binary @file exact", `curl --data-binary @bin.dat -H 'Content-Type: application/octet-stream' http://h/`,
		curlWant{method: "POST", target: "/", host: "h", header: withCL(form("application/octet-stream"), "3"), body: "\x00\xff\n"}},
	{"--data-urlencode forms", `curl --data-urlencode 'a b' --data-urlencode '=c&d' --data-urlencode 'n=v w' --data-urlencode @raw.txt --data-urlencode 'f@raw.txt' http://h/`,
		curlWant{method: "POST", target: "/", host: "h", header: withCL(form("application/x-www-form-urlencoded"), "41"),
			body: "a%20b&c%26d&n=v%20w&a%20b%26c&f=a%20b%26c"}},
	{"--json", `curl --json '{"a":1}' http://h/`,
		curlWant{method: "POST", target: "/", host: "h", header: http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}, "Content-Length": {"7"}}, body: `{"a":1}`}},
	{"--json keeps a given Accept", `curl --json @body.json -H 'Accept: text/plain' http://h/`,
		curlWant{method: "POST", target: "/", host: "h", header: http.Header{"Content-Type": {"application/json"}, "Accept": {"text/plain"}, "Content-Length": {"10"}}, body: "{\"a\":\n1}\r\n"}},
	{"-u and --user", `curl -u user:pa:ss http://h/`,
		curlWant{method: "GET", target: "/", host: "h", header: http.Header{"Authorization": {"Basic dXNlcjpwYTpzcw=="}}}},
	{"--user without password warns", `curl --user bob http://h/`,
		curlWant{method: "GET", target: "/", host: "h", header: http.Header{"Authorization": {"Basic Ym9iOg=="}}, warnings: 1}},
	{"userinfo in URL", `curl http://al%20ice:pw@h/`,
		curlWant{method: "GET", target: "/", host: "h", header: http.Header{"Authorization": {"Basic YWwgaWNlOnB3"}}}},
	{"--compressed", `curl --compressed http://h/`,
		curlWant{method: "GET", target: "/", host: "h", header: http.Header{"Accept-Encoding": {"deflate, gzip, br, zstd"}}}},
	{"-G moves data to the query", `curl -G -d a=1 --data-urlencode 'b=x y' 'http://h/s?q=0'`,
		curlWant{method: "GET", target: "/s?q=0&a=1&b=x%20y", host: "h", header: http.Header{}}},
	{"--url", `curl --url http://h/u -s`, curlWant{method: "GET", target: "/u", host: "h", header: http.Header{}}},
	{"-I, -A, -e, -b", `curl -I -A 'agent/1' -e 'http://ref/;auto' -b 'a=1' -b 'b=2' http://h/`,
		curlWant{method: "HEAD", target: "/", host: "h", header: http.Header{"User-Agent": {"agent/1"}, "Referer": {"http://ref/"}, "Cookie": {"a=1; b=2"}}}},
	{"-T uploads with PUT", `curl -T text.txt http://h/dir/`,
		curlWant{method: "PUT", target: "/dir/text.txt", host: "h", header: http.Header{"Content-Length": {"9"}}, body: "some text"}},
	{"short cluster, ignored flags", `curl -sSLkX POST --max-time 5 -o /dev/null http://h/`,
		curlWant{method: "POST", target: "/", host: "h", header: http.Header{}}},
	{"unknown flags warn", `curl --frobnicate -Wq http://h/`, curlWant{method: "GET", target: "/", host: "h", header: http.Header{}, warnings: 2}},
	{"line continuations", "curl 'http://h/p' \\\n  -X POST \\\r\n  -H 'A: b' \\\n  --data-binary 'x\ny'\n",
		curlWant{method: "POST", target: "/p", host: "h", header: withCL(http.Header{"A": {"b"}, "Content-Type": {"application/x-www-form-urlencoded"}}, "3"), body: "x\ny"}},
	{"$'...' quoting", `curl 'http://h/' -H $'X-Q: it\'s\ttab' --data-raw $'{"a":"\u00e9\\n\x41\101"}'`,
		curlWant{method: "POST", target: "/", host: "h", header: withCL(http.Header{"X-Q": {"it's\ttab"}, "Content-Type": {"application/x-www-form-urlencoded"}}, "14"), body: "{\"a\":\"é\\nAA\"}"}},
	{"double quotes keep other backslashes", `curl "http://h/" -d "a\nb \"q\" \$x"`,
		curlWant{method: "POST", target: "/", host: "h", header: withCL(form("application/x-www-form-urlencoded"), "11"), body: `a\nb "q" $x`}},
	{"pipeline from base64", `echo AP8K | base64 -d | curl --data-binary @- -H 'Content-Type:' http://h/`,
		curlWant{method: "POST", target: "/", host: "h", header: http.Header{"Content-Length": {"3"}}, body: "\x00\xff\n"}},
	{"pipeline from printf", `printf '\000a%%\n'|curl --data-binary @- -H 'Content-Type:' http://h/`,
		curlWant{method: "POST", target: "/", host: "h", header: http.Header{"Content-Length": {"4"}}, body: "\x00a%\n"}},
	{"prompt and comment", "# copied from the docs\n$ curl http://h/x # trailing comment\n", curlWant{method: "GET", target: "/x", host: "h", header: http.Header{}}},
	{"--http1.0 and --request-target", `curl -0 --request-target '/raw?x' http://h/ignored`,
		curlWant{method: "GET", target: "/raw?x", host: "h", header: http.Header{}}},
}

func TestCurlImport(t *testing.T) {
	o := ImportOptions{Dir: curlDir(t)}
	for _, tc := range curlCases {
		t.Run(tc.name, func(t *testing.T) {
			res := mustImport(t, o, []byte(tc.src), FormatCurl)
			r := res.Records[0]
			target := r.Path
			if r.RawQuery != "" {
				target += "?" + r.RawQuery
			}
			got := curlWant{method: r.Method, target: target, host: r.Host, header: r.Header, body: string(r.Body), warnings: len(res.Warnings)}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("\n got %+v\nwant %+v\nwarnings %q", got, tc.want, res.Warnings)
			}
			if r.RemoteAddr != RemoteImported || r.BodySize != int64(len(r.Body)) || r.ContentType != r.Header.Get("Content-Type") {
				t.Errorf("record fields: %+v", r.Summary)
			}
		})
	}
}

func TestCurlImportSeveralAndProto(t *testing.T) {
	res := mustImport(t, ImportOptions{}, []byte("curl -X PUT http://h/\n\ncurl --request PATCH http://h/2; export A=1\ncurl -0 http://h/3"), FormatCurl)
	if len(res.Records) != 3 || res.Records[1].Method != "PATCH" || res.Records[2].Proto != "HTTP/1.0" || len(res.Warnings) != 1 {
		t.Fatalf("records %d, warnings %q", len(res.Records), res.Warnings)
	}
}

func TestCurlForm(t *testing.T) {
	o := ImportOptions{Dir: curlDir(t)}
	res := mustImport(t, o, []byte(`curl -F 'name=va lue' --form 'pic=@a.png' -F 'doc=@text.txt;type=text/x-a;filename=d.txt' -F 'txt=<text.txt' --form-string 'lit=@x' http://h/up`), FormatCurl)
	r := res.Records[0]
	mt, params, err := mime.ParseMediaType(r.ContentType)
	if err != nil || mt != "multipart/form-data" || r.Method != "POST" {
		t.Fatalf("content type %q method %s: %v", r.ContentType, r.Method, err)
	}
	if r.Header.Get("Content-Length") != itoa(len(r.Body)) {
		t.Errorf("Content-Length %q for %d bytes", r.Header.Get("Content-Length"), len(r.Body))
	}
	mr := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
	var got []string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b := new(bytes.Buffer)
		b.ReadFrom(p)
		got = append(got, p.FormName()+"|"+p.FileName()+"|"+p.Header.Get("Content-Type")+"|"+b.String())
	}
	want := []string{"name|||va lue", "pic|a.png|image/png|PNG", "doc|d.txt|text/x-a|some text", "txt|||some text", "lit|||@x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parts\n got %q\nwant %q", got, want)
	}
}

func itoa(n int) string { return contentLength(make([]byte, n)) }

func TestCurlImportErrors(t *testing.T) {
	o := ImportOptions{Dir: t.TempDir()}
	for _, src := range []string{
		`curl -X POST`,                        // no URL
		`curl -d @missing.txt http://h/`,      // unreadable file
		`curl --data-binary @- http://h/`,     // stdin without a pipeline
		`curl 'http://h/`,                     // open quote
		`curl -H`,                             // option without a value
		`sort x | curl http://h/`,             // unsupported stage
		`echo AP8K | base64 | curl http://h/`, // base64 encoding
		`printf '%d' 1 | curl http://h/`,      // printf format
		`curl -F novalue http://h/`,           // form without =
		"echo x\n",                            // no curl at all
		`curl -d @/dev/zero http://h/`,        // not a regular file: must not hang
		`cat /dev/zero | curl --data-binary @- http://h/`,
	} {
		if _, err := o.Import([]byte(src)); err == nil {
			t.Errorf("no error for %q", src)
		}
	}
}

// curlSkipped are the headers the curl export leaves to curl.
var curlSkipped = []string{"Content-Length", "Transfer-Encoding"}

func TestCurlExportImportRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteWith(&buf, FormatCurl, withSizes(samples()), withSecrets); err != nil {
		t.Fatal(err)
	}
	res := mustImport(t, ImportOptions{}, buf.Bytes(), FormatCurl)
	want := withSizes(samples())
	if len(res.Records) != len(want) || len(res.Warnings) != 0 {
		t.Fatalf("%d records, warnings %q from\n%s", len(res.Records), res.Warnings, buf.Bytes())
	}
	for i, got := range res.Records {
		skip := []string{}
		if want[i].Truncated || want[i].Header.Get("Transfer-Encoding") != "" {
			skip = curlSkipped
		}
		sameRequest(t, want[i], got, skip...)
	}
}

func TestCurlExportQuoting(t *testing.T) {
	var buf bytes.Buffer
	WriteCurl(&buf, withSizes(samples())[:1])
	out := buf.String()
	for _, want := range []string{`-H 'X-Quote: it'\''s "quoted" & <tagged>'`, `-H 'X-Empty;'`, "# hookscope request 1\ncurl 'http://localhost:8080/hooks/a%2Fb?x=1&x=2&y=a%20b&flag' \\\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "Content-Length") || strings.Contains(out, "-X POST") {
		t.Errorf("Content-Length or an implied -X POST in\n%s", out)
	}
}
