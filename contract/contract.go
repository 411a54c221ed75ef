// Package contract checks captured webhooks, and the answers sent back to
// them, against an OpenAPI 3.x spec: a 3.1 spec's webhooks, or the
// request and response schemas of the operation a request's method and
// path match. It knows nothing of the store or the window; the core keeps
// the specs and the verdicts (docs/cli.md, "Contracts").
package contract

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pb33f/jsonschema/v6"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
)

// MaxSpecSize bounds a spec file: Stripe's whole published spec is about
// 7 MiB of JSON, and the spec is kept in the store with every attachment.
const MaxSpecSize = 16 << 20

// Violation is one place where a body breaks the schema: Pointer is the
// RFC 6901 JSON pointer into the body ("" is the whole body).
type Violation struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// String is "pointer: message", the form every surface prints.
func (v Violation) String() string {
	p := v.Pointer
	if p == "" {
		p = "(body)"
	}
	return p + ": " + v.Message
}

// Verdict is the outcome of checking one body.
type Verdict struct {
	// Spec names the spec (its title and version) and SpecSHA256 pins the
	// exact bytes, so a verdict can be reproduced.
	Spec       string `json:"spec"`
	SpecSHA256 string `json:"spec_sha256"`
	// Matched is what the body was checked against: "webhook NAME" or
	// "METHOD /path/template" (with " response STATUS" for an answer).
	// Empty when nothing in the spec fits the request.
	Matched    string      `json:"matched,omitempty"`
	Valid      bool        `json:"valid"`
	Violations []Violation `json:"violations,omitempty"`
	// Unchecked, when set, says why the body could not be checked (a body
	// that is not JSON); Valid is false and there are no violations.
	Unchecked string `json:"unchecked,omitempty"`
}

// Request is what a check reads of a capture or of a composer's request.
type Request struct {
	Method string
	// Path is the request's path; Prefix is the attachment's path prefix,
	// stripped before matching the spec's paths when the full path does
	// not match (a spec for /v1/refunds attached at /hooks/acme).
	Path        string
	Prefix      string
	Header      http.Header
	ContentType string
	Body        []byte
}

// Spec is a loaded spec, safe for concurrent checks.
type Spec struct {
	name    string
	sha     string
	version float32
	doc     *v3.Document

	opts *config.ValidationOptions
	mu   sync.Mutex
	// compiled caches each schema's compiled form, keyed by the schema
	// object (a spec's schemas do not change once loaded).
	compiled map[*base.Schema]compiled
}

type compiled struct {
	schema *jsonschema.Schema
	err    error
}

var errNotASpec = errors.New("not an OpenAPI spec")

// Load reads a spec (JSON or YAML). Errors are one sentence.
func Load(data []byte) (*Spec, error) {
	if len(data) > MaxSpecSize {
		return nil, fmt.Errorf("the spec is %d bytes, over the %d MiB a contract may have", len(data), MaxSpecSize>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("the spec is empty: %w", errNotASpec)
	}
	// libopenapi's default logger writes JSON to stdout; a one-shot
	// command's stdout is its answer.
	quiet := slog.New(slog.DiscardHandler)
	cfg := &datamodel.DocumentConfiguration{Logger: quiet}
	doc, err := newDocument(data, cfg)
	if err != nil {
		return nil, err
	}
	if v := doc.GetVersion(); !strings.HasPrefix(v, "3.") {
		return nil, fmt.Errorf("the spec is OpenAPI %q: only OpenAPI 3.0 and 3.1 specs can be attached", v)
	}
	model, err := buildModel(doc)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	s := &Spec{
		sha:      hex.EncodeToString(sum[:]),
		doc:      &model.Model,
		version:  3.1,
		compiled: map[*base.Schema]compiled{},
		opts:     config.NewValidationOptions(config.WithLogger(quiet)),
	}
	if strings.HasPrefix(doc.GetVersion(), "3.0") {
		s.version = 3.0
	}
	s.name = "unnamed spec"
	if info := s.doc.Info; info != nil && strings.TrimSpace(info.Title) != "" {
		s.name = strings.TrimSpace(info.Title)
		if info.Version != "" {
			s.name += " " + info.Version
		}
	}
	if len(s.webhooks()) == 0 && s.doc.Paths == nil {
		return nil, fmt.Errorf("the spec has neither webhooks nor paths to check requests against")
	}
	return s, nil
}

// newDocument and buildModel turn a panic inside the parser (a hostile
// file) into an error: a spec is something a user brings, not our code.
func newDocument(data []byte, cfg *datamodel.DocumentConfiguration) (doc libopenapi.Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("the spec could not be read: %w", errNotASpec)
		}
	}()
	doc, err = libopenapi.NewDocumentWithConfiguration(data, cfg)
	if err != nil {
		return nil, fmt.Errorf("the spec could not be read (%s): %w", firstLine(err), errNotASpec)
	}
	return doc, nil
}

func buildModel(doc libopenapi.Document) (model *libopenapi.DocumentModel[v3.Document], err error) {
	defer func() {
		if r := recover(); r != nil {
			model, err = nil, fmt.Errorf("the spec could not be read: %w", errNotASpec)
		}
	}()
	model, err = doc.BuildV3Model()
	if model == nil {
		if err == nil {
			err = errNotASpec
		}
		return nil, fmt.Errorf("the spec could not be read (%s)", firstLine(err))
	}
	// A circular $ref is reported as an error with a usable model: a
	// recursive schema (a tree of comments) is legitimate, and the
	// validator resolves it lazily.
	return model, nil
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// Name is the spec's title and version.
func (s *Spec) Name() string { return s.name }

// SHA256 is the hex SHA-256 of the spec's bytes.
func (s *Spec) SHA256() string { return s.sha }

// Webhooks lists the spec's webhook names, in the spec's order.
func (s *Spec) Webhooks() []string {
	var out []string
	for _, w := range s.webhooks() {
		out = append(out, w.name)
	}
	return out
}

type webhook struct {
	name string
	item *v3.PathItem
}

func (s *Spec) webhooks() []webhook {
	var out []webhook
	if s.doc.Webhooks == nil {
		return nil
	}
	for name, item := range s.doc.Webhooks.FromOldest() {
		if item != nil {
			out = append(out, webhook{name, item})
		}
	}
	return out
}

func (s *Spec) verdict() Verdict { return Verdict{Spec: s.name, SpecSHA256: s.sha} }

// CheckRequest checks a request's body. The spec's paths come first: an
// operation whose method and path template match the path (or the path
// with the attachment's prefix removed) decides. Otherwise the spec's
// webhooks: a webhook named like the event (the body's top-level "type"
// field, as Stripe sends, or the X-GitHub-Event header) is the one used;
// failing that, the body is checked against every webhook taking the
// method and content type, and the one it fits, or else the one with the
// fewest violations (the first in the spec on a tie), is the verdict.
func (s *Spec) CheckRequest(r Request) Verdict {
	v := s.verdict()
	mediaType := baseMediaType(r.ContentType)
	if op, tmpl, ok := s.operation(r.Method, r.Path, r.Prefix); ok {
		v.Matched = strings.ToUpper(r.Method) + " " + tmpl
		if op.RequestBody == nil || op.RequestBody.Content == nil {
			if len(r.Body) > 0 {
				v.Violations = []Violation{{Message: "the operation takes no body, but one was sent"}}
			}
			v.Valid = len(v.Violations) == 0
			return v
		}
		return s.checkContent(v, op.RequestBody.Content, mediaType, r.Body)
	}
	var candidates []webhook
	for _, w := range s.webhooks() {
		if op := operationFor(w.item, r.Method); op != nil && op.RequestBody != nil && op.RequestBody.Content != nil {
			if _, ok := pickMedia(op.RequestBody.Content, mediaType); ok {
				candidates = append(candidates, w)
			}
		}
	}
	if len(candidates) == 0 {
		v.Violations = []Violation{{Message: fmt.Sprintf("no operation of the spec is %s %s and no webhook takes a %s body by %s",
			strings.ToUpper(r.Method), r.Path, orUnknown(mediaType), strings.ToUpper(r.Method))}}
		return v
	}
	if name := eventName(r); name != "" {
		for _, w := range candidates {
			if w.name == name {
				candidates = []webhook{w}
				break
			}
		}
	}
	var best Verdict
	for i, w := range candidates {
		op := operationFor(w.item, r.Method)
		got := s.verdict()
		got.Matched = "webhook " + w.name
		got = s.checkContent(got, op.RequestBody.Content, mediaType, r.Body)
		if got.Valid || got.Unchecked != "" {
			return got
		}
		if i == 0 || len(got.Violations) < len(best.Violations) {
			best = got
		}
	}
	return best
}

// CheckResponse checks an answer to a request against the response
// schema of the operation (or webhook) the request matches; ok is false
// when the spec says nothing about that answer.
func (s *Spec) CheckResponse(r Request, status int, contentType string, body []byte) (Verdict, bool) {
	v := s.verdict()
	var op *v3.Operation
	if o, tmpl, ok := s.operation(r.Method, r.Path, r.Prefix); ok {
		op, v.Matched = o, strings.ToUpper(r.Method)+" "+tmpl
	} else {
		req := s.CheckRequest(r)
		name, ok := strings.CutPrefix(req.Matched, "webhook ")
		if !ok {
			return Verdict{}, false
		}
		for _, w := range s.webhooks() {
			if w.name == name {
				op, v.Matched = operationFor(w.item, r.Method), req.Matched
			}
		}
	}
	return s.checkAnswer(v, op, status, contentType, body)
}

// Operation names one operation as the spec writes it: Method and the
// path template Path ("/pets/{petId}"), or Method and the name of a 3.1
// Webhook. It is how a composer request imported from the spec remembers
// where it came from.
type Operation struct {
	Method  string `json:"method"`
	Path    string `json:"path,omitempty"`
	Webhook string `json:"webhook,omitempty"`
}

// CheckOperationResponse checks an answer against the responses of the
// operation op names, found by its template or webhook name rather than
// by matching a path; ok is false when the spec has no such operation or
// says nothing about its answers.
func (s *Spec) CheckOperationResponse(op Operation, status int, contentType string, body []byte) (Verdict, bool) {
	v := s.verdict()
	var item *v3.PathItem
	if op.Webhook != "" {
		for _, w := range s.webhooks() {
			if w.name == op.Webhook {
				item = w.item
			}
		}
		v.Matched = "webhook " + op.Webhook
	} else if s.doc.Paths != nil && s.doc.Paths.PathItems != nil {
		item = s.doc.Paths.PathItems.GetOrZero(op.Path)
		v.Matched = strings.ToUpper(op.Method) + " " + op.Path
	}
	if item == nil {
		return Verdict{}, false
	}
	return s.checkAnswer(v, operationFor(item, op.Method), status, contentType, body)
}

// checkAnswer checks an answer against op's response for status: the
// exact code, else its class (2XX), else the default.
func (s *Spec) checkAnswer(v Verdict, op *v3.Operation, status int, contentType string, body []byte) (Verdict, bool) {
	if op == nil || op.Responses == nil {
		return Verdict{}, false
	}
	code := strconv.Itoa(status)
	var resp *v3.Response
	if op.Responses.Codes != nil {
		resp = op.Responses.Codes.GetOrZero(code)
		if resp == nil {
			resp = op.Responses.Codes.GetOrZero(code[:1] + "XX")
		}
	}
	if resp == nil {
		resp = op.Responses.Default
	}
	v.Matched += " response " + code
	if resp == nil {
		v.Violations = []Violation{{Message: fmt.Sprintf("the spec declares no %d answer for %s", status, strings.TrimSuffix(v.Matched, " response "+code))}}
		return v, true
	}
	if resp.Content == nil || resp.Content.Len() == 0 {
		v.Valid = true
		return v, true
	}
	return s.checkContent(v, resp.Content, baseMediaType(contentType), body), true
}

func orUnknown(s string) string {
	if s == "" {
		return "untyped"
	}
	return s
}

// eventName is the event a request says it carries.
func eventName(r Request) string {
	if e := r.Header.Get("X-GitHub-Event"); e != "" {
		return e
	}
	var probe struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(r.Body, &probe) == nil {
		return probe.Type
	}
	return ""
}

// checkContent checks body against the media type of content that fits
// mediaType.
func (s *Spec) checkContent(v Verdict, content *orderedmap.Map[string, *v3.MediaType], mediaType string, body []byte) Verdict {
	mt, ok := pickMedia(content, mediaType)
	if !ok {
		var declared []string
		for k := range content.KeysFromOldest() {
			declared = append(declared, k)
		}
		v.Violations = []Violation{{Message: fmt.Sprintf("the content type %s is not one the spec declares (%s)", orUnknown(mediaType), strings.Join(declared, ", "))}}
		return v
	}
	if mt == nil || mt.Schema == nil {
		v.Valid = true
		return v
	}
	if !isJSON(mediaType) && mediaType != "" {
		v.Unchecked = fmt.Sprintf("only JSON bodies are checked; this one is %s", mediaType)
		return v
	}
	schema := mt.Schema.Schema()
	if schema == nil {
		v.Unchecked = "the spec's schema for this body could not be resolved"
		if err := mt.Schema.GetBuildError(); err != nil {
			v.Unchecked += " (" + firstLine(err) + ")"
		}
		return v
	}
	v.Violations = s.validate(schema, body)
	v.Valid = len(v.Violations) == 0
	return v
}

func (s *Spec) compile(schema *base.Schema) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.compiled[schema]; ok {
		return c.schema, c.err
	}
	c := compiled{}
	func() {
		defer func() {
			if r := recover(); r != nil {
				c.err = errors.New("the schema could not be compiled")
			}
		}()
		res, err := schema_validation.CompileSchemaForValidation(schema, schema_validation.SchemaValidationPurposeGeneric, s.opts, s.version)
		switch {
		case err != nil:
			c.err = fmt.Errorf("the schema could not be compiled (%s)", firstLine(err))
		case res == nil || res.CompiledSchema == nil:
			c.err = errors.New("the schema could not be compiled")
		default:
			c.schema = res.CompiledSchema
		}
	}()
	s.compiled[schema] = c
	return c.schema, c.err
}

// validate checks body against schema and returns every violation, each
// at the pointer of the value that breaks it.
func (s *Spec) validate(schema *base.Schema, body []byte) []Violation {
	compiledSchema, err := s.compile(schema)
	if err != nil {
		return []Violation{{Message: err.Error()}}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return []Violation{{Message: "the body is empty"}}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return []Violation{{Message: "the body is not valid JSON (" + firstLine(err) + ")"}}
	}
	err = compiledSchema.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Violation{{Message: firstLine(err)}}
	}
	var out []Violation
	collect(ve, &out)
	out = dedupe(out)
	return out
}

// collect gathers the leaves of a validation error tree. Of a oneOf or
// anyOf that nothing matched it follows only the closest branch (fewest
// leaves): a charge whose card details are wrong should not also be told
// it lacks a bank account.
func collect(e *jsonschema.ValidationError, out *[]Violation) {
	switch e.ErrorKind.(type) {
	case *oneOfKind, *anyOfKind:
		if len(e.Causes) > 0 {
			best, bestN := e.Causes[0], -1
			for _, c := range e.Causes {
				var leaves []Violation
				collect(c, &leaves)
				if bestN < 0 || len(leaves) < bestN {
					best, bestN = c, len(leaves)
				}
			}
			collect(best, out)
			return
		}
	}
	if len(e.Causes) == 0 {
		*out = append(*out, leaf(e)...)
		return
	}
	for _, c := range e.Causes {
		collect(c, out)
	}
}

func dedupe(in []Violation) []Violation {
	seen := map[Violation]bool{}
	out := in[:0]
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	slices.SortStableFunc(out, func(a, b Violation) int { return strings.Compare(a.Pointer, b.Pointer) })
	return out
}

// Pointer is the RFC 6901 pointer of a path of keys and indexes.
func Pointer(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		p = strings.ReplaceAll(p, "~", "~0")
		b.WriteString(strings.ReplaceAll(p, "/", "~1"))
	}
	return b.String()
}

// Segments splits a pointer back into its keys.
func Segments(pointer string) []string {
	if pointer == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return parts
}

// baseMediaType is the content type without parameters, lower case.
func baseMediaType(ct string) string {
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, _, _ = strings.Cut(ct, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

func isJSON(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// pickMedia finds the declared media type for mt: exact, then type/*,
// then */*. A request without a content type takes the JSON entry.
func pickMedia(content *orderedmap.Map[string, *v3.MediaType], mt string) (*v3.MediaType, bool) {
	if content == nil {
		return nil, false
	}
	find := func(want string) (*v3.MediaType, bool) {
		for k, v := range content.FromOldest() {
			if baseMediaType(k) == want {
				return v, true
			}
		}
		return nil, false
	}
	if mt == "" {
		mt = "application/json"
	}
	if v, ok := find(mt); ok {
		return v, true
	}
	if major, _, ok := strings.Cut(mt, "/"); ok {
		if v, ok := find(major + "/*"); ok {
			return v, true
		}
	}
	if isJSON(mt) {
		if v, ok := find("application/json"); ok {
			return v, true
		}
	}
	return find("*/*")
}

func operationFor(item *v3.PathItem, method string) *v3.Operation {
	switch strings.ToUpper(method) {
	case http.MethodGet:
		return item.Get
	case http.MethodPut:
		return item.Put
	case http.MethodPost:
		return item.Post
	case http.MethodDelete:
		return item.Delete
	case http.MethodOptions:
		return item.Options
	case http.MethodHead:
		return item.Head
	case http.MethodPatch:
		return item.Patch
	case http.MethodTrace:
		return item.Trace
	}
	return nil
}

// operation finds the operation for method and path among the spec's
// paths: the full path first, then the path with prefix removed; literal
// segments beat templated ones.
func (s *Spec) operation(method, path, prefix string) (*v3.Operation, string, bool) {
	if s.doc.Paths == nil || s.doc.Paths.PathItems == nil {
		return nil, "", false
	}
	tries := []string{path}
	if prefix != "" && prefix != "/" {
		if rest, ok := strings.CutPrefix(path, strings.TrimSuffix(prefix, "/")); ok {
			if rest == "" {
				rest = "/"
			}
			tries = append(tries, rest)
		}
	}
	for _, p := range tries {
		var best *v3.Operation
		bestTmpl, bestScore := "", -1
		for tmpl, item := range s.doc.Paths.PathItems.FromOldest() {
			if item == nil {
				continue
			}
			op := operationFor(item, method)
			if op == nil {
				continue
			}
			if score, ok := matchTemplate(tmpl, p); ok && score > bestScore {
				best, bestTmpl, bestScore = op, tmpl, score
			}
		}
		if best != nil {
			return best, bestTmpl, true
		}
	}
	return nil, "", false
}

// matchTemplate matches a path against an OpenAPI path template
// (/charges/{id}); the score counts literal segments.
func matchTemplate(tmpl, path string) (int, bool) {
	ts := strings.Split(strings.Trim(tmpl, "/"), "/")
	ps := strings.Split(strings.Trim(path, "/"), "/")
	if len(ts) != len(ps) {
		return 0, false
	}
	score := 0
	for i, t := range ts {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if ps[i] == "" {
				return 0, false
			}
			continue
		}
		if t != ps[i] {
			return 0, false
		}
		score++
	}
	return score, true
}
