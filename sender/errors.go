package sender

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Kind says why no answer came back.
type Kind int

// Kinds of failure. Callers branch on them (retry a refusal, not a TLS
// error) and show Error's sentence.
const (
	KindOther Kind = iota
	KindRefused
	KindTimeout
	KindTLS
	KindDNS
	KindCanceled
)

func (k Kind) String() string {
	switch k {
	case KindRefused:
		return "refused"
	case KindTimeout:
		return "timeout"
	case KindTLS:
		return "tls"
	case KindDNS:
		return "dns"
	case KindCanceled:
		return "canceled"
	}
	return "other"
}

// Error is a send that got no HTTP answer. Error() is one sentence for
// people; Err keeps the cause for logs and errors.Is.
type Error struct {
	Kind Kind
	// Host is host[:port] as addressed.
	Host string
	// Timeout is the limit that ran out, for KindTimeout.
	Timeout time.Duration
	// Timing holds the phases that did complete; Total is the time spent.
	Timing Timing
	Err    error
}

func (e *Error) Error() string {
	switch e.Kind {
	case KindRefused:
		return fmt.Sprintf("the connection to %s was refused: nothing is listening there (is the target running, on that port?)", e.Host)
	case KindTimeout:
		if e.Timeout > 0 {
			return fmt.Sprintf("no answer from %s within %s: the target is slow or unreachable (raise the timeout if it is just slow)", e.Host, e.Timeout)
		}
		return fmt.Sprintf("no answer from %s before the deadline: the target is slow or unreachable", e.Host)
	case KindTLS:
		return fmt.Sprintf("the TLS handshake with %s failed: %s%s", e.Host, rootMessage(e.Err), tlsHint(e.Err))
	case KindDNS:
		return fmt.Sprintf("cannot find the host %s: %s (check the spelling of the URL)", e.Host, dnsReason(e.Err))
	case KindCanceled:
		return fmt.Sprintf("the request to %s was canceled", e.Host)
	}
	return fmt.Sprintf("the request to %s failed: %s", e.Host, rootMessage(e.Err))
}

// Unwrap lets errors.Is find both ErrNoAnswer and the cause.
func (e *Error) Unwrap() []error { return []error{ErrNoAnswer, e.Err} }

// AsError returns err's *Error, if it has one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// classify names the failure. ctx is the exchange's own context, so a
// deadline there is our timeout and a cancellation is the caller's.
func classify(ctx context.Context, host string, timeout time.Duration, err error, t Timing) *Error {
	e := &Error{Kind: kindOf(ctx, err), Host: host, Timing: t, Err: err}
	if e.Kind == KindTimeout {
		e.Timeout = timeout
	}
	return e
}

func kindOf(ctx context.Context, err error) Kind {
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return KindCanceled
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	case isTLS(err):
		return KindTLS
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return KindDNS
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return KindRefused
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return KindTimeout
	}
	return KindOther
}

func isTLS(err error) bool {
	var (
		verify    *tls.CertificateVerificationError
		authority x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		record    tls.RecordHeaderError
		alert     tls.AlertError
	)
	if errors.As(err, &verify) || errors.As(err, &authority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &record) || errors.As(err, &alert) {
		return true
	}
	// net/http reports a plain-HTTP server behind an https URL with a
	// string only.
	msg := err.Error()
	return strings.Contains(msg, "server gave HTTP response to HTTPS client") || strings.Contains(msg, "tls: ")
}

// dnsReason is the resolver's verdict without the resolver's address.
func dnsReason(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.Err != "" {
		return dnsErr.Err
	}
	return rootMessage(err)
}

func tlsHint(err error) string {
	var verify *tls.CertificateVerificationError
	if errors.As(err, &verify) {
		return " (for a test server with a self-signed certificate, turn certificate verification off)"
	}
	if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return " (the target speaks plain HTTP: use an http:// URL)"
	}
	return ""
}

// rootMessage drops the "Post \"url\": dial tcp …:" wrapping net/http
// adds, since the sentence already names the host.
func rootMessage(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		err = op.Err
	}
	return err.Error()
}
