package signature

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/json"
	"hash"
	"net/http"
	"strings"
	"time"
)

// bodyMAC is the simplest family: an HMAC of the raw body alone, in one
// header, optionally behind a "sha256=" style prefix. GitHub, Shopify,
// Razorpay, Typeform, Vercel, Bitbucket, Intercom and Linear all use it.
type bodyMAC struct {
	header string
	prefix string // lower-case; matched case-insensitively
	hash   func() hash.Hash
	enc    encoding
	// bodyTS, when set, reads a signed timestamp from the body (Linear).
	bodyTS func(body []byte) *time.Time
	tol    time.Duration
}

func (b bodyMAC) mac(req Request, opt Options) []byte {
	return hmacSum(b.hash, textKey(opt), req.Body)
}

func (b bodyMAC) verify(req Request, opt Options) Result {
	if r, bad := needSecret(opt); bad {
		return r
	}
	raw := header(req.Header, b.header)
	if raw == "" {
		return invalid("missing %s header", b.header)
	}
	sig, ok := cutPrefixFold(raw, b.prefix)
	if !ok {
		return invalid("%s value does not start with %q", b.header, b.prefix)
	}
	mac := b.mac(req, opt)
	ok, diag := matchAny(mac, []string{sig}, b.enc)
	c := check{payload: req.Body, expected: b.prefix + b.enc.encode(mac), received: raw, matched: ok, diag: diag, tol: b.tol}
	if b.bodyTS != nil {
		c.ts = b.bodyTS(req.Body)
	}
	return c.result(opt)
}

func (b bodyMAC) sign(req Request, opt Options) (http.Header, error) {
	if _, bad := needSecret(opt); bad {
		return nil, errNoSecret
	}
	h := http.Header{}
	h.Set(b.header, b.prefix+b.enc.encode(b.mac(req, opt)))
	return h, nil
}

func (b bodyMAC) spec(name string, detect func(http.Header) bool) spec {
	if detect == nil {
		detect = func(h http.Header) bool { return hasHeader(h, b.header) }
	}
	return spec{name: name, verify: b.verify, sign: b.sign, detect: detect}
}

var (
	github256 = bodyMAC{header: "X-Hub-Signature-256", prefix: "sha256=", hash: sha256.New, enc: hexEnc}
	github1   = bodyMAC{header: "X-Hub-Signature", prefix: "sha1=", hash: sha1.New, enc: hexEnc}
)

// GitHub sends both headers; the SHA-256 one wins, the SHA-1 one is legacy
// (and still what some GitHub-compatible senders, e.g. Gitea forks, send).
func githubSpec() spec {
	return spec{
		name: "github",
		verify: func(req Request, opt Options) Result {
			if header(req.Header, github256.header) == "" && header(req.Header, github1.header) != "" {
				return github1.verify(req, opt)
			}
			if header(req.Header, github256.header) == "" {
				return invalid("missing X-Hub-Signature-256 (or legacy X-Hub-Signature) header")
			}
			return github256.verify(req, opt)
		},
		sign: func(req Request, opt Options) (http.Header, error) {
			h, err := github256.sign(req, opt)
			if err != nil {
				return nil, err
			}
			h1, _ := github1.sign(req, opt)
			h.Set(github1.header, h1.Get(github1.header))
			return h, nil
		},
		detect: func(h http.Header) bool { return hasHeader(h, github256.header, github1.header) },
	}
}

func shopifySpec() spec {
	return bodyMAC{header: "X-Shopify-Hmac-Sha256", hash: sha256.New, enc: b64Enc}.spec("shopify", nil)
}

func razorpaySpec() spec {
	return bodyMAC{header: "X-Razorpay-Signature", hash: sha256.New, enc: hexEnc}.spec("razorpay", nil)
}

func typeformSpec() spec {
	return bodyMAC{header: "Typeform-Signature", prefix: "sha256=", hash: sha256.New, enc: b64Enc}.spec("typeform", nil)
}

func vercelSpec() spec {
	return bodyMAC{header: "X-Vercel-Signature", hash: sha1.New, enc: hexEnc}.spec("vercel", nil)
}

// Bitbucket Cloud reuses GitHub's X-Hub-Signature name with sha256=; its
// X-Event-Key / X-Hook-UUID headers tell it apart.
func bitbucketSpec() spec {
	b := bodyMAC{header: "X-Hub-Signature", prefix: "sha256=", hash: sha256.New, enc: hexEnc}
	return b.spec("bitbucket", func(h http.Header) bool {
		return hasHeader(h, b.header) && hasHeader(h, "X-Event-Key", "X-Hook-UUID")
	})
}

// Intercom signs with sha1= in X-Hub-Signature; only its User-Agent tells it
// apart from GitHub's legacy header (which verifies the same way anyway).
func intercomSpec() spec {
	b := bodyMAC{header: "X-Hub-Signature", prefix: "sha1=", hash: sha1.New, enc: hexEnc}
	return b.spec("intercom", func(h http.Header) bool {
		return hasHeader(h, b.header) && strings.Contains(strings.ToLower(header(h, "User-Agent")), "intercom")
	})
}

// Linear signs the body only, and puts the delivery time (unix ms) in the
// body's webhookTimestamp field, to be checked within a minute.
func linearSpec() spec {
	return bodyMAC{header: "Linear-Signature", hash: sha256.New, enc: hexEnc, bodyTS: linearTimestamp, tol: time.Minute}.spec("linear", nil)
}

func linearTimestamp(body []byte) *time.Time {
	var v struct {
		WebhookTimestamp json.Number `json:"webhookTimestamp"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if d.Decode(&v) != nil || v.WebhookTimestamp == "" {
		return nil
	}
	ms, err := v.WebhookTimestamp.Int64()
	if err != nil {
		return nil
	}
	t := time.UnixMilli(ms)
	return &t
}
