package ui

import (
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/ui/uithread"
)

func chargeEvent(amount string) string {
	return `{"id":"evt_1","object":"event","type":"charge.succeeded","created":1700000000,` +
		`"data":{"object":{"id":"ch_1","object":"charge","amount":` + amount + `,"currency":"usd",` +
		`"payment_method_details":{"type":"card","card":{"last4":"4242"}}}}}`
}

// rowMarks are the rows on screen as "path mark", top first.
func rowMarks(h *harness) []string {
	return onUI(func() []string {
		var out []string
		walk(h.view.requests.list, func(o fyne.CanvasObject) {
			if r, ok := o.(*requestRow); ok && r.Visible() && r.path.Text != "" {
				mark := ""
				if r.contract.Visible() {
					mark = r.contract.Text
					if r.contract.Size().Width < r.contract.MinSize().Width {
						mark += " (cut)"
					}
				}
				out = append(out, r.path.Text+" "+mark)
			}
		})
		return out
	})
}

// TestContractVerdictInListAndInspector: with a spec attached, a capture
// that breaks it is marked in its row, the Contract tab lists the
// violation with its pointer, and Show in body marks the value; a capture
// that fits is marked valid; one on a path without a spec says how to
// attach one.
func TestContractVerdictInListAndInspector(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	spec, err := os.ReadFile("../contract/testdata/stripe-like.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.core.AttachContract("/hooks/", spec); err != nil {
		t.Fatal(err)
	}
	h.post("POST", "/hooks/stripe", "application/json", chargeEvent(`"1200"`), nil) // 1
	h.post("POST", "/hooks/stripe", "application/json", chargeEvent(`1200`), nil)   // 2
	h.post("POST", "/other", "application/json", chargeEvent(`"1200"`), nil)        // 3
	h.waitForCount(3)
	want := []string{"/other ", "/hooks/stripe ✓ contract", "/hooks/stripe ✗ contract"}
	deadline := time.Now().Add(10 * time.Second)
	for got := rowMarks(h); strings.Join(got, "|") != strings.Join(want, "|"); got = rowMarks(h) {
		if time.Now().After(deadline) {
			t.Fatalf("rows %q, want %q", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}

	in := h.view.inspector
	uithread.DoAndWait(func() { h.view.requests.Select(1) })
	if got := onUI(in.contract.Headline); got != "invalid: Payments webhooks 2026-01-01 webhook charge.succeeded (1 violation)" {
		t.Fatalf("headline %q", got)
	}
	if got := onUI(func() string { return labelsIn(in.contract.violations) }); got != "/data/object/amount: expected integer, got string" {
		t.Fatalf("violations %q", got)
	}
	uithread.DoAndWait(func() {
		test.Tap(findButton(in.contract.violations, "Show in body"))
	})
	if got := onUI(func() string { return in.tabs.Selected().Text }); got != "Body" {
		t.Errorf("Show in body left the tab %q open", got)
	}
	if got := onUI(in.body.Highlighted); got != `"1200"` {
		t.Errorf("the body marks %q", got)
	}

	uithread.DoAndWait(func() { h.view.requests.Select(3) })
	if got := onUI(func() string { return in.contract.hint.Text }); !strings.Contains(got, "hookscope contracts add PREFIX FILE") {
		t.Errorf("unchecked request: %q", got)
	}
	uithread.DoAndWait(func() { test.Tap(in.contract.check) })
	if got := onUI(func() string { return in.contract.status.Text }); !strings.Contains(got, "No OpenAPI spec is attached") {
		t.Errorf("Check now without a spec said %q", got)
	}
}

// labelsIn joins the labels' texts inside box, one per line.
func labelsIn(box fyne.CanvasObject) string {
	var out []string
	walk(box, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	})
	return strings.Join(out, "\n")
}
