package exchange

import (
	"net/http"
	"net/url"
	"strings"

	"dev.hookscope/storage"
)

// Redacted replaces the value of a secret header or query parameter in an
// export. Exports get attached to tickets, pasted into chats and committed
// as fixtures; a bearer token or session cookie in one is a leak, while the
// rest of the request is what the reader needs. It is an ordinary value,
// so a redacted export still imports (with the placeholder as the value).
const Redacted = "[redacted by hookscope]"

// Options adjust an export. The zero value redacts secrets.
type Options struct {
	// IncludeSecrets keeps the values of secret headers and query
	// parameters (see SecretHeader and SecretQueryParam) as captured.
	IncludeSecrets bool
	// CreatorVersion goes into HAR's log.creator.version; the other
	// formats ignore it.
	CreatorVersion string
}

// secretHeaders are credentials by name. Most would be caught by the
// substring rules in SecretHeader too; listing them keeps the intent
// readable and survives a change to those rules.
var secretHeaders = map[string]bool{
	"authorization":       true,
	"proxy-authorization": true,
	"cookie":              true,
	"set-cookie":          true,
	"x-api-key":           true,
	"api-key":             true,
	"x-auth-token":        true,
	"x-access-token":      true,
	"x-hookscope-token":   true,
	// GitLab sends the shared secret itself, not an HMAC of the body.
	"x-gitlab-token": true,
}

// secretHeaderParts mark a header as a credential wherever they appear in
// its name (X-Vendor-Token, X-Webhook-Secret, Api-Key-V2, ...).
var secretHeaderParts = []string{"token", "secret", "password", "api-key", "apikey"}

// SecretHeader reports whether an export hides the value of the header
// named name. Signature headers (Stripe-Signature, X-Hub-Signature-256,
// Webhook-Signature, X-Slack-Signature, ...) are never hidden, even when
// the name also says "secret" or "token": they are HMACs of the body, not
// the key, and exports are how people debug them.
func SecretHeader(name string) bool {
	n := strings.ToLower(name)
	if strings.Contains(n, "signature") {
		return false
	}
	if secretHeaders[n] {
		return true
	}
	for _, part := range secretHeaderParts {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// secretQueryNames are query parameters that carry a credential as a whole
// name; secretQueryParts anywhere in a name (after "-" becomes "_").
var (
	secretQueryNames = map[string]bool{"key": true, "auth": true, "pwd": true, "pass": true, "apikey": true}
	secretQueryParts = []string{"token", "secret", "password", "passwd", "api_key", "apikey", "access_key", "private_key"}
)

// SecretQueryParam reports whether an export hides the value of the query
// parameter named name (already decoded): key, api_key, access_token,
// client_secret, password and the like. Signatures stay, as for headers.
func SecretQueryParam(name string) bool {
	n := strings.ReplaceAll(strings.ToLower(name), "-", "_")
	if strings.Contains(n, "signature") {
		return false
	}
	if secretQueryNames[n] {
		return true
	}
	for _, part := range secretQueryParts {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// redactRecord returns rec, or a shallow copy with secret header values
// and query values replaced when rec has any. The stored record is never
// modified: the caller may still show or replay it.
func redactRecord(rec *storage.Record) *storage.Record {
	header, hchanged := redactHeader(rec.Header)
	query, qchanged := redactQuery(rec.RawQuery)
	if !hchanged && !qchanged {
		return rec
	}
	out := *rec
	out.Header, out.RawQuery = header, query
	return &out
}

// redactHeader returns h, or a copy with every value of every secret
// header replaced. An empty value stays empty: it hides nothing and
// "sent empty" is worth seeing.
func redactHeader(h http.Header) (http.Header, bool) {
	var out http.Header
	for name, values := range h {
		if !SecretHeader(name) || !anyNonEmpty(values) {
			continue
		}
		if out == nil {
			out = h.Clone()
		}
		red := make([]string, len(values))
		for i, v := range values {
			if v != "" {
				red[i] = Redacted
			}
		}
		out[name] = red
	}
	if out == nil {
		return h, false
	}
	return out, true
}

func anyNonEmpty(values []string) bool {
	for _, v := range values {
		if v != "" {
			return true
		}
	}
	return false
}

// redactedQueryValue is Redacted as it stands in a URL.
var redactedQueryValue = url.QueryEscape(Redacted)

// redactQuery replaces the values of secret parameters in a raw query and
// leaves every other byte as sent (re-encoding through url.Values would
// reorder pairs and change their escaping).
func redactQuery(raw string) (string, bool) {
	if raw == "" {
		return raw, false
	}
	pairs := strings.Split(raw, "&")
	changed := false
	for i, pair := range pairs {
		name, value, ok := strings.Cut(pair, "=")
		if !ok || value == "" || !SecretQueryParam(unescapeQuery(name)) {
			continue
		}
		pairs[i] = name + "=" + redactedQueryValue
		changed = true
	}
	if !changed {
		return raw, false
	}
	return strings.Join(pairs, "&"), true
}

// redactNameValues hides secret headers in a HAR name/value list built
// from something other than a record (the response side).
func redactNameValues(list []harNameValue) []harNameValue {
	for i, nv := range list {
		if SecretHeader(nv.Name) && nv.Value != "" {
			list[i].Value = Redacted
		}
	}
	return list
}

// redactingEncoder hides secrets before the format's encoder sees the
// record, so the three formats share one rule and cannot drift apart.
type redactingEncoder struct{ Encoder }

func (e redactingEncoder) Encode(rec *storage.Record) error {
	return e.Encoder.Encode(redactRecord(rec))
}
