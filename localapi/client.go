package localapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dev.hookscope/app"
	"dev.hookscope/signature"
	"dev.hookscope/storage"
	"dev.hookscope/wire"
)

// Client talks to a running Hookscope's local API.
type Client struct {
	http  *http.Client
	base  string
	token string
	where string // for messages: the socket path or TCP address
	// pingWithin bounds the first ping; 0 means 2 s (a socket or a
	// nearby TCP API answers at once, a remote may be across the world).
	pingWithin time.Duration
}

// ErrUnreachable is wrapped when no instance answers.
var ErrUnreachable = errors.New("no running Hookscope answered")

// ErrTokenRefused is wrapped when a TCP API answers the first call 401:
// the token is unknown there or revoked.
var ErrTokenRefused = errors.New("the token was refused")

// ErrStopped is wrapped when the instance stops (or its connection breaks)
// while a wait or an event stream is under way.
var ErrStopped = errors.New("the running Hookscope stopped")

// ErrWaitTimeout is wrapped by Wait's error when the wait's timeout passed
// before enough requests matched.
var ErrWaitTimeout = errors.New("the wait timed out")

// Dial connects to the socket of the database at dbPath and checks that
// something answers there. The socket must be this user's own and private,
// and the process serving it must run as this user, checked on every
// connection before anything is sent; otherwise the error matches
// ErrUntrusted and says what to do.
func Dial(dbPath string) (*Client, error) {
	sock := SocketPath(dbPath)
	if err := checkSocketFile(sock); err != nil {
		return nil, err
	}
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		if err := checkSocketFile(sock); err != nil {
			return nil, err
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "unix", sock)
		if err != nil {
			return nil, err
		}
		if err := checkPeer(conn, sock); err != nil {
			conn.Close()
			return nil, err
		}
		return conn, nil
	}}
	c := &Client{http: &http.Client{Transport: tr}, base: "http://hookscope", where: sock}
	if err := c.ping(); err != nil {
		tr.CloseIdleConnections()
		return nil, err
	}
	return c, nil
}

// DialTCP connects to a TCP API with its bearer token.
func DialTCP(addr, token string) (*Client, error) {
	c := &Client{http: &http.Client{}, base: "http://" + addr, token: token, where: addr}
	if err := c.ping(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) ping() error {
	within := c.pingWithin
	if within == 0 {
		within = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	resp, err := c.do(ctx, "GET", "/v1/ping", nil)
	var refused untrustedError
	if errors.As(err, &refused) {
		return refused
	}
	var changed *ChangedCertError
	if errors.As(err, &changed) {
		return changed
	}
	if err != nil {
		return fmt.Errorf("%w at %s: %v", ErrUnreachable, c.where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("%w: %w", ErrTokenRefused, answerError(resp))
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w at %s: ping answered %d", ErrUnreachable, c.where, resp.StatusCode)
	}
	return nil
}

func (c *Client) do(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.http.Do(req)
}

// call does one request and decodes a JSON answer into out.
func (c *Client) call(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	resp, err := c.do(context.Background(), method, path, body)
	if err != nil {
		return fmt.Errorf("the running Hookscope at %s: %w", c.where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return answerError(resp)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// answerError turns an error answer back into the error the store gave, so
// commands print the same sentence either way.
func answerError(resp *http.Response) error {
	var e wire.Error
	json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e)
	if e.Error == "" {
		e.Error = resp.Status
	}
	if resp.StatusCode == http.StatusNotFound {
		return remoteError{msg: e.Error, wrapped: storage.ErrNotFound}
	}
	return remoteError{msg: e.Error}
}

type remoteError struct {
	msg     string
	wrapped error
}

func (e remoteError) Error() string { return e.msg }
func (e remoteError) Unwrap() error { return e.wrapped }

// Summaries lists requests after afterID, oldest first.
func (c *Client) Summaries(afterID uint64, limit int) ([]storage.Summary, error) {
	q := url.Values{"since": {strconv.FormatUint(afterID, 10)}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return c.List(q)
}

// List lists requests with the API's filters (method, path, header,
// json_path, since, limit).
func (c *Client) List(q url.Values) ([]storage.Summary, error) {
	resp, err := c.do(context.Background(), "GET", "/v1/requests?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("the running Hookscope at %s: %w", c.where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, answerError(resp)
	}
	var out []storage.Summary
	dec := json.NewDecoder(resp.Body)
	for {
		var j wire.SummaryJSON
		if err := dec.Decode(&j); err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, fmt.Errorf("read the list from %s: %w", c.where, err)
		}
		s, err := j.Summary()
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
}

// Get returns one request. Its body comes as raw bytes after the JSON
// (see rawRecordType); an instance that answers plain JSON is read as
// before.
func (c *Client) Get(id uint64) (*storage.Record, error) {
	resp, err := c.do(context.Background(), "GET", "/v1/requests/"+strconv.FormatUint(id, 10)+"?body=raw", nil)
	if err != nil {
		return nil, fmt.Errorf("the running Hookscope at %s: %w", c.where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, answerError(resp)
	}
	var j wire.RequestJSON
	dec := json.NewDecoder(resp.Body)
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("request %d from %s: %w", id, c.where, err)
	}
	rec, err := j.Record()
	if err != nil || resp.Header.Get("Content-Type") != rawRecordType {
		return rec, err
	}
	rest := io.MultiReader(dec.Buffered(), resp.Body)
	body, err := io.ReadAll(rest)
	if err != nil {
		return nil, fmt.Errorf("the body of request %d from %s: %w", id, c.where, err)
	}
	// The encoder ends the JSON with one newline; the body follows it.
	if len(body) == 0 || body[0] != '\n' {
		return nil, fmt.Errorf("the body of request %d from %s does not follow its JSON", id, c.where)
	}
	rec.Body = body[1:]
	return rec, nil
}

// Append stores a request through the running instance.
func (c *Client) Append(ctx context.Context, rec *storage.Record) (uint64, error) {
	var out struct {
		ID uint64 `json:"id"`
	}
	err := c.call("POST", "/v1/requests", wire.NewRequestJSON(rec), &out)
	return out.ID, err
}

// Delete removes requests.
func (c *Client) Delete(ids ...uint64) error {
	for _, id := range ids {
		var out map[string]uint64
		if err := c.call("DELETE", "/v1/requests/"+strconv.FormatUint(id, 10), nil, &out); err != nil {
			return err
		}
	}
	return nil
}

// RuleAnswer is what a response rule answered request id; ok is false
// when none did.
func (c *Client) RuleAnswer(id uint64) (storage.AnswerRecord, bool, error) {
	var a *storage.AnswerRecord
	if err := c.call("GET", "/v1/requests/"+strconv.FormatUint(id, 10)+"/answer", nil, &a); err != nil || a == nil {
		return storage.AnswerRecord{}, false, err
	}
	return *a, true, nil
}

// SecretFor asks for the rule saved for a path (socket only).
func (c *Client) SecretFor(path string) (app.SecretRule, bool) {
	var rule app.SecretRule
	err := c.call("GET", "/v1/secrets/match?path="+url.QueryEscape(path), nil, &rule)
	return rule, err == nil
}

// Verify checks a request's signature in the running instance.
func (c *Client) Verify(id uint64, in wire.VerifyRequest) (signature.Result, error) {
	var res signature.Result
	err := c.call("POST", "/v1/requests/"+strconv.FormatUint(id, 10)+"/verify", in, &res)
	return res, err
}

// NewestID is the highest ID the running instance holds, 0 when none.
func (c *Client) NewestID() (uint64, error) {
	var out struct {
		Newest uint64 `json:"newest"`
	}
	err := c.call("GET", "/v1/ping", nil, &out)
	return out.Newest, err
}

// Wait long-polls for matches (see the server's wait). When its timeout
// passes first, the matches found until then are returned with an error
// wrapping ErrWaitTimeout; when the instance stops, or the connection
// breaks, before ctx ends, with one wrapping ErrStopped.
func (c *Client) Wait(ctx context.Context, q url.Values) ([]*storage.Record, error) {
	resp, err := c.do(ctx, "GET", "/v1/wait?"+q.Encode(), nil)
	if err != nil {
		return nil, c.broken(ctx, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusRequestTimeout, http.StatusServiceUnavailable:
		var e wire.WaitError
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
			return nil, c.broken(ctx, err)
		}
		var out []*storage.Record
		for _, j := range e.Requests {
			rec, err := j.Record()
			if err != nil {
				return out, err
			}
			out = append(out, rec)
		}
		if resp.StatusCode == http.StatusServiceUnavailable {
			return out, fmt.Errorf("%s: %w", e.Error, ErrStopped)
		}
		return out, fmt.Errorf("%s: %w", e.Error, ErrWaitTimeout)
	default:
		return nil, answerError(resp)
	}
	var out []*storage.Record
	dec := json.NewDecoder(resp.Body)
	for {
		var j wire.RequestJSON
		if err := dec.Decode(&j); err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, c.broken(ctx, err)
		}
		rec, err := j.Record()
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

// broken is the error for a connection that failed under a wait or an
// event stream: ctx's own when it ended, else the instance went away.
func (c *Client) broken(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("the running Hookscope at %s stopped answering (%v): %w", c.where, err, ErrStopped)
}

// Events calls fn for each new request until ctx ends (nil) or the
// server stops or goes (an error wrapping ErrStopped).
func (c *Client) Events(ctx context.Context, fn func(storage.Summary)) error {
	resp, err := c.do(ctx, "GET", "/v1/events", nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("the running Hookscope at %s: %w", c.where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return answerError(resp)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "data: ") {
			continue
		}
		var j wire.SummaryJSON
		if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &j); err != nil {
			continue
		}
		if s, err := j.Summary(); err == nil {
			fn(s)
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("the running Hookscope at %s stopped answering (%v): %w", c.where, err, ErrStopped)
	}
	return fmt.Errorf("the running Hookscope at %s stopped: %w", c.where, ErrStopped)
}

// Close releases idle connections.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	return nil
}

// AppendReplay keeps a replay in the running instance's history.
func (c *Client) AppendReplay(r storage.ReplayRecord) (uint64, error) {
	var out struct {
		ID uint64 `json:"id"`
	}
	err := c.call("POST", "/v1/replays", r, &out)
	return out.ID, err
}

// Replays lists the replays of one request, oldest first.
func (c *Client) Replays(id uint64) ([]storage.ReplayRecord, error) {
	var out []storage.ReplayRecord
	err := c.call("GET", "/v1/requests/"+strconv.FormatUint(id, 10)+"/replays", nil, &out)
	return out, err
}

// Retention reads the running instance's retention policy.
func (c *Client) Retention() (storage.Retention, error) {
	var r storage.Retention
	err := c.call("GET", "/v1/retention", nil, &r)
	return r, err
}

// SetRetention changes it; the instance prunes at once.
func (c *Client) SetRetention(r storage.Retention) error {
	var out storage.Retention
	return c.call("PUT", "/v1/retention", r, &out)
}
