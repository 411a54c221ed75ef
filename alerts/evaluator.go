package alerts

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Verdict is a capture's signature verdict as an alert sees it.
type Verdict uint8

// Verdicts; VerdictNone when the path has no saved secret.
const (
	VerdictNone Verdict = iota
	VerdictValid
	// VerdictInvalid covers a wrong signature and a stale timestamp alike:
	// either way the receiver would refuse the delivery.
	VerdictInvalid
)

// Event is one thing that happened under a path, at a time the caller
// gives (the clock is the caller's, so tests drive it).
type Event struct {
	At   time.Time
	Path string
	// Forward is false for a capture (Status is what Hookscope answered)
	// and true for a forward's outcome (Status is the target's answer, 0
	// when none came).
	Forward   bool
	Status    int
	Signature Verdict
}

// ForwardFailed says whether a forward's outcome counts as a failure: no
// answer, or a status outside 2xx and 3xx (what webhook senders retry).
func ForwardFailed(status int) bool { return status < 200 || status > 399 }

// Fired is one alert that went off.
type Fired struct {
	ID   uint64    `json:"id"`
	Rule string    `json:"rule"`
	Kind Kind      `json:"kind"`
	At   time.Time `json:"at"`
	Text string    `json:"text"`
	// Test marks one sent by `alerts test` or the window's Test button.
	Test bool `json:"test,omitempty"`
	// Webhook is the URL posted to, masked; WebhookStatus what it
	// answered, WebhookError why nothing came back. Both stay empty
	// until the POST ends (or when the rule has no URL).
	Webhook       string `json:"webhook,omitempty"`
	WebhookStatus int    `json:"webhook_status,omitempty"`
	WebhookError  string `json:"webhook_error,omitempty"`
}

// RecentMax bounds the list of fired alerts kept for the window and the
// command line: enough to see what happened overnight at one alert per
// cool-down, small enough to rewrite whole each time.
const RecentMax = 50

// Keep appends f to list (oldest first), dropping the oldest beyond
// RecentMax, and gives f the next ID.
func Keep(list []Fired, f Fired) ([]Fired, Fired) {
	f.ID = 1
	if n := len(list); n > 0 {
		f.ID = list[n-1].ID + 1
	}
	list = append(list, f)
	if len(list) > RecentMax {
		list = append([]Fired(nil), list[len(list)-RecentMax:]...)
	}
	return list, f
}

// Evaluator keeps what each rule needs to decide, and decides. It is safe
// for concurrent use.
type Evaluator struct {
	mu     sync.Mutex
	states []*ruleState
}

type ruleState struct {
	rule Rule
	// times are the counted events still within the window (count kinds).
	times []time.Time
	// buckets are the rate's counts, window/rateBuckets wide each.
	buckets []bucket
	// lastSeen is the newest capture under the prefix, or when watching
	// began (no_capture); seen says whether a capture set it.
	lastSeen  time.Time
	seen      bool
	lastFired time.Time
}

// rateBuckets splits a rate's window: the rate is exact to a sixtieth of
// the window at its old edge, and memory stays the same at any traffic.
const rateBuckets = 60

type bucket struct {
	index      int64
	total, bad int
}

// NewEvaluator starts watching list at now: a no_capture rule counts its
// quiet period from here.
func NewEvaluator(list []Rule, now time.Time) *Evaluator {
	e := &Evaluator{}
	e.SetRules(list, now)
	return e
}

// SetRules replaces the rules. A rule kept exactly as it was keeps its
// counts and cool-down; a new or changed one starts afresh at now.
func (e *Evaluator) SetRules(list []Rule, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := map[string]*ruleState{}
	for _, st := range e.states {
		old[strings.ToLower(st.rule.Name)] = st
	}
	states := make([]*ruleState, 0, len(list))
	for _, r := range list {
		if st, ok := old[strings.ToLower(r.Name)]; ok && st.rule == r {
			states = append(states, st)
			continue
		}
		states = append(states, &ruleState{rule: r, lastSeen: now})
	}
	e.states = states
}

// Observe counts ev against every enabled rule whose prefix it is under
// and returns those that fire.
func (e *Evaluator) Observe(ev Event) []Fired {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Fired
	for _, st := range e.states {
		r := st.rule
		if !r.Enabled || !strings.HasPrefix(ev.Path, r.Prefix) {
			continue
		}
		switch r.Kind {
		case ForwardFailures:
			if ev.Forward && ForwardFailed(ev.Status) {
				out = st.count(ev.At, out)
			}
		case Answered5xx:
			if !ev.Forward && ev.Status >= 500 && ev.Status <= 599 {
				out = st.count(ev.At, out)
			}
		case NoCapture:
			if !ev.Forward && !ev.At.Before(st.lastSeen) {
				st.lastSeen, st.seen = ev.At, true
			}
		case InvalidSignatureRate:
			if !ev.Forward && ev.Signature != VerdictNone {
				out = st.rate(ev.At, ev.Signature == VerdictInvalid, out)
			}
		}
	}
	return out
}

// Tick checks what depends on time alone (no_capture), at now. The core
// calls it from a ticker; tests call it with the time they want.
func (e *Evaluator) Tick(now time.Time) []Fired {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Fired
	for _, st := range e.states {
		r := st.rule
		if !r.Enabled || r.Kind != NoCapture {
			continue
		}
		quiet := now.Sub(st.lastSeen)
		if quiet < time.Duration(r.Window) {
			continue
		}
		since := "none since watching began at " + clock(st.lastSeen)
		if st.seen {
			since = "the last at " + clock(st.lastSeen)
		}
		out = st.fire(now, fmt.Sprintf("No capture under %s for %s (%s)", r.Prefix, Span(quiet.Truncate(time.Second)), since), out)
	}
	return out
}

func clock(t time.Time) string { return t.UTC().Format("15:04:05 UTC") }

// count adds one event at `at` and fires when more than the threshold are
// within the window.
func (st *ruleState) count(at time.Time, out []Fired) []Fired {
	r := st.rule
	st.times = append(st.times, at)
	from := at.Add(-time.Duration(r.Window))
	drop := 0
	for drop < len(st.times) && !st.times[drop].After(from) {
		drop++
	}
	// Bounded however fast events come: only "more than the threshold"
	// matters, and the sentence's count is capped where it no longer
	// changes what anyone does.
	if keep := MaxThreshold + 1; len(st.times)-drop > keep {
		drop = len(st.times) - keep
	}
	if drop > 0 {
		// Reslice, and copy down only once half the array is spent: a
		// copy per event cost O(threshold) on the capture path.
		st.times = st.times[drop:]
		if cap(st.times) > 64 && len(st.times) < cap(st.times)/2 {
			st.times = append(make([]time.Time, 0, 2*len(st.times)+1), st.times...)
		}
	}
	n := len(st.times)
	if float64(n) <= r.Threshold {
		return out
	}
	what := "Forward failures"
	if r.Kind == Answered5xx {
		what = "5xx answered"
	}
	text := fmt.Sprintf("%s: %d in the last %s under %s (threshold %s)", what, n, Span(time.Duration(r.Window)), r.Prefix, num(r.Threshold))
	return st.fire(at, text, out)
}

// rate adds one verdict at `at` and fires when the share of bad ones in
// the window is above the threshold.
func (st *ruleState) rate(at time.Time, bad bool, out []Fired) []Fired {
	r := st.rule
	width := int64(time.Duration(r.Window)) / rateBuckets
	idx := at.UnixNano() / width
	if n := len(st.buckets); n == 0 || st.buckets[n-1].index < idx {
		st.buckets = append(st.buckets, bucket{index: idx})
	}
	b := &st.buckets[len(st.buckets)-1] // a late event joins the newest bucket
	b.total++
	if bad {
		b.bad++
	}
	oldest := idx - rateBuckets + 1
	drop := 0
	for drop < len(st.buckets) && st.buckets[drop].index < oldest {
		drop++
	}
	if drop > 0 {
		st.buckets = append(st.buckets[:0], st.buckets[drop:]...)
	}
	total, nbad := 0, 0
	for _, b := range st.buckets {
		total += b.total
		nbad += b.bad
	}
	pct := 100 * float64(nbad) / float64(total)
	if pct <= r.Threshold {
		return out
	}
	shown := strconv.FormatFloat(math.Round(pct*10)/10, 'f', -1, 64)
	text := fmt.Sprintf("Invalid signatures: %s%% (%d of %d) in the last %s under %s (threshold %s%%)",
		shown, nbad, total, Span(time.Duration(r.Window)), r.Prefix, num(r.Threshold))
	return st.fire(at, text, out)
}

// fire adds an alert unless the rule is still cooling down from its last.
func (st *ruleState) fire(now time.Time, text string, out []Fired) []Fired {
	if !st.lastFired.IsZero() && now.Sub(st.lastFired) < time.Duration(st.rule.Cooldown) {
		return out
	}
	st.lastFired = now
	return append(out, Fired{Rule: st.rule.Name, Kind: st.rule.Kind, At: now.UTC(), Text: text})
}
