package sender

import (
	"context"
	"crypto/tls"
	"net/http/httptrace"
	"sync"
	"time"
)

// recorder turns httptrace callbacks into a Timing. Callbacks can run on
// several goroutines (Happy Eyeballs dials in parallel), hence the mutex.
// With redirects each phase adds up over the hops, and FirstByte is the
// last hop's, so Total >= FirstByte always holds.
type recorder struct {
	mu                      sync.Mutex
	start                   time.Time
	dnsStart, connStart     time.Time
	tlsStart                time.Time
	dns, connect, handshake time.Duration
	firstByte               time.Duration
	addr                    string
}

func newRecorder() *recorder { return &recorder{start: time.Now()} }

func (r *recorder) attach(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { r.mark(&r.dnsStart) },
		DNSDone:  func(httptrace.DNSDoneInfo) { r.add(&r.dns, &r.dnsStart) },
		ConnectStart: func(string, string) {
			r.mu.Lock()
			defer r.mu.Unlock()
			// Parallel dials: the phase starts with the first one.
			if r.connStart.IsZero() {
				r.connStart = time.Now()
			}
		},
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				r.add(&r.connect, &r.connStart)
			}
		},
		TLSHandshakeStart: func() { r.mark(&r.tlsStart) },
		TLSHandshakeDone:  func(tls.ConnectionState, error) { r.add(&r.handshake, &r.tlsStart) },
		GotConn: func(info httptrace.GotConnInfo) {
			r.mu.Lock()
			defer r.mu.Unlock()
			if info.Conn != nil {
				r.addr = info.Conn.RemoteAddr().String()
			}
		},
		GotFirstResponseByte: func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.firstByte = time.Since(r.start)
		},
	})
}

func (r *recorder) mark(t *time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*t = time.Now()
}

// add closes a phase opened by mark; a phase never opened adds nothing.
func (r *recorder) add(d *time.Duration, start *time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !start.IsZero() {
		*d += time.Since(*start)
		*start = time.Time{}
	}
}

func (r *recorder) remoteAddr() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addr
}

// timing is the state so far; Total is the time elapsed.
func (r *recorder) timing() Timing {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Timing{DNS: r.dns, Connect: r.connect, TLS: r.handshake, FirstByte: r.firstByte, Total: time.Since(r.start)}
}

// finish is the final Timing once the body has been read.
func (r *recorder) finish() Timing {
	t := r.timing()
	if t.Total < t.FirstByte {
		t.Total = t.FirstByte
	}
	return t
}
