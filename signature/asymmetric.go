package signature

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Asymmetric schemes verify with the provider's public key; given a private
// key instead (tests, a composer signing "as" a provider) they can sign too.
// None of them documents a timestamp window, so by default only the age is
// reported.

// sigBytes decodes a received signature; when it only decodes in the other
// encoding, alt holds that and the caller can name the mix-up if it verifies.
func sigBytes(s string, e encoding) (b, alt []byte) {
	if b, ok := e.decode(s); ok {
		return b, nil
	}
	alt, _ = e.other().decode(s)
	return nil, alt
}

func encodingDiag(e encoding) string {
	if e == hexEnc {
		return DiagBase64ForHex
	}
	return DiagHexForBase64
}

// asymCheck verifies sig (in encoding e) with fn and fills a check.
func asymCheck(sig string, e encoding, fn func([]byte) bool) check {
	b, alt := sigBytes(sig, e)
	c := check{received: sig, mismatch: "signature does not verify with this public key: wrong key, or the signed bytes differ from what was received"}
	switch {
	case b != nil:
		c.matched = fn(b)
	case alt != nil && fn(alt):
		c.diag = encodingDiag(e)
	}
	return c
}

// Discord: Ed25519 over timestamp+body; hex public key, hex signature.
const (
	discordSig = "X-Signature-Ed25519"
	discordTS  = "X-Signature-Timestamp"
)

func discordSpec() spec {
	return spec{
		name:   "discord",
		verify: verifyDiscord,
		sign:   signDiscord,
		detect: func(h http.Header) bool { return hasHeader(h, discordSig) },
		key:    keyPublic,
	}
}

func verifyDiscord(req Request, opt Options) Result {
	pub, priv, err := ed25519Key(opt.Secret)
	if err != nil {
		return misconfigured("discord needs the application's Ed25519 public key (hex) as the secret: %v", err)
	}
	sig, tsText := header(req.Header, discordSig), header(req.Header, discordTS)
	for _, f := range [][2]string{{discordSig, sig}, {discordTS, tsText}} {
		if f[1] == "" {
			return invalid("missing %s header", f[0])
		}
	}
	payload := cat(tsText, string(req.Body))
	c := asymCheck(sig, hexEnc, func(b []byte) bool { return ed25519.Verify(pub, payload, b) })
	c.payload = payload
	if priv != nil { // Ed25519 is deterministic: show what the right signature is
		c.expected = hexEnc.encode(ed25519.Sign(priv, payload))
	}
	if ts, err := unixSeconds(tsText); err == nil {
		c.ts = &ts
	}
	return c.result(opt)
}

func signDiscord(req Request, opt Options) (http.Header, error) {
	_, priv, err := ed25519Key(opt.Secret)
	if err != nil || priv == nil {
		return nil, fmt.Errorf("discord: %w: needs an Ed25519 private key, not the public one", ErrCannotSign)
	}
	ts := strconv.FormatInt(now(opt).Unix(), 10)
	h := http.Header{}
	h.Set(discordTS, ts)
	h.Set(discordSig, hexEnc.encode(ed25519.Sign(priv, cat(ts, string(req.Body)))))
	return h, nil
}

// SendGrid Event Webhook: ECDSA P-256 / SHA-256 over timestamp+body; the
// verification key is base64 DER, the signature base64 ASN.1 DER.
const (
	sendgridSig = "X-Twilio-Email-Event-Webhook-Signature"
	sendgridTS  = "X-Twilio-Email-Event-Webhook-Timestamp"
)

func sendgridSpec() spec {
	return spec{
		name:   "sendgrid",
		verify: verifySendGrid,
		sign:   signSendGrid,
		detect: func(h http.Header) bool { return hasHeader(h, sendgridSig) },
		key:    keyPublic,
	}
}

func verifySendGrid(req Request, opt Options) Result {
	pub, _, err := ecdsaKey(opt.Secret)
	if err != nil {
		return misconfigured("sendgrid needs the verification key (base64 DER public key) as the secret: %v", err)
	}
	sig, tsText := header(req.Header, sendgridSig), header(req.Header, sendgridTS)
	for _, f := range [][2]string{{sendgridSig, sig}, {sendgridTS, tsText}} {
		if f[1] == "" {
			return invalid("missing %s header", f[0])
		}
	}
	payload := cat(tsText, string(req.Body))
	digest := sha256.Sum256(payload)
	c := asymCheck(sig, b64Enc, func(b []byte) bool { return ecdsa.VerifyASN1(pub, digest[:], b) })
	c.payload = payload
	if ts, err := unixSeconds(tsText); err == nil {
		c.ts = &ts
	}
	return c.result(opt)
}

func signSendGrid(req Request, opt Options) (http.Header, error) {
	_, priv, err := ecdsaKey(opt.Secret)
	if err != nil || priv == nil {
		return nil, fmt.Errorf("sendgrid: %w: needs an ECDSA private key, not the verification key", ErrCannotSign)
	}
	ts := strconv.FormatInt(now(opt).Unix(), 10)
	digest := sha256.Sum256(cat(ts, string(req.Body)))
	sig, err := ecdsa.SignASN1(rand.Reader, priv, digest[:])
	if err != nil {
		return nil, fmt.Errorf("sendgrid: %w", err)
	}
	h := http.Header{}
	h.Set(sendgridTS, ts)
	h.Set(sendgridSig, b64Enc.encode(sig))
	return h, nil
}

// PayPal: RSA PKCS#1 v1.5 over "<transmission id>|<transmission time>|
// <webhook id>|<crc32 of body, decimal>", hash named by PAYPAL-AUTH-ALGO.
// PayPal's SDKs fetch the certificate from PAYPAL-CERT-URL; hookscope never
// does (a captured request must not make it call out to a URL an attacker
// chose), so the certificate PEM is the secret.
const (
	paypalID   = "Paypal-Transmission-Id"
	paypalTime = "Paypal-Transmission-Time"
	paypalSig  = "Paypal-Transmission-Sig"
	paypalAlgo = "Paypal-Auth-Algo"
	paypalCert = "Paypal-Cert-Url"
)

func paypalSpec() spec {
	return spec{
		name:   "paypal",
		verify: verifyPayPal,
		sign:   signPayPal,
		detect: func(h http.Header) bool { return hasHeader(h, paypalSig) },
		key:    keyPublic,
	}
}

func paypalHash(algo string) (crypto.Hash, bool) {
	switch strings.ToUpper(strings.TrimSpace(algo)) {
	case "", "SHA256WITHRSA":
		return crypto.SHA256, true
	case "SHA1WITHRSA":
		return crypto.SHA1, true
	case "SHA512WITHRSA":
		return crypto.SHA512, true
	}
	return 0, false
}

func paypalPayload(id, when, webhookID string, body []byte) []byte {
	return cat(id, "|", when, "|", webhookID, "|", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
}

func digest(h crypto.Hash, b []byte) []byte {
	switch h {
	case crypto.SHA1:
		d := sha1.Sum(b)
		return d[:]
	case crypto.SHA512:
		d := sha512.Sum512(b)
		return d[:]
	}
	d := sha256.Sum256(b)
	return d[:]
}

func verifyPayPal(req Request, opt Options) Result {
	id, when, sig := header(req.Header, paypalID), header(req.Header, paypalTime), header(req.Header, paypalSig)
	for _, f := range [][2]string{{paypalSig, sig}, {paypalID, id}, {paypalTime, when}} {
		if f[1] == "" {
			return invalid("missing %s header", f[0])
		}
	}
	if strings.TrimSpace(opt.Secret) == "" {
		return misconfigured("paypal needs its signing certificate as the secret: download %s yourself and paste the PEM (hookscope never fetches it)", clip(header(req.Header, paypalCert)))
	}
	pub, _, err := rsaKey(opt.Secret)
	if err != nil {
		return misconfigured("paypal needs the signing certificate (PEM) as the secret: %v", err)
	}
	if opt.WebhookID == "" {
		return misconfigured("paypal signs the webhook ID: set Options.WebhookID")
	}
	h, ok := paypalHash(header(req.Header, paypalAlgo))
	if !ok {
		return invalid("unsupported %s %q", paypalAlgo, clip(header(req.Header, paypalAlgo)))
	}
	payload := paypalPayload(id, when, opt.WebhookID, req.Body)
	c := asymCheck(sig, b64Enc, func(b []byte) bool { return rsa.VerifyPKCS1v15(pub, h, digest(h, payload), b) == nil })
	c.payload = payload
	if ts, err := rfc3339(when); err == nil {
		c.ts = &ts
	}
	return c.result(opt)
}

func signPayPal(req Request, opt Options) (http.Header, error) {
	_, priv, err := rsaKey(opt.Secret)
	if err != nil || priv == nil {
		return nil, fmt.Errorf("paypal: %w: needs an RSA private key, not the certificate", ErrCannotSign)
	}
	if opt.WebhookID == "" {
		return nil, fmt.Errorf("paypal: set Options.WebhookID")
	}
	id := header(req.Header, paypalID)
	if id == "" {
		id = newID("")
	}
	when := now(opt).UTC().Format(time.RFC3339)
	payload := paypalPayload(id, when, opt.WebhookID, req.Body)
	sig, err := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, digest(crypto.SHA256, payload))
	if err != nil {
		return nil, fmt.Errorf("paypal: %w", err)
	}
	h := http.Header{}
	h.Set(paypalID, id)
	h.Set(paypalTime, when)
	h.Set(paypalAlgo, "SHA256withRSA")
	h.Set(paypalSig, b64Enc.encode(sig))
	return h, nil
}
