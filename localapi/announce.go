package localapi

import (
	"fmt"
	"io"
	"net"
	"net/netip"
)

// Announce says on w where srv's TCP API is, which tokens it takes and
// its certificate's fingerprint (or warns that a plain-HTTP API is
// reachable from other machines). serve and the window both print it, so
// the line reads the same from either (docs/cli.md, "Remote stores").
// Nothing is said when srv serves only the socket.
func Announce(srv *Server, dbPath string, w io.Writer) {
	if srv.TCPAddr() == "" {
		return
	}
	fmt.Fprintf(w, "local API on %s (tokens: the admin token in %s, or one made by hookscope tokens add with its role)\n",
		srv.TCPURL(), TokenPath(dbPath))
	if fp := srv.TLSFingerprint(); fp != "" {
		fmt.Fprintf(w, "local API TLS certificate SHA-256 fingerprint %s (self-signed; hookscope --remote pins it on first use)\n", fp)
	} else if !loopbackAddr(srv.TCPAddr()) {
		fmt.Fprintf(w, "warning: the local API on %s is plain HTTP and reachable from other machines, so tokens cross the network in clear: add --api-tls\n", srv.TCPAddr())
	}
}

// loopbackAddr reports whether a bound HOST:PORT is reachable from this
// machine only.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
