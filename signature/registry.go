package signature

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// keyStyle says how a scheme turns Options.Secret into key material; the
// diagnosis uses it to pick which secret mistakes to try.
type keyStyle int

const (
	keyText   keyStyle = iota // the secret text is the HMAC key
	keyWhsec                  // whsec_ prefix, then base64: the decoded bytes are the key
	keyToken                  // the secret is compared as a token
	keyPublic                 // an asymmetric key: no secret mistakes to try
)

// spec describes one scheme; scheme wraps it with the public behaviour
// (diagnosis, panic safety) so each provider file stays small.
type spec struct {
	name   string
	verify func(req Request, opt Options) Result
	sign   func(req Request, opt Options) (http.Header, error) // nil: cannot sign
	detect func(h http.Header) bool                            // nil: not detectable from headers
	key    keyStyle
	noBody bool // the body is not signed (Mailgun, GitLab): skip body mistakes
}

type scheme struct{ spec }

func (s *scheme) Name() string { return s.name }

// Verify runs the scheme and, on a mismatch, looks for the mistake that
// explains it.
func (s *scheme) Verify(req Request, opt Options) (r Result) {
	defer func() {
		// A verifier bug must not take the inspector down with it: report it
		// as a failed verification instead. (Fuzz tests call run directly so
		// such bugs still surface.)
		if p := recover(); p != nil {
			r = invalid("internal error while verifying: %v", p)
			r.Scheme = s.name
		}
	}()
	return s.run(req, opt)
}

func (s *scheme) run(req Request, opt Options) Result {
	r := s.verify(req, opt)
	if r.Scheme == "" { // auto keeps the name of the scheme it detected
		r.Scheme = s.name
	}
	if !r.Valid && r.diagnosable && r.Diagnosis == "" {
		diagnose(s, req, opt, &r)
	}
	return r
}

// Sign returns the headers that make req verify under this scheme.
func (s *scheme) Sign(req Request, opt Options) (http.Header, error) {
	if s.sign == nil {
		return nil, fmt.Errorf("%s: %w: the signature is not carried in headers or needs the provider's private key", s.name, ErrCannotSign)
	}
	return s.sign(req, opt)
}

// registry holds the canonical schemes; aliases map other names to them.
var registry = map[string]*scheme{}

var aliases = map[string]string{
	"svix":               "standard-webhooks",
	"standardwebhooks":   "standard-webhooks",
	"github-sha256":      "github",
	"github-sha1-legacy": "github",
	"twilio-bodysha256":  "twilio",
	"paddle-billing":     "paddle",
	"twitch-eventsub":    "twitch",
	"sendgrid-ecdsa":     "sendgrid",
	"discord-ed25519":    "discord",
	"paypal-rsa":         "paypal",
	"generic":            "hmac",
}

// variants are aliases that are not plain renames: they sign differently.
var variants = map[string]*scheme{}

// detectOrder lists schemes from the most specific headers to the least, so
// that e.g. SendGrid (X-Twilio-Email-…) wins over Twilio, and Bitbucket or
// Intercom (which reuse X-Hub-Signature) win over GitHub.
var detectOrder = []string{
	"stripe", "standard-webhooks", "slack", "shopify", "sendgrid", "twilio",
	"discord", "gitlab", "square", "hubspot", "paddle", "razorpay", "twitch",
	"paypal", "zoom", "linear", "typeform", "calendly", "vercel",
	"bitbucket", "intercom", "github",
}

func register(s spec) {
	registry[s.name] = &scheme{s}
}

func init() {
	for _, s := range []spec{
		stripeSpec(), calendlySpec(), githubSpec(), shopifySpec(), razorpaySpec(),
		typeformSpec(), vercelSpec(), bitbucketSpec(), intercomSpec(), linearSpec(),
		slackSpec(), zoomSpec(), standardWebhooksSpec(""), twilioSpec(),
		squareSpec(), hubspotSpec(""), paddleSpec(), twitchSpec(), mailgunSpec(),
		gitlabSpec(), genericSpec(), discordSpec(), sendgridSpec(), paypalSpec(),
	} {
		register(s)
	}
	variants["svix"] = &scheme{standardWebhooksSpec("svix-")}
	for _, v := range []string{"v1", "v2", "v3"} {
		variants["hubspot-"+v] = &scheme{hubspotSpec(v)}
	}
	registry["auto"] = &scheme{autoSpec()}
}

// Lookup returns the scheme for a name or alias (case-insensitive). "auto"
// detects the scheme from each request's headers.
func Lookup(name string) (Scheme, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if s, ok := variants[n]; ok {
		return s, nil
	}
	if a, ok := aliases[n]; ok {
		n = a
	}
	if s, ok := registry[n]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("unknown signature scheme %q; known: %s (aliases: %s)",
		clip(name), strings.Join(Names(), ", "), strings.Join(aliasNames(), ", "))
}

// Names lists the canonical scheme names, sorted, for help and pickers.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func aliasNames() []string {
	out := make([]string, 0, len(aliases)+len(variants))
	for n := range aliases {
		out = append(out, n)
	}
	for n := range variants {
		if _, dup := aliases[n]; !dup {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Detect names the scheme a request's headers indicate. Mailgun is never
// detected: its signature travels in the body.
func Detect(h http.Header) (string, bool) {
	for _, n := range detectOrder {
		if s := registry[n]; s.detect != nil && s.detect(h) {
			return n, true
		}
	}
	return "", false
}

// Verify verifies req with the named scheme. The error is for an unknown
// name, or matches ErrConfig when the options cannot check any request
// (the Result then says so too); every problem with the request itself
// is an invalid Result with a Reason.
func Verify(name string, req Request, opt Options) (Result, error) {
	s, err := Lookup(name)
	if err != nil {
		return Result{}, err
	}
	if opt.URL != "" {
		if err := CheckURL(opt.URL); err != nil {
			r := misconfigured("%v", err)
			r.Scheme = s.Name()
			return r, configError{r.Reason}
		}
	}
	r := s.Verify(req, opt)
	if r.misconfigured {
		return r, configError{r.Reason}
	}
	return r, nil
}

// Sign returns the headers to set on req so that it verifies under the named
// scheme, with a fresh timestamp from opt.Now. Schemes that cannot sign
// (asymmetric ones given only a public key, Mailgun's in-body signature)
// return an error wrapping ErrCannotSign.
func Sign(name string, req Request, opt Options) (http.Header, error) {
	s, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	signer, ok := s.(Signer)
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrCannotSign)
	}
	return signer.Sign(req, opt)
}

// autoSpec detects per request; for signing it detects from the request's
// existing headers, which is what re-signing a replay needs.
func autoSpec() spec {
	return spec{
		name: "auto",
		verify: func(req Request, opt Options) Result {
			n, ok := Detect(req.Header)
			if !ok {
				r := invalid("no known signature header found")
				r.Unsigned = true
				return r
			}
			r := registry[n].run(req, opt)
			r.diagnosable = false // the detected scheme already diagnosed it
			return r
		},
		sign: func(req Request, opt Options) (http.Header, error) {
			n, ok := Detect(req.Header)
			if !ok {
				return nil, fmt.Errorf("auto: %w: no known signature header found to tell the scheme; name one", ErrCannotSign)
			}
			return registry[n].Sign(req, opt)
		},
	}
}
