package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"dev.hookscope/ui/uithread"
)

func TestOpenCaptureInComposer(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	h.post("PUT", "/orders/7?x=1", "application/json", `{"n":7}`, map[string]string{"X-Thing": "yes"})
	h.waitForCount(1)
	uithread.DoAndWait(func() { h.view.requests.list.Select(0) })
	uithread.DoAndWait(func() { test.Tap(h.view.inspector.composeBtn) })
	r := onUI(func() string {
		if h.view.composer.view == nil {
			return ""
		}
		req := h.view.composer.view.Request()
		return req.Method + " " + req.URL + " " + req.RawBody
	})
	if !strings.HasPrefix(r, "PUT http://") || !strings.Contains(r, "/orders/7?x=1") || !strings.HasSuffix(r, `{"n":7}`) {
		t.Fatalf("composer holds %q", r)
	}
	uithread.DoAndWait(func() { h.view.composer.win.Close() })
}
