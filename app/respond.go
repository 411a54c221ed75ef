package app

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"sync"
	"text/template"
	"time"

	"dev.hookscope/capture"
	"dev.hookscope/rules"
	"dev.hookscope/storage"
)

const settingResponseRules = storage.SettingResponseRules

// responder holds the response rules in use, their parsed body templates
// (by index) and what their failure modes remember.
type responder struct {
	mu    sync.RWMutex
	rules []rules.Rule
	tmpls []*template.Template
	state *rules.State
}

// newResponder loads the saved rules. Unreadable saved rules answer
// nothing (the default answer goes out) until rules are saved over them.
func newResponder(st *storage.Store) *responder {
	r := &responder{state: rules.NewState(nil)}
	list, _ := LoadResponseRules(st)
	r.set(list)
	return r
}

// responder returns c's responder.
func (c *Core) responder() *responder { return c.responses }

// set installs list and starts again the counts of rules that changed or
// went, so an edited "fail the first 2" fails twice again.
func (r *responder) set(list []rules.Rule) {
	tmpls := make([]*template.Template, len(list))
	for i := range list {
		// A template that no longer parses is parsed again per request,
		// which answers 500 with the error.
		tmpls[i], _ = rules.Parse(list[i].BodyTemplate)
	}
	r.mu.Lock()
	old := r.rules
	r.rules, r.tmpls = list, tmpls
	r.mu.Unlock()
	kept := make(map[string]rules.Rule, len(list))
	for _, rule := range list {
		kept[rule.Name] = rule
	}
	for _, o := range old {
		if n, ok := kept[o.Name]; !ok || !reflect.DeepEqual(n, o) {
			r.state.Reset(o.Name)
		}
	}
}

// respond applies the first enabled rule matching rec, if any; its body
// template stops when ctx (the request) ends.
func (r *responder) respond(ctx context.Context, rec *storage.Record, now time.Time) (rules.Response, bool) {
	r.mu.RLock()
	match, i := rules.Match(r.rules, rec.Method, rec.Path)
	var rule rules.Rule
	var tmpl *template.Template
	if match != nil {
		rule, tmpl = *match, r.tmpls[i]
	}
	r.mu.RUnlock()
	if match == nil {
		return rules.Response{}, false
	}
	data := rules.NewData(rules.Request{ID: rec.ID, Method: rec.Method, Path: rec.Path, RawQuery: rec.RawQuery, Header: rec.Header, Body: rec.Body}, now)
	return r.state.RespondContext(ctx, &rule, tmpl, data), true
}

// respond answers a stored capture: a response rule first, else a relay
// rule, else the listener's default acknowledgement.
func (c *Core) respond(ctx context.Context, rec *storage.Record) (capture.Answer, bool) {
	a, ok := c.answerByRule(ctx, rec)
	if !ok {
		a, ok = c.relay(rec)
	}
	// Alerts count the status the sender gets: the default 200, or the
	// rule's or relay's (none when the connection is closed or held).
	status := http.StatusOK
	if ok {
		status = a.Status
		if a.Action != capture.AnswerNormal {
			status = 0
		}
	}
	c.alerts.captured(rec, status)
	return a, ok
}

// answerByRule turns a rule's decision into the listener's answer and
// records it before it goes out, so the inspector can show it as soon as
// the sender has it.
func (c *Core) answerByRule(ctx context.Context, rec *storage.Record) (capture.Answer, bool) {
	resp, ok := c.responder().respond(ctx, rec, time.Now())
	if !ok {
		return capture.Answer{}, false
	}
	a := capture.Answer{Status: resp.Status, Header: resp.Header, Body: resp.Body, Delay: resp.Delay}
	record := storage.AnswerRecord{Rule: resp.Rule, Status: resp.Status, Header: resp.Header, Body: resp.Body, Delay: resp.Delay, Note: resp.Note}
	switch resp.Outcome {
	case rules.OutcomeClose:
		a.Action, record.Action = capture.AnswerClose, storage.AnswerClosed
	case rules.OutcomeHang:
		a.Action, record.Action = capture.AnswerHang, storage.AnswerHung
	}
	// A failed write loses the inspector's note, not the sender's answer.
	c.store.PutAnswer(rec.ID, record)
	c.store.SetStatus(rec.ID, resp.Status)
	c.hub.Publish(ReplaysChanged)
	return a, true
}

// ResponseRules returns the response rules, in the order they are tried.
func (c *Core) ResponseRules() ([]rules.Rule, error) {
	r := c.responder()
	r.mu.RLock()
	defer r.mu.RUnlock()
	return cloneRules(r.rules), nil
}

// SetResponseRules checks, saves and applies the response rules; the first
// enabled rule matching a request answers it.
func (c *Core) SetResponseRules(list []rules.Rule) error {
	clean := make([]rules.Rule, len(list))
	for i := range list {
		clean[i] = rules.Clean(list[i])
	}
	if err := SaveResponseRules(c.store, clean); err != nil {
		return err
	}
	c.responder().set(clean)
	c.hub.Publish(SettingsChanged)
	return nil
}

// ResetResponseCounts starts every "fail the first N" rule again.
func (c *Core) ResetResponseCounts() { c.responder().state.Reset() }

// ResponseRuleCount is how many deliveries the named rule has answered
// since it was saved or its count reset.
func (c *Core) ResponseRuleCount(name string) int { return c.responder().state.Count(name) }

// RuleAnswer is what a response rule answered request id; ok is false when
// no rule did.
func (c *Core) RuleAnswer(id uint64) (storage.AnswerRecord, bool, error) {
	return c.store.Answer(id)
}

// LoadResponseRules reads the saved response rules from a store (the
// command line uses it when no instance holds the file).
func LoadResponseRules(st *storage.Store) ([]rules.Rule, error) {
	raw, err := st.Setting(settingResponseRules)
	if err != nil || raw == nil {
		return nil, err
	}
	var list []rules.Rule
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("read the response rules: %w", err)
	}
	return list, nil
}

// SaveResponseRules checks the rules and writes them to a store.
func SaveResponseRules(st *storage.Store, list []rules.Rule) error {
	clean := make([]rules.Rule, len(list))
	for i := range list {
		clean[i] = rules.Clean(list[i])
	}
	if err := rules.ValidateAll(clean); err != nil {
		return err
	}
	raw, err := json.Marshal(clean)
	if err != nil {
		return err
	}
	if err := st.PutSetting(settingResponseRules, raw); err != nil {
		return fmt.Errorf("save the response rules: %w", err)
	}
	return nil
}

// cloneRules copies the header maps too, so a caller editing its copy
// cannot change the rules in use under a running capture.
func cloneRules(list []rules.Rule) []rules.Rule {
	if list == nil {
		return nil
	}
	out := make([]rules.Rule, len(list))
	for i, r := range list {
		r.Headers = maps.Clone(r.Headers)
		out[i] = r
	}
	return out
}
