package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// Twilio: base64 HMAC-SHA1 (auth token as key) over the full public URL
// followed, for form posts, by every POST parameter's name and value in
// name order. JSON bodies are instead pinned by a bodySHA256=<hex> query
// parameter and only the URL is signed. Twilio's own validators try the URL
// both with and without the port, since its signer is inconsistent there.
// A name repeated in the form has two canonical forms in the official
// SDKs: every value, sorted (twilio-java and most hand-written signers),
// or each distinct value once, sorted (twilio-python, -node, -php); both
// are accepted.

const twilioHeader = "X-Twilio-Signature"

func twilioSpec() spec {
	return spec{
		name:   "twilio",
		verify: verifyTwilio,
		sign:   signTwilio,
		detect: func(h http.Header) bool { return hasHeader(h, twilioHeader) },
	}
}

// publicURL is the URL the sender signed.
func publicURL(req Request, opt Options) string {
	if opt.URL != "" {
		return opt.URL
	}
	return req.URL
}

func verifyTwilio(req Request, opt Options) Result {
	if r, bad := needSecret(opt); bad {
		return r
	}
	sig := header(req.Header, twilioHeader)
	if sig == "" {
		return invalid("missing %s header", twilioHeader)
	}
	u := publicURL(req, opt)
	if u == "" {
		return misconfigured("no URL to verify against: set Options.URL to the URL configured at Twilio")
	}
	suffixes, bodyHashOK, err := twilioSuffixes(u, req)
	if err != nil {
		return invalid("%v", err)
	}
	c := check{received: sig, url: u}
	first := true
search:
	for _, cand := range twilioURLs(u) {
		for _, suffix := range suffixes {
			payload := []byte(cand + suffix)
			mac := hmacSum(sha1.New, textKey(opt), payload)
			ok, diag := matchAny(mac, []string{sig}, b64Enc)
			if first || ok {
				c.payload, c.expected, c.matched, c.diag = payload, b64Enc.encode(mac), ok, diag
				first = false
			}
			if ok {
				break search
			}
		}
	}
	r := c.result(opt)
	if r.Valid && !bodyHashOK {
		r.Valid, r.diagnosable = false, true
		r.Reason = "signature matches the URL, but the body's SHA-256 differs from the URL's bodySHA256: the body changed after signing"
	}
	return r
}

// twilioSuffixes is what may follow the URL in the signed text: the sorted
// form parameters (every value, then each distinct value once, when a
// value repeats under a name), or nothing when the URL pins a JSON body by
// bodySHA256 (then bodyOK says whether the body still hashes to it). The
// first is the form Sign uses.
func twilioSuffixes(u string, req Request) (suffixes []string, bodyOK bool, err error) {
	pu, err := url.Parse(u)
	if err != nil {
		return nil, false, fmt.Errorf("URL %q does not parse", clip(u))
	}
	if want := pu.Query().Get("bodySHA256"); want != "" {
		sum := sha256.Sum256(req.Body)
		got := hex.EncodeToString(sum[:])
		return []string{""}, hmac.Equal([]byte(got), []byte(strings.ToLower(want))), nil
	}
	if !isForm(req) {
		return []string{""}, true, nil
	}
	vals, _ := url.ParseQuery(string(req.Body)) // keep what parses, like Twilio's frameworks
	all, distinct := sortedParams(vals, false), sortedParams(vals, true)
	if all == distinct {
		return []string{all}, true, nil
	}
	return []string{all, distinct}, true, nil
}

// isForm says whether the body is form-encoded POST parameters: by
// Content-Type, or, when a capture lost it, by a non-JSON body that parses.
func isForm(req Request) bool {
	ct := header(req.Header, "Content-Type")
	if ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		return mt == "application/x-www-form-urlencoded"
	}
	if len(req.Body) == 0 || req.Body[0] == '{' || req.Body[0] == '[' {
		return false
	}
	_, err := url.ParseQuery(string(req.Body))
	return err == nil
}

// sortedParams is every name in order, each followed by its values in
// order: all of them, or each distinct value once.
func sortedParams(vals url.Values, distinct bool) string {
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vs := append([]string(nil), vals[k]...)
		sort.Strings(vs)
		if distinct {
			vs = slices.Compact(vs)
		}
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	return b.String()
}

// twilioURLs is the URL as given, then the same URL with the port removed
// (when it has one) or the scheme's default port added (when it has none).
func twilioURLs(u string) []string {
	i := strings.Index(u, "://")
	if i < 0 {
		return []string{u}
	}
	start := i + 3
	end := len(u)
	if j := strings.IndexAny(u[start:], "/?#"); j >= 0 {
		end = start + j
	}
	authority := u[start:end]
	host := strings.LastIndex(authority, "@") + 1 // skip any userinfo
	colon := strings.LastIndex(authority, ":")
	if colon >= host && colon > strings.LastIndex(authority, "]") { // a port, not an IPv6 colon
		return []string{u, u[:start] + authority[:colon] + u[end:]}
	}
	port := map[string]string{"http": ":80", "https": ":443"}[strings.ToLower(u[:i])]
	if port == "" {
		return []string{u}
	}
	return []string{u, u[:end] + port + u[end:]}
}

func signTwilio(req Request, opt Options) (http.Header, error) {
	if _, bad := needSecret(opt); bad {
		return nil, errNoSecret
	}
	u := publicURL(req, opt)
	if u == "" {
		return nil, fmt.Errorf("twilio: no URL to sign: set Options.URL")
	}
	suffixes, bodyOK, err := twilioSuffixes(u, req)
	if err != nil {
		return nil, fmt.Errorf("twilio: %w", err)
	}
	suffix := suffixes[0]
	sum := sha256.Sum256(req.Body)
	switch {
	case !bodyOK:
		return nil, fmt.Errorf("twilio: the URL's bodySHA256 does not match the body; set it to %x", sum)
	case suffix == "" && len(req.Body) > 0 && !isForm(req) && !strings.Contains(u, "bodySHA256="):
		return nil, fmt.Errorf("twilio signs non-form bodies through the URL: add bodySHA256=%x to its query", sum)
	}
	h := http.Header{}
	h.Set(twilioHeader, b64Enc.encode(hmacSum(sha1.New, textKey(opt), []byte(u+suffix))))
	return h, nil
}
