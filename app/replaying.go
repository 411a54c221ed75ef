package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"dev.hookscope/replay"
	"dev.hookscope/sender"
	"dev.hookscope/storage"
)

// ErrNoSecret: re-signing was asked for without a secret, and none is saved.
var ErrNoSecret = errors.New("re-signing needs a secret")

// ReplaySpec is one replay as the window or the command line asks for it.
type ReplaySpec struct {
	Target string
	Edit   replay.Edit
	// Resign recomputes the signature headers over the body sent. Scheme
	// and Secret default to the rule saved for the path, else "auto".
	Resign         bool
	Scheme, Secret string
	Send           sender.Options
}

// PrepareReplay builds the request for spec and re-signs it when asked. It
// returns the body sent and the scheme used to re-sign ("" when not).
func PrepareReplay(rec *storage.Record, spec ReplaySpec, secretFor func(string) (SecretRule, bool)) (*http.Request, []byte, string, error) {
	req, err := replay.Build(rec, spec.Target, spec.Edit)
	if err != nil {
		return nil, nil, "", err
	}
	body := rec.Body
	if spec.Edit.ReplaceBody {
		body = spec.Edit.Body
	}
	if !spec.Resign {
		return req, body, "", nil
	}
	key, err := ResolveSigningKey(rec.Path, spec.Scheme, spec.Secret, rec.Header, secretFor)
	if err != nil {
		return nil, nil, "", err
	}
	// The URL a saved rule names is where the sender signed, not where the
	// replay goes: URL-signing schemes sign the target's URL.
	key.Options.URL, key.Options.Tolerance = "", 0
	if err := replay.Resign(req, body, key.Scheme, key.Options); err != nil {
		return nil, nil, "", err
	}
	if key.Saved && revealsSecret(req.Header, key.Options.Secret) {
		return nil, nil, "", fmt.Errorf("%s puts its secret in a header as it is, and a saved secret is never sent in clear: give the secret explicitly to re-sign", key.Scheme)
	}
	return req, body, key.Scheme, nil
}

// HistoryEntry is what the replay history keeps of one exchange.
func HistoryEntry(source uint64, req *http.Request, body []byte, scheme string, resp *sender.Response, err error) storage.ReplayRecord {
	r := storage.ReplayRecord{
		SourceID: source, At: time.Now(), Target: req.URL.String(), Method: req.Method, Resigned: scheme,
		RequestHeader: req.Header.Clone(), RequestBody: body,
	}
	if err != nil {
		r.Error, r.ErrorKind = err.Error(), sender.KindOther.String()
		if e, ok := sender.AsError(err); ok {
			r.Timing, r.ErrorKind = TimingMs(e.Timing), e.Kind.String()
		}
		return r
	}
	r.Status, r.ResponseHeader, r.ResponseBody = resp.Status, resp.Header, resp.Body
	r.Proto, r.RemoteAddr = resp.Proto, resp.RemoteAddr
	r.ResponseBodySize, r.ResponseTruncated, r.Timing = resp.BodySize, resp.Truncated, TimingMs(resp.Timing)
	return r
}

// TimingMs converts a timing to the milliseconds kept in history and JSON.
func TimingMs(t sender.Timing) storage.ReplayTiming {
	return storage.ReplayTiming{DNSMs: Millis(t.DNS), ConnectMs: Millis(t.Connect), TLSMs: Millis(t.TLS), FirstByteMs: Millis(t.FirstByte), TotalMs: Millis(t.Total)}
}

// Millis is a duration in milliseconds to the microsecond.
func Millis(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// Replay sends request id again as spec says, keeps the exchange in the
// history linked to its source, and returns it. An exchange that got no
// answer is kept too, with its error.
func (c *Core) Replay(ctx context.Context, id uint64, spec ReplaySpec) (storage.ReplayRecord, error) {
	entry, err := c.sendReplay(ctx, id, spec)
	if entry.Target != "" { // sent: counted whether or not it was saved
		c.tel.replay(entry)
	}
	return entry, err
}

// sendReplay is Replay without counting it as one: forwards send through
// it and are counted as forwards.
func (c *Core) sendReplay(ctx context.Context, id uint64, spec ReplaySpec) (storage.ReplayRecord, error) {
	rec, err := c.store.Get(id)
	if err != nil {
		return storage.ReplayRecord{}, err
	}
	req, body, scheme, err := PrepareReplay(rec, spec, c.SecretFor)
	if err != nil {
		return storage.ReplayRecord{}, err
	}
	resp, sendErr := sender.Send(ctx, req, spec.Send)
	entry := HistoryEntry(rec.ID, req, body, scheme, resp, sendErr)
	entry.ID, err = c.AppendReplay(entry)
	if err != nil {
		return entry, fmt.Errorf("sent, but not saved in the replay history: %w", err)
	}
	return entry, nil
}

// AppendReplay keeps an exchange in the history and tells subscribers.
func (c *Core) AppendReplay(r storage.ReplayRecord) (uint64, error) {
	id, err := c.store.AppendReplay(r)
	if err == nil {
		c.hub.Publish(ReplaysChanged)
	}
	return id, err
}

// Replays lists the replays of one request, oldest first.
func (c *Core) Replays(id uint64) ([]storage.ReplayRecord, error) { return c.store.Replays(id) }

// Draft returns the saved edit of a request, if any.
func (c *Core) Draft(id uint64) (storage.Draft, bool, error) { return c.store.Draft(id) }

// SaveDraft keeps an edit with its request until discarded.
func (c *Core) SaveDraft(id uint64, d storage.Draft) error {
	d.SavedAt = time.Now().UTC()
	return c.store.SaveDraft(id, d)
}

// DiscardDraft forgets the saved edit.
func (c *Core) DiscardDraft(id uint64) error { return c.store.DiscardDraft(id) }
