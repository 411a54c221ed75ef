package exchange

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"dev.hookscope/storage"
)

func TestSecretHeader(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"Authorization", true}, {"authorization", true}, {"Proxy-Authorization", true},
		{"Cookie", true}, {"Set-Cookie", true}, {"X-Api-Key", true}, {"Api-Key", true},
		{"X-Auth-Token", true}, {"X-Access-Token", true}, {"X-Hookscope-Token", true},
		{"X-Gitlab-Token", true}, {"X-Webhook-Secret", true}, {"X-Shared-Password", true},
		{"X-Vendor-Api-Key-V2", true}, {"X-Apikey", true}, {"X-CSRF-TOKEN", true},
		// Missed before: "authorization" inside a longer name, a key that
		// is not an API key by name, "_" for "-", secret beside signature.
		{"X-Authorization", true}, {"X-Auth-Key", true}, {"Ocp-Apim-Subscription-Key", true},
		{"X-API_KEY", true}, {"x_api_key", true}, {"X-Signature-Secret", true}, {"X-Secret-Signature", true},
		{"X-Webhook-Signature-Secret", true}, {"X-Signature-Key", true},
		{"X-Session-Id", true}, {"X-JWT-Assertion", true}, {"Cf-Access-Jwt-Assertion", true},
		{"X-Amz-Security-Token", true}, {"X-Authentication", true}, {"X-Client-Secret", true},
		{"X-Signing-Key", true}, {"X-Private-Key", true}, {"Key", true}, {"X-Amz-Credential", true},
		{"X-Oauth-Token", true}, {"X-Auth", true},

		{"Stripe-Signature", false}, {"X-Hub-Signature", false}, {"X-Hub-Signature-256", false},
		{"Webhook-Signature", false}, {"X-Slack-Signature", false}, {"X-Twilio-Signature", false},
		{"X-Square-Hmacsha256-Signature", false}, {"Paddle-Signature", false},
		{"X-Shopify-Hmac-Sha256", false}, {"X-Token-Signature", false}, {"X-Signature-Ed25519", false},
		{"X-Signature-Timestamp", false}, {"Svix-Signature", false},
		{"Content-Type", false}, {"User-Agent", false}, {"X-Request-Id", false}, {"Webhook-Id", false},
		{"X-Slack-Request-Timestamp", false}, {"Idempotency-Key", false}, {"X-Idempotency-Key", false},
		{"X-Event-Key", false}, {"Sec-WebSocket-Key", false}, {"Keep-Alive", false}, {":authority", false},
		{"X-Author", false}, {"X-GitHub-Event", false}, {"X-Hub-Signature_256", false},
	} {
		if got := SecretHeader(tc.name); got != tc.want {
			t.Errorf("SecretHeader(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSecretQueryParam(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"token", true}, {"access_token", true}, {"refresh-token", true}, {"secret", true}, {"client_secret", true},
		{"password", true}, {"passwd", true}, {"api_key", true}, {"api-key", true}, {"apiKey", true}, {"key", true},
		{"KEY", true}, {"auth", true}, {"aws_access_key", true},
		// Missed before.
		{"jwt", true}, {"sessionid", true}, {"session_id", true}, {"JSESSIONID", true}, {"PHPSESSID", true},
		{"code", true}, {"Code", true}, {"access_token", true}, {"ACCESS_TOKEN", true}, {"id_token", true},
		{"pass", true}, {"pwd", true}, {"auth_code", true}, {"X-Amz-Security-Token", true}, {"subscription-key", true},
		{"authorization", true}, {"oauth_verifier", true},

		{"keyword", false}, {"page", false}, {"sig", false}, {"signature", false}, {"id", false},
		{"monkey", false}, {"idempotency_key", false}, {"X-Amz-Signature", false}, {"zip_code", false},
		{"country_code", false}, {"author", false}, {"keys_only", false}, {"passage", false}, {"bypass", false},
	} {
		if got := SecretQueryParam(tc.name); got != tc.want {
			t.Errorf("SecretQueryParam(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

var allFormats = []Format{FormatHAR, FormatCurl, FormatRaw}

// leakedValues lists the LEAK values of secretSample found in out, in
// either the captured or the query-unescaped form.
func leakedValues(out string) []string {
	var found []string
	for _, v := range []string{"LEAK1", "LEAK%202", "LEAK 2", "LEAK3", "LEAK4", "LEAK-bearer", "LEAK-apikey",
		"LEAK-gitlab", "LEAK-custom", "LEAK-cookie1", "LEAK-cookie2", "LEAK-hookscope"} {
		if strings.Contains(out, v) {
			found = append(found, v)
		}
	}
	return found
}

func TestExportRedactsByDefault(t *testing.T) {
	for _, f := range allFormats {
		t.Run(string(f), func(t *testing.T) {
			rec := withSizes([]*storage.Record{secretSample()})[0]
			var buf bytes.Buffer
			// NewEncoder, not NewEncoderWith: the default must be safe.
			enc, err := NewEncoder(&buf, f, "v")
			if err != nil {
				t.Fatal(err)
			}
			if err := enc.Encode(rec); err != nil {
				t.Fatal(err)
			}
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if leaks := leakedValues(out); len(leaks) > 0 {
				t.Errorf("secrets in the export: %v\n%s", leaks, out)
			}
			for i := range 6 {
				if want := "SIGKEEP" + string(rune('0'+i)); !strings.Contains(out, want) {
					t.Errorf("signature or plain value %s redacted:\n%s", want, out)
				}
			}
			if !strings.Contains(out, "keyword=open") || !strings.Contains(out, "page=2") {
				t.Errorf("ordinary query parameters changed:\n%s", out)
			}
			if rec.Header.Get("Authorization") != "Bearer LEAK-bearer" || !strings.Contains(rec.RawQuery, "LEAK1") {
				t.Error("the export changed the record it was given")
			}

			// A redacted export imports, with the placeholder as the value.
			res := mustImport(t, ImportOptions{}, buf.Bytes(), f)
			got := res.Records[0]
			for _, name := range []string{"Authorization", "X-Api-Key", "X-Gitlab-Token", "X-Webhook-Secret", "X-Hookscope-Token"} {
				if v := got.Header.Get(name); v != Redacted {
					t.Errorf("%s imported as %q, want %q", name, v, Redacted)
				}
			}
			if v := got.Header.Values("Set-Cookie"); !slices.Equal(v, []string{Redacted, Redacted}) {
				t.Errorf("Set-Cookie imported as %q", v)
			}
			for name, want := range map[string]string{"Stripe-Signature": "t=1,v1=SIGKEEP1", "X-Hub-Signature-256": "sha256=SIGKEEP2", "Webhook-Signature": "v1,SIGKEEP3", "X-Slack-Signature": "v0=SIGKEEP4"} {
				if v := got.Header.Get(name); v != want {
					t.Errorf("%s imported as %q, want %q", name, v, want)
				}
			}
			wantQuery := "token=%5Bredacted+by+hookscope%5D&page=2&api_key=%5Bredacted+by+hookscope%5D&sig=SIGKEEP0" +
				"&access_token=%5Bredacted+by+hookscope%5D&key=%5Bredacted+by+hookscope%5D&keyword=open&empty_token="
			if got.RawQuery != wantQuery {
				t.Errorf("query imported as\n %s\nwant\n %s", got.RawQuery, wantQuery)
			}
			if !bytes.Equal(got.Body, rec.Body) {
				t.Errorf("body %q", got.Body)
			}
		})
	}
}

func TestExportIncludeSecrets(t *testing.T) {
	for _, f := range allFormats {
		t.Run(string(f), func(t *testing.T) {
			want := withSizes([]*storage.Record{secretSample()})[0]
			var buf bytes.Buffer
			if err := WriteWith(&buf, f, []*storage.Record{want}, Options{IncludeSecrets: true}); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(buf.String(), Redacted) || strings.Contains(buf.String(), redactedQueryValue) {
				t.Errorf("redacted although secrets were asked for:\n%s", buf.String())
			}
			res := mustImport(t, ImportOptions{}, buf.Bytes(), f)
			sameRequest(t, want, res.Records[0])
		})
	}
}

// TestHARRedactsQueryStringAndURL checks both places HAR shows the query.
func TestHARRedactsQueryStringAndURL(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHAR(&buf, withSizes([]*storage.Record{secretSample()}), "v"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Entries []struct {
				Request struct {
					URL         string
					QueryString []harNameValue
					Headers     []harNameValue
				}
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	req := doc.Log.Entries[0].Request
	if !strings.HasPrefix(req.URL, "http://h/hooks/secret?token=%5Bredacted+by+hookscope%5D&page=2&") {
		t.Errorf("url %s", req.URL)
	}
	got := map[string]string{}
	for _, nv := range req.QueryString {
		got[nv.Name] = nv.Value
	}
	for name, want := range map[string]string{"token": Redacted, "api_key": Redacted, "access_token": Redacted, "key": Redacted,
		"page": "2", "sig": "SIGKEEP0", "keyword": "open", "empty_token": ""} {
		if got[name] != want {
			t.Errorf("queryString %s = %q, want %q", name, got[name], want)
		}
	}
}

func TestRedactLeavesOtherRecordsAlone(t *testing.T) {
	rec := withSizes(samples())[0]
	if redactRecord(rec) != rec {
		t.Error("a record without secrets was copied")
	}
	h, changed := redactHeader(http.Header{"Authorization": {""}, "X-Token": {"", "v"}})
	if !changed || h.Get("Authorization") != "" || !slices.Equal(h["X-Token"], []string{"", Redacted}) {
		t.Errorf("empty values: %v %v", h, changed)
	}
}

func TestHARResponseHeadersRedacted(t *testing.T) {
	list := redactNameValues([]harNameValue{{"Set-Cookie", "sid=LEAK"}, {"Content-Type", "application/json"}})
	if list[0].Value != Redacted || list[1].Value != "application/json" {
		t.Errorf("response headers %v", list)
	}
}

// TestExportRedactsNamedCases exports, in each format, a request carrying
// the credentials exports once let through (every value holding "LEAK")
// beside signatures that must stay (every value holding "SIGKEEP").
func TestExportRedactsNamedCases(t *testing.T) {
	rec := withSizes([]*storage.Record{{
		Summary: storage.Summary{ID: 1, ReceivedAt: t0, Method: "POST", Path: "/cb", Status: 200},
		RawQuery: "jwt=LEAKjwt&sessionid=LEAKsession&code=LEAKcode&access_token=LEAKaccess&state=open1" +
			"&zip_code=open2&a=open3;access_token=LEAKsemi",
		Proto: "HTTP/1.1", Host: "h", RemoteAddr: "10.0.0.1:9",
		Header: http.Header{
			"X-Authorization":           {"LEAKxauth"},
			"X-Auth-Key":                {"LEAKauthkey"},
			"Ocp-Apim-Subscription-Key": {"LEAKapim"},
			"X-API_KEY":                 {"LEAKunderscore"},
			"X-Signature-Secret":        {"LEAKsigsecret"},
			"Stripe-Signature":          {"t=1,v1=SIGKEEPstripe"},
			"X-Hub-Signature-256":       {"sha256=SIGKEEPhub"},
			"X-Slack-Signature":         {"v0=SIGKEEPslack"},
			"Idempotency-Key":           {"SIGKEEPidem"},
			"Content-Type":              {"text/plain"},
		},
		Body: []byte("x"),
	}})[0]
	for _, f := range allFormats {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteWith(&buf, f, []*storage.Record{rec}, Options{}); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if strings.Contains(out, "LEAK") {
				t.Errorf("a credential in the export:\n%s", out)
			}
			for _, keep := range []string{"SIGKEEPstripe", "SIGKEEPhub", "SIGKEEPslack", "SIGKEEPidem", "state=open1", "zip_code=open2", "a=open3;"} {
				if !strings.Contains(out, keep) {
					t.Errorf("%s redacted or lost:\n%s", keep, out)
				}
			}
			// Each of the five query credentials, and each of the five
			// headers, became the placeholder (none was dropped).
			if n := strings.Count(out, redactedQueryValue); n < 5 {
				t.Errorf("%d query values redacted, want 5 or more:\n%s", n, out)
			}
			if n := strings.Count(out, Redacted); n < 5 {
				t.Errorf("%d header values redacted, want 5 or more:\n%s", n, out)
			}
		})
	}
}

func TestRedactQueryKeepsEveryByte(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a=1&b=2", "a=1&b=2"},
		{"a=1;b=2&c", "a=1;b=2&c"},
		{"code=x", "code=" + redactedQueryValue},
		{"x=1&&jwt=y;", "x=1&&jwt=" + redactedQueryValue + ";"},
		{"a=1;sessionid=s&b=%26", "a=1;sessionid=" + redactedQueryValue + "&b=%26"},
		{"access_token=&token", "access_token=&token"},
	} {
		got, changed := redactQuery(tc.in)
		if got != tc.want || changed != (tc.in != tc.want) {
			t.Errorf("redactQuery(%q) = %q, %v; want %q", tc.in, got, changed, tc.want)
		}
	}
}

// TestRedactRecordExported: the local API's read view and an export hide
// the same values through this one function, and the stored record is
// never touched.
func TestRedactRecordExported(t *testing.T) {
	rec := &storage.Record{Header: http.Header{"Authorization": {"Bearer s"}, "Accept": {"*/*"}}, RawQuery: "a=1&token=t"}
	got := RedactRecord(rec)
	if got == rec || got.Header.Get("Authorization") != Redacted || got.Header.Get("Accept") != "*/*" ||
		got.RawQuery != "a=1&token=%5Bredacted+by+hookscope%5D" {
		t.Errorf("RedactRecord = %+v", got)
	}
	if rec.Header.Get("Authorization") != "Bearer s" || rec.RawQuery != "a=1&token=t" {
		t.Errorf("the stored record changed: %+v", rec)
	}
	plain := &storage.Record{Header: http.Header{"Accept": {"*/*"}}, RawQuery: "a=1"}
	if RedactRecord(plain) != plain {
		t.Error("a record with nothing secret was copied")
	}
	if h := RedactHeader(http.Header{"X-Token": {"", "v"}}); !slices.Equal(h["X-Token"], []string{"", Redacted}) {
		t.Errorf("RedactHeader = %v", h)
	}
	if q := RedactQuery("x=1;api_key=k"); q != "x=1;api_key=%5Bredacted+by+hookscope%5D" {
		t.Errorf("RedactQuery = %q", q)
	}
}
