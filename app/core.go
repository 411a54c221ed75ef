package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"dev.hookscope/capture"
	"dev.hookscope/replay"
	"dev.hookscope/signature"
	"dev.hookscope/storage"
)

// Config is what both the window and `serve` start from. The zero value of
// each listener option keeps the default: plain HTTP, open to anyone who
// can reach the address.
type Config struct {
	DBPath  string
	Listen  string
	MaxBody int64
	// MaxInflight bounds the bytes of bodies being received at once
	// (0: capture.DefaultMaxInflight).
	MaxInflight int64

	// TLS serves HTTPS with a self-signed certificate created once and
	// kept in the database, so its fingerprint can be pinned.
	TLS bool
	// Allow, when not empty, admits only these client ranges (403 else).
	Allow []netip.Prefix
	// Token requires "Authorization: Bearer <Token>" or
	// "X-Hookscope-Token: <Token>" (401 else). Never printed.
	Token string
	// BasicAuth ("user:pass") requires HTTP basic auth (401 else).
	BasicAuth string
	// Rate caps accepted requests per second (429 over it); 0: no limit.
	Rate float64
	// Notices receives the listener's start-up notes: the TLS fingerprint
	// and a warning when it is reachable from other machines unguarded.
	// nil discards them.
	Notices io.Writer
}

// DefaultDBPath is HOOKSCOPE_DB, else hookscope.db under the user's config
// directory.
func DefaultDBPath() string {
	if p := os.Getenv("HOOKSCOPE_DB"); p != "" {
		return p
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, "hookscope", "hookscope.db")
}

// Core owns the store and the listener.
type Core struct {
	cfg    Config
	store  *storage.Store
	hub    *Hub
	mu     sync.Mutex
	server *capture.Server
	tlsFP  string
	// secretsMu is apart from mu: in-flight captures read the secrets while
	// a listener change holds mu and waits for them to finish.
	secretsMu sync.RWMutex
	secrets   secretBook
	forward   *forwarder
	retention *retentionLoop
	responses *responder
	contracts *contractBook
	alerts    *alerter
	closeOnce sync.Once
	dups      *replay.DuplicateIndex
	// background is set once StartBackground has run.
	background sync.Once
	started    bool
	// tel is the Core's Prometheus metrics (promexport.go).
	tel *telemetry
}

// Open opens the store and starts nothing: a one-shot command gets the same
// Core as the window without forward workers, a retention loop or a
// duplicate warm-up. The window and `serve` call StartBackground, and start
// the listener separately, so a taken port does not stop the window from
// showing what is already stored.
func Open(cfg Config) (*Core, error) {
	if cfg.DBPath == "" {
		cfg.DBPath = DefaultDBPath()
	}
	if cfg.Listen == "" {
		cfg.Listen = capture.DefaultAddr
	}
	tel := newTelemetry()
	st, err := storage.Open(cfg.DBPath, storage.Options{OnCommit: tel.commit})
	if err != nil {
		return nil, err
	}
	secrets, err := loadSecrets(st)
	if err != nil {
		st.Close()
		return nil, err
	}
	rules, err := loadForwardRules(st)
	if err != nil {
		st.Close()
		return nil, err
	}
	c := &Core{cfg: cfg, store: st, hub: NewHub(), secrets: secrets, dups: replay.NewDuplicateIndex(0), tel: tel}
	c.forward = newForwarder(c, rules)
	c.responses = newResponder(st)
	c.contracts = newContractBook(c)
	c.alerts = newAlerter(c)
	tel.watch(c)
	return c, nil
}

// StartBackground starts what a long-running capturer needs: forwarding
// workers, the retention loop, and the duplicate index warmed with the
// latest requests. Calling it again does nothing.
func (c *Core) StartBackground() {
	c.background.Do(func() {
		c.forward.start()
		c.contracts.start()
		c.warmDuplicates()
		c.startRetention()
		c.alerts.start()
		c.started = true
	})
}

// DBPath is the database file in use.
func (c *Core) DBPath() string { return c.cfg.DBPath }

// ConfiguredAddr is the address the listener starts on by default.
func (c *Core) ConfiguredAddr() string { return c.cfg.Listen }

// Subscribe returns a subscription to changes.
func (c *Core) Subscribe() *Subscription { return c.hub.Subscribe() }

// StartListener starts capturing on addr ("" = the configured address),
// replacing a running listener only once the new one is bound.
func (c *Core) StartListener(addr string) error {
	if addr == "" {
		addr = c.cfg.Listen
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ccfg := capture.Config{
		Addr:      addr,
		MaxBody:   c.cfg.MaxBody,
		Annotate:  c.annotate,
		OnStored:  c.stored,
		Respond:   c.respond,
		Allow:     c.cfg.Allow,
		Token:     c.cfg.Token,
		BasicAuth: c.cfg.BasicAuth,
		Rate:      c.cfg.Rate,
		Observer:  c.tel,
	}
	ccfg.MaxInflight = c.cfg.MaxInflight
	fingerprint := ""
	if c.cfg.TLS {
		cert, err := capture.LoadOrCreateCert(c.store)
		if err != nil {
			return err
		}
		ccfg.TLSCert = &cert
		fingerprint = capture.Fingerprint(cert)
	}
	srv, err := capture.Start(c.store, ccfg)
	if err != nil {
		return err
	}
	if w := c.cfg.Notices; w != nil {
		if ccfg.TLSCert != nil {
			fmt.Fprintf(w, "TLS certificate SHA-256 fingerprint %s (self-signed; pin it, e.g. curl -k --pinnedpubkey %s)\n", fingerprint, capture.PublicKeyPin(*ccfg.TLSCert))
		}
		if !srv.Loopback() && !srv.Guarded() {
			fmt.Fprintf(w, "warning: %s can be reached from other machines and takes requests from anyone: add --token, --basic-auth or --allow\n", srv.URL())
		}
	}
	old := c.server
	c.server = srv
	c.tlsFP = fingerprint
	c.cfg.Listen = addr
	if old != nil {
		shutdown(old)
	}
	c.hub.Publish(ListenerChanged)
	return nil
}

// StopListener stops capturing; stored requests stay readable.
func (c *Core) StopListener() {
	c.mu.Lock()
	srv := c.server
	c.server = nil
	c.mu.Unlock()
	if srv != nil {
		shutdown(srv)
		c.hub.Publish(ListenerChanged)
	}
}

func shutdown(srv *capture.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}

// TLSFingerprint is the SHA-256 fingerprint of the running listener's
// certificate (colon-separated hex), or "" when it is plain HTTP or stopped.
func (c *Core) TLSFingerprint() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.server == nil {
		return ""
	}
	return c.tlsFP
}

// ListenerURL is the running listener's base URL, or "" when stopped.
func (c *Core) ListenerURL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.server == nil {
		return ""
	}
	return c.server.URL()
}

// Close stops the listener (letting in-flight requests finish) and closes
// the store.
func (c *Core) Close() error {
	c.StopListener()
	c.closeOnce.Do(func() {
		// Stops StartBackground from starting anything from now on.
		c.background.Do(func() {})
		if c.started {
			c.stopRetention()
			c.forward.close()
			c.contracts.close()
			c.alerts.close()
		}
	})
	if err := c.store.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// Summaries returns stored summaries after afterID, oldest first.
func (c *Core) Summaries(afterID uint64, limit int) ([]storage.Summary, error) {
	return c.store.Summaries(afterID, limit)
}

// Summary returns one summary.
func (c *Core) Summary(id uint64) (storage.Summary, error) { return c.store.Summary(id) }

// IDs returns every stored ID, oldest first.
func (c *Core) IDs() ([]uint64, error) { return c.store.IDs() }

// Get returns one whole request.
func (c *Core) Get(id uint64) (*storage.Record, error) { return c.store.Get(id) }

// Delete removes requests and tells subscribers.
func (c *Core) Delete(ids ...uint64) error {
	if err := c.store.Delete(ids...); err != nil {
		return err
	}
	c.hub.Publish(Reset)
	return nil
}

// Clear removes every request and tells subscribers.
func (c *Core) Clear() error {
	if err := c.store.Clear(); err != nil {
		return err
	}
	c.hub.Publish(Reset)
	return nil
}

// SecretRules lists the saved signature rules, longest prefix first, with
// each secret masked: no surface prints a saved secret.
func (c *Core) SecretRules() ([]SecretRule, error) {
	c.secretsMu.RLock()
	defer c.secretsMu.RUnlock()
	out := make([]SecretRule, len(c.secrets.rules))
	for i, r := range c.secrets.rules {
		r.Secret = MaskSecret(r.Secret)
		out[i] = r
	}
	return out, nil
}

// SecretFor returns the rule for a path, if one is saved.
func (c *Core) SecretFor(path string) (SecretRule, bool) {
	c.secretsMu.RLock()
	defer c.secretsMu.RUnlock()
	return c.secrets.match(path)
}

// SaveSecret adds or replaces the rule for rule.Prefix.
func (c *Core) SaveSecret(rule SecretRule) error {
	if rule.Prefix == "" || !strings.HasPrefix(rule.Prefix, "/") {
		return fmt.Errorf("a path prefix starts with / (got %q)", rule.Prefix)
	}
	if _, err := signature.Lookup(rule.Scheme); err != nil {
		return err
	}
	return c.updateSecrets(func(rules []SecretRule) []SecretRule {
		out := rules[:0]
		for _, r := range rules {
			if r.Prefix != rule.Prefix {
				out = append(out, r)
			}
		}
		return append(out, rule)
	})
}

// ErrNoSuchSecret is returned by DeleteSecret for a prefix with no rule.
var ErrNoSuchSecret = errors.New("no secret is saved for that prefix")

// DeleteSecret forgets the rule for prefix.
func (c *Core) DeleteSecret(prefix string) error {
	found := false
	err := c.updateSecrets(func(rules []SecretRule) []SecretRule {
		out := rules[:0]
		for _, r := range rules {
			if r.Prefix != prefix {
				out = append(out, r)
			} else {
				found = true
			}
		}
		return out
	})
	if err == nil && !found {
		return fmt.Errorf("%w (%s; hookscope secrets lists them)", ErrNoSuchSecret, prefix)
	}
	return err
}

func (c *Core) updateSecrets(change func([]SecretRule) []SecretRule) error {
	c.secretsMu.Lock()
	defer c.secretsMu.Unlock()
	rules := change(append([]SecretRule(nil), c.secrets.rules...))
	raw, err := json.Marshal(rules)
	if err != nil {
		return err
	}
	if err := c.store.PutSetting(settingSecrets, raw); err != nil {
		return fmt.Errorf("save the signature secret: %w", err)
	}
	c.secrets = newSecretBook(rules)
	c.hub.Publish(SettingsChanged)
	return nil
}

// ParseTolerance reads a timestamp window given by a caller of verify, the
// command line's --tolerance and the API's "tolerance" alike: a Go
// duration, where any zero one (0, 0s, 0m) turns the check off
// (signature.NoTolerance). A negative one is an error.
func ParseTolerance(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return 0, fmt.Errorf("tolerance %q is not a duration (like 5m or 300s; 0 turns the check off)", s)
	}
	if d == 0 {
		return signature.NoTolerance, nil
	}
	return d, nil
}

// Apply is the caller's options with this key in them: its secret and
// scheme options, and, when the saved secret is used, the URL and the
// timestamp window saved with it wherever the caller gave none.
func (k SigningKey) Apply(opt signature.Options) signature.Options {
	opt.Secret = k.Options.Secret
	if k.Saved {
		if opt.URL == "" {
			opt.URL = k.Options.URL
		}
		if opt.Tolerance == 0 {
			opt.Tolerance = k.Options.Tolerance
		}
	}
	return opt
}

// VerifyRecord checks rec with the given scheme and options.
func VerifyRecord(rec *storage.Record, scheme string, opt signature.Options) (signature.Result, error) {
	return signature.Verify(scheme, SignatureRequest(rec), opt)
}

// annotate adds what is known before the commit, so it is stored with the
// request itself: the signature verdict (when the path has a saved secret)
// and the earlier request this one repeats.
func (c *Core) annotate(rec *storage.Record) {
	rec.EventKey = c.eventKey(rec)
	if first, ok := c.dups.Peek(rec.EventKey); ok {
		rec.DuplicateOf = first
	}
	c.verifyOnArrival(rec)
}

// stored runs after the commit: announce, remember the event, forward.
func (c *Core) stored(rec *storage.Record) {
	c.dups.Seen(rec.EventKey, rec.ID)
	c.hub.Publish(Added)
	c.forward.enqueue(rec.Summary)
	c.contracts.enqueue(rec.Summary)
}

func (c *Core) eventKey(rec *storage.Record) string {
	key, _ := replay.EventKey(rec)
	return key
}

// warmDuplicates remembers the events of the most recent requests, so a
// redelivery right after a restart is still recognised.
func (c *Core) warmDuplicates() {
	newest, err := c.store.NewestID()
	if err != nil || newest == 0 {
		return
	}
	after := uint64(0)
	if newest > warmDuplicateCount {
		after = newest - warmDuplicateCount
	}
	sums, err := c.store.Summaries(after, 0)
	if err != nil {
		return
	}
	for _, s := range sums {
		if rec, err := c.store.Get(s.ID); err == nil {
			c.dups.Seen(c.eventKey(rec), rec.ID)
		}
	}
}

// warmDuplicateCount bounds start-up work: reading this many bodies takes
// well under a second.
const warmDuplicateCount = 5000

// verifyOnArrival checks the signature when the path has a saved secret.
func (c *Core) verifyOnArrival(rec *storage.Record) {
	rule, ok := c.SecretFor(rec.Path)
	if !ok {
		return
	}
	res, err := VerifyRecord(rec, rule.Scheme, rule.Options())
	if err != nil && !errors.Is(err, signature.ErrConfig) {
		return
	}
	// A saved secret that cannot check anything (a Discord secret that is
	// not a key) marks its requests invalid, so the list shows the path
	// needs attention.
	rec.Signature = Verdict(res)
	c.tel.signature(rule.Scheme, res)
}

// Append stores a request that did not come through the listener (import,
// the local API) and tells subscribers.
func (c *Core) Append(ctx context.Context, rec *storage.Record) (uint64, error) {
	// An imported request's "duplicate of" names an ID of the store it
	// came from, which means nothing here.
	rec.DuplicateOf = 0
	id, err := c.store.Append(ctx, rec)
	if err == nil {
		c.hub.Publish(Added)
	}
	return id, err
}

// Count is the number of stored requests (one read, not a walk).
func (c *Core) Count() (int, error) { return c.store.Count() }

// OldestID is the lowest stored ID, 0 when empty.
func (c *Core) OldestID() (uint64, error) { return c.store.OldestID() }
