package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"dev.hookscope/alerts"
	"dev.hookscope/storage"
)

const (
	settingAlertRules  = storage.SettingAlertRules
	settingAlertsFired = storage.SettingAlertsFired
	// alertWebhookTimeout bounds one POST to a rule's webhook; a failure
	// is recorded beside the alert and not retried (the next alert after
	// the cool-down is the retry).
	alertWebhookTimeout = 10 * time.Second
)

// alertTick is how often no_capture rules are checked: a quiet period is
// noticed at most this late. Tests drive the evaluator with Tick instead.
var alertTick = 5 * time.Second

// alerter feeds captures and forward outcomes to the alert evaluator, and
// delivers what fires: a line to the core's Notices, the listeners (the
// window's desktop notification) and the rule's webhook.
type alerter struct {
	core *Core
	eval *alerts.Evaluator
	// mu guards the rules (webhook URLs in clear), the fired list and
	// the listeners.
	mu        sync.Mutex
	rules     []alerts.Rule
	fired     []alerts.Fired
	listeners map[int]func(alerts.Fired)
	nextID    int
	// running is set by start: a passive core evaluates nothing.
	running bool
	stop    chan struct{}
	wg      sync.WaitGroup
	client  *http.Client
}

// newAlerter loads the saved rules and fired alerts. Unreadable ones are
// left out rather than keep the window from opening; saving rules again
// writes over them.
func newAlerter(c *Core) *alerter {
	a := &alerter{core: c, listeners: map[int]func(alerts.Fired){}, stop: make(chan struct{}),
		client: &http.Client{Timeout: alertWebhookTimeout}}
	if raw, err := c.store.Setting(settingAlertRules); err == nil && raw != nil {
		json.Unmarshal(raw, &a.rules)
	}
	if raw, err := c.store.Setting(settingAlertsFired); err == nil && raw != nil {
		json.Unmarshal(raw, &a.fired)
	}
	a.eval = alerts.NewEvaluator(a.rules, time.Now())
	return a
}

// start begins evaluating; no_capture periods count from now.
func (a *alerter) start() {
	a.mu.Lock()
	a.running = true
	// Rules start afresh, so a no_capture period counts from now, not
	// from when the store was opened.
	a.eval.SetRules(nil, time.Now())
	a.eval.SetRules(a.rules, time.Now())
	a.mu.Unlock()
	a.wg.Go(func() {
		t := time.NewTicker(alertTick)
		defer t.Stop()
		for {
			select {
			case <-a.stop:
				return
			case now := <-t.C:
				a.deliver(a.eval.Tick(now))
			}
		}
	})
}

// close stops the ticker and waits for webhook POSTs under way (each
// bounded by alertWebhookTimeout).
func (a *alerter) close() {
	close(a.stop)
	a.wg.Wait()
}

func (a *alerter) isRunning() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.running
}

// watches says whether the evaluator runs and an enabled rule of kind k
// is saved, so a forward reads its capture's path only when it counts.
func (a *alerter) watches(k alerts.Kind) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.running {
		return false
	}
	for _, r := range a.rules {
		if r.Enabled && r.Kind == k {
			return true
		}
	}
	return false
}

// captured counts a capture once its answer is decided.
func (a *alerter) captured(rec *storage.Record, status int) {
	if !a.isRunning() {
		return
	}
	v := alerts.VerdictNone
	switch rec.Signature {
	case storage.SigValid:
		v = alerts.VerdictValid
	case storage.SigInvalid, storage.SigStale:
		v = alerts.VerdictInvalid
	}
	a.deliver(a.eval.Observe(alerts.Event{At: time.Now(), Path: rec.Path, Status: status, Signature: v}))
}

// forwarded counts a forward's outcome.
func (a *alerter) forwarded(id uint64, r storage.ForwardResult) {
	if !a.watches(alerts.ForwardFailures) {
		return
	}
	s, err := a.core.store.Summary(id)
	if err != nil {
		return // deleted meanwhile: nothing to say where it was going
	}
	status := r.Status
	if r.Error != "" {
		status = 0
	}
	a.deliver(a.eval.Observe(alerts.Event{At: time.Now(), Path: s.Path, Forward: true, Status: status}))
}

// deliver keeps each fired alert, says it on Notices, tells the listeners
// and posts it to the rule's webhook in the background.
func (a *alerter) deliver(fired []alerts.Fired) {
	for _, f := range fired {
		f, url := a.keep(f)
		a.announce(f)
		if url != "" {
			a.wg.Go(func() { a.post(f, url) })
		}
	}
}

// keep adds f to the recent list and saves it; it returns f with its ID
// and the rule's webhook URL in clear.
func (a *alerter) keep(f alerts.Fired) (alerts.Fired, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	url := ""
	for _, r := range a.rules {
		if strings.EqualFold(r.Name, f.Rule) {
			url = r.WebhookURL
		}
	}
	f.Webhook = alerts.MaskURL(url)
	a.fired, f = alerts.Keep(a.fired, f)
	a.saveFiredLocked()
	return f, url
}

func (a *alerter) saveFiredLocked() {
	raw, err := json.Marshal(a.fired)
	if err == nil {
		// A failed write loses the history line, not the alert.
		a.core.store.PutSetting(settingAlertsFired, raw)
	}
}

func (a *alerter) announce(f alerts.Fired) {
	if w := a.core.cfg.Notices; w != nil {
		fmt.Fprintf(w, "alert %q: %s\n", f.Rule, f.Text)
	}
	a.mu.Lock()
	ls := make([]func(alerts.Fired), 0, len(a.listeners))
	for _, l := range a.listeners {
		ls = append(ls, l)
	}
	a.mu.Unlock()
	for _, l := range ls {
		l(f)
	}
}

// post sends {"text": …} to url and records what came back.
func (a *alerter) post(f alerts.Fired, url string) alerts.Fired {
	body, _ := json.Marshal(map[string]string{"text": "Hookscope: " + f.Text})
	ctx, cancel := context.WithTimeout(context.Background(), alertWebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		var resp *http.Response
		if resp, err = a.client.Do(req); err == nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			f.WebhookStatus = resp.StatusCode
			if resp.StatusCode < 200 || resp.StatusCode > 299 {
				f.WebhookError = "the webhook answered " + resp.Status
			}
		}
	}
	if err != nil {
		// The URL may hold a token and net/http's errors quote it whole.
		f.WebhookError = "the webhook did not answer: " + webhookReason(err)
	}
	a.mu.Lock()
	for i := range a.fired {
		if a.fired[i].ID == f.ID {
			a.fired[i].WebhookStatus, a.fired[i].WebhookError = f.WebhookStatus, f.WebhookError
		}
	}
	a.saveFiredLocked()
	a.mu.Unlock()
	return f
}

// webhookReason is the cause of a failed POST without the URL in it.
func webhookReason(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			err = inner
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("no answer within %s", alertWebhookTimeout)
	}
	return err.Error()
}

// AlertRules lists the alert rules with their webhook URLs masked.
func (c *Core) AlertRules() ([]alerts.Rule, error) {
	a := c.alerts
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]alerts.Rule, len(a.rules))
	for i, r := range a.rules {
		r.WebhookURL = alerts.MaskURL(r.WebhookURL)
		out[i] = r
	}
	return out, nil
}

// SetAlertRules checks, saves and applies the alert rules. A webhook URL
// given back masked, as AlertRules lists it, keeps the saved one of the
// rule of the same name, so a list can be edited and saved without the
// secret ever leaving the core.
func (c *Core) SetAlertRules(list []alerts.Rule) error {
	a := c.alerts
	a.mu.Lock()
	defer a.mu.Unlock()
	clean := make([]alerts.Rule, len(list))
	for i, r := range list {
		r = alerts.Clean(r)
		for _, old := range a.rules {
			if r.WebhookURL != "" && strings.EqualFold(old.Name, r.Name) && r.WebhookURL == alerts.MaskURL(old.WebhookURL) {
				r.WebhookURL = old.WebhookURL
			}
		}
		clean[i] = r
	}
	if err := alerts.ValidateAll(clean); err != nil {
		return err
	}
	raw, err := json.Marshal(clean)
	if err != nil {
		return err
	}
	if err := c.store.PutSetting(settingAlertRules, raw); err != nil {
		return fmt.Errorf("save the alert rules: %w", err)
	}
	a.rules = clean
	a.eval.SetRules(clean, time.Now())
	c.hub.Publish(SettingsChanged)
	return nil
}

// FiredAlerts lists the alerts fired recently, oldest first (at most
// alerts.RecentMax), webhook URLs masked.
func (c *Core) FiredAlerts() ([]alerts.Fired, error) {
	a := c.alerts
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]alerts.Fired(nil), a.fired...), nil
}

// ErrNoSuchAlert is returned for an alert name no rule has.
var ErrNoSuchAlert = errors.New("no alert has that name")

// TestAlert fires the named rule once, now, whatever its state, through
// every channel it would use, and waits for its webhook's answer.
func (c *Core) TestAlert(name string) (alerts.Fired, error) {
	a := c.alerts
	a.mu.Lock()
	var rule *alerts.Rule
	for i := range a.rules {
		if strings.EqualFold(a.rules[i].Name, strings.TrimSpace(name)) {
			rule = &a.rules[i]
		}
	}
	var f alerts.Fired
	if rule != nil {
		f = alerts.Fired{Rule: rule.Name, Kind: rule.Kind, At: time.Now().UTC(), Test: true,
			Text: fmt.Sprintf("Test of alert %q, which fires on %s", rule.Name, rule.Describe())}
	}
	a.mu.Unlock()
	if rule == nil {
		return f, fmt.Errorf("%w (%q; hookscope alerts lists them)", ErrNoSuchAlert, name)
	}
	f, url := a.keep(f)
	a.announce(f)
	if url != "" {
		f = a.post(f, url)
	}
	return f, nil
}

// OnAlert calls fn with each alert as it fires (and each test), on the
// goroutine that noticed it; fn must not block. The returned func stops
// the calls.
func (c *Core) OnAlert(fn func(alerts.Fired)) (cancel func()) {
	a := c.alerts
	a.mu.Lock()
	id := a.nextID
	a.nextID++
	a.listeners[id] = fn
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		delete(a.listeners, id)
		a.mu.Unlock()
	}
}
