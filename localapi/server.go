// Package localapi lets other processes use the store while the window or
// `serve` holds it: an HTTP API on a Unix socket beside the database file
// (<db>.sock, mode 0600), and optionally on TCP with a bearer token.
package localapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"dev.hookscope/app"
	"dev.hookscope/capture"
	"dev.hookscope/storage"
)

// SocketPath is where the API for the database at dbPath listens: beside
// the file itself, symbolic links resolved, so that a command given a link
// and an instance given its target (or the other way round) meet.
func SocketPath(dbPath string) string { return realDBPath(dbPath) + ".sock" }

// TokenPath holds the TCP API's bearer token (mode 0600), beside the file
// itself as the socket is.
func TokenPath(dbPath string) string { return realDBPath(dbPath) + ".token" }

// realDBPath is dbPath with symbolic links resolved. A file that does not
// exist yet has its folder resolved, which is where it will be; when that
// fails too, dbPath is used as it is.
func realDBPath(dbPath string) string {
	if p, err := filepath.EvalSymlinks(dbPath); err == nil {
		return p
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(dbPath)); err == nil {
		return filepath.Join(dir, filepath.Base(dbPath))
	}
	return dbPath
}

// Options configure Start.
type Options struct {
	// TCPAddr, when set, also serves the API on TCP (token required).
	TCPAddr string
	// TLS serves TCPAddr over HTTPS with a self-signed certificate made
	// once and kept in the store, so its fingerprint, which clients pin,
	// stays the same across restarts.
	TLS bool
}

// Server is a running local API.
type Server struct {
	core     *app.Core
	sockPath string
	token    string
	unix     *http.Server
	tcp      *http.Server
	tcpAddr  string
	tlsFP    string // the TCP API's certificate fingerprint, "" without TLS
	wg       sync.WaitGroup
	stop     chan struct{}
	stopOnce sync.Once
}

// Start serves the API for core's database. A socket left by a crashed
// Hookscope is replaced; a live one is an error.
func Start(core *app.Core, opt Options) (*Server, error) {
	s := &Server{core: core, sockPath: SocketPath(core.DBPath()), stop: make(chan struct{})}
	ln, err := listenUnix(s.sockPath)
	if err != nil {
		return nil, err
	}
	s.unix = &http.Server{Handler: s.routes(false), ReadHeaderTimeout: 10 * time.Second}
	s.serve(s.unix, ln)
	if opt.TCPAddr != "" {
		if err := s.startTCP(opt.TCPAddr, opt.TLS); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *Server) serve(srv *http.Server, ln net.Listener) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		srv.Serve(ln)
	}()
}

func listenUnix(path string) (net.Listener, error) {
	if err := removeStale(path); err != nil {
		return nil, err
	}
	// The socket must never be reachable by other users, not even for the
	// moment between bind and chmod.
	old := syscall.Umask(0o077)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("serve the local API on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("serve the local API on %s: %w", path, err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(true)
	return sameUserListener{Listener: ln, uid: os.Geteuid()}, nil
}

// removeStale deletes a socket of ours nobody answers on (left by a
// crash). Anything else at the path is refused: in a shared folder another
// user may have planted it.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("%s exists and is not a Hookscope socket: move it aside", path)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Geteuid() {
		// Not dialed: whoever serves it would see us as a client.
		return checkPrivate("API socket", path, fi)
	}
	conn, err := net.DialTimeout("unix", path, 500*time.Millisecond)
	if err == nil {
		conn.Close()
		return fmt.Errorf("another Hookscope is already serving %s", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove the stale socket %s: %w", path, err)
	}
	return nil
}

func (s *Server) startTCP(addr string, useTLS bool) error {
	token, err := loadOrCreateToken(TokenPath(s.core.DBPath()))
	if err != nil {
		return err
	}
	s.token = token
	var cfg *tls.Config
	if useTLS {
		cert, err := capture.LoadOrCreateCertNamed(s.core.Store(), storage.SettingAPITLSCert, storage.SettingAPITLSKey, "the local API's")
		if err != nil {
			return err
		}
		cfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.tlsFP = capture.Fingerprint(cert)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve the local API on %s: %w", addr, err)
	}
	s.tcpAddr = ln.Addr().String()
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	s.tcp = &http.Server{Handler: s.requireToken(s.routes(true)), ReadHeaderTimeout: 10 * time.Second}
	s.serve(s.tcp, ln)
	return nil
}

// TCPAddr is the bound TCP address, "" when TCP is off.
func (s *Server) TCPAddr() string { return s.tcpAddr }

// TCPURL is the TCP API's base URL (https:// with TLS), "" when TCP is off.
func (s *Server) TCPURL() string {
	switch {
	case s.tcpAddr == "":
		return ""
	case s.tlsFP != "":
		return "https://" + s.tcpAddr
	}
	return "http://" + s.tcpAddr
}

// TLSFingerprint is the SHA-256 fingerprint of the TCP API's certificate
// (colon-separated hex, as Fingerprint gives it), "" without TLS.
func (s *Server) TLSFingerprint() string { return s.tlsFP }

// SocketPath is the Unix socket served.
func (s *Server) SocketPath() string { return s.sockPath }

// Close stops serving, ends open streams and removes the socket, letting
// requests under way finish for up to 2 s.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.CloseContext(ctx)
}

// CloseContext is Close with requests under way let finish until ctx ends
// (then their connections are closed), for a caller stopping several
// servers under one deadline.
func (s *Server) CloseContext(ctx context.Context) error {
	s.stopOnce.Do(func() { close(s.stop) })
	for _, srv := range []*http.Server{s.unix, s.tcp} {
		if srv != nil {
			if srv.Shutdown(ctx) != nil {
				srv.Close()
			}
		}
	}
	s.wg.Wait()
	return nil
}
