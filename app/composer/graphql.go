package composer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"dev.hookscope/bodyfmt"
)

// BodyGraphQL sends GraphQLQuery, GraphQLVariables and GraphQLOperation
// as the JSON body the GraphQL over HTTP spec defines for POST:
// {"query":…,"variables":…,"operationName":…}.
const BodyGraphQL = "graphql"

// GraphQLBody is the JSON body of a GraphQL POST. variables is a JSON
// object, or empty; an operation name that is empty is left out.
func GraphQLBody(query, variables, operation string) ([]byte, error) {
	if strings.TrimSpace(query) == "" {
		return nil, errors.New("the GraphQL query is empty")
	}
	body := struct {
		Query         string          `json:"query"`
		Variables     json.RawMessage `json:"variables,omitempty"`
		OperationName string          `json:"operationName,omitempty"`
	}{Query: query, OperationName: strings.TrimSpace(operation)}
	if v := strings.TrimSpace(variables); v != "" {
		var obj map[string]any
		if err := json.Unmarshal([]byte(v), &obj); err != nil {
			return nil, fmt.Errorf("the GraphQL variables are not a JSON object: %s", jsonProblem([]byte(v), err))
		}
		var buf bytes.Buffer
		json.Compact(&buf, []byte(v))
		body.Variables = buf.Bytes()
	}
	return json.Marshal(body)
}

// jsonProblem says where a JSON document went wrong, as a line and
// column a person can find.
func jsonProblem(doc []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := 1, 1
		for _, c := range doc[:max(0, min(int(se.Offset)-1, len(doc)))] { // Offset is just past the bad byte
			if c == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		return fmt.Sprintf("%v (line %d, column %d)", se, line, col)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "it is " + te.Value + ", not an object"
	}
	return err.Error()
}

// IntrospectionQuery asks a GraphQL server for its types and their fields
// (a trimmed form of the standard introspection query: names are all the
// completion needs).
const IntrospectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types {
      kind
      name
      fields(includeDeprecated: true) {
        name
        type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
      }
    }
  }
}`

// GraphQLSchema is what introspection told of a server: each object or
// interface type's fields, and the field's type name (lists and non-null
// unwrapped).
type GraphQLSchema struct {
	Query, Mutation, Subscription string
	Types                         map[string]map[string]string
}

type introType struct {
	Kind   string     `json:"kind"`
	Name   string     `json:"name"`
	OfType *introType `json:"ofType"`
}

// ParseIntrospection reads the answer to IntrospectionQuery.
func ParseIntrospection(body []byte) (*GraphQLSchema, error) {
	var ans struct {
		Data struct {
			Schema *struct {
				QueryType        *introType `json:"queryType"`
				MutationType     *introType `json:"mutationType"`
				SubscriptionType *introType `json:"subscriptionType"`
				Types            []struct {
					Kind   string `json:"kind"`
					Name   string `json:"name"`
					Fields []struct {
						Name string    `json:"name"`
						Type introType `json:"type"`
					} `json:"fields"`
				} `json:"types"`
			} `json:"__schema"`
		} `json:"data"`
		Errors []GraphQLError `json:"errors"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, fmt.Errorf("the introspection answer is not GraphQL JSON: %w", err)
	}
	s := ans.Data.Schema
	if s == nil {
		if len(ans.Errors) > 0 {
			return nil, fmt.Errorf("the server refused introspection: %s", ans.Errors[0].Message)
		}
		return nil, errors.New("the introspection answer has no data.__schema")
	}
	out := &GraphQLSchema{Types: map[string]map[string]string{}}
	if s.QueryType != nil {
		out.Query = s.QueryType.Name
	}
	if s.MutationType != nil {
		out.Mutation = s.MutationType.Name
	}
	if s.SubscriptionType != nil {
		out.Subscription = s.SubscriptionType.Name
	}
	for _, t := range s.Types {
		if len(t.Fields) == 0 || strings.HasPrefix(t.Name, "__") {
			continue
		}
		fields := map[string]string{}
		for _, f := range t.Fields {
			ft := &f.Type
			for ft.OfType != nil && ft.Name == "" {
				ft = ft.OfType
			}
			fields[f.Name] = ft.Name
		}
		out.Types[t.Name] = fields
	}
	return out, nil
}

// Complete offers the field names that fit where the cursor is in query:
// the fields of the type at the cursor's selection path (from the query,
// mutation or subscription root, following each enclosing field's type),
// starting with the word being typed. When the path cannot be followed
// (a fragment, an alias of an unknown field) it offers every field name
// in the schema that starts with the word. cursor is a byte offset.
func (s *GraphQLSchema) Complete(query string, cursor int) []string {
	if s == nil {
		return nil
	}
	cursor = max(0, min(cursor, len(query)))
	before := query[:cursor]
	start := len(before)
	for start > 0 && isNameByte(before[start-1]) {
		start--
	}
	word := before[start:]
	fields, ok := s.fieldsAt(before[:start])
	var names []string
	if ok {
		for n := range fields {
			names = append(names, n)
		}
	} else {
		seen := map[string]bool{}
		for _, fs := range s.Types {
			for n := range fs {
				if !seen[n] {
					seen[n] = true
					names = append(names, n)
				}
			}
		}
	}
	var out []string
	for _, n := range names {
		if strings.HasPrefix(strings.ToLower(n), strings.ToLower(word)) && n != word {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// fieldsAt follows the open selection sets in text (the query up to the
// word at the cursor) and returns the fields of the type they select on.
func (s *GraphQLSchema) fieldsAt(text string) (map[string]string, bool) {
	root := s.Query
	// Strip strings and comments so their braces do not count.
	var clean strings.Builder
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '"':
			for i++; i < len(text) && text[i] != '"'; i++ {
				if text[i] == '\\' {
					i++
				}
			}
		case '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case '(':
			depth := 1
			for i++; i < len(text) && depth > 0; i++ {
				if text[i] == '(' {
					depth++
				} else if text[i] == ')' {
					depth--
				}
			}
			i--
		default:
			clean.WriteByte(c)
		}
	}
	// The stack holds each open selection's last word before "{".
	var stack []string
	last := ""
	tok := tokenize(clean.String())
	for i, t := range tok {
		switch t {
		case "{":
			stack = append(stack, last)
			last = ""
		case "}":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			last = ""
		case ":":
			// alias: name; the field is the next word.
		default:
			if i > 0 && tok[i-1] == "..." {
				return nil, false // a fragment spread or inline fragment
			}
			last = t
		}
	}
	if len(stack) == 0 {
		return nil, false
	}
	// The first open selection belongs to an operation keyword or name.
	switch strings.ToLower(firstWord(tok)) {
	case "mutation":
		root = s.Mutation
	case "subscription":
		root = s.Subscription
	}
	typ := root
	for _, field := range stack[1:] {
		fields, ok := s.Types[typ]
		if !ok {
			return nil, false
		}
		if typ, ok = fields[field]; !ok {
			return nil, false
		}
	}
	fields, ok := s.Types[typ]
	return fields, ok
}

func firstWord(tok []string) string {
	if len(tok) > 0 {
		return tok[0]
	}
	return ""
}

// tokenize splits a GraphQL text into names, "{", "}", ":" and "...".
func tokenize(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isNameByte(c) || c == '$' || c == '@':
			j := i + 1
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		case c == '{' || c == '}' || c == ':':
			out = append(out, string(c))
			i++
		case strings.HasPrefix(s[i:], "..."):
			out = append(out, "...")
			i += 3
		default:
			i++
		}
	}
	return out
}

// GraphQLError is one entry of a GraphQL answer's errors array.
type GraphQLError struct {
	Message   string `json:"message"`
	Path      []any  `json:"path,omitempty"`
	Locations []struct {
		Line   int `json:"line"`
		Column int `json:"column"`
	} `json:"locations,omitempty"`
}

// String is the error as one line: message, at path, line:column.
func (e GraphQLError) String() string {
	s := e.Message
	if len(e.Path) > 0 {
		parts := make([]string, len(e.Path))
		for i, p := range e.Path {
			parts[i] = fmt.Sprint(p)
		}
		s += " (at " + strings.Join(parts, ".") + ")"
	}
	for _, l := range e.Locations {
		s += fmt.Sprintf(" [line %d, column %d]", l.Line, l.Column)
	}
	return s
}

// SplitGraphQLAnswer reads a GraphQL answer: its data (as JSON, "" when
// absent or null) and its errors. ok is false when the body is not a
// GraphQL answer (not JSON, or neither data nor errors at the top).
func SplitGraphQLAnswer(body []byte) (data string, errs []GraphQLError, ok bool) {
	var ans map[string]json.RawMessage
	if json.Unmarshal(body, &ans) != nil {
		return "", nil, false
	}
	rawData, hasData := ans["data"]
	rawErrs, hasErrs := ans["errors"]
	if !hasData && !hasErrs {
		return "", nil, false
	}
	if hasErrs && json.Unmarshal(rawErrs, &errs) != nil {
		return "", nil, false
	}
	if hasData && string(rawData) != "null" {
		var buf bytes.Buffer
		if json.Indent(&buf, rawData, "", "  ") == nil {
			data = buf.String()
		}
	}
	return data, errs, true
}

// CapturedGraphQL is a GraphQL request as a capture carries it.
type CapturedGraphQL = bodyfmt.GraphQLRequest

// RecogniseGraphQL reports whether a captured body is a GraphQL request
// (bodyfmt.RecogniseGraphQL, which the inspector's GraphQL view uses).
func RecogniseGraphQL(contentType string, body []byte) (CapturedGraphQL, bool) {
	return bodyfmt.RecogniseGraphQL(contentType, body)
}

// FormatGraphQL indents a query by its braces (bodyfmt.FormatGraphQL).
func FormatGraphQL(q string) string { return bodyfmt.FormatGraphQL(q) }
