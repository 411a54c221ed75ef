package composerview

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"dev.hookscope/app/composer"
	"dev.hookscope/ui/uithread"
)

const schemaAnswer = `{"data":{"__schema":{"queryType":{"name":"Query"},"types":[
 {"kind":"OBJECT","name":"Query","fields":[{"name":"user","type":{"kind":"OBJECT","name":"User"}},{"name":"users","type":{"kind":"LIST","name":null,"ofType":{"kind":"OBJECT","name":"User"}}}]},
 {"kind":"OBJECT","name":"User","fields":[{"name":"id","type":{"kind":"SCALAR","name":"ID"}},{"name":"name","type":{"kind":"SCALAR","name":"String"}}]}]}}}`

// pollUI waits (10 s at most) until cond, read on the UI goroutine, holds.
func pollUI(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var ok bool
		uithread.DoAndWait(func() { ok = cond() })
		if ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("waited 10 s for " + what)
}

// TestGraphQLModeSendsIntrospectsAndSplitsErrors types a query with
// variables into the GraphQL body mode, introspects a GraphQL server,
// takes a completion from the list and sends: the server sees the spec's
// JSON body, and the answer's errors show apart from its data.
func TestGraphQLModeSendsIntrospectsAndSplitsErrors(t *testing.T) {
	bodies := make(chan map[string]any, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var req map[string]any
		json.Unmarshal(raw, &req)
		if strings.Contains(req["query"].(string), "__schema") {
			io.WriteString(w, schemaAnswer)
			return
		}
		bodies <- req
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":{"user":{"id":"u1","name":null}},"errors":[{"message":"name is hidden","path":["user","name"]}]}`)
	}))
	defer srv.Close()
	v, _ := newView(t)
	uithread.DoAndWait(func() {
		v.url.SetText(srv.URL + "/graphql")
		v.method.SetText("POST")
		v.bodyKind.SetSelected(composer.BodyGraphQL)
		test.Tap(v.gql.introspect)
	})
	pollUI(t, "the schema", func() bool { return strings.HasPrefix(v.gql.schemaNote.Text, "Schema: 2 types, 4 fields") })
	uithread.DoAndWait(func() {
		test.Type(v.gql.query, "query Q($id: ID!) { user(id: $id) { na")
	})
	pollUI(t, "completions", func() bool { return slices.Equal(v.gql.suggestions, []string{"name"}) })
	uithread.DoAndWait(func() {
		v.gql.suggest.Select(0)
		test.Type(v.gql.query, " }}")
		test.Type(v.gql.vars, `{"id": "u1"}`)
		test.Type(v.gql.op, "Q")
		v.Send()
	})
	got := <-bodies
	if got["query"] != "query Q($id: ID!) { user(id: $id) { name }}" || got["operationName"] != "Q" || got["variables"].(map[string]any)["id"] != "u1" {
		t.Fatalf("the server got %v", got)
	}
	waitStatus(t, v)
	var errText string
	var visible bool
	uithread.DoAndWait(func() { errText, visible = v.gql.errors.Text, v.gql.errors.Visible() })
	if !visible || !strings.Contains(errText, "name is hidden (at user.name)") {
		t.Errorf("errors %q visible %v", errText, visible)
	}

	// Variables that are not JSON stop the send with a sentence.
	uithread.DoAndWait(func() {
		v.gql.vars.SetText(`{"id": }`)
		v.Send()
	})
	if s := waitStatus(t, v); !strings.Contains(s, "not a JSON object") {
		t.Errorf("status %q", s)
	}
}

// TestImportOpenAPIFromTheWindow imports the 3.1 test spec through the
// composer's action and finds its requests in Collections and its
// environment selected.
func TestImportOpenAPIFromTheWindow(t *testing.T) {
	v, st := newView(t)
	uithread.DoAndWait(func() { v.ImportOpenAPI("../../app/composer/testdata/payments-3.1.yaml", "") })
	pollUI(t, "the import", func() bool { return len(v.items) == 9 })
	var status, env string
	uithread.DoAndWait(func() { status, env = v.status.Text, v.envSelect.Selected })
	if !strings.HasPrefix(status, `Imported 9 requests (7 operations, 2 webhooks) into "Payments API"`) || env != "Payments API" {
		t.Errorf("status %q environment %q", status, env)
	}
	items, _ := st.Collections()
	if len(items) != 9 {
		t.Errorf("%d items stored", len(items))
	}
	uithread.DoAndWait(func() { v.ImportOpenAPI("/nonexistent/spec.yaml", "") })
	pollUI(t, "the refusal", func() bool { return strings.HasPrefix(v.status.Text, "Import OpenAPI: read the spec:") })
}
