package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/ui/contrast"
	"dev.hookscope/ui/uithread"
)

// TestSelectionFollowsTheRequestThroughTheFilter walks the path a user
// reported: filter to one row, select it, clear the filter. The highlight
// must be on the inspector's request, and Delete must delete that one.
func TestSelectionFollowsTheRequestThroughTheFilter(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	for _, p := range []string{"/a", "/b", "/target", "/c"} {
		h.post("POST", p, "text/plain", p, nil)
	}
	h.waitForCount(4)
	uithread.DoAndWait(func() { test.Type(h.view.filter.entry, "/target") })
	h.waitFor("filter to one row", func() bool { return h.view.requests.Count() == 1 })
	uithread.DoAndWait(func() { h.view.requests.list.Select(0) })
	if id := onUI(h.view.requests.SelectedID); id != 3 {
		t.Fatalf("selected #%d, want #3", id)
	}
	uithread.DoAndWait(func() { h.view.filter.entry.SetText("") })
	h.waitFor("filter cleared", func() bool { return h.view.requests.Count() == 4 })
	// #3 is now row 1 (newest first: 4, 3, 2, 1). Row 0 must not look
	// selected.
	if h.rowHighlighted(0) || !h.rowHighlighted(1) {
		t.Fatalf("highlighted rows: 0=%v 1=%v, want only row 1 (#3)", h.rowHighlighted(0), h.rowHighlighted(1))
	}
	if title := onUI(func() string { return h.view.inspector.title.Text }); title != "POST /target" {
		t.Fatalf("inspector shows %q", title)
	}
	// Tapping row 0 loads it, even though the list had it "selected" before.
	uithread.DoAndWait(func() { h.view.requests.list.Select(0) })
	if title := onUI(func() string { return h.view.inspector.title.Text }); title != "POST /c" {
		t.Fatalf("after tapping row 0 the inspector shows %q", title)
	}
	uithread.DoAndWait(func() { h.view.requests.list.Select(1) })

	// Filtered out: nothing highlighted, the inspector says why, Delete
	// is off.
	uithread.DoAndWait(func() { test.Type(h.view.filter.entry, "/a") })
	h.waitFor("filtered out", func() bool { return h.view.requests.Count() == 1 })
	if h.rowHighlighted(0) || onUI(h.view.requests.SelectedID) != 0 {
		t.Fatal("a row is highlighted although the selected request is filtered out")
	}
	if msg := onUI(func() string { return h.view.inspector.placeholder.Text }); msg != "Request #3 is hidden by the filter. Clear the filter to see it again." {
		t.Fatalf("inspector says %q", msg)
	}
	if !onUI(h.view.bar.deleteBtn.Disabled) {
		t.Fatal("Delete is enabled with nothing highlighted")
	}
	uithread.DoAndWait(func() { h.view.filter.entry.SetText("") })
	h.waitFor("back", func() bool { return h.view.requests.Count() == 4 && h.view.requests.SelectedID() == 3 })
	if title := onUI(func() string { return h.view.inspector.title.Text }); title != "POST /target" || !h.rowHighlighted(1) {
		t.Fatalf("after the filter cleared: inspector %q, row 1 highlighted %v", title, h.rowHighlighted(1))
	}

	// Delete names and deletes the highlighted request, then the next
	// (older) one is selected.
	uithread.DoAndWait(func() { test.Tap(h.view.bar.deleteBtn) })
	if msg := dialogText(t, h.window); msg != "Delete request #3? This cannot be undone." {
		t.Fatalf("confirmation says %q", msg)
	}
	tapDialogButton(t, h.window, "Yes")
	h.waitForCount(3)
	if _, err := h.core.Get(3); err == nil {
		t.Fatal("#3 is still stored")
	}
	if id := onUI(h.view.requests.SelectedID); id != 2 || !h.rowHighlighted(1) {
		t.Fatalf("after Delete #%d is selected, want #2 at row 1", id)
	}
}

// dialogText is the message of the dialog on top.
func dialogText(t *testing.T, w fyne.Window) string {
	t.Helper()
	return onUI(func() string {
		top := w.Canvas().Overlays().Top()
		if top == nil {
			return ""
		}
		var text string
		walk(top, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && text == "" && len(l.Text) > 20 {
				text = l.Text
			}
		})
		return text
	})
}

// walk visits obj and everything drawn inside it.
func walk(obj fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(obj)
	switch o := obj.(type) {
	case *fyne.Container:
		for _, c := range o.Objects {
			walk(c, fn)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(o).Objects() {
			walk(c, fn)
		}
	}
}

// TestMatchCountFollowsLiveCaptures: the count beside the filter is the
// number of rows, also after captures that match arrive.
func TestMatchCountFollowsLiveCaptures(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	h.post("POST", "/hooks/a", "text/plain", "x", nil)
	h.post("POST", "/other", "text/plain", "x", nil)
	h.waitForCount(2)
	uithread.DoAndWait(func() { test.Type(h.view.filter.entry, "/hooks/*") })
	h.waitFor("one match", func() bool { return h.view.filter.status.Text == "1 match" })
	h.post("POST", "/hooks/b", "text/plain", "x", nil)
	h.post("POST", "/hooks/c", "text/plain", "x", nil)
	h.post("POST", "/nope", "text/plain", "x", nil)
	h.waitFor("three matches", func() bool {
		return h.view.requests.Count() == 3 && h.view.filter.status.Text == "3 matches"
	})
}

// TestToolbarAtTheSmallestWindow: at 800×560 every action is a visible
// button or an item of the More menu, no two toolbar widgets overlap, and
// the content fits the window.
func TestToolbarAtTheSmallestWindow(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	for _, size := range []fyne.Size{fyne.NewSize(800, 560), fyne.NewSize(1200, 760), fyne.NewSize(1600, 1000)} {
		t.Run(fmt.Sprintf("%.0fx%.0f", size.Width, size.Height), func(t *testing.T) {
			uithread.DoAndWait(func() { h.window.Resize(size) })
			min := onUI(func() fyne.Size { return h.view.Object().MinSize() })
			if min.Width > size.Width || min.Height > size.Height {
				t.Fatalf("content needs %v, more than the window's %v", min, size)
			}
			type box struct {
				name     string
				pos      fyne.Position
				size     fyne.Size
				showable bool
			}
			var shown []box
			var reachable int
			uithread.DoAndWait(func() {
				for _, o := range h.view.bar.root.Objects {
					if !o.Visible() {
						continue
					}
					name := fmt.Sprintf("%T", o)
					if b, ok := o.(*widget.Button); ok {
						name = b.Text
					}
					shown = append(shown, box{name: name, pos: o.Position(), size: o.Size()})
				}
				for _, a := range h.view.bar.actions {
					if a.Visible() {
						reachable++
					}
				}
				reachable += len(h.view.bar.overflow())
			})
			if reachable != len(h.view.bar.actions) {
				t.Fatalf("%d of %d actions reachable", reachable, len(h.view.bar.actions))
			}
			for i, a := range shown {
				if a.pos.X < 0 || a.pos.X+a.size.Width > size.Width+0.5 {
					t.Errorf("%s is drawn at x=%.0f..%.0f, outside the window", a.name, a.pos.X, a.pos.X+a.size.Width)
				}
				for _, b := range shown[i+1:] {
					if a.pos.X < b.pos.X+b.size.Width && b.pos.X < a.pos.X+a.size.Width {
						t.Errorf("%s (%.0f..%.0f) overlaps %s (%.0f..%.0f)", a.name, a.pos.X, a.pos.X+a.size.Width, b.name, b.pos.X, b.pos.X+b.size.Width)
					}
				}
			}
			if size.Width >= 1600 && len(onUI(h.view.bar.overflow)) != 0 {
				t.Errorf("at %.0f px %d actions are in the More menu", size.Width, len(onUI(h.view.bar.overflow)))
			}
		})
	}
}

// TestMoreMenuRunsTheHiddenAction: an action moved into the More menu
// does what its button does.
func TestMoreMenuRunsTheHiddenAction(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	uithread.DoAndWait(func() { h.window.Resize(fyne.NewSize(800, 560)) })
	hidden := onUI(h.view.bar.overflow)
	if len(hidden) == 0 || !onUI(h.view.bar.more.Visible) {
		t.Fatal("at 800 px nothing moved into the More menu")
	}
	uithread.DoAndWait(func() { test.Tap(h.view.bar.more) })
	var item fyne.Tappable
	uithread.DoAndWait(func() {
		top := h.window.Canvas().Overlays().Top()
		if top == nil {
			return
		}
		walk(top, func(o fyne.CanvasObject) {
			tappable, ok := o.(fyne.Tappable)
			if !ok {
				return
			}
			// Pre-order: the innermost tappable holding the text (the
			// menu item, not the pop-up around it) is found last.
			walk(o, func(inner fyne.CanvasObject) {
				if text, ok := inner.(*canvas.Text); ok && text.Text == "Storage…" {
					item = tappable
				}
			})
		})
		if item != nil {
			test.Tap(item)
		}
	})
	if item == nil {
		t.Fatal("the More menu does not list Storage…")
	}
	// The storage dialog opened from the menu, as from the button.
	tapDialogButton(t, h.window, "Save")
}

// TestShortcutsHelpShowsEveryRow: the help dialog is tall enough for the
// whole table (it was a one-row scroll area).
func TestShortcutsHelpShowsEveryRow(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	uithread.DoAndWait(h.view.keys.showHelp)
	var labels []string
	uithread.DoAndWait(func() {
		top := h.window.Canvas().Overlays().Top()
		walk(top, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && l.Visible() {
				// Visible on screen: inside the window, not clipped by a scroller.
				p := fyne.CurrentApp().Driver().AbsolutePositionForObject(l)
				if p.Y >= 0 && p.Y+l.Size().Height <= h.window.Canvas().Size().Height {
					labels = append(labels, l.Text)
				}
			}
		})
	})
	for _, s := range h.view.keys.shortcuts {
		found := false
		for _, l := range labels {
			found = found || l == s.help
		}
		if !found {
			t.Errorf("the help dialog does not show %q", s.help)
		}
	}
	tapDialogButton(t, h.window, "Close")
}

// TestThemeTextContrast measures every text colour Hookscope uses against
// every background it is drawn on, in both variants: WCAG AA, 4.5:1.
func TestThemeTextContrast(t *testing.T) {
	th := newReadableTheme()
	texts := []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNameDisabled, theme.ColorNamePlaceHolder,
		theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameError, theme.ColorNameSuccess, theme.ColorNameWarning}
	for _, v := range []fyne.ThemeVariant{theme.VariantDark, theme.VariantLight} {
		bg := th.Color(theme.ColorNameBackground, v)
		backgrounds := map[string]any{
			"background":       bg,
			"input background": th.Color(theme.ColorNameInputBackground, v),
			"selected row":     contrast.Over(th.Color(theme.ColorNameSelection, v), bg),
			"hovered row":      contrast.Over(th.Color(theme.ColorNameHover, v), bg),
			"dialog":           contrast.Over(th.Color(theme.ColorNameOverlayBackground, v), bg),
		}
		for _, text := range texts {
			for name, back := range backgrounds {
				fg := th.Color(text, v)
				if r := contrast.Ratio(fg, back.(interface{ RGBA() (r, g, b, a uint32) })); r < 4.5 {
					t.Errorf("variant %d: %s on %s is %.2f:1", v, text, name, r)
				}
			}
		}
		for _, pair := range [][2]fyne.ThemeColorName{
			{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary},
			{theme.ColorNameForegroundOnError, theme.ColorNameError},
			{theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess},
			{theme.ColorNameForegroundOnWarning, theme.ColorNameWarning},
		} {
			if r := contrast.Ratio(th.Color(pair[0], v), th.Color(pair[1], v)); r < 4.5 {
				t.Errorf("variant %d: %s on %s is %.2f:1", v, pair[0], pair[1], r)
			}
		}
	}
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"} {
		if r := contrast.Ratio(rgb(0xffffff), methodColor(m)); r < 4.5 {
			t.Errorf("white %s on its badge is %.2f:1", m, r)
		}
	}
}

// TestWindowPrefsRoundTripAndDamage: the size saved is the size loaded;
// a damaged file gives the defaults with a sentence, not an EOF.
func TestWindowPrefsRoundTripAndDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", "window.json")
	want := windowPrefs{Width: 1300, Height: 800, Split: 0.3, Notifications: false}
	if err := want.save(path); err != nil {
		t.Fatal(err)
	}
	got, err := loadWindowPrefs(path)
	if err != nil || got != want {
		t.Fatalf("loaded %+v, %v; saved %+v", got, err, want)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("settings file mode %v, %v", fi.Mode(), err)
	}
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = loadWindowPrefs(path)
	if err == nil || got != defaultWindowPrefs() {
		t.Fatalf("an empty file gave %+v, %v", got, err)
	}
}

// TestWindowSizeIsRememberedAcrossRuns: the size the window had when it
// closed is the size it opens at (through the settings file).
func TestWindowSizeIsRememberedAcrossRuns(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	path := filepath.Join(t.TempDir(), "window.json")
	uithread.DoAndWait(func() {
		h.view.settings.path = path
		h.window.Resize(fyne.NewSize(1300, 800))
		h.view.settings.saveLayout()
		h.window.Resize(fyne.NewSize(900, 600)) // as a new window starts
		h.view.settings.prefs = defaultWindowPrefs()
		h.view.settings.restoreLayout()
	})
	if size := onUI(func() fyne.Size { return h.window.Canvas().Size() }); size != fyne.NewSize(1300, 800) {
		t.Fatalf("next run opened at %v", size)
	}
}

// TestURLShownWholeWhenThereIsRoom: the listener's URL is cut only when
// the window is too narrow for it.
func TestURLShownWholeWhenThereIsRoom(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	uithread.DoAndWait(func() { h.window.Resize(fyne.NewSize(1600, 1000)) })
	got := onUI(func() float32 { return h.view.bar.url.Size().Width })
	want := onUI(func() float32 { return urlTextWidth(h.view.bar.url) })
	if got < want {
		t.Fatalf("URL given %.0f px at 1600 px, needs %.0f", got, want)
	}
}

// TestClearAllFollowsTheStore: Clear all is off on an empty store, on as
// soon as something is stored, and its confirmation counts the store, not
// the rows a filter leaves.
func TestClearAllFollowsTheStore(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	if !onUI(h.view.bar.clear.Disabled) {
		t.Fatal("Clear all is enabled on an empty store")
	}
	h.post("POST", "/a", "text/plain", "x", nil)
	h.post("POST", "/b", "text/plain", "x", nil)
	h.waitForCount(2)
	h.waitFor("Clear all enabled", func() bool { return !h.view.bar.clear.Disabled() })
	uithread.DoAndWait(func() { test.Type(h.view.filter.entry, "/a") })
	h.waitFor("filter to one row", func() bool { return h.view.requests.Count() == 1 })
	uithread.DoAndWait(func() { test.Tap(h.view.bar.clear) })
	if msg := dialogText(t, h.window); msg != "Delete all 2 requests? This cannot be undone." {
		t.Fatalf("confirmation says %q", msg)
	}
	tapDialogButton(t, h.window, "Yes")
	h.waitFor("store emptied and Clear all off", func() bool {
		n, _ := h.core.Count()
		return n == 0 && h.view.bar.clear.Disabled()
	})
}

// TestBurstKeepsTheSelectedRowPut: with a request chosen, a burst of
// captures does not push it down the screen; a chip counts what arrived
// above and scrolls to it.
func TestBurstKeepsTheSelectedRowPut(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	for i := range 30 {
		h.post("POST", fmt.Sprintf("/r%d", i), "text/plain", "x", nil)
	}
	h.waitForCount(30)
	uithread.DoAndWait(func() { h.view.requests.Select(30) })
	step := onUI(h.view.requests.rowStep)
	for i := range 5 {
		h.post("POST", fmt.Sprintf("/burst%d", i), "text/plain", "x", nil)
	}
	h.waitFor("5 new counted", func() bool {
		return h.view.requests.Count() == 35 && h.view.requests.newChip.Visible() && h.view.requests.newChip.Text == "5 new"
	})
	// #30 is now row 5; the view moved down five rows, so it is drawn
	// where it was, at the top.
	if got := onUI(h.view.requests.list.GetScrollOffset); got != 5*step {
		t.Fatalf("scroll offset %v, want %v (five rows)", got, 5*step)
	}
	if !h.rowHighlighted(5) || onUI(h.view.requests.SelectedID) != 30 {
		t.Fatal("the selection did not stay on #30")
	}
	uithread.DoAndWait(func() { test.Tap(h.view.requests.newChip) })
	if got := onUI(h.view.requests.list.GetScrollOffset); got != 0 || onUI(h.view.requests.newChip.Visible) {
		t.Fatalf("after the chip: offset %v, chip shown %v", got, onUI(h.view.requests.newChip.Visible))
	}
}

// TestInspectorFitsBesideTheListAt800: at the smallest window (800 px) the
// inspector gets about 455 px; no tab's content may ask for more, or the
// tab strip runs past the window's edge instead of folding the tabs that
// do not fit into its "…" menu (the body viewer's and the Replay tab's
// bars scroll sideways instead).
func TestInspectorFitsBesideTheListAt800(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	h.post("POST", "/hooks/stripe", "application/json", `{"type":"invoice.paid"}`, nil)
	h.waitForCount(1)
	uithread.DoAndWait(func() { h.view.requests.Select(1) })
	waitBody(t, h.view.inspector, `  "type": "invoice.paid"`)
	in := h.view.inspector
	for _, item := range in.tabs.Items {
		if w := onUI(func() float32 { return item.Content.MinSize().Width }); w > 450 {
			t.Errorf("the %s tab asks for %.0f px", item.Text, w)
		}
	}
	if w := onUI(func() float32 { return in.Object().MinSize().Width }); w > 455 {
		t.Errorf("the inspector asks for %.0f px", w)
	}
}
