package bodyfmt

import (
	"bytes"
	"encoding/json"
	"strings"
)

// ModeGraphQL shows a GraphQL request body as its operation name, its
// query indented by braces and its variables, instead of the JSON that
// carries them.
const ModeGraphQL Mode = "graphql"

// maxGraphQLSniff bounds the bodies Classify parses to see whether they
// are GraphQL requests: queries are small, and a big JSON document should
// not be parsed twice.
const maxGraphQLSniff = 1 << 20

// GraphQLRequest is a GraphQL request as a body carries it.
type GraphQLRequest struct {
	Query         string
	Variables     string // indented JSON, "" when none
	OperationName string
}

// RecogniseGraphQL reports whether a body is a GraphQL request:
// application/graphql, or a JSON object whose "query" is a non-empty
// string (the GraphQL over HTTP POST body); a batch (an array of them) is
// not.
func RecogniseGraphQL(contentType string, body []byte) (GraphQLRequest, bool) {
	if mediaType(contentType) == "application/graphql" {
		return GraphQLRequest{Query: string(body)}, len(bytes.TrimSpace(body)) > 0
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || !bytes.Contains(trimmed, []byte(`"query"`)) {
		return GraphQLRequest{}, false
	}
	var req struct {
		Query         *string         `json:"query"`
		Variables     json.RawMessage `json:"variables"`
		OperationName string          `json:"operationName"`
	}
	if json.Unmarshal(trimmed, &req) != nil || req.Query == nil || strings.TrimSpace(*req.Query) == "" {
		return GraphQLRequest{}, false
	}
	out := GraphQLRequest{Query: *req.Query, OperationName: req.OperationName}
	if len(req.Variables) > 0 && string(req.Variables) != "null" {
		var buf bytes.Buffer
		if json.Indent(&buf, req.Variables, "", "  ") == nil {
			out.Variables = buf.String()
		}
	}
	return out, true
}

// graphQLKind is GraphQL for a JSON (or application/graphql) body that is
// a GraphQL request, else k.
func graphQLKind(k Kind, mt string, body []byte) Kind {
	if (k == JSON || mt == "application/graphql") && len(body) <= maxGraphQLSniff {
		if _, ok := RecogniseGraphQL(mt, body); ok {
			return GraphQL
		}
	}
	return k
}

// GraphQLText is what ModeGraphQL shows; a body that is not a GraphQL
// request is shown raw.
func GraphQLText(contentType string, body []byte) []byte {
	g, ok := RecogniseGraphQL(contentType, body)
	if !ok {
		return RawText(body)
	}
	var b strings.Builder
	if g.OperationName != "" {
		b.WriteString("# operation: " + g.OperationName + "\n")
	}
	b.WriteString(FormatGraphQL(g.Query))
	b.WriteString("\n")
	if g.Variables != "" {
		b.WriteString("\n# variables\n" + g.Variables + "\n")
	}
	return []byte(b.String())
}

// FormatGraphQL indents a query by its braces, two spaces a level, one
// selection a line as written; strings and comments are kept as they are.
func FormatGraphQL(q string) string {
	var b strings.Builder
	depth := 0
	lineStart := true
	indent := func() {
		if lineStart {
			b.WriteString(strings.Repeat("  ", depth))
			lineStart = false
		}
	}
	newline := func() {
		if !lineStart {
			b.WriteByte('\n')
			lineStart = true
		}
	}
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '"':
			indent()
			j := i + 1
			for j < len(q) && q[j] != '"' {
				if q[j] == '\\' {
					j++
				}
				j++
			}
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case c == '#':
			indent()
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			newline()
			i += j
		case c == '{':
			indent()
			b.WriteString("{")
			depth++
			newline()
		case c == '}':
			newline()
			depth = max(0, depth-1)
			indent()
			b.WriteString("}")
			newline()
		case c == '\n' || c == '\r':
			newline()
		case c == ' ' || c == '\t' || c == ',':
			if !lineStart && c != ',' {
				b.WriteByte(' ')
			} else if c == ',' && !lineStart {
				b.WriteByte(',')
			}
			for i+1 < len(q) && (q[i+1] == ' ' || q[i+1] == '\t') {
				i++
			}
		default:
			indent()
			b.WriteByte(c)
		}
	}
	out := strings.Split(b.String(), "\n")
	for i := range out {
		out[i] = strings.TrimRight(out[i], " ")
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
