package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"dev.hookscope/app/composer"
	"dev.hookscope/storage"
)

const spec31 = "../app/composer/testdata/payments-3.1.yaml"

// TestComposerImportOpenAPI imports a spec into a file, then again through
// a running serve's socket (same items, replaced; the environment keeps
// a value the user set), and reads what the window would show.
func TestComposerImportOpenAPI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	code, out, errOut := run("composer", "import-openapi", spec31, "--db", db)
	if code != 0 || !strings.Contains(out, `imported 9 requests (7 operations, 2 webhooks) from OpenAPI 3.1.0 into the collection "Payments API"`) ||
		!strings.Contains(out, `made the environment "Payments API": variables baseUrl, token, customer, username, password, clientId, clientSecret, owner, repo, apiKey, webhookUrl`) {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "\nanswers are checked against Payments API 2024-06-20 (sha256:") {
		t.Errorf("the import does not say its answers are checked:\n%s", out)
	}

	// The user sets the base URL; a second import must keep it.
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := st.Environments()
	var envs []composer.Environment
	if err := json.Unmarshal(raw, &envs); err != nil || len(envs) != 1 {
		t.Fatalf("environments %s: %v", raw, err)
	}
	envs[0].Vars[0].Value = "http://127.0.0.1:4000"
	raw, _ = json.Marshal(envs)
	if err := st.SaveEnvironments(raw); err != nil {
		t.Fatal(err)
	}
	st.Close()

	_, stop := startServe(t, db)
	code, out, errOut = run("composer", "--db", db, "import-openapi", "--json", spec31) // flags around the spec
	if code != 0 {
		t.Fatalf("through the socket: exit %d %s", code, errOut)
	}
	var got struct {
		Operations int
		Result     composer.ImportResult
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Operations != 7 || got.Result.Saved != 9 || got.Result.NewEnvironment || len(got.Result.VarsAdded) != 0 {
		t.Fatalf("json %s: %v", out, err)
	}
	// The spec travelled to the running instance, which keeps it.
	if c := got.Result.Contract; c == nil || c.Spec != "Payments API 2024-06-20" || len(c.SHA256) != 64 {
		t.Errorf("through the socket the spec was not kept: %+v", got.Result)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}

	st, err = storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	items, err := st.Collections()
	if err != nil || len(items) != 9 {
		t.Fatalf("%d items after two imports (want 9, replaced): %v", len(items), err)
	}
	raw, _ = st.Environments()
	if !strings.Contains(string(raw), "http://127.0.0.1:4000") {
		t.Errorf("the user's baseUrl was overwritten: %s", raw)
	}
	if s, err := composer.SpecOf(st, "Payments API"); err != nil || s == nil || got.Result.Contract == nil || s.SHA256() != got.Result.Contract.SHA256 {
		t.Errorf("the file keeps no spec for the collection: %v %v", s, err)
	}

	for _, c := range [][]string{
		{"composer", "import-openapi", "--db", db},
		{"composer", "export", "--db", db},
		{"composer", "import-openapi", filepath.Join(t.TempDir(), "missing.yaml"), "--db", db},
	} {
		if code, _, errOut := run(c...); code != 2 || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, %q", c, code, errOut)
		}
	}
}
