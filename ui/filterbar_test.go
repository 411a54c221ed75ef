package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"dev.hookscope/ui/uithread"
)

func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !onUI(cond) {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFilterBarNarrowsAsYouTypeAndFollowsLiveCaptures(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	h.post("POST", "/hooks/stripe", "application/json", `{"type":"invoice.paid"}`, nil)
	h.post("POST", "/hooks/stripe", "application/json", `{"type":"invoice.created"}`, nil)
	h.post("GET", "/health", "", "", nil)
	h.waitForCount(3)

	uithread.DoAndWait(func() { test.Type(h.view.filter.entry, "POST") })
	h.waitFor("method filter", func() bool { return h.view.requests.Count() == 2 })
	uithread.DoAndWait(func() {
		h.view.filter.entry.SetText("")
		test.Type(h.view.filter.entry, `json:'type == "invoice.paid"'`)
	})
	h.waitFor("JSON filter", func() bool { return h.view.requests.Count() == 1 && h.view.requests.idAt(0) == 1 })
	if title := onUI(h.window.Title); title != "Hookscope — 1 request matches the filter" {
		t.Fatalf("title %q", title)
	}
	// A capture that does not match stays out; one that matches appears.
	// The list takes new captures in ID order, so once #5 is listed #4
	// has been judged: no waiting for something not to happen.
	h.post("POST", "/hooks/stripe", "application/json", `{"type":"other"}`, nil)
	h.post("POST", "/hooks/stripe", "application/json", `{"type":"invoice.paid","n":2}`, nil)
	h.waitFor("live match", func() bool { return h.view.requests.idAt(0) == 5 })
	if n := onUI(h.view.requests.Count); n != 2 {
		t.Fatalf("a non-matching capture was listed: %d rows", n)
	}
	uithread.DoAndWait(func() { test.Type(h.view.filter.entry, " body:nothing-like-this") })
	h.waitFor("no match", func() bool { return h.view.requests.Count() == 0 && h.view.requests.noMatch.Visible() })
	uithread.DoAndWait(func() { h.view.filter.entry.SetText("") })
	h.waitFor("filter cleared", func() bool { return h.view.requests.Count() == 5 && !h.view.requests.Filtered() })
}
