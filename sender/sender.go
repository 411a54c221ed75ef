// Package sender sends one HTTP request and reports what came back and how
// long each phase took. Replay, forwarding and the request composer all send
// through it, so they share timing, limits and the wording of failures.
package sender

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// DefaultTimeout bounds a whole exchange (connect, send, read the answer)
// when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// DefaultMaxBody is how much of a response body is kept when
// Options.MaxBody is zero.
const DefaultMaxBody = 10 << 20

// Options tune one Send. The zero value follows no redirects, verifies
// TLS, waits DefaultTimeout and keeps DefaultMaxBody bytes.
type Options struct {
	// Timeout bounds the exchange including reading the body; 0 means
	// DefaultTimeout, negative means none (ctx still applies).
	Timeout time.Duration
	// FollowRedirects follows up to 10 redirects; off, a 3xx is the answer,
	// which is what an inspector wants to show.
	FollowRedirects bool
	// Insecure skips TLS certificate verification (self-signed test
	// servers).
	Insecure bool
	// MaxBody is how many response body bytes are kept; the rest is read
	// and dropped so the connection ends cleanly. 0 means DefaultMaxBody.
	MaxBody int64
}

// Timing is how long each phase took. Phases that did not happen (DNS for
// an IP address, TLS for http) are zero. FirstByte and Total count from the
// start of Send.
type Timing struct {
	DNS       time.Duration
	Connect   time.Duration
	TLS       time.Duration
	FirstByte time.Duration
	Total     time.Duration
}

// Response is the answer as received. Body holds at most Options.MaxBody
// bytes, still content-encoded (see Decoded).
type Response struct {
	Status    int
	Proto     string
	Header    http.Header
	Body      []byte
	Truncated bool
	// BodySize is the full length read from the wire, kept or not.
	BodySize   int64
	Timing     Timing
	RemoteAddr string
}

// Send sends req and reads the answer. A non-2xx status is a Response, not
// an error: the error is only for "no HTTP answer came back", and is then
// an *Error with its Kind and a sentence for people.
//
// The request's headers go out as they are: Send adds no User-Agent and no
// Accept-Encoding of its own, so a replay carries exactly what was captured.
func Send(ctx context.Context, req *http.Request, opt Options) (*Response, error) {
	opt = opt.withDefaults()
	// Started before the deadline is set, so a timed-out exchange never
	// reports less time than its timeout.
	rec := newRecorder()
	if opt.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opt.Timeout)
		defer cancel()
	}
	tr := newTransport(opt)
	// A transport per exchange: each replay shows its own DNS, connect and
	// TLS times, and no idle connection outlives the call.
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: redirectPolicy(opt)}

	out := prepare(req.Clone(rec.attach(ctx)))
	resp, err := client.Do(out)
	if err != nil {
		return nil, classify(ctx, out.URL.Host, opt.Timeout, err, rec.timing())
	}
	defer resp.Body.Close()
	r := &Response{Status: resp.StatusCode, Proto: resp.Proto, Header: resp.Header, RemoteAddr: rec.remoteAddr()}
	if err := readBody(resp.Body, opt.MaxBody, r); err != nil {
		return nil, classify(ctx, out.URL.Host, opt.Timeout, fmt.Errorf("read the response body: %w", err), rec.timing())
	}
	r.Timing = rec.finish()
	return r, nil
}

func (o Options) withDefaults() Options {
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	return o
}

func newTransport(opt Options) *http.Transport {
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: opt.Insecure}, //nolint:gosec // the user's explicit choice
		TLSHandshakeTimeout: 0,                                             // the exchange's own deadline bounds it
		// Keep the response bytes as sent and add no Accept-Encoding.
		DisableCompression: true,
		DisableKeepAlives:  true,
		ForceAttemptHTTP2:  true,
	}
}

func redirectPolicy(opt Options) func(*http.Request, []*http.Request) error {
	if opt.FollowRedirects {
		return nil // net/http's default: up to 10
	}
	return func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
}

// prepare stops net/http from adding a User-Agent the caller did not set: a
// present key with no values suppresses the default.
func prepare(req *http.Request) *http.Request {
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if len(req.Header.Values("User-Agent")) == 0 {
		req.Header["User-Agent"] = nil
	}
	return req
}

// readBody keeps up to max bytes and drains the rest, counting it.
func readBody(body io.Reader, max int64, r *Response) error {
	kept, err := io.ReadAll(io.LimitReader(body, max))
	r.Body = kept
	r.BodySize = int64(len(kept))
	if err != nil {
		return err
	}
	rest, err := io.Copy(io.Discard, body)
	r.BodySize += rest
	r.Truncated = rest > 0
	return err
}

// ErrNoAnswer is wrapped by every *Error, for callers that only need to
// know that no HTTP answer came back.
var ErrNoAnswer = errors.New("no HTTP answer")

// Decoded is the body with a gzip or deflate Content-Encoding undone, for
// showing to people; other encodings come back as they are. A truncated
// body decodes as far as it goes, with the error saying where it stopped.
func (r *Response) Decoded() ([]byte, error) {
	var zr io.ReadCloser
	var err error
	switch strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))) {
	case "gzip", "x-gzip":
		zr, err = gzip.NewReader(bytes.NewReader(r.Body))
	case "deflate":
		// HTTP's deflate is meant to be zlib-wrapped; some servers send
		// raw deflate.
		if zr, err = zlib.NewReader(bytes.NewReader(r.Body)); err != nil {
			zr, err = flate.NewReader(bytes.NewReader(r.Body)), nil
		}
	default:
		return r.Body, nil
	}
	if err != nil {
		return r.Body, fmt.Errorf("decode the %s body: %w", r.Header.Get("Content-Encoding"), err)
	}
	defer zr.Close()
	out, err := io.ReadAll(zr)
	if err != nil {
		return out, fmt.Errorf("decode the %s body: %w", r.Header.Get("Content-Encoding"), err)
	}
	return out, nil
}
