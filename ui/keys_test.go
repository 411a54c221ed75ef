package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"dev.hookscope/ui/uithread"
)

// TestShortcutsWorkFromTheFilterField: Ctrl+Down and Ctrl+Up move through
// the list while the filter has the focus; Escape there clears it.
func TestShortcutsWorkFromTheFilterField(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	for _, p := range []string{"/a", "/b", "/c"} {
		h.post("POST", p, "text/plain", p, nil)
	}
	h.waitForCount(3)
	uithread.DoAndWait(func() {
		h.window.Canvas().Focus(h.view.filter.entry)
		h.view.requests.Select(3)
	})
	down := &desktop.CustomShortcut{KeyName: fyne.KeyDown, Modifier: fyne.KeyModifierShortcutDefault}
	up := &desktop.CustomShortcut{KeyName: fyne.KeyUp, Modifier: fyne.KeyModifierShortcutDefault}
	uithread.DoAndWait(func() { h.view.filter.entry.TypedShortcut(down) })
	if id := onUI(h.view.requests.SelectedID); id != 2 {
		t.Fatalf("Ctrl+Down in the filter selected #%d, want #2", id)
	}
	uithread.DoAndWait(func() { h.view.filter.entry.TypedShortcut(up) })
	if id := onUI(h.view.requests.SelectedID); id != 3 {
		t.Fatalf("Ctrl+Up in the filter selected #%d, want #3", id)
	}
	uithread.DoAndWait(func() { test.Type(h.view.filter.entry, "/a") })
	h.waitFor("filtered", func() bool { return h.view.requests.Count() == 1 })
	uithread.DoAndWait(func() { h.view.filter.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape}) })
	h.waitFor("Escape cleared the filter", func() bool {
		return h.view.filter.entry.Text == "" && h.view.requests.Count() == 3
	})
}

// TestEscapeClosesTheDialog: Escape with nothing focused answers the
// dialog on top as its Cancel/No button does: nothing is deleted.
func TestEscapeClosesTheDialog(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	h.post("POST", "/a", "text/plain", "x", nil)
	h.waitForCount(1)
	uithread.DoAndWait(func() { h.view.requests.Select(1) })
	uithread.DoAndWait(func() { test.Tap(h.view.bar.deleteBtn) })
	if msg := dialogText(t, h.window); msg != "Delete request #1? This cannot be undone." {
		t.Fatalf("no confirmation: %q", msg)
	}
	uithread.DoAndWait(func() {
		h.window.Canvas().Unfocus()
		h.window.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	})
	if top := onUI(func() fyne.CanvasObject { return h.window.Canvas().Overlays().Top() }); top != nil {
		t.Fatal("the dialog is still open after Escape")
	}
	if n, _ := h.core.Count(); n != 1 {
		t.Fatalf("Escape deleted the request: %d left", n)
	}
	// The shortcuts help (an information dialog) closes too.
	uithread.DoAndWait(h.view.keys.showHelp)
	uithread.DoAndWait(func() { h.window.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape}) })
	if top := onUI(func() fyne.CanvasObject { return h.window.Canvas().Overlays().Top() }); top != nil {
		t.Fatal("the help is still open after Escape")
	}
}
