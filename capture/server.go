// Package capture is the HTTP listener: one handler for every method and
// path that stores each request before it answers.
package capture

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"

	"dev.hookscope/storage"
	"dev.hookscope/textutil"
)

// DefaultAddr is loopback only: exposing a listener is the user's choice.
const DefaultAddr = "127.0.0.1:8080"

// DefaultMaxBody is how much of a body is stored; the rest is counted.
const DefaultMaxBody = 10 << 20

// Store is what the server needs of the storage layer.
type Store interface {
	Append(ctx context.Context, rec *storage.Record) (uint64, error)
}

// Config sets the listener's limits. Zero values take the defaults.
type Config struct {
	Addr    string
	MaxBody int64
	// MaxInflight bounds the bytes of bodies being received at once,
	// across all connections (default DefaultMaxInflight, or MaxBody when
	// that is larger). A body that finds no room within InflightWait gets
	// 503 with Retry-After and is not stored. It may not be below MaxBody.
	MaxInflight int64
	// InflightWait is how long a body waits for room (default
	// DefaultInflightWait).
	InflightWait      time.Duration
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	// Annotate may add to a record before it is stored (a signature
	// verdict); it runs on the request's goroutine and must be quick.
	Annotate func(*storage.Record)
	// Respond, when set, may answer a stored request in place of the
	// default acknowledgement; it runs after the commit, so the request is
	// kept whatever it returns. ctx is the request's: it ends when the
	// sender leaves (or half-closes its connection).
	Respond func(ctx context.Context, rec *storage.Record) (Answer, bool)
	// OnStored is called after each commit, on the request's goroutine. It
	// must not block: the sender is waiting for its answer.
	OnStored func(*storage.Record)
	// ErrorLog receives net/http's own complaints (bad requests, TLS).
	ErrorLog *log.Logger

	// TLSCert, when set, makes the listener HTTPS with this certificate
	// (HTTP/1.1 only: ALPN offers nothing else).
	TLSCert *tls.Certificate
	// Allow, when not empty, admits only clients whose address is in one
	// of these ranges; others get 403 and are not stored.
	Allow []netip.Prefix
	// Token, when set, must come as "Authorization: Bearer <Token>" or
	// "X-Hookscope-Token: <Token>"; without it: 401, not stored.
	Token string
	// BasicAuth ("user:pass"), when set, must come as HTTP basic auth;
	// without it: 401 with WWW-Authenticate, not stored. With Token set
	// too, either one admits a request.
	BasicAuth string
	// Rate caps accepted requests per second across the listener (a token
	// bucket holding one second's worth); over it: 429 with Retry-After,
	// not stored. 0 means no limit.
	Rate float64
	// Observer, when set, is told what the listener did with each request
	// (stored and answered, or refused), for metrics.
	Observer Observer
}

func (c *Config) withDefaults() Config {
	out := *c
	if out.Addr == "" {
		out.Addr = DefaultAddr
	}
	if out.MaxBody <= 0 {
		out.MaxBody = DefaultMaxBody
	}
	if out.MaxInflight <= 0 {
		out.MaxInflight = max(DefaultMaxInflight, out.MaxBody)
	}
	if out.InflightWait <= 0 {
		out.InflightWait = DefaultInflightWait
	}
	if out.ReadHeaderTimeout == 0 {
		out.ReadHeaderTimeout = 10 * time.Second
	}
	if out.ReadTimeout == 0 {
		out.ReadTimeout = 5 * time.Minute
	}
	if out.WriteTimeout == 0 {
		out.WriteTimeout = out.ReadTimeout + 30*time.Second
	}
	if out.IdleTimeout == 0 {
		out.IdleTimeout = 2 * time.Minute
	}
	if out.MaxHeaderBytes == 0 {
		out.MaxHeaderBytes = 1 << 20
	}
	return out
}

// ErrAddrInUse is wrapped by Start when the port is taken.
var ErrAddrInUse = errors.New("address already in use")

// Server is a running listener.
type Server struct {
	cfg      Config
	store    Store
	http     *http.Server
	listener net.Listener
	gate     *gate
	inflight *budget
	done     chan struct{}
	mu       sync.Mutex
	serveErr error
	// lastStoreLog throttles the log of store failures to one a minute:
	// a full disk under a flood would otherwise write a line per request.
	lastStoreLog time.Time
	// stopping ends at Shutdown, so delayed and hanging answers let go
	// at once instead of holding the shutdown up.
	stopping  context.Context
	stop      context.CancelFunc
	hangLimit time.Duration
	// delaysUntil, set by Drain under mu, is when delayed answers must be
	// out; a delay ending before it is waited out. Zero: cut every delay
	// short.
	delaysUntil time.Time
}

// errShuttingDown is a body that was waiting for room when the server
// began to shut down.
var errShuttingDown = errors.New("Hookscope is shutting down")

// Start binds cfg.Addr and serves in the background. A taken port is an
// error that wraps ErrAddrInUse and says what to do.
func Start(store Store, cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	g, err := newGate(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.MaxInflight < cfg.MaxBody {
		return nil, fmt.Errorf("the in-flight budget (%s) is smaller than one stored body (%s), so a large body could never be received: raise --max-inflight or lower --max-body", textutil.ExactSize(cfg.MaxInflight), textutil.ExactSize(cfg.MaxBody))
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, listenError(cfg.Addr, err)
	}
	if cfg.Observer != nil && cfg.TLSCert == nil {
		ln = observedListener{Listener: ln, obs: cfg.Observer}
	}
	if cfg.TLSCert != nil {
		ln = tls.NewListener(ln, &tls.Config{
			Certificates: []tls.Certificate{*cfg.TLSCert},
			NextProtos:   []string{"http/1.1"},
			MinVersion:   tls.VersionTLS12,
		})
	}
	s := &Server{cfg: cfg, store: store, listener: ln, gate: g, inflight: newBudget(cfg.MaxInflight), done: make(chan struct{}), hangLimit: hangLimit}
	s.stopping, s.stop = context.WithCancel(context.Background())
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          cfg.ErrorLog,
	}
	go s.serve()
	return s, nil
}

func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("cannot listen on %s: the port is already in use by another program; pick another address (for example --listen 127.0.0.1:0 for any free port): %w", addr, ErrAddrInUse)
	}
	if errors.Is(err, syscall.EACCES) {
		return fmt.Errorf("cannot listen on %s: permission denied (ports below 1024 need privileges; pick a higher port): %w", addr, err)
	}
	return fmt.Errorf("cannot listen on %s: %w", addr, err)
}

func (s *Server) serve() {
	defer close(s.done)
	err := s.http.Serve(s.listener)
	if !errors.Is(err, http.ErrServerClosed) {
		s.mu.Lock()
		s.serveErr = err
		s.mu.Unlock()
	}
}

// Addr is the address actually bound (with the real port for ":0").
func (s *Server) Addr() string { return s.listener.Addr().String() }

// URL is the base URL senders use.
func (s *Server) URL() string {
	if s.cfg.TLSCert != nil {
		return "https://" + s.Addr()
	}
	return "http://" + s.Addr()
}

// Loopback reports whether only this machine can reach the listener.
func (s *Server) Loopback() bool {
	ap, err := netip.ParseAddrPort(s.Addr())
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

// Guarded reports whether the listener admits only some senders (an
// allowlist, a token or basic auth).
func (s *Server) Guarded() bool {
	return len(s.cfg.Allow) > 0 || s.cfg.Token != "" || s.cfg.BasicAuth != ""
}

// Shutdown stops accepting, lets in-flight requests finish until ctx ends,
// then closes what is left. Delayed answers go out at once and hanging
// ones are let go.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.shutdown(ctx, time.Time{})
}

// drainMargin is kept between a delayed answer and the drain's deadline,
// for writing it.
const drainMargin = 250 * time.Millisecond

// Drain is Shutdown for a process that is exiting: a delayed answer whose
// delay ends at least drainMargin before ctx's deadline goes out at its
// time, as the rule says; longer ones are cut short at once, and hanging
// answers let go. Without a deadline it is Shutdown.
func (s *Server) Drain(ctx context.Context) error {
	until, _ := ctx.Deadline()
	if !until.IsZero() {
		until = until.Add(-drainMargin)
	}
	return s.shutdown(ctx, until)
}

func (s *Server) shutdown(ctx context.Context, delaysUntil time.Time) error {
	s.mu.Lock()
	s.delaysUntil = delaysUntil
	s.mu.Unlock()
	s.stop()
	err := s.http.Shutdown(ctx)
	if err != nil {
		s.http.Close()
	}
	<-s.done
	return err
}

// delayFits reports whether a delay ending at end may be waited out while
// the server shuts down.
func (s *Server) delayFits(end time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.delaysUntil.IsZero() && !end.After(s.delaysUntil)
}

// ServeHTTP captures any method on any path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Refused requests are answered before their body is read, so a
	// stranger's upload costs nothing (net/http drains or drops the rest).
	if status := s.gate.admit(w, r); status != 0 {
		s.refused(status)
		return
	}
	// Room for the body is reserved before its first byte is read; a body
	// that finds none is refused unread, so memory stays within the
	// budget however many senders stall.
	res := &reservation{b: s.inflight, ctx: r.Context(), stop: s.stopping.Done(), wait: s.cfg.InflightWait}
	defer res.release()
	if err := res.grow(firstReservation(r.ContentLength, s.cfg.MaxBody)); err != nil {
		s.refuseForRoom(w, err)
		s.refused(http.StatusServiceUnavailable)
		return
	}
	rec, err := readRecord(r, s.cfg.MaxBody, res, s.gate.redacts())
	if errors.Is(err, errNoRoom) || errors.Is(err, errShuttingDown) {
		s.refuseForRoom(w, err)
		s.refused(http.StatusServiceUnavailable)
		return
	}
	if err != nil {
		// The client went away or broke the body: nothing to acknowledge.
		writeJSON(w, http.StatusBadRequest, `{"ok":false,"error":`+strconv.Quote("could not read the request body: "+err.Error())+`}`)
		s.refused(http.StatusBadRequest)
		return
	}
	rec.Status = http.StatusOK
	if s.cfg.Annotate != nil {
		s.cfg.Annotate(rec)
	}
	s.gate.redact(rec.Header)
	rec.RawQuery = s.gate.redactQuery(rec.RawQuery)
	// Not r.Context(): net/http cancels it when the sender closes its
	// half of the connection after the request (half-close, pipelining
	// with `nc -N`), and a request that arrived whole must be stored and
	// answered all the same.
	id, err := s.store.Append(context.WithoutCancel(r.Context()), rec)
	if err != nil {
		s.logStoreError(err)
		writeJSON(w, http.StatusServiceUnavailable, `{"ok":false,"error":`+strconv.Quote("not stored: "+senderReason(err))+`}`)
		s.refused(http.StatusServiceUnavailable)
		return
	}
	if s.cfg.OnStored != nil {
		s.cfg.OnStored(rec)
	}
	if s.cfg.Respond != nil {
		a, ok := s.cfg.Respond(r.Context(), rec)
		// The body is stored and answered for: its room is given back
		// before a rule's delay or hang.
		res.release()
		if ok {
			s.answer(w, r, a)
			s.answered(rec, answeredStatus(a))
			return
		}
	}
	writeJSON(w, http.StatusOK, `{"ok":true,"id":`+strconv.FormatUint(id, 10)+`}`)
	s.answered(rec, http.StatusOK)
}

// refuseForRoom answers a body the budget had no room for (or that was
// waiting when the server began to stop): 503, not stored.
func (s *Server) refuseForRoom(w http.ResponseWriter, err error) {
	var msg string
	switch {
	case errors.Is(err, errShuttingDown):
		msg = "not stored: Hookscope is shutting down; retry later"
	case errors.Is(err, errNoRoom):
		msg = fmt.Sprintf("not stored: Hookscope is already receiving %s of other request bodies, its limit; retry after %d s", textutil.ExactSize(s.cfg.MaxInflight), inflightRetryAfter)
	default:
		// The sender left while waiting: it will not read this.
		msg = "not stored: the request ended while waiting for room to receive its body"
	}
	w.Header().Set("Retry-After", strconv.Itoa(inflightRetryAfter))
	// The unread body is not drained: the connection is closed after this.
	w.Header().Set("Connection", "close")
	writeJSON(w, http.StatusServiceUnavailable, `{"ok":false,"error":`+strconv.Quote(msg)+`}`)
}

// Answer replaces the default acknowledgement (a relayed target's answer,
// a response rule's).
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
	// Action is AnswerNormal, or a way of not answering that tests how a
	// sender copes: AnswerClose, AnswerHang.
	Action int
	// Delay is waited before answering (or closing); Shutdown cuts it
	// short, Drain only when it would end past its deadline. A sender that
	// leaves meanwhile does not: net/http cannot tell leaving from a
	// half-close after a whole request.
	Delay time.Duration
}

// Answer actions.
const (
	AnswerNormal = iota
	// AnswerClose closes the connection without a word.
	AnswerClose
	// AnswerHang holds the connection without a word until the client
	// gives up, hangLimit passes or the server shuts down; then it is
	// closed. The listener's read and write timeouts do not end it.
	AnswerHang
)

// hangLimit bounds AnswerHang, so a client that never times out does not
// hold a connection for ever; tests shorten it before Start.
var hangLimit = 10 * time.Minute

// answer waits, then answers, closes or holds the connection as a says.
// The request is already stored.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, a Answer) {
	if a.Delay > 0 {
		end := time.Now().Add(a.Delay)
		t := time.NewTimer(a.Delay)
		select {
		case <-t.C:
		case <-s.stopping.Done():
			if s.delayFits(end) {
				<-t.C
			} else {
				t.Stop()
			}
		}
	}
	switch a.Action {
	case AnswerClose:
		dropConn(w)
	case AnswerHang:
		t := time.NewTimer(s.hangLimit)
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-s.stopping.Done():
		}
		t.Stop()
		dropConn(w)
	default:
		writeAnswer(w, a)
	}
}

// dropConn closes the connection with nothing written, as a crashed
// endpoint would.
func dropConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): aborting the handler resets the stream.
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

func writeAnswer(w http.ResponseWriter, a Answer) {
	h := w.Header()
	for k, vs := range a.Header {
		h[k] = append([]string(nil), vs...)
	}
	h.Set("Content-Length", strconv.Itoa(len(a.Body)))
	w.WriteHeader(a.Status)
	w.Write(a.Body)
}

// senderReason is the part of a store failure a sender may see: the cause,
// without the database's path (which names the user's home directory).
func senderReason(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return "the disk holding Hookscope's database is full; retry later"
	case errors.Is(err, storage.ErrClosed):
		return "Hookscope is shutting down; retry later"
	}
	return "Hookscope cannot write its database right now; retry later"
}

// logStoreError tells the person running Hookscope why senders get 503.
func (s *Server) logStoreError(err error) {
	s.mu.Lock()
	now := time.Now()
	due := now.Sub(s.lastStoreLog) >= time.Minute
	if due {
		s.lastStoreLog = now
	}
	s.mu.Unlock()
	if !due {
		return
	}
	msg := "capture: answering 503, requests are not being stored: " + err.Error()
	if s.cfg.ErrorLog != nil {
		s.cfg.ErrorLog.Print(msg)
	} else {
		log.Print(msg)
	}
}

// jsonType is shared by every answer: net/http copies the header map when
// the status is written, so it is never changed.
var jsonType = []string{"application/json"}

func writeJSON(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h["Content-Type"] = jsonType
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	io.WriteString(w, body+"\n")
}
