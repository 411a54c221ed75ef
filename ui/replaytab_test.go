package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"dev.hookscope/ui/uithread"
)

func TestReplayTabSendsEditedRequestAndKeepsHistory(t *testing.T) {
	var mu sync.Mutex
	var seen *http.Request
	var seenBody string
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen, seenBody = r, string(b)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		io.WriteString(w, `{"received":true}`)
	}))
	defer target.Close()

	h := newHarness(t, "127.0.0.1:0")
	h.post("POST", "/hooks/orders?x=1", "application/json", `{"amount":10}`, map[string]string{"X-Remove-Me": "1", "X-Keep": "k"})
	h.waitForCount(1)
	uithread.DoAndWait(func() { h.view.requests.list.Select(0) })
	rt := h.view.inspector.replay
	if got := onUI(func() string { return rt.body.Text }); got != `{"amount":10}` {
		t.Fatalf("editor body %q", got)
	}
	uithread.DoAndWait(func() {
		rt.target.SetText("")
		test.Type(rt.target, target.URL)
		rt.headers.SetText(strings.Replace(rt.headers.Text, "X-Remove-Me: 1\n", "", 1) + "X-Added: yes\n")
		rt.body.SetText(`{"amount":99}`)
		test.Tap(rt.send)
	})
	deadline := time.Now().Add(10 * time.Second)
	for onUI(func() string { return rt.status.Text }) != "201 Created" {
		if time.Now().After(deadline) {
			t.Fatalf("status shows %q", onUI(func() string { return rt.status.Text }))
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	if seen.URL.RequestURI() != "/hooks/orders?x=1" || seenBody != `{"amount":99}` || seen.Header.Get("X-Added") != "yes" ||
		seen.Header.Get("X-Remove-Me") != "" || seen.Header.Get("X-Keep") != "k" {
		t.Fatalf("target saw %s %v body %q", seen.URL, seen.Header, seenBody)
	}
	mu.Unlock()
	if n := onUI(func() int { return len(rt.entries) }); n != 1 {
		t.Fatalf("history has %d entries", n)
	}
	if got := onUI(func() string { return rt.timing.Text }); !strings.Contains(got, "total") {
		t.Fatalf("timing %q", got)
	}
	// A draft survives selecting the request again.
	uithread.DoAndWait(func() {
		rt.body.SetText(`{"amount":7}`)
		test.Tap(rt.saveDraft)
		h.view.inspector.Show(rt.rec)
	})
	if got := onUI(func() string { return rt.body.Text }); got != `{"amount":7}` {
		t.Fatalf("draft not restored: %q", got)
	}
	uithread.DoAndWait(func() { test.Tap(rt.discard) })
	if got := onUI(func() string { return rt.body.Text }); got != `{"amount":10}` {
		t.Fatalf("discard did not restore the capture: %q", got)
	}
}

// TestReplayEditsKeptWhenAnotherRequestIsChosen: edits are kept as the
// request's draft without pressing Save draft, and come back with it; a
// request deleted with edits pending leaves no draft behind.
func TestReplayEditsKeptWhenAnotherRequestIsChosen(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	h.post("POST", "/one", "application/json", `{"n":1}`, nil)
	h.post("POST", "/two", "application/json", `{"n":2}`, nil)
	h.waitForCount(2)
	rt := h.view.inspector.replay
	uithread.DoAndWait(func() { h.view.requests.Select(1) })
	uithread.DoAndWait(func() { rt.body.SetText(`{"n":100}`) })
	uithread.DoAndWait(func() { h.view.requests.Select(2) })
	if got := onUI(func() string { return rt.status.Text }); got != "Edits of request #1 kept as its draft." {
		t.Fatalf("status after leaving #1: %q", got)
	}
	if got := onUI(func() string { return rt.body.Text }); got != `{"n":2}` {
		t.Fatalf("#2 shows %q", got)
	}
	uithread.DoAndWait(func() { h.view.requests.Select(1) })
	if got := onUI(func() string { return rt.body.Text }); got != `{"n":100}` {
		t.Fatalf("#1's edit came back as %q", got)
	}
	// Unchanged: choosing another request keeps nothing.
	uithread.DoAndWait(func() { h.view.requests.Select(2) })
	if _, ok, _ := h.core.Draft(2); ok {
		t.Fatal("an unedited request got a draft")
	}
	// Edited, then deleted from the toolbar: the edit goes with it.
	uithread.DoAndWait(func() { rt.body.SetText(`{"n":200}`) })
	uithread.DoAndWait(func() { test.Tap(h.view.bar.deleteBtn) })
	tapDialogButton(t, h.window, "Yes")
	h.waitForCount(1)
	if _, ok, _ := h.core.Draft(2); ok {
		t.Fatal("a deleted request's edits were kept as a draft")
	}
}
