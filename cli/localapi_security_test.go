package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dev.hookscope/localapi"
	"dev.hookscope/localapi/apitest"
	"dev.hookscope/storage"
)

// sharedFolder is a folder like /tmp: anyone may create files in it.
func sharedFolder(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "hookscope-shared-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o1777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// serveMustFail runs serve and returns its exit code and stderr; serve
// starting instead is a failure (it is then stopped).
func serveMustFail(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var errOut bytes.Buffer
	stop := make(chan struct{})
	codes := make(chan int, 1)
	go func() {
		codes <- Run(Env{Stdout: &bytes.Buffer{}, Stderr: &errOut, Signals: stop}, append([]string{"serve"}, args...))
	}()
	select {
	case code := <-codes:
		return code, errOut.String()
	case <-time.After(10 * time.Second):
		close(stop)
		<-codes
		t.Fatalf("serve %v started", args)
	}
	return 0, ""
}

func TestServeRefusesAPlantedTokenFile(t *testing.T) {
	dir := sharedFolder(t)
	db := filepath.Join(dir, "x.db")
	tok := localapi.TokenPath(db)
	planted := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
	if err := os.WriteFile(tok, []byte(planted), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(tok, 0o644)
	code, errOut := serveMustFail(t, "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0", "--db", db)
	want := "the API token file " + tok + " is open to other users (mode 0644): remove it or use --db in a private folder"
	if code != ExitError || !strings.Contains(errOut, want) {
		t.Fatalf("serve with a 0644 token file: %d %q", code, errOut)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the token file to another user (uid 65534)")
	}
	os.Chmod(tok, 0o600)
	if err := os.Chown(tok, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	code, errOut = serveMustFail(t, "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0", "--db", db)
	want = "the API token file " + tok + " is owned by uid 65534, not you: remove it or use --db in a private folder"
	if code != ExitError || !strings.Contains(errOut, want) {
		t.Fatalf("serve with another user's token file: %d %q", code, errOut)
	}
	if b, _ := os.ReadFile(tok); string(b) != planted {
		t.Fatalf("the planted file was changed: %q", b)
	}
}

func TestCommandsRefuseAnotherUsersSocket(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a socket to another user (uid 65534)")
	}
	db := filepath.Join(sharedFolder(t), "x.db")
	sock := localapi.SocketPath(db)
	p := apitest.PlantSocket(t, sock)
	refusal := "the API socket " + sock + " is owned by uid 65534, not you: remove it or use --db in a private folder"

	// Nobody holds the file: the command opens it and ignores the socket.
	if code, out, errOut := run("list", "--db", db); code != ExitOK || out != "" || errOut != "" {
		t.Fatalf("list beside a planted socket: %d %q %q", code, out, errOut)
	}
	// serve will not start beside it.
	if code, errOut := serveMustFail(t, "--listen", "127.0.0.1:0", "--db", db); code != ExitError || !strings.Contains(errOut, refusal) {
		t.Fatalf("serve beside a planted socket: %d %q", code, errOut)
	}
	// The file held by another process: the refusal is the answer.
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, args := range [][]string{{"list"}, {"show", "1"}, {"delete", "1"}} {
		code, _, errOut := run(append(args, "--db", db)...)
		if code != ExitError || !strings.Contains(errOut, refusal) {
			t.Errorf("%v with the file held: %d %q", args, code, errOut)
		}
	}
	if n := p.ConnectionsSoFar(t); n != 0 {
		t.Fatalf("%d connections to another user's socket", n)
	}
}
