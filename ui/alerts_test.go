package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/alerts"
	"dev.hookscope/rules"
	"dev.hookscope/ui/uithread"
)

// alertFormWidgets finds the alert form on top: its entries in form order
// (name, prefix, threshold, window, cool-down, webhook), the kind select
// and the enabled check.
func alertFormWidgets(t *testing.T, w fyne.Window) ([]*widget.Entry, *widget.Select, *widget.Check) {
	t.Helper()
	var entries []*widget.Entry
	var selects []*widget.Select
	var checks []*widget.Check
	uithread.DoAndWait(func() {
		top := w.Canvas().Overlays().Top()
		entries, selects, checks = collect[*widget.Entry](top), collect[*widget.Select](top), collect[*widget.Check](top)
	})
	if len(entries) != 6 || len(selects) != 1 || len(checks) != 1 {
		t.Fatalf("alert form has %d entries, %d selects, %d checks", len(entries), len(selects), len(checks))
	}
	return entries, selects[0], checks[0]
}

func waitUI(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !onUI(cond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Add an alert in the Alerts… dialog, see it fire as a notification and
// a webhook POST, test it, and edit it without retyping the masked URL.
func TestAlertsDialogAddsFiresTestsAndEdits(t *testing.T) {
	var posts atomic.Int32
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/services/tok" {
			posts.Add(1)
		}
	}))
	defer slack.Close()
	h := newHarness(t, "127.0.0.1:0")
	if err := h.core.SetResponseRules([]rules.Rule{{Name: "down", PathPattern: "/pay*", Status: 503, Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	uithread.DoAndWait(func() { test.Tap(h.view.bar.alerts) })
	visibleText := func() string {
		return onUI(func() string {
			var b strings.Builder
			for _, l := range collect[*widget.Label](h.window.Canvas().Overlays().Top()) {
				if l.Visible() {
					b.WriteString(l.Text + "\n")
				}
			}
			return b.String()
		})
	}
	if got := visibleText(); !strings.Contains(got, "No alert rules yet. Add… makes one") {
		t.Fatalf("the empty dialog shows:\n%s", got)
	}
	tapDialogButton(t, h.window, "Add…")
	entries, kind, _ := alertFormWidgets(t, h.window)
	uithread.DoAndWait(func() {
		test.Type(entries[0], "payments")
		kind.SetSelected(alertKindLabels[alerts.Answered5xx])
		entries[1].SetText("")
		test.Type(entries[1], "/pay")
		test.Type(entries[4], "1h")
		test.Type(entries[5], slack.URL+"/services/tok")
	})
	tapDialogButton(t, h.window, "Save")
	list, _ := h.core.AlertRules()
	if len(list) != 1 || list[0].Name != "payments" || list[0].Kind != alerts.Answered5xx || time.Duration(list[0].Cooldown) != time.Hour ||
		time.Duration(list[0].Window) != time.Minute || list[0].WebhookURL != alerts.MaskURL(slack.URL+"/services/tok") {
		t.Fatalf("saved %+v", list)
	}
	lists := onUI(func() []*widget.List { return collect[*widget.List](h.window.Canvas().Overlays().Top()) })
	labels := onUI(func() []*widget.Label { return collect[*widget.Label](h.window.Canvas().Overlays().Top()) })
	shown := onUI(func() string {
		var b strings.Builder
		for _, l := range labels {
			b.WriteString(l.Text + "\n")
		}
		return b.String()
	})
	if len(lists) != 1 || !strings.Contains(shown, "payments · more than 0 5xx answers in 1 min under /pay") || strings.Contains(shown, "/services/tok") ||
		!strings.Contains(shown, "No alert has fired yet.") {
		t.Fatalf("dialog shows:\n%s", shown)
	}
	if got := visibleText(); strings.Contains(got, "No alert rules yet") {
		t.Errorf("the empty sentence stayed beside a rule:\n%s", got)
	}

	h.post("POST", "/pay", "text/plain", "x", nil)
	waitUI(t, "the alert's desktop notification", func() bool { return h.view.notifier.alertsNotified == 1 })
	waitUI(t, "the webhook POST", func() bool { return posts.Load() == 1 })

	uithread.DoAndWait(func() { lists[0].Select(0) })
	tapDialogButton(t, h.window, "Test")
	waitUI(t, "the test in the fired list", func() bool {
		for _, l := range collect[*widget.Label](h.window.Canvas().Overlays().Top()) {
			if strings.Contains(l.Text, "payments (test): Test of alert") && strings.Contains(l.Text, "[webhook answered 200]") &&
				strings.Contains(l.Text, "payments: 5xx answered: 1 in the last 1 min under /pay (threshold 0)") {
				return true
			}
		}
		return false
	})
	if posts.Load() != 2 || onUI(func() int { return h.view.notifier.alertsNotified }) != 2 {
		t.Fatalf("after the test: %d posts, %d notifications", posts.Load(), h.view.notifier.alertsNotified)
	}

	// Edit: the webhook shows masked and, left so, keeps the saved URL.
	uithread.DoAndWait(func() { lists[0].Select(0) })
	tapDialogButton(t, h.window, "Edit…")
	entries, _, _ = alertFormWidgets(t, h.window)
	if got := onUI(func() string { return entries[5].Text }); got != alerts.MaskURL(slack.URL+"/services/tok") {
		t.Fatalf("the form shows the webhook as %q", got)
	}
	uithread.DoAndWait(func() { test.Type(entries[2], "3") })
	tapDialogButton(t, h.window, "Save")
	if list, _ := h.core.AlertRules(); len(list) != 1 || list[0].Threshold != 3 {
		t.Fatalf("after the edit %+v", list)
	}
	if _, err := h.core.TestAlert("payments"); err != nil || posts.Load() != 3 {
		t.Fatalf("the edit lost the webhook: %v, %d posts", err, posts.Load())
	}
}
