package app

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"dev.hookscope/app/signature"
	"dev.hookscope/storage"
)

// settingSecrets is the settings key holding the saved secrets. They live
// in the database file (mode 0600) and are never logged or printed.
const settingSecrets = "signature_secrets"

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

// MaskSecret shows enough of a secret to recognise it and no more.
func MaskSecret(s string) string {
	if len(s) <= 8 {
		return strings.Repeat("•", len(s))
	}
	return s[:4] + strings.Repeat("•", 8) + fmt.Sprintf(" (%d chars)", len(s))
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
		Method: rec.Method, URL: FullURL(rec), Path: rec.Path, RawQuery: rec.RawQuery,
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

// SavedSecretFor reads the rule for path straight from a store, for
// commands that open the file themselves.
func SavedSecretFor(st *storage.Store, path string) (SecretRule, bool) {
	book, err := loadSecrets(st)
	if err != nil {
		return SecretRule{}, false
	}
	return book.match(path)
}
