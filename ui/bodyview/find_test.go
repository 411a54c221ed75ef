package bodyview

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"dev.hookscope/bodyfmt"
)

// shortcut types Ctrl+key at whatever has the focus, as the desktop
// driver does: the focused widget first, else the window's canvas.
func (h *harness) shortcut(key fyne.KeyName, mod fyne.KeyModifier) {
	h.t.Helper()
	s := &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierControl | mod}
	if f, ok := h.w.Canvas().Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
		return
	}
	h.w.Canvas().(fyne.Shortcutable).TypedShortcut(s)
}

// key types a key at the focused widget.
func (h *harness) key(name fyne.KeyName) {
	h.t.Helper()
	f := h.w.Canvas().Focused()
	if f == nil {
		h.t.Fatal("nothing has the focus")
	}
	f.TypedKey(&fyne.KeyEvent{Name: name})
}

// clickBody clicks the body's first line on screen, where the desktop
// driver would deliver the click: the deepest tappable object there.
func (h *harness) clickBody() {
	h.t.Helper()
	test.TapCanvas(h.w.Canvas(), h.at(h.v.list).AddXY(20, 2))
	if h.w.Canvas().Focused() != h.v.list {
		h.t.Fatalf("a click in the body focused %T", h.w.Canvas().Focused())
	}
}

// markedRows are the rendered rows with find marks, and the text drawn
// in the current match's colours.
func markedRows(h *harness) (rows []string, current string) {
	onPrimary := h.v.list.Theme().Color(theme.ColorNameForegroundOnPrimary, fyne.CurrentApp().Settings().ThemeVariant())
	for _, o := range test.LaidOutObjects(h.w.Content()) {
		r, ok := o.(*row)
		if !ok || !r.Visible() {
			continue
		}
		marked := false
		for _, o := range r.objects {
			switch o := o.(type) {
			case *canvas.Rectangle:
				marked = true
			case *canvas.Text:
				if o.Color == onPrimary {
					current += o.Text
				}
			}
		}
		if marked {
			rows = append(rows, r.text())
		}
	}
	return rows, current
}

func TestFindInBody(t *testing.T) {
	h := newHarness(t)
	var body strings.Builder
	for i := range 300 {
		fmt.Fprintf(&body, "line %d: nothing here\n", i)
		if i%25 == 0 {
			fmt.Fprintf(&body, "line %d: the Order was placed\n", i)
		}
	}
	h.v.SetBody([]byte(body.String()), "text/plain")
	if h.v.find.bar.Visible() {
		t.Fatal("find bar shown before Ctrl+F")
	}
	// Ctrl+F in the body opens the field with the focus.
	h.clickBody()
	h.shortcut(fyne.KeyF, 0)
	if !h.v.find.bar.Visible() || h.w.Canvas().Focused() != h.v.find.entry {
		t.Fatalf("Ctrl+F: bar visible %v, focus %T", h.v.find.bar.Visible(), h.w.Canvas().Focused())
	}
	test.Type(h.v.find.entry, "ORDER") // any case
	h.wait()
	if got := h.v.FindCount(); got != "1 of 12" {
		t.Fatalf("count %q", got)
	}
	rows, cur := markedRows(h)
	if !slices.Contains(rows, "line 0: the Order was placed") || cur != "Order" {
		t.Errorf("marked rows %q, current %q", rows, cur)
	}
	// Enter: next; Shift+Enter: previous; round at the ends.
	h.key(fyne.KeyReturn)
	h.key(fyne.KeyReturn)
	if got := h.v.FindCount(); got != "3 of 12" {
		t.Errorf("after two Enters: %q", got)
	}
	h.v.find.entry.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	h.key(fyne.KeyReturn)
	h.v.find.entry.KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	if got := h.v.FindCount(); got != "2 of 12" {
		t.Errorf("after Shift+Enter: %q", got)
	}
	test.Tap(h.v.find.prev)
	test.Tap(h.v.find.prev)
	if got := h.v.FindCount(); got != "12 of 12" {
		t.Errorf("previous from the first: %q", got)
	}
	// The last match (line 275) is far below the first screen: in view.
	line := h.v.lineAt(int(h.v.find.matches[h.v.find.cur]))
	top := int(h.v.list.GetScrollOffset() / h.v.metrics.lineH)
	visible := int(h.v.list.Size().Height / h.v.metrics.lineH)
	if line < top || line >= top+visible {
		t.Errorf("match on line %d, lines %d-%d on screen", line, top, top+visible-1)
	}
	if _, cur := markedRows(h); cur != "Order" {
		t.Errorf("current match not drawn: %q", cur)
	}
	test.Tap(h.v.find.next)
	if got := h.v.FindCount(); got != "1 of 12" {
		t.Errorf("next from the last: %q", got)
	}

	// Another query, no match.
	h.v.find.entry.SetText("refund")
	if got := h.v.FindCount(); got != "no matches" || !h.v.find.next.Disabled() {
		t.Errorf("no match: %q, next enabled %v", got, !h.v.find.next.Disabled())
	}
	// Escape closes it and gives the body the focus back.
	h.key(fyne.KeyEscape)
	if h.v.find.bar.Visible() || h.w.Canvas().Focused() != h.v.list {
		t.Errorf("Escape: bar visible %v, focus %T", h.v.find.bar.Visible(), h.w.Canvas().Focused())
	}
	if rows, _ := markedRows(h); len(rows) != 0 {
		t.Errorf("marks left after closing: %q", rows)
	}
}

// TestFindFollowsMode: the same query is found again in another mode, and
// in a new body.
func TestFindFollowsMode(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody([]byte(`{"a":"bb","c":"bb"}`), "application/json")
	h.v.OpenFind()
	test.Type(h.v.find.entry, `"bb"`)
	if got := h.v.FindCount(); got != "1 of 2" {
		t.Fatalf("pretty: %q", got)
	}
	h.tapMode(bodyfmt.ModeHex)
	if got := h.v.FindCount(); got != "1 of 1" { // the dump's text column, cut after "b
		t.Errorf("hex: %q", got)
	}
	h.tapMode(bodyfmt.ModeRaw)
	if got := h.v.FindCount(); got != "1 of 2" {
		t.Errorf("raw: %q", got)
	}
	h.v.SetBody([]byte(`"bb" "bb" "bb"`), "text/plain")
	if got := h.v.FindCount(); got != "1 of 3" {
		t.Errorf("new body: %q", got)
	}
}

// TestShortcutsReachTheWindow: shortcuts the viewer does not use, typed
// with the focus in the body or in the find field, run the window's.
func TestShortcutsReachTheWindow(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody([]byte("x\ny\n"), "text/plain")
	ran := 0
	h.w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyDown, Modifier: fyne.KeyModifierControl},
		func(fyne.Shortcut) { ran++ })
	h.clickBody()
	h.shortcut(fyne.KeyDown, 0)
	h.shortcut(fyne.KeyF, 0)
	h.shortcut(fyne.KeyDown, 0)
	if ran != 2 {
		t.Errorf("window shortcut ran %d times, want 2", ran)
	}
}

// TestFind5MBInBackground: in a 5 MB body the search runs off the Fyne
// goroutine ("searching…") and counts what bytes.Count counts.
func TestFind5MBInBackground(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody(bigJSON(5<<20), "application/json")
	h.wait()
	h.v.OpenFind()
	h.v.find.entry.SetText(`"ID": 4242`)
	if !h.v.find.pending || h.v.FindCount() != "searching…" {
		t.Fatalf("pending %v count %q", h.v.find.pending, h.v.FindCount())
	}
	h.wait()
	want := bytes.Count(h.v.shown.lines.Text, []byte(`"id": 4242`))
	if got := h.v.FindCount(); want == 0 || got != fmt.Sprintf("1 of %d", want) {
		t.Fatalf("count %q, want 1 of %d", got, want)
	}
	if rows, cur := markedRows(h); len(rows) == 0 || cur != `"id": 4242` {
		t.Errorf("marked rows %q current %q", rows, cur)
	}
	// One character: a few hundred thousand matches, still counted.
	h.v.find.entry.SetText(",")
	h.wait()
	// Counted from the top line on screen, as "4242" scrolled it.
	if want := bytes.Count(h.v.shown.lines.Text, []byte(",")); !strings.HasSuffix(h.v.FindCount(), " of "+thousands(want)) || strings.HasPrefix(h.v.FindCount(), "1 of") {
		t.Errorf("count %q, want %d", h.v.FindCount(), want)
	}
}

func TestFindAllCases(t *testing.T) {
	lines, _ := bodyfmt.NewLines([]byte("aAa ÄA ab\naaaa"), 0)
	f := &formatted{lines: lines}
	never := func() bool { return false }
	for _, c := range []struct {
		q    string
		want []int32
	}{
		{"a", []int32{0, 1, 2, 6, 8, 11, 12, 13, 14}},
		{"AA", []int32{0, 11, 13}}, // not overlapping
		{"Ä", []int32{4}},          // not folded: exact bytes
		{"b\na", []int32{9}},
		{"zz", nil},
	} {
		got, capped := findAll(f, c.q, never)
		if !slices.Equal(got, c.want) || capped {
			t.Errorf("findAll(%q) = %v %v, want %v", c.q, got, capped, c.want)
		}
	}
}

func TestMarkSegments(t *testing.T) {
	segs := []segment{{text: "abc", color: theme.ColorNamePrimary}, {text: "def", color: theme.ColorNameSuccess}}
	got := markSegments(segs, [][2]int{{1, 4}, {5, 6}}, 1)
	want := []segment{
		{"a", theme.ColorNamePrimary, markNone},
		{"bc", theme.ColorNamePrimary, markMatch},
		{"d", theme.ColorNameSuccess, markMatch},
		{"e", theme.ColorNameSuccess, markNone},
		{"f", theme.ColorNameSuccess, markCurrent},
	}
	if !slices.Equal(got, want) {
		t.Errorf("markSegments = %q", got)
	}
}

// TestWheelScrollsAScreenful: four notches of a mouse wheel move at least
// a screenful, one notch at least three lines (Fyne's list alone: 25 px,
// under two lines).
func TestWheelScrollsAScreenful(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody(bytes.Repeat([]byte("a line of text\n"), 5000), "text/plain")
	lineH := h.v.metrics.lineH
	screen := int(h.v.list.Size().Height / lineH)
	pos := h.at(h.v.list).AddXY(100, 100)
	test.Scroll(h.w.Canvas(), pos, 0, -wheelNotch)
	one := h.v.list.GetScrollOffset() / lineH
	if one < 3 {
		t.Errorf("one notch moved %.1f lines", one)
	}
	for range 3 {
		test.Scroll(h.w.Canvas(), pos, 0, -wheelNotch)
	}
	if four := h.v.list.GetScrollOffset() / lineH; four < float32(screen-1) {
		t.Errorf("four notches moved %.1f lines; a screen is %d", four, screen)
	}
	// Back up, and not past the top.
	for range 10 {
		test.Scroll(h.w.Canvas(), pos, 0, wheelNotch)
	}
	if off := h.v.list.GetScrollOffset(); off != 0 {
		t.Errorf("offset %v after scrolling back up", off)
	}
	// A touchpad's small steps stay small.
	test.Scroll(h.w.Canvas(), pos, 0, -2)
	if off := h.v.list.GetScrollOffset() / lineH; off <= 0 || off > 2 {
		t.Errorf("a 2 px touchpad step moved %.1f lines", off)
	}
}

// BenchmarkFind5MBJSON measures finding in a 5 MB JSON body shown pretty
// (8.6 MB of text): "search" is the byte search alone, first with the
// folded copy made, "typed" from typing the query until the count shows,
// on the Fyne goroutine plus the background search.
func BenchmarkFind5MBJSON(b *testing.B) {
	h := newHarness(b)
	h.v.SetBody(bigJSON(5<<20), "application/json")
	h.wait()
	f := h.v.shown
	never := func() bool { return false }
	b.Run("search", func(b *testing.B) {
		b.SetBytes(int64(len(f.lines.Text)))
		for b.Loop() {
			if m, _ := findAll(f, `"ID": 4242`, never); len(m) == 0 {
				b.Fatal("no match")
			}
		}
	})
	b.Run("search-fold", func(b *testing.B) {
		b.SetBytes(int64(len(f.lines.Text)))
		for b.Loop() {
			g := &formatted{lines: f.lines}
			if m, _ := findAll(g, `customer`, never); len(m) == 0 {
				b.Fatal("no match")
			}
		}
	})
	b.Run("typed", func(b *testing.B) {
		h.v.OpenFind()
		queries := []string{"order.updated", `"email": null`}
		for i := 0; b.Loop(); i++ {
			h.v.find.entry.SetText(queries[i%2])
			h.wait()
			if len(h.v.find.matches) == 0 {
				b.Fatal("no match")
			}
		}
	})
}

// at is where target is on the canvas, found by walking the tree as the
// driver does (the test driver's AbsolutePositionForObject does not look
// inside every widget).
func (h *harness) at(target fyne.CanvasObject) fyne.Position {
	h.t.Helper()
	var find func(o fyne.CanvasObject, off fyne.Position) (fyne.Position, bool)
	find = func(o fyne.CanvasObject, off fyne.Position) (fyne.Position, bool) {
		p := off.Add(o.Position())
		if o == target {
			return p, true
		}
		var kids []fyne.CanvasObject
		switch x := o.(type) {
		case *fyne.Container:
			kids = x.Objects
		case fyne.Widget:
			kids = test.WidgetRenderer(x).Objects()
		}
		for _, k := range kids {
			if q, ok := find(k, p); ok {
				return q, true
			}
		}
		return p, false
	}
	p, ok := find(h.w.Content(), fyne.Position{})
	if !ok {
		h.t.Fatalf("%T is not in the window", target)
	}
	return p
}

// BenchmarkScrollPage5MBJSONFinding is BenchmarkScrollPage5MBJSON with a
// find marking "order" (once per object, tens of thousands of matches):
// the cost of drawing the marks.
func BenchmarkScrollPage5MBJSONFinding(b *testing.B) {
	h := newHarness(b)
	h.v.SetBody(bigJSON(5<<20), "application/json")
	h.wait()
	h.v.OpenFind()
	h.v.find.entry.SetText("order")
	h.wait()
	if len(h.v.find.matches) < 10000 {
		b.Fatalf("%d matches", len(h.v.find.matches))
	}
	for i := 0; b.Loop(); i++ {
		h.v.list.ScrollTo((i * 997) % h.v.LineCount())
	}
}
