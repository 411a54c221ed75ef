package rules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"text/template"
	"time"
)

// Outcome is what a rule decided for one delivery.
type Outcome int

// Outcomes.
const (
	// OutcomeAnswer is the rule's own answer.
	OutcomeAnswer Outcome = iota
	// OutcomeFail is the failure status, on purpose (first N, percent).
	OutcomeFail
	// OutcomeClose closes the connection without an answer.
	OutcomeClose
	// OutcomeHang holds the connection until the client gives up.
	OutcomeHang
)

func (o Outcome) String() string {
	switch o {
	case OutcomeFail:
		return "fail"
	case OutcomeClose:
		return "close"
	case OutcomeHang:
		return "hang"
	}
	return "answer"
}

// Response is one delivery's answer as a rule decided it. Status, Header
// and Body are empty for OutcomeClose and OutcomeHang.
type Response struct {
	Rule    string
	Outcome Outcome
	Status  int
	Header  http.Header
	Body    []byte
	Delay   time.Duration
	// Note says why, when it is not plain: "failure 1 of 2",
	// "the body template failed: …".
	Note string
}

// State is what failure modes remember between deliveries: how many each
// first-N rule has seen, and the random source of percent rules. It is
// safe for concurrent deliveries; a count is exact under concurrency.
type State struct {
	mu     sync.Mutex
	counts map[string]int
	random func() float64
}

// NewState starts every count at zero. random returns values in [0, 1)
// (nil: math/rand/v2); tests pass a fixed sequence.
func NewState(random func() float64) *State {
	if random == nil {
		random = rand.Float64
	}
	return &State{counts: map[string]int{}, random: random}
}

// Count is how many deliveries the named rule has decided since its last
// reset.
func (s *State) Count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[name]
}

// Reset starts the named rules' counts again; no names resets all.
func (s *State) Reset(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(names) == 0 {
		clear(s.counts)
		return
	}
	for _, n := range names {
		delete(s.counts, n)
	}
}

// Decide counts one delivery for r and says how to answer it, with a note
// for failures on purpose.
func (s *State) Decide(r *Rule) (Outcome, string) {
	s.mu.Lock()
	s.counts[r.Name]++
	n := s.counts[r.Name]
	s.mu.Unlock()
	switch r.Failure {
	case FailClose:
		return OutcomeClose, ""
	case FailHang:
		return OutcomeHang, ""
	case FailFirstN:
		if n <= r.FailN {
			return OutcomeFail, fmt.Sprintf("failure %d of %d on purpose", n, r.FailN)
		}
	case FailPercent:
		if s.random()*100 < r.FailPercent {
			return OutcomeFail, "failed on purpose (" + strconv.FormatFloat(r.FailPercent, 'g', -1, 64) + "% of deliveries)"
		}
	}
	return OutcomeAnswer, ""
}

// DefaultAnswer is the body the listener answers when no rule has one of
// its own: {"ok":true,"id":N} and a newline.
func DefaultAnswer(id uint64) []byte {
	return []byte(`{"ok":true,"id":` + strconv.FormatUint(id, 10) + "}\n")
}

// defaultBody reports whether a rule answering status without a body of
// its own sends DefaultAnswer: a success that may carry a body. A failure
// status says nothing is ok, and 204 and 205 carry no body.
func defaultBody(status int) bool {
	return status >= 200 && status < 300 && status != http.StatusNoContent && status != http.StatusResetContent
}

// Respond is RespondContext with no request to follow.
func (s *State) Respond(r *Rule, t *template.Template, d Data) Response {
	return s.RespondContext(context.Background(), r, t, d)
}

// RespondContext decides and renders r's answer to one delivery. t is r's
// parsed body template (nil: parsed here). A template that fails at render
// time, runs too long or outlives ctx (the sender left) answers 500 with
// the reason, so the sender's log says what went wrong.
func (s *State) RespondContext(ctx context.Context, r *Rule, t *template.Template, d Data) Response {
	out := Response{Rule: r.Name, Delay: r.Delay}
	out.Outcome, out.Note = s.Decide(r)
	switch out.Outcome {
	case OutcomeClose, OutcomeHang:
		return out
	case OutcomeFail:
		out.Status = r.FailStatusOrDefault()
		out.Header = http.Header{"Content-Type": {"application/json"}}
		out.Body, _ = json.Marshal(map[string]any{"ok": false, "id": d.ID, "error": "Hookscope rule " + strconv.Quote(r.Name) + ": " + out.Note})
		out.Body = append(out.Body, '\n')
		return out
	}
	out.Status = r.StatusOrDefault()
	out.Header = make(http.Header, len(r.Headers)+1)
	for k, v := range r.Headers {
		out.Header.Set(k, v)
	}
	var err error
	if t == nil {
		t, err = Parse(r.BodyTemplate)
	}
	if err == nil {
		out.Body, err = RenderContext(ctx, t, d)
	}
	if err != nil {
		out.Status = http.StatusInternalServerError
		out.Header = http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
		out.Note = "the body template failed: " + err.Error()
		if stop, ok := errors.AsType[*stopError](err); ok {
			// Already a sentence about the body template.
			out.Note = stop.msg
		}
		out.Body = []byte("Hookscope rule " + strconv.Quote(r.Name) + ": " + out.Note + "\n")
		return out
	}
	if r.BodyTemplate == "" && defaultBody(out.Status) {
		// No body of its own (a delay only, or the success after
		// first:N): the listener's usual acknowledgement.
		out.Body = DefaultAnswer(d.ID)
	}
	if out.Header.Get("Content-Type") == "" && len(out.Body) > 0 && json.Valid(out.Body) {
		// net/http would sniff JSON as text/plain.
		out.Header.Set("Content-Type", "application/json")
	}
	return out
}
