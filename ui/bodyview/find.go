package bodyview

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// maxMatches caps the matches kept (4 MB of offsets); the count then
// reads "of 1,000,000+".
const maxMatches = 1_000_000

// finder is the find bar (Ctrl+F in the viewer) and its results. Finding
// searches the formatted text's bytes, never the widgets: the list draws
// the marks of the rows on screen only, so a 5 MB body costs one pass of
// bytes.Index, in the background above asyncThreshold.
type finder struct {
	bar   *fyne.Container
	entry *findEntry
	count *widget.Label
	prev  *widget.Button
	next  *widget.Button
	close *widget.Button

	query   string
	of      *formatted // the result the matches are offsets into
	matches []int32    // match starts in of.lines.Text, ascending, not overlapping
	n       int        // match length in bytes
	capped  bool       // more than maxMatches
	cur     int        // index into matches; -1 when none
	pending bool       // a search runs in the background
	gen     atomic.Uint64
}

func (v *View) buildFind() {
	f := &v.find
	f.cur = -1
	f.entry = newFindEntry(v)
	f.entry.SetPlaceHolder("Find in body")
	f.entry.OnChanged = func(string) { v.search() }
	f.count = widget.NewLabel("")
	// The buttons hand the focus back to the field, so Enter goes on.
	f.prev = widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { v.FindNext(-1); v.focus(f.entry) })
	f.next = widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { v.FindNext(1); v.focus(f.entry) })
	f.close = widget.NewButtonWithIcon("", theme.CancelIcon(), v.CloseFind)
	f.bar = container.NewBorder(nil, nil, nil, container.NewHBox(f.count, f.prev, f.next, f.close), f.entry)
	f.bar.Hide()
	v.updateFindBar()
}

// OpenFind shows the find bar with its field focused (Ctrl+F in the
// viewer); a query already there is selected, so typing replaces it.
func (v *View) OpenFind() {
	f := &v.find
	if !f.bar.Visible() {
		f.bar.Show()
		v.content.Refresh()
		v.search()
	}
	v.focus(f.entry)
	f.entry.TypedShortcut(&fyne.ShortcutSelectAll{})
}

// CloseFind hides the find bar and its marks and gives the focus back to
// the body (Escape in the field).
func (v *View) CloseFind() {
	f := &v.find
	if !f.bar.Visible() {
		return
	}
	f.gen.Add(1)
	f.bar.Hide()
	f.matches, f.cur, f.pending, f.of = nil, -1, false, nil
	v.content.Refresh()
	v.list.Refresh()
	v.focus(v.list)
}

func (v *View) focus(o fyne.Focusable) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(v); c != nil {
		c.Focus(o)
	}
}

// FindQuery is the query in the find field.
func (v *View) FindQuery() string { return v.find.entry.Text }

// FindCount is what the find bar says: "3 of 12", "no matches".
func (v *View) FindCount() string { return v.find.count.Text }

// search finds the field's query in the text shown, inline when small,
// else in the background (a later search or body drops this one).
func (v *View) search() {
	f := &v.find
	gen := f.gen.Add(1)
	f.query = f.entry.Text
	f.matches, f.cur, f.capped, f.pending, f.of = nil, -1, false, false, nil
	shown := v.shown
	if !f.bar.Visible() || f.query == "" || shown == nil || shown.lines.Len() == 0 {
		v.updateFindBar()
		v.list.Refresh()
		return
	}
	q := f.query
	job := func() func() {
		matches, capped := findAll(shown, q, func() bool { return f.gen.Load() != gen })
		return func() {
			if f.gen.Load() != gen {
				return
			}
			f.pending = false
			f.of, f.matches, f.n, f.capped = shown, matches, len(q), capped
			f.cur = v.firstMatchFromTop()
			v.goToMatch()
		}
	}
	if len(shown.lines.Text) <= asyncThreshold {
		job()()
		return
	}
	f.pending = true
	v.updateFindBar()
	v.list.Refresh()
	go func() {
		if done := job(); f.gen.Load() == gen {
			v.post(done)
		}
	}()
}

// FindNext moves to the next match (delta 1) or the previous one (-1),
// going round at either end, and scrolls it into view.
func (v *View) FindNext(delta int) {
	f := &v.find
	if len(f.matches) == 0 {
		return
	}
	f.cur = ((f.cur+delta)%len(f.matches) + len(f.matches)) % len(f.matches)
	v.goToMatch()
}

// firstMatchFromTop is the first match at or after the top line on
// screen, so finding does not jump away from what is being read.
func (v *View) firstMatchFromTop() int {
	f := &v.find
	if len(f.matches) == 0 {
		return -1
	}
	top := 0
	if v.lines.Len() > 0 && v.metrics.lineH > 0 {
		line := min(int(v.list.GetScrollOffset()/v.metrics.lineH), v.lines.Len()-1)
		top = v.lines.LineStart(line)
	}
	i := sort.Search(len(f.matches), func(i int) bool { return int(f.matches[i]) >= top })
	if i == len(f.matches) {
		i = 0
	}
	return i
}

// goToMatch scrolls the current match into view, a third from the top
// when it was off screen, and redraws the marks.
func (v *View) goToMatch() {
	f := &v.find
	v.updateFindBar()
	if f.cur >= 0 && v.lines.Len() > 0 {
		line := v.lineAt(int(f.matches[f.cur]))
		h := v.metrics.lineH
		visible := max(int(v.list.Size().Height/h), 1)
		top := int(v.list.GetScrollOffset() / h)
		if line < top || line >= top+visible-1 {
			v.list.ScrollToOffset(float32(max(line-visible/3, 0)) * h)
		}
	}
	v.list.Refresh()
}

// lineAt is the display line holding byte off of the text.
func (v *View) lineAt(off int) int {
	starts := v.lines.Starts
	return max(sort.Search(len(starts), func(i int) bool { return int(starts[i]) > off })-1, 0)
}

func (v *View) updateFindBar() {
	f := &v.find
	switch {
	case f.pending:
		f.count.SetText("searching…")
	case f.query == "":
		f.count.SetText("")
	case len(f.matches) == 0:
		f.count.SetText("no matches")
	default:
		total := thousands(len(f.matches))
		if f.capped {
			total += "+"
		}
		f.count.SetText(fmt.Sprintf("%s of %s", thousands(f.cur+1), total))
	}
	if len(f.matches) == 0 {
		f.prev.Disable()
		f.next.Disable()
	} else {
		f.prev.Enable()
		f.next.Enable()
	}
}

// matchRanges are the parts of display line id that matches cover, as
// byte ranges in the line, and which of them is the current match (-1).
func (v *View) matchRanges(id int) (ranges [][2]int, cur int) {
	f := &v.find
	cur = -1
	if len(f.matches) == 0 || f.of != v.shown {
		return nil, cur
	}
	rs := v.lines.LineStart(id)
	re := rs + len(v.lines.Line(id))
	i := sort.Search(len(f.matches), func(i int) bool { return int(f.matches[i])+f.n > rs })
	for ; i < len(f.matches) && int(f.matches[i]) < re && len(ranges) < maxSegments; i++ {
		m := int(f.matches[i])
		if i == f.cur {
			cur = len(ranges)
		}
		ranges = append(ranges, [2]int{max(m, rs) - rs, min(m+f.n, re) - rs})
	}
	return ranges, cur
}

// findAll returns the starts of the non-overlapping occurrences of q in
// f's text, ignoring ASCII case when q has letters, at most maxMatches of
// them; stop is polled to give up early.
func findAll(f *formatted, q string, stop func() bool) (matches []int32, capped bool) {
	text, needle := f.lines.Text, []byte(q)
	if bytes.IndexFunc(needle, isASCIILetter) >= 0 {
		text, needle = f.foldedText(), foldASCII(needle)
	}
	for pos := 0; ; {
		i := bytes.Index(text[pos:], needle)
		if i < 0 {
			return matches, false
		}
		if len(matches) == maxMatches {
			return matches, true
		}
		if len(matches)%4096 == 4095 && stop() {
			return nil, false
		}
		matches = append(matches, int32(pos+i))
		pos += i + len(needle)
	}
}

var lower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] = byte(i) + 'a' - 'A'
		}
	}
	return t
}()

// foldASCII lowercases ASCII letters and keeps every other byte, so
// offsets in the result are offsets in b.
func foldASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = lower[c]
	}
	return out
}

func isASCIILetter(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }

// findEntry is the find field: Enter goes to the next match, Shift+Enter
// to the previous one, Escape closes the bar, and shortcuts it does not
// use reach the window as if nothing had the focus.
type findEntry struct {
	widget.Entry
	v     *View
	shift bool
}

func newFindEntry(v *View) *findEntry {
	e := &findEntry{v: v}
	e.ExtendBaseWidget(e)
	return e
}

func (e *findEntry) KeyDown(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		e.shift = true
	}
	e.Entry.KeyDown(k)
}

func (e *findEntry) KeyUp(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		e.shift = false
	}
	e.Entry.KeyUp(k)
}

func (e *findEntry) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		if e.shift {
			e.v.FindNext(-1)
		} else {
			e.v.FindNext(1)
		}
	case fyne.KeyEscape:
		e.v.CloseFind()
	default:
		e.Entry.TypedKey(k)
	}
}

func (e *findEntry) TypedShortcut(s fyne.Shortcut) {
	if cs, ok := s.(*desktop.CustomShortcut); ok {
		if e.v.viewShortcut(cs) {
			return
		}
		forward(e, s)
		return
	}
	e.Entry.TypedShortcut(s)
}

// forward hands a shortcut the focused widget does not use to the
// window's canvas, where the window's own shortcuts are bound.
func forward(o fyne.CanvasObject, s fyne.Shortcut) {
	if c, ok := fyne.CurrentApp().Driver().CanvasForObject(o).(fyne.Shortcutable); ok {
		c.TypedShortcut(s)
	}
}

// thousands writes n with comma separators: 1,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
