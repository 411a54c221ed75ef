package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"dev.hookscope/alerts"
)

// alertsCmd runs `hookscope alerts …` without the command table.
func alertsCmd(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code, err := runAlerts(Env{Stdout: &out, Stderr: &errOut}, args)
	if err != nil {
		errOut.WriteString(oneLine(err) + "\n")
	}
	return code, out.String(), errOut.String()
}

// webhookFile writes url to a file as a user would for --webhook-file.
func webhookFile(t *testing.T, url string) string {
	p := filepath.Join(t.TempDir(), "hook.url")
	if err := os.WriteFile(p, []byte(url+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func countingHook(t *testing.T, status int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Text string }
		if json.NewDecoder(r.Body).Decode(&body) == nil && strings.HasPrefix(body.Text, "Hookscope: Test of alert") {
			n.Add(1)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestAlertsCommandOnTheFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "alerts.db")
	if code, out, _ := alertsCmd("--db", db); code != 0 || !strings.HasPrefix(out, "no alerts") {
		t.Fatalf("empty list: %d %q", code, out)
	}
	hook, posts := countingHook(t, 200)
	code, out, errOut := alertsCmd("add", "--db", db, "--kind", "forward-failures", "--prefix", "/hooks/stripe", "--threshold", "5",
		"--name", "stripe", "--webhook-file", webhookFile(t, hook.URL+"/services/T/B/tok3n"))
	if code != 0 || out != "added alert \"stripe\": more than 5 forward failures in 1 min under /hooks/stripe, then quiet for 10 min; posts to "+hook.URL+"/•••••••• (19 chars)\n" {
		t.Fatalf("add: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := alertsCmd("add", "--kind", "no_capture", "--prefix", "/hooks/github", "--db", db, "--disabled"); code != 0 ||
		!strings.Contains(out, `"no_capture /hooks/github": no capture for 10 min under /hooks/github`) {
		t.Fatalf("add quiet: %d %q %q", code, out, errOut)
	}
	code, out, _ = alertsCmd("--db", db)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "stripe") || strings.Contains(out, "tok3n") ||
		!strings.HasSuffix(lines[1], "(off)") {
		t.Fatalf("list: %d\n%s", code, out)
	}
	code, out, _ = alertsCmd("test", "STRIPE", "--db", db)
	if code != 0 || posts.Load() != 1 || !strings.Contains(out, "fired \"stripe\": Test of alert \"stripe\"") || !strings.Contains(out, "answered 200") {
		t.Fatalf("test: %d, %d posts, %q", code, posts.Load(), out)
	}
	code, out, _ = alertsCmd("--json", "--db", db)
	var got struct {
		Rules []alerts.Rule  `json:"rules"`
		Fired []alerts.Fired `json:"fired"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 || len(got.Rules) != 2 || len(got.Fired) != 1 {
		t.Fatalf("list --json: %d %v %s", code, err, out)
	}
	if r := got.Rules[0]; r.Kind != alerts.ForwardFailures || r.Threshold != 5 || strings.Contains(r.WebhookURL, "tok3n") || !r.Enabled ||
		!strings.Contains(out, `"window": "1m0s"`) {
		t.Fatalf("rule %+v", r)
	}
	if f := got.Fired[0]; !f.Test || f.WebhookStatus != 200 || strings.Contains(f.Webhook, "tok3n") {
		t.Fatalf("fired %+v", f)
	}
	// Re-adding with the same name replaces, and the webhook is kept
	// only when given again.
	if code, out, _ := alertsCmd("add", "--db", db, "--kind", "answered_5xx", "--name", "Stripe"); code != 0 || !strings.HasPrefix(out, "replaced alert \"Stripe\"") {
		t.Fatalf("replace: %d %q", code, out)
	}
	// A webhook that answers 500: the test says so and exits 1.
	bad, _ := countingHook(t, 500)
	alertsCmd("add", "--db", db, "--kind", "answered_5xx", "--name", "bad", "--webhook-file", webhookFile(t, bad.URL+"/x"))
	if code, out, _ := alertsCmd("test", "bad", "--db", db); code != ExitNegative || !strings.Contains(out, "the webhook answered 500 Internal Server Error") {
		t.Fatalf("failing webhook: %d %q", code, out)
	}
	if code, out, _ := alertsCmd("delete", "stripe", "--db", db); code != 0 || out != "deleted alert \"Stripe\"\n" {
		t.Fatalf("delete: %d %q", code, out)
	}
}

func TestAlertsCommandRefusesMistakes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bad.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add"}, "needs --kind"},
		{[]string{"add", "--kind", "often"}, `the kind "often" is not forward_failures`},
		{[]string{"add", "--kind", "answered_5xx", "--prefix", "pay"}, "starts with /"},
		{[]string{"add", "--kind", "answered_5xx", "--threshold", "1.5"}, "whole count"},
		{[]string{"add", "--kind", "no_capture", "--threshold", "3"}, "takes no threshold"},
		{[]string{"add", "--kind", "answered_5xx", "--window", "48h"}, "from 1s to 24h"},
		{[]string{"add", "--kind", "answered_5xx", "--webhook-file", "/nonexistent/hook"}, "cannot read the webhook URL"},
		{[]string{"delete", "nobody"}, `no alert is named "nobody"`},
		{[]string{"test", "nobody"}, `no alert has that name ("nobody"; hookscope alerts lists them)`},
		{[]string{"delete"}, "takes 1 argument(s)"},
		{[]string{"delete", "x", "--kind", "no_capture"}, "--kind does not go with alerts delete"},
		{[]string{"frobnicate"}, "unknown alerts command"},
	} {
		code, _, errOut := alertsCmd(append(tc.args, "--db", db)...)
		if code != ExitError || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: %d %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}

// Through the running instance, then from the file once it stopped: the
// same rules, the same fired alerts, the same output; the test alert is
// posted by the instance.
func TestAlertsCommandSameOnEitherSide(t *testing.T) {
	db := filepath.Join(t.TempDir(), "live.db")
	hook, posts := countingHook(t, 204)
	_, stop := startServe(t, db)
	if code, out, errOut := alertsCmd("add", "--db", db, "--kind", "invalid_signature_rate", "--threshold", "10", "--prefix", "/hooks",
		"--webhook-file", webhookFile(t, hook.URL+"/secret-path")); code != 0 || !strings.HasPrefix(out, "added") {
		t.Fatalf("add through serve: %d %q %q", code, out, errOut)
	}
	if code, out, _ := alertsCmd("test", "invalid_signature_rate /hooks", "--db", db); code != 0 || posts.Load() != 1 || !strings.Contains(out, "answered 204") {
		t.Fatalf("test through serve: %d, %d posts, %q", code, posts.Load(), out)
	}
	commands := [][]string{{}, {"--json"}, {"delete", "nobody"}}
	runAll := func() []string {
		var out []string
		for _, args := range commands {
			code, o, e := alertsCmd(append(args, "--db", db)...)
			out = append(out, strings.Join(args, " ")+"\n"+string(rune('0'+code))+"\n"+o+"\n"+e)
		}
		return out
	}
	live := runAll()
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	file := runAll()
	for i := range commands {
		if live[i] != file[i] {
			t.Errorf("through serve and from the file differ:\n--- serve\n%s\n--- file\n%s", live[i], file[i])
		}
	}
	if strings.Contains(file[1], "secret-path") || !strings.Contains(file[1], `"webhook_status": 204`) {
		t.Fatalf("list --json from the file:\n%s", file[1])
	}
}
