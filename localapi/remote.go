package localapi

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A remote is `hookscope serve --api ADDR --api-tls` on another machine,
// reached with a token (docs/cli.md, "Remote stores"). Its certificate is
// self-signed, so it is trusted as SSH trusts a host key: pinned by its
// SHA-256 fingerprint on first use, in a known-hosts file, and any other
// certificate for that host and port refused afterwards. A certificate a
// public CA vouches for (a reverse proxy with a real certificate) is
// trusted as a browser would, without pinning, so its renewals pass.

// RemoteOptions configure DialRemote.
type RemoteOptions struct {
	// URL is https://HOST[:PORT][/PREFIX], or http:// to a loopback host.
	URL string
	// Token is the bearer token (read with ReadTokenFile).
	Token string
	// KnownHosts is the pin file; "" means DefaultKnownHostsPath.
	KnownHosts string
	// Notices is told, in one line, when a certificate is pinned.
	Notices io.Writer
}

// ParseRemote checks a remote's URL and returns it with HOST:PORT, the key
// its certificate is pinned under. Plain http:// is refused unless the
// host is loopback: the token would cross the network in clear.
func ParseRemote(raw string) (*url.URL, string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, "", fmt.Errorf("the remote %q is not an https:// URL with a host (like https://staging.example:9443)", raw)
	}
	if u.User != nil {
		return nil, "", fmt.Errorf("the remote %s holds credentials: give the token in a file with --token-file instead", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, "", fmt.Errorf("the remote %q has a query or fragment: give only https://HOST:PORT and, behind a proxy, a path", raw)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	hostport := net.JoinHostPort(u.Hostname(), port)
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		return nil, "", fmt.Errorf("refusing the plain-HTTP remote %s: the token would travel to another machine in clear; serve the API with --api-tls and use https://%s", raw, hostport)
	}
	return u, hostport, nil
}

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// DialRemote connects to a remote's TCP API and checks that it answers the
// token. The first https connection to a HOST:PORT pins its certificate
// (Notices is told); a different one later is refused with an error that
// names both fingerprints and how to forget the old one.
func DialRemote(opt RemoteOptions) (*Client, error) {
	u, hostport, err := ParseRemote(opt.URL)
	if err != nil {
		return nil, err
	}
	if opt.Token == "" {
		return nil, errors.New("a remote needs a token: give --token-file FILE")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // a token goes to the host named, not through an environment's proxy
	if u.Scheme == "https" {
		path := opt.KnownHosts
		if path == "" {
			if path, err = DefaultKnownHostsPath(); err != nil {
				return nil, err
			}
		}
		p := &pinner{hostport: hostport, host: u.Hostname(), path: path, notices: opt.Notices}
		tr.TLSClientConfig = &tls.Config{
			// Checked by p.verify instead: the certificate is self-signed.
			InsecureSkipVerify: true,
			VerifyConnection:   p.verify,
			MinVersion:         tls.VersionTLS12,
		}
	}
	base := strings.TrimSuffix(u.String(), "/")
	c := &Client{http: &http.Client{Transport: tr}, base: base, token: opt.Token, where: base, pingWithin: 15 * time.Second}
	if err := c.ping(); err != nil {
		tr.CloseIdleConnections()
		return nil, err
	}
	return c, nil
}

// pinner checks a remote's certificate on every handshake.
type pinner struct {
	hostport, host, path string
	notices              io.Writer
	mu                   sync.Mutex
	accepted             string // the fingerprint found or pinned, once checked
}

// verify is tls.Config.VerifyConnection for a remote.
func (p *pinner) verify(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return fmt.Errorf("%s sent no TLS certificate", p.hostport)
	}
	leaf := cs.PeerCertificates[0]
	if publiclyTrusted(leaf, cs.PeerCertificates[1:], p.host) {
		return nil
	}
	fp := fingerprintOf(leaf)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.accepted != "" {
		if fp == p.accepted {
			return nil
		}
		return &ChangedCertError{HostPort: p.hostport, Pinned: p.accepted, Got: fp, KnownHosts: p.path}
	}
	pinned, err := lookupKnownHost(p.path, p.hostport)
	if err != nil {
		return err
	}
	switch {
	case pinned == "":
		if err := appendKnownHost(p.path, p.hostport, fp); err != nil {
			return err
		}
		if p.notices != nil {
			fmt.Fprintf(p.notices, "hookscope: first connection to %s: pinned its certificate, SHA-256 fingerprint %s, in %s (compare it with the fingerprint serve printed; from now on any other certificate is refused)\n",
				p.hostport, fp, p.path)
		}
	case pinned != fp:
		return &ChangedCertError{HostPort: p.hostport, Pinned: pinned, Got: fp, KnownHosts: p.path}
	}
	p.accepted = fp
	return nil
}

// publiclyTrusted reports whether the system's CAs vouch for leaf as host.
func publiclyTrusted(leaf *x509.Certificate, chain []*x509.Certificate, host string) bool {
	inter := x509.NewCertPool()
	for _, c := range chain {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Intermediates: inter})
	return err == nil
}

// fingerprintOf is the SHA-256 of the certificate's DER bytes in the form
// serve prints it (capture.Fingerprint): colon-separated upper-case hex.
func fingerprintOf(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	var b strings.Builder
	for i, c := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// ChangedCertError: a remote showed a certificate other than the one
// pinned for its HOST:PORT.
type ChangedCertError struct{ HostPort, Pinned, Got, KnownHosts string }

func (e *ChangedCertError) Error() string {
	return fmt.Sprintf("the certificate of %s has changed: it is now SHA-256 %s, but %s pinned %s; "+
		"someone may be intercepting the connection, or that serve got a new certificate (a new database): "+
		"if you trust the new one, run hookscope remote forget %s and connect again",
		e.HostPort, e.Got, e.KnownHosts, e.Pinned, e.HostPort)
}

// ReadTokenFile reads a token from a file that is a regular file owned by
// this user with no group or other permission bits; anything else is
// refused with a sentence (errors.Is ErrUntrusted), as a secret should
// not be readable by others. One token on the first line; spaces around
// it are dropped.
func ReadTokenFile(path string) (string, error) {
	// O_NONBLOCK: a FIFO at the path is opened, then refused, not waited on.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", fmt.Errorf("open the token file %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("check the token file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return "", untrustedError(fmt.Sprintf("the token file %s is not a regular file: give a file holding the token", path))
	}
	if err := checkPrivateHint("token file", path, fi, "run chmod 600 "+path+" (a token is a password)"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", fmt.Errorf("read the token file %s: %w", path, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	token := strings.TrimSpace(line)
	if token == "" {
		return "", fmt.Errorf("the token file %s is empty: put the token from hookscope tokens add in it", path)
	}
	return token, nil
}
