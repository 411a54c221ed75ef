package app

import (
	"bytes"
	"crypto/tls"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dev.hookscope/capture"
)

func openCoreWith(t *testing.T, cfg Config) *Core {
	t.Helper()
	if cfg.DBPath == "" {
		cfg.DBPath = filepath.Join(t.TempDir(), "core.db")
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	c, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestTLSFingerprintIsKeptAcrossRestarts: with TLS the listener URL is
// https, TLSFingerprint names the certificate the listener presents, the
// notice prints it, and a second start on the same database presents the
// same certificate. Without TLS the fingerprint is empty.
func TestTLSFingerprintIsKeptAcrossRestarts(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tls.db")
	var notices bytes.Buffer
	c, err := Open(Config{DBPath: db, Listen: "127.0.0.1:0", TLS: true, Notices: &notices})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() }) // closing twice is harmless
	if c.TLSFingerprint() != "" {
		t.Fatal("fingerprint before the listener started")
	}
	if err := c.StartListener(""); err != nil {
		t.Fatal(err)
	}
	fp := c.TLSFingerprint()
	if !strings.HasPrefix(c.ListenerURL(), "https://") || len(fp) != 95 {
		t.Fatalf("url %s fingerprint %q", c.ListenerURL(), fp)
	}
	if !strings.Contains(notices.String(), "SHA-256 fingerprint "+fp) || strings.Count(notices.String(), "\n") != 1 {
		t.Fatalf("notices %q", notices.String())
	}
	// The certificate presented is the one fingerprinted.
	var presented string
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			presented = capture.Fingerprint(tls.Certificate{Certificate: [][]byte{cs.PeerCertificates[0].Raw}})
			return nil
		},
	}}}
	resp, err := client.Post(c.ListenerURL()+"/tls", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	client.CloseIdleConnections()
	if resp.StatusCode != 200 || presented != fp {
		t.Fatalf("status %d, presented %s, fingerprint %s", resp.StatusCode, presented, fp)
	}
	c.Close()

	c2 := openCoreWith(t, Config{DBPath: db, TLS: true})
	if err := c2.StartListener(""); err != nil {
		t.Fatal(err)
	}
	if c2.TLSFingerprint() != fp {
		t.Fatalf("fingerprint changed across restarts: %s then %s", fp, c2.TLSFingerprint())
	}
	c2.StopListener()
	if c2.TLSFingerprint() != "" {
		t.Fatal("fingerprint after the listener stopped")
	}

	plain := openCore(t)
	plain.StartListener("")
	if plain.TLSFingerprint() != "" || !strings.HasPrefix(plain.ListenerURL(), "http://") {
		t.Fatalf("plain listener: %q %s", plain.TLSFingerprint(), plain.ListenerURL())
	}
}

// TestExposedListenerWarns: a listener reachable from other machines with
// no token, basic auth or allowlist prints one warning line; with any of
// them, or on loopback, nothing; the token never appears in the notices.
func TestExposedListenerWarns(t *testing.T) {
	const token = "do-not-print-me"
	for _, tc := range []struct {
		name string
		cfg  Config
		warn bool
	}{
		{"loopback", Config{Listen: "127.0.0.1:0"}, false},
		{"exposed", Config{Listen: "0.0.0.0:0"}, true},
		{"exposed with token", Config{Listen: "0.0.0.0:0", Token: token}, false},
		{"exposed with basic auth", Config{Listen: "0.0.0.0:0", BasicAuth: "u:" + token}, false},
		{"exposed with allowlist", Config{Listen: "0.0.0.0:0", Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, false},
		{"exposed with TLS and token", Config{Listen: "0.0.0.0:0", TLS: true, Token: token}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var notices bytes.Buffer
			tc.cfg.Notices = &notices
			c := openCoreWith(t, tc.cfg)
			if err := c.StartListener(""); err != nil {
				t.Fatal(err)
			}
			out := notices.String()
			if warned := strings.Contains(out, "warning:"); warned != tc.warn {
				t.Fatalf("warned %v, want %v: %q", warned, tc.warn, out)
			}
			if tc.warn && (strings.Count(out, "\n") != 1 || !strings.Contains(out, "--token")) {
				t.Fatalf("warning %q", out)
			}
			if strings.Contains(out, token) {
				t.Fatalf("the secret was printed: %q", out)
			}
		})
	}
}

// TestListenerOptionsReachTheListener: the options in Config are the ones
// the running listener enforces, and survive a change of address.
func TestListenerOptionsReachTheListener(t *testing.T) {
	c := openCoreWith(t, Config{Token: "tok", Rate: 1000, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err := c.StartListener(""); err != nil {
		t.Fatal(err)
	}
	if err := c.StartListener("127.0.0.1:0"); err != nil { // the window's "change address"
		t.Fatal(err)
	}
	resp, err := http.Post(c.ListenerURL()+"/no-token", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("without the token: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", c.ListenerURL()+"/token", strings.NewReader("x"))
	req.Header.Set("X-Hookscope-Token", "tok")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("with the token: %d", resp.StatusCode)
	}
	if ids, _ := c.IDs(); len(ids) != 1 {
		t.Fatalf("%d stored, want 1", len(ids))
	}
}
