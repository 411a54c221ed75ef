package signature

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestNamesAndLookup(t *testing.T) {
	names := Names()
	if !sort.StringsAreSorted(names) {
		t.Errorf("not sorted: %v", names)
	}
	for _, want := range []string{"auto", "discord", "github", "gitlab", "hmac", "hubspot", "mailgun", "paddle", "paypal", "razorpay", "sendgrid", "shopify", "slack", "square", "standard-webhooks", "stripe", "twilio", "twitch"} {
		if _, err := Lookup(want); err != nil {
			t.Errorf("Lookup(%q): %v", want, err)
		}
		if i := sort.SearchStrings(names, want); i == len(names) || names[i] != want {
			t.Errorf("Names() lacks %q", want)
		}
	}
	for alias, canon := range map[string]string{"svix": "standard-webhooks", "SVIX": "standard-webhooks", " Stripe ": "stripe", "hubspot-v2": "hubspot", "paypal-rsa": "paypal"} {
		s, err := Lookup(alias)
		if err != nil || s.Name() != canon {
			t.Errorf("Lookup(%q) = %v, %v; want %s", alias, s, err, canon)
		}
	}
}

func TestUnknownScheme(t *testing.T) {
	_, err := Lookup("nope")
	if err == nil || !strings.Contains(err.Error(), "stripe") || !strings.Contains(err.Error(), "svix") {
		t.Errorf("err = %v", err)
	}
	if _, err := Verify("nope", Request{}, Options{}); err == nil {
		t.Error("Verify with unknown scheme: no error")
	}
	if _, err := Sign("nope", Request{}, Options{}); err == nil {
		t.Error("Sign with unknown scheme: no error")
	}
}

func TestDetect(t *testing.T) {
	for want, h := range map[string]http.Header{
		"stripe":            {"Stripe-Signature": {"t=1,v1=a"}},
		"standard-webhooks": {"Svix-Signature": {"v1,a"}},
		"sendgrid":          {"X-Twilio-Email-Event-Webhook-Signature": {"a"}, "X-Twilio-Signature": {"b"}},
		"twilio":            {"X-Twilio-Signature": {"b"}},
		"bitbucket":         {"X-Hub-Signature": {"sha256=a"}, "X-Event-Key": {"repo:push"}},
		"github":            {"X-Hub-Signature": {"sha1=a"}},
		"hubspot":           {"X-Hubspot-Signature-V3": {"a"}},
		"gitlab":            {"X-Gitlab-Token": {"a"}},
		"paypal":            {"Paypal-Transmission-Sig": {"a"}},
	} {
		if got, ok := Detect(h); !ok || got != want {
			t.Errorf("Detect(%v) = %q, %v; want %s", h, got, ok, want)
		}
	}
	// Non-canonical keys, as a capture stored by another tool may have them.
	if got, _ := Detect(http.Header{"x-slack-signature": {"v0=a"}}); got != "slack" {
		t.Errorf("lower-case key: %q", got)
	}
	if _, ok := Detect(http.Header{"Content-Type": {"application/json"}}); ok {
		t.Error("detected a scheme from no signature header")
	}
}

func TestAutoNoHeader(t *testing.T) {
	r, err := Verify("auto", jsonReq(), Options{Secret: "x"})
	if err != nil || r.Valid || !r.Unsigned || r.Reason != "no known signature header found" || r.Scheme != "auto" {
		t.Errorf("got %+v, %v", r, err)
	}
}

// Garbage in every header a scheme reads must give an invalid Result with a
// reason: never a panic, never valid.
func TestMalformedHeaders(t *testing.T) {
	garbage := []string{"", "=", ",", "t=", "v1=", "t=abc,v1=zz", "t=1,v1=", "ts=;h1=", "v0=", "sha256=", "sha256=zz", "v1,", "v1,!!!", "\x00\xff", strings.Repeat("a", 5000), "t=99999999999999999999,v1=00"}
	headers := allHeaderNames()
	for _, name := range Names() {
		for _, g := range garbage {
			h := http.Header{}
			for _, k := range headers {
				h.Set(k, g)
			}
			req := Request{Method: "POST", URL: "https://e.com/x", Header: h, Body: []byte(`{"a":1}`)}
			for _, secret := range []string{"s", "whsec_!!", testKeys()["ed-pub-hex"]} {
				r, _ := Verify(name, req, Options{Secret: secret, WebhookID: "W"})
				if r.Valid || r.Reason == "" || strings.Contains(r.Reason, "internal error") {
					t.Errorf("%s with %q: %+v", name, clip(g), r)
				}
			}
		}
	}
}

func allHeaderNames() []string {
	return []string{
		"Stripe-Signature", "Calendly-Webhook-Signature", "X-Hub-Signature-256", "X-Hub-Signature",
		"X-Shopify-Hmac-Sha256", "X-Razorpay-Signature", "Typeform-Signature", "X-Vercel-Signature",
		"Linear-Signature", "X-Slack-Signature", "X-Slack-Request-Timestamp", "X-Zm-Signature",
		"X-Zm-Request-Timestamp", "Webhook-Id", "Webhook-Timestamp", "Webhook-Signature", "Svix-Id",
		"Svix-Timestamp", "Svix-Signature", "X-Twilio-Signature", "X-Square-Hmacsha256-Signature",
		"X-Square-Signature", hsSig, hsVersion, hsSigV3, hsTS, paddleHeader, twitchID, twitchTS, twitchSig,
		gitlabHeader, "X-Signature", "X-Timestamp", discordSig, discordTS, sendgridSig, sendgridTS,
		paypalID, paypalTime, paypalSig, paypalAlgo, "X-Event-Key", "User-Agent",
	}
}

func TestNoSecretGiven(t *testing.T) {
	for _, name := range Names() {
		if name == "auto" {
			continue
		}
		r, _ := Verify(name, jsonReq(), Options{})
		if r.Valid || r.Reason == "" {
			t.Errorf("%s without secret: %+v", name, r)
		}
	}
}

func TestResultJSON(t *testing.T) {
	h, _ := Sign("stripe", jsonReq(), Options{Secret: "s", Now: clock(signNow)})
	r, _ := Verify("stripe", withHeaders(jsonReq(), h), Options{Secret: "s", Now: clock(signNow.Add(90 * time.Second))})
	b, _ := json.Marshal(r)
	for _, want := range []string{`"scheme":"stripe"`, `"valid":true`, `"timestamp_age_s":90`, `"signed_payload":"1750000000.{`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	if strings.Contains(string(b), "stale") || strings.Contains(string(b), "diagnosis") {
		t.Errorf("omitempty fields present: %s", b)
	}
}

func TestRenderNonUTF8(t *testing.T) {
	req := Request{Header: http.Header{}, Body: []byte{0xff, 0x00, 'a'}}
	h, _ := Sign("github", req, Options{Secret: "s"})
	r, _ := Verify("github", withHeaders(req, h), Options{Secret: "s"})
	if !r.Valid || r.SignedPayload != `"\xff\x00a"` {
		t.Errorf("payload %q valid=%v", r.SignedPayload, r.Valid)
	}
}

func TestFutureTimestamp(t *testing.T) {
	h, _ := Sign("slack", jsonReq(), Options{Secret: "s", Now: clock(signNow.Add(time.Hour))})
	r, _ := Verify("slack", withHeaders(jsonReq(), h), Options{Secret: "s", Now: clock(signNow)})
	if !r.Stale || !strings.Contains(r.Reason, "1h in the future") {
		t.Errorf("got %+v", r)
	}
}

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second: "45s", 6*time.Minute + 40*time.Second: "6m40s", 10 * time.Minute: "10m",
		3*time.Hour + 12*time.Minute: "3h12m", 3 * time.Hour: "3h", 800 * time.Hour: "33d8h",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestPayPalNeverFetches(t *testing.T) {
	req := jsonReq()
	req.Header = http.Header{paypalID: {"id"}, paypalTime: {"2015-05-18T15:45:13Z"}, paypalSig: {"c2ln"}, "Paypal-Cert-Url": {"https://api.paypal.com/cert"}}
	r, _ := Verify("paypal", req, Options{WebhookID: "W"})
	if r.Valid || !strings.Contains(r.Reason, "never fetches") {
		t.Errorf("got %+v", r)
	}
}
