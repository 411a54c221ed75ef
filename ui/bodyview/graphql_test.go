package bodyview

import (
	"slices"
	"testing"

	"dev.hookscope/bodyfmt"
)

// TestCapturedGraphQLPostShowsQueryAndVariables: a captured GraphQL POST
// opens in the GraphQL view (operation, query indented, variables), and
// the JSON as sent is a tap away.
func TestCapturedGraphQLPostShowsQueryAndVariables(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody([]byte(`{"query":"query GetUser($id: ID!) { user(id: $id) { id name } }","variables":{"id":"u1"},"operationName":"GetUser"}`), "application/json")
	h.wait()
	want := []string{"# operation: GetUser", "query GetUser($id: ID!) {", "  user(id: $id) {", "    id name", "  }", "}", "",
		"# variables", "{", `  "id": "u1"`, "}"}
	if got := h.lines(); !slices.Equal(got, want) || h.v.Mode() != bodyfmt.ModeGraphQL {
		t.Fatalf("mode %s lines %q, want %q", h.v.Mode(), got, want)
	}
	if !slices.Equal(h.v.modes.Options, []string{"graphql", "pretty", "raw", "hex"}) {
		t.Errorf("options %v", h.v.modes.Options)
	}
	h.tapMode(bodyfmt.ModePretty)
	h.wait()
	if got := h.lines(); len(got) != 7 || got[1] != `  "query": "query GetUser($id: ID!) { user(id: $id) { id name } }",` {
		t.Errorf("pretty lines %q", got)
	}
	// Its pretty view is highlighted as JSON: key, colon and value apart.
	r := h.v.createRow().(*row)
	h.v.updateRow(1, r)
	if len(r.objects) < 4 {
		t.Errorf("pretty row 1 drawn in %d pieces; want JSON highlighting", len(r.objects))
	}
	// Plain JSON keeps its pretty view.
	h.v.SetBody([]byte(`{"type":"invoice.paid"}`), "application/json")
	h.wait()
	if h.v.Mode() != bodyfmt.ModePretty {
		t.Errorf("plain JSON opened in %s", h.v.Mode())
	}
}
