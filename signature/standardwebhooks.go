package signature

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks (Svix's scheme, which Svix sends under svix-* names):
// HMAC-SHA256 over "<id>.<timestamp>.<body>", keyed by the base64 part of a
// "whsec_…" secret, sent as a space-separated list of "v1,<base64>" so that
// a rolled key can sign alongside the old one.

const swTolerance = 5 * time.Minute

// standardWebhooksSpec signs with "webhook-" headers, or with the branded
// "svix-" ones for the svix alias; it verifies either set.
func standardWebhooksSpec(signPrefix string) spec {
	if signPrefix == "" {
		signPrefix = "webhook-"
	}
	return spec{
		name:   "standard-webhooks",
		verify: verifySW,
		sign:   func(req Request, opt Options) (http.Header, error) { return signSW(signPrefix, req, opt) },
		detect: func(h http.Header) bool { return hasHeader(h, "Webhook-Signature", "Svix-Signature") },
		key:    keyWhsec,
	}
}

// whsecKey decodes a whsec_ secret; the prefix is optional, as in the
// reference libraries.
func whsecKey(opt Options) ([]byte, error) {
	if opt.key != nil {
		return opt.key, nil
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(opt.Secret, "whsec_"))
	if err != nil || len(k) == 0 {
		return nil, errors.New("the secret is not base64 after its whsec_ prefix")
	}
	return k, nil
}

// swHeaders picks the webhook-* set, or the svix-* set when that is the one
// carrying the signature.
func swHeaders(h http.Header) (prefix, id, ts, sig string) {
	prefix = "webhook-"
	if header(h, "Webhook-Signature") == "" && header(h, "Svix-Signature") != "" {
		prefix = "svix-"
	}
	return prefix, header(h, prefix+"id"), header(h, prefix+"timestamp"), header(h, prefix+"signature")
}

// parseSWList returns the base64 parts of the v1 entries; other versions
// (v1a is asymmetric) are skipped.
func parseSWList(v string) []string {
	var out []string
	for _, item := range strings.Fields(v) {
		ver, sig, ok := strings.Cut(item, ",")
		if ok && ver == "v1" && sig != "" {
			out = append(out, sig)
		}
	}
	return out
}

func verifySW(req Request, opt Options) Result {
	if r, bad := needSecret(opt); bad {
		return r
	}
	p, id, tsText, sig := swHeaders(req.Header)
	for _, f := range [][2]string{{"id", id}, {"timestamp", tsText}, {"signature", sig}} {
		if f[1] == "" {
			return invalid("missing %s%s header", p, f[0])
		}
	}
	sigs := parseSWList(sig)
	if len(sigs) == 0 {
		return invalid("%ssignature has no \"v1,<base64>\" entry", p)
	}
	ts, err := unixSeconds(tsText)
	if err != nil {
		return invalid("%stimestamp: %v", p, err)
	}
	payload := cat(id, ".", tsText, ".", string(req.Body))
	key, err := whsecKey(opt)
	if err != nil {
		r := invalid("%v", err)
		r.SignedPayload = render(payload)
		r.diagnosable = true // the sender may have used the text itself
		return r
	}
	mac := hmacSum(sha256.New, key, payload)
	ok, diag := matchAny(mac, sigs, b64Enc)
	return check{payload: payload, expected: "v1," + b64Enc.encode(mac), received: sig,
		matched: ok, diag: diag, ts: &ts, tol: swTolerance}.result(opt)
}

func signSW(prefix string, req Request, opt Options) (http.Header, error) {
	key, err := whsecKey(opt)
	if err != nil {
		return nil, err
	}
	// Re-signing a capture keeps its header brand (svix-* or webhook-*):
	// the receiver reads the names it was sent.
	p, id, _, sig := swHeaders(req.Header)
	if sig != "" {
		prefix = p
	}
	if id == "" {
		id = newID("msg_")
	}
	ts := strconv.FormatInt(now(opt).Unix(), 10)
	mac := hmacSum(sha256.New, key, cat(id, ".", ts, ".", string(req.Body)))
	h := http.Header{}
	h.Set(prefix+"id", id)
	h.Set(prefix+"timestamp", ts)
	h.Set(prefix+"signature", "v1,"+b64Enc.encode(mac))
	return h, nil
}

// newID makes a random message ID for senders that need one.
func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
