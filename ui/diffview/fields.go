package diffview

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/diff"
)

// Long values (JWTs, signatures, whole JSON subtrees) are cut in rows and
// in the detail pane: a row shows a prefix, the detail a generous one.
const (
	maxCellRunes  = 300
	maxDetailText = 4096
)

// cell is one compared item as a table row: a header, a query parameter,
// a request-line part or a JSON path.
type cell struct {
	name     string
	a, b     string
	kind     diff.Kind
	volatile bool
}

func fieldCells(fs []diff.Field) []cell {
	out := make([]cell, len(fs))
	for i, f := range fs {
		out[i] = cell{name: f.Name, a: f.A, b: f.B, kind: f.Kind, volatile: f.Volatile}
	}
	return out
}

func changeCells(cs []diff.Change) []cell {
	out := make([]cell, len(cs))
	for i, c := range cs {
		out[i] = cell{name: diff.DisplayPath(c.Path), a: c.Old, b: c.New, kind: c.Kind}
	}
	return out
}

// fieldTable is a three-column list (name | value in A | value in B) with a
// detail pane showing the selected row's full values. It is a List of rows
// rather than a Table so columns follow the window's width.
type fieldTable struct {
	cells     []cell
	shown     []int // indexes into cells that pass the filter
	onlyDiffs bool
	empty     string // what to say when nothing is shown

	heading *fyne.Container
	list    *widget.List
	detail  *widget.Label
	none    *widget.Label
	object  fyne.CanvasObject
}

func newFieldTable(nameTitle, aTitle, bTitle string) *fieldTable {
	t := &fieldTable{onlyDiffs: true}
	t.list = widget.NewList(func() int { return len(t.shown) }, newFieldRow, t.updateRow)
	t.list.OnSelected = t.showDetail
	t.detail = widget.NewLabel("")
	t.detail.Wrapping = fyne.TextWrapBreak
	t.detail.Selectable = true
	t.detail.TextStyle = fyne.TextStyle{Monospace: true}
	t.none = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	bold := fyne.TextStyle{Bold: true}
	t.heading = container.New(columns{},
		widget.NewLabelWithStyle(nameTitle, fyne.TextAlignLeading, bold),
		widget.NewLabelWithStyle(aTitle, fyne.TextAlignLeading, bold),
		widget.NewLabelWithStyle(bTitle, fyne.TextAlignLeading, bold))
	split := container.NewVSplit(
		container.NewStack(t.list, container.NewCenter(t.none)),
		container.NewVScroll(t.detail))
	split.Offset = 0.8
	t.object = container.NewBorder(t.heading, nil, nil, nil, split)
	return t
}

// set replaces the rows; empty is shown when the filter leaves none.
func (t *fieldTable) set(cells []cell, empty string) {
	t.cells, t.empty = cells, empty
	t.refilter()
}

func (t *fieldTable) setOnlyDiffs(on bool) {
	t.onlyDiffs = on
	t.refilter()
}

func (t *fieldTable) refilter() {
	t.shown = t.shown[:0]
	for i, c := range t.cells {
		if !t.onlyDiffs || c.kind != diff.Unchanged {
			t.shown = append(t.shown, i)
		}
	}
	none := ""
	switch {
	case len(t.cells) == 0:
		none = t.empty
	case len(t.shown) == 0:
		none = fmt.Sprintf("no differences (%d equal)", len(t.cells))
	}
	// SetText re-measures a wrapped label: skip it when nothing changed.
	setText(t.none, none)
	t.list.UnselectAll()
	setText(t.detail, "Select a row to see its full values.")
	t.list.Refresh()
}

func setText(l *widget.Label, s string) {
	if l.Text != s {
		l.SetText(s)
	}
}

// Len is the number of rows shown.
func (t *fieldTable) Len() int { return len(t.shown) }

// row returns the cell shown at row i.
func (t *fieldTable) row(i int) cell { return t.cells[t.shown[i]] }

func (t *fieldTable) showDetail(id widget.ListItemID) {
	if id >= len(t.shown) {
		return
	}
	c := t.row(id)
	t.detail.SetText(fmt.Sprintf("%s (%s)\nA: %s\nB: %s", c.name, c.kind, detailValue(c.a, c.kind == diff.Added), detailValue(c.b, c.kind == diff.Removed)))
}

func detailValue(v string, absent bool) string {
	if absent {
		return "(absent)"
	}
	return clip(v, maxDetailText)
}

// marker prefixes a row's name so a difference is visible without colour.
func marker(k diff.Kind) string {
	switch k {
	case diff.Added:
		return "+ "
	case diff.Removed:
		return "- "
	case diff.Changed:
		return "~ "
	}
	return "  "
}

// text is a row as plain text, "~ name | a | b", which tests compare.
func (c cell) text() string {
	return marker(c.kind) + c.name + " | " + cellValue(c.a, c.kind == diff.Added) + " | " + cellValue(c.b, c.kind == diff.Removed)
}

func cellValue(v string, absent bool) string {
	switch {
	case absent:
		return "(absent)"
	case v == "":
		return `""`
	}
	// One line per row: a multi-line value would be cut by the row height.
	return strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", " ").Replace(clip(v, maxCellRunes))
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d more bytes)", len(s)-cut)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// fieldRow is one table row: a tinted background under three labels.
type fieldRow struct {
	widget.BaseWidget
	bg         *canvas.Rectangle
	name, a, b *widget.Label
	cols       *fyne.Container
}

func newFieldRow() fyne.CanvasObject {
	r := &fieldRow{bg: canvas.NewRectangle(color.Transparent)}
	mk := func() *widget.Label {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	r.name, r.a, r.b = mk(), mk(), mk()
	r.name.TextStyle = fyne.TextStyle{Bold: true}
	r.a.TextStyle = fyne.TextStyle{Monospace: true}
	r.b.TextStyle = fyne.TextStyle{Monospace: true}
	r.cols = container.New(columns{}, r.name, r.a, r.b)
	r.ExtendBaseWidget(r)
	return r
}

func (r *fieldRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(r.bg, r.cols))
}

func (t *fieldTable) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(t.shown) {
		return
	}
	r, c := o.(*fieldRow), t.row(id)
	r.bg.FillColor = kindColor(c.kind == diff.Changed, c.kind == diff.Added, c.kind == diff.Removed)
	r.bg.Refresh()
	// Volatile headers differ on every delivery: dimmed, so real
	// differences stand out, but still shown.
	imp := widget.MediumImportance
	if c.volatile {
		imp = widget.LowImportance
	}
	setLabel(r.name, marker(c.kind)+c.name, imp)
	// An absent value is dimmed rather than italic: only plain monospace is
	// a style every theme defines.
	setLabel(r.a, cellValue(c.a, c.kind == diff.Added), lowIf(imp, c.kind == diff.Added))
	setLabel(r.b, cellValue(c.b, c.kind == diff.Removed), lowIf(imp, c.kind == diff.Removed))
}

func lowIf(imp widget.Importance, cond bool) widget.Importance {
	if cond {
		return widget.LowImportance
	}
	return imp
}

func setLabel(l *widget.Label, text string, imp widget.Importance) {
	if l.Text == text && l.Importance == imp {
		return
	}
	l.Text, l.Importance = text, imp
	l.Refresh()
}

// columns lays out three children at 24% | 38% | 38% of the width: names
// are short, values long, and both values deserve the same room.
type columns struct{}

func (columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	x := float32(0)
	for i, o := range objs {
		w := size.Width * 0.38
		if i == 0 {
			w = size.Width * 0.24
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w
	}
}

func (columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(300, h)
}
