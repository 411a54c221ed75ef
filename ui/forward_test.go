package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/ui/uithread"
)

// collect walks obj's tree and returns every object of type T, in order.
func collect[T fyne.CanvasObject](obj fyne.CanvasObject) []T {
	var out []T
	if t, ok := obj.(T); ok {
		out = append(out, t)
	}
	if c, ok := obj.(*fyne.Container); ok {
		for _, child := range c.Objects {
			out = append(out, collect[T](child)...)
		}
	} else if w, ok := obj.(fyne.Widget); ok {
		for _, child := range test.WidgetRenderer(w).Objects() {
			out = append(out, collect[T](child)...)
		}
	}
	return out
}

func TestForwardDialogTurnsForwardingOnAndTheAnswerShows(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(204)
	}))
	defer target.Close()
	h := newHarness(t, "127.0.0.1:0")
	uithread.DoAndWait(func() { test.Tap(h.view.bar.forward) })
	uithread.DoAndWait(func() {
		top := h.window.Canvas().Overlays().Top()
		entries := collect[*widget.Entry](top)
		checks := collect[*widget.Check](top)
		if len(entries) < 2 || len(checks) < 1 {
			t.Fatalf("forward dialog has %d entries and %d checks", len(entries), len(checks))
		}
		entries[0].SetText("")
		test.Type(entries[0], "/hooks")
		test.Type(entries[1], target.URL)
		test.Tap(checks[0])
	})
	tapDialogButton(t, h.window, "Save")
	if rules, _ := h.core.ForwardRules(); len(rules) != 1 || rules[0].Target != target.URL || !rules[0].Enabled {
		t.Fatalf("rules %+v", rules)
	}
	if got := onUI(func() string { return h.view.bar.forward.Text }); got != "Forwarding" {
		t.Fatalf("button says %q", got)
	}
	h.post("POST", "/hooks/x", "text/plain", "hello", nil)
	h.waitForCount(1)
	uithread.DoAndWait(func() { h.view.requests.list.Select(0) })
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(onUI(func() string { return texts(h.view.inspector.overview) }), "Forwarded=to "+target.URL+" → 204") {
		if time.Now().After(deadline) {
			t.Fatalf("overview %q", onUI(func() string { return texts(h.view.inspector.overview) }))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRetentionDialogSavesThePolicyAndPrunes(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	for range 4 {
		h.post("POST", "/r", "text/plain", "x", nil)
	}
	h.waitForCount(4)
	uithread.DoAndWait(func() { test.Tap(h.view.bar.storage) })
	uithread.DoAndWait(func() {
		entries := collect[*widget.Entry](h.window.Canvas().Overlays().Top())
		if len(entries) != 3 {
			t.Fatalf("retention dialog has %d entries", len(entries))
		}
		test.Type(entries[0], "2")
	})
	tapDialogButton(t, h.window, "Save")
	if r, _ := h.core.Retention(); r.MaxCount != 2 {
		t.Fatalf("policy %+v", r)
	}
	h.waitForCount(2)
	if got := onUI(func() string { return h.view.retention.note }); got != "keep the last 2 requests (whichever is least)" {
		t.Fatalf("note %q", got)
	}
}

// TestForwardSetFromTheCommandLineShowsInTheToolbar: a forward rule set
// through the socket (`hookscope forward add` while the window is open)
// reaches the core without the dialog; the toolbar used to go on saying
// "Forward…".
func TestForwardSetFromTheCommandLineShowsInTheToolbar(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	if err := h.core.SetForwardRules([]app.ForwardRule{{Prefix: "/api", Target: "http://127.0.0.1:9/x", Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for onUI(func() string { return h.view.bar.forward.Text }) != "Forwarding" {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s the button says %q", onUI(func() string { return h.view.bar.forward.Text }))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLongForwardTargetDoesNotWidenTheWindow: a 120-character target
// leaves the window as wide as a short one does (it used to grow the
// toolbar by the URL's width, pushing buttons off screen).
func TestLongForwardTargetDoesNotWidenTheWindow(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	widthWith := func(target string) float32 {
		if err := h.core.SetForwardRules([]app.ForwardRule{{Prefix: "/api", Target: target, Enabled: true}}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for onUI(func() string { return h.view.bar.forward.Text }) != "Forwarding" {
			if time.Now().After(deadline) {
				t.Fatalf("button says %q", onUI(func() string { return h.view.bar.forward.Text }))
			}
			time.Sleep(10 * time.Millisecond)
		}
		return onUI(func() float32 { return h.view.Object().MinSize().Width })
	}
	short := widthWith("http://a:9")
	long := widthWith("http://127.0.0.1:9/" + strings.Repeat("x", 101))
	if long != short {
		t.Fatalf("minimum width %.0f with a 120-character target, %.0f with a short one", long, short)
	}
}
