package cli

import (
	"bufio"
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is a stderr the test reads while serve still runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveLine runs serve with args until its first stdout line, then stops
// it; it returns that line and everything serve wrote on stderr.
func serveLine(t *testing.T, args ...string) (string, string) {
	t.Helper()
	pr, pw := io.Pipe()
	stop := make(chan struct{})
	codes := make(chan int, 1)
	var stderr lockedBuffer
	go func() {
		codes <- Run(Env{Stdout: pw, Stderr: &stderr, Signals: stop}, append([]string{"serve"}, args...))
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	go io.Copy(io.Discard, pr)
	close(stop)
	if code := <-codes; err != nil || code != 0 {
		t.Fatalf("serve %v: exit %d, %v; stderr: %s", args, code, err, stderr.String())
	}
	return line, stderr.String()
}

// TestServeListenerFlags: --tls makes the first line https:// and prints
// the fingerprint on stderr; listening beyond loopback unguarded warns on
// stderr; --token, --basic-auth, --allow and --rate are accepted, and the
// token and password are printed nowhere.
func TestServeListenerFlags(t *testing.T) {
	dir := t.TempDir()
	line, stderr := serveLine(t, "--listen", "127.0.0.1:0", "--db", filepath.Join(dir, "a.db"), "--tls", "--token", "tok-secret", "--rate", "50")
	if !strings.HasPrefix(line, "listening on https://127.0.0.1:") {
		t.Fatalf("first line %q", line)
	}
	if !strings.Contains(stderr, "SHA-256 fingerprint ") || strings.Contains(stderr, "warning") || strings.Contains(stderr+line, "tok-secret") {
		t.Fatalf("stderr %q", stderr)
	}

	line, stderr = serveLine(t, "--listen", "0.0.0.0:0", "--db", filepath.Join(dir, "b.db"))
	// Go binds 0.0.0.0 as the dual-stack wildcard, so the line may say [::].
	if !strings.HasPrefix(line, "listening on http://") || strings.Contains(line, "127.0.0.1") || !strings.Contains(stderr, "warning:") {
		t.Fatalf("exposed: %q, stderr %q", line, stderr)
	}
	_, stderr = serveLine(t, "--listen", "0.0.0.0:0", "--db", filepath.Join(dir, "c.db"), "--basic-auth", "u:pw-secret", "--allow", "10.0.0.0/8,127.0.0.1")
	if strings.Contains(stderr, "warning") || strings.Contains(stderr, "pw-secret") {
		t.Fatalf("guarded: stderr %q", stderr)
	}
}

// TestServeListenerFlagErrors: values that cannot work are refused before
// anything starts, exit 2, with a sentence; a malformed --basic-auth is not
// echoed (it may hold a password).
func TestServeListenerFlagErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "e.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--allow", "10.0.0.0/33"}, "not a CIDR range"},
		{[]string{"--allow", "example.com"}, "not an IP address or CIDR range"},
		{[]string{"--rate", "-1"}, "requests per second"},
		{[]string{"--rate", "fast"}, "requests per second"},
		{[]string{"--basic-auth", "pw-without-colon"}, "user:pass"},
	} {
		code, out, errOut := run(append([]string{"serve", "--listen", "127.0.0.1:0", "--db", db}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) || strings.Contains(out, "listening") {
			t.Fatalf("%v: exit %d, stderr %q", tc.args, code, errOut)
		}
		if strings.Contains(errOut, "pw-without-colon") {
			t.Fatalf("the credential was echoed: %q", errOut)
		}
	}
}

// TestWindowFlagsTakeListenerOptions: the window parses the same flags.
func TestWindowFlagsTakeListenerOptions(t *testing.T) {
	opts, err := ParseWindowFlags([]string{"--tls", "--token", "t", "--basic-auth", "u:p", "--allow", "10.0.0.0/8", "--rate", "2.5"})
	if err != nil {
		t.Fatal(err)
	}
	c := opts.Config
	if !c.TLS || c.Token != "t" || c.BasicAuth != "u:p" || len(c.Allow) != 1 || c.Rate != 2.5 || c.Notices == nil {
		t.Fatalf("%+v", c)
	}
	if c.Listen != "127.0.0.1:8080" {
		t.Fatalf("default listen changed: %s", c.Listen)
	}
}
