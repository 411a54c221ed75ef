package composer

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"dev.hookscope/exchange"
	"dev.hookscope/storage"
)

// FromCurl reads a curl command (or raw HTTP, or a HAR: whatever
// exchange.Import detects) into a composer request. Only the first request
// is used. The body becomes a raw body typed by its Content-Type header.
func FromCurl(text string) (Request, error) {
	res, err := exchange.Import([]byte(text))
	if err != nil {
		return Request{}, err
	}
	if len(res.Records) == 0 {
		return Request{}, errors.New("no request found")
	}
	return FromRecord(res.Records[0], schemeOf(text, res.Records[0].Host)), nil
}

// schemeOf guesses the scheme the command used for host: the importer
// keeps only the host.
func schemeOf(text, host string) string {
	if host != "" && regexp.MustCompile(`(?i)https://`+regexp.QuoteMeta(host)).MatchString(text) {
		return "https"
	}
	return "http"
}

// FromRecord turns a stored or imported request into a composer request
// ("Open in composer"). scheme is http or https; empty means http.
func FromRecord(rec *storage.Record, scheme string) Request {
	if scheme == "" {
		scheme = "http"
	}
	u := scheme + "://" + rec.Host + rec.Path
	if rec.RawQuery != "" {
		u += "?" + rec.RawQuery
	}
	r := Request{Method: rec.Method, URL: u, BodyKind: BodyNone, Auth: Auth{Kind: AuthNone}}
	names := make([]string, 0, len(rec.Header))
	for k := range rec.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range rec.Header[k] {
			r.Headers = append(r.Headers, KV{Key: k, Value: v, Enabled: true})
		}
	}
	if len(rec.Body) > 0 {
		r.BodyKind = BodyRaw
		r.RawBody = string(rec.Body)
		r.RawType = rec.Header.Get("Content-Type")
	}
	r.SyncFromURL()
	return r
}

// ToCurl writes req (as Build returned it) and body as a curl command, with
// secrets kept: the user is exporting their own request.
func ToCurl(req *http.Request, body []byte) string {
	h := req.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if req.Host != "" && req.Host != req.URL.Host {
		h.Set("Host", req.Host)
	}
	path := req.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	rec := &storage.Record{
		Summary:  storage.Summary{Method: req.Method, Path: path},
		RawQuery: req.URL.RawQuery, Host: req.URL.Host, Header: h, Body: body,
	}
	var b strings.Builder
	if err := exchange.WriteWith(&b, exchange.FormatCurl, []*storage.Record{rec}, exchange.Options{IncludeSecrets: true}); err != nil {
		return fmt.Sprintf("# %v\n", err)
	}
	out := b.String()
	if i := strings.IndexByte(out, '\n'); strings.HasPrefix(out, "# hookscope request") && i >= 0 {
		out = out[i+1:]
	}
	if req.URL.Scheme == "https" {
		out = strings.Replace(out, "curl 'http://", "curl 'https://", 1)
	}
	return out
}
