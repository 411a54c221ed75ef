package composer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/index"

	"dev.hookscope/contract"
)

// Limits of reading a spec (docs/cli.md, "composer import-openapi").
const (
	MaxSpecSize      = 20 << 20
	SpecFetchTimeout = 30 * time.Second
)

// Variable names an import puts in its environment.
const (
	VarBaseURL    = "baseUrl"
	VarWebhookURL = "webhookUrl"
	// DefaultWebhookURL is where webhook requests go unless the
	// environment says otherwise: this machine's Hookscope listener.
	DefaultWebhookURL = "http://127.0.0.1:8080/webhooks"
	// WebhooksFolder holds the requests made from a 3.1 document's
	// webhooks, under the collection's folder.
	WebhooksFolder = "Webhooks"
)

// ImportedItem is one request an import makes: a collection item.
type ImportedItem struct {
	Folder  string  `json:"folder"`
	Name    string  `json:"name"`
	Request Request `json:"request"`
}

// OpenAPIImport is what a spec becomes: requests in folders under the
// collection, the environment their {{variables}} come from, and notes on
// what could not be carried over.
type OpenAPIImport struct {
	Title       string         `json:"title"`
	Version     string         `json:"openapi"`
	Collection  string         `json:"collection"`
	Items       []ImportedItem `json:"items"`
	Environment Environment    `json:"environment"`
	Operations  int            `json:"operations"`
	Webhooks    int            `json:"webhooks"`
	Notes       []string       `json:"notes,omitempty"`
	// Spec is the document imported: SaveImport keeps it so the answers
	// to the collection's requests are checked against it.
	Spec []byte `json:"-"`
}

// ReadSpec reads a spec from a file path or an http(s) URL, at most
// MaxSpecSize bytes; a URL is fetched within SpecFetchTimeout.
func ReadSpec(ctx context.Context, source string) ([]byte, error) {
	if strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://") {
		return fetchSpec(ctx, source)
	}
	f, err := os.Open(source)
	if err != nil {
		return nil, fmt.Errorf("read the spec: %w", err)
	}
	defer f.Close()
	return readLimited(f, "the spec file "+source)
}

func fetchSpec(ctx context.Context, source string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, SpecFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, source, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch the spec: %w", err)
	}
	req.Header.Set("Accept", "application/yaml, application/json;q=0.9, */*;q=0.5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("fetch the spec: %s did not answer within %s", source, SpecFetchTimeout)
		}
		return nil, fmt.Errorf("fetch the spec: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch the spec: %s answered %s", source, resp.Status)
	}
	return readLimited(resp.Body, source)
}

func readLimited(r io.Reader, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSpecSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if len(data) > MaxSpecSize {
		return nil, fmt.Errorf("%s is over %d MiB, more than a spec this importer takes", what, MaxSpecSize>>20)
	}
	return data, nil
}

// ImportOpenAPI turns an OpenAPI 3.0 or 3.1 document (YAML or JSON) into
// requests: one per operation, and one per 3.1 webhook. collection names
// the top folder (empty: the document's title); source, when a URL,
// resolves a relative server URL.
func ImportOpenAPI(data []byte, collection, source string) (*OpenAPIImport, error) {
	cfg := datamodel.NewDocumentConfiguration()
	// The library logs to stdout by default, which is the command's
	// output; and nothing outside the document is fetched or read.
	cfg.Logger = slog.New(slog.DiscardHandler)
	doc, err := libopenapi.NewDocumentWithConfiguration(data, cfg)
	if err != nil {
		return nil, fmt.Errorf("read the spec: %w", err)
	}
	v := doc.GetVersion()
	if !strings.HasPrefix(v, "3.") {
		return nil, fmt.Errorf("the spec is OpenAPI/Swagger %q; only OpenAPI 3.0 and 3.1 are imported", v)
	}
	m, err := doc.BuildV3Model()
	if m == nil {
		return nil, fmt.Errorf("read the spec: %w", err)
	}
	if err != nil && !onlyCircular(err) {
		return nil, fmt.Errorf("read the spec: %w", err)
	}
	d := &m.Model
	imp := &OpenAPIImport{Version: v, Collection: strings.TrimSpace(collection), Spec: data}
	if d.Info != nil {
		imp.Title = strings.TrimSpace(d.Info.Title)
	}
	if imp.Collection == "" {
		imp.Collection = imp.Title
	}
	if imp.Collection == "" {
		imp.Collection = "OpenAPI"
	}
	// A "/" in the name would nest folders the user did not ask for.
	imp.Collection = strings.ReplaceAll(imp.Collection, "/", "-")
	b := &importer{imp: imp, doc: d, seen: map[string]bool{}, vars: map[string]bool{}}
	imp.Environment.Name = imp.Collection
	b.addVar(VarBaseURL, b.baseURL(d.Servers, source), false)
	if d.Paths != nil && d.Paths.PathItems != nil {
		for path, item := range d.Paths.PathItems.FromOldest() {
			b.pathItem(path, item, false)
		}
	}
	if d.Webhooks != nil && d.Webhooks.Len() > 0 {
		b.addVar(VarWebhookURL, DefaultWebhookURL, false)
		for name, item := range d.Webhooks.FromOldest() {
			b.pathItem(name, item, true)
		}
	}
	return imp, nil
}

// onlyCircular: a circular $ref is no reason to refuse a spec (the
// example generator cuts cycles); any other build error is.
func onlyCircular(err error) bool {
	for _, e := range unwrapAll(err) {
		var re *index.ResolvingError
		if !errors.As(e, &re) || re.CircularReference == nil {
			return false
		}
	}
	return true
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
		return out
	}
	return []error{err}
}

type importer struct {
	imp  *OpenAPIImport
	doc  *v3.Document
	seen map[string]bool // folder + "\x00" + name already used
	vars map[string]bool
}

func (b *importer) note(format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	for _, old := range b.imp.Notes {
		if old == n {
			return
		}
	}
	b.imp.Notes = append(b.imp.Notes, n)
}

// addVar adds a variable to the environment unless one of that name is
// there already (the first operation's example wins).
func (b *importer) addVar(name, value string, secret bool) {
	if b.vars[name] {
		return
	}
	b.vars[name] = true
	b.imp.Environment.Vars = append(b.imp.Environment.Vars, Var{Name: name, Value: value, Secret: secret})
}

// baseURL is the first server's URL with its variables' defaults put in,
// resolved against the spec's own URL when relative.
func (b *importer) baseURL(servers []*v3.Server, source string) string {
	if len(servers) == 0 || strings.TrimSpace(servers[0].URL) == "" {
		if isURL(source) {
			u, _ := url.Parse(source)
			return u.Scheme + "://" + u.Host
		}
		b.note("The spec names no server: set %s in the environment %q.", VarBaseURL, b.imp.Environment.Name)
		return "http://localhost"
	}
	s := servers[0]
	raw := s.URL
	if s.Variables != nil {
		for name, sv := range s.Variables.FromOldest() {
			raw = strings.ReplaceAll(raw, "{"+name+"}", sv.Default)
		}
	}
	if !strings.Contains(raw, "://") {
		if isURL(source) {
			if base, err := url.Parse(source); err == nil {
				if ref, err := url.Parse(raw); err == nil {
					raw = base.ResolveReference(ref).String()
				}
			}
		} else {
			b.note("The server URL %q is relative: set %s in the environment %q.", s.URL, VarBaseURL, b.imp.Environment.Name)
		}
	}
	return strings.TrimRight(raw, "/")
}

func isURL(s string) bool { return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") }

var pathParamRE = regexp.MustCompile(`\{([^{}/]+)\}`)

func (b *importer) pathItem(path string, item *v3.PathItem, webhook bool) {
	if item == nil {
		return
	}
	for method, op := range item.GetOperations().FromOldest() {
		if op == nil {
			continue
		}
		method = strings.ToUpper(method)
		name := strings.TrimSpace(op.OperationId)
		var folder string
		var u string
		if webhook {
			b.imp.Webhooks++
			if name == "" {
				name = method + " " + path
			}
			folder = b.imp.Collection + "/" + WebhooksFolder
			u = "{{" + VarWebhookURL + "}}/" + strings.TrimLeft(url.PathEscape(path), "/")
		} else {
			b.imp.Operations++
			if name == "" {
				name = method + " " + path
			}
			folder = b.imp.Collection
			if len(op.Tags) > 0 && strings.TrimSpace(op.Tags[0]) != "" {
				folder += "/" + strings.ReplaceAll(strings.TrimSpace(op.Tags[0]), "/", "-")
			}
			u = "{{" + VarBaseURL + "}}" + pathParamRE.ReplaceAllString(path, "{{$1}}")
		}
		r := Request{Method: method, URL: u, BodyKind: BodyNone, Auth: Auth{Kind: AuthNone},
			OpenAPI: &Origin{Collection: b.imp.Collection, Operation: contract.Operation{Method: method}}}
		if webhook {
			r.OpenAPI.Webhook = path
		} else {
			r.OpenAPI.Path = path
		}
		b.params(&r, mergeParams(item.Parameters, op.Parameters), webhook)
		b.body(&r, op, name)
		if !webhook {
			b.auth(&r, op)
		}
		r.SyncToURL()
		name = b.uniqueName(folder, name)
		b.imp.Items = append(b.imp.Items, ImportedItem{Folder: folder, Name: name, Request: r})
	}
}

func (b *importer) uniqueName(folder, name string) string {
	n := name
	for i := 2; b.seen[folder+"\x00"+n]; i++ {
		n = fmt.Sprintf("%s %d", name, i)
	}
	b.seen[folder+"\x00"+n] = true
	return n
}

// mergeParams: an operation's parameter replaces the path item's of the
// same name and place (OpenAPI 3.0.3, "Path Item Object").
func mergeParams(common, own []*v3.Parameter) []*v3.Parameter {
	out := append([]*v3.Parameter(nil), own...)
	for _, c := range common {
		dup := false
		for _, o := range own {
			if o != nil && c != nil && o.Name == c.Name && o.In == c.In {
				dup = true
			}
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out
}

func (b *importer) params(r *Request, ps []*v3.Parameter, webhook bool) {
	for _, p := range ps {
		if p == nil || p.Name == "" {
			continue
		}
		val, has := paramExample(p)
		required := p.Required != nil && *p.Required
		switch p.In {
		case "path":
			if !webhook {
				b.addVar(p.Name, val, false)
			}
		case "query":
			r.Params = append(r.Params, KV{Key: p.Name, Value: val, Enabled: required || has})
		case "header":
			r.Headers = append(r.Headers, KV{Key: p.Name, Value: val, Enabled: required || has})
		case "cookie":
			r.Headers = append(r.Headers, KV{Key: "Cookie", Value: p.Name + "=" + val, Enabled: required || has})
		}
	}
}

// paramExample is a parameter's example, else its schema's example,
// default or first enum value; has says whether there was one.
func paramExample(p *v3.Parameter) (string, bool) {
	if p.Example != nil {
		return scalarText(p.Example), true
	}
	if p.Examples != nil {
		for _, ex := range p.Examples.FromOldest() {
			if ex != nil && ex.Value != nil {
				return scalarText(ex.Value), true
			}
		}
	}
	if p.Schema == nil {
		return "", false
	}
	s := p.Schema.Schema()
	if s == nil {
		return "", false
	}
	for _, n := range []*yaml.Node{s.Example, s.Default, s.Const} {
		if n != nil {
			return scalarText(n), true
		}
	}
	if len(s.Examples) > 0 {
		return scalarText(s.Examples[0]), true
	}
	if len(s.Enum) > 0 {
		return scalarText(s.Enum[0]), true
	}
	return "", false
}

// scalarText is a node as a parameter value: a scalar as written, a
// sequence as comma-separated values (the form style's default), anything
// else as JSON.
func scalarText(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value
	case yaml.SequenceNode:
		var parts []string
		for _, c := range n.Content {
			parts = append(parts, scalarText(c))
		}
		return strings.Join(parts, ",")
	case yaml.AliasNode:
		if n.Alias != nil {
			return scalarText(n.Alias)
		}
	}
	raw, _ := json.Marshal(nodeValue(n))
	return string(raw)
}

// body fills the request's body from the operation's request body: its
// JSON media type if there is one, else the first.
func (b *importer) body(r *Request, op *v3.Operation, name string) {
	if op.RequestBody == nil || op.RequestBody.Content == nil || op.RequestBody.Content.Len() == 0 {
		return
	}
	ct, mt := "", (*v3.MediaType)(nil)
	for k, v := range op.RequestBody.Content.FromOldest() {
		if ct == "" || (isJSONType(k) && !isJSONType(ct)) {
			ct, mt = k, v
		}
	}
	var value any
	switch {
	case mt == nil:
	case mt.Example != nil:
		value = nodeValue(mt.Example)
	case mt.Examples != nil && mt.Examples.Len() > 0:
		for _, ex := range mt.Examples.FromOldest() {
			if ex != nil && ex.Value != nil {
				value = nodeValue(ex.Value)
				break
			}
		}
	}
	if value == nil && mt != nil && mt.Schema != nil {
		value = exampleOf(mt.Schema, map[string]bool{}, 0)
	}
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"), strings.HasPrefix(ct, "multipart/form-data"):
		r.BodyKind = BodyForm
		if strings.HasPrefix(ct, "multipart/") {
			r.BodyKind = BodyMultipart
		}
		if obj, ok := value.(object); ok {
			for _, f := range obj {
				r.Form = append(r.Form, KV{Key: f.key, Value: formText(f.value), Enabled: true})
			}
		}
	default:
		r.BodyKind = BodyRaw
		r.RawType = ct
		if s, ok := value.(string); ok && !isJSONType(ct) {
			r.RawBody = s
		} else if value != nil {
			raw, err := json.MarshalIndent(value, "", "  ")
			if err != nil {
				b.note("%s: the example body could not be written: %v", name, err)
			}
			r.RawBody = string(raw)
		}
	}
}

func isJSONType(ct string) bool {
	ct = strings.ToLower(ct)
	return strings.HasPrefix(ct, "application/json") || strings.Contains(ct, "+json")
}

func formText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// auth maps the operation's security (its own, else the document's) to
// the auth helper: the first scheme of the first requirement.
func (b *importer) auth(r *Request, op *v3.Operation) {
	reqs := b.doc.Security
	if op.Security != nil {
		reqs = op.Security
	}
	var schemeName string
	var scopes []string
	for _, req := range reqs {
		if req == nil || req.Requirements == nil {
			continue
		}
		for name, sc := range req.Requirements.FromOldest() {
			schemeName, scopes = name, sc
			break
		}
		if schemeName != "" {
			break
		}
	}
	if schemeName == "" {
		return
	}
	var ss *v3.SecurityScheme
	if b.doc.Components != nil && b.doc.Components.SecuritySchemes != nil {
		ss = b.doc.Components.SecuritySchemes.GetOrZero(schemeName)
	}
	if ss == nil {
		b.note("The security scheme %q is not defined in components.securitySchemes; those requests have no auth.", schemeName)
		return
	}
	switch strings.ToLower(ss.Type) {
	case "http":
		switch strings.ToLower(ss.Scheme) {
		case "basic":
			r.Auth = Auth{Kind: AuthBasic, User: "{{username}}", Pass: "{{password}}"}
			b.addVar("username", "", false)
			b.addVar("password", "", true)
		case "bearer":
			r.Auth = Auth{Kind: AuthBearer, Token: "{{token}}"}
			b.addVar("token", "", true)
		default:
			b.note("The HTTP auth scheme %q (%s) has no helper here; set its Authorization header yourself.", ss.Scheme, schemeName)
		}
	case "apikey":
		switch ss.In {
		case "query":
			r.Auth = Auth{Kind: AuthAPIKey, KeyName: ss.Name, KeyValue: "{{apiKey}}", KeyIn: KeyInQuery}
		case "cookie":
			r.Headers = append(r.Headers, KV{Key: "Cookie", Value: ss.Name + "={{apiKey}}", Enabled: true})
		default:
			r.Auth = Auth{Kind: AuthAPIKey, KeyName: ss.Name, KeyValue: "{{apiKey}}", KeyIn: KeyInHeader}
		}
		b.addVar("apiKey", "", true)
	case "oauth2":
		if o := oauthFrom(ss.Flows, scopes); o != nil {
			r.Auth = Auth{Kind: AuthOAuth2, OAuth: o}
			b.addVar("clientId", "", false)
			b.addVar("clientSecret", "", true)
			return
		}
		r.Auth = Auth{Kind: AuthBearer, Token: "{{token}}"}
		b.addVar("token", "", true)
		b.note("%s is OAuth 2.0 with only the implicit or password flow, which the composer does not run: those requests send Bearer {{token}}; get a token from the provider and put it in the environment.", schemeName)
	case "openidconnect":
		r.Auth = Auth{Kind: AuthBearer, Token: "{{token}}"}
		b.addVar("token", "", true)
		b.note("%s is %s: those requests send Bearer {{token}}; get a token from the provider and put it in the environment.", schemeName, ss.Type)
	default:
		b.note("The security scheme %q of type %q is not mapped; those requests have no auth.", schemeName, ss.Type)
	}
}

// object is a JSON object that keeps the order of its keys, so a
// generated body reads in the spec's order.
type object []field

type field struct {
	key   string
	value any
}

func (o object) MarshalJSON() ([]byte, error) {
	buf := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			buf = append(buf, ',')
		}
		k, _ := json.Marshal(f.key)
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		buf = append(append(append(buf, k...), ':'), v...)
	}
	return append(buf, '}'), nil
}

// nodeValue converts a YAML (or JSON) example to a value json.Marshal
// writes with its keys in the order written.
func nodeValue(n *yaml.Node) any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			return nodeValue(n.Content[0])
		}
		return nil
	case yaml.AliasNode:
		return nodeValue(n.Alias)
	case yaml.MappingNode:
		o := object{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			o = append(o, field{n.Content[i].Value, nodeValue(n.Content[i+1])})
		}
		return o
	case yaml.SequenceNode:
		out := []any{}
		for _, c := range n.Content {
			out = append(out, nodeValue(c))
		}
		return out
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return n.Value
	}
	return v
}

// maxExampleDepth bounds a generated example however deep the schema.
const maxExampleDepth = 12

// exampleOf generates an example for a schema: its example, examples,
// default or const when given; else objects with their required
// properties (all of them when none is marked required), arrays of one
// item, an enum's first value, strings shaped by their format, the first
// branch of oneOf/anyOf and allOf merged. A $ref already on the way down
// is a cycle: it is cut (null, or an empty array or object).
func exampleOf(sp *base.SchemaProxy, onPath map[string]bool, depth int) any {
	if sp == nil || depth > maxExampleDepth {
		return nil
	}
	if ref := sp.GetReference(); ref != "" {
		if onPath[ref] {
			return nil
		}
		onPath[ref] = true
		defer delete(onPath, ref)
	}
	s := sp.Schema()
	if s == nil {
		return nil
	}
	for _, n := range []*yaml.Node{s.Example, s.Default, s.Const} {
		if n != nil {
			return nodeValue(n)
		}
	}
	if len(s.Examples) > 0 {
		return nodeValue(s.Examples[0])
	}
	if len(s.Enum) > 0 {
		return nodeValue(s.Enum[0])
	}
	for _, branch := range [][]*base.SchemaProxy{s.OneOf, s.AnyOf} {
		if len(branch) > 0 {
			return exampleOf(branch[0], onPath, depth+1)
		}
	}
	if len(s.AllOf) > 0 {
		merged := object{}
		for _, part := range s.AllOf {
			if o, ok := exampleOf(part, onPath, depth+1).(object); ok {
				merged = mergeObject(merged, o)
			}
		}
		if own, ok := objectExample(s, onPath, depth).(object); ok {
			merged = mergeObject(merged, own)
		}
		return merged
	}
	typ := ""
	for _, t := range s.Type {
		if t != "null" {
			typ = t
			break
		}
	}
	if typ == "" {
		switch {
		case s.Properties != nil:
			typ = "object"
		case s.Items != nil:
			typ = "array"
		}
	}
	switch typ {
	case "object":
		return objectExample(s, onPath, depth)
	case "array":
		if s.Items != nil && s.Items.IsA() {
			if item := exampleOf(s.Items.A, onPath, depth+1); item != nil {
				return []any{item}
			}
		}
		return []any{}
	case "integer":
		if s.Minimum != nil {
			return int64(*s.Minimum)
		}
		return 0
	case "number":
		if s.Minimum != nil {
			return *s.Minimum
		}
		return 0.0
	case "boolean":
		return true
	case "string":
		return stringExample(s.Format)
	}
	return nil
}

func objectExample(s *base.Schema, onPath map[string]bool, depth int) any {
	o := object{}
	if s.Properties == nil {
		return o
	}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	for name, p := range s.Properties.FromOldest() {
		if len(required) > 0 && !required[name] {
			continue
		}
		if ps := p.Schema(); ps != nil && ps.ReadOnly != nil && *ps.ReadOnly {
			continue // the server sets it; a request does not send it
		}
		o = append(o, field{name, exampleOf(p, onPath, depth+1)})
	}
	return o
}

func mergeObject(a, b object) object {
	for _, f := range b {
		replaced := false
		for i := range a {
			if a[i].key == f.key {
				a[i].value, replaced = f.value, true
			}
		}
		if !replaced {
			a = append(a, f)
		}
	}
	return a
}

func stringExample(format string) string {
	switch format {
	case "date-time":
		return "2024-01-01T00:00:00Z"
	case "date":
		return "2024-01-01"
	case "time":
		return "00:00:00Z"
	case "email":
		return "user@example.com"
	case "uuid":
		return "00000000-0000-4000-8000-000000000000"
	case "uri", "url":
		return "https://example.com"
	case "hostname":
		return "example.com"
	case "ipv4":
		return "192.0.2.1"
	case "ipv6":
		return "2001:db8::1"
	case "byte":
		return "c3RyaW5n"
	}
	return "string"
}

// oauthFrom maps a scheme's flows to the composer's OAuth 2.0 helper:
// client credentials first (no browser needed), else the authorization
// code flow (which the composer runs with PKCE). scopes are the
// requirement's, else every scope the flow lists. nil: no flow it runs.
func oauthFrom(flows *v3.OAuthFlows, scopes []string) *OAuth {
	if flows == nil {
		return nil
	}
	o := &OAuth{ClientID: "{{clientId}}", ClientSecret: "{{clientSecret}}"}
	var f *v3.OAuthFlow
	switch {
	case flows.ClientCredentials != nil:
		f, o.Grant = flows.ClientCredentials, GrantClientCredentials
	case flows.AuthorizationCode != nil:
		f, o.Grant = flows.AuthorizationCode, GrantAuthorizationCode
		o.AuthURL = f.AuthorizationUrl
	default:
		return nil
	}
	o.TokenURL = f.TokenUrl
	if len(scopes) == 0 && f.Scopes != nil {
		for name := range f.Scopes.KeysFromOldest() {
			scopes = append(scopes, name)
		}
	}
	o.Scopes = strings.Join(scopes, " ")
	return o
}
