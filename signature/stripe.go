package signature

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Stripe (and Calendly, which copied it): "t=<unix>,v1=<hex>[,v1=…]" over
// "<t>.<body>" with HMAC-SHA256 keyed by the secret text. Several v1 entries
// appear while a secret is being rolled; any one matching is enough. Other
// schemes (v0 test-mode signatures) are ignored, as Stripe's libraries do.

func stripeSpec() spec {
	return tvSpec("stripe", "Stripe-Signature", 300*time.Second)
}

// Calendly documents a 3-minute window.
func calendlySpec() spec {
	return tvSpec("calendly", "Calendly-Webhook-Signature", 180*time.Second)
}

func tvSpec(name, hdr string, tol time.Duration) spec {
	return spec{
		name:   name,
		verify: func(req Request, opt Options) Result { return verifyTV(hdr, tol, req, opt) },
		sign:   func(req Request, opt Options) (http.Header, error) { return signTV(hdr, req, opt) },
		detect: func(h http.Header) bool { return hasHeader(h, hdr) },
	}
}

// parseTV splits a "t=…,v1=…" header into its timestamp and v1 signatures.
func parseTV(v string) (ts string, sigs []string, err error) {
	for _, item := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "t":
			ts = strings.TrimSpace(val)
		case "v1":
			sigs = append(sigs, strings.TrimSpace(val))
		}
	}
	switch {
	case ts == "":
		return "", nil, errors.New("has no t= timestamp")
	case len(sigs) == 0:
		return "", nil, errors.New("has no v1= signature")
	}
	return ts, sigs, nil
}

func verifyTV(hdr string, tol time.Duration, req Request, opt Options) Result {
	if r, bad := needSecret(opt); bad {
		return r
	}
	raw := header(req.Header, hdr)
	if raw == "" {
		return invalid("missing %s header", hdr)
	}
	tsText, sigs, err := parseTV(raw)
	if err != nil {
		return invalid("%s header %v", hdr, err)
	}
	ts, err := unixSeconds(tsText)
	if err != nil {
		return invalid("%s header: %v", hdr, err)
	}
	payload := cat(tsText, ".", string(req.Body))
	mac := hmacSum(sha256.New, textKey(opt), payload)
	ok, diag := matchAny(mac, sigs, hexEnc)
	return check{
		payload:  payload,
		expected: "v1=" + hex.EncodeToString(mac),
		received: "v1=" + strings.Join(sigs, ",v1="),
		matched:  ok, diag: diag, ts: &ts, tol: tol,
	}.result(opt)
}

func signTV(hdr string, req Request, opt Options) (http.Header, error) {
	if _, bad := needSecret(opt); bad {
		return nil, errNoSecret
	}
	ts := strconv.FormatInt(now(opt).Unix(), 10)
	mac := hmacSum(sha256.New, textKey(opt), cat(ts, ".", string(req.Body)))
	h := http.Header{}
	h.Set(hdr, "t="+ts+",v1="+hex.EncodeToString(mac))
	return h, nil
}

var errNoSecret = errors.New("no secret given")
