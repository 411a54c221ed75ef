package replay

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"dev.hookscope/signature"
)

// receiverVerifies checks, as the target would, what arrived.
func receiverVerifies(t *testing.T, got seen, scheme, secret string) signature.Result {
	t.Helper()
	res, err := signature.Verify(scheme, signature.Request{
		Method: got.Method, URL: "http://" + got.Host + got.URI, Header: got.Header, Body: got.Body,
	}, signature.Options{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestResignStripeOverEditedBody(t *testing.T) {
	const secret = "whsec_stripe_replay"
	srv := newRecorder(t, nil)
	body := []byte(`{"id":"evt_1","type":"invoice.paid"}`)
	rec := capture("POST", "/hooks/stripe", "", stripeHeaders(t, secret, body, time.Now().Add(-time.Hour)), body)
	if r := receiverVerifies(t, seen{Method: "POST", Header: rec.Header, Body: body}, "stripe", secret); !r.Stale {
		t.Fatalf("the capture should be stale before re-signing: %+v", r)
	}
	edited := []byte(`{"id":"evt_1","type":"invoice.paid","amount":42}`)
	req, err := Build(rec, srv.URL, Edit{Body: edited, ReplaceBody: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := Resign(req, edited, "stripe", signature.Options{Secret: secret}); err != nil {
		t.Fatal(err)
	}
	send(t, req)
	got := srv.last(t)
	if n := len(got.Header.Values("Stripe-Signature")); n != 1 {
		t.Fatalf("%d Stripe-Signature headers", n)
	}
	if r := receiverVerifies(t, got, "stripe", secret); !r.Valid {
		t.Fatalf("receiver rejects the re-signed replay: %s", r.Reason)
	}
}

func stripeHeaders(t *testing.T, secret string, body []byte, at time.Time) http.Header {
	t.Helper()
	h, err := signature.Sign("stripe", signature.Request{Method: "POST", Header: http.Header{}, Body: body},
		signature.Options{Secret: secret, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Content-Type", "application/json")
	return h
}

// Scheme "" detects Standard Webhooks from the capture, keeps its message
// ID and brand, and stamps a fresh timestamp.
func TestResignAutoStandardWebhooks(t *testing.T) {
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("standard-webhooks-key"))
	srv := newRecorder(t, nil)
	body := []byte(`{"type":"user.created"}`)
	old := time.Now().Add(-2 * time.Hour)
	h, err := signature.Sign("standard-webhooks", signature.Request{Method: "POST", Header: http.Header{}, Body: body},
		signature.Options{Secret: secret, Now: func() time.Time { return old }})
	if err != nil {
		t.Fatal(err)
	}
	rec := capture("POST", "/hooks/sw", "", h, body)
	edited := []byte(`{"type":"user.created","edited":true}`)
	req, _ := Build(rec, srv.URL, Edit{Body: edited, ReplaceBody: true})
	if err := Resign(req, edited, "", signature.Options{Secret: secret}); err != nil {
		t.Fatal(err)
	}
	send(t, req)
	got := srv.last(t)
	if r := receiverVerifies(t, got, "standard-webhooks", secret); !r.Valid {
		t.Fatalf("receiver rejects: %s", r.Reason)
	}
	if got.Header.Get("Webhook-Id") != h.Get("Webhook-Id") {
		t.Errorf("message ID changed: %q -> %q", h.Get("Webhook-Id"), got.Header.Get("Webhook-Id"))
	}
	ts, _ := strconv.ParseInt(got.Header.Get("Webhook-Timestamp"), 10, 64)
	if age := time.Since(time.Unix(ts, 0)); age > time.Minute || len(got.Header.Values("Webhook-Signature")) != 1 {
		t.Errorf("timestamp %s old, %d signatures", age, len(got.Header.Values("Webhook-Signature")))
	}
}

// A GitHub capture carries SHA-256 and legacy SHA-1 signatures; both must
// be fresh after re-signing, or a SHA-1 receiver rejects the edit.
func TestResignGitHubReplacesBothSignatures(t *testing.T) {
	const secret = "gh-secret"
	srv := newRecorder(t, nil)
	body := []byte(`{"action":"opened"}`)
	h, _ := signature.Sign("github", signature.Request{Method: "POST", Header: http.Header{}, Body: body}, signature.Options{Secret: secret})
	h.Set("X-Github-Delivery", "d-1")
	edited := []byte(`{"action":"closed"}`)
	req, _ := Build(capture("POST", "/gh", "", h, body), srv.URL, Edit{Body: edited, ReplaceBody: true})
	if err := Resign(req, edited, "auto", signature.Options{Secret: secret}); err != nil {
		t.Fatal(err)
	}
	send(t, req)
	got := srv.last(t)
	sha1Only := got.Header.Clone()
	sha1Only.Del("X-Hub-Signature-256")
	for name, hdr := range map[string]http.Header{"sha256": got.Header, "sha1": sha1Only} {
		g := got
		g.Header = hdr
		if r := receiverVerifies(t, g, "github", secret); !r.Valid {
			t.Errorf("%s: %s", name, r.Reason)
		}
	}
}

func TestResignWithoutSchemeHeadersFails(t *testing.T) {
	req, _ := Build(capture("POST", "/x", "", http.Header{}, []byte("{}")), "http://127.0.0.1:1", Edit{})
	err := Resign(req, []byte("{}"), "", signature.Options{Secret: "s"})
	if !errors.Is(err, signature.ErrCannotSign) {
		t.Fatalf("err %v", err)
	}
	if err := Resign(req, nil, "no-such-scheme", signature.Options{Secret: "s"}); err == nil {
		t.Fatal("unknown scheme accepted")
	}
}
