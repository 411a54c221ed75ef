package bodyfmt

import "testing"

func TestGraphQLKindAndView(t *testing.T) {
	body := []byte(`{"query":"query Q($a:Int){ f(a:$a) { x y } }","variables":{"a":1},"operationName":"Q"}`)
	if k := Classify("application/json", body); k != GraphQL || Modes(k)[0] != ModeGraphQL {
		t.Fatalf("kind %v, modes %v", k, Modes(k))
	}
	lines, err := Format(body, GraphQL, ModeGraphQL, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := "# operation: Q\nquery Q($a:Int){\n  f(a:$a) {\n    x y\n  }\n}\n\n# variables\n{\n  \"a\": 1\n}\n"
	if got := string(lines.Text); got != want {
		t.Errorf("view:\n%s\nwant:\n%s", got, want)
	}
	if k := Classify("application/graphql", []byte("{ me { id } }")); k != GraphQL {
		t.Errorf("application/graphql: %v", k)
	}
	for _, b := range []string{`{"type":"invoice.paid"}`, `{"query":5}`, `[{"query":"{a}"}]`, `{"query":"  "}`} {
		if k := Classify("application/json", []byte(b)); k != JSON {
			t.Errorf("%s: %v, want JSON", b, k)
		}
	}
}
