package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"dev.hookscope/app/broker"
	"dev.hookscope/capture"
	"dev.hookscope/replay"
	"dev.hookscope/sender"
	"dev.hookscope/storage"
)

const (
	settingForward = storage.SettingForwardRules
	// forwardQueue bounds captures waiting to be forwarded: a slow target
	// costs memory up to here, then forwards are dropped and say so; the
	// captures themselves are already stored either way.
	forwardQueue   = 1024
	forwardWorkers = 4
	forwardTimeout = 30 * time.Second
)

// ForwardRule sends every capture under Prefix on to Target after it is
// stored. Target is a base URL (the captured path and query are appended)
// or a full URL.
//
// With Relay the capture's sender waits and gets the target's answer, as
// through a transparent proxy; without it the sender gets Hookscope's own
// answer at once and the target's answer is only recorded.
type ForwardRule struct {
	Prefix  string `json:"prefix"`
	Target  string `json:"target"`
	Enabled bool   `json:"enabled"`
	Relay   bool   `json:"relay,omitempty"`
}

// forwarder delivers stored captures to their targets off the capture path.
type forwarder struct {
	core  *Core
	mu    sync.RWMutex
	rules []ForwardRule
	queue chan forwardJob
	wg    sync.WaitGroup
	// running is set by start; a passive core queues nothing.
	running bool
	// brokers publish to nats:// and kafka:// targets (forward_broker.go).
	brokers brokerSet
}

type forwardJob struct {
	id     uint64
	target string
}

func newForwarder(core *Core, rules []ForwardRule) *forwarder {
	return &forwarder{core: core, rules: sortRules(rules), queue: make(chan forwardJob, forwardQueue)}
}

// start runs the workers; until then nothing is queued (a core opened for
// one command never forwards).
func (f *forwarder) start() {
	f.mu.Lock()
	f.running = true
	f.mu.Unlock()
	for range forwardWorkers {
		f.wg.Go(f.work)
	}
	f.syncBrokers()
}

func sortRules(rules []ForwardRule) []ForwardRule {
	out := append([]ForwardRule(nil), rules...)
	// Longest prefix first, so the most specific rule wins.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j].Prefix) > len(out[j-1].Prefix); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (f *forwarder) rule(path string) (ForwardRule, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	for _, r := range f.rules {
		if r.Enabled && strings.HasPrefix(path, r.Prefix) {
			return r, true
		}
	}
	return ForwardRule{}, false
}

// enqueue never blocks: the sender of the capture is waiting for its answer.
func (f *forwarder) enqueue(s storage.Summary) {
	rule, ok := f.rule(s.Path)
	if ok && broker.IsTarget(rule.Target) {
		f.wakeBroker(rule) // its publisher reads the capture from the store
		return
	}
	if !ok || rule.Relay {
		return // relayed requests are forwarded while their sender waits
	}
	f.mu.RLock()
	running := f.running
	f.mu.RUnlock()
	if !running {
		return
	}
	select {
	case f.queue <- forwardJob{id: s.ID, target: rule.Target}:
	default:
		f.record(s.ID, storage.ForwardResult{At: time.Now().UTC(), Target: rule.Target, Attempts: 0,
			Error: fmt.Sprintf("not forwarded: %d captures were already waiting for a slow target", forwardQueue)})
	}
}

func (f *forwarder) work() {
	for job := range f.queue {
		f.forward(job)
	}
}

func (f *forwarder) forward(job forwardJob) {
	f.deliver(job.id, job.target)
}

// deliver sends one stored capture to target and records the outcome.
func (f *forwarder) deliver(id uint64, target string) storage.ReplayRecord {
	entry, err := f.core.sendReplay(context.Background(), id, ReplaySpec{Target: target, Send: sender.Options{Timeout: forwardTimeout}})
	result := storage.ForwardResult{At: time.Now().UTC(), Target: target, Attempts: 1, ReplayID: entry.ID,
		Status: entry.Status, Error: entry.Error, DurationMs: entry.Timing.TotalMs}
	if err != nil && result.Error == "" {
		result.Error = err.Error()
	}
	f.record(id, result)
	return entry
}

// relay answers a capture under a relay rule with its target's answer; a
// target that does not answer gets the sender a 502 (the capture is kept).
func (c *Core) relay(rec *storage.Record) (capture.Answer, bool) {
	rule, ok := c.forward.rule(rec.Path)
	if !ok || !rule.Relay || broker.IsTarget(rule.Target) {
		return capture.Answer{}, false
	}
	entry := c.forward.deliver(rec.ID, rule.Target)
	if entry.Error != "" || entry.Status == 0 {
		msg := entry.Error
		if msg == "" {
			msg = "the relay target did not answer"
		}
		body, _ := json.Marshal(map[string]any{"ok": false, "id": rec.ID, "error": "relay: " + msg})
		return capture.Answer{Status: http.StatusBadGateway, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}, true
	}
	c.store.SetStatus(rec.ID, entry.Status)
	return capture.Answer{Status: entry.Status, Header: relayHeaders(entry.ResponseHeader), Body: entry.ResponseBody}, true
}

// relayHeaders drops what belongs to the target's connection, not its
// message; Content-Length is recomputed for the body actually sent.
func relayHeaders(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range []string{"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "Te", "Trailer", "Content-Length"} {
		out.Del(k)
	}
	return out
}

func (f *forwarder) record(id uint64, r storage.ForwardResult) {
	// Counted before it is stored, so whoever sees the result stored
	// knows its alert, if any, has fired.
	f.core.alerts.forwarded(id, r)
	f.core.tel.forward(r)
	if err := f.core.store.PutForwardResult(id, r); err == nil {
		f.core.hub.Publish(ReplaysChanged)
	}
}

// close waits for queued forwards to finish.
func (f *forwarder) close() {
	f.stopBrokers()
	close(f.queue)
	f.wg.Wait()
}

func loadForwardRules(st *storage.Store) ([]ForwardRule, error) {
	raw, err := st.Setting(settingForward)
	if err != nil || raw == nil {
		return nil, err
	}
	var rules []ForwardRule
	if err := json.Unmarshal(raw, &rules); err != nil {
		return nil, fmt.Errorf("read the forwarding rules: %w", err)
	}
	return rules, nil
}

// ForwardRules returns the saved forwarding rules.
func (c *Core) ForwardRules() ([]ForwardRule, error) {
	c.forward.mu.RLock()
	defer c.forward.mu.RUnlock()
	return append([]ForwardRule(nil), c.forward.rules...), nil
}

// SetForwardRules replaces the forwarding rules and saves them.
func (c *Core) SetForwardRules(rules []ForwardRule) error {
	for _, r := range rules {
		if !strings.HasPrefix(r.Prefix, "/") {
			return fmt.Errorf("a path prefix starts with / (got %q)", r.Prefix)
		}
		if broker.IsTarget(r.Target) {
			if err := checkBrokerRule(r); err != nil {
				return err
			}
			continue
		}
		if _, err := replay.TargetURL(&storage.Record{Summary: storage.Summary{Path: "/"}}, r.Target); err != nil {
			return fmt.Errorf("forward target %q: %w", r.Target, err)
		}
	}
	raw, err := json.Marshal(rules)
	if err != nil {
		return err
	}
	if err := c.forward.prepareBrokerCursors(rules); err != nil {
		return err
	}
	if err := c.store.PutSetting(settingForward, raw); err != nil {
		return fmt.Errorf("save the forwarding rules: %w", err)
	}
	c.forward.mu.Lock()
	c.forward.rules = sortRules(rules)
	c.forward.mu.Unlock()
	c.forward.syncBrokers()
	c.hub.Publish(SettingsChanged)
	return nil
}

// ForwardResult is what the target answered to a forwarded capture.
func (c *Core) ForwardResult(id uint64) (storage.ForwardResult, bool, error) {
	return c.store.ForwardResult(id)
}

// Setting and PutSetting keep small preferences in the store.
func (c *Core) Setting(name string) string {
	v, _ := c.store.Setting(name)
	return string(v)
}

// PutSetting saves a small preference.
func (c *Core) PutSetting(name, value string) error { return c.store.PutSetting(name, []byte(value)) }
