package capture

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// redacted replaces the listener's own credentials in a stored request, so
// the token and password never reach the database, the window or an export.
const redacted = "[hidden by hookscope: the listener's credential]"

// gate decides, before a body is read, whether a request may be stored:
// allowlist (403), then credentials (401), then rate (429). Unauthenticated
// senders are refused before the rate limit so they cannot use up the
// budget of the real one.
type gate struct {
	allow     []netip.Prefix
	token     []byte // SHA-256 of the token; nil when none is required
	basic     []byte // SHA-256 of "user:pass"; nil when none is required
	rate      *bucket
	challenge []string
}

func newGate(cfg Config) (*gate, error) {
	g := &gate{allow: cfg.Allow}
	if cfg.Token != "" {
		sum := sha256.Sum256([]byte(cfg.Token))
		g.token = sum[:]
		g.challenge = append(g.challenge, `Bearer realm="hookscope"`)
	}
	if cfg.BasicAuth != "" {
		if user, _, ok := strings.Cut(cfg.BasicAuth, ":"); !ok || user == "" {
			return nil, errors.New("basic auth must be written user:pass (the user may not be empty)")
		}
		sum := sha256.Sum256([]byte(cfg.BasicAuth))
		g.basic = sum[:]
		g.challenge = append(g.challenge, `Basic realm="hookscope", charset="UTF-8"`)
	}
	if cfg.Rate != 0 {
		if !(cfg.Rate > 0) || math.IsInf(cfg.Rate, 0) {
			return nil, fmt.Errorf("the rate limit must be a positive number of requests per second (got %v; 0 means no limit)", cfg.Rate)
		}
		g.rate = newBucket(cfg.Rate)
	}
	return g, nil
}

// admit answers a request that must not be stored and returns the status
// it was refused with; 0 admits it.
func (g *gate) admit(w http.ResponseWriter, r *http.Request) int {
	if len(g.allow) > 0 {
		ap, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil || !g.allowed(ap.Addr().Unmap()) {
			writeJSON(w, http.StatusForbidden, `{"ok":false,"error":`+strconv.Quote("not stored: this listener does not accept requests from "+ap.Addr().Unmap().String())+`}`)
			return http.StatusForbidden
		}
	}
	if (g.token != nil || g.basic != nil) && !g.authorized(r.Header) {
		for _, c := range g.challenge {
			w.Header().Add("WWW-Authenticate", c)
		}
		writeJSON(w, http.StatusUnauthorized, `{"ok":false,"error":`+strconv.Quote("not stored: "+g.needs())+`}`)
		return http.StatusUnauthorized
	}
	if g.rate != nil {
		if ok, wait := g.rate.take(time.Now()); !ok {
			secs := max(1, int(math.Ceil(wait.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeJSON(w, http.StatusTooManyRequests, `{"ok":false,"error":`+strconv.Quote(fmt.Sprintf("not stored: over this listener's limit of %g requests per second; retry after %d s", g.rate.rate, secs))+`}`)
			return http.StatusTooManyRequests
		}
	}
	return 0
}

func (g *gate) allowed(a netip.Addr) bool {
	for _, p := range g.allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (g *gate) needs() string {
	switch {
	case g.token != nil && g.basic != nil:
		return "this listener needs its token (Authorization: Bearer <token> or X-Hookscope-Token: <token>) or its basic auth user and password"
	case g.token != nil:
		return "this listener needs its token (Authorization: Bearer <token> or X-Hookscope-Token: <token>)"
	}
	return "this listener needs its basic auth user and password"
}

// equal compares in constant time; hashing first hides the length too.
func equal(sum []byte, got string) bool {
	h := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum, h[:]) == 1
}

func (g *gate) authorized(h http.Header) bool {
	for _, v := range h.Values("X-Hookscope-Token") {
		if g.token != nil && equal(g.token, v) {
			return true
		}
	}
	for _, v := range h.Values("Authorization") {
		if g.isCredential(v) {
			return true
		}
	}
	return false
}

// isCredential reports whether an Authorization value is the listener's
// own token or basic auth.
func (g *gate) isCredential(v string) bool {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
	rest = strings.TrimSpace(rest)
	switch {
	case g.token != nil && strings.EqualFold(scheme, "Bearer"):
		return equal(g.token, rest)
	case g.basic != nil && strings.EqualFold(scheme, "Basic"):
		r := http.Request{Header: http.Header{"Authorization": {v}}}
		user, pass, ok := r.BasicAuth()
		return ok && equal(g.basic, user+":"+pass)
	}
	return false
}

// redacts reports whether redact may change a request's header.
func (g *gate) redacts() bool { return g.token != nil || g.basic != nil }

// redact hides the listener's own credentials in a header about to be
// stored; the header stays, so the inspector still shows it was sent.
func (g *gate) redact(h http.Header) {
	if !g.redacts() {
		return
	}
	for i, v := range h["X-Hookscope-Token"] {
		if g.token != nil && equal(g.token, v) {
			h["X-Hookscope-Token"][i] = redacted
		}
	}
	for i, v := range h["Authorization"] {
		if g.isCredential(v) {
			h["Authorization"][i] = redacted
		}
	}
}

// redactQuery hides the listener's token (or a whole credential, as in
// ?auth=Bearer%20T) where it stands as a key or value of the raw query,
// keeping every other byte as sent.
func (g *gate) redactQuery(raw string) string {
	if (g.token == nil && g.basic == nil) || raw == "" {
		return raw
	}
	hidden := url.QueryEscape(redacted)
	parts := strings.Split(raw, "&")
	changed := false
	for i, part := range parts {
		key, value, hasValue := strings.Cut(part, "=")
		if g.isQueryCredential(key) {
			key, changed = hidden, true
		}
		if hasValue && g.isQueryCredential(value) {
			value, changed = hidden, true
		}
		if hasValue {
			parts[i] = key + "=" + value
		} else {
			parts[i] = key
		}
	}
	if !changed {
		return raw
	}
	return strings.Join(parts, "&")
}

// isQueryCredential reports whether an escaped query key or value is the
// listener's token or one of its Authorization values.
func (g *gate) isQueryCredential(escaped string) bool {
	if escaped == "" {
		return false
	}
	v, err := url.QueryUnescape(escaped)
	if err != nil {
		v = escaped
	}
	return (g.token != nil && equal(g.token, v)) || g.isCredential(v)
}

// ParseAllow reads an allowlist: comma-separated CIDR ranges or single
// addresses ("10.0.0.0/8,192.168.1.5,::1").
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR range (write it like 10.0.0.0/8 or 2001:db8::/32)", item)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR range (write it like 192.168.1.5 or 10.0.0.0/8)", item)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	if len(out) == 0 {
		return nil, errors.New("the allowlist is empty (give one or more CIDR ranges, like 10.0.0.0/8)")
	}
	return out, nil
}

// bucket is a token bucket: it refills at rate per second up to one
// second's worth (at least one request), so a burst after a quiet spell is
// admitted and a steady flood is held to the rate.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64) *bucket {
	burst := max(1, rate)
	return &bucket{rate: rate, burst: burst, tokens: burst}
}

// take spends one token, or says how long until one is available.
func (b *bucket) take(now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	if now.After(b.last) {
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}
