package replay

import (
	"fmt"
	"net/http"

	"dev.hookscope/signature"
)

// staleHeaders are signature headers a scheme may have left on the capture
// that its Sign does not always return (GitHub's legacy SHA-1 next to the
// SHA-256 one, the other brand of Standard Webhooks). They go before the
// fresh ones are set, so the receiver never sees an old signature.
var staleHeaders = map[string][]string{
	"stripe":            {"Stripe-Signature"},
	"github":            {"X-Hub-Signature-256", "X-Hub-Signature"},
	"standard-webhooks": {"Webhook-Signature", "Webhook-Timestamp", "Svix-Signature", "Svix-Timestamp"},
	"slack":             {"X-Slack-Signature", "X-Slack-Request-Timestamp"},
	"hubspot":           {"X-Hubspot-Signature", "X-Hubspot-Signature-V3", "X-Hubspot-Request-Timestamp"},
	"twitch":            {"Twitch-Eventsub-Message-Signature", "Twitch-Eventsub-Message-Timestamp"},
	"discord":           {"X-Signature-Ed25519", "X-Signature-Timestamp"},
}

// Resign recomputes req's signature headers over body (the bytes actually
// sent) with a fresh timestamp. scheme "" means "auto": detect it from the
// captured headers; callers with a saved rule for the path pass its scheme.
// When opt.URL is empty, URL-signing schemes sign req's own URL, which is
// what the target receives.
func Resign(req *http.Request, body []byte, scheme string, opt signature.Options) error {
	if scheme == "" {
		scheme = "auto"
	}
	sreq := signature.Request{
		Method: req.Method, URL: req.URL.String(), Path: req.URL.EscapedPath(),
		RawQuery: req.URL.RawQuery, Header: req.Header, Body: body,
	}
	// Sign reads the captured headers (to detect the scheme, keep a
	// message ID or a header brand), so they are removed only afterwards.
	fresh, err := signature.Sign(scheme, sreq, opt)
	if err != nil {
		return fmt.Errorf("re-sign the request with %s: %w", scheme, err)
	}
	for _, name := range staleHeaders[canonicalScheme(scheme, req.Header)] {
		req.Header.Del(name)
	}
	for name, values := range fresh {
		req.Header[http.CanonicalHeaderKey(name)] = append([]string(nil), values...)
	}
	return nil
}

// canonicalScheme resolves "auto" and aliases to the registry's name.
func canonicalScheme(scheme string, h http.Header) string {
	if scheme == "auto" {
		name, _ := signature.Detect(h)
		return name
	}
	s, err := signature.Lookup(scheme)
	if err != nil {
		return scheme
	}
	return s.Name()
}
