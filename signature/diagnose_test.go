package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

// Each case simulates a sender that made one classic mistake; Verify must
// fail and name it, in Diagnosis and in Reason.
func TestDiagnosis(t *testing.T) {
	indented := []byte("{\n  \"b\": 1,\n  \"a\": [\n    true\n  ]\n}")
	compact := []byte(`{"b":1,"a":[true]}`)
	whsecKey := []byte("0123456789abcdef")
	whsec := "whsec_" + base64.StdEncoding.EncodeToString(whsecKey)
	ghHeader := func(key string, body []byte) http.Header {
		return http.Header{"X-Hub-Signature-256": {"sha256=" + hexMAC(key, body)}}
	}
	cases := []struct {
		name   string
		scheme string
		req    Request
		opt    Options
		want   string
	}{
		{"compact JSON signed, indented sent", "github",
			bodyReq(indented, ghHeader("k", compact)), Options{Secret: "k"}, DiagJSONReserialized},
		{"re-marshaled JSON (sorted keys) signed", "github",
			bodyReq(compact, ghHeader("k", []byte(`{"a":[true],"b":1}`))), Options{Secret: "k"}, DiagJSONReserialized},
		{"Python json.dumps spacing signed", "github",
			bodyReq(compact, ghHeader("k", []byte(`{"b": 1, "a": [true]}`))), Options{Secret: "k"}, DiagJSONReserialized},
		{"trailing newline added after signing", "github",
			bodyReq([]byte("hello\n"), ghHeader("k", []byte("hello"))), Options{Secret: "k"}, DiagTrailingNewline},
		{"trailing newline stripped after signing", "github",
			bodyReq([]byte("hello"), ghHeader("k", []byte("hello\n"))), Options{Secret: "k"}, DiagTrailingNewline},
		// A JSON body's trailing newline is a trailing newline, not a
		// re-serialization, although compacting the body drops it too.
		{"trailing newline added to a JSON body", "github",
			bodyReq([]byte(`{"a":1}`+"\n"), ghHeader("k", []byte(`{"a":1}`))), Options{Secret: "k"}, DiagTrailingNewline},
		{"trailing CRLF added to a JSON body", "github",
			bodyReq([]byte(`{"a":1}`+"\r\n"), ghHeader("k", []byte(`{"a":1}`))), Options{Secret: "k"}, DiagTrailingNewline},
		{"trailing newline stripped from a JSON body", "github",
			bodyReq([]byte(`{"a":1}`), ghHeader("k", []byte(`{"a":1}`+"\n"))), Options{Secret: "k"}, DiagTrailingNewline},
		{"indented JSON with a newline signed compact", "github",
			bodyReq([]byte("{\n  \"a\": 1\n}\n"), ghHeader("k", []byte(`{"a":1}`))), Options{Secret: "k"}, DiagJSONReserialized},
		{"whsec_ used as text", "standard-webhooks",
			swReq([]byte(whsec)), Options{Secret: whsec}, DiagWhsecNotDecoded},
		{"whsec_ text without prefix", "standard-webhooks",
			swReq([]byte(strings.TrimPrefix(whsec, "whsec_"))), Options{Secret: whsec}, DiagWhsecNotDecoded},
		{"stripe secret base64-decoded", "stripe",
			stripeReq(whsecKey), Options{Secret: whsec}, DiagSecretDecoded},
		{"hex where base64 expected", "shopify",
			bodyReq([]byte("x"), http.Header{"X-Shopify-Hmac-Sha256": {hexMAC("k", []byte("x"))}}), Options{Secret: "k"}, DiagHexForBase64},
		{"base64 where hex expected", "github",
			bodyReq([]byte("x"), http.Header{"X-Hub-Signature-256": {"sha256=" + b64MAC("k", []byte("x"))}}), Options{Secret: "k"}, DiagBase64ForHex},
		{"secret pasted with whitespace", "github",
			bodyReq([]byte("x"), ghHeader("k", []byte("x"))), Options{Secret: "  k\n"}, DiagSecretWhitespace},
		{"whsec_ secret pasted with spaces", "standard-webhooks",
			swReq(whsecKey), Options{Secret: " " + whsec + " "}, DiagSecretWhitespace},
		{"twilio signed https, verified http", "twilio",
			twilioReq("https://example.com/sms"), Options{Secret: "tok", URL: "http://example.com/sms"}, DiagURLScheme},
		{"twilio signed with trailing slash", "twilio",
			twilioReq("https://example.com/sms/"), Options{Secret: "tok", URL: "https://example.com/sms"}, DiagURLSlash},
		{"twilio without Options.URL", "twilio",
			withURL(twilioReq("https://public.example.com/sms"), "http://127.0.0.1:8080/sms"), Options{Secret: "tok"}, DiagURLMissing},
		{"square signed https, verified http", "square",
			squareReq("https://example.com/sq"), Options{Secret: "sq", URL: "http://example.com/sq"}, DiagURLScheme},
		{"auto names the mistake too", "auto",
			bodyReq(indented, ghHeader("k", compact)), Options{Secret: "k"}, DiagJSONReserialized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Verify(c.scheme, c.req, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			if r.Valid || r.Diagnosis != c.want || !strings.Contains(r.Reason, c.want) {
				t.Fatalf("want diagnosis %q, got valid=%v diagnosis=%q reason=%q", c.want, r.Valid, r.Diagnosis, r.Reason)
			}
			assertNoSecret(t, r, c.opt.Secret, c.req)
		})
	}
}

func TestNoDiagnosisForPlainWrongSecret(t *testing.T) {
	req := bodyReq([]byte(`{"a":1}`+"\n"), http.Header{"X-Hub-Signature-256": {"sha256=" + hexMAC("right", []byte(`{"a":1}`+"\n"))}})
	r, _ := Verify("github", req, Options{Secret: "wrong"})
	if r.Valid || r.Diagnosis != "" {
		t.Errorf("got %+v", r)
	}
}

func TestMailgunBodyNotDiagnosed(t *testing.T) {
	// Mailgun does not sign the body, so re-serializing it proves nothing.
	sig := SignMailgun("key", "1700000000", "tok")
	req := bodyReq([]byte("{\n  \"signature\": {\"timestamp\": \"1700000000\", \"token\": \"tok\", \"signature\": \""+sig+"\"}\n}"), http.Header{})
	if r, _ := Verify("mailgun", req, Options{Secret: "key"}); !r.Valid {
		t.Fatal(r.Reason)
	}
	if r, _ := Verify("mailgun", req, Options{Secret: "other"}); r.Valid || r.Diagnosis != "" {
		t.Errorf("got %+v", r)
	}
}

func hexMAC(key string, b []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

func b64MAC(key string, b []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(b)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func bodyReq(body []byte, h http.Header) Request {
	return Request{Method: "POST", URL: "https://example.com/hook", Header: h, Body: body}
}

// swReq is a Standard Webhooks request signed with the raw key bytes given.
func swReq(key []byte) Request {
	body := []byte(`{"x":1}`)
	m := hmac.New(sha256.New, key)
	m.Write([]byte("msg_1.1750000000." + string(body)))
	return bodyReq(body, http.Header{
		"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {"1750000000"},
		"Webhook-Signature": {"v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))},
	})
}

func stripeReq(key []byte) Request {
	body := []byte(`{"x":1}`)
	m := hmac.New(sha256.New, key)
	m.Write([]byte("1750000000." + string(body)))
	return bodyReq(body, http.Header{"Stripe-Signature": {"t=1750000000,v1=" + hex.EncodeToString(m.Sum(nil))}})
}

func twilioReq(signedURL string) Request {
	body := "Body=hi&From=%2B1555"
	m := hmac.New(sha1.New, []byte("tok"))
	m.Write([]byte(signedURL + "Bodyhi" + "From+1555"))
	return Request{Method: "POST", URL: signedURL, Body: []byte(body), Header: http.Header{
		"Content-Type":       {"application/x-www-form-urlencoded"},
		"X-Twilio-Signature": {base64.StdEncoding.EncodeToString(m.Sum(nil))},
	}}
}

func squareReq(signedURL string) Request {
	body := []byte(`{"a":1}`)
	return Request{Method: "POST", URL: signedURL, Body: body, Header: http.Header{
		"X-Square-Hmacsha256-Signature": {b64MAC("sq", append([]byte(signedURL), body...))},
	}}
}
