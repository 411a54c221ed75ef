package localapi

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"dev.hookscope/alerts"
	"dev.hookscope/app"
	"dev.hookscope/contract"
	"dev.hookscope/rules"
	"dev.hookscope/storage"
)

// RemoteSource is the window's store when it is attached to a `serve
// --api --api-tls` elsewhere (docs/cli.md, "Attach the window"). It keeps
// the summaries in memory (a list of a store's rows, as the local list
// reads them from the file), follows GET /v1/events to add new ones,
// reconnects with capped exponential backoff resuming after the last ID
// seen, and fetches a record only when asked, keeping the latest few in a
// bounded memory cache. Nothing is written to disk on this machine: the
// replay target and drafts live for the session only.
//
// Every action runs on the server with the token's role; a refusal comes
// back as the server's one sentence.
type RemoteSource struct {
	c        *Client
	hostport string
	hub      *app.Hub
	cancel   context.CancelFunc
	done     chan struct{}
	opt      AttachOptions

	mu       sync.Mutex
	sums     []storage.Summary // oldest first
	listener string
	settings map[string]string
	drafts   map[uint64]storage.Draft
	status   RemoteStatus
	onStatus func(RemoteStatus)

	cache   *recordCache
	fetched atomic.Int64 // records Get read from the server
}

var _ app.Source = (*RemoteSource)(nil)

// AttachOptions tune Attach; the zero value is what the window uses.
type AttachOptions struct {
	// MinBackoff is the first wait before reconnecting (default 1 s); it
	// doubles after each failure up to MaxBackoff (default 30 s).
	MinBackoff, MaxBackoff time.Duration
	// CacheBytes bounds the records kept in memory (default 64 MiB).
	CacheBytes int
}

// RemoteStatus is the event stream's state, for the window's banner.
type RemoteStatus struct {
	HostPort  string
	Connected bool
	// RetryIn is the wait before the next attempt, when not connected.
	RetryIn time.Duration
	// Err is why the stream broke.
	Err error
}

// Attach reads the remote's list and follows its events until Close.
// hostport names the remote in messages (ParseRemote gives it).
func Attach(c *Client, hostport string, opt AttachOptions) (*RemoteSource, error) {
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = time.Second
	}
	if opt.MaxBackoff < opt.MinBackoff {
		opt.MaxBackoff = max(30*time.Second, opt.MinBackoff)
	}
	if opt.CacheBytes <= 0 {
		opt.CacheBytes = 64 << 20
	}
	sums, err := c.Summaries(0, 0)
	if err != nil {
		return nil, fmt.Errorf("list the requests of %s: %w", hostport, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &RemoteSource{c: c, hostport: hostport, hub: app.NewHub(), cancel: cancel, done: make(chan struct{}), opt: opt,
		sums: sums, settings: map[string]string{}, drafts: map[uint64]storage.Draft{},
		status: RemoteStatus{HostPort: hostport, Connected: true}, cache: newRecordCache(opt.CacheBytes)}
	s.listener = s.pingListener()
	go s.follow(ctx)
	return s, nil
}

// HostPort is the remote's HOST:PORT.
func (s *RemoteSource) HostPort() string { return s.hostport }

// OnStatus sets fn to hear every change of the stream's state (from the
// stream's goroutine).
func (s *RemoteSource) OnStatus(fn func(RemoteStatus)) {
	s.mu.Lock()
	s.onStatus = fn
	s.mu.Unlock()
}

// Status is the stream's state now.
func (s *RemoteSource) Status() RemoteStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

func (s *RemoteSource) setStatus(st RemoteStatus) {
	st.HostPort = s.hostport
	s.mu.Lock()
	s.status = st
	fn := s.onStatus
	s.mu.Unlock()
	if fn != nil {
		fn(st)
	}
}

// follow keeps the event stream open, resuming after the newest ID held.
func (s *RemoteSource) follow(ctx context.Context) {
	defer close(s.done)
	delay := s.opt.MinBackoff
	for {
		opened := func() {
			delay = s.opt.MinBackoff
			if u := s.pingListener(); u != "" {
				s.mu.Lock()
				s.listener = u
				s.mu.Unlock()
			}
			if !s.Status().Connected {
				s.setStatus(RemoteStatus{Connected: true})
			}
		}
		err := s.c.Stream(ctx, s.newest(), opened, s.add)
		if ctx.Err() != nil {
			return
		}
		s.setStatus(RemoteStatus{RetryIn: delay, Err: err})
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, s.opt.MaxBackoff)
	}
}

func (s *RemoteSource) pingListener() string {
	var out struct {
		Listening string `json:"listening"`
	}
	if s.c.call("GET", "/v1/ping", nil, &out) != nil {
		return ""
	}
	return out.Listening
}

func (s *RemoteSource) newest() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sums) == 0 {
		return 0
	}
	return s.sums[len(s.sums)-1].ID
}

// add keeps a summary the stream sent (a resumed stream may repeat none,
// but an ID not above the newest is ignored all the same).
func (s *RemoteSource) add(sum storage.Summary) {
	s.mu.Lock()
	if n := len(s.sums); n > 0 && sum.ID <= s.sums[n-1].ID {
		s.mu.Unlock()
		return
	}
	s.sums = append(s.sums, sum)
	s.mu.Unlock()
	s.hub.Publish(app.Added)
}

// Subscribe announces Added for each request streamed, Reset after a
// delete from this window, ReplaysChanged after a replay.
func (s *RemoteSource) Subscribe() *app.Subscription { return s.hub.Subscribe() }

// Close stops following the remote.
func (s *RemoteSource) Close() error {
	s.cancel()
	<-s.done
	return s.c.Close()
}

// find is the index of id in sums, or -1; call with mu held.
func (s *RemoteSource) find(id uint64) int {
	i := sort.Search(len(s.sums), func(i int) bool { return s.sums[i].ID >= id })
	if i < len(s.sums) && s.sums[i].ID == id {
		return i
	}
	return -1
}

func (s *RemoteSource) Summaries(afterID uint64, limit int) ([]storage.Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.sums), func(i int) bool { return s.sums[i].ID > afterID })
	page := s.sums[i:]
	if limit > 0 && len(page) > limit {
		page = page[:limit]
	}
	return slices.Clone(page), nil
}

func (s *RemoteSource) Summary(id uint64) (storage.Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.find(id); i >= 0 {
		return s.sums[i], nil
	}
	return storage.Summary{}, fmt.Errorf("request %d: %w", id, storage.ErrNotFound)
}

func (s *RemoteSource) IDs() ([]uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]uint64, len(s.sums))
	for i, sum := range s.sums {
		ids[i] = sum.ID
	}
	return ids, nil
}

func (s *RemoteSource) Count() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sums), nil
}

func (s *RemoteSource) NewestID() (uint64, error) { return s.newest(), nil }

func (s *RemoteSource) OldestID() (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sums) == 0 {
		return 0, nil
	}
	return s.sums[0].ID, nil
}

// FilterIDs checks the summaries here and, for a filter on headers or
// bodies, fetches each candidate's record (not kept: a search through
// every body must not push the inspector's out of the cache).
func (s *RemoteSource) FilterIDs(ctx context.Context, f app.Filter, progress func(done, total int)) ([]uint64, error) {
	all, _ := s.Summaries(0, 0)
	var out []uint64
	for i, sum := range all {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if f.MatchSummary(sum) && (!f.NeedsRecord() || s.recordMatches(f, sum.ID)) {
			out = append(out, sum.ID)
		}
		if progress != nil && (i%256 == 255 || i == len(all)-1) {
			progress(i+1, len(all))
		}
	}
	return out, nil
}

func (s *RemoteSource) recordMatches(f app.Filter, id uint64) bool {
	rec, ok := s.cache.get(id)
	if !ok {
		var err error
		if rec, err = s.c.Get(id); err != nil {
			return false
		}
	}
	return f.Match(rec)
}

func (s *RemoteSource) Matches(f app.Filter, id uint64) bool {
	sum, err := s.Summary(id)
	if err != nil || !f.MatchSummary(sum) {
		return false
	}
	return !f.NeedsRecord() || s.recordMatches(f, id)
}

// Get fetches a record once and keeps it in the memory cache, so the
// inspector's tabs and a compare read a 5 MB body over the network once.
func (s *RemoteSource) Get(id uint64) (*storage.Record, error) {
	if rec, ok := s.cache.get(id); ok {
		return rec, nil
	}
	rec, err := s.c.Get(id)
	if err != nil {
		return nil, err
	}
	s.fetched.Add(1)
	s.cache.put(rec)
	return rec, nil
}

func (s *RemoteSource) Append(ctx context.Context, rec *storage.Record) (uint64, error) {
	return s.c.Append(ctx, rec)
}

// Delete deletes on the server, then forgets the requests here.
func (s *RemoteSource) Delete(ids ...uint64) error {
	err := s.c.Delete(ids...)
	// Forget those the server deleted before an error (it stops at the
	// first): ask it which still exist only when something failed.
	gone := ids
	if err != nil {
		gone = nil
		for _, id := range ids {
			if _, gerr := s.c.Get(id); errors.Is(gerr, storage.ErrNotFound) {
				gone = append(gone, id)
			}
		}
	}
	if len(gone) > 0 {
		s.forget(gone)
	}
	return err
}

func (s *RemoteSource) forget(ids []uint64) {
	drop := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		drop[id] = true
		s.cache.remove(id)
	}
	s.mu.Lock()
	s.sums = slices.DeleteFunc(s.sums, func(sum storage.Summary) bool { return drop[sum.ID] })
	s.mu.Unlock()
	s.hub.Publish(app.Reset)
}

// Clear deletes every request listed here, on the server.
func (s *RemoteSource) Clear() error {
	ids, _ := s.IDs()
	return s.Delete(ids...)
}

func (s *RemoteSource) RuleAnswer(id uint64) (storage.AnswerRecord, bool, error) {
	return s.c.RuleAnswer(id)
}

// ForwardResult: the API has no route for it; a forward is also in the
// request's replay history (its ReplayID), which the replay tab lists.
func (s *RemoteSource) ForwardResult(uint64) (storage.ForwardResult, bool, error) {
	return storage.ForwardResult{}, false, nil
}

// Replay runs on the server: its sender, its network, its localhost.
func (s *RemoteSource) Replay(ctx context.Context, id uint64, spec app.ReplaySpec) (storage.ReplayRecord, error) {
	r, err := s.c.Replay(ctx, id, spec)
	if err == nil || r.ID != 0 {
		s.hub.Publish(app.ReplaysChanged)
	}
	return r, err
}

func (s *RemoteSource) Replays(id uint64) ([]storage.ReplayRecord, error) { return s.c.Replays(id) }

// Drafts and settings are kept for this session only: nothing of a remote
// store is written on this machine.
func (s *RemoteSource) Draft(id uint64) (storage.Draft, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.drafts[id]
	return d, ok, nil
}

func (s *RemoteSource) SaveDraft(id uint64, d storage.Draft) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drafts[id] = d
	return nil
}

func (s *RemoteSource) DiscardDraft(id uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.drafts, id)
	return nil
}

func (s *RemoteSource) Setting(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings[name]
}

func (s *RemoteSource) PutSetting(name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings[name] = value
	return nil
}

// ListenerURL is where the remote's listener captures, as its ping said.
func (s *RemoteSource) ListenerURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listener
}

// SecretFor: saved secrets never leave the server over TCP; its verify
// route uses them there (docs/cli.md, "Roles").
func (s *RemoteSource) SecretFor(string) (app.SecretRule, bool) { return app.SecretRule{}, false }

func (s *RemoteSource) SaveSecret(rule app.SecretRule) error     { return s.c.SaveSecret(rule) }
func (s *RemoteSource) Retention() (storage.Retention, error)    { return s.c.Retention() }
func (s *RemoteSource) SetRetention(r storage.Retention) error   { return s.c.SetRetention(r) }
func (s *RemoteSource) ResponseRules() ([]rules.Rule, error)     { return s.c.ResponseRules() }
func (s *RemoteSource) SetResponseRules(list []rules.Rule) error { return s.c.SetResponseRules(list) }
func (s *RemoteSource) ForwardRules() ([]app.ForwardRule, error) { return s.c.ForwardRules() }
func (s *RemoteSource) SetForwardRules(list []app.ForwardRule) error {
	return s.c.SetForwardRules(list)
}

// Alerts are the server's: it evaluates them and posts their webhooks.
func (s *RemoteSource) AlertRules() ([]alerts.Rule, error)          { return s.c.AlertRules() }
func (s *RemoteSource) SetAlertRules(list []alerts.Rule) error      { return s.c.SetAlertRules(list) }
func (s *RemoteSource) FiredAlerts() ([]alerts.Fired, error)        { return s.c.FiredAlerts() }
func (s *RemoteSource) TestAlert(name string) (alerts.Fired, error) { return s.c.TestAlert(name) }

// Metrics and MetricsSinceStart are the server's Monitor figures.
func (s *RemoteSource) Metrics(now time.Time, window time.Duration) (app.Metrics, error) {
	return s.c.Metrics(now, window)
}

func (s *RemoteSource) MetricsSinceStart() (app.SinceStart, error) { return s.c.MetricsSinceStart() }

// ContractVerdict and CheckContract use the specs attached on the server.
func (s *RemoteSource) ContractVerdict(id uint64) (*contract.Verdict, error) {
	return s.c.ContractVerdict(id)
}

func (s *RemoteSource) CheckContract(id uint64, spec []byte) (contract.Verdict, error) {
	return s.c.CheckContract(id, spec)
}

// recordCache keeps the most recently read records up to a byte budget
// (their bodies), in memory only. A record bigger than the budget is not
// kept.
type recordCache struct {
	mu     sync.Mutex
	budget int
	used   int
	order  *list.List // front: most recent; values are *storage.Record
	byID   map[uint64]*list.Element
}

func newRecordCache(budget int) *recordCache {
	return &recordCache{budget: budget, order: list.New(), byID: map[uint64]*list.Element{}}
}

func (c *recordCache) get(id uint64) (*storage.Record, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[id]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*storage.Record), true
	}
	return nil, false
}

func (c *recordCache) put(rec *storage.Record) {
	n := len(rec.Body)
	if n > c.budget {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byID[rec.ID]; ok {
		return
	}
	c.byID[rec.ID] = c.order.PushFront(rec)
	c.used += n
	for c.used > c.budget {
		e := c.order.Back()
		old := e.Value.(*storage.Record)
		c.order.Remove(e)
		delete(c.byID, old.ID)
		c.used -= len(old.Body)
	}
}

func (c *recordCache) remove(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[id]; ok {
		c.used -= len(e.Value.(*storage.Record).Body)
		c.order.Remove(e)
		delete(c.byID, id)
	}
}

func (c *recordCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}
