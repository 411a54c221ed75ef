package app

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"dev.hookscope/rules"
	"dev.hookscope/storage"
)

// rulesCore is a Core with a live listener on a free loopback port and the
// given response rules saved.
func rulesCore(t *testing.T, list ...rules.Rule) *Core {
	t.Helper()
	c := openCore(t)
	if err := c.SetResponseRules(list); err != nil {
		t.Fatal(err)
	}
	if err := c.StartListener(""); err != nil {
		t.Fatal(err)
	}
	return c
}

// client opens a connection per request: net/http silently retries some
// requests whose reused connection drops, which would hide what a rule did.
func client(t *testing.T, timeout time.Duration) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

type answered struct {
	status int
	header http.Header
	body   string
}

func deliver(t *testing.T, cl *http.Client, method, url, ct, body string, hdr map[string]string) (answered, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := cl.Do(req)
	if err != nil {
		return answered{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answered{resp.StatusCode, resp.Header, string(b)}, nil
}

func lastID(t *testing.T, c *Core) uint64 {
	t.Helper()
	id, err := c.store.NewestID()
	if err != nil || id == 0 {
		t.Fatalf("nothing stored: %v", err)
	}
	return id
}

func TestRulesAnswerWithATemplatedBodyAndRecordIt(t *testing.T) {
	c := rulesCore(t,
		rules.Rule{Name: "orders", Method: "POST", PathPattern: "/shop/*", Status: 201, Enabled: true,
			Headers:      map[string]string{"X-Echo": "yes"},
			BodyTemplate: `{"id":{{.ID}},"order":"{{.JSON "data.object.id"}}","shop":"{{.Header "X-Shop-Domain"}}","mode":"{{.Query "mode"}}"}`},
	)
	got, err := deliver(t, client(t, 10*time.Second), "POST", c.ListenerURL()+"/shop/orders/create?mode=live", "application/json",
		`{"data":{"object":{"id":"ord_77"}}}`, map[string]string{"X-Shop-Domain": "acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	id := lastID(t, c)
	want := `{"id":` + strconv.FormatUint(id, 10) + `,"order":"ord_77","shop":"acme.example","mode":"live"}`
	if got.status != 201 || got.body != want || got.header.Get("X-Echo") != "yes" || got.header.Get("Content-Type") != "application/json" {
		t.Fatalf("answered %d %v %q, want 201 %q", got.status, got.header, got.body, want)
	}
	a, ok, err := c.RuleAnswer(id)
	if err != nil || !ok || a.Rule != "orders" || a.Status != 201 || string(a.Body) != want || a.Header.Get("X-Echo") != "yes" || a.Action != "" {
		t.Fatalf("recorded %+v %v %v", a, ok, err)
	}
	if s, _ := c.Summary(id); s.Status != 201 {
		t.Fatalf("summary status %d, want 201", s.Status)
	}
	// Another method or path gets the default acknowledgement, unrecorded.
	got, _ = deliver(t, client(t, 10*time.Second), "GET", c.ListenerURL()+"/shop/x", "text/plain", "", nil)
	if got.status != 200 || !strings.Contains(got.body, `"ok":true`) {
		t.Fatalf("unmatched request answered %d %q", got.status, got.body)
	}
	if _, ok, _ := c.RuleAnswer(lastID(t, c)); ok {
		t.Fatal("an unmatched request has a rule answer")
	}
}

// The "done when": a sender that retries sees two failures, then
// success, and every attempt is kept.
func TestRuleFailingTwiceThenSucceedingMakesTheSenderRetry(t *testing.T) {
	c := rulesCore(t, rules.Rule{Name: "flaky", PathPattern: "/hooks/*", Status: 200, BodyTemplate: `{"ok":true}`,
		Failure: rules.FailFirstN, FailN: 2, Enabled: true})
	cl := client(t, 10*time.Second)
	var statuses []int
	for range 3 { // a sender that tries up to 3 times
		got, err := deliver(t, cl, "POST", c.ListenerURL()+"/hooks/payment", "application/json", `{"event":"paid"}`, nil)
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, got.status)
		if got.status < 300 {
			break
		}
	}
	if len(statuses) != 3 || statuses[0] != 503 || statuses[1] != 503 || statuses[2] != 200 {
		t.Fatalf("the sender saw %v, want [503 503 200]", statuses)
	}
	sums, _ := c.Summaries(0, 0)
	if len(sums) != 3 {
		t.Fatalf("%d attempts stored, want 3", len(sums))
	}
	for i, want := range []struct {
		status int
		note   string
	}{{503, "failure 1 of 2 on purpose"}, {503, "failure 2 of 2 on purpose"}, {200, ""}} {
		a, ok, _ := c.RuleAnswer(sums[i].ID)
		if !ok || a.Status != want.status || a.Note != want.note || sums[i].Status != want.status {
			t.Fatalf("attempt %d: summary %d, answer %+v", i+1, sums[i].Status, a)
		}
	}
	// Saving the rule unchanged keeps counting; resetting starts again.
	if err := c.SetResponseRules(mustRules(t, c)); err != nil {
		t.Fatal(err)
	}
	if n := c.ResponseRuleCount("flaky"); n != 3 {
		t.Fatalf("count %d after saving the same rules, want 3", n)
	}
	c.ResetResponseCounts()
	if got, _ := deliver(t, cl, "POST", c.ListenerURL()+"/hooks/payment", "application/json", `{}`, nil); got.status != 503 {
		t.Fatalf("after a reset: %d, want 503", got.status)
	}
}

func TestRuleCloseDropsTheConnectionButKeepsTheRequest(t *testing.T) {
	c := rulesCore(t, rules.Rule{Name: "drop", PathPattern: "*", Failure: rules.FailClose, Enabled: true})
	_, err := deliver(t, client(t, 10*time.Second), "POST", c.ListenerURL()+"/x", "text/plain", "kept", nil)
	if err == nil {
		t.Fatal("the client got an answer, want a connection error")
	}
	id := lastID(t, c)
	rec, err := c.Get(id)
	if err != nil || string(rec.Body) != "kept" || rec.Status != 0 {
		t.Fatalf("stored %+v %v", rec, err)
	}
	if a, ok, _ := c.RuleAnswer(id); !ok || a.Action != storage.AnswerClosed || a.Rule != "drop" {
		t.Fatalf("recorded %+v", a)
	}
}

func TestRuleHangRunsOutTheClientAndStopDoesNotWait(t *testing.T) {
	c := rulesCore(t, rules.Rule{Name: "slow", PathPattern: "*", Failure: rules.FailHang, Enabled: true})
	start := time.Now()
	_, err := deliver(t, client(t, 300*time.Millisecond), "POST", c.ListenerURL()+"/x", "text/plain", "kept", nil)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("error %v after %v, want the client's timeout", err, time.Since(start))
	}
	if a, ok, _ := c.RuleAnswer(lastID(t, c)); !ok || a.Action != storage.AnswerHung {
		t.Fatalf("recorded %+v", a)
	}
	// A client with no timeout at all: stopping the listener lets it go.
	done := make(chan error, 1)
	go func() {
		_, err := deliver(t, client(t, 0), "POST", c.ListenerURL()+"/y", "text/plain", "also kept", nil)
		done <- err
	}()
	waitCount(t, c, 2)
	start = time.Now()
	c.StopListener()
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("stopping took %v with a hanging answer", took)
	}
	if err := <-done; err == nil {
		t.Fatal("the hanging client got an answer")
	}
}

func TestRuleFailingAPercentageUsesItsRandomSource(t *testing.T) {
	c := rulesCore(t, rules.Rule{Name: "some", PathPattern: "*", Status: 202, Failure: rules.FailPercent, FailPercent: 50, FailStatus: 500, Enabled: true})
	seq := []float64{0.1, 0.9, 0.49, 0.5}
	i := 0
	c.responder().state = rules.NewState(func() float64 { v := seq[i]; i++; return v })
	cl := client(t, 10*time.Second)
	var got []int
	for range seq {
		a, err := deliver(t, cl, "POST", c.ListenerURL()+"/p", "text/plain", "x", nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.status)
	}
	if want := []int{500, 202, 500, 202}; !slices.Equal(got, want) {
		t.Fatalf("answered %v, want %v", got, want)
	}
}

func TestRuleDelayHoldsTheAnswer(t *testing.T) {
	const delay = 400 * time.Millisecond
	c := rulesCore(t, rules.Rule{Name: "later", PathPattern: "*", Status: 200, Delay: delay, Enabled: true})
	start := time.Now()
	got, err := deliver(t, client(t, 10*time.Second), "POST", c.ListenerURL()+"/d", "text/plain", "x", nil)
	if err != nil || got.status != 200 {
		t.Fatalf("%+v %v", got, err)
	}
	if took := time.Since(start); took < delay {
		t.Fatalf("answered after %v, want at least %v", took, delay)
	}
	// A rule with no body answers the default acknowledgement, late.
	id := lastID(t, c)
	want := `{"ok":true,"id":` + strconv.FormatUint(id, 10) + "}\n"
	if got.body != want || got.header.Get("Content-Type") != "application/json" {
		t.Fatalf("answered %q %v, want %q", got.body, got.header, want)
	}
	if a, _, _ := c.RuleAnswer(id); a.Delay != delay || string(a.Body) != want {
		t.Fatalf("recorded %+v", a)
	}
}

func TestRuleTemplateFailingAtRenderAnswers500WithTheError(t *testing.T) {
	c := rulesCore(t, rules.Rule{Name: "oops", PathPattern: "*", Status: 201, BodyTemplate: `{{index .Path 500}}`, Enabled: true})
	got, err := deliver(t, client(t, 10*time.Second), "POST", c.ListenerURL()+"/short", "text/plain", "x", nil)
	if err != nil || got.status != 500 || !strings.Contains(got.body, "index out of range") {
		t.Fatalf("%+v %v", got, err)
	}
	if a, _, _ := c.RuleAnswer(lastID(t, c)); a.Status != 500 || !strings.HasPrefix(a.Note, "the body template failed") {
		t.Fatalf("recorded %+v", a)
	}
}

func TestResponseRulesAreCheckedSavedAndReloaded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.db")
	c, err := Open(Config{DBPath: path, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetResponseRules([]rules.Rule{{Name: "bad", PathPattern: "/x", BodyTemplate: "{{.ID"}}); err == nil ||
		!strings.Contains(err.Error(), `response rule "bad": the body template`) {
		c.Close()
		t.Fatalf("a broken template was saved: %v", err)
	}
	in := []rules.Rule{
		{Name: " one ", Method: "post", PathPattern: "/a/*", Status: 201, Headers: map[string]string{"x-a": "1"}, Enabled: true},
		{Name: "two", PathPattern: "*", Failure: rules.FailFirstN, FailN: 3, FailStatus: 429, Delay: time.Second},
	}
	if err := c.SetResponseRules(in); err != nil {
		c.Close()
		t.Fatal(err)
	}
	in[0].Headers["x-a"] = "changed by the caller"
	c.Close()
	c, err = Open(Config{DBPath: path, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := mustRules(t, c)
	if len(got) != 2 || got[0].Name != "one" || got[0].Method != "POST" || got[0].Headers["X-A"] != "1" ||
		got[1].Failure != rules.FailFirstN || got[1].FailN != 3 || got[1].Delay != time.Second || got[1].Enabled {
		t.Fatalf("reloaded %+v", got)
	}
	if err := c.SetResponseRules(nil); err != nil || len(mustRules(t, c)) != 0 {
		t.Fatalf("clear: %v %v", err, mustRules(t, c))
	}
}

// A response rule comes before a relay rule; without one the relay still
// answers.
func TestResponseRuleBeforeRelay(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(418) }))
	defer target.Close()
	c := rulesCore(t, rules.Rule{Name: "mine", PathPattern: "/relay/mine", Status: 202, Enabled: true})
	if err := c.SetForwardRules([]ForwardRule{{Prefix: "/relay", Target: target.URL, Enabled: true, Relay: true}}); err != nil {
		t.Fatal(err)
	}
	cl := client(t, 10*time.Second)
	if got, _ := deliver(t, cl, "POST", c.ListenerURL()+"/relay/mine", "text/plain", "x", nil); got.status != 202 {
		t.Fatalf("rule path answered %d, want 202", got.status)
	}
	if got, _ := deliver(t, cl, "POST", c.ListenerURL()+"/relay/other", "text/plain", "x", nil); got.status != 418 {
		t.Fatalf("relay path answered %d, want 418", got.status)
	}
}

func waitCount(t *testing.T, c *Core, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		if got, _ := c.store.Count(); got >= n {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("fewer than %d requests stored", n)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestRuleTemplateThatNeverEndsAnswers500Promptly(t *testing.T) {
	c := rulesCore(t, rules.Rule{Name: "spin", PathPattern: "*", Status: 201, BodyTemplate: `{{range 100000}}{{range 100000}}{{end}}{{end}}`, Enabled: true})
	start := time.Now()
	got, err := deliver(t, client(t, 10*time.Second), "POST", c.ListenerURL()+"/spin", "text/plain", "kept", nil)
	took := time.Since(start)
	// 1 s of time bound, and room for a slow race-detector build.
	if err != nil || took > 2*time.Second || got.status != 500 ||
		!(strings.Contains(got.body, "the body template ran longer than 1s") || strings.Contains(got.body, "more than 1000000 steps")) {
		t.Fatalf("after %v: %+v %v", took, got, err)
	}
	rec, err := c.Get(lastID(t, c))
	if err != nil || string(rec.Body) != "kept" {
		t.Fatalf("stored %+v %v", rec, err)
	}
	t.Logf("answered 500 after %v: %s", took, strings.TrimSpace(got.body))
}

func TestRuleTemplateStopsWhenTheSenderLeaves(t *testing.T) {
	c := rulesCore(t, rules.Rule{Name: "spin", PathPattern: "*", BodyTemplate: `{{range 1000000000000}}{{end}}`, Enabled: true})
	start := time.Now()
	if _, err := deliver(t, client(t, 200*time.Millisecond), "POST", c.ListenerURL()+"/spin", "text/plain", "x", nil); err == nil {
		t.Fatal("the sender got an answer before its 200ms timeout")
	}
	// The note is recorded once the template has stopped: it says the
	// sender left, not that the 1 s bound ran out.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if id, _ := c.store.NewestID(); id != 0 {
			if a, ok, _ := c.RuleAnswer(id); ok {
				if !strings.Contains(a.Note, "the sender went away") {
					t.Fatalf("recorded %q after %v, want the sender gone", a.Note, time.Since(start))
				}
				t.Logf("stopped %v after the request was sent", time.Since(start))
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no answer recorded within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mustRules reads the response rules of a core or client, failing the test
// on an error.
func mustRules(t *testing.T, b interface{ ResponseRules() ([]rules.Rule, error) }) []rules.Rule {
	t.Helper()
	list, err := b.ResponseRules()
	if err != nil {
		t.Fatal(err)
	}
	return list
}
