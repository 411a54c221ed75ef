package localapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"dev.hookscope/storage"
	"dev.hookscope/wire"
)

// GET /v1/events resumes: a client that lost the stream sends the last
// event ID it saw (SSE's Last-Event-ID header, or ?after=ID) and first
// gets every request stored after it, then the live ones, so an attached
// window misses nothing across a reconnect (docs/cli.md, "GET /v1/events").

// resumeFrom is the ID a stream resumes after, when the caller gave one
// not above newest (a higher one names another store: start at newest).
func resumeFrom(r *http.Request, newest uint64) (uint64, bool) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("after")
	}
	if v == "" {
		return 0, false
	}
	id, err := strconv.ParseUint(v, 10, 64)
	if err != nil || id > newest {
		return newest, false
	}
	return id, true
}

// Stream calls fn for each request stored after after, then for each new
// one, until ctx ends (nil) or the stream breaks (an error wrapping
// ErrStopped, or the server's refusal). opened is called once the server
// has accepted the stream, before any event.
func (c *Client) Stream(ctx context.Context, after uint64, opened func(), fn func(storage.Summary)) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/v1/events", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Last-Event-ID", strconv.FormatUint(after, 10))
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return c.broken(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return answerError(resp)
	}
	if opened != nil {
		opened()
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var j wire.SummaryJSON
		if err := json.Unmarshal([]byte(line), &j); err != nil {
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
		return c.broken(ctx, err)
	}
	return fmt.Errorf("the running Hookscope at %s stopped: %w", c.where, ErrStopped)
}
