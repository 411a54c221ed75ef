package diffview

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/bodyfmt"
	"dev.hookscope/diff"
	"dev.hookscope/ui/bodyview"
)

const (
	// context is how many equal lines stay around each change when only
	// differences are shown, as in diff -u: a changed line means little
	// without its neighbours.
	context     = 3
	defaultCols = 120
	minCols     = 20
	// tabSpaces stands for a tab: a raw tab would not advance by a
	// monospace cell.
	tabSpaces = "    "
)

var monospace = fyne.TextStyle{Monospace: true}

// drow is one display row: a piece of a diff line (long lines wrap into
// several rows, since a List cannot scroll sideways) or a separator
// standing for hidden equal lines.
type drow struct {
	line   int32 // index into lines, or -1 for a separator
	off    int32 // byte offset of this piece in the line's display text
	end    int32
	hidden int32 // separator: equal lines hidden
}

// lineList shows a text diff as a unified listing through a widget.List,
// one row per visible line piece, so a 50,000-line diff costs only the
// rows on screen. It is a widget so that it learns its width and rewraps.
type lineList struct {
	widget.BaseWidget

	lines     []diff.Line
	text      []string // display text per line: control characters made visible
	onlyDiffs bool
	rows      []drow
	cols      int
	gutter    int // digits per line number

	metrics metrics
	list    *widget.List
	content fyne.CanvasObject
}

func newLineList() *lineList {
	l := &lineList{onlyDiffs: true, cols: defaultCols}
	l.ExtendBaseWidget(l)
	l.metrics = newMetrics()
	l.list = widget.NewList(func() int { return len(l.rows) }, l.createRow, l.updateRow)
	l.list.HideSeparators = true
	// Rows are text, not choices: drop the selection highlight at once.
	l.list.OnSelected = func(id widget.ListItemID) { l.list.Unselect(id) }
	l.content = container.NewThemeOverride(l.list, bodyview.CompactTheme{})
	return l
}

func (l *lineList) set(lines []diff.Line) {
	l.lines = lines
	l.text = make([]string, len(lines))
	maxNo := 0
	for i, ln := range lines {
		l.text[i] = bodyfmt.QuoteControls(ln.Text, tabSpaces)
		maxNo = max(maxNo, ln.A, ln.B)
	}
	l.gutter = len(strconv.Itoa(maxNo))
	l.rebuild()
	l.list.ScrollToTop()
}

func (l *lineList) setOnlyDiffs(on bool) {
	l.onlyDiffs = on
	l.rebuild()
	l.list.ScrollToTop()
}

// rebuild recomputes the display rows from the lines, the filter and the
// wrap width. It is linear in the number of lines and allocates only the
// row index, so it runs on every toggle and width change.
func (l *lineList) rebuild() {
	keep := l.visible()
	rows := l.rows[:0]
	hidden := int32(0)
	flush := func() {
		if hidden > 0 {
			rows = append(rows, drow{line: -1, hidden: hidden})
			hidden = 0
		}
	}
	for i := range l.lines {
		if keep != nil && !keep[i] {
			hidden++
			continue
		}
		flush()
		rows = l.appendPieces(rows, i)
	}
	flush()
	l.rows = rows
	l.list.Refresh()
}

// visible marks the lines to show when only differences are wanted:
// changes plus context lines either side. nil means all.
func (l *lineList) visible() []bool {
	if !l.onlyDiffs {
		return nil
	}
	keep := make([]bool, len(l.lines))
	last := -1 // last index already marked
	for i, ln := range l.lines {
		if ln.Op == diff.Equal {
			continue
		}
		for j := max(i-context, last+1); j <= min(i+context, len(l.lines)-1); j++ {
			keep[j] = true
			last = j
		}
	}
	return keep
}

// appendPieces wraps line i at l.cols runes.
func (l *lineList) appendPieces(rows []drow, i int) []drow {
	t := l.text[i]
	if len(t) <= l.cols { // at most cols runes whatever the script
		return append(rows, drow{line: int32(i), end: int32(len(t))})
	}
	start, n := 0, 0
	for off := range t {
		if n == l.cols {
			rows = append(rows, drow{line: int32(i), off: int32(start), end: int32(off)})
			start, n = off, 0
		}
		n++
	}
	return append(rows, drow{line: int32(i), off: int32(start), end: int32(len(t))})
}

// Len is the number of display rows.
func (l *lineList) Len() int { return len(l.rows) }

// rowParts is what row i shows: gutter ("  12    -  " style) and text.
func (l *lineList) rowParts(i int) (gutter, text string, op diff.Op, separator bool) {
	r := l.rows[i]
	if r.line < 0 {
		return "", fmt.Sprintf("… %d equal %s …", r.hidden, plural(int(r.hidden), "line")), diff.Equal, true
	}
	ln := l.lines[r.line]
	if r.off > 0 {
		gutter = strings.Repeat(" ", 2*l.gutter+4) // continuation of a wrapped line
	} else {
		gutter = num(ln.A, l.gutter) + " " + num(ln.B, l.gutter) + " " + sign(ln.Op) + " "
	}
	return gutter, l.text[r.line][r.off:r.end], ln.Op, false
}

// rowText is row i as plain text, which tests compare.
func (l *lineList) rowText(i int) string {
	g, t, _, _ := l.rowParts(i)
	return g + t
}

func num(n, width int) string {
	if n == 0 {
		return strings.Repeat(" ", width)
	}
	s := strconv.Itoa(n)
	return strings.Repeat(" ", width-len(s)) + s
}

func sign(op diff.Op) string {
	switch op {
	case diff.Insert:
		return "+"
	case diff.Delete:
		return "-"
	}
	return " "
}

func plural(n int, what string) string {
	if n == 1 {
		return what
	}
	return what + "s"
}

// metrics is the monospace cell size, measured once per list.
type metrics struct{ size, charW, lineH float32 }

func newMetrics() metrics {
	size := bodyview.CompactTheme{}.Size(theme.SizeNameText)
	cell := fyne.MeasureText("M", size, monospace)
	return metrics{size: size, charW: cell.Width, lineH: cell.Height}
}

// setCols rewraps for a new width; cheap, so it runs on every change.
func (l *lineList) setCols(width float32) {
	gutterW := float32(2*l.gutter+5) * l.metrics.charW
	cols := max(int((width-gutterW)/l.metrics.charW)-1, minCols)
	if width <= 0 || cols == l.cols {
		return
	}
	l.cols = cols
	l.rebuild()
}

func (l *lineList) CreateRenderer() fyne.WidgetRenderer { return &lineListRenderer{l} }

type lineListRenderer struct{ l *lineList }

// Layout is where the list learns its width, which decides the wrap.
func (r *lineListRenderer) Layout(size fyne.Size) {
	r.l.content.Resize(size)
	r.l.setCols(size.Width - theme.Size(theme.SizeNameScrollBar))
}

func (r *lineListRenderer) MinSize() fyne.Size           { return r.l.content.MinSize() }
func (r *lineListRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.l.content} }
func (r *lineListRenderer) Refresh()                     { r.l.content.Refresh() }
func (r *lineListRenderer) Destroy()                     {}

// lineRow draws one display row: a tinted background, the gutter and the
// text, as canvas.Text (a Label per row would add padding and cost).
type lineRow struct {
	widget.BaseWidget
	m            *metrics
	bg           *canvas.Rectangle
	gutter, text *canvas.Text
}

func (l *lineList) createRow() fyne.CanvasObject {
	r := &lineRow{
		m:      &l.metrics,
		bg:     canvas.NewRectangle(color.Transparent),
		gutter: &canvas.Text{TextStyle: monospace},
		text:   &canvas.Text{TextStyle: monospace},
	}
	r.ExtendBaseWidget(r)
	return r
}

func (l *lineList) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(l.rows) {
		return
	}
	r := o.(*lineRow)
	g, t, op, sep := l.rowParts(id)
	r.gutter.Text, r.gutter.TextSize, r.gutter.Color = g, l.metrics.size, theme.Color(theme.ColorNamePlaceHolder)
	r.text.Text, r.text.TextSize, r.text.Color = t, l.metrics.size, theme.Color(theme.ColorNameForeground)
	if sep {
		r.text.Color = theme.Color(theme.ColorNamePlaceHolder)
	}
	r.bg.FillColor = kindColor(false, op == diff.Insert, op == diff.Delete)
	r.Refresh()
}

func (r *lineRow) CreateRenderer() fyne.WidgetRenderer { return &lineRowRenderer{r} }

type lineRowRenderer struct{ r *lineRow }

func (rr *lineRowRenderer) Layout(size fyne.Size) {
	r := rr.r
	r.bg.Resize(size)
	gw := r.m.charW * float32(utf8.RuneCountInString(r.gutter.Text))
	x := r.m.charW / 2
	// Text boxes taller than the row: the GL painter cuts glyphs at the box.
	h := r.m.lineH + r.m.size/2
	r.gutter.Move(fyne.NewPos(x, 0))
	r.gutter.Resize(fyne.NewSize(gw, h))
	r.text.Move(fyne.NewPos(x+gw, 0))
	r.text.Resize(fyne.NewSize(max(size.Width-x-gw, 0), h))
}

func (rr *lineRowRenderer) MinSize() fyne.Size {
	return fyne.NewSize(rr.r.m.charW, rr.r.m.lineH)
}

func (rr *lineRowRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{rr.r.bg, rr.r.gutter, rr.r.text}
}

func (rr *lineRowRenderer) Refresh() {
	rr.Layout(rr.r.Size())
	rr.r.bg.Refresh()
	rr.r.gutter.Refresh()
	rr.r.text.Refresh()
}

func (rr *lineRowRenderer) Destroy() {}
