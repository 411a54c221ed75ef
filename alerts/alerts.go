// Package alerts decides when something worth a person's attention has
// happened to the captures: too many failed forwards, a path gone quiet,
// too many bad signatures, answers in the 5xx range. A Rule says what to
// watch; an Evaluator is fed events and the time and says which rules
// fire, at most once per cool-down (docs/cli.md, "alerts").
//
// The package knows nothing of the store, the listener or the window: the
// core feeds it and delivers what fires (desktop notification, a line on
// stderr, a POST to a Slack-compatible webhook).
package alerts

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Kind is what a rule watches.
type Kind string

// The kinds of rule.
const (
	// ForwardFailures counts forwards under the prefix that got no
	// answer or a status outside 2xx and 3xx.
	ForwardFailures Kind = "forward_failures"
	// NoCapture fires when nothing was captured under the prefix for the
	// whole window.
	NoCapture Kind = "no_capture"
	// InvalidSignatureRate is the share, in percent, of captures with a
	// verdict whose signature was invalid or stale.
	InvalidSignatureRate Kind = "invalid_signature_rate"
	// Answered5xx counts captures Hookscope answered with a 5xx status (a
	// response rule's, or a relay's).
	Answered5xx Kind = "answered_5xx"
)

// Kinds lists every kind, in the order help texts show them.
func Kinds() []Kind { return []Kind{ForwardFailures, NoCapture, InvalidSignatureRate, Answered5xx} }

// Limits on a rule's numbers: a window longer than a day would keep too
// many events in memory to be worth it, and a count threshold above this
// could not be reached within it at any sane rate anyway.
const (
	MinWindow    = time.Second
	MaxWindow    = 24 * time.Hour
	MinCooldown  = time.Second
	MaxCooldown  = 7 * 24 * time.Hour
	MaxThreshold = 100000
)

// Rule is one alert. Threshold is a count for forward_failures and
// answered_5xx (fires when more than Threshold happen within Window), a
// percentage for invalid_signature_rate (fires when the share within
// Window is above it), and unused (0) for no_capture, whose Window is the
// quiet period.
type Rule struct {
	Name      string   `json:"name"`
	Kind      Kind     `json:"kind"`
	Prefix    string   `json:"prefix"`
	Threshold float64  `json:"threshold"`
	Window    Duration `json:"window"`
	Cooldown  Duration `json:"cooldown"`
	// WebhookURL, when set, gets a POST of {"text": "..."} (Slack's
	// incoming webhooks and those that copy them). It may hold a token:
	// every listing shows it through MaskURL.
	WebhookURL string `json:"webhook_url,omitempty"`
	Enabled    bool   `json:"enabled"`
}

// Duration is a time.Duration written in JSON as Go writes it ("1m0s"),
// and read from that form or from a number of nanoseconds.
type Duration time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "10m" or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration like 1m or 30s", s)
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("%s is not a duration like \"1m\" or a number of nanoseconds", b)
	}
	*d = Duration(n)
	return nil
}

// Clean fills what a rule may leave out: the prefix defaults to "/" and
// the name to the kind and prefix.
func Clean(r Rule) Rule {
	r.Name = strings.TrimSpace(r.Name)
	r.Prefix = strings.TrimSpace(r.Prefix)
	r.WebhookURL = strings.TrimSpace(r.WebhookURL)
	r.Kind = Kind(strings.ToLower(strings.TrimSpace(string(r.Kind))))
	if r.Prefix == "" {
		r.Prefix = "/"
	}
	if r.Name == "" {
		r.Name = string(r.Kind) + " " + r.Prefix
	}
	return r
}

func knownKind(k Kind) bool {
	for _, known := range Kinds() {
		if k == known {
			return true
		}
	}
	return false
}

// Validate checks one cleaned rule; the error is one sentence naming it.
func Validate(r Rule) error {
	name := r.Name
	if name == "" {
		return fmt.Errorf("an alert needs a name")
	}
	if !knownKind(r.Kind) {
		return fmt.Errorf("alert %q: the kind %q is not forward_failures, no_capture, invalid_signature_rate or answered_5xx", name, r.Kind)
	}
	if !strings.HasPrefix(r.Prefix, "/") {
		return fmt.Errorf("alert %q: a path prefix starts with / (got %q)", name, r.Prefix)
	}
	w, c := time.Duration(r.Window), time.Duration(r.Cooldown)
	if w < MinWindow || w > MaxWindow {
		return fmt.Errorf("alert %q: the window is %s; give one from 1s to 24h", name, w)
	}
	if c < MinCooldown || c > MaxCooldown {
		return fmt.Errorf("alert %q: the cool-down is %s; give one from 1s to 168h (7 days)", name, c)
	}
	switch r.Kind {
	case NoCapture:
		if r.Threshold != 0 {
			return fmt.Errorf("alert %q: no_capture takes no threshold (its window is the quiet period)", name)
		}
	case InvalidSignatureRate:
		if r.Threshold < 0 || r.Threshold >= 100 {
			return fmt.Errorf("alert %q: the threshold is a percentage from 0 to below 100 (got %s)", name, num(r.Threshold))
		}
	default:
		if r.Threshold < 0 || r.Threshold > MaxThreshold || r.Threshold != float64(int64(r.Threshold)) {
			return fmt.Errorf("alert %q: the threshold is a whole count from 0 to %d (got %s)", name, MaxThreshold, num(r.Threshold))
		}
	}
	if r.WebhookURL != "" {
		if strings.Contains(r.WebhookURL, maskDot) {
			return fmt.Errorf("alert %q: the webhook URL is a masked one; give the whole URL again", name)
		}
		u, err := url.Parse(r.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("alert %q: the webhook URL is not an http:// or https:// URL with a host", name)
		}
	}
	return nil
}

// ValidateAll checks every rule and that no two share a name (any case).
func ValidateAll(list []Rule) error {
	seen := map[string]bool{}
	for _, r := range list {
		if err := Validate(r); err != nil {
			return err
		}
		key := strings.ToLower(r.Name)
		if seen[key] {
			return fmt.Errorf("two alerts are named %q; names are unique (any case)", r.Name)
		}
		seen[key] = true
	}
	return nil
}

// maskDot is what MaskURL puts in place of a URL's path and query.
const maskDot = "•"

// MaskURL shows a webhook URL without what may be its secret: the scheme
// and host stay, the path and query become bullets and their length
// (Slack's token is the path). An empty URL stays empty.
func MaskURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return strings.Repeat(maskDot, 8) + fmt.Sprintf(" (%d chars)", len(raw))
	}
	rest := strings.TrimPrefix(raw, u.Scheme+"://"+u.Host)
	if rest == "" || rest == "/" {
		return raw
	}
	return u.Scheme + "://" + u.Host + "/" + strings.Repeat(maskDot, 8) + fmt.Sprintf(" (%d chars)", len(rest))
}

// Describe is one line saying what the rule watches.
func (r Rule) Describe() string {
	w := Span(time.Duration(r.Window))
	var s string
	switch r.Kind {
	case ForwardFailures:
		s = fmt.Sprintf("more than %s forward failures in %s", num(r.Threshold), w)
	case NoCapture:
		s = fmt.Sprintf("no capture for %s", w)
	case InvalidSignatureRate:
		s = fmt.Sprintf("invalid signatures above %s%% in %s", num(r.Threshold), w)
	case Answered5xx:
		s = fmt.Sprintf("more than %s 5xx answers in %s", num(r.Threshold), w)
	default:
		s = string(r.Kind)
	}
	return fmt.Sprintf("%s under %s, then quiet for %s", s, r.Prefix, Span(time.Duration(r.Cooldown)))
}

// Span writes a duration as people read it in a sentence: "1 min",
// "10 min", "30 s", "2 h", else Go's form.
func Span(d time.Duration) string {
	switch {
	case d > 0 && d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d > 0 && d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	case d > 0 && d%time.Second == 0:
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
