package composer

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func importFile(t *testing.T, path, collection string) *OpenAPIImport {
	t.Helper()
	data, err := ReadSpec(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	imp, err := ImportOpenAPI(data, collection, path)
	if err != nil {
		t.Fatal(err)
	}
	return imp
}

func findItem(t *testing.T, imp *OpenAPIImport, folder, name string) Request {
	t.Helper()
	for _, it := range imp.Items {
		if it.Folder == folder && it.Name == name {
			return it.Request
		}
	}
	var have []string
	for _, it := range imp.Items {
		have = append(have, it.Folder+" | "+it.Name)
	}
	t.Fatalf("no item %q in %q; have:\n%s", name, folder, strings.Join(have, "\n"))
	return Request{}
}

func envVar(imp *OpenAPIImport, name string) (Var, bool) {
	for _, v := range imp.Environment.Vars {
		if v.Name == name {
			return v, true
		}
	}
	return Var{}, false
}

func TestImportOpenAPI31(t *testing.T) {
	imp := importFile(t, "testdata/payments-3.1.yaml", "")
	if imp.Version != "3.1.0" || imp.Collection != "Payments API" {
		t.Fatalf("version %q collection %q", imp.Version, imp.Collection)
	}
	if imp.Operations != 7 || imp.Webhooks != 2 || len(imp.Items) != 9 {
		t.Fatalf("operations %d webhooks %d items %d, want 7, 2, 9", imp.Operations, imp.Webhooks, len(imp.Items))
	}
	if v, _ := envVar(imp, VarBaseURL); v.Value != "https://eu.api.example.com/v1" {
		t.Errorf("baseUrl = %q", v.Value)
	}
	if v, _ := envVar(imp, "customer"); v.Value != "cus_123" {
		t.Errorf("path variable customer = %q, want its example", v.Value)
	}
	if v, ok := envVar(imp, "token"); !ok || !v.Secret {
		t.Errorf("token variable %+v %v, want a secret one", v, ok)
	}

	list := findItem(t, imp, "Payments API/Customers", "ListCustomers")
	if list.Method != "GET" || list.URL != "{{baseUrl}}/customers?limit=10" {
		t.Errorf("ListCustomers %s %s", list.Method, list.URL)
	}
	if len(list.Params) != 3 || list.Params[1].Key != "email" || list.Params[1].Enabled || list.Params[2].Key != "expand" {
		t.Errorf("params %+v: want limit (10), email and expand (from a $ref) with the optional ones off", list.Params)
	}
	if list.Auth.Kind != AuthBearer || list.Auth.Token != "{{token}}" {
		t.Errorf("auth %+v, want the document's bearer", list.Auth)
	}

	get := findItem(t, imp, "Payments API/Customers", "GetCustomer")
	if get.URL != "{{baseUrl}}/customers/{{customer}}" {
		t.Errorf("GetCustomer URL %q", get.URL)
	}
	del := findItem(t, imp, "Payments API/Customers", "DELETE /customers/{customer}")
	if del.Auth.Kind != AuthBasic || del.Auth.User != "{{username}}" {
		t.Errorf("delete auth %+v, want the operation's basic", del.Auth)
	}

	form := findItem(t, imp, "Payments API/Customers", "PostCustomers")
	if form.BodyKind != BodyForm || len(form.Form) != 2 || form.Form[0] != (KV{"email", "user@example.com", true}) || form.Form[1].Value != "Jenny Rosen" {
		t.Errorf("form body %s %+v", form.BodyKind, form.Form)
	}

	charge := findItem(t, imp, "Payments API/Charges", "CreateCharge")
	wantCharge := `{"amount":50,"currency":"usd","customer":"cus_123","source":{"number":"4242424242424242","exp_month":0}}`
	if charge.BodyKind != BodyRaw || charge.RawType != "application/json" || compact(t, charge.RawBody) != wantCharge {
		t.Errorf("charge body %s %s\n%s\nwant %s", charge.BodyKind, charge.RawType, charge.RawBody, wantCharge)
	}

	if a := charge.Auth; a.Kind != AuthOAuth2 || a.OAuth == nil || a.OAuth.Grant != GrantClientCredentials ||
		a.OAuth.TokenURL != "https://auth.example.com/oauth/token" || a.OAuth.Scopes != "charges:write" || a.OAuth.ClientID != "{{clientId}}" {
		t.Errorf("charge auth %+v %+v, want OAuth 2.0 client credentials with the requirement's scope", a, a.OAuth)
	}
	hook := findItem(t, imp, "Payments API/repos", "repos/create-webhook")
	if hook.URL != "{{baseUrl}}/repos/{{owner}}/{{repo}}/hooks" || compact(t, hook.RawBody) != `{"name":"web","active":true,"events":["push"]}` {
		t.Errorf("create-webhook %s %s", hook.URL, hook.RawBody)
	}
	if hook.Auth.Kind != AuthAPIKey || hook.Auth.KeyName != "X-Api-Key" || hook.Auth.KeyIn != KeyInHeader {
		t.Errorf("create-webhook auth %+v", hook.Auth)
	}

	events := findItem(t, imp, "Payments API", "ListEvents")
	if events.Auth.Kind != AuthNone || events.URL != "{{baseUrl}}/events?type=charge.succeeded" {
		t.Errorf("ListEvents (security: [], required enum) %+v %s", events.Auth, events.URL)
	}
	if len(events.Headers) != 1 || events.Headers[0].Key != "X-Request-Id" || events.Headers[0].Enabled {
		t.Errorf("ListEvents headers %+v", events.Headers)
	}

	succeeded := findItem(t, imp, "Payments API/Webhooks", "ChargeSucceeded")
	// Node's children refer to Node: the cycle is cut into an empty array.
	want := `{"id":"evt_1","type":"charge.succeeded","data":{"object":{"id":"00000000-0000-4000-8000-000000000000","children":[]}}}`
	if succeeded.URL != "{{webhookUrl}}/charge.succeeded" || compact(t, succeeded.RawBody) != want {
		t.Errorf("webhook %s\n%s\nwant %s", succeeded.URL, succeeded.RawBody, want)
	}
	push := findItem(t, imp, "Payments API/Webhooks", "POST push")
	if compact(t, push.RawBody) != `{"ref":"refs/heads/main","commits":[{"id":"string","timestamp":"2024-01-01T00:00:00Z"}]}` {
		t.Errorf("push (oneOf's first branch) %s", push.RawBody)
	}
	if v, _ := envVar(imp, VarWebhookURL); v.Value != DefaultWebhookURL {
		t.Errorf("webhookUrl = %q", v.Value)
	}
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return b.String()
}

func TestImportOpenAPI30(t *testing.T) {
	imp := importFile(t, "testdata/petstore-3.0.json", "Shop")
	if imp.Operations != 5 || imp.Webhooks != 0 || len(imp.Items) != 5 {
		t.Fatalf("operations %d webhooks %d items %d, want 5, 0, 5", imp.Operations, imp.Webhooks, len(imp.Items))
	}
	add := findItem(t, imp, "Shop/pet", "addPet")
	if add.RawType != "application/json" || compact(t, add.RawBody) != `{"name":"doggie","photoUrls":["https://example.com"]}` {
		t.Errorf("addPet body (JSON preferred over XML) %s %s", add.RawType, add.RawBody)
	}
	if add.Auth.Kind != AuthBearer || len(imp.Notes) == 0 || !strings.Contains(strings.Join(imp.Notes, " "), "petstore_auth is OAuth 2.0 with only the implicit") {
		t.Errorf("oauth2 should become Bearer with a note: %+v %q", add.Auth, imp.Notes)
	}
	pet := findItem(t, imp, "Shop/pet", "getPetById")
	if pet.URL != "{{baseUrl}}/pet/{{petId}}" || pet.Auth.Kind != AuthAPIKey || pet.Auth.KeyIn != KeyInQuery || pet.Auth.KeyName != "api_key" {
		t.Errorf("getPetById %s %+v", pet.URL, pet.Auth)
	}
	if v, _ := envVar(imp, "petId"); v.Value != "10" {
		t.Errorf("petId = %q", v.Value)
	}
	// The server URL is relative and the spec came from a file.
	if v, _ := envVar(imp, VarBaseURL); v.Value != "/api" || !strings.Contains(strings.Join(imp.Notes, " "), "relative") {
		t.Errorf("baseUrl %q notes %q", v.Value, imp.Notes)
	}
	// Built with the environment, a request is ready to send.
	env := imp.Environment
	for i := range env.Vars {
		if env.Vars[i].Name == VarBaseURL {
			env.Vars[i].Value = "http://127.0.0.1:1/api"
		}
	}
	req, _, err := Build(findItem(t, imp, "Shop/pet", "findPetsByStatus"), &env)
	if err != nil || req.URL.String() != "http://127.0.0.1:1/api/pet/findByStatus?status=available" {
		t.Errorf("built %v, %v", req.URL, err)
	}
}

func TestReadSpecByURL(t *testing.T) {
	spec, err := os.ReadFile("testdata/petstore-3.0.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/openapi.json":
			w.Write(spec)
		case "/big":
			w.Write(make([]byte, MaxSpecSize+1))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	data, err := ReadSpec(context.Background(), srv.URL+"/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	imp, err := ImportOpenAPI(data, "", srv.URL+"/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	// A relative server URL resolves against where the spec came from.
	if v, _ := envVar(imp, VarBaseURL); v.Value != srv.URL+"/api" {
		t.Errorf("baseUrl %q, want %s/api", v.Value, srv.URL)
	}
	if _, err := ReadSpec(context.Background(), srv.URL+"/missing"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing spec: %v", err)
	}
	if _, err := ReadSpec(context.Background(), srv.URL+"/big"); err == nil || !strings.Contains(err.Error(), "MiB") {
		t.Errorf("oversized spec: %v", err)
	}
}

func TestImportOpenAPIRefusesOthers(t *testing.T) {
	for name, doc := range map[string]string{
		"swagger 2":  `{"swagger":"2.0","info":{"title":"x","version":"1"},"paths":{}}`,
		"not a spec": `hello: world`,
		"not yaml":   `{{{`,
	} {
		if _, err := ImportOpenAPI([]byte(doc), "", ""); err == nil {
			t.Errorf("%s: imported", name)
		}
	}
}
