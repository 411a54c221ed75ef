package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stripe/stripe-go/v82/webhook"

	"dev.hookscope/replay"
	"dev.hookscope/signature"
)

// TestResignedReplaysVerifyWithTheProvidersOwnLibraries edits a captured,
// signed delivery and replays it re-signed; the receiver checks it with
// stripe-go and the Standard Webhooks reference library, as real
// receivers do. The originals are an hour old, so without re-signing both
// libraries refuse them.
func TestResignedReplaysVerifyWithTheProvidersOwnLibraries(t *testing.T) {
	const stripeSecret = "whsec_provider_lib_test"
	const swSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	verdicts := make(chan error, 8)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/stripe":
			verdicts <- webhook.ValidatePayload(body, r.Header.Get("Stripe-Signature"), stripeSecret)
		case "/sw":
			wh, err := standardwebhooks.NewWebhook(swSecret)
			if err == nil {
				err = wh.Verify(body, r.Header)
			}
			verdicts <- err
		}
	}))
	defer receiver.Close()

	c := openCore(t)
	c.StartListener("")
	hourAgo := func() time.Time { return time.Now().Add(-time.Hour) }
	capture := func(path, scheme, secret string) uint64 {
		body := []byte(`{"id":"evt_1","type":"invoice.paid","amount":100}`)
		h, err := signature.Sign(scheme, signature.Request{Method: "POST", Body: body, Header: http.Header{}},
			signature.Options{Secret: secret, Now: hourAgo})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", c.ListenerURL()+path, strings.NewReader(string(body)))
		req.Header = h
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id, _ := c.NewestID()
		return id
	}
	edited := []byte(`{"id":"evt_1","type":"invoice.paid","amount":99999}`)
	cases := []struct{ path, scheme, secret string }{
		{"/stripe", "stripe", stripeSecret},
		{"/sw", "standard-webhooks", swSecret},
	}
	for _, tc := range cases {
		id := capture(tc.path, tc.scheme, tc.secret)
		// As captured: an hour old, so the provider's library refuses it.
		if _, err := c.Replay(context.Background(), id, ReplaySpec{Target: receiver.URL}); err != nil {
			t.Fatal(err)
		}
		if err := <-verdicts; err == nil {
			t.Fatalf("%s: the library accepted an hour-old signature", tc.scheme)
		}
		// Edited and re-signed: accepted.
		spec := ReplaySpec{Target: receiver.URL, Resign: true, Scheme: tc.scheme, Secret: tc.secret,
			Edit: replay.Edit{Body: edited, ReplaceBody: true}}
		if _, err := c.Replay(context.Background(), id, spec); err != nil {
			t.Fatal(err)
		}
		if err := <-verdicts; err != nil {
			t.Fatalf("%s: the provider's library rejected the re-signed replay: %v", tc.scheme, err)
		}
	}
}
