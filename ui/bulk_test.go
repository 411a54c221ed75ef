package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/ui/uithread"
)

func TestBulkReplayDialogRetriesAndReportsEachOutcome(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		hits[r.URL.Path]++
		if r.URL.Path == "/bad" || hits[r.URL.Path] == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(200)
	}))
	defer flaky.Close()
	h := newHarness(t, "127.0.0.1:0")
	for _, p := range []string{"/one", "/two", "/bad"} {
		h.post("POST", p, "text/plain", p, nil)
	}
	h.waitForCount(3)
	uithread.DoAndWait(func() { test.Tap(h.view.bar.bulk) })
	uithread.DoAndWait(func() {
		entries := collect[*widget.Entry](h.window.Canvas().Overlays().Top())
		if len(entries) < 5 {
			t.Fatalf("bulk dialog has %d entries", len(entries))
		}
		if entries[0].Text != "1-3" {
			t.Fatalf("IDs prefilled as %q, want the listed range 1-3", entries[0].Text)
		}
		entries[1].SetText("")
		test.Type(entries[1], flaky.URL)
		entries[3].SetText("0") // no rate limit: keep the test quick
		entries[4].SetText("2")
	})
	tapDialogButton(t, h.window, "Start")
	deadline := time.Now().Add(20 * time.Second)
	for onUI(func() string { return h.view.bulk.summary }) == "" {
		if time.Now().After(deadline) {
			t.Fatal("bulk replay never finished")
		}
		time.Sleep(20 * time.Millisecond)
	}
	summary := onUI(func() string { return h.view.bulk.summary })
	if !strings.HasPrefix(summary, "2 of 3 replayed successfully.") || !strings.Contains(summary, "#3 after 2 attempt(s): answered 502") {
		t.Fatalf("summary %q", summary)
	}
	if got := onUI(func() float64 { return h.view.bulk.progress.bar.Value }); got != 3 {
		t.Fatalf("progress bar at %v", got)
	}
}
