package app

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"dev.hookscope/signature"
	"dev.hookscope/storage"
	"dev.hookscope/textutil"
)

// settingSecrets is the settings key holding the saved secrets. They live
// in the database file (mode 0600) and are never logged or printed.
const settingSecrets = storage.SettingSecrets

// SecretRule says how requests under a path prefix are signed.
type SecretRule struct {
	Prefix    string        `json:"prefix"`
	Scheme    string        `json:"scheme"`
	Secret    string        `json:"secret"`
	Tolerance time.Duration `json:"tolerance,omitempty"`
	URL       string        `json:"url,omitempty"`
}

// Options converts the rule to verification options.
func (r SecretRule) Options() signature.Options {
	return signature.Options{Secret: r.Secret, Tolerance: r.Tolerance, URL: r.URL}
}

// MaskSecret shows none of a secret, only its length: the list of saved
// secrets goes over the TCP API too, and even a few characters of a short
// secret narrow a guess. The prefix and scheme beside it say which it is.
func MaskSecret(s string) string {
	if len(s) <= 8 {
		return strings.Repeat("•", len(s))
	}
	return strings.Repeat("•", 8) + fmt.Sprintf(" (%d chars)", len(s))
}

// secretBook is the in-memory copy of the saved rules, longest prefix first,
// so the capture path never reads the database to find one.
type secretBook struct {
	rules []SecretRule
}

func loadSecrets(st *storage.Store) (secretBook, error) {
	raw, err := st.Setting(settingSecrets)
	if err != nil || raw == nil {
		return secretBook{}, err
	}
	var rules []SecretRule
	if err := json.Unmarshal(raw, &rules); err != nil {
		return secretBook{}, fmt.Errorf("read saved signature secrets: %w", err)
	}
	return newSecretBook(rules), nil
}

func newSecretBook(rules []SecretRule) secretBook {
	sorted := append([]SecretRule(nil), rules...)
	sort.SliceStable(sorted, func(i, j int) bool { return len(sorted[i].Prefix) > len(sorted[j].Prefix) })
	return secretBook{rules: sorted}
}

func (b secretBook) match(path string) (SecretRule, bool) {
	for _, r := range b.rules {
		if strings.HasPrefix(path, r.Prefix) {
			return r, true
		}
	}
	return SecretRule{}, false
}

// SignatureRequest converts a captured record for the signature package.
func SignatureRequest(rec *storage.Record) signature.Request {
	return signature.Request{
		Method: rec.Method, URL: textutil.FullURL(rec), Path: rec.Path, RawQuery: rec.RawQuery,
		Header: rec.Header, Body: rec.Body,
	}
}

// Verdict condenses a result into what the list shows.
func Verdict(res signature.Result) storage.SigState {
	switch {
	case res.Valid:
		return storage.SigValid
	case res.Stale:
		return storage.SigStale
	}
	return storage.SigInvalid
}

// SigningKey is the scheme and options a verify or a re-sign uses, and
// whether the secret came from the saved rules rather than the caller.
type SigningKey struct {
	Scheme  string
	Options signature.Options
	Saved   bool
}

// ResolveSigningKey is the one place that decides which secret signs or
// verifies a request under path. A secret the caller gives goes with the
// scheme they name (else the saved rule's, else auto). Without one, the secret saved for the
// path is used, and only with the scheme it was saved for: a GitHub HMAC
// key must never be sent as a GitLab token, nor compute another scheme's
// signature for whoever asks.
func ResolveSigningKey(path, scheme, secret string, h http.Header, secretFor func(string) (SecretRule, bool)) (SigningKey, error) {
	rule, ok := secretFor(path)
	if secret != "" {
		// The caller's own secret; the saved rule only names the scheme
		// when they do not.
		if scheme == "" && ok {
			scheme = rule.Scheme
		}
		if scheme == "" {
			scheme = "auto"
		}
		return SigningKey{Scheme: scheme, Options: signature.Options{Secret: secret}}, nil
	}
	if !ok {
		return SigningKey{}, fmt.Errorf("%w: enter one or save one for %s", ErrNoSecret, path)
	}
	if scheme != "" && canonicalScheme(scheme, h) != canonicalScheme(rule.Scheme, h) {
		return SigningKey{}, fmt.Errorf("the secret saved for %s is a %s secret and is only used with %s; give the %s secret explicitly", rule.Prefix, rule.Scheme, rule.Scheme, scheme)
	}
	return SigningKey{Scheme: rule.Scheme, Options: rule.Options(), Saved: true}, nil
}

// canonicalScheme resolves aliases and "auto" (from the headers) to the
// registry's name; an unknown name stays as it is.
func canonicalScheme(name string, h http.Header) string {
	if name == "auto" {
		detected, _ := signature.Detect(h)
		return detected
	}
	if s, err := signature.Lookup(name); err == nil {
		return s.Name()
	}
	return name
}

// revealsSecret reports whether any header value carries secret as it is
// (or base64-encoded, as Basic auth does): token-style schemes put the
// secret itself in a header, which a saved secret must never be.
func revealsSecret(h http.Header, secret string) bool {
	if secret == "" {
		return false
	}
	forms := []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)), base64.RawURLEncoding.EncodeToString([]byte(secret))}
	for _, values := range h {
		for _, v := range values {
			for _, f := range forms {
				if strings.Contains(v, f) {
					return true
				}
			}
		}
	}
	return false
}
