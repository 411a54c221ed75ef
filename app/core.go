package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"hookscope/app/signature"
	"hookscope/capture"
	"hookscope/storage"
)

// Config is what both the window and `serve` start from.
type Config struct {
	DBPath  string
	Listen  string
	MaxBody int64
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
	// secretsMu is apart from mu: in-flight captures read the secrets while
	// a listener change holds mu and waits for them to finish.
	secretsMu sync.RWMutex
	secrets   secretBook
}

// Open opens the store; the listener is started separately so a taken port
// does not stop the window from showing what is already stored.
func Open(cfg Config) (*Core, error) {
	if cfg.DBPath == "" {
		cfg.DBPath = DefaultDBPath()
	}
	if cfg.Listen == "" {
		cfg.Listen = capture.DefaultAddr
	}
	st, err := storage.Open(cfg.DBPath, storage.Options{})
	if err != nil {
		return nil, err
	}
	secrets, err := loadSecrets(st)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &Core{cfg: cfg, store: st, hub: NewHub(), secrets: secrets}, nil
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
	srv, err := capture.Start(c.store, capture.Config{
		Addr:     addr,
		MaxBody:  c.cfg.MaxBody,
		Annotate: c.annotate,
		OnStored: func(storage.Summary) { c.hub.Publish(Added) },
	})
	if err != nil {
		return err
	}
	old := c.server
	c.server = srv
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

// Secrets returns the saved signature rules, longest prefix first.
func (c *Core) Secrets() []SecretRule {
	c.secretsMu.RLock()
	defer c.secretsMu.RUnlock()
	return append([]SecretRule(nil), c.secrets.rules...)
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

// DeleteSecret forgets the rule for prefix.
func (c *Core) DeleteSecret(prefix string) error {
	return c.updateSecrets(func(rules []SecretRule) []SecretRule {
		out := rules[:0]
		for _, r := range rules {
			if r.Prefix != prefix {
				out = append(out, r)
			}
		}
		return out
	})
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
	return nil
}

// VerifyRecord checks rec with the given scheme and options.
func VerifyRecord(rec *storage.Record, scheme string, opt signature.Options) (signature.Result, error) {
	return signature.Verify(scheme, SignatureRequest(rec), opt)
}

// annotate verifies a capture on arrival when its path has a saved secret,
// so the verdict is committed with the request itself.
func (c *Core) annotate(rec *storage.Record) {
	rule, ok := c.SecretFor(rec.Path)
	if !ok {
		return
	}
	res, err := VerifyRecord(rec, rule.Scheme, rule.Options())
	if err != nil {
		return
	}
	rec.Signature = Verdict(res)
}

// Append stores a request that did not come through the listener (import,
// the local API) and tells subscribers.
func (c *Core) Append(ctx context.Context, rec *storage.Record) (uint64, error) {
	id, err := c.store.Append(ctx, rec)
	if err == nil {
		c.hub.Publish(Added)
	}
	return id, err
}
