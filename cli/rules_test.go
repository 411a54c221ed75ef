package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dev.hookscope/rules"
)

// rulesCmd runs `hookscope rules …` without going through the command
// table, so the tests do not depend on its registration in cli.go.
func rulesCmd(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code, err := runRules(Env{Stdout: &out, Stderr: &errOut}, args)
	if err != nil {
		errOut.WriteString(oneLine(err) + "\n")
	}
	return code, out.String(), errOut.String()
}

func TestRulesCommandOnTheFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "rules.db")
	if code, out, _ := rulesCmd("--db", db); code != 0 || !strings.HasPrefix(out, "no response rules") {
		t.Fatalf("empty list: %d %q", code, out)
	}
	bodyFile := filepath.Join(t.TempDir(), "body.json")
	os.WriteFile(bodyFile, []byte(`{"got":"{{.JSON "id"}}"}`), 0o600)
	code, out, errOut := rulesCmd("add", "--db", db, "--path", "/orders/*", "--method", "post", "--status", "201",
		"--header", "X-A: 1", "--header", "Retry-After: 5", "--body-file", bodyFile, "--delay", "250ms")
	if code != 0 || out != "added response rule \"POST /orders/*\": 201 after 250ms\n" {
		t.Fatalf("add: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := rulesCmd("add", "--path", "/flaky", "--fail", "first:2", "--fail-status", "502", "--name", "flaky", "--db", db); code != 0 ||
		!strings.Contains(out, "502 ×2, then 200") {
		t.Fatalf("add flaky: %d %q %q", code, out, errOut)
	}
	rulesCmd("add", "--db", db, "--path", "/drop", "--fail", "close", "--name", "drop", "--disabled")
	code, out, _ = rulesCmd("--db", db)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "POST /orders/*") || !strings.Contains(lines[1], "flaky") ||
		!strings.Contains(lines[2], "close the connection  (off)") || !strings.Contains(lines[1], " * ") {
		t.Fatalf("list: %d\n%s", code, out)
	}
	code, out, _ = rulesCmd("--json", "--db", db)
	var list []rules.Rule
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 || len(list) != 3 {
		t.Fatalf("list --json: %d %v %s", code, err, out)
	}
	if r := list[0]; r.Method != "POST" || r.Status != 201 || r.Headers["Retry-After"] != "5" || r.BodyTemplate != `{"got":"{{.JSON "id"}}"}` ||
		r.Delay != 250*time.Millisecond || !r.Enabled {
		t.Fatalf("first rule %+v", r)
	}
	if r := list[1]; r.Failure != rules.FailFirstN || r.FailN != 2 || r.FailStatus != 502 {
		t.Fatalf("flaky %+v", r)
	}
	// Same name: replaced in place.
	if code, out, _ := rulesCmd("add", "--db", db, "--path", "/flaky", "--name", "FLAKY", "--fail", "percent:25%"); code != 0 || !strings.HasPrefix(out, "replaced") {
		t.Fatalf("replace: %d %q", code, out)
	}
	if code, out, _ := rulesCmd("delete", "drop", "--db", db); code != 0 || out != "deleted response rule \"drop\"\n" {
		t.Fatalf("delete: %d %q", code, out)
	}
	code, out, _ = rulesCmd("--db", db)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 2 || !strings.Contains(lines[1], "503 25% of the time, else 200") {
		t.Fatalf("after replace and delete:\n%s", out)
	}
	if code, out, _ := rulesCmd("clear", "--db", db); code != 0 || out != "removed 2 response rule(s)\n" {
		t.Fatalf("clear: %d %q", code, out)
	}
}

func TestRulesCommandRefusesMistakes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bad.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "--status", "201"}, "needs --path"},
		{[]string{"add", "--path", "/x", "--body", "{{.ID"}, "the body template: line 1"},
		{[]string{"add", "--path", "/x", "--status", "42"}, "between 200 and 599"},
		{[]string{"add", "--path", "/x", "--fail", "sometimes"}, "is not close, hang, first:N"},
		{[]string{"add", "--path", "/x", "--fail", "first:0"}, "is not close, hang, first:N"},
		{[]string{"add", "--path", "/x", "--header", "nocolon"}, `is not "Name: value"`},
		{[]string{"add", "--path", "/x", "--body", "a", "--body-file", "f"}, "not both"},
		{[]string{"delete", "nobody"}, `no response rule is named "nobody"`},
		{[]string{"delete"}, "takes one rule name"},
		{[]string{"clear", "--path", "/x"}, "--path belongs to rules add"},
		{[]string{"frobnicate"}, "unknown rules command"},
	} {
		code, _, errOut := rulesCmd(append(tc.args, "--db", db)...)
		if code != ExitError || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: %d %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}

// Through the running instance: a rule added while `serve` holds the file
// answers the very next request.
func TestRulesCommandThroughTheRunningInstance(t *testing.T) {
	db := filepath.Join(t.TempDir(), "live.db")
	url, stop := startServe(t, db)
	if code, out, errOut := rulesCmd("add", "--db", db, "--path", "/hooks/*", "--fail", "first:2", "--name", "retry",
		"--body", `{"seen":"{{.JSON "event"}}"}`); code != 0 || !strings.HasPrefix(out, "added") {
		t.Fatalf("add: %d %q %q", code, out, errOut)
	}
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var got []string
	for range 3 {
		resp, err := cl.Post(url+"/hooks/a", "application/json", strings.NewReader(`{"event":"paid"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got = append(got, resp.Status[:3]+" "+string(b))
	}
	if !strings.HasPrefix(got[0], "503 ") || !strings.HasPrefix(got[1], "503 ") || got[2] != `200 {"seen":"paid"}` {
		t.Fatalf("answers %q", got)
	}
	if code, out, _ := rulesCmd("--db", db); code != 0 || !strings.HasPrefix(out, "retry ") {
		t.Fatalf("list: %d %q", code, out)
	}
	if code, _, errOut := rulesCmd("add", "--db", db, "--path", "nope"); code != ExitError || !strings.Contains(errOut, "starts with /") {
		t.Fatalf("bad rule through the API: %d %q", code, errOut)
	}
	if code, out, _ := rulesCmd("clear", "--db", db); code != 0 || out != "removed 1 response rule(s)\n" {
		t.Fatalf("clear: %d %q", code, out)
	}
	resp, err := cl.Post(url+"/hooks/a", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("after clear: %d", resp.StatusCode)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	// The instance saved them in the file: clear left none.
	if code, out, _ := rulesCmd("--db", db); code != 0 || !strings.HasPrefix(out, "no response rules") {
		t.Fatalf("after serve: %d %q", code, out)
	}
}
