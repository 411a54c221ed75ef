// Package replay turns a captured request into a new one aimed at another
// target: same method, headers and body byte for byte unless edited, with
// signatures optionally recomputed. It also sends many of them with
// retries and recognises repeated deliveries of one event.
package replay

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"dev.hookscope/storage"
)

// Edit changes a replay. The zero value changes nothing.
type Edit struct {
	// Method replaces the captured method when set.
	Method string
	// URL replaces the target when set, under the same path rule.
	URL string
	// Headers are applied in order (see applyHeaders).
	Headers []HeaderEdit
	// Body replaces the captured body when ReplaceBody is true (so an
	// empty body can be sent on purpose).
	Body        []byte
	ReplaceBody bool
}

// HeaderEdit sets or removes one header.
type HeaderEdit struct {
	Name   string // canonical
	Value  string
	Remove bool
}

// ParseHeaderEdit reads the --header form: "K: V" sets K, "K:" removes it.
func ParseHeaderEdit(s string) (HeaderEdit, error) {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || !validHeaderName(name) {
		return HeaderEdit{}, fmt.Errorf("header %q is not \"Name: value\" (or \"Name:\" to remove it)", s)
	}
	value = strings.TrimSpace(value)
	if strings.ContainsAny(value, "\r\n") {
		return HeaderEdit{}, fmt.Errorf("header %q: a value cannot hold a line break", name)
	}
	canon := textproto.CanonicalMIMEHeaderKey(name)
	return HeaderEdit{Name: canon, Value: value, Remove: value == ""}, nil
}

// String is the --header form ParseHeaderEdit reads.
func (e HeaderEdit) String() string {
	if e.Remove {
		return e.Name + ":"
	}
	return e.Name + ": " + e.Value
}

// validHeaderName accepts RFC 9110 token characters only.
func validHeaderName(s string) bool {
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// hopByHop are headers about one connection, not the message: the new
// connection makes its own. Content-Length and Host are recomputed.
var hopByHop = []string{
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length", "Host",
}

// Build makes the request that replays rec to target (see TargetURL). The
// body is the captured bytes unless edit replaces it.
func Build(rec *storage.Record, target string, edit Edit) (*http.Request, error) {
	if edit.URL != "" {
		target = edit.URL
	}
	u, err := TargetURL(rec, target)
	if err != nil {
		return nil, err
	}
	method := rec.Method
	if edit.Method != "" {
		// Methods are case-sensitive (RFC 9110): sent as typed, like curl -X.
		method = strings.TrimSpace(edit.Method)
	}
	body := rec.Body
	if edit.ReplaceBody {
		body = edit.Body
	}
	// A bytes.Reader gives the request its exact ContentLength and a
	// GetBody, so retries resend the same bytes.
	req, err := http.NewRequest(method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build the replay of request %d: %w", rec.ID, err)
	}
	req.Header = copyHeaders(rec.Header)
	applyHeaders(req.Header, edit.Headers)
	req.Host = u.Host
	// An edited Host names a virtual host at the target's address;
	// net/http ignores Host in the header map, so move it to req.Host.
	if host := req.Header.Get("Host"); host != "" {
		req.Host = host
	}
	req.Header.Del("Host")
	return req, nil
}

// copyHeaders keeps every end-to-end header with its values in order.
func copyHeaders(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	for _, name := range connectionTokens(h) {
		out.Del(name)
	}
	for _, name := range hopByHop {
		out.Del(name)
	}
	return out
}

// connectionTokens are headers the sender named in Connection, which are
// hop-by-hop too (RFC 9110 7.6.1).
func connectionTokens(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if tok = strings.TrimSpace(tok); tok != "" {
				out = append(out, textproto.CanonicalMIMEHeaderKey(tok))
			}
		}
	}
	return out
}

// applyHeaders applies edits in order. The first set of a name replaces
// every captured value; later sets of the same name add values, so
// `--header "A: 1" --header "A: 2"` sends both. A remove clears the name.
func applyHeaders(h http.Header, edits []HeaderEdit) {
	touched := map[string]bool{}
	for _, e := range edits {
		switch {
		case e.Remove:
			h.Del(e.Name)
			touched[e.Name] = true
		case touched[e.Name]:
			h.Add(e.Name, e.Value)
		default:
			h.Set(e.Name, e.Value)
			touched[e.Name] = true
		}
	}
}

// TargetURL applies the rule of docs/cli.md, "replay": a target with a
// path is used as it stands, query included; a bare scheme://host[:port]
// gets the captured path and raw query, exactly as they were on the wire.
func TargetURL(rec *storage.Record, target string) (*url.URL, error) {
	target = strings.TrimSpace(target)
	if target == "" {
		return nil, errors.New("no target URL to replay to")
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("the target %q is not a URL: %w", target, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the target %q must be an http:// or https:// URL with a host, like http://localhost:3000", target)
	}
	if u.Path != "" || u.RawPath != "" || u.Opaque != "" {
		return u, nil
	}
	path := rec.Path
	if path == "" || path == "*" || !strings.HasPrefix(path, "/") {
		path = "/"
	}
	query := u.RawQuery
	if query == "" && !u.ForceQuery {
		query = rec.RawQuery
	}
	joined, err := url.Parse(u.Scheme + "://" + u.Host + path)
	if err != nil {
		return nil, fmt.Errorf("the captured path %q cannot be replayed: %w", rec.Path, err)
	}
	joined.User = u.User
	joined.RawQuery = query
	return joined, nil
}
