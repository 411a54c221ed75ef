package signature

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// textKey is the secret text as HMAC key, as most providers use it.
func textKey(opt Options) []byte {
	if opt.key != nil {
		return opt.key
	}
	return []byte(opt.Secret)
}

// needSecret returns the invalid Result for a missing secret.
func needSecret(opt Options) (Result, bool) {
	if opt.Secret == "" && opt.key == nil {
		return misconfigured("no secret given: set the endpoint's signing secret"), true
	}
	return Result{}, false
}

// header returns a header value, tolerating non-canonical keys in captures
// that were stored by something other than net/http.
func header(h http.Header, name string) string {
	if v := h.Get(name); v != "" {
		return strings.TrimSpace(v)
	}
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
	}
	return ""
}

func hasHeader(h http.Header, names ...string) bool {
	for _, n := range names {
		if header(h, n) != "" {
			return true
		}
	}
	return false
}

func invalid(format string, args ...any) Result {
	return Result{Reason: fmt.Sprintf(format, args...)}
}

// misconfigured is the Result for options that cannot check any request
// (see ErrConfig).
func misconfigured(format string, args ...any) Result {
	r := invalid(format, args...)
	r.misconfigured = true
	return r
}

// CheckURL refuses a public URL (Options.URL) that is not absolute http
// or https with a host: signed as it stands, it could never match.
func CheckURL(u string) error {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return fmt.Errorf("the public URL %q is not an http:// or https:// URL with a host", clip(u))
	}
	return nil
}

func now(opt Options) time.Time {
	if opt.Now != nil {
		return opt.Now()
	}
	return time.Now()
}

// tolerance resolves Options.Tolerance against the scheme default; 0 means
// no check.
func tolerance(opt Options, def time.Duration) time.Duration {
	switch {
	case opt.Tolerance < 0:
		return 0
	case opt.Tolerance > 0:
		return opt.Tolerance
	}
	return def
}

func unixSeconds(s string) (time.Time, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q is not unix seconds", clip(s))
	}
	return time.Unix(n, 0), nil
}

func unixMillis(s string) (time.Time, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q is not unix milliseconds", clip(s))
	}
	return time.UnixMilli(n), nil
}

func rfc3339(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q is not RFC 3339", clip(s))
	}
	return t, nil
}

// clip shortens attacker-controlled text quoted in reasons.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// render shows signed bytes as text, Go-quoted when they are not UTF-8 so
// that binary payloads stay readable and unambiguous.
func render(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strconv.Quote(string(b))
}

func cat(parts ...string) []byte {
	return []byte(strings.Join(parts, ""))
}

// check is what a scheme computed; result turns it into a Result, applying
// the timestamp window only once the signature is known to be right, so that
// a stale request is never reported as a wrong signature.
type check struct {
	payload  []byte
	shown    string // replaces render(payload) when the payload holds the secret
	expected string
	received string
	matched  bool
	diag     string // encoding mix-up found by matchAny
	ts       *time.Time
	tol      time.Duration // scheme default window; 0 = none
	url      string        // URL that was signed, if any
	mismatch string        // replaces the default mismatch reason
}

func (c check) result(opt Options) Result {
	r := Result{
		Valid:         c.matched,
		SignedPayload: c.shown,
		Expected:      c.expected,
		Received:      c.received,
		signedURL:     c.url,
	}
	if r.SignedPayload == "" {
		r.SignedPayload = render(c.payload)
	}
	var age time.Duration
	if c.ts != nil {
		age = now(opt).Sub(*c.ts)
		s := age.Seconds()
		r.TimestampAgeS = &s
	}
	if !c.matched {
		r.diagnosable = true
		r.Reason = "signature does not match: wrong secret, or the signed bytes differ from what was received"
		if c.mismatch != "" {
			r.Reason = c.mismatch
		}
		if c.diag != "" {
			r.Diagnosis = c.diag
			r.Reason = "signature does not match: " + c.diag
		}
		return r
	}
	if tol := tolerance(opt, c.tol); tol > 0 && c.ts != nil && (age > tol || -age > tol) {
		r.Valid = false
		r.Stale = true
		r.Reason = staleReason(age, tol)
	}
	return r
}

func staleReason(age, tol time.Duration) string {
	if age < 0 {
		return fmt.Sprintf("signature matches, but the timestamp is %s in the future, outside the %s tolerance: a clock problem", human(-age), tol)
	}
	return fmt.Sprintf("signature matches, but the timestamp is %s old, outside the %s tolerance: a replay or a clock problem", human(age), tol)
}

// human formats a duration compactly: "3h12m", "45s", "812d4h".
func human(d time.Duration) string {
	d = d.Round(time.Second)
	if d >= 48*time.Hour {
		days := d / (24 * time.Hour)
		return fmt.Sprintf("%dd%dh", days, (d-days*24*time.Hour)/time.Hour)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// cutPrefixFold removes prefix from s, ignoring ASCII case ("SHA256=" is
// seen in the wild), and reports whether it was there.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
