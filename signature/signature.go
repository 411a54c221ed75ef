// Package signature verifies captured webhook requests against a secret and
// explains failures: which bytes were signed, what we computed, what arrived,
// how old the timestamp is and, when a common mistake explains a mismatch,
// which one.
//
// It is self-contained (standard library only) so the UI, the CLI and the
// replay code can all use it without pulling in storage or Fyne.
//
// Schemes (Names lists them; Lookup also takes aliases such as svix,
// github-sha256, hubspot-v2, paypal-rsa): stripe, calendly, github,
// bitbucket, intercom, shopify, razorpay, typeform, vercel, linear, slack,
// zoom, standard-webhooks (svix), twilio, square, hubspot (v1/v2/v3),
// paddle, twitch, mailgun, gitlab, hmac (generic, see Options), discord
// (Ed25519), sendgrid (ECDSA P-256), paypal (RSA; the certificate PEM is
// the secret, it is never fetched) and auto (detects from headers).
//
// Conventions: comparisons are constant-time; malformed input is an
// invalid Result with a Reason, never a panic or an error; a right
// signature with an out-of-window timestamp is Stale, not wrong; no Result
// field or error message ever contains the secret (HubSpot v1/v2 hash the
// secret itself, so their SignedPayload shows "{client_secret}" instead;
// GitLab's token is shown as a length and fingerprint). Asymmetric schemes
// leave Expected empty unless they were given a private key, since a
// signature cannot be computed from a public key.
package signature

import (
	"errors"
	"net/http"
	"time"
)

// Request is what was captured, independent of storage.
type Request struct {
	Method   string
	URL      string // full URL as received; URL-signing schemes use Options.URL when set, else this
	Path     string // as on the wire, without query
	RawQuery string
	Header   http.Header // canonical keys, values in arrival order
	Body     []byte
}

// Options configures one verification or signing.
type Options struct {
	// Secret is the HMAC secret, token, or key. Asymmetric schemes take a
	// public key (hex, base64 DER or PEM; PayPal: the certificate PEM) to
	// verify, or a private key (PEM, or hex for Ed25519) to verify and sign.
	Secret string
	// Tolerance is the timestamp window: 0 means the scheme default,
	// NoTolerance (or any negative value) turns the check off.
	Tolerance time.Duration
	// URL is the public URL the sender signed (Twilio, Square, HubSpot,
	// generic {url}). Empty means Request.URL.
	URL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// Generic "hmac" scheme: Algo is sha1, sha256 (default), sha384 or
	// sha512; Encoding is hex (default), base64 or base64url; HeaderName
	// carries the signature (default X-Signature); Prefix is stripped from it
	// (e.g. "sha256="); Template is the signed text (default "{body}") with
	// {body}, {timestamp}, {id}, {url}, {method} and {path} placeholders.
	Algo, Encoding, HeaderName, Prefix, Template string
	// TimestampHeader carries {timestamp} for the generic scheme (default: the
	// first present of X-Timestamp, X-Webhook-Timestamp, Webhook-Timestamp,
	// Timestamp).
	TimestampHeader string
	// IDHeader carries {id} for the generic scheme (default: the first present
	// of X-Webhook-Id, Webhook-Id, X-Request-Id).
	IDHeader string
	// WebhookID is the PayPal webhook ID, part of what PayPal signs.
	WebhookID string

	// key, when non-nil, replaces the HMAC key derived from Secret. Only the
	// diagnosis uses it, to try "the sender derived the key differently".
	key []byte
}

// NoTolerance turns the timestamp check off (Options.Tolerance).
const NoTolerance time.Duration = -1

// Result is the verdict on one request, with enough detail to explain it.
type Result struct {
	Scheme        string   `json:"scheme"`
	Valid         bool     `json:"valid"`
	Reason        string   `json:"reason"`          // one human line; empty when valid
	SignedPayload string   `json:"signed_payload"`  // exact bytes signed (Go-quoted when not UTF-8)
	Expected      string   `json:"expected"`        // signature we computed (never the secret)
	Received      string   `json:"received"`        // signature in the request
	TimestampAgeS *float64 `json:"timestamp_age_s"` // nil when the scheme has no timestamp
	Stale         bool     `json:"stale,omitempty"` // signature right but timestamp outside tolerance
	Diagnosis     string   `json:"diagnosis,omitempty"`
	// Unsigned is set by auto detection when the request carries no
	// signature header of any known scheme: there is nothing to be wrong,
	// so front ends say "no signature" rather than "invalid".
	Unsigned bool `json:"unsigned,omitempty"`

	// diagnosable marks a failure that the mistake search may explain (a
	// mismatch, as opposed to a missing header).
	diagnosable bool
	// signedURL is the URL the scheme signed, empty when it signs none; the
	// diagnosis tries variants of it.
	signedURL string
	// misconfigured marks a Result that says nothing about the request: the
	// options cannot check any (see ErrConfig).
	misconfigured bool
}

// Scheme verifies requests of one provider.
type Scheme interface {
	Name() string
	Verify(req Request, opt Options) Result
}

// Signer is implemented by schemes that can produce signature headers.
type Signer interface {
	Sign(req Request, opt Options) (http.Header, error)
}

// ErrConfig is matched by Verify's error when the options cannot check
// any request, whatever it carries: no secret, a key an asymmetric scheme
// cannot read, an unknown generic algorithm or encoding, no PayPal webhook
// ID, a public URL that is not an absolute http(s) URL. Callers report it
// as their caller's mistake (a usage error, HTTP 400), not as an invalid
// signature. The Result returned beside it names the scheme and carries
// the same sentence as its Reason.
var ErrConfig = errors.New("the verification options are wrong")

// configError is Verify's error for a misconfigured Result.
type configError struct{ msg string }

func (e configError) Error() string        { return e.msg }
func (e configError) Is(target error) bool { return target == ErrConfig }

// ErrCannotSign is wrapped by Sign errors for schemes (or keys) that cannot
// produce a signature, e.g. an asymmetric scheme given only a public key.
var ErrCannotSign = errors.New("cannot sign")
