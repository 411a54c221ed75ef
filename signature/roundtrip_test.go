package signature

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

var signNow = time.Unix(1_750_000_000, 0)

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

// testKeys are generated once: RSA generation is the slow part of the suite.
var testKeys = sync.OnceValue(func() map[string]string {
	k := map[string]string{}
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	edPub2, _, _ := ed25519.GenerateKey(rand.Reader)
	k["ed-priv-hex"] = hex.EncodeToString(edPriv)
	k["ed-pub-hex"] = hex.EncodeToString(edPub)
	k["ed-pub2-hex"] = hex.EncodeToString(edPub2)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k["ec-priv-pem"] = pkcs8PEM(ec)
	k["ec-pub-b64"] = spkiB64(&ec.PublicKey)
	k["ec-pub2-b64"] = spkiB64(&ec2.PublicKey)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	k["rsa-priv-pem"] = pkcs8PEM(rk)
	k["rsa-pub-pem"] = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: mustSPKI(&rk.PublicKey)}))
	k["rsa-pub2-pem"] = vectorPayPalCert()
	return k
})

func pkcs8PEM(k any) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func mustSPKI(k any) []byte {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		panic(err)
	}
	return der
}

func spkiB64(k any) string { return base64.StdEncoding.EncodeToString(mustSPKI(k)) }

// vectorPayPalCert is PayPal's (expired) sandbox certificate: a real RSA key
// that did not sign our test requests.
func vectorPayPalCert() string {
	vs, _ := readVectors()
	for _, v := range vs {
		if v.Scheme == "paypal-rsa" {
			return v.PublicKey
		}
	}
	return ""
}

func jsonReq() Request {
	return Request{
		Method: "POST", URL: "https://example.com/hooks/x?a=b", Path: "/hooks/x", RawQuery: "a=b",
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"event":"test","n":1,"text":"héllo <b>"}`),
	}
}

func formReq() Request {
	r := jsonReq()
	r.Header = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	r.Body = []byte("From=%2B15551234567&Body=hi+there&To=%2B15557654321&Body=again")
	return r
}

func withHeaders(req Request, h http.Header) Request {
	out := req
	out.Header = req.Header.Clone()
	if out.Header == nil {
		out.Header = http.Header{}
	}
	for k, vs := range h {
		out.Header[k] = vs
	}
	return out
}

type rtCase struct {
	name    string // what Sign and Verify are called with
	scheme  string // Result.Scheme
	req     Request
	opt     Options
	wrong   string        // a wrong secret
	staleOK bool          // signs a timestamp: an old request must come out Stale
	tol     time.Duration // tolerance to set for the stale check (0: scheme default)
	noAuto  bool          // not detectable from headers
}

func roundTripCases() []rtCase {
	k := testKeys()
	sec := func(s string) Options { return Options{Secret: s, Now: clock(signNow)} }
	whsec := "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	jsonTwilio := jsonReq()
	sum := sha256.Sum256(jsonTwilio.Body)
	jsonTwilio.URL = "https://example.com/twilio?bodySHA256=" + hex.EncodeToString(sum[:])
	generic := func(o Options) Options { o.Secret, o.Now = "gen-secret", clock(signNow); return o }
	return []rtCase{
		{name: "stripe", req: jsonReq(), opt: sec("whsec_stripe_text_secret"), wrong: "whsec_other", staleOK: true},
		{name: "calendly", req: jsonReq(), opt: sec("cal-key"), wrong: "cal-key2", staleOK: true},
		{name: "github", req: jsonReq(), opt: sec("gh-secret"), wrong: "gh-secret2"},
		{name: "shopify", req: jsonReq(), opt: sec("shpss_123"), wrong: "shpss_124"},
		{name: "razorpay", req: jsonReq(), opt: sec("rzp"), wrong: "rzp2"},
		{name: "typeform", req: jsonReq(), opt: sec("tf-secret"), wrong: "tf-other"},
		{name: "vercel", req: jsonReq(), opt: sec("vc-secret"), wrong: "vc-other"},
		{name: "bitbucket", scheme: "bitbucket", req: withHeaders(jsonReq(), http.Header{"X-Event-Key": {"repo:push"}}), opt: sec("bb"), wrong: "bb2"},
		{name: "intercom", req: withHeaders(jsonReq(), http.Header{"User-Agent": {"Intercom-Webhook-Client/1.0"}}), opt: sec("ic"), wrong: "ic2"},
		{name: "linear", req: jsonReq(), opt: sec("lin_wh_secret"), wrong: "lin_wh_other"},
		{name: "slack", req: formReq(), opt: sec("slack-signing"), wrong: "slack-other", staleOK: true},
		{name: "zoom", req: jsonReq(), opt: sec("zoom-token"), wrong: "zoom-other", staleOK: true, tol: 5 * time.Minute},
		{name: "standard-webhooks", req: jsonReq(), opt: sec(whsec), wrong: "whsec_" + base64.StdEncoding.EncodeToString([]byte("another key")), staleOK: true},
		{name: "svix", scheme: "standard-webhooks", req: jsonReq(), opt: sec(whsec), wrong: "whsec_AAAA", staleOK: true},
		{name: "twilio", req: withURL(formReq(), "https://example.com/twilio/voice"), opt: sec("twilio-token"), wrong: "twilio-other"},
		{name: "twilio", req: jsonTwilio, opt: sec("twilio-token"), wrong: "twilio-other"},
		{name: "square", req: jsonReq(), opt: sec("sq-key"), wrong: "sq-other"},
		{name: "hubspot", req: jsonReq(), opt: sec("hs-client-secret"), wrong: "hs-other", staleOK: true},
		{name: "hubspot-v1", scheme: "hubspot", req: jsonReq(), opt: sec("hs-client-secret"), wrong: "hs-other"},
		{name: "hubspot-v2", scheme: "hubspot", req: jsonReq(), opt: sec("hs-client-secret"), wrong: "hs-other"},
		{name: "paddle", req: jsonReq(), opt: sec("pdl_ntfset_01abc_secret"), wrong: "pdl_ntfset_01abc_other", staleOK: true},
		{name: "twitch", req: jsonReq(), opt: sec("twitch-secret"), wrong: "twitch-other", staleOK: true},
		{name: "gitlab", req: jsonReq(), opt: sec("glpat-token"), wrong: "glpat-other"},
		{name: "hmac", req: jsonReq(), opt: generic(Options{}), wrong: "other", noAuto: true},
		{name: "hmac", req: jsonReq(), opt: generic(Options{Algo: "sha512", Encoding: "base64", HeaderName: "X-Sig", Prefix: "sha512=", Template: "{timestamp}.{body}"}), wrong: "other", staleOK: true, noAuto: true},
		{name: "hmac", req: jsonReq(), opt: generic(Options{Algo: "sha1", Template: "{id}:{method}:{url}:{path}:{body}", IDHeader: "X-Delivery"}), wrong: "other", noAuto: true},
		{name: "discord", req: jsonReq(), opt: sec(k["ed-priv-hex"]), wrong: k["ed-pub2-hex"], staleOK: true, tol: 5 * time.Minute},
		{name: "sendgrid", req: jsonReq(), opt: sec(k["ec-priv-pem"]), wrong: k["ec-pub2-b64"], staleOK: true, tol: 5 * time.Minute},
		{name: "paypal", req: jsonReq(), opt: Options{Secret: k["rsa-priv-pem"], WebhookID: "WH-1", Now: clock(signNow)}, wrong: k["rsa-pub2-pem"], staleOK: true, tol: 5 * time.Minute},
	}
}

func withURL(r Request, u string) Request {
	r.URL = u
	return r
}

func TestRoundTrip(t *testing.T) {
	for i, c := range roundTripCases() {
		if c.scheme == "" {
			c.scheme = c.name
		}
		t.Run(fmt.Sprintf("%d_%s", i, c.name), func(t *testing.T) {
			h, err := Sign(c.name, c.req, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			signed := withHeaders(c.req, h)
			expectValid(t, c.name, signed, c.opt, c.scheme)
			expectTampered(t, c, signed)
			wrong := c.opt
			wrong.Secret = c.wrong
			if r, _ := Verify(c.name, signed, wrong); r.Valid || r.Stale {
				t.Errorf("wrong secret verifies: %+v", r)
			}
			if c.staleOK {
				expectStale(t, c, signed)
			}
			if !c.noAuto {
				expectValid(t, "auto", signed, c.opt, c.scheme)
			}
		})
	}
}

func expectValid(t *testing.T, name string, req Request, opt Options, scheme string) {
	t.Helper()
	r, err := Verify(name, req, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Valid || r.Reason != "" || r.Scheme != scheme {
		t.Fatalf("%s: want valid %s, got %+v", name, scheme, r)
	}
	assertNoSecret(t, r, opt.Secret, req)
}

func expectTampered(t *testing.T, c rtCase, signed Request) {
	t.Helper()
	bad := signed
	bad.Body = append([]byte(nil), signed.Body...)
	bad.Body[3] ^= 0x20
	r, _ := Verify(c.name, bad, c.opt)
	if c.name == "gitlab" { // a token, not a signature: the body is not covered
		return
	}
	if r.Valid || r.Stale || r.Reason == "" {
		t.Errorf("tampered body: %+v", r)
	}
}

// expectStale verifies three hours later: the signature is still right, so
// the verdict must be Stale with a reason saying so.
func expectStale(t *testing.T, c rtCase, signed Request) {
	t.Helper()
	late := c.opt
	late.Now = clock(signNow.Add(3 * time.Hour))
	late.Tolerance = c.tol
	r, _ := Verify(c.name, signed, late)
	if r.Valid || !r.Stale || r.TimestampAgeS == nil || *r.TimestampAgeS < 3*3600-1 {
		t.Fatalf("want stale: %+v", r)
	}
	if !strings.HasPrefix(r.Reason, "signature matches, but the timestamp is 3h old") {
		t.Errorf("reason: %s", r.Reason)
	}
	late.Tolerance = NoTolerance
	if r, _ := Verify(c.name, signed, late); !r.Valid {
		t.Errorf("NoTolerance still rejects: %s", r.Reason)
	}
}

func TestSvixSignsBrandedHeaders(t *testing.T) {
	h, err := Sign("svix", jsonReq(), Options{Secret: "whsec_" + base64.StdEncoding.EncodeToString([]byte("k")), Now: clock(signNow)})
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("Svix-Signature") == "" || h.Get("Webhook-Signature") != "" {
		t.Errorf("svix headers: %v", h)
	}
}

// Key rotation: the header lists an old and a new signature; either secret
// verifies.
func TestRotatedKeys(t *testing.T) {
	req := jsonReq()
	for _, c := range []struct {
		name, header, sep string
		secrets           [2]string
	}{
		{"standard-webhooks", "Webhook-Signature", " ", [2]string{"whsec_" + base64.StdEncoding.EncodeToString([]byte("old")), "whsec_" + base64.StdEncoding.EncodeToString([]byte("new"))}},
		{"stripe", "Stripe-Signature", ",", [2]string{"old", "new"}},
		{"paddle", "Paddle-Signature", ";", [2]string{"old", "new"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := Sign(c.name, req, Options{Secret: c.secrets[0], Now: clock(signNow)})
			if err != nil {
				t.Fatal(err)
			}
			// Same message (same webhook-id), second key.
			b, _ := Sign(c.name, withHeaders(req, a), Options{Secret: c.secrets[1], Now: clock(signNow)})
			sigB := b.Get(c.header)
			if i := strings.Index(sigB, c.sep); c.name != "standard-webhooks" {
				sigB = sigB[i+1:] // drop the repeated timestamp entry
			}
			h := a.Clone()
			h.Set(c.header, a.Get(c.header)+c.sep+sigB)
			signed := withHeaders(req, h)
			for _, s := range c.secrets {
				if r, _ := Verify(c.name, signed, Options{Secret: s, Now: clock(signNow)}); !r.Valid {
					t.Errorf("header %q, secret %d: %s", h.Get(c.header), len(s), r.Reason)
				}
			}
			if r, _ := Verify(c.name, signed, Options{Secret: c.secrets[0] + "x", Now: clock(signNow)}); r.Valid {
				t.Error("a third secret verifies")
			}
		})
	}
}

func TestCannotSign(t *testing.T) {
	k := testKeys()
	for _, c := range []struct{ name, secret string }{
		{"discord", k["ed-pub-hex"]},
		{"sendgrid", k["ec-pub-b64"]},
		{"paypal", k["rsa-pub2-pem"]},
		{"mailgun", "key-1"},
	} {
		_, err := Sign(c.name, jsonReq(), Options{Secret: c.secret, WebhookID: "WH"})
		if !errors.Is(err, ErrCannotSign) {
			t.Errorf("%s: err = %v, want ErrCannotSign", c.name, err)
		}
		if err != nil && strings.Contains(err.Error(), c.secret) {
			t.Errorf("%s: error quotes the key", c.name)
		}
	}
	if _, err := Sign("auto", jsonReq(), Options{Secret: "x"}); !errors.Is(err, ErrCannotSign) {
		t.Errorf("auto without signature headers: %v", err)
	}
}

// Re-signing a replay: auto picks the scheme from the captured headers and
// keeps the message ID.
func TestAutoSignResignsReplay(t *testing.T) {
	opt := Options{Secret: "whsec_" + base64.StdEncoding.EncodeToString([]byte("k")), Now: clock(signNow)}
	h, _ := Sign("standard-webhooks", jsonReq(), opt)
	captured := withHeaders(jsonReq(), h)
	opt.Now = clock(signNow.Add(24 * time.Hour))
	h2, err := Sign("auto", captured, opt)
	if err != nil {
		t.Fatal(err)
	}
	if h2.Get("Webhook-Id") != h.Get("Webhook-Id") || h2.Get("Webhook-Timestamp") == h.Get("Webhook-Timestamp") {
		t.Errorf("re-sign: %v then %v", h, h2)
	}
	if r, _ := Verify("auto", withHeaders(captured, h2), opt); !r.Valid {
		t.Error(r.Reason)
	}
}

func TestTwilioSignRefusesUnpinnedJSON(t *testing.T) {
	_, err := Sign("twilio", jsonReq(), Options{Secret: "t"})
	if err == nil || !strings.Contains(err.Error(), "bodySHA256=") {
		t.Errorf("err = %v", err)
	}
}

func TestLinearBodyTimestamp(t *testing.T) {
	req := jsonReq()
	req.Body = []byte(fmt.Sprintf(`{"action":"create","webhookTimestamp":%d}`, signNow.UnixMilli()))
	opt := Options{Secret: "lin", Now: clock(signNow.Add(90 * time.Second))}
	h, _ := Sign("linear", req, opt)
	r, _ := Verify("linear", withHeaders(req, h), opt)
	if !r.Stale || r.TimestampAgeS == nil || *r.TimestampAgeS != 90 {
		t.Errorf("want stale after 90s (1m window): %+v", r)
	}
}

func TestHubSpotUnlabelledV2(t *testing.T) {
	req := jsonReq()
	opt := Options{Secret: "s"}
	h, _ := Sign("hubspot-v2", req, opt)
	h.Del("X-Hubspot-Signature-Version")
	if r, _ := Verify("hubspot", withHeaders(req, h), opt); !r.Valid {
		t.Error(r.Reason)
	}
	if r, _ := Verify("hubspot", withHeaders(req, h), opt); !strings.HasPrefix(r.SignedPayload, "{client_secret}POST") {
		t.Errorf("payload shown: %q", r.SignedPayload)
	}
}

// Re-signing keeps the capture's flavour: svix-* names, HubSpot's version.
func TestResignKeepsFlavour(t *testing.T) {
	opt := Options{Secret: "whsec_" + base64.StdEncoding.EncodeToString([]byte("k")), Now: clock(signNow)}
	h, _ := Sign("svix", jsonReq(), opt)
	h2, err := Sign("auto", withHeaders(jsonReq(), h), opt)
	if err != nil || h2.Get("Svix-Signature") == "" || h2.Get("Webhook-Signature") != "" {
		t.Errorf("svix re-sign: %v, %v", h2, err)
	}
	opt = Options{Secret: "s", URL: "https://e.com/h"}
	h, _ = Sign("hubspot-v2", jsonReq(), opt)
	h2, _ = Sign("auto", withHeaders(jsonReq(), h), opt)
	if h2.Get(hsVersion) != "v2" || h2.Get(hsSigV3) != "" {
		t.Errorf("hubspot re-sign: %v", h2)
	}
}
