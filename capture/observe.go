package capture

import (
	"bytes"
	"net"
	"net/http"

	"dev.hookscope/storage"
)

// Observer is told what the listener did with each request, so the core
// can count it (docs/cli.md, "Metrics") without capture knowing how the
// numbers are exported. Its methods run on the request's goroutine, on the
// capture path: they must be as cheap as an atomic increment.
type Observer interface {
	// Answered: rec was stored and answered with status; 0 when a rule
	// closed or held the connection without an answer. rec is the stored
	// record: read it, do not keep it.
	Answered(rec *storage.Record, status int)
	// Refused: a request was not stored and got status: 401, 403 or 429
	// from the gate, 503 for want of room or a failed commit, 400 for a
	// body that could not be read, 431 for a header block over the cap
	// (plain HTTP only: under TLS net/http writes that answer inside the
	// encrypted stream, which the listener cannot read).
	Refused(status int)
}

func (s *Server) refused(status int) {
	if s.cfg.Observer != nil {
		s.cfg.Observer.Refused(status)
	}
}

func (s *Server) answered(rec *storage.Record, status int) {
	if s.cfg.Observer != nil {
		s.cfg.Observer.Answered(rec, status)
	}
}

// answeredStatus is the status a rule's answer went out with; 0 when it
// closed or held the connection instead.
func answeredStatus(a Answer) int {
	if a.Action != AnswerNormal {
		return 0
	}
	return a.Status
}

// observedListener hands out connections that notice net/http's own 431:
// it answers a header block over MaxHeaderBytes itself, before any
// handler runs, by writing a fixed status line straight to the connection.
type observedListener struct {
	net.Listener
	obs Observer
}

func (l observedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &observedConn{Conn: c, obs: l.obs}, nil
}

// status431 is how net/http's answer begins (net/http server.go writes
// "HTTP/1.1 431 Request Header Fields Too Large" on the connection).
var status431 = []byte("HTTP/1.1 431 ")

type observedConn struct {
	net.Conn
	obs Observer
}

// Write looks at the first bytes of each write only: a handler's answers
// go out through net/http's buffer, and the 431 is one write of its own.
func (c *observedConn) Write(p []byte) (int, error) {
	if len(p) >= len(status431) && p[9] == '4' && p[10] == '3' && p[11] == '1' && bytes.HasPrefix(p, status431) {
		c.obs.Refused(http.StatusRequestHeaderFieldsTooLarge)
	}
	return c.Conn.Write(p)
}

// CloseWrite keeps the half-close net/http uses after an early answer
// (its closeWriter interface), which the embedded net.Conn would hide.
func (c *observedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
