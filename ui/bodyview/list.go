package bodyview

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// wheelNotch is how far one notch of a mouse wheel scrolls in Fyne's
// desktop driver (GLFW's offset of 1 times its scroll speed, 25 on Linux
// and Windows). Touchpads send fractions of it.
const wheelNotch = 25

// bodyList is the list of lines. A tap on a row focuses it (widget.List
// does that), so it is where Ctrl+F and Ctrl+C typed "in the viewer"
// arrive; shortcuts it does not use reach the window.
type bodyList struct {
	widget.List
	v *View
}

func newBodyList(v *View) *bodyList {
	l := &bodyList{v: v}
	l.Length, l.CreateItem, l.UpdateItem = v.LineCount, v.createRow, v.updateRow
	l.HideSeparators = true
	// Rows are text, not choices: drop the selection highlight at once.
	l.OnSelected = func(id widget.ListItemID) { l.Unselect(id) }
	l.ExtendBaseWidget(l)
	return l
}

// TypedShortcut is part of fyne.Shortcutable.
func (l *bodyList) TypedShortcut(s fyne.Shortcut) {
	switch s := s.(type) {
	case *fyne.ShortcutCopy:
		l.v.copyBody()
	case *desktop.CustomShortcut:
		if !l.v.viewShortcut(s) {
			forward(l, s)
		}
	default:
		forward(l, s)
	}
}

// TypedKey adds Page Up/Down, Home and End to the list's arrow keys.
func (l *bodyList) TypedKey(k *fyne.KeyEvent) {
	page := l.Size().Height - l.v.metrics.lineH
	switch k.Name {
	case fyne.KeyPageDown:
		l.ScrollToOffset(l.GetScrollOffset() + page)
	case fyne.KeyPageUp:
		l.ScrollToOffset(l.GetScrollOffset() - page)
	case fyne.KeyHome:
		l.ScrollToTop()
	case fyne.KeyEnd:
		l.ScrollToBottom()
	case fyne.KeyEscape:
		l.v.CloseFind()
	default:
		l.List.TypedKey(k)
	}
}

// viewShortcut runs the viewer's own shortcuts: Ctrl+F find, Ctrl+G and
// Ctrl+Shift+G next and previous match.
func (v *View) viewShortcut(s *desktop.CustomShortcut) bool {
	ctrl := s.Modifier&(fyne.KeyModifierControl|fyne.KeyModifierSuper) != 0
	if !ctrl {
		return false
	}
	switch s.KeyName {
	case fyne.KeyF:
		v.OpenFind()
	case fyne.KeyG:
		if s.Modifier&fyne.KeyModifierShift != 0 {
			v.FindNext(-1)
		} else {
			v.FindNext(1)
		}
	default:
		return false
	}
	return true
}

// wheel lies over the list and turns wheel notches into bigger steps: a
// quarter of the visible height per notch (at least three lines), so four
// notches move a screenful. Fyne's list moves 25 px a notch, under two of
// these lines. It takes nothing but scroll events: taps, hover and drags
// reach the list and its scroll bar beneath.
type wheel struct {
	widget.BaseWidget
	v *View
}

func newWheel(v *View) *wheel {
	w := &wheel{v: v}
	w.ExtendBaseWidget(w)
	return w
}

// Scrolled is part of fyne.Scrollable.
func (w *wheel) Scrolled(ev *fyne.ScrollEvent) {
	l := w.v.list
	step := max(l.Size().Height/4, 3*w.v.metrics.lineH)
	l.ScrollToOffset(l.GetScrollOffset() - ev.Scrolled.DY/wheelNotch*step)
}

func (w *wheel) CreateRenderer() fyne.WidgetRenderer { return &wheelRenderer{} }

type wheelRenderer struct{}

func (wheelRenderer) Layout(fyne.Size)             {}
func (wheelRenderer) MinSize() fyne.Size           { return fyne.Size{} }
func (wheelRenderer) Objects() []fyne.CanvasObject { return nil }
func (wheelRenderer) Refresh()                     {}
func (wheelRenderer) Destroy()                     {}
