package ui

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/ui/uithread"
)

type harness struct {
	t      *testing.T
	core   *app.Core
	view   *MainView
	window fyne.Window
}

func newHarness(t *testing.T, listen string) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	core, err := app.Open(app.Config{DBPath: filepath.Join(t.TempDir(), "ui.db"), Listen: listen})
	if err != nil {
		t.Fatal(err)
	}
	core.StartBackground() // as Run does
	w := test.NewTempWindow(t, widget.NewLabel(""))
	v := NewMainView(a, w, core)
	w.SetContent(v.Object())
	w.Resize(fyne.NewSize(1200, 760))
	v.Start(io.Discard)
	t.Cleanup(func() { v.Close(); core.Close() })
	return &harness{t: t, core: core, view: v, window: w}
}

// onUI runs fn on Fyne's goroutine and waits, so tests read widget state
// without racing the live-update goroutine.
func onUI[T any](fn func() T) T {
	var out T
	uithread.DoAndWait(func() { out = fn() })
	return out
}

func (h *harness) post(method, path, contentType, body string, header map[string]string) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.core.ListenerURL()+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
}

func (h *harness) waitForCount(n int) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for onUI(h.view.requests.Count) != n {
		if time.Now().After(deadline) {
			h.t.Fatalf("list shows %d requests, want %d", onUI(h.view.requests.Count), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCapturedRequestAppearsAndInspectorShowsIt(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	if !onUI(func() bool { return h.view.requests.empty.Visible() }) {
		t.Fatal("empty state not shown for a new store")
	}
	if got := onUI(func() string { return h.view.requests.curlLine.Text }); !strings.Contains(got, h.core.ListenerURL()+"/hooks/test") {
		t.Fatalf("empty state command %q does not use the listener URL", got)
	}
	h.post("POST", "/hooks/stripe?attempt=2&attempt=3", "application/json", `{"type":"invoice.paid","amount":2000}`, map[string]string{"X-Test": "yes"})
	h.waitForCount(1)
	if onUI(func() bool { return h.view.requests.empty.Visible() }) {
		t.Fatal("empty state still shown")
	}
	if title := onUI(h.window.Title); title != "Hookscope — 1 request" {
		t.Fatalf("title %q", title)
	}
	uithread.DoAndWait(func() { h.view.requests.list.Select(0) })

	in := h.view.inspector
	if got := onUI(func() string { return in.title.Text }); got != "POST /hooks/stripe" {
		t.Fatalf("inspector title %q", got)
	}
	headers := onUI(func() string { return texts(in.headers) })
	if !strings.Contains(headers, "X-Test=yes") || !strings.Contains(headers, "Content-Type=application/json") {
		t.Fatalf("headers tab shows %q", headers)
	}
	query := onUI(func() string { return texts(in.query) })
	if query != "attempt=2;attempt=3;" {
		t.Fatalf("query tab shows %q", query)
	}
	overview := onUI(func() string { return texts(in.overview) })
	if !strings.Contains(overview, "URL="+h.core.ListenerURL()+"/hooks/stripe?attempt=2&attempt=3") {
		t.Fatalf("overview %q", overview)
	}
	waitBody(t, in, `  "type": "invoice.paid",`)
}

// waitBody waits for the body viewer (which may format off the UI
// goroutine) to show want on one of its lines.
func waitBody(t *testing.T, in *Inspector, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines := onUI(func() []string {
			var out []string
			for i := range in.body.LineCount() {
				out = append(out, in.body.VisibleText(i))
			}
			return out
		})
		for _, l := range lines {
			if l == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("body shows %q, want a line %q", lines, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// texts renders a form container as name=value; pairs.
func texts(box *fyne.Container) string {
	var b strings.Builder
	for i := 0; i+1 < len(box.Objects); i += 2 {
		b.WriteString(box.Objects[i].(*widget.Label).Text + "=" + box.Objects[i+1].(*widget.Label).Text + ";")
	}
	return b.String()
}

func TestNewestFirstAndDeleteWithConfirmation(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	h.post("GET", "/first", "", "", nil)
	h.post("PUT", "/second", "text/plain", "two", nil)
	h.waitForCount(2)
	if id := onUI(func() uint64 { return h.view.requests.idAt(0) }); id != 2 {
		t.Fatalf("top row is #%d, want the newest (#2)", id)
	}
	uithread.DoAndWait(func() { h.view.requests.list.Select(0) })
	uithread.DoAndWait(func() { test.Tap(h.view.bar.deleteBtn) })
	tapDialogButton(t, h.window, "Yes")
	h.waitForCount(1)
	if ids, _ := h.core.IDs(); len(ids) != 1 || ids[0] != 1 {
		t.Fatalf("store holds %v after deleting #2", ids)
	}

	uithread.DoAndWait(func() { test.Tap(h.view.bar.clear) })
	tapDialogButton(t, h.window, "No")
	if n := onUI(h.view.requests.Count); n != 1 {
		t.Fatalf("declined clear removed requests: %d left", n)
	}
	uithread.DoAndWait(func() { test.Tap(h.view.bar.clear) })
	tapDialogButton(t, h.window, "Yes")
	h.waitForCount(0)
	if !onUI(func() bool { return h.view.requests.empty.Visible() }) {
		t.Fatal("empty state not back after clear")
	}
}

func tapDialogButton(t *testing.T, w fyne.Window, label string) {
	t.Helper()
	var found *widget.Button
	uithread.DoAndWait(func() {
		top := w.Canvas().Overlays().Top()
		if top == nil {
			return
		}
		found = findButton(top, label)
		if found != nil {
			test.Tap(found)
		}
	})
	if found == nil {
		t.Fatalf("no dialog with a %q button", label)
	}
}

func findButton(obj fyne.CanvasObject, label string) *widget.Button {
	if b, ok := obj.(*widget.Button); ok && b.Text == label {
		return b
	}
	if c, ok := obj.(*fyne.Container); ok {
		for _, child := range c.Objects {
			if b := findButton(child, label); b != nil {
				return b
			}
		}
	}
	if w, ok := obj.(fyne.Widget); ok {
		r := test.WidgetRenderer(w)
		for _, child := range r.Objects() {
			if b := findButton(child, label); b != nil {
				return b
			}
		}
	}
	return nil
}

func TestPortInUseShowsBannerAndPickingAnotherWorks(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	h := newHarness(t, taken.Addr().String())
	if !onUI(func() bool { return h.view.bar.banner.root.Visible() }) {
		t.Fatal("no banner for a taken port")
	}
	if msg := onUI(func() string { return h.view.bar.banner.text.Text }); !strings.Contains(msg, "already in use") {
		t.Fatalf("banner says %q", msg)
	}
	if got := onUI(func() string { return h.view.bar.url.Text }); got != "not listening" {
		t.Fatalf("toolbar says %q", got)
	}
	uithread.DoAndWait(func() {
		h.view.bar.banner.addr.SetText("")
		test.Type(h.view.bar.banner.addr, "127.0.0.1:0")
		test.Tap(h.view.bar.banner.listen)
	})
	if onUI(func() bool { return h.view.bar.banner.root.Visible() }) {
		t.Fatal("banner still shown after picking a free address")
	}
	u := h.core.ListenerURL()
	if u == "" || onUI(func() string { return h.view.bar.url.Text }) != u {
		t.Fatalf("listener %q not shown", u)
	}
	h.post("POST", "/after-move", "text/plain", "x", nil)
	h.waitForCount(1)
}

func TestStopAndStartListener(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	uithread.DoAndWait(func() { test.Tap(h.view.bar.startStop) })
	if h.core.ListenerURL() != "" || onUI(func() string { return h.view.bar.startStop.Text }) != "Start" {
		t.Fatal("stop did not stop")
	}
	uithread.DoAndWait(func() { test.Tap(h.view.bar.startStop) })
	if h.core.ListenerURL() == "" || onUI(func() string { return h.view.bar.startStop.Text }) != "Stop" {
		t.Fatal("start did not start")
	}
}

func TestSuggestAddr(t *testing.T) {
	for in, want := range map[string]string{"127.0.0.1:8080": "127.0.0.1:8081", "[::1]:9000": "[::1]:9001", "junk": "127.0.0.1:0"} {
		if got := suggestAddr(in); got != want {
			t.Errorf("%q: %q want %q", in, got, want)
		}
	}
}
