package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dev.hookscope/contract"
)

const stripeSpecFile = "../contract/testdata/stripe-like.yaml"

func chargeEvent(amount string) string {
	return `{"id":"evt_1","object":"event","type":"charge.succeeded","created":1700000000,` +
		`"data":{"object":{"id":"ch_1","object":"charge","amount":` + amount + `,"currency":"usd",` +
		`"payment_method_details":{"type":"card","card":{"last4":"4242"}}}}}`
}

func postJSON(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("capture answered %d", resp.StatusCode)
	}
}

// TestContractCommandsSameOnEitherSide: contracts and validate print the
// same, exit the same, through a running serve and on the file; a string
// amount is exactly one violation, a fitting event is valid.
func TestContractCommandsSameOnEitherSide(t *testing.T) {
	db := filepath.Join(t.TempDir(), "contracts.db")
	url, stop := startServe(t, db)
	postJSON(t, url+"/hooks/stripe", chargeEvent(`"1200"`)) // 1
	postJSON(t, url+"/hooks/stripe", chargeEvent(`1200`))   // 2
	postJSON(t, url+"/other", chargeEvent(`"1200"`))        // 3
	if code, out, errOut := run("contracts", "add", "/hooks/", stripeSpecFile, "--db", db); code != 0 || !strings.HasPrefix(out, "attached ") {
		t.Fatalf("contracts add: %d %q %q", code, out, errOut)
	}
	commands := [][]string{
		{"contracts"}, {"contracts", "--json"}, {"contracts", "add", "/hooks/", stripeSpecFile},
		{"validate", "1"}, {"validate", "1", "--json"}, {"validate", "2"},
		{"validate", "3"}, {"validate", "3", "--spec", stripeSpecFile}, {"validate", "99"},
		{"validate", "1", "--spec", "/nonexistent/spec.yaml"}, {"contracts", "delete", "/nope"},
	}
	runAll := func() []string {
		var out []string
		for _, args := range commands {
			code, o, e := run(append(args, "--db", db)...)
			out = append(out, strings.Join(args, " ")+"\n"+string(rune('0'+code))+"\n"+o+"\n"+e)
		}
		return out
	}
	live := runAll()
	stop()
	file := runAll()
	for i := range commands {
		if live[i] != file[i] {
			t.Errorf("through serve and from the file differ:\n--- serve\n%q\n--- file\n%q", live[i], file[i])
		}
	}
	want := map[int]struct {
		code  rune
		lines []string
	}{
		3: {'1', []string{"invalid: Payments webhooks 2026-01-01 webhook charge.succeeded (1 violation)", "/data/object/amount: expected integer, got string"}},
		5: {'0', []string{"valid: Payments webhooks 2026-01-01 webhook charge.succeeded"}},
		6: {'2', nil},
		7: {'1', []string{"invalid: Payments webhooks 2026-01-01 webhook charge.succeeded (1 violation)", "/data/object/amount: expected integer, got string"}},
		8: {'2', nil},
		9: {'2', nil},
	}
	for i, w := range want {
		parts := strings.SplitN(file[i], "\n", 3)
		if rune(parts[1][0]) != w.code {
			t.Errorf("%s: exit %s, want %c (%q)", strings.Join(commands[i], " "), parts[1], w.code, parts[2])
		}
		if w.lines != nil && parts[2] != strings.Join(w.lines, "\n")+"\n\n" {
			t.Errorf("%s printed %q, want %q", strings.Join(commands[i], " "), parts[2], w.lines)
		}
		if w.code == '2' && strings.Count(strings.TrimSpace(parts[2]), "\n") != 0 {
			t.Errorf("%s: the error is not one line: %q", strings.Join(commands[i], " "), parts[2])
		}
	}
	if !strings.Contains(file[6], "no OpenAPI spec is attached") {
		t.Errorf("validate with none attached said %q", file[6])
	}
	var v contract.Verdict
	if err := json.Unmarshal([]byte(strings.SplitN(file[4], "\n", 3)[2]), &v); err != nil || v.Valid || len(v.Violations) != 1 || v.Violations[0].Pointer != "/data/object/amount" {
		t.Errorf("validate --json: %+v %v", v, err)
	}
}

// TestContractsAddDelete: add, list, delete, list on the file; a broken
// spec is refused with exit 2 and nothing attached.
func TestContractsAddDelete(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	if code, out, _ := run("contracts", "--db", db); code != 0 || !strings.HasPrefix(out, "no contracts") {
		t.Fatalf("empty list: %d %q", code, out)
	}
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(broken, []byte("openapi: [not a spec"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run("contracts", "add", "/h/", broken, "--db", db); code != 2 || errOut == "" {
		t.Fatalf("broken spec: %d %q", code, errOut)
	}
	if code, out, errOut := run("contracts", "add", "/h/", stripeSpecFile, "--db", db); code != 0 || out != "attached Payments webhooks 2026-01-01 to /h/ (3 webhooks)\n" {
		t.Fatalf("add: %d %q %q", code, out, errOut)
	}
	if code, out, _ := run("contracts", "--db", db); code != 0 || !strings.HasPrefix(out, "/h/  Payments webhooks 2026-01-01  3 webhooks  sha256:") {
		t.Fatalf("list: %d %q", code, out)
	}
	if code, out, _ := run("contracts", "delete", "/h/", "--db", db); code != 0 || out != "detached the spec from /h/\n" {
		t.Fatalf("delete: %d %q", code, out)
	}
	if code, out, _ := run("contracts", "--db", db); code != 0 || !strings.HasPrefix(out, "no contracts") {
		t.Fatalf("list after delete: %d %q", code, out)
	}
	for _, args := range [][]string{{"contracts", "--help"}, {"validate", "--help"}} {
		if code, out, _ := run(args...); code != 0 || !strings.Contains(out, args[0]) {
			t.Errorf("%v: %d %q", args, code, out)
		}
	}
	if code, _, _ := run("validate", "--db", db); code != 2 {
		t.Errorf("validate without an ID exited %d", code)
	}
}
