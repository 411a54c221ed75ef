package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dev.hookscope/storage"
)

func waitForward(t *testing.T, c *Core, id uint64) storage.ForwardResult {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if r, ok, _ := c.ForwardResult(id); ok {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %d was never forwarded", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestForwardDeliversAndKeepsTheAnswer(t *testing.T) {
	var got atomic.Value
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(r.Method + " " + r.URL.RequestURI() + " " + string(b))
		w.WriteHeader(202)
	}))
	defer target.Close()
	c := openCore(t)
	if err := c.SetForwardRules([]ForwardRule{{Prefix: "/hooks", Target: target.URL, Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	c.StartListener("")
	post(t, c.ListenerURL()+"/hooks/a?x=1")
	post(t, c.ListenerURL()+"/elsewhere")
	r := waitForward(t, c, 1)
	if r.Status != 202 || r.Error != "" || r.ReplayID == 0 || got.Load() != "POST /hooks/a?x=1 hi" {
		t.Fatalf("forward result %+v, target saw %v", r, got.Load())
	}
	time.Sleep(100 * time.Millisecond)
	if _, ok, _ := c.ForwardResult(2); ok {
		t.Fatal("a request outside the prefix was forwarded")
	}
	if hist, _ := c.Replays(1); len(hist) != 1 || hist[0].Status != 202 {
		t.Fatalf("forward not in the replay history: %+v", hist)
	}
}

func TestSlowOrDeadTargetNeverDelaysOrLosesCaptures(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer slow.Close()
	defer close(release)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()

	c := openCore(t)
	c.SetForwardRules([]ForwardRule{{Prefix: "/slow", Target: slow.URL, Enabled: true}, {Prefix: "/dead", Target: deadURL, Enabled: true}})
	c.StartListener("")
	start := time.Now()
	// Three stuck forwards leave a worker free for the dead target.
	for range 3 {
		post(t, c.ListenerURL()+"/slow/x")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("captures waited for a slow forward target: %v", d)
	}
	post(t, c.ListenerURL()+"/dead/y")
	r := waitForward(t, c, 4)
	if r.Status != 0 || !strings.Contains(r.Error, "refused") {
		t.Fatalf("dead target result %+v", r)
	}
	if ids, _ := c.IDs(); len(ids) != 4 {
		t.Fatalf("%d captures stored, want 4", len(ids))
	}
}

func TestDuplicateDeliveriesAreMarked(t *testing.T) {
	c := openCore(t)
	c.StartListener("")
	send := func(body string, hdr map[string]string) {
		req, _ := http.NewRequest("POST", c.ListenerURL()+"/hooks/stripe", strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	send(`{"id":"evt_1","type":"invoice.paid"}`, nil)
	send(`{"id":"evt_2","type":"invoice.paid"}`, nil)
	send(`{"id":"evt_1","type":"invoice.paid","attempt":2}`, nil)
	send(`{}`, map[string]string{"X-GitHub-Delivery": "d-9"})
	send(`{"other":1}`, map[string]string{"X-GitHub-Delivery": "d-9"})
	sums, _ := c.Summaries(0, 0)
	want := []uint64{0, 0, 1, 0, 4}
	for i, s := range sums {
		if s.DuplicateOf != want[i] {
			t.Fatalf("request %d duplicate_of %d, want %d", s.ID, s.DuplicateOf, want[i])
		}
	}
	// After a restart the recent events are still known.
	path := c.DBPath()
	c.Close()
	c2, err := Open(Config{DBPath: path, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.StartBackground() // as the window and serve do
	c2.StartListener("")
	c = c2
	send(`{"id":"evt_2","type":"invoice.paid"}`, nil)
	if s, _ := c2.Summary(6); s.DuplicateOf != 2 {
		t.Fatalf("redelivery after restart: duplicate_of %d, want 2", s.DuplicateOf)
	}
	// Imported, a record's duplicate_of named an ID of its own store.
	rec, err := c2.Get(6)
	if err != nil {
		t.Fatal(err)
	}
	id, err := c2.Append(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := c2.Summary(id); s.DuplicateOf != 0 {
		t.Fatalf("an imported record kept duplicate_of %d", s.DuplicateOf)
	}
}

func TestRelayAnswersWithTheTargetsResponse(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-From", "target")
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "short and stout")
	}))
	defer target.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	c := openCore(t)
	c.SetForwardRules([]ForwardRule{
		{Prefix: "/relay", Target: target.URL, Enabled: true, Relay: true},
		{Prefix: "/gone", Target: deadURL, Enabled: true, Relay: true},
	})
	c.StartListener("")
	resp, err := http.Post(c.ListenerURL()+"/relay/x", "text/plain", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot || string(body) != "short and stout" || resp.Header.Get("X-From") != "target" {
		t.Fatalf("sender got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if s, _ := c.Summary(1); s.Status != http.StatusTeapot {
		t.Fatalf("stored status %d, want the relayed 418", s.Status)
	}
	if r, ok, _ := c.ForwardResult(1); !ok || r.Status != http.StatusTeapot {
		t.Fatalf("forward result %+v", r)
	}
	resp, err = http.Post(c.ListenerURL()+"/gone/y", "text/plain", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), `"id":2`) {
		t.Fatalf("dead relay target: %d %s", resp.StatusCode, body)
	}
	if _, err := c.Get(2); err != nil {
		t.Fatalf("a request whose relay failed was not kept: %v", err)
	}
}
