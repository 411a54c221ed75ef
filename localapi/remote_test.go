package localapi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestParseRemote(t *testing.T) {
	for _, tc := range []struct {
		raw, hostport, err string
	}{
		{"https://staging.example:9443", "staging.example:9443", ""},
		{"https://staging.example", "staging.example:443", ""},
		{"https://proxy.example/hookscope/", "proxy.example:443", ""},
		{"https://[::1]:9443", "[::1]:9443", ""},
		{"http://127.0.0.1:9443", "127.0.0.1:9443", ""},
		{"http://localhost:9443", "localhost:9443", ""},
		{"http://[::1]:1", "[::1]:1", ""},
		{"http://10.0.0.5:9443", "", "refusing the plain-HTTP remote http://10.0.0.5:9443: the token would travel to another machine in clear"},
		{"http://staging.example", "", "use https://staging.example:80"},
		{"ftp://x:1", "", "is not an https:// URL"},
		{"staging.example:9443", "", "is not an https:// URL"},
		{"https://user:pw@x:1", "", "holds credentials"},
		{"https://x:1/?token=t", "", "has a query or fragment"},
	} {
		_, hp, err := ParseRemote(tc.raw)
		switch {
		case tc.err == "" && (err != nil || hp != tc.hostport):
			t.Errorf("ParseRemote(%q) = %q, %v; want %q", tc.raw, hp, err, tc.hostport)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseRemote(%q) error %v; want one with %q", tc.raw, err, tc.err)
		case err != nil && strings.Contains(err.Error(), "pw"):
			t.Errorf("ParseRemote(%q) repeats the password: %v", tc.raw, err)
		}
	}
}

func TestReadTokenFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	if tok, err := ReadTokenFile(write("ok", "  hks_abc  \nignored\n", 0o600)); err != nil || tok != "hks_abc" {
		t.Errorf("ReadTokenFile = %q, %v", tok, err)
	}
	for _, tc := range []struct {
		path, want string
		untrusted  bool
	}{
		{write("open", "hks_abc\n", 0o644), "is open to other users (mode 0644): run chmod 600", true},
		{write("group", "hks_abc\n", 0o640), "is open to other users (mode 0640)", true},
		{write("empty", "\n", 0o600), "is empty", false},
		{dir, "is not a regular file", true},
		{filepath.Join(dir, "missing"), "open the token file", false},
	} {
		_, err := ReadTokenFile(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, ErrUntrusted) != tc.untrusted {
			t.Errorf("ReadTokenFile(%s) error %v; want %q (untrusted %v)", tc.path, err, tc.want, tc.untrusted)
		}
	}
	// A FIFO is refused, not waited on.
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err == nil {
		if _, err := ReadTokenFile(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("a FIFO: %v", err)
		}
	}
}

// TestKnownHostsFile: pins are appended, looked up by HOST:PORT, listed and
// forgotten one at a time with other lines (comments too) kept; a file
// others can write is refused.
func TestKnownHostsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "known_hosts")
	if fp, err := lookupKnownHost(path, "a:1"); err != nil || fp != "" {
		t.Fatalf("no file: %q %v", fp, err)
	}
	for _, h := range []KnownHost{{"a:1", "AA:01"}, {"b:2", "BB:02"}} {
		if err := appendKnownHost(path, h.HostPort, h.Fingerprint); err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode: %v %v", fi, err)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("# a note\n")
	f.Close()
	if fp, _ := lookupKnownHost(path, "B:2"); fp != "BB:02" {
		t.Errorf("lookup b:2 = %q", fp)
	}
	if found, err := ForgetKnownHost(path, "a:1"); !found || err != nil {
		t.Fatalf("forget a:1: %v %v", found, err)
	}
	if found, err := ForgetKnownHost(path, "a:1"); found || err != nil {
		t.Errorf("forget a:1 again: %v %v", found, err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != "b:2 BB:02\n# a note\n" {
		t.Errorf("after forget: %q", b)
	}
	if list, _ := KnownHosts(path); len(list) != 1 || list[0].HostPort != "b:2" {
		t.Errorf("list = %v", list)
	}
	os.Chmod(path, 0o622)
	if _, err := lookupKnownHost(path, "b:2"); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "known-hosts file") {
		t.Errorf("a file others can write: %v", err)
	}
}
