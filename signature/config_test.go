package signature

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestConfigErrorsAreErrors: options that cannot check any request are an
// error matching ErrConfig, not an invalid verdict on the request; a
// request that is merely wrong stays an invalid Result without error.
func TestConfigErrorsAreErrors(t *testing.T) {
	gh := bodyReq([]byte("x"), http.Header{"X-Hub-Signature-256": {"sha256=" + hexMAC("k", []byte("x"))}})
	discord := bodyReq([]byte("x"), http.Header{"X-Signature-Ed25519": {"00"}, "X-Signature-Timestamp": {"1"}})
	for _, tc := range []struct {
		name, scheme string
		req          Request
		opt          Options
		want         string
	}{
		{"unknown hmac algorithm", "hmac", gh, Options{Secret: "k", Algo: "md5", HeaderName: "X-Hub-Signature-256", Prefix: "sha256="}, `unknown algorithm "md5"`},
		{"unknown hmac encoding", "hmac", gh, Options{Secret: "k", Encoding: "octal"}, `unknown encoding "octal"`},
		{"discord secret that is not a key", "discord", discord, Options{Secret: "not-a-key"}, "Ed25519 public key"},
		{"discord through auto", "auto", discord, Options{Secret: "not-a-key"}, "Ed25519 public key"},
		{"no secret", "github", gh, Options{}, "no secret given"},
		{"public URL that is not a URL", "twilio", twilioReq("https://example.com/sms"), Options{Secret: "tok", URL: "not a URL"}, "is not an http:// or https:// URL"},
		{"relative public URL", "github", gh, Options{Secret: "k", URL: "/hooks/gh"}, "is not an http:// or https:// URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Verify(tc.scheme, tc.req, tc.opt)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) || r.Valid || r.Reason != err.Error() || r.Scheme == "" {
				t.Fatalf("err %v, result %+v; want an ErrConfig saying %q", err, r, tc.want)
			}
		})
	}
	// Wrong requests, right options: verdicts, not errors.
	for name, req := range map[string]Request{
		"wrong signature":   bodyReq([]byte("x"), http.Header{"X-Hub-Signature-256": {"sha256=" + hexMAC("other", []byte("x"))}}),
		"no signature":      bodyReq([]byte("x"), http.Header{}),
		"malformed":         bodyReq([]byte("x"), http.Header{"X-Hub-Signature-256": {"md5=zz"}}),
		"right, public URL": gh,
	} {
		r, err := Verify("github", req, Options{Secret: "k", URL: "https://example.com/hook"})
		if err != nil || r.Valid != (name == "right, public URL") {
			t.Errorf("%s: err %v, result %+v", name, err, r)
		}
	}
}
