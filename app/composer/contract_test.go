package composer

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"dev.hookscope/sender"
	"dev.hookscope/storage"
)

// petServer answers GET /pets/7 with an id that is a string where the
// spec wants an integer, and GET /pets with a list that fits.
func petServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/pets/7":
			w.Write([]byte(`{"id":"7","name":"Rex","tag":{"weight":12}}`))
		case "/pets":
			if r.Method == http.MethodPost {
				w.WriteHeader(http.StatusCreated)
			}
			w.Write([]byte(`[{"id":1,"name":"Rex"}]`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// importInto imports the spec at path into a real store as collection
// "Pets" and points the environment's baseUrl at base.
func importInto(t *testing.T, st *storage.Store, path, base string) ImportResult {
	t.Helper()
	imp := importFile(t, path, "Pets")
	res, err := SaveImport(st, imp)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := st.Environments()
	var envs []Environment
	if err := json.Unmarshal(raw, &envs); err != nil {
		t.Fatal(err)
	}
	for i := range envs[0].Vars {
		if envs[0].Vars[i].Name == VarBaseURL {
			envs[0].Vars[i].Value = base
		}
	}
	raw, _ = json.Marshal(envs)
	if err := st.SaveEnvironments(raw); err != nil {
		t.Fatal(err)
	}
	return res
}

// sendItem sends the saved item name as the composer does and checks
// its answer.
func sendItem(t *testing.T, st *storage.Store, name string) (*sender.Response, AnswerCheck) {
	t.Helper()
	items, err := st.Collections()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := st.Environments()
	var envs []Environment
	json.Unmarshal(raw, &envs)
	for _, it := range items {
		if it.Name != name {
			continue
		}
		var r Request
		if err := json.Unmarshal(it.Request, &r); err != nil {
			t.Fatal(err)
		}
		req, _, err := Build(r, &envs[0])
		if err != nil {
			t.Fatal(err)
		}
		resp, err := sender.Send(context.Background(), req, sender.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return resp, CheckAnswer(st, r, resp)
	}
	t.Fatalf("no item %q", name)
	return nil, AnswerCheck{}
}

func TestImportedRequestsAnswersAreCheckedAgainstTheirOperation(t *testing.T) {
	st := openTokenStore(t)
	srv := petServer(t)
	res := importInto(t, st, "testdata/answers-3.0.yaml", srv.URL)
	if res.Contract == nil || res.Contract.Spec != "Pet answers 1" || len(res.Contract.SHA256) != 64 {
		t.Fatalf("the import kept no spec: %+v", res)
	}

	resp, got := sendItem(t, st, "GetPet")
	if resp.Status != 200 || got.Verdict == nil {
		t.Fatalf("status %d, check %+v", resp.Status, got)
	}
	v := *got.Verdict
	if v.Valid || v.Headline() != "invalid: Pet answers 1 GET /pets/{petId} response 200 (1 violation)" {
		t.Errorf("headline %q", v.Headline())
	}
	if len(v.Violations) != 1 || v.Violations[0].String() != "/id: expected integer, got string" {
		t.Errorf("violations %+v", v.Violations)
	}

	_, got = sendItem(t, st, "ListPets")
	if got.Verdict == nil || !got.Verdict.Valid || got.Verdict.Headline() != "valid: Pet answers 1 GET /pets response 200" {
		t.Errorf("the fitting answer: %+v", got)
	}

	// CreatePet declares no responses: nothing to check, said quietly.
	_, got = sendItem(t, st, "CreatePet")
	if got.Verdict != nil || !strings.HasPrefix(got.Note, "No contract for this answer") {
		t.Errorf("an operation without responses: %+v", got)
	}

	// A request typed by hand (no spec behind it) is not checked.
	if c := CheckAnswer(st, Request{Method: "GET", URL: srv.URL + "/pets/7"}, resp); c != (AnswerCheck{}) {
		t.Errorf("a request not from a spec was checked: %+v", c)
	}
}

// Importing the spec again updates what the collection's answers are
// checked against; the spec's bytes are kept once, under their SHA-256.
func TestReimportUpdatesTheSpec(t *testing.T) {
	st := openTokenStore(t)
	srv := petServer(t)
	first := importInto(t, st, "testdata/answers-3.0.yaml", srv.URL)
	if _, got := sendItem(t, st, "GetPet"); got.Verdict == nil || got.Verdict.Valid {
		t.Fatalf("before: %+v", got)
	}
	data, err := os.ReadFile("testdata/answers-3.0.yaml")
	if err != nil {
		t.Fatal(err)
	}
	loose := strings.Replace(string(data), "id: {type: integer}", "id: {type: [integer, string]}", 1)
	loose = strings.Replace(loose, "openapi: 3.0.3", "openapi: 3.1.0", 1)
	path := t.TempDir() + "/answers-3.1.yaml"
	if err := os.WriteFile(path, []byte(loose), 0o600); err != nil {
		t.Fatal(err)
	}
	second := importInto(t, st, path, srv.URL)
	if second.Contract == nil || second.Contract.SHA256 == first.Contract.SHA256 {
		t.Fatalf("re-import: %+v then %+v", first.Contract, second.Contract)
	}
	if _, got := sendItem(t, st, "GetPet"); got.Verdict == nil || !got.Verdict.Valid || got.Verdict.SpecSHA256 != second.Contract.SHA256 {
		t.Errorf("after the re-import: %+v", got)
	}
	if kept, _ := st.Setting(storage.SettingContractSpecPrefix + second.Contract.SHA256); string(kept) != loose {
		t.Errorf("the store keeps %d bytes for the new spec, want the %d imported", len(kept), len(loose))
	}
}
