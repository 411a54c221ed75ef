package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"dev.hookscope/ui/uithread"
)

func TestCompareTwoDeliveriesFromTheInspector(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	h.post("POST", "/hooks/stripe", "application/json", `{"type":"invoice.paid","data":{"amount":2000}}`, map[string]string{"X-Attempt": "1"})
	h.post("POST", "/hooks/stripe", "application/json", `{"type":"invoice.paid","data":{"amount":2500}}`, map[string]string{"X-Attempt": "2"})
	h.waitForCount(2)
	uithread.DoAndWait(func() { h.view.requests.list.Select(0) }) // #2
	uithread.DoAndWait(func() {
		test.Type(h.view.inspector.compareWith, "1")
		test.Tap(h.view.inspector.compareBtn)
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		v := onUI(func() bool { c := h.view.inspector.compared; return c != nil && c.Ready() })
		if v {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the comparison never finished")
		}
		time.Sleep(10 * time.Millisecond)
	}
	summary := onUI(func() string { return h.view.inspector.compared.Result().Summary() })
	if !strings.Contains(summary, "1 JSON value changed") || !strings.Contains(summary, "header") {
		t.Fatalf("summary %q", summary)
	}
}
