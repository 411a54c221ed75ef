package cli

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"dev.hookscope/localapi"
)

// servedTLS is a serve --api --api-tls run by a test.
type servedTLS struct {
	listenURL, apiAddr, fingerprint string
	stop                            func() int
}

// startServeTLS runs serve with a TLS API on apiAddr ("127.0.0.1:0" for a
// free port) and waits, polling its output, until it says where it listens
// and which certificate it shows.
func startServeTLS(t *testing.T, db, apiAddr string) servedTLS {
	t.Helper()
	var out, errOut syncBuffer
	stop := make(chan struct{})
	codes := make(chan int, 1)
	go func() {
		codes <- Run(Env{Stdout: &out, Stderr: &errOut, Signals: stop},
			[]string{"serve", "--listen", "127.0.0.1:0", "--api", apiAddr, "--api-tls", "--db", db})
	}()
	listenLine := regexp.MustCompile(`(?m)^listening on (http://\S+)$`)
	apiLine := regexp.MustCompile(`local API on https://(\S+) \(tokens: `)
	fpLine := regexp.MustCompile(`local API TLS certificate SHA-256 fingerprint ((?:[0-9A-F]{2}:){31}[0-9A-F]{2}) `)
	deadline := time.Now().Add(10 * time.Second)
	for listenLine.FindStringSubmatch(out.String()) == nil || fpLine.FindStringSubmatch(errOut.String()) == nil ||
		apiLine.FindStringSubmatch(errOut.String()) == nil {
		select {
		case code := <-codes:
			t.Fatalf("serve exited %d: %q", code, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			close(stop)
			<-codes
			t.Fatalf("serve never said where its TLS API is: stdout %q, stderr %q", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	once := false
	return servedTLS{
		listenURL:   listenLine.FindStringSubmatch(out.String())[1],
		apiAddr:     apiLine.FindStringSubmatch(errOut.String())[1],
		fingerprint: fpLine.FindStringSubmatch(errOut.String())[1],
		stop: func() int {
			if once {
				return 0
			}
			once = true
			close(stop)
			return <-codes
		},
	}
}

// writeTokenFile writes token to a file of the given mode.
func writeTokenFile(t *testing.T, token string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(token+"\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRemoteAttach is issue 17's "done when" for the command line: a
// serve with a TLS API on a temporary store, commands attached with
// --remote and a read token: list, show and wait answer as on the file;
// replay and delete are refused with the server's sentence, exit 2; the
// first connection pins the certificate, a changed one is refused with a
// sentence naming both fingerprints, and remote forget lets it be pinned
// again.
func TestRemoteAttach(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	t.Setenv(envRemote, "")
	t.Setenv(envTokenFile, "")
	knownHosts := filepath.Join(config, "hookscope", "known_hosts")
	db := filepath.Join(t.TempDir(), "team.db")
	srv := startServeTLS(t, db, "127.0.0.1:0")
	defer srv.stop()
	postTo(t, srv.listenURL, "POST", "/hooks/stripe?x=1", "application/json", []byte(`{"type":"invoice.paid"}`), nil)

	code, out, errOut := run("tokens", "add", "support", "--role", "read", "--db", db)
	if code != ExitOK {
		t.Fatalf("tokens add: %d %q", code, errOut)
	}
	readFile := writeTokenFile(t, strings.TrimSpace(out), 0o600)
	remote := "https://" + srv.apiAddr
	onRemote := func(args ...string) (int, string, string) {
		return run(append(args, "--remote", remote, "--token-file", readFile)...)
	}

	// First use: the same list as on the file, and the pin said once.
	code, out, errOut = onRemote("list")
	_, want, _ := run("list", "--db", db)
	if code != ExitOK || out != want || want == "" {
		t.Fatalf("list --remote: exit %d, stdout %q (the file's: %q), stderr %q", code, out, want, errOut)
	}
	if !strings.Contains(errOut, "first connection to "+srv.apiAddr) || !strings.Contains(errOut, srv.fingerprint) ||
		strings.Count(errOut, "\n") != 1 {
		t.Errorf("the first connection did not say it pinned %s: %q", srv.fingerprint, errOut)
	}
	pins, err := os.ReadFile(knownHosts)
	if err != nil {
		t.Fatal(err)
	}
	if string(pins) != srv.apiAddr+" "+srv.fingerprint+"\n" {
		t.Errorf("known_hosts holds %q", pins)
	}
	if fi, _ := os.Stat(knownHosts); fi.Mode().Perm() != 0o600 {
		t.Errorf("known_hosts mode %04o, want 0600", fi.Mode().Perm())
	}

	// Afterwards: no notice, same answers as the file, by flag or by env.
	for _, args := range [][]string{{"list", "--json"}, {"show", "1"}, {"show", "1", "--json"}} {
		code, out, errOut := onRemote(args...)
		_, want, _ := run(append(args, "--db", db)...)
		if code != ExitOK || out != want || errOut != "" {
			t.Errorf("%v --remote: exit %d, stderr %q, stdout\n%s\nwant\n%s", args, code, errOut, out, want)
		}
	}
	t.Setenv(envRemote, remote)
	t.Setenv(envTokenFile, readFile)
	if code, out, errOut := run("list"); code != ExitOK || out != want || errOut != "" {
		t.Errorf("list with $%s: exit %d, stdout %q, stderr %q", envRemote, code, out, errOut)
	}
	t.Setenv(envRemote, "")
	t.Setenv(envTokenFile, "")
	code, out, errOut = onRemote("wait", "--since", "0", "--timeout", "10s")
	if code != ExitOK || !strings.Contains(out, `"path":"/hooks/stripe"`) {
		t.Errorf("wait --remote: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// A read token may not replay or delete: the server's sentence, exit 2.
	for _, tc := range []struct {
		args []string
		role string
	}{
		{[]string{"replay", "1", "--to", "http://127.0.0.1:1"}, "replay"},
		{[]string{"delete", "1"}, "admin"},
	} {
		code, out, errOut := onRemote(tc.args...)
		if code != ExitError || out != "" || strings.Count(errOut, "\n") != 1 ||
			!strings.Contains(errOut, "needs a token with the "+tc.role+" role") ||
			!strings.HasSuffix(errOut, `the token "support" has the read role`+"\n") {
			t.Errorf("%v with a read token: exit %d, stdout %q, stderr %q", tc.args, code, out, errOut)
		}
	}
	if _, out, _ := run("list", "--db", db); out != want {
		t.Errorf("the refused delete deleted: %q", out)
	}

	// A token file others can read is refused, as is no token file.
	open := writeTokenFile(t, "hks_whatever", 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"list", "--remote", remote, "--token-file", open}, "is open to other users (mode 0644): run chmod 600"},
		{[]string{"list", "--remote", remote}, "--remote needs --token-file FILE"},
		{[]string{"list", "--remote", remote, "--db", db, "--token-file", readFile}, "--remote and --db name two stores"},
		{[]string{"list", "--token-file", readFile}, "--token-file goes with --remote"},
		{[]string{"list", "--remote", remote, "--token-file", writeTokenFile(t, "hks_"+strings.Repeat("0", 64), 0o600)}, "refused the token in "},
		{[]string{"list", "--remote", "http://203.0.113.7:9443", "--token-file", readFile}, "refusing the plain-HTTP remote http://203.0.113.7:9443: the token would travel to another machine in clear"},
		{[]string{"wait", "--listen", "127.0.0.1:0", "--remote", remote, "--token-file", readFile}, "--listen captures here"},
	} {
		code, out, errOut := run(tc.args...)
		if code != ExitError || out != "" {
			t.Errorf("%q: exit %d, stdout %q", tc.args, code, out)
		}
		checkErrorLine(t, tc.args, errOut, "hookscope "+tc.args[0]+": ", tc.args[0]+": ", tc.want)
	}

	// Another serve, another store, on the same address: another
	// certificate, refused with both fingerprints and the way out.
	if code := srv.stop(); code != ExitOK {
		t.Fatalf("serve exited %d", code)
	}
	db2 := filepath.Join(t.TempDir(), "other.db")
	srv2 := startServeTLS(t, db2, srv.apiAddr)
	defer srv2.stop()
	if srv2.fingerprint == srv.fingerprint {
		t.Fatal("a new store kept the old certificate")
	}
	adminFile := localapi.TokenPath(db2)
	code, out, errOut = run("list", "--remote", remote, "--token-file", adminFile)
	if code != ExitError || out != "" {
		t.Fatalf("list against a changed certificate: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	checkErrorLine(t, []string{"list"}, errOut, "hookscope list: ", "list: ",
		"the certificate of "+srv.apiAddr+" has changed: it is now SHA-256 "+srv2.fingerprint+", but "+knownHosts+" pinned "+srv.fingerprint)
	if !strings.Contains(errOut, "run hookscope remote forget "+srv.apiAddr+" and connect again") {
		t.Errorf("the refusal does not say how to forget the pin: %q", errOut)
	}

	// remote lists the pin; forget drops it; the next connection pins anew.
	if code, out, _ := run("remote"); code != ExitOK || !strings.Contains(out, srv.apiAddr) || !strings.Contains(out, srv.fingerprint) {
		t.Errorf("remote: exit %d, %q", code, out)
	}
	if code, out, errOut := run("remote", "forget", srv.apiAddr); code != ExitOK || !strings.HasPrefix(out, "forgot the certificate pinned for "+srv.apiAddr) {
		t.Fatalf("remote forget: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, _, errOut := run("remote", "forget", srv.apiAddr); code != ExitError || !strings.Contains(errOut, "no certificate is pinned for") {
		t.Errorf("forgetting twice: exit %d, %q", code, errOut)
	}
	code, out, errOut = run("list", "--remote", remote, "--token-file", adminFile)
	if code != ExitOK || out != "" || !strings.Contains(errOut, srv2.fingerprint) {
		t.Errorf("list after forget: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestServeAPITLSNeedsAPI: --api-tls alone is a usage error, and a plain
// --api beyond loopback warns that tokens cross in clear (not tested:
// binding a public address) while a TLS one prints its fingerprint.
func TestServeAPITLSNeedsAPI(t *testing.T) {
	code, out, errOut := run("serve", "--db", filepath.Join(t.TempDir(), "x.db"), "--api-tls")
	if code != ExitError || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	checkErrorLine(t, []string{"serve"}, errOut, "hookscope serve: ", "serve: ", "--api-tls secures the TCP API, so it needs --api ADDR")
}

// TestAPITLSCertificateKept: the TLS API's certificate is made once and
// kept in the store: a restart shows the same fingerprint, and it is not
// the capture listener's.
func TestAPITLSCertificateKept(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kept.db")
	first := startServeTLS(t, db, "127.0.0.1:0")
	first.stop()
	second := startServeTLS(t, db, "127.0.0.1:0")
	defer second.stop()
	if first.fingerprint != second.fingerprint {
		t.Errorf("the fingerprint changed across a restart: %s then %s", first.fingerprint, second.fingerprint)
	}
	// Plain HTTP to the TLS port gets nothing useful.
	resp, err := http.Get("http://" + second.apiAddr + "/v1/ping")
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if bytes.Contains(body, []byte(`"ok":true`)) {
			t.Errorf("the TLS API answered plain HTTP: %s", body)
		}
	}
}
