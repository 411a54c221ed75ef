package ui

import (
	"bytes"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"dev.hookscope/exchange"
	"dev.hookscope/ui/uithread"
)

func TestShortcutsMoveSelectDeleteAndHelp(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	for _, p := range []string{"/a", "/b", "/c"} {
		h.post("POST", p, "text/plain", p, nil)
	}
	h.waitForCount(3)
	fire := func(key fyne.KeyName, mod fyne.KeyModifier) {
		uithread.DoAndWait(func() {
			h.window.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: mod})
		})
	}
	fire(fyne.KeyDown, fyne.KeyModifierShortcutDefault)
	if id := onUI(h.view.requests.SelectedID); id != 3 {
		t.Fatalf("first Ctrl+Down selected #%d, want the newest #3", id)
	}
	fire(fyne.KeyDown, fyne.KeyModifierShortcutDefault)
	fire(fyne.KeyDown, fyne.KeyModifierShortcutDefault)
	fire(fyne.KeyDown, fyne.KeyModifierShortcutDefault)
	if id := onUI(h.view.requests.SelectedID); id != 1 {
		t.Fatalf("selection stopped at #%d, want the oldest #1", id)
	}
	fire(fyne.KeyUp, fyne.KeyModifierShortcutDefault)
	if id := onUI(h.view.requests.SelectedID); id != 2 {
		t.Fatalf("Ctrl+Up selected #%d", id)
	}
	fire(fyne.KeyDelete, fyne.KeyModifierShortcutDefault)
	tapDialogButton(t, h.window, "Yes")
	h.waitForCount(2)
	fire(fyne.KeyF, fyne.KeyModifierShortcutDefault)
	if onUI(func() fyne.Focusable { return h.window.Canvas().Focused() }) != h.view.filter.entry {
		t.Fatal("Ctrl+F did not focus the filter")
	}
	fire(fyne.KeySlash, fyne.KeyModifierShortcutDefault)
	tapDialogButton(t, h.window, "Close")
}

func TestExportAndImportFromTheWindow(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	h.post("POST", "/hooks/x", "application/json", `{"a":1}`, map[string]string{"X-Thing": "1", "Authorization": "Bearer s3cret-token"})
	h.waitForCount(1)
	var buf bytes.Buffer
	var n int
	if err := onUI(func() (err error) {
		n, err = h.view.exchange.exportIDs(&buf, exchange.FormatHAR, h.view.exchange.listedIDs())
		return err
	}); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	// As `hookscope export` without --include-secrets: masked.
	if strings.Contains(buf.String(), "s3cret-token") {
		t.Fatal("the window's export carries the Authorization value")
	}
	if got := exportedLine(n, exchange.FormatHAR, "/tmp/x.har"); got != "Exported 1 request as har to /tmp/x.har." {
		t.Fatalf("export says %q", got)
	}
	if !strings.Contains(buf.String(), `"version": "1.2"`) && !strings.Contains(buf.String(), `"version":"1.2"`) {
		t.Fatalf("not a HAR: %.200s", buf.String())
	}
	msg, err := h.view.exchange.importData(buf.Bytes())
	if err != nil || msg != "Imported 1 request(s) from har." {
		t.Fatalf("%q %v", msg, err)
	}
	h.waitForCount(2)
	rec, _ := h.core.Get(2)
	if string(rec.Body) != `{"a":1}` || rec.Header.Get("X-Thing") != "1" || rec.Header.Get("Authorization") == "Bearer s3cret-token" {
		t.Fatalf("imported %+v", rec)
	}
}

func TestNotificationOnlyWhileInTheBackground(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	h.post("POST", "/front", "text/plain", "x", nil)
	h.waitForCount(1)
	if n := onUI(func() int { return h.view.notifier.notified }); n != 0 {
		t.Fatalf("%d notifications while focused", n)
	}
	uithread.DoAndWait(func() { h.view.notifier.focused = false })
	h.post("POST", "/back", "text/plain", "x", nil)
	h.waitForCount(2)
	if n := onUI(func() int { return h.view.notifier.notified }); n != 1 {
		t.Fatalf("%d notifications in the background, want 1", n)
	}
}
