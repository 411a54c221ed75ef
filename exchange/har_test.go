package exchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"dev.hookscope/storage"
)

// jsonKinds asserts that obj has each key with a value of the JSON type
// named: "string", "number", "bool", "array" or "object".
func jsonKinds(t *testing.T, where string, obj map[string]any, kinds map[string]string) {
	t.Helper()
	for key, kind := range kinds {
		v, ok := obj[key]
		if !ok {
			t.Errorf("%s: no %q", where, key)
			continue
		}
		got := "null"
		switch v.(type) {
		case string:
			got = "string"
		case float64:
			got = "number"
		case bool:
			got = "bool"
		case []any:
			got = "array"
		case map[string]any:
			got = "object"
		}
		if got != kind {
			t.Errorf("%s.%s is %s (%v), want %s", where, key, got, v, kind)
		}
	}
}

func exportHAR(t *testing.T) (map[string]any, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHAR(&buf, withSizes(samples()), "1.2.3"); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.Bytes())
	}
	return doc, buf.Bytes()
}

func TestHARRequiredFieldsAndTypes(t *testing.T) {
	doc, _ := exportHAR(t)
	jsonKinds(t, "root", doc, map[string]string{"log": "object"})
	log := doc["log"].(map[string]any)
	jsonKinds(t, "log", log, map[string]string{"version": "string", "creator": "object", "entries": "array"})
	if log["version"] != "1.2" {
		t.Errorf("log.version %v", log["version"])
	}
	creator := log["creator"].(map[string]any)
	if creator["name"] != "Hookscope" || creator["version"] != "1.2.3" {
		t.Errorf("creator %v", creator)
	}
	entries := log["entries"].([]any)
	if len(entries) != len(samples()) {
		t.Fatalf("%d entries", len(entries))
	}
	for i, e := range entries {
		checkEntry(t, i, e.(map[string]any))
	}
}

func checkEntry(t *testing.T, i int, e map[string]any) {
	t.Helper()
	jsonKinds(t, "entry", e, map[string]string{"startedDateTime": "string", "time": "number",
		"request": "object", "response": "object", "cache": "object", "timings": "object",
		"_id": "number", "_truncated": "bool", "_originalSize": "number", "_remoteAddr": "string"})
	if _, err := time.Parse(time.RFC3339Nano, e["startedDateTime"].(string)); err != nil {
		t.Errorf("entry %d startedDateTime: %v", i, err)
	}
	req := e["request"].(map[string]any)
	jsonKinds(t, "request", req, map[string]string{"method": "string", "url": "string", "httpVersion": "string",
		"cookies": "array", "headers": "array", "queryString": "array", "headersSize": "number", "bodySize": "number"})
	resp := e["response"].(map[string]any)
	jsonKinds(t, "response", resp, map[string]string{"status": "number", "statusText": "string", "httpVersion": "string",
		"cookies": "array", "headers": "array", "content": "object", "redirectURL": "string", "headersSize": "number", "bodySize": "number"})
	jsonKinds(t, "content", resp["content"].(map[string]any), map[string]string{"size": "number", "mimeType": "string"})
	timings := e["timings"].(map[string]any)
	jsonKinds(t, "timings", timings, map[string]string{"send": "number", "wait": "number", "receive": "number"})
	for k, v := range timings {
		if v.(float64) < 0 {
			t.Errorf("timings.%s = %v; the spec requires send, wait and receive to be non-negative", k, v)
		}
	}
	for _, list := range []string{"headers", "queryString"} {
		for _, nv := range req[list].([]any) {
			jsonKinds(t, list, nv.(map[string]any), map[string]string{"name": "string", "value": "string"})
		}
	}
	if pd, ok := req["postData"]; ok {
		jsonKinds(t, "postData", pd.(map[string]any), map[string]string{"mimeType": "string", "text": "string"})
	} else if req["bodySize"].(float64) != 0 {
		t.Errorf("entry %d has a body but no postData", i)
	}
}

func nameValues(list any) []string {
	var out []string
	for _, nv := range list.([]any) {
		m := nv.(map[string]any)
		out = append(out, m["name"].(string)+"="+m["value"].(string))
	}
	return out
}

func TestHARHeadersQueryAndBodies(t *testing.T) {
	doc, raw := exportHAR(t)
	entries := doc["log"].(map[string]any)["entries"].([]any)
	first := entries[0].(map[string]any)
	req := first["request"].(map[string]any)
	if req["url"] != "http://localhost:8080/hooks/a%2Fb?x=1&x=2&y=a%20b&flag" {
		t.Errorf("url %v", req["url"])
	}
	wantHeaders := "Host=localhost:8080 Accept=*/* Content-Length=26 Content-Type=application/json User-Agent=Stripe/1.0 X-Dup=2 X-Dup=1 X-Dup=3 X-Empty= X-Quote=it's \"quoted\" & <tagged>"
	if got := strings.Join(nameValues(req["headers"]), " "); got != wantHeaders {
		t.Errorf("headers\n got %s\nwant %s", got, wantHeaders)
	}
	if got := strings.Join(nameValues(req["queryString"]), " "); got != "x=1 x=2 y=a b flag=" {
		t.Errorf("queryString %s", got)
	}
	pd := req["postData"].(map[string]any)
	if pd["text"] != string(samples()[0].Body) || pd["_encoding"] != nil {
		t.Errorf("text body %v", pd)
	}
	bin := entries[1].(map[string]any)["request"].(map[string]any)["postData"].(map[string]any)
	if bin["_encoding"] != "base64" || bin["text"] != "/wD+CieAeg==" {
		t.Errorf("binary body %v", bin)
	}
	resp := first["response"].(map[string]any)
	if resp["status"] != float64(200) || resp["content"].(map[string]any)["text"] != "{\"ok\":true,\"id\":1}\n" {
		t.Errorf("response %v", resp)
	}
	if !bytes.Contains(raw, []byte("<tagged>")) {
		t.Error("HTML characters escaped; bodies should stay readable")
	}
}

func TestHARRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteWith(&buf, FormatHAR, withSizes(samples()), withSecrets); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	res := mustImport(t, ImportOptions{}, raw, FormatHAR)
	want := withSizes(samples())
	if len(res.Records) != len(want) {
		t.Fatalf("%d records", len(res.Records))
	}
	for i, got := range res.Records {
		sameRecord(t, want[i], got)
	}
}

func TestHAREmptyAndStreamed(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHAR(&buf, nil, "v"); err != nil {
		t.Fatal(err)
	}
	res := mustImport(t, ImportOptions{}, buf.Bytes(), FormatHAR)
	if len(res.Records) != 0 {
		t.Fatalf("records from an empty HAR: %v", res.Records)
	}
	buf.Reset()
	enc, err := NewEncoder(&buf, FormatHAR, "v")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range withSizes(samples())[:2] {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(buf.Bytes()) {
		t.Fatalf("streamed HAR is not JSON:\n%s", buf.Bytes())
	}
}

func TestChromeHAR(t *testing.T) {
	data, err := os.ReadFile("testdata/chrome.har")
	if err != nil {
		t.Fatal(err)
	}
	res := mustImport(t, ImportOptions{}, data, FormatHAR)
	if len(res.Records) != 4 {
		t.Fatalf("%d records", len(res.Records))
	}
	form, js, get, multi := res.Records[0], res.Records[1], res.Records[2], res.Records[3]
	if form.Method != "POST" || form.Host != "example.com" || form.Path != "/login" || string(form.Body) != "user=a+b&pass=p%26w" {
		t.Errorf("form post: %s %s %s %q", form.Method, form.Host, form.Path, form.Body)
	}
	if form.Proto != "HTTP/1.1" || form.RemoteAddr != RemoteImported || form.ContentType != "application/x-www-form-urlencoded" {
		t.Errorf("form post details: %s %s %s", form.Proto, form.RemoteAddr, form.ContentType)
	}
	if !form.ReceivedAt.Equal(time.Date(2024, 5, 6, 7, 8, 9, 123000000, time.UTC)) {
		t.Errorf("received %v", form.ReceivedAt)
	}
	if js.Proto != "HTTP/2.0" || js.Host != "api.example.com" || string(js.Body) != `{"q":"x"}` || js.Header.Get(":authority") != "" {
		t.Errorf("h2 JSON post: %s %s %q %v", js.Proto, js.Host, js.Body, js.Header)
	}
	if got := js.Header["Accept-Language"]; len(got) != 1 || got[0] != "en" {
		t.Errorf("lower-case h2 names not canonical: %v", js.Header)
	}
	if get.Method != "GET" || get.RawQuery != "a=1&b=%20" || len(get.Body) != 0 {
		t.Errorf("get: %s %q %q", get.Method, get.RawQuery, get.Body)
	}
	if !bytes.Contains(multi.Body, []byte("name=\"file\"; filename=\"a.txt\"")) || !bytes.Contains(multi.Body, []byte("--XyZ\r\n")) {
		t.Errorf("multipart params: %q", multi.Body)
	}
}

func TestInsomniaHAR(t *testing.T) {
	data, err := os.ReadFile("testdata/insomnia.har")
	if err != nil {
		t.Fatal(err)
	}
	res := mustImport(t, ImportOptions{}, data, FormatHAR)
	if len(res.Records) != 1 {
		t.Fatalf("%d records", len(res.Records))
	}
	r := res.Records[0]
	if r.Method != "PATCH" || r.Host != "localhost:3000" || r.Path != "/items/7" || string(r.Body) != `{"name":"n"}` || r.Header.Get("Authorization") != "Bearer t" {
		t.Errorf("insomnia: %s %s %s %q %v", r.Method, r.Host, r.Path, r.Body, r.Header)
	}
}

func TestHARErrors(t *testing.T) {
	for _, src := range []string{`{"log": {"entries": [{"request": {"url": "http://x/"}}]}}`, `{"nolog": 1}`, `{"log": `,
		`{"log":{"entries":[{"request":{"method":"POST","url":"/","postData":{"text":"!!","_encoding":"base64"}}}]}}`} {
		if _, err := Import([]byte(src)); err == nil {
			t.Errorf("no error for %s", src)
		}
	}
}

// TestHARResponseIsTheRuleAnswer: a request a response rule answered has
// that answer in response, headers and body, not the default
// acknowledgement; a body that is not UTF-8 is base64 as HAR's content
// says, one kept in part says so, and a closed connection has status 0.
func TestHARResponseIsTheRuleAnswer(t *testing.T) {
	recs := withSizes(samples())[:3]
	answers := map[uint64]storage.AnswerRecord{
		1: {Rule: "r", Status: 201, Header: http.Header{"Content-Type": {"application/json"}, "X-Rule": {"b", "a"}, "Set-Cookie": {"s=1"}},
			Body: []byte(`{"received":1}`)},
		2: {Rule: "bin", Status: 200, Header: http.Header{"Content-Type": {"application/octet-stream"}}, Body: []byte{0xff, 0}, BodySize: 70000, Truncated: true},
		3: {Rule: "drop", Action: storage.AnswerClosed},
	}
	var buf bytes.Buffer
	err := WriteWith(&buf, FormatHAR, recs, Options{Answer: func(id uint64) (storage.AnswerRecord, bool, error) {
		a, ok := answers[id]
		return a, ok, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Entries []struct {
				Response struct {
					Status   int `json:"status"`
					Headers  []struct{ Name, Value string }
					BodySize int64  `json:"bodySize"`
					Comment  string `json:"comment"`
					Content  struct {
						Size     int64  `json:"size"`
						MimeType string `json:"mimeType"`
						Text     string `json:"text"`
						Encoding string `json:"encoding"`
						Comment  string `json:"comment"`
					} `json:"content"`
				} `json:"response"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil || len(doc.Log.Entries) != 3 {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	first := doc.Log.Entries[0].Response
	var headers []string
	for _, h := range first.Headers {
		headers = append(headers, h.Name+"="+h.Value)
	}
	if first.Status != 201 || strings.Join(headers, " ") != "Content-Type=application/json Set-Cookie="+Redacted+" X-Rule=b X-Rule=a" ||
		first.Content.Text != `{"received":1}` || first.Content.MimeType != "application/json" || first.Content.Size != 14 || first.BodySize != 14 {
		t.Errorf("rule answer: %+v", first)
	}
	bin := doc.Log.Entries[1].Response
	if bin.Status != 200 || bin.Content.Encoding != "base64" || bin.Content.Text != "/wA=" || bin.Content.Size != 70000 ||
		!strings.Contains(bin.Content.Comment, "first 2 bytes") {
		t.Errorf("binary, cut answer: %+v", bin)
	}
	if closed := doc.Log.Entries[2].Response; closed.Status != 0 || closed.Content.Text != "" || len(closed.Headers) != 0 ||
		closed.Comment != `no answer: rule "drop" closed the connection` {
		t.Errorf("closed connection: %+v", closed)
	}
	failing := Options{Answer: func(uint64) (storage.AnswerRecord, bool, error) {
		return storage.AnswerRecord{}, false, errors.New("disk gone")
	}}
	if err := WriteWith(&bytes.Buffer{}, FormatHAR, recs, failing); err == nil || err.Error() != "disk gone" {
		t.Errorf("a failing lookup: %v", err)
	}
}
