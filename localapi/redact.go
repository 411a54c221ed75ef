package localapi

import (
	"net/http"
	"net/url"
	"strings"

	"dev.hookscope/app"
	"dev.hookscope/exchange"
	"dev.hookscope/storage"
)

// A caller below the replay role (a read token) sees captured requests as
// an export shows them: the values of secret headers and query parameters
// replaced with exchange.Redacted, by exchange's own rule for which names
// are secret (docs/cli.md, "Export redaction"). Without this, a read
// token's show would hand out the Authorization headers its export hides.
// The replay role sees them whole: a replay could send them anywhere.

// seesSecrets reports whether the caller of r may see secrets as captured.
func seesSecrets(r *http.Request) bool { return callerOf(r).role.Allows(app.RoleReplay) }

// shownRecord is rec as the caller of r may see it. The stored record is
// never changed.
func shownRecord(r *http.Request, rec *storage.Record) *storage.Record {
	if seesSecrets(r) {
		return rec
	}
	out := *rec
	out.Header = redactHeader(rec.Header)
	out.RawQuery = redactQuery(rec.RawQuery)
	return &out
}

// shownReplays is a replay history as the caller of r may see it.
func shownReplays(r *http.Request, list []storage.ReplayRecord) []storage.ReplayRecord {
	if seesSecrets(r) {
		return list
	}
	out := make([]storage.ReplayRecord, len(list))
	for i, e := range list {
		e.RequestHeader = redactHeader(e.RequestHeader)
		e.ResponseHeader = redactHeader(e.ResponseHeader)
		if u, err := url.Parse(e.Target); err == nil && u.RawQuery != "" {
			u.RawQuery = redactQuery(u.RawQuery)
			e.Target = u.String()
		}
		out[i] = e
	}
	return out
}

// redactHeader is a copy of h with every non-empty value of every secret
// header replaced (an empty one hides nothing).
func redactHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := h.Clone()
	for name, values := range out {
		if !exchange.SecretHeader(name) {
			continue
		}
		for i, v := range values {
			if v != "" {
				values[i] = exchange.Redacted
			}
		}
	}
	return out
}

// redactQuery replaces the values of secret parameters in a raw query,
// every other byte kept as sent; pairs end at "&" or ";".
func redactQuery(raw string) string {
	if raw == "" {
		return raw
	}
	var b strings.Builder
	for rest := raw; ; {
		end := strings.IndexAny(rest, "&;")
		pair := rest
		if end >= 0 {
			pair = rest[:end]
		}
		name, value, ok := strings.Cut(pair, "=")
		if ok && value != "" && exchange.SecretQueryParam(unescapeQuery(name)) {
			pair = name + "=" + url.QueryEscape(exchange.Redacted)
		}
		b.WriteString(pair)
		if end < 0 {
			return b.String()
		}
		b.WriteByte(rest[end])
		rest = rest[end+1:]
	}
}

// unescapeQuery is s decoded, or s when it does not decode.
func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
