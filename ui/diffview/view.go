// Package diffview shows the comparison of two captured requests (package
// diff): request line and query, headers, and the body as a list of
// JSON changes, a line diff or a one-line statement for binary bodies.
//
// Like all Fyne widgets, a View must only be used from the Fyne goroutine.
package diffview

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/diff"
	"dev.hookscope/storage"
	"dev.hookscope/ui/uithread"
)

// asyncThreshold is the combined body size above which the comparison runs
// off the UI goroutine; below it, it takes well under a frame.
const asyncThreshold = 256 << 10

// maxNotes caps the body notes shown above the body listing.
const maxNotes = 5

// View compares request A with request B.
type View struct {
	widget.BaseWidget

	a, b   *storage.Record
	result diff.Result
	ready  bool

	title     *widget.Label
	summary   *widget.Label
	onlyDiffs *widget.Check
	tabs      *container.AppTabs

	request *fieldTable // method, path, query parameters
	headers *fieldTable
	changes *fieldTable // JSON and form bodies
	lines   *lineList   // text bodies
	notes   *widget.Label
	verdict *widget.Label // binary and empty bodies
	body    *fyne.Container

	content fyne.CanvasObject
}

// New builds the comparison of a with b. Big bodies are compared on another
// goroutine while the view says "comparing…"; the records must not be
// modified afterwards. Call it on the Fyne goroutine, after the app exists.
func New(a, b *storage.Record) *View {
	return newView(a, b, uithread.Do)
}

// newView takes the function that posts a background result back to the
// UI goroutine, so tests decide when it lands.
func newView(a, b *storage.Record, post func(func())) *View {
	v := &View{a: a, b: b}
	v.ExtendBaseWidget(v)
	// Monospace: the regular font has no ⟷ glyph; the monospace one does.
	// (Not bold too: themes need not define bold monospace, and Fyne's test
	// theme does not.)
	v.title = widget.NewLabelWithStyle(fmt.Sprintf("%s  ⟷  %s", describe(a), describe(b)),
		fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	v.title.Truncation = fyne.TextTruncateEllipsis
	v.summary = widget.NewLabel("comparing…")
	v.summary.Truncation = fyne.TextTruncateEllipsis
	v.onlyDiffs = widget.NewCheck("Show only differences", v.setOnlyDiffs)
	v.onlyDiffs.Checked = true

	colA, colB := idTitle(a), idTitle(b)
	v.request = newFieldTable("Field", colA, colB)
	v.headers = newFieldTable("Header", colA, colB)
	v.changes = newFieldTable("Path", colA, colB)
	v.lines = newLineList()
	v.notes = widget.NewLabel("")
	v.notes.Wrapping = fyne.TextWrapWord
	v.notes.TextStyle = fyne.TextStyle{Italic: true}
	v.verdict = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	v.body = container.NewStack()

	v.tabs = container.NewAppTabs(
		container.NewTabItem("Request line & query", v.request.object),
		container.NewTabItem("Headers", v.headers.object),
		container.NewTabItem("Body", container.NewBorder(v.notes, nil, nil, nil, v.body)),
	)
	top := container.NewVBox(v.title, container.NewBorder(nil, nil, nil, v.onlyDiffs, v.summary))
	v.content = container.NewBorder(top, nil, nil, nil, v.tabs)

	if len(a.Body)+len(b.Body) <= asyncThreshold {
		v.install(diff.Requests(a, b))
	} else {
		go func() {
			r := diff.Requests(a, b)
			post(func() { v.install(r) })
		}()
	}
	return v
}

// describe is "#12 POST /hooks/stripe".
func describe(r *storage.Record) string {
	return fmt.Sprintf("#%d %s %s", r.ID, r.Method, r.Path)
}

func idTitle(r *storage.Record) string { return fmt.Sprintf("#%d", r.ID) }

// Ready reports whether the comparison has finished.
func (v *View) Ready() bool { return v.ready }

// Result is the comparison shown; zero until Ready.
func (v *View) Result() diff.Result { return v.result }

func (v *View) install(r diff.Result) {
	v.result, v.ready = r, true
	v.summary.SetText(r.Summary())

	req := []diff.Field{r.Method, r.Path}
	for _, q := range r.Query {
		q.Name = "?" + q.Name // tells a parameter from the request line
		req = append(req, q)
	}
	if r.QueryRawDiffers {
		// No parameter differs, yet the query does: show it as sent.
		req = append(req, diff.Field{Name: "Raw query", A: v.a.RawQuery, B: v.b.RawQuery, Kind: diff.Changed})
	}
	v.request.set(fieldCells(req), "")
	v.headers.set(fieldCells(r.Headers), "no headers")

	var shown fyne.CanvasObject
	switch {
	case r.Body.Kind == diff.BodyBinary || r.Body.Statement != "":
		v.verdict.SetText(r.Body.Statement)
		shown = container.NewCenter(v.verdict)
	case r.Body.Kind == diff.BodyJSON || r.Body.Kind == diff.BodyForm:
		empty := "no differences"
		if !r.Body.Identical {
			empty = "equal values; the bodies differ only in formatting"
		}
		v.changes.set(changeCells(r.Body.Changes), empty)
		shown = v.changes.object
	default:
		v.lines.set(r.Body.Lines)
		shown = v.lines
	}
	v.body.Objects = []fyne.CanvasObject{shown}
	v.body.Refresh()
	v.setNotes(r.Body)
	v.updateTabs()
}

func (v *View) setNotes(b diff.Body) {
	notes := b.Notes
	if b.Kind == diff.BodyJSON || b.Kind == diff.BodyForm {
		if b.Truncated {
			notes = append([]string{fmt.Sprintf("stopped after %d changes", diff.MaxChanges)}, notes...)
		}
	}
	if len(notes) > maxNotes {
		notes = append(notes[:maxNotes:maxNotes], fmt.Sprintf("… %d more notes", len(notes)-maxNotes))
	}
	v.notes.SetText(strings.Join(notes, "\n"))
	if len(notes) == 0 {
		v.notes.Hide()
	} else {
		v.notes.Show()
	}
}

// updateTabs puts difference counts in the tab titles and opens the most
// telling tab: the body when it differs, then the request line, then the
// headers.
func (v *View) updateTabs() {
	r := v.result
	nReq, _ := diff.CountDiffering(append([]diff.Field{r.Method, r.Path}, r.Query...))
	if r.QueryRawDiffers {
		nReq++
	}
	nHdr, _ := diff.CountDiffering(r.Headers)
	v.tabs.Items[0].Text = titleCount("Request line & query", nReq)
	v.tabs.Items[1].Text = titleCount("Headers", nHdr)
	body := "Body"
	switch {
	case r.Body.Identical:
	case r.Body.Kind == diff.BodyJSON || r.Body.Kind == diff.BodyForm:
		body = titleCount(body, len(r.Body.Changes))
	case r.Body.Kind == diff.BodyText:
		ins, del := r.Body.LineCounts()
		body = fmt.Sprintf("Body (+%d -%d)", ins, del)
	default:
		body += " (differs)"
	}
	v.tabs.Items[2].Text = body
	switch {
	case !r.Body.Identical:
		v.tabs.SelectIndex(2)
	case nReq > 0 || r.QueryRawDiffers:
		v.tabs.SelectIndex(0)
	default:
		v.tabs.SelectIndex(1)
	}
	v.tabs.Refresh()
}

func titleCount(title string, n int) string {
	if n == 0 {
		return title
	}
	return fmt.Sprintf("%s (%d)", title, n)
}

func (v *View) setOnlyDiffs(on bool) {
	v.request.setOnlyDiffs(on)
	v.headers.setOnlyDiffs(on)
	v.changes.setOnlyDiffs(on)
	v.lines.setOnlyDiffs(on)
}

// CreateRenderer is part of fyne.Widget.
func (v *View) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(v.content) }

// MinSize keeps a dialog from collapsing to the tab bar: the lists inside
// have almost no minimum height of their own.
func (v *View) MinSize() fyne.Size {
	return v.BaseWidget.MinSize().Max(fyne.NewSize(640, 420))
}

// ShowDialog opens the comparison of a with b over w, sized to most of
// the window, and returns the view shown.
func ShowDialog(w fyne.Window, a, b *storage.Record) *View {
	v := New(a, b)
	d := dialog.NewCustom(fmt.Sprintf("Compare #%d with #%d", a.ID, b.ID), "Close", v, w)
	size := w.Canvas().Size()
	d.Resize(fyne.NewSize(max(size.Width*0.92, 640), max(size.Height*0.9, 420)))
	d.Show()
	return v
}

// NewWindow opens the comparison in a window of its own, to keep beside
// the main one; the caller shows it.
func NewWindow(app fyne.App, a, b *storage.Record) (fyne.Window, *View) {
	v := New(a, b)
	w := app.NewWindow(fmt.Sprintf("Hookscope — compare #%d with #%d", a.ID, b.ID))
	w.SetContent(v)
	w.Resize(fyne.NewSize(1100, 720))
	return w, v
}
