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
	for name, want := range map[string]bool{
		"Authorization": true, "authorization": true, "Proxy-Authorization": true,
		"Cookie": true, "Set-Cookie": true, "X-Api-Key": true, "Api-Key": true,
		"X-Auth-Token": true, "X-Access-Token": true, "X-Hookscope-Token": true,
		"X-Gitlab-Token": true, "X-Webhook-Secret": true, "X-Shared-Password": true,
		"X-Vendor-Api-Key-V2": true, "X-Apikey": true, "X-CSRF-TOKEN": true,

		"Stripe-Signature": false, "X-Hub-Signature": false, "X-Hub-Signature-256": false,
		"Webhook-Signature": false, "X-Slack-Signature": false, "X-Twilio-Signature": false,
		"X-Square-Hmacsha256-Signature": false, "Paddle-Signature": false,
		"X-Shopify-Hmac-Sha256": false, "X-Secret-Signature": false, "X-Token-Signature": false,
		"Content-Type": false, "User-Agent": false, "X-Request-Id": false, "Webhook-Id": false,
		"X-Slack-Request-Timestamp": false, "Idempotency-Key": false,
	} {
		if got := SecretHeader(name); got != want {
			t.Errorf("SecretHeader(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSecretQueryParam(t *testing.T) {
	for name, want := range map[string]bool{
		"token": true, "access_token": true, "refresh-token": true, "secret": true, "client_secret": true,
		"password": true, "passwd": true, "api_key": true, "api-key": true, "apiKey": true, "key": true,
		"KEY": true, "auth": true, "aws_access_key": true,

		"keyword": false, "page": false, "sig": false, "signature": false, "id": false,
		"monkey": false, "idempotency_key": false,
	} {
		if got := SecretQueryParam(name); got != want {
			t.Errorf("SecretQueryParam(%q) = %v, want %v", name, got, want)
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
