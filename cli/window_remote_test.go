package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dev.hookscope/localapi"
)

// TestWindowRemoteFlags: the window takes --remote (or $HOOKSCOPE_REMOTE)
// and --token-file as the commands do; --remote with --db, or with a flag
// of the window's own listener or API, is a usage error naming them.
func TestWindowRemoteFlags(t *testing.T) {
	t.Setenv(envRemote, "")
	t.Setenv(envTokenFile, "")
	usage := func(args []string, want string) {
		t.Helper()
		_, err := ParseWindowFlags(args)
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want a usage error saying %q", args, err, want)
		}
		if !IsCommand(args) {
			t.Errorf("%q would open the window", args)
		}
	}
	usage([]string{"--remote", "https://staging.example:9443", "--db", "x.db"}, "--remote and --db name two stores: give one")
	usage([]string{"--remote", "https://staging.example:9443", "--listen", "127.0.0.1:9000", "--api", "127.0.0.1:9001"},
		"which has its own listener and API: leave out --api, --listen")
	usage([]string{"--token-file", "t"}, "--token-file goes with --remote")
	usage([]string{"--remote", "http://staging.example:9443"}, "refusing the plain-HTTP remote")

	opts, err := ParseWindowFlags([]string{"--remote", "https://staging.example:9443", "--token-file", "t"})
	if err != nil || opts.Remote != "https://staging.example:9443" {
		t.Fatalf("--remote: %+v, %v", opts, err)
	}
	t.Setenv(envRemote, "https://from-env.example:9443")
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "https://from-env.example:9443"},
		{[]string{"--db", "x.db"}, ""},               // --db wins, as for the commands
		{[]string{"--listen", "127.0.0.1:9000"}, ""}, // so does a flag of the window's own listener
		{[]string{"--remote", "https://b.example:1"}, "https://b.example:1"},
	} {
		opts, err := ParseWindowFlags(c.args)
		if err != nil || opts.Remote != c.want {
			t.Errorf("$%s set, %q: remote %q, %v; want %q", envRemote, c.args, opts.Remote, err, c.want)
		}
	}
}

// TestWindowAttachRemote: the window dials as the commands do: it pins
// the certificate on first use and follows the store; a serve with
// another certificate on the same address is refused with the commands'
// sentence.
func TestWindowAttachRemote(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	t.Setenv(envRemote, "")
	t.Setenv(envTokenFile, "")
	db := filepath.Join(t.TempDir(), "team.db")
	srv := startServeTLS(t, db, "127.0.0.1:0")
	defer srv.stop()
	postTo(t, srv.listenURL, "POST", "/hooks/a", "text/plain", []byte("a"), nil)
	code, out, errOut := run("tokens", "add", "window", "--role", "read", "--db", db)
	if code != ExitOK {
		t.Fatalf("tokens add: %d %q", code, errOut)
	}
	tokenFile := writeTokenFile(t, strings.TrimSpace(out), 0o600)
	args := []string{"--remote", "https://" + srv.apiAddr, "--token-file", tokenFile}

	opts, err := ParseWindowFlags(args)
	if err != nil {
		t.Fatal(err)
	}
	var notices syncBuffer
	src, err := opts.AttachRemote(&notices)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := src.Count(); n != 1 || src.HostPort() != srv.apiAddr {
		t.Errorf("attached to %s with %d requests, want %s with 1", src.HostPort(), n, srv.apiAddr)
	}
	src.Close()
	if !strings.Contains(notices.String(), "first connection to "+srv.apiAddr) || !strings.Contains(notices.String(), srv.fingerprint) {
		t.Errorf("the pin was not said: %q", notices.String())
	}

	// Another store (so another certificate) on the same address.
	if code := srv.stop(); code != ExitOK {
		t.Fatalf("serve exited %d", code)
	}
	other := startServeTLS(t, filepath.Join(t.TempDir(), "other.db"), srv.apiAddr)
	defer other.stop()
	_, err = opts.AttachRemote(&notices)
	var changed *localapi.ChangedCertError
	if !errors.As(err, &changed) || changed.Pinned != srv.fingerprint || changed.Got != other.fingerprint ||
		!strings.Contains(err.Error(), "run hookscope remote forget "+srv.apiAddr) {
		t.Errorf("a changed certificate: %v", err)
	}
	if _, err := os.Stat(filepath.Join(config, "hookscope", "known_hosts")); err != nil {
		t.Errorf("no known_hosts written: %v", err)
	}
}
