package signature

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The generic "hmac" scheme covers home-grown senders: HMAC of a template
// over the request, in one header. Options.Algo, Encoding, HeaderName,
// Prefix and Template configure it (see Options). {timestamp} comes from
// Options.TimestampHeader or the first of genericTSHeaders present: unix
// seconds (or milliseconds when it is that large) or RFC 3339, checked
// within 5 minutes by default; {id} likewise from IDHeader/genericIDHeaders.

var (
	genericTSHeaders = []string{"X-Timestamp", "X-Webhook-Timestamp", "Webhook-Timestamp", "Timestamp"}
	genericIDHeaders = []string{"X-Webhook-Id", "Webhook-Id", "X-Request-Id"}
)

type genericCfg struct {
	hash           func() hash.Hash
	enc            encoding
	header, prefix string
	tmpl           string
}

func genericSpec() spec {
	return spec{name: "hmac", verify: verifyGeneric, sign: signGeneric}
}

func genericConfig(opt Options) (genericCfg, error) {
	c := genericCfg{header: opt.HeaderName, prefix: opt.Prefix, tmpl: opt.Template}
	if c.header == "" {
		c.header = "X-Signature"
	}
	if c.tmpl == "" {
		c.tmpl = "{body}"
	}
	algo := strings.NewReplacer("hmac-", "", "-", "").Replace(strings.ToLower(opt.Algo))
	switch algo {
	case "", "sha256":
		c.hash = sha256.New
	case "sha1":
		c.hash = sha1.New
	case "sha384":
		c.hash = sha512.New384
	case "sha512":
		c.hash = sha512.New
	default:
		return c, fmt.Errorf("unknown algorithm %q (use sha1, sha256, sha384 or sha512)", clip(opt.Algo))
	}
	switch strings.ToLower(opt.Encoding) {
	case "", "hex":
		c.enc = hexEnc
	case "base64", "b64":
		c.enc = b64Enc
	case "base64url":
		c.enc = b64URLEnc
	default:
		return c, fmt.Errorf("unknown encoding %q (use hex, base64 or base64url)", clip(opt.Encoding))
	}
	return c, nil
}

// firstHeader returns the name and value of the configured header, or of the
// first default one present.
func firstHeader(h http.Header, configured string, defaults []string) (string, string) {
	if configured != "" {
		return configured, header(h, configured)
	}
	for _, n := range defaults {
		if v := header(h, n); v != "" {
			return n, v
		}
	}
	return defaults[0], ""
}

func (c genericCfg) payload(req Request, opt Options, ts, id string) []byte {
	path := req.Path
	if path == "" {
		if u, err := url.Parse(req.URL); err == nil {
			path = u.EscapedPath()
		}
	}
	return []byte(strings.NewReplacer(
		"{body}", string(req.Body), "{timestamp}", ts, "{id}", id,
		"{url}", publicURL(req, opt), "{method}", method(req), "{path}", path,
	).Replace(c.tmpl))
}

// genericTime reads a timestamp the way home-grown senders write them.
func genericTime(s string) *time.Time {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		t := time.Unix(n, 0)
		if n > 1e12 {
			t = time.UnixMilli(n)
		}
		return &t
	}
	if t, err := rfc3339(s); err == nil {
		return &t
	}
	return nil
}

func verifyGeneric(req Request, opt Options) Result {
	if r, bad := needSecret(opt); bad {
		return r
	}
	c, err := genericConfig(opt)
	if err != nil {
		return misconfigured("hmac: %v", err)
	}
	raw := header(req.Header, c.header)
	if raw == "" {
		return invalid("missing %s header", c.header)
	}
	sig, ok := cutPrefixFold(raw, c.prefix)
	if !ok {
		return invalid("%s value does not start with %q", c.header, c.prefix)
	}
	chk := check{received: raw, tol: 5 * time.Minute}
	var ts, id string
	if strings.Contains(c.tmpl, "{timestamp}") {
		var name string
		if name, ts = firstHeader(req.Header, opt.TimestampHeader, genericTSHeaders); ts == "" {
			return invalid("the template uses {timestamp} but there is no %s header (set Options.TimestampHeader)", name)
		}
		chk.ts = genericTime(ts)
	}
	if strings.Contains(c.tmpl, "{id}") {
		var name string
		if name, id = firstHeader(req.Header, opt.IDHeader, genericIDHeaders); id == "" {
			return invalid("the template uses {id} but there is no %s header (set Options.IDHeader)", name)
		}
	}
	if strings.Contains(c.tmpl, "{url}") {
		chk.url = publicURL(req, opt)
	}
	chk.payload = c.payload(req, opt, ts, id)
	mac := hmacSum(c.hash, textKey(opt), chk.payload)
	chk.expected = c.prefix + c.enc.encode(mac)
	chk.matched, chk.diag = matchAny(mac, []string{sig}, c.enc)
	return chk.result(opt)
}

func signGeneric(req Request, opt Options) (http.Header, error) {
	if _, bad := needSecret(opt); bad {
		return nil, errNoSecret
	}
	c, err := genericConfig(opt)
	if err != nil {
		return nil, fmt.Errorf("hmac: %w", err)
	}
	h := http.Header{}
	var ts, id string
	if strings.Contains(c.tmpl, "{timestamp}") {
		ts = strconv.FormatInt(now(opt).Unix(), 10)
		name, _ := firstHeader(req.Header, opt.TimestampHeader, genericTSHeaders)
		h.Set(name, ts)
	}
	if strings.Contains(c.tmpl, "{id}") {
		var name string
		if name, id = firstHeader(req.Header, opt.IDHeader, genericIDHeaders); id == "" {
			id = newID("")
		}
		h.Set(name, id)
	}
	h.Set(c.header, c.prefix+c.enc.encode(hmacSum(c.hash, textKey(opt), c.payload(req, opt, ts, id))))
	return h, nil
}
