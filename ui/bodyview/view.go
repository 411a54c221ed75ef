// Package bodyview shows a captured HTTP body of up to tens of megabytes
// without freezing the UI: the body is formatted into an index of lines
// (package bodyfmt) and a widget.List renders only the visible ones.
//
// Like all Fyne widgets, a View must only be used from the Fyne goroutine.
package bodyview

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hookscope/app/bodyfmt"
	"hookscope/ui/uithread"
)

const (
	// asyncThreshold is the body size above which formatting moves off the
	// UI goroutine; below it formatting takes well under a frame.
	asyncThreshold = 256 << 10
	// defaultCols wraps lines before the view knows its width.
	defaultCols = 160
	minCols     = 20
	// copyLimit caps what Copy puts on the clipboard: a 50 MB hex dump
	// would stall the desktop's clipboard manager for no one's benefit.
	copyLimit = 4 << 20
)

// View displays a body with a mode selector, a notice line, a Copy button
// and the formatted lines.
type View struct {
	widget.BaseWidget

	// post runs f on the Fyne goroutine; tests replace it to control when
	// background results land.
	post func(f func())

	body      []byte
	kind      bodyfmt.Kind
	kindKnown bool
	mode      bodyfmt.Mode
	cache     map[bodyfmt.Mode]*formatted // unwrapped results for the current body
	shown     *formatted
	lines     *bodyfmt.Lines // shown.lines wrapped to cols
	cols      int
	gen       atomic.Uint64 // bumped by every SetBody/SetMode so stale work is dropped
	busy      bool
	note      string

	metrics *metrics
	modes   *widget.RadioGroup
	notice  *widget.Label
	copyBtn *widget.Button
	list    *widget.List
	bar     *fyne.Container
	content fyne.CanvasObject
}

// formatted is one mode's result for the current body.
type formatted struct {
	mode   bodyfmt.Mode
	lines  *bodyfmt.Lines // unwrapped
	notice string         // e.g. a pretty-print fallback message
}

// New creates an empty View. Call it after the Fyne app exists: it measures
// the monospace font.
func New() *View {
	v := &View{post: uithread.Do, cols: defaultCols, cache: map[bodyfmt.Mode]*formatted{}}
	v.ExtendBaseWidget(v)
	v.metrics = newMetrics(compactTheme{})
	v.modes = widget.NewRadioGroup(nil, func(s string) { v.SetMode(bodyfmt.Mode(s)) })
	v.modes.Horizontal = true
	v.modes.Required = true
	v.notice = widget.NewLabel("")
	v.notice.Truncation = fyne.TextTruncateEllipsis
	v.copyBtn = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), v.copyText)
	v.list = widget.NewList(v.LineCount, v.createRow, v.updateRow)
	v.list.HideSeparators = true
	// Rows are text, not choices: drop the selection highlight at once.
	v.list.OnSelected = func(id widget.ListItemID) { v.list.Unselect(id) }
	v.bar = container.NewBorder(nil, nil, v.modes, v.copyBtn, v.notice)
	v.content = container.NewBorder(v.bar, nil, nil, nil, container.NewThemeOverride(v.list, compactTheme{}))
	v.refreshBar()
	return v
}

// SetNote sets a caller-supplied notice shown before the view's own, such
// as "truncated at capture"; "" clears it.
func (v *View) SetNote(note string) {
	v.note = note
	v.refreshBar()
}

// SetBody shows body in the best mode for its kind. Bodies larger than
// asyncThreshold are classified and formatted on another goroutine while
// "formatting…" is shown; a later SetBody supersedes one still in flight.
// The view keeps body, so the caller must not modify it afterwards.
func (v *View) SetBody(body []byte, contentType string) {
	gen := v.gen.Add(1)
	v.body, v.cache, v.kindKnown = body, map[bodyfmt.Mode]*formatted{}, false
	v.run(len(body), func() func() {
		kind := bodyfmt.Classify(contentType, body)
		if v.gen.Load() != gen {
			return nil // superseded while classifying: skip the costly part
		}
		mode := bodyfmt.Modes(kind)[0]
		f := format(body, kind, mode)
		return func() {
			if v.gen.Load() != gen {
				return
			}
			v.kind, v.kindKnown, v.mode = kind, true, mode
			v.install(f)
		}
	})
}

// SetMode switches to mode if it makes sense for the current body; other
// modes, and calls before the body's kind is known, are ignored.
func (v *View) SetMode(m bodyfmt.Mode) {
	if !v.kindKnown || m == v.mode || !slices.Contains(bodyfmt.Modes(v.kind), m) {
		return
	}
	gen := v.gen.Add(1)
	v.mode = m
	if f := v.cache[m]; f != nil {
		v.install(f)
		return
	}
	body, kind := v.body, v.kind
	v.run(len(body), func() func() {
		f := format(body, kind, m)
		return func() {
			if v.gen.Load() == gen {
				v.install(f)
			}
		}
	})
}

// Mode is the mode shown, or being prepared.
func (v *View) Mode() bodyfmt.Mode { return v.mode }

// LineCount is the number of display lines, after wrapping.
func (v *View) LineCount() int { return v.lines.Len() }

// VisibleText returns display line i as formatted, before control
// characters are made visible.
func (v *View) VisibleText(i int) string {
	if i < 0 || i >= v.LineCount() {
		return ""
	}
	return string(v.lines.Line(i))
}

// run calls job, then the function it returns (if any), either inline or,
// for big inputs, with job on a new goroutine and its result posted back.
// job may only read v.gen; everything else belongs to the Fyne goroutine.
func (v *View) run(size int, job func() func()) {
	if size <= asyncThreshold {
		if done := job(); done != nil {
			done()
		}
		return
	}
	v.busy = true
	v.show(nil)
	go func() {
		if done := job(); done != nil {
			v.post(done)
		}
	}()
}

func format(body []byte, kind bodyfmt.Kind, mode bodyfmt.Mode) *formatted {
	lines, err := bodyfmt.Format(body, kind, mode, 0)
	f := &formatted{mode: mode, lines: lines}
	if err != nil {
		f.notice = err.Error()
	}
	if lines == nil {
		f.lines, _ = bodyfmt.NewLines(nil, 0) // keep the view usable after a hard error
	}
	return f
}

// install shows a finished result on the Fyne goroutine. It scrolls to the
// top because offsets in one mode mean nothing in another.
func (v *View) install(f *formatted) {
	v.busy = false
	v.cache[f.mode] = f
	v.show(f)
	v.list.ScrollToTop()
}

// show displays f, or nothing while a result is pending.
func (v *View) show(f *formatted) {
	v.shown, v.lines = f, nil
	if f != nil {
		v.lines = f.lines.Rewrap(v.cols)
	}
	v.refreshBar()
	v.list.Refresh()
}

// setCols rewraps for a new width. Rewrap is cheap (no reformatting, and
// free when no line is too long), so it runs on every width change.
func (v *View) setCols(width float32) {
	cols := max(int((width-v.metrics.charW)/v.metrics.charW)-1, minCols)
	if width <= 0 || cols == v.cols {
		return
	}
	v.cols = cols
	if v.shown != nil {
		v.lines = v.shown.lines.Rewrap(cols)
		v.list.Refresh()
	}
}

func (v *View) refreshBar() {
	v.updateModes()
	v.notice.SetText(v.noticeText())
	if v.lines.Len() == 0 {
		v.copyBtn.Disable()
	} else {
		v.copyBtn.Enable()
	}
}

// updateModes offers only the modes that make sense for the body; the
// selector is disabled until the kind is known.
func (v *View) updateModes() {
	var opts []string
	if v.kindKnown {
		for _, m := range bodyfmt.Modes(v.kind) {
			opts = append(opts, string(m))
		}
	}
	v.modes.Options = opts
	v.modes.Selected = string(v.mode)
	if v.busy || !v.kindKnown {
		v.modes.Disable()
	} else {
		v.modes.Enable()
	}
	v.modes.Refresh()
	v.bar.Refresh() // the selector's width changed with its options: lay out again
}

func (v *View) noticeText() string {
	var parts []string
	if v.note != "" {
		parts = append(parts, v.note)
	}
	switch {
	case v.busy:
		parts = append(parts, fmt.Sprintf("formatting %s…", humanSize(len(v.body))))
	case v.body == nil && !v.kindKnown:
	case v.kind == bodyfmt.Empty:
		parts = append(parts, "empty body")
	default:
		parts = append(parts, fmt.Sprintf("%s: %s, %s", v.kind, humanSize(len(v.body)), plural(v.lines.Len(), "line")))
		if v.shown != nil && v.shown.notice != "" {
			parts = append(parts, v.shown.notice)
		}
	}
	return strings.Join(parts, " · ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// humanSize formats n bytes with binary units, e.g. "1.2 MiB".
func humanSize(n int) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}

// copyText puts the formatted text (not the wrapped rows) on the clipboard,
// cut at a line boundary when over copyLimit.
func (v *View) copyText() {
	if v.lines.Len() == 0 {
		return
	}
	text, cut := clip(v.lines.Text, copyLimit)
	fyne.CurrentApp().Clipboard().SetContent(string(text))
	if cut {
		v.notice.SetText(fmt.Sprintf("copied the first %s", humanSize(len(text))))
	}
}

func clip(text []byte, limit int) ([]byte, bool) {
	if len(text) <= limit {
		return text, false
	}
	text = text[:limit]
	if nl := bytes.LastIndexByte(text, '\n'); nl > 0 {
		text = text[:nl+1]
	}
	return text, true
}

func (v *View) createRow() fyne.CanvasObject { return newRow(v.metrics) }

func (v *View) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= v.lines.Len() {
		return
	}
	var segs []segment
	if v.shown.mode == bodyfmt.ModePretty && v.kind == bodyfmt.JSON && v.shown.notice == "" {
		segs = jsonSegments(v.lines, id)
	} else {
		segs = plainSegments(v.lines.Line(id))
	}
	o.(*row).set(segs, v.list.Theme(), fyne.CurrentApp().Settings().ThemeVariant())
}

// Refresh re-measures the monospace cell, which follows the theme's text
// size, before redrawing. Rows share the metrics, so they pick it up too.
func (v *View) Refresh() {
	if v.metrics != nil {
		*v.metrics = *newMetrics(compactTheme{})
	}
	v.BaseWidget.Refresh()
}

// CreateRenderer is part of fyne.Widget.
func (v *View) CreateRenderer() fyne.WidgetRenderer {
	return &viewRenderer{v: v, objects: []fyne.CanvasObject{v.content}}
}

type viewRenderer struct {
	v       *View
	objects []fyne.CanvasObject
}

// Layout is where the view learns its width, which decides the wrap.
func (r *viewRenderer) Layout(size fyne.Size) {
	r.v.content.Resize(size)
	r.v.setCols(size.Width - r.v.list.Theme().Size(theme.SizeNameScrollBar))
}

func (r *viewRenderer) MinSize() fyne.Size           { return r.v.content.MinSize() }
func (r *viewRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *viewRenderer) Refresh()                     { r.v.content.Refresh() }
func (r *viewRenderer) Destroy()                     {}
