package cli

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

// TestRemoteLoginKeepsTheTokenInTheKeyring: remote login checks a token
// with the remote and keeps it in the OS keyring (the library's in-memory
// keyring stands in for the desktop's Secret Service, which a CI machine
// has not got); --remote then needs no --token-file and answers as the
// file does; a refused token is not kept; logout forgets it; without a
// keyring the sentence says so.
func TestRemoteLoginKeepsTheTokenInTheKeyring(t *testing.T) {
	keyring.MockInit()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(envRemote, "")
	t.Setenv(envTokenFile, "")
	db := filepath.Join(t.TempDir(), "team.db")
	srv := startServeTLS(t, db, "127.0.0.1:0")
	defer srv.stop()
	postTo(t, srv.listenURL, "POST", "/hooks/a", "application/json", []byte(`{"a":1}`), nil)
	code, out, errOut := run("tokens", "add", "dev", "--role", "read", "--db", db)
	if code != ExitOK {
		t.Fatalf("tokens add: %d %q", code, errOut)
	}
	token := strings.TrimSpace(out)
	remote := "https://" + srv.apiAddr

	if code, _, errOut := run("list", "--remote", remote); code != ExitError || !strings.Contains(errOut, "hookscope remote login") {
		t.Fatalf("before login: exit %d, %q", code, errOut)
	}
	withStdin(t, "not-a-token\n", func() {
		code, out, errOut = run("remote", "login", remote)
	})
	if code != ExitError || !strings.Contains(errOut, "refused the token") || out != "" {
		t.Fatalf("a wrong token: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := keyring.Get(keyringService, srv.apiAddr); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("a refused token was kept: %v", err)
	}
	withStdin(t, token+"\n", func() {
		code, out, errOut = run("remote", "login", remote)
	})
	if code != ExitOK || !strings.HasPrefix(out, "kept the token for "+srv.apiAddr+" in the OS keyring") {
		t.Fatalf("login: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if strings.Contains(out+errOut, token) {
		t.Errorf("login printed the token")
	}
	code, out, errOut = run("list", "--remote", remote)
	_, want, _ := run("list", "--db", db)
	if code != ExitOK || out != want || want == "" {
		t.Fatalf("list with the kept token: exit %d, %q (the file's: %q), %q", code, out, want, errOut)
	}
	if code, out, _ := run("remote", "logout", remote); code != ExitOK || out != "forgot the token kept for "+srv.apiAddr+"\n" {
		t.Fatalf("logout: %d %q", code, out)
	}
	if code, _, errOut := run("remote", "logout", remote); code != ExitError || !strings.Contains(errOut, "no token is kept") {
		t.Errorf("logout twice: %d %q", code, errOut)
	}
	if code, _, _ := run("list", "--remote", remote); code != ExitError {
		t.Errorf("list after logout exited %d", code)
	}

	keyring.MockInitWithError(errors.New("org.freedesktop.secrets was not provided"))
	if code, _, errOut := run("list", "--remote", remote); code != ExitError || !strings.Contains(errOut, "no OS keyring here") {
		t.Errorf("without a keyring: %d %q", code, errOut)
	}
}
