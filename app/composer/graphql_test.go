package composer

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// graphQLServer answers as a GraphQL server over HTTP would: it checks
// the POST body the spec defines and answers data and errors; the
// introspection query gets a small schema.
func graphQLServer(t *testing.T) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query         string         `json:"query"`
			Variables     map[string]any `json:"variables"`
			OperationName string         `json:"operationName"`
		}
		raw, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(raw, &req) != nil {
			w.WriteHeader(400)
			w.Write([]byte(`{"errors":[{"message":"want a JSON POST"}]}`))
			return
		}
		w.Header().Set("Content-Type", "application/graphql-response+json")
		if strings.Contains(req.Query, "__schema") {
			w.Write([]byte(introspectionAnswer))
			return
		}
		if req.OperationName != "GetUser" || req.Variables["id"] != "u1" {
			w.Write([]byte(`{"errors":[{"message":"unexpected operation or variables"}]}`))
			return
		}
		// The answer echoes the variable, so a round trip is seen.
		out, _ := json.Marshal(map[string]any{
			"data": map[string]any{"user": map[string]any{"id": req.Variables["id"], "name": "Ada", "email": nil}},
			"errors": []any{map[string]any{"message": "email is private", "path": []any{"user", "email"},
				"locations": []any{map[string]any{"line": 3, "column": 5}}}},
		})
		w.Write(out)
	}))
}

const introspectionAnswer = `{"data":{"__schema":{"queryType":{"name":"Query"},"mutationType":{"name":"Mutation"},"subscriptionType":null,"types":[
 {"kind":"OBJECT","name":"Query","fields":[{"name":"user","type":{"kind":"OBJECT","name":"User","ofType":null}},{"name":"users","type":{"kind":"NON_NULL","name":null,"ofType":{"kind":"LIST","name":null,"ofType":{"kind":"OBJECT","name":"User","ofType":null}}}}]},
 {"kind":"OBJECT","name":"Mutation","fields":[{"name":"renameUser","type":{"kind":"OBJECT","name":"User","ofType":null}}]},
 {"kind":"OBJECT","name":"User","fields":[{"name":"id","type":{"kind":"SCALAR","name":"ID","ofType":null}},{"name":"name","type":{"kind":"SCALAR","name":"String","ofType":null}},{"name":"email","type":{"kind":"SCALAR","name":"String","ofType":null}},{"name":"friends","type":{"kind":"LIST","name":null,"ofType":{"kind":"OBJECT","name":"User","ofType":null}}}]},
 {"kind":"OBJECT","name":"__Type","fields":[{"name":"kind","type":{"kind":"SCALAR","name":"String","ofType":null}}]},
 {"kind":"SCALAR","name":"String","fields":null}]}}}`

func TestGraphQLRoundTrip(t *testing.T) {
	srv := graphQLServer(t)
	defer srv.Close()
	env := &Environment{Vars: []Var{{Name: "base", Value: srv.URL}, {Name: "uid", Value: "u1"}}}
	r := Request{Method: "POST", URL: "{{base}}/graphql", BodyKind: BodyGraphQL,
		GraphQLQuery:     "query GetUser($id: ID!) {\n  user(id: $id) {\n    id name email\n  }\n}",
		GraphQLVariables: `{ "id": "{{uid}}" }`, GraphQLOperation: "GetUser"}
	req, body, err := Build(r, env)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"query":"query GetUser($id: ID!) {\n  user(id: $id) {\n    id name email\n  }\n}","variables":{"id":"u1"},"operationName":"GetUser"}`; string(body) != want {
		t.Errorf("body %s\nwant %s", body, want)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	data, errs, ok := SplitGraphQLAnswer(answer)
	if !ok || !strings.Contains(data, `"id": "u1"`) || !strings.Contains(data, `"name": "Ada"`) {
		t.Fatalf("data %q ok %v from %s", data, ok, answer)
	}
	if len(errs) != 1 || errs[0].String() != "email is private (at user.email) [line 3, column 5]" {
		t.Errorf("errors %+v", errs)
	}

	// Variables that are not a JSON object are refused with a sentence.
	for vars, want := range map[string]string{
		`{"id": }`: "line 1, column 8",
		`[1]`:      "not an object",
	} {
		r.GraphQLVariables = vars
		if _, _, err := Build(r, env); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("variables %s: %v, want %q", vars, err, want)
		}
	}
}

func TestGraphQLIntrospectionCompletes(t *testing.T) {
	srv := graphQLServer(t)
	defer srv.Close()
	req, _, err := Build(Request{Method: "POST", URL: srv.URL, BodyKind: BodyGraphQL, GraphQLQuery: IntrospectionQuery}, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	schema, err := ParseIntrospection(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := schema.Types["__Type"]; ok {
		t.Error("introspection's own types are offered")
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"{ us", []string{"user", "users"}},
		{"query Q { user(id: \"x{\") { ", []string{"email", "friends", "id", "name"}},
		{"{ users { friends { na", []string{"name"}},
		{"mutation { re", []string{"renameUser"}},
		{"{ user { ...on User { e", []string{"email"}}, // fragment: every field name
		{"{ nothing { ", []string{"email", "friends", "id", "name", "renameUser", "user", "users"}},
	} {
		if got := schema.Complete(c.query, len(c.query)); !slices.Equal(got, c.want) {
			t.Errorf("%q: %v, want %v", c.query, got, c.want)
		}
	}
	if _, err := ParseIntrospection([]byte(`{"errors":[{"message":"introspection is disabled"}]}`)); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("refused introspection: %v", err)
	}
}

func TestRecogniseGraphQL(t *testing.T) {
	g, ok := RecogniseGraphQL("application/json", []byte(`{"query":"query Q($a:Int){ f(a:$a) { x y } }","variables":{"a":1},"operationName":"Q"}`))
	if !ok || g.OperationName != "Q" || g.Variables != "{\n  \"a\": 1\n}" {
		t.Fatalf("%+v %v", g, ok)
	}
	if got := FormatGraphQL(g.Query); got != "query Q($a:Int){\n  f(a:$a) {\n    x y\n  }\n}" {
		t.Errorf("formatted:\n%s", got)
	}
	if g, ok := RecogniseGraphQL("application/graphql; charset=utf-8", []byte("{ me { id } }")); !ok || g.Query != "{ me { id } }" {
		t.Errorf("application/graphql: %+v %v", g, ok)
	}
	for _, body := range []string{`{"type":"invoice.paid"}`, `{"query":5}`, `[{"query":"{a}"}]`, `not json`, `{"query":"  "}`} {
		if _, ok := RecogniseGraphQL("application/json", []byte(body)); ok {
			t.Errorf("%s recognised as GraphQL", body)
		}
	}
	if _, _, ok := SplitGraphQLAnswer([]byte(`{"ok":true}`)); ok {
		t.Error("a plain JSON answer was read as GraphQL")
	}
}
