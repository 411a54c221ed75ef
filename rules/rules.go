// Package rules decides how the listener answers a captured request: a
// rule matched by method and path gives the status, headers, a templated
// body and a delay, or a failure on purpose (close, hang, fail the first N,
// fail a percentage) so a sender's retries can be tested.
//
// The package knows nothing of the listener or the store: app turns a
// Response into the listener's answer and records it.
package rules

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// Failure is how a rule fails on purpose.
type Failure int

// Failure modes. The zero value answers normally every time.
const (
	FailNone Failure = iota
	// FailClose closes the connection without an answer.
	FailClose
	// FailHang holds the connection, answering nothing, until the client
	// gives up (bounded by the listener).
	FailHang
	// FailFirstN answers FailStatus to the first FailN deliveries matching
	// the rule, then the rule's own answer.
	FailFirstN
	// FailPercent answers FailStatus with probability FailPercent/100.
	FailPercent
)

var failureNames = map[Failure]string{FailNone: "none", FailClose: "close", FailHang: "hang", FailFirstN: "first_n", FailPercent: "percent"}

func (f Failure) String() string {
	if s, ok := failureNames[f]; ok {
		return s
	}
	return "failure(" + strconv.Itoa(int(f)) + ")"
}

// MarshalText keeps the saved rules readable and independent of the
// constants' order.
func (f Failure) MarshalText() ([]byte, error) {
	if _, ok := failureNames[f]; !ok {
		return nil, fmt.Errorf("unknown failure mode %d", int(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText reads a name written by MarshalText ("" is none).
func (f *Failure) UnmarshalText(b []byte) error {
	s := string(b)
	if s == "" {
		*f = FailNone
		return nil
	}
	for k, v := range failureNames {
		if v == s {
			*f = k
			return nil
		}
	}
	return fmt.Errorf("unknown failure mode %q (use none, close, hang, first_n or percent)", s)
}

// Limits on what a rule may ask for.
const (
	// MaxDelay stays under the listener's write timeout (5.5 minutes by
	// default), past which the delayed answer could not be written.
	MaxDelay = 5 * time.Minute
	// DefaultFailStatus is what FailFirstN and FailPercent answer when
	// FailStatus is 0: the status senders most often retry on.
	DefaultFailStatus = http.StatusServiceUnavailable
)

// Rule answers the requests it matches. The zero Status answers 200.
type Rule struct {
	Name string `json:"name"`
	// Method matches case-insensitively; "" matches any.
	Method string `json:"method,omitempty"`
	// PathPattern is a path.Match glob ("/hooks/*/events"), or a prefix
	// ending in * ("/hooks/*" matches everything under /hooks/, at any
	// depth); "*" alone matches every path.
	PathPattern string            `json:"path"`
	Status      int               `json:"status,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	// BodyTemplate is a text/template over Data.
	BodyTemplate string `json:"body,omitempty"`
	// Delay is waited before answering (or failing); saved in nanoseconds.
	Delay       time.Duration `json:"delay_ns,omitempty"`
	Failure     Failure       `json:"failure,omitempty"`
	FailN       int           `json:"fail_n,omitempty"`
	FailPercent float64       `json:"fail_percent,omitempty"`
	FailStatus  int           `json:"fail_status,omitempty"`
	Enabled     bool          `json:"enabled"`
}

// Clean trims what people type around names and patterns and upper-cases
// the method, so "post " and "POST" are the same rule.
func Clean(r Rule) Rule {
	r.Name = strings.TrimSpace(r.Name)
	r.Method = strings.ToUpper(strings.TrimSpace(r.Method))
	r.PathPattern = strings.TrimSpace(r.PathPattern)
	if r.Headers != nil {
		// A new map also keeps the caller's from aliasing a rule in use.
		h := make(map[string]string, len(r.Headers))
		for k, v := range r.Headers {
			h[http.CanonicalHeaderKey(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
		r.Headers = h
	}
	return r
}

// Validate says what is wrong with r, in one sentence naming the rule.
func (r *Rule) Validate() error {
	if err := r.validate(); err != nil {
		name := r.Name
		if name == "" {
			name = r.PathPattern
		}
		return fmt.Errorf("response rule %q: %w", name, err)
	}
	return nil
}

func (r *Rule) validate() error {
	if r.Name == "" {
		return errors.New("a rule needs a name")
	}
	if strings.ContainsFunc(r.Name, isControl) {
		return errors.New("a rule's name cannot hold control characters")
	}
	if r.Method != "" && !isToken(r.Method) {
		return fmt.Errorf("%q is not an HTTP method", r.Method)
	}
	if r.PathPattern == "" || (r.PathPattern[0] != '/' && r.PathPattern != "*") {
		return fmt.Errorf("a path pattern starts with / or is * (got %q)", r.PathPattern)
	}
	if _, err := path.Match(r.PathPattern, ""); err != nil {
		return fmt.Errorf("the path pattern %q is not a valid glob (see Go's path.Match)", r.PathPattern)
	}
	if err := checkStatus("status", r.Status); err != nil {
		return err
	}
	if (r.Status == http.StatusNoContent || r.Status == http.StatusNotModified) && r.BodyTemplate != "" {
		return fmt.Errorf("a %d answer cannot have a body", r.Status)
	}
	for k, v := range r.Headers {
		if !isToken(k) {
			return fmt.Errorf("%q is not a header name", k)
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return fmt.Errorf("the value of header %s cannot hold line breaks", k)
		}
		switch http.CanonicalHeaderKey(k) {
		case "Content-Length", "Transfer-Encoding", "Connection":
			return fmt.Errorf("the header %s is set by the listener itself", k)
		}
	}
	if _, err := Parse(r.BodyTemplate); err != nil {
		return fmt.Errorf("the body template: %w", err)
	}
	if r.Delay < 0 || r.Delay > MaxDelay {
		return fmt.Errorf("a delay is between 0 and %s (got %s)", MaxDelay, r.Delay)
	}
	switch r.Failure {
	case FailNone, FailClose, FailHang:
	case FailFirstN:
		if r.FailN < 1 {
			return fmt.Errorf("failing the first N deliveries needs N of 1 or more (got %d)", r.FailN)
		}
	case FailPercent:
		if !(r.FailPercent > 0 && r.FailPercent <= 100) {
			return fmt.Errorf("a failure percentage is above 0 and at most 100 (got %g)", r.FailPercent)
		}
	default:
		return fmt.Errorf("unknown failure mode %d", int(r.Failure))
	}
	return checkStatus("failure status", r.FailStatus)
}

// checkStatus admits final statuses only: net/http takes a 1xx as an
// interim answer and would then send a 200 of its own.
func checkStatus(what string, status int) error {
	if status != 0 && (status < 200 || status > 599) {
		return fmt.Errorf("a %s is between 200 and 599 (got %d)", what, status)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// isToken reports whether s is an RFC 9110 token (method and header names).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// ValidateAll checks every rule and that names are unique (the command line
// deletes rules by name).
func ValidateAll(rules []Rule) error {
	seen := make(map[string]bool, len(rules))
	for i := range rules {
		if err := rules[i].Validate(); err != nil {
			return err
		}
		key := strings.ToLower(rules[i].Name)
		if seen[key] {
			return fmt.Errorf("two response rules are named %q: names must differ", rules[i].Name)
		}
		seen[key] = true
	}
	return nil
}

// MatchPath reports whether p matches pattern (see Rule.PathPattern). A
// malformed pattern matches nothing.
func MatchPath(pattern, p string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok && !strings.ContainsAny(prefix, `*?[\`) {
		return strings.HasPrefix(p, prefix)
	}
	ok, err := path.Match(pattern, p)
	return ok && err == nil
}

// Matches reports whether r applies to a request, enabled or not.
func (r *Rule) Matches(method, p string) bool {
	return (r.Method == "" || strings.EqualFold(r.Method, method)) && MatchPath(r.PathPattern, p)
}

// Match returns the first enabled rule that matches, in order, and its
// index; nil and -1 when none does.
func Match(rules []Rule, method, p string) (*Rule, int) {
	for i := range rules {
		if rules[i].Enabled && rules[i].Matches(method, p) {
			return &rules[i], i
		}
	}
	return nil, -1
}

// StatusOrDefault is the status of the rule's own answer.
func (r *Rule) StatusOrDefault() int {
	if r.Status == 0 {
		return http.StatusOK
	}
	return r.Status
}

// FailStatusOrDefault is the status of a failure on purpose.
func (r *Rule) FailStatusOrDefault() int {
	if r.FailStatus == 0 {
		return DefaultFailStatus
	}
	return r.FailStatus
}

// Describe says what the rule answers, for lists: "201",
// "503 ×2, then 200", "close the connection", with the delay.
func (r *Rule) Describe() string {
	ok := strconv.Itoa(r.StatusOrDefault())
	var s string
	switch r.Failure {
	case FailClose:
		s = "close the connection"
	case FailHang:
		s = "hang until the client gives up"
	case FailFirstN:
		s = fmt.Sprintf("%d ×%d, then %s", r.FailStatusOrDefault(), r.FailN, ok)
	case FailPercent:
		s = fmt.Sprintf("%d %s%% of the time, else %s", r.FailStatusOrDefault(), strconv.FormatFloat(r.FailPercent, 'g', -1, 64), ok)
	default:
		s = ok
	}
	if r.Delay > 0 {
		s += " after " + r.Delay.String()
	}
	return s
}
