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
	// Answer looks up what a response rule answered a request (ok false:
	// none did), for HAR's response; nil means no rule answered any. Its
	// error ends the export. The other formats ignore it.
	Answer func(id uint64) (a storage.AnswerRecord, ok bool, err error)
}

// A name is a credential's by one rule for headers and query parameters
// alike, read on the name lower-cased with "_" and "." taken as "-"
// (X-API_KEY is x-api-key):
//
//   - it holds a credential word anywhere: token, secret, password,
//     session, cookie, jwt, credential, apikey (X-Vendor-Token,
//     client_secret, sessionid, Set-Cookie, X-JWT-Assertion);
//   - it holds "auth" other than in "author" or "authority"
//     (Authorization, X-Auth-Key, oauth_verifier), while "authorization"
//     itself counts;
//   - one of its words is "key", unless the word before says the key is
//     an identifier (Idempotency-Key, Bitbucket's X-Event-Key,
//     Sec-WebSocket-Key, a public key);
//   - or, for query parameters only, it is a whole name that is a
//     credential by itself: code (an OAuth code), pass, pwd.
//
// Signature headers (Stripe-Signature, X-Hub-Signature-256,
// X-Slack-Signature, Webhook-Signature, ...) are HMACs of the body, not the
// key, and exports are how people debug them: a name holding "signature"
// is kept even with "token" in it, unless it also holds "secret" or ends
// in a credential word (X-Signature-Secret, X-Signature-Key).
var (
	credentialParts = []string{"token", "secret", "passw", "pwd", "session", "sessid", "cookie", "jwt", "credential",
		"apikey", "api-key", "accesskey", "privatekey"}
	// identifierKeys are words before "key" that name an identifier.
	identifierKeys = map[string]bool{"idempotency": true, "event": true, "websocket": true, "public": true,
		"routing": true, "partition": true, "dedup": true, "dedupe": true, "deduplication": true, "cache": true, "sort": true}
	// credentialEnds are last words that make a signature header a key.
	credentialEnds = map[string]bool{"secret": true, "key": true, "token": true, "password": true, "passwd": true}
	// secretQueryNames are credentials only as a whole query name: "code"
	// is OAuth's authorization code, while zip_code is not.
	secretQueryNames = map[string]bool{"code": true, "pass": true, "pwd": true}
)

// normalName is name lower-cased with "_" and "." read as "-".
func normalName(name string) string {
	return strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(name))
}

// credentialName applies the rule above, but for the query's whole names,
// to a name already normalised.
func credentialName(n string) bool {
	words := strings.FieldsFunc(n, func(r rune) bool { return r == '-' || r == '[' || r == ']' || r == ':' || r == ' ' })
	if strings.Contains(n, "signature") {
		return strings.Contains(n, "secret") || len(words) > 0 && credentialEnds[words[len(words)-1]]
	}
	for _, part := range credentialParts {
		if strings.Contains(n, part) {
			return true
		}
	}
	if hasAuth(n) {
		return true
	}
	for i, w := range words {
		if w == "key" && (i == 0 || !identifierKeys[words[i-1]]) {
			return true
		}
	}
	return false
}

// hasAuth reports "auth" in n other than as the start of "author" or
// "authority"; "authorization" and "authorisation" count.
func hasAuth(n string) bool {
	for i := strings.Index(n, "auth"); i >= 0; {
		rest := n[i+4:]
		if !strings.HasPrefix(rest, "or") || strings.HasPrefix(rest, "oriz") || strings.HasPrefix(rest, "oris") {
			return true
		}
		j := strings.Index(rest, "auth")
		if j < 0 {
			return false
		}
		i += 4 + j
	}
	return false
}

// SecretHeader reports whether an export hides the value of the header
// named name (see credentialName). Signature headers are never hidden
// unless their name also says secret.
func SecretHeader(name string) bool { return credentialName(normalName(name)) }

// SecretQueryParam reports whether an export hides the value of the query
// parameter named name (already decoded): key, api_key, access_token,
// client_secret, password, jwt, sessionid, code and the like. Signatures
// stay, as for headers.
func SecretQueryParam(name string) bool {
	n := normalName(name)
	return secretQueryNames[n] || credentialName(n)
}

// RedactRecord is rec as an export shows it: rec itself, or a shallow
// copy with the values of secret headers and query parameters replaced by
// Redacted when it has any. The stored record is never modified: the
// caller may still show or replay it. The local API shows a read token
// requests this way, so its show hides what its export hides.
func RedactRecord(rec *storage.Record) *storage.Record { return redactRecord(rec) }

// RedactHeader is h with the non-empty values of its secret headers
// replaced by Redacted: h itself when there are none, else a copy.
func RedactHeader(h http.Header) http.Header {
	out, _ := redactHeader(h)
	return out
}

// RedactQuery is a raw query with the values of its secret parameters
// replaced by Redacted, every other byte as sent.
func RedactQuery(raw string) string {
	out, _ := redactQuery(raw)
	return out
}

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
// reorder pairs and change their escaping). Pairs end at "&" and also at
// ";", which some servers still split on: "a=1;access_token=x" hides x.
func redactQuery(raw string) (string, bool) {
	if raw == "" {
		return raw, false
	}
	var b strings.Builder
	changed := false
	for rest := raw; ; {
		end := strings.IndexAny(rest, "&;")
		pair := rest
		if end >= 0 {
			pair = rest[:end]
		}
		name, value, ok := strings.Cut(pair, "=")
		if ok && value != "" && SecretQueryParam(unescapeQuery(name)) {
			pair = name + "=" + redactedQueryValue
			changed = true
		}
		b.WriteString(pair)
		if end < 0 {
			break
		}
		b.WriteByte(rest[end])
		rest = rest[end+1:]
	}
	if !changed {
		return raw, false
	}
	return b.String(), true
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
