package localapi

import (
	"net/http"
	"net/url"

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
	return exchange.RedactRecord(rec)
}

// shownReplays is a replay history as the caller of r may see it.
func shownReplays(r *http.Request, list []storage.ReplayRecord) []storage.ReplayRecord {
	if seesSecrets(r) {
		return list
	}
	out := make([]storage.ReplayRecord, len(list))
	for i, e := range list {
		e.RequestHeader = exchange.RedactHeader(e.RequestHeader)
		e.ResponseHeader = exchange.RedactHeader(e.ResponseHeader)
		if u, err := url.Parse(e.Target); err == nil && u.RawQuery != "" {
			u.RawQuery = exchange.RedactQuery(u.RawQuery)
			e.Target = u.String()
		}
		out[i] = e
	}
	return out
}
