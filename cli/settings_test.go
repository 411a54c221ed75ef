package cli

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// withStdin runs fn with os.Stdin reading text.
func withStdin(t *testing.T, text string, fn func()) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "stdin")
	if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	saved := os.Stdin
	os.Stdin = in
	defer func() { os.Stdin = saved }()
	fn()
}

// TestForwardAndSecretsSameOnEitherSide runs the same commands against the
// file and through a running serve and compares stdout, stderr and exit
// codes byte for byte.
func TestForwardAndSecretsSameOnEitherSide(t *testing.T) {
	const secret = "It's a Secret to Everybody"
	script := [][]string{
		{"forward"},
		{"forward", "add", "/hooks/a", "http://127.0.0.1:9/a"},
		{"forward", "add", "/hooks/b", "http://127.0.0.1:9", "--relay", "--disabled"},
		{"forward", "add", "/hooks/a", "http://127.0.0.1:9/a2"},
		{"forward", "--json"},
		{"forward", "add", "nope", "http://x"},
		{"forward", "add", "/x", "not a url"},
		{"forward", "delete", "/hooks/zzz"},
		{"forward", "delete", "/hooks/b"},
		{"forward"},
		{"forward", "frobnicate"},
		{"forward", "delete", "/hooks/a", "--relay"},
		{"secrets"},
		{"secrets", "set", "/hooks/gh", "--scheme", "github"}, // stdin
		{"secrets", "set", "/hooks/x", "--scheme", "no-such-scheme"},
		{"secrets", "set", "/hooks/y"},
		{"secrets"},
		{"secrets", "--json"},
		{"secrets", "delete", "/hooks/none"},
		{"secrets", "delete", "/hooks/gh"},
		{"secrets"},
	}
	runAll := func(db string) []string {
		var got []string
		for _, args := range script {
			var code int
			var out, errOut string
			withStdin(t, secret+"\n", func() { code, out, errOut = run(append(args, "--db", db)...) })
			got = append(got, strings.Join(args, " ")+"\n"+
				"exit "+string(rune('0'+code))+"\nstdout: "+strings.ReplaceAll(out, db, "DB")+"stderr: "+strings.ReplaceAll(errOut, db, "DB"))
			if strings.Contains(out+errOut, secret) {
				t.Errorf("%v printed the secret: %q %q", args, out, errOut)
			}
		}
		return got
	}
	fileDB := filepath.Join(t.TempDir(), "file.db")
	fromFile := runAll(fileDB)
	sockDB := filepath.Join(t.TempDir(), "sock.db")
	_, stop := startServe(t, sockDB)
	fromServe := runAll(sockDB)
	stop()
	for i := range script {
		if fromFile[i] != fromServe[i] {
			t.Errorf("file and running instance differ:\n--- file\n%s\n--- serve\n%s", fromFile[i], fromServe[i])
		}
	}
	// Spot checks of what both said.
	for i, want := range map[int]string{
		1:  "exit 0\nstdout: added forward rule: /hooks/a → http://127.0.0.1:9/a\n",
		3:  "exit 0\nstdout: replaced forward rule: /hooks/a → http://127.0.0.1:9/a2\n",
		5:  "exit 2",
		7:  "exit 2",
		10: "exit 2",
		11: "exit 2",
		13: "exit 0\nstdout: saved the github secret for /hooks/gh: •••••••• (26 chars)",
		14: "exit 2",
		15: "exit 2",
		18: "exit 2",
		20: "exit 0\nstdout: no saved secrets\n",
	} {
		if !strings.Contains(fromFile[i], want) {
			t.Errorf("step %d:\n%s\nwant it to contain %q", i, fromFile[i], want)
		}
	}
}

// TestSecretsAndForwardSetWhileServeRuns: rules set from the command line
// take effect in a running headless serve: a forward rule delivers, a
// saved secret verifies.
func TestSecretsAndForwardSetWhileServeRuns(t *testing.T) {
	got := make(chan string, 4)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.URL.Path }))
	defer target.Close()
	db := filepath.Join(t.TempDir(), "live.db")
	url, stop := startServe(t, db)
	defer stop()
	if code, _, errOut := run("forward", "add", "/hooks/gh", target.URL, "--db", db); code != 0 {
		t.Fatalf("forward add: %s", errOut)
	}
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, []byte("s3cret-key\n"), 0o600)
	if code, _, errOut := run("secrets", "set", "/hooks/gh", "--scheme", "github", "--secret-file", keyFile, "--db", db); code != 0 {
		t.Fatalf("secrets set: %s", errOut)
	}
	body := []byte(`{"zen":"Keep it logically awesome."}`)
	mac := hmac.New(sha256.New, []byte("s3cret-key"))
	mac.Write(body)
	postTo(t, url, "POST", "/hooks/gh/push", "application/json", body, http.Header{"X-Hub-Signature-256": {"sha256=" + hex.EncodeToString(mac.Sum(nil))}})
	select {
	case p := <-got:
		if p != "/hooks/gh/push" {
			t.Fatalf("forwarded to %q", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the capture was not forwarded within 10 s")
	}
	code, out, errOut := run("verify", "1", "--db", db)
	if code != 0 || !strings.Contains(out, "github") {
		t.Fatalf("verify with the saved secret: %d %q %q", code, out, errOut)
	}
}
