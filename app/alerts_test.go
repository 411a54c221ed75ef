package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dev.hookscope/alerts"
	"dev.hookscope/rules"
)

// slackServer counts the POSTs a Slack-compatible webhook gets and keeps
// their texts.
type slackServer struct {
	*httptest.Server
	mu    sync.Mutex
	texts []string
}

func newSlack(t *testing.T, status int) *slackServer {
	s := &slackServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Text string `json:"text"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		s.mu.Lock()
		s.texts = append(s.texts, r.Method+" "+r.Header.Get("Content-Type")+" "+body.Text)
		s.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *slackServer) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.texts...)
}

// waitFired polls until n alerts are listed and the newest has its
// webhook's outcome (when it has a webhook).
func waitFired(t *testing.T, c *Core, n int) []alerts.Fired {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		list, _ := c.FiredAlerts()
		if len(list) >= n {
			last := list[len(list)-1]
			if last.Webhook == "" || last.WebhookStatus != 0 || last.WebhookError != "" {
				return list
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d alerts fired, waited for %d: %+v", len(list), n, list)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The end-to-end case: a forward target answers 500; after the
// sixth failure in a minute the Slack-compatible webhook gets exactly one
// POST, and more failures during the cool-down send nothing.
func TestForwardFailuresPostToTheWebhookOnce(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(500)
	}))
	defer target.Close()
	slack := newSlack(t, 200)
	var notices syncWriter
	c, err := Open(Config{DBPath: filepath.Join(t.TempDir(), "alerts.db"), Listen: "127.0.0.1:0", Notices: &notices})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.StartBackground()
	var heard []string
	var heardMu sync.Mutex
	cancel := c.OnAlert(func(f alerts.Fired) { heardMu.Lock(); heard = append(heard, f.Text); heardMu.Unlock() })
	defer cancel()
	hook := slack.URL + "/services/T0/B0/sekret"
	if err := c.SetAlertRules([]alerts.Rule{{Name: "stripe down", Kind: alerts.ForwardFailures, Prefix: "/hooks/stripe",
		Threshold: 5, Window: alerts.Duration(time.Minute), Cooldown: alerts.Duration(10 * time.Minute), WebhookURL: hook, Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetForwardRules([]ForwardRule{{Prefix: "/hooks", Target: target.URL, Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	if err := c.StartListener(""); err != nil {
		t.Fatal(err)
	}
	const sent = 9
	for range sent {
		post(t, c.ListenerURL()+"/hooks/stripe")
	}
	// Each failure is counted before its result is stored, so once all
	// nine results are stored every alert that will fire has fired.
	for id := uint64(1); id <= sent; id++ {
		if r := waitForward(t, c, id); r.Status != 500 {
			t.Fatalf("forward %d: %+v", id, r)
		}
	}
	list := waitFired(t, c, 1)
	want := "Forward failures: 6 in the last 1 min under /hooks/stripe (threshold 5)"
	if len(list) != 1 || list[0].Text != want || list[0].WebhookStatus != 200 || list[0].Rule != "stripe down" {
		t.Fatalf("fired %+v, want one %q", list, want)
	}
	if strings.Contains(list[0].Webhook, "sekret") || !strings.HasPrefix(list[0].Webhook, slack.URL+"/•") {
		t.Fatalf("the fired alert shows the webhook unmasked: %q", list[0].Webhook)
	}
	if got := slack.got(); len(got) != 1 || got[0] != "POST application/json Hookscope: "+want {
		t.Fatalf("the webhook got %q, want one POST", got)
	}
	heardMu.Lock()
	if len(heard) != 1 || heard[0] != want {
		t.Fatalf("listeners heard %q", heard)
	}
	heardMu.Unlock()
	if line := notices.String(); line != "alert \"stripe down\": "+want+"\n" {
		t.Fatalf("notices %q", line)
	}
	// Listed masked; saving the list back as listed keeps the real URL.
	listed, _ := c.AlertRules()
	if strings.Contains(listed[0].WebhookURL, "sekret") {
		t.Fatalf("listed unmasked: %q", listed[0].WebhookURL)
	}
	listed[0].Cooldown = alerts.Duration(time.Second)
	if err := c.SetAlertRules(listed); err != nil {
		t.Fatal(err)
	}
	if f, err := c.TestAlert("STRIPE DOWN"); err != nil || f.WebhookStatus != 200 || !f.Test {
		t.Fatalf("test alert %+v %v", f, err)
	}
	if got := slack.got(); len(got) != 2 || !strings.Contains(got[1], `Test of alert "stripe down"`) {
		t.Fatalf("the saved URL was lost when the masked list was saved back: %q", got)
	}
	if _, err := c.TestAlert("nobody"); err == nil || !strings.Contains(err.Error(), "hookscope alerts lists them") {
		t.Fatalf("unknown alert: %v", err)
	}
}

// A 5xx answered by a response rule fires; the webhook's own failure is
// recorded with the alert, without the URL's token.
func TestAnswered5xxAndAFailingWebhook(t *testing.T) {
	c := openCore(t)
	slack := newSlack(t, 404)
	if err := c.SetResponseRules([]rules.Rule{{Name: "boom", PathPattern: "/pay*", Status: 503, Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetAlertRules([]alerts.Rule{{Kind: alerts.Answered5xx, Prefix: "/pay", Window: alerts.Duration(time.Minute),
		Cooldown: alerts.Duration(time.Hour), WebhookURL: slack.URL + "/tok", Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	c.StartListener("")
	resp, err := http.Post(c.ListenerURL()+"/pay", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	list := waitFired(t, c, 1)
	if f := list[0]; f.Rule != "answered_5xx /pay" || f.Text != "5xx answered: 1 in the last 1 min under /pay (threshold 0)" ||
		f.WebhookStatus != 404 || f.WebhookError != "the webhook answered 404 Not Found" {
		t.Fatalf("fired %+v", f)
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL + "/secret-token"
	dead.Close()
	c.SetAlertRules([]alerts.Rule{{Name: "x", Kind: alerts.Answered5xx, Prefix: "/", Window: alerts.Duration(time.Minute),
		Cooldown: alerts.Duration(time.Hour), WebhookURL: deadURL, Enabled: true}})
	f, err := c.TestAlert("x")
	if err != nil || !strings.HasPrefix(f.WebhookError, "the webhook did not answer: ") || strings.Contains(f.WebhookError, "secret-token") {
		t.Fatalf("dead webhook: %+v %v", f, err)
	}
}

// A core opened for one command evaluates nothing, and what was fired
// and saved is read back from the file.
func TestPassiveCoreFiresNothingAndReadsTheHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	c, err := Open(Config{DBPath: path, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	c.SetAlertRules([]alerts.Rule{{Kind: alerts.Answered5xx, Window: alerts.Duration(time.Minute), Cooldown: alerts.Duration(time.Minute), Enabled: true}})
	c.SetResponseRules([]rules.Rule{{Name: "boom", PathPattern: "*", Status: 500, Enabled: true}})
	c.StartListener("")
	resp, err := http.Post(c.ListenerURL()+"/a", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The evaluation runs on the capture's goroutine before it answers:
	// by now it has run, or never will.
	if list, _ := c.FiredAlerts(); len(list) != 0 {
		t.Fatalf("a passive core fired %+v", list)
	}
	if _, err := c.TestAlert("answered_5xx /"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c2, err := Open(Config{DBPath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	list, _ := c2.FiredAlerts()
	rules, _ := c2.AlertRules()
	if len(list) != 1 || !list[0].Test || len(rules) != 1 || rules[0].Name != "answered_5xx /" {
		t.Fatalf("after reopening: fired %+v, rules %+v", list, rules)
	}
	if err := c2.SetAlertRules([]alerts.Rule{{Kind: "sometimes", Window: alerts.Duration(time.Minute), Cooldown: alerts.Duration(time.Minute)}}); err == nil {
		t.Fatal("a rule of no known kind was saved")
	}
}

type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
