// Package composer builds ad-hoc HTTP requests from what a user typed in
// the composer: method, URL with a query table, headers with enable
// toggles, a body, an auth helper and {{variables}} from an environment.
// It imports no Fyne; the UI in ui/composerview and tests drive it.
package composer

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"dev.hookscope/signature"
)

// KV is one row of a parameter, header or form table.
type KV struct {
	Key     string `json:"key"`
	Value   string `json:"value"`
	Enabled bool   `json:"enabled"`
}

// Body kinds.
const (
	BodyNone      = "none"
	BodyRaw       = "raw"
	BodyForm      = "form"
	BodyMultipart = "multipart"
	BodyBinary    = "binary"
)

// Auth kinds and API key places.
const (
	AuthNone   = "none"
	AuthBasic  = "basic"
	AuthBearer = "bearer"
	AuthAPIKey = "apikey"
	AuthSign   = "sign"

	KeyInHeader = "header"
	KeyInQuery  = "query"
)

// Auth is the auth helper's state. Which fields count depends on Kind:
// basic uses User and Pass, bearer Token, apikey KeyName, KeyValue and
// KeyIn, sign Scheme (a signature scheme name) and Secret.
type Auth struct {
	Kind     string `json:"kind,omitempty"`
	User     string `json:"user,omitempty"`
	Pass     string `json:"pass,omitempty"`
	Token    string `json:"token,omitempty"`
	KeyName  string `json:"key_name,omitempty"`
	KeyValue string `json:"key_value,omitempty"`
	KeyIn    string `json:"key_in,omitempty"`
	Scheme   string `json:"scheme,omitempty"`
	Secret   string `json:"secret,omitempty"`
	// OAuth is the oauth2 kind's settings (oauth.go); the token itself
	// is the environment's, not the request's.
	OAuth *OAuth `json:"oauth,omitempty"`
}

// Request is a composed request as edited. URL is the source of truth for
// the query: Params mirror it (SyncFromURL after the URL changed, SyncToURL
// after the table changed), and a disabled row stays in Params only.
type Request struct {
	Method  string `json:"method"`
	URL     string `json:"url"`
	Params  []KV   `json:"params,omitempty"`
	Headers []KV   `json:"headers,omitempty"`
	// BodyKind is one of the Body* constants; empty means none.
	BodyKind string `json:"body_kind,omitempty"`
	RawBody  string `json:"raw_body,omitempty"`
	// RawType is the Content-Type of a raw body, used when no enabled
	// header sets one.
	RawType string `json:"raw_type,omitempty"`
	// Form holds the form and multipart fields; in multipart a value
	// starting with "@" names a file to upload (as curl's -F does).
	Form []KV `json:"form,omitempty"`
	// BinaryPath is the file sent as the body of kind binary.
	BinaryPath string `json:"binary_path,omitempty"`
	Auth       Auth   `json:"auth"`

	// The GraphQL body mode's editors (graphql.go).
	GraphQLQuery     string `json:"graphql_query,omitempty"`
	GraphQLVariables string `json:"graphql_variables,omitempty"`
	GraphQLOperation string `json:"graphql_operation,omitempty"`

	// OpenAPI is the operation of an imported spec the request was made
	// from; its answers are checked against it (contract.go).
	OpenAPI *Origin `json:"openapi,omitempty"`
}

// Var is one environment variable. Secret ones are masked in the UI.
type Var struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Secret bool   `json:"secret,omitempty"`
}

// Environment is a named set of variables.
type Environment struct {
	Name string `json:"name"`
	Vars []Var  `json:"vars"`
}

var varRE = regexp.MustCompile(`\{\{\s*([^{}\s]+)\s*\}\}`)

// Substitute replaces each {{name}} in s with the variable's value in env.
// Unknown names, and everything when env is nil, are left as written.
func Substitute(s string, env *Environment) string {
	if env == nil || !strings.Contains(s, "{{") {
		return s
	}
	return varRE.ReplaceAllStringFunc(s, func(m string) string {
		name := varRE.FindStringSubmatch(m)[1]
		for _, v := range env.Vars {
			if v.Name == name {
				return v.Value
			}
		}
		return m
	})
}

// SyncFromURL rebuilds Params from the query of URL, keeping the disabled
// rows (which the URL does not hold) at the end.
func (r *Request) SyncFromURL() {
	var out []KV
	q := r.URL
	if i := strings.IndexByte(q, '#'); i >= 0 {
		q = q[:i]
	}
	if i := strings.IndexByte(q, '?'); i >= 0 {
		for _, part := range strings.Split(q[i+1:], "&") {
			if part == "" {
				continue
			}
			k, v, _ := strings.Cut(part, "=")
			if k == "" && v == "" {
				continue // "=" alone: nothing a table row can hold
			}
			out = append(out, KV{Key: unescape(k), Value: unescape(v), Enabled: true})
		}
	}
	for _, p := range r.Params {
		if !p.Enabled {
			out = append(out, p)
		}
	}
	r.Params = out
}

// unescape decodes a query part, leaving it as written when it is not
// valid escaping (or holds a {{variable}} that will be substituted later).
func unescape(s string) string {
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// escape encodes a query part, leaving {{variables}} readable.
func escape(s string) string {
	var b strings.Builder
	rest := s
	for {
		loc := varRE.FindStringIndex(rest)
		if loc == nil {
			b.WriteString(url.QueryEscape(rest))
			return b.String()
		}
		b.WriteString(url.QueryEscape(rest[:loc[0]]))
		b.WriteString(rest[loc[0]:loc[1]])
		rest = rest[loc[1]:]
	}
}

// SyncToURL rewrites the query of URL from the enabled Params rows.
func (r *Request) SyncToURL() {
	base, frag := r.URL, ""
	if i := strings.IndexByte(base, '#'); i >= 0 {
		base, frag = base[:i], base[i:]
	}
	if i := strings.IndexByte(base, '?'); i >= 0 {
		base = base[:i]
	}
	var parts []string
	for _, p := range r.Params {
		if !p.Enabled || (p.Key == "" && p.Value == "") {
			continue
		}
		part := escape(p.Key)
		if p.Value != "" || strings.Contains(p.Key, "=") {
			part += "=" + escape(p.Value)
		}
		parts = append(parts, part)
	}
	if len(parts) > 0 {
		base += "?" + strings.Join(parts, "&")
	}
	r.URL = base + frag
}

// Build turns r into a request ready for sender.Send, with env's variables
// substituted in the URL, headers, body and auth fields and the auth
// helper applied. It also returns the body bytes (the request's Body reads
// the same bytes), for history, snippets and cURL export.
func Build(r Request, env *Environment) (*http.Request, []byte, error) {
	sub := func(s string) string { return Substitute(s, env) }
	method := strings.TrimSpace(sub(r.Method))
	if method == "" {
		method = http.MethodGet
	}
	raw := strings.TrimSpace(sub(r.URL))
	if raw == "" {
		return nil, nil, errors.New("the URL is empty")
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("the URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, nil, fmt.Errorf("the URL: scheme %q is not http or https", u.Scheme)
	}
	if u.Host == "" {
		return nil, nil, errors.New("the URL has no host")
	}
	u.RawQuery = escapeQuery(u.RawQuery)
	h := http.Header{}
	for _, kv := range r.Headers {
		k := strings.TrimSpace(sub(kv.Key))
		if !kv.Enabled || k == "" {
			continue
		}
		h.Add(k, sub(kv.Value))
	}
	body, ctype, err := buildBody(r, sub)
	if err != nil {
		return nil, nil, err
	}
	if ctype != "" && (h.Get("Content-Type") == "" || r.BodyKind == BodyMultipart) {
		h.Set("Content-Type", ctype)
	}
	if err := applyAuth(r.Auth, sub, method, u, h, body); err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequest(method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("the request: %w", err)
	}
	if len(body) == 0 {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	}
	if host := h.Get("Host"); host != "" {
		req.Host = host
		h.Del("Host")
	}
	req.Header = h
	return req, body, nil
}

func buildBody(r Request, sub func(string) string) (body []byte, ctype string, err error) {
	switch r.BodyKind {
	case "", BodyNone:
		return nil, "", nil
	case BodyRaw:
		return []byte(sub(r.RawBody)), sub(r.RawType), nil
	case BodyForm:
		var parts []string
		for _, kv := range r.Form {
			if kv.Enabled && kv.Key != "" {
				parts = append(parts, url.QueryEscape(sub(kv.Key))+"="+url.QueryEscape(sub(kv.Value)))
			}
		}
		return []byte(strings.Join(parts, "&")), "application/x-www-form-urlencoded", nil
	case BodyMultipart:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, kv := range r.Form {
			if !kv.Enabled || kv.Key == "" {
				continue
			}
			key, val := sub(kv.Key), sub(kv.Value)
			if path, ok := strings.CutPrefix(val, "@"); ok {
				data, err := os.ReadFile(path)
				if err != nil {
					return nil, "", fmt.Errorf("multipart field %q: %w", key, err)
				}
				hdr := textproto.MIMEHeader{}
				hdr.Set("Content-Disposition", multipart.FileContentDisposition(key, filepath.Base(path)))
				hdr.Set("Content-Type", contentTypeOf(path, data))
				w, err := mw.CreatePart(hdr)
				if err != nil {
					return nil, "", err
				}
				w.Write(data)
				continue
			}
			if err := mw.WriteField(key, val); err != nil {
				return nil, "", err
			}
		}
		if err := mw.Close(); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), mw.FormDataContentType(), nil
	case BodyGraphQL:
		body, err := GraphQLBody(sub(r.GraphQLQuery), sub(r.GraphQLVariables), sub(r.GraphQLOperation))
		return body, "application/json", err
	case BodyBinary:
		path := sub(r.BinaryPath)
		if path == "" {
			return nil, "", errors.New("no file chosen for the binary body")
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, "", fmt.Errorf("the binary body: %w", err)
		}
		return data, "application/octet-stream", nil
	}
	return nil, "", fmt.Errorf("unknown body kind %q", r.BodyKind)
}

func contentTypeOf(path string, data []byte) string {
	ct := http.DetectContentType(data)
	if strings.HasPrefix(ct, "text/plain") || ct == "application/octet-stream" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".json":
			return "application/json"
		case ".xml":
			return "application/xml"
		}
	}
	return ct
}

func applyAuth(a Auth, sub func(string) string, method string, u *url.URL, h http.Header, body []byte) error {
	switch a.Kind {
	case "", AuthNone:
		return nil
	case AuthBasic:
		r := http.Request{Header: h}
		r.SetBasicAuth(sub(a.User), sub(a.Pass))
	case AuthBearer:
		tok := strings.TrimSpace(sub(a.Token))
		if tok == "" {
			return errors.New("bearer auth: the token is empty")
		}
		h.Set("Authorization", "Bearer "+tok)
	case AuthAPIKey:
		name := strings.TrimSpace(sub(a.KeyName))
		if name == "" {
			return errors.New("API key auth: the key name is empty")
		}
		if a.KeyIn == KeyInQuery {
			q := u.RawQuery
			if q != "" {
				q += "&"
			}
			u.RawQuery = q + url.QueryEscape(name) + "=" + url.QueryEscape(sub(a.KeyValue))
		} else {
			h.Set(name, sub(a.KeyValue))
		}
	case AuthOAuth2:
		return applyOAuth(sub, h)
	case AuthSign:
		if a.Scheme == "" {
			return errors.New("signing: choose a webhook provider scheme")
		}
		signed, err := signature.Sign(a.Scheme, signature.Request{
			Method: method, URL: u.String(), Path: u.EscapedPath(), RawQuery: u.RawQuery,
			Header: h, Body: body,
		}, signature.Options{Secret: sub(a.Secret)})
		if err != nil {
			return fmt.Errorf("signing as %s: %w", a.Scheme, err)
		}
		for k, vs := range signed {
			h[http.CanonicalHeaderKey(k)] = vs
		}
	default:
		return fmt.Errorf("unknown auth kind %q", a.Kind)
	}
	return nil
}

// escapeQuery percent-encodes the bytes that may not stand in a query as
// typed (space, quotes, braces, non-ASCII...), leaving valid escapes and
// the separators as they are, so what goes out is what the user meant.
func escapeQuery(q string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '%' && i+2 < len(q) && isHex(q[i+1]) && isHex(q[i+2]):
			b.WriteByte(c)
		case c <= ' ' || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}%#", c) >= 0:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
