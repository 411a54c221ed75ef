// Package bodyview shows a captured HTTP body of up to tens of megabytes
// without freezing the UI: the body is formatted into an index of lines
// (package bodyfmt) and a widget.List renders only the visible ones. A body
// sent with a Content-Encoding (gzip, deflate, br) is shown decoded, capped
// at bodyfmt.DefaultDecodeLimit so a compression bomb cannot take the
// memory, with a toggle back to the bytes as sent. An image/* body
// (PNG, JPEG, GIF, WebP) is shown as a picture, decoded in the background
// and refused above a pixel limit; a multipart/* body as a list of its
// parts with their headers.
//
// Like all Fyne widgets, a View must only be used from the Fyne goroutine.
package bodyview

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/bodyfmt"
	"dev.hookscope/textutil"
	"dev.hookscope/ui/uithread"
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
	// decodeLimit caps a decoded body (bodyfmt.Decode's limit); tests
	// lower it.
	decodeLimit int64
	// maxPixels caps the images shown (bodyfmt.DecodeImage's limit).
	maxPixels int64

	cur   payload // the bytes on screen
	alt   payload // the other side of the decoded/as-sent toggle, once shown
	shown *formatted
	lines *bodyfmt.Lines // shown.lines wrapped to cols
	cols  int
	gen   atomic.Uint64 // bumped by every SetBody/SetMode so stale work is dropped
	busy  bool
	// busyText is the notice while busy: "formatting 5.0 MiB…" or
	// "decoding gzip…".
	busyText string
	note     string

	// The body as sent and its encoding; encoding is "" for a body sent
	// without one, and then cur is the only payload.
	sent        []byte
	contentType string
	encoding    string // normalised, e.g. "gzip" or "gzip, br"
	decoded     []byte // nil until decoding finished
	decodeNote  string // bodyfmt.Decode's note
	decodeFail  bool   // only the bytes as sent can be shown
	asSent      bool   // the user chose the bytes as sent

	metrics    *metrics
	modes      *widget.RadioGroup
	decodeCk   *widget.Check // "decode gzip": on shows decoded, off as sent
	notice     *widget.Label
	copyBtn    *widget.Button // the body's bytes, not its formatting
	copyPretty *widget.Button // the text as shown: "Copy pretty", "Copy hex"
	saveBtn    *widget.Button
	list       *bodyList
	wheel      *wheel
	find       finder
	// wantPointer is a Highlight waiting for its body to be formatted.
	wantPointer   string
	wantHighlight bool
	zoomer        zoomer
	image         *canvas.Image     // shown instead of the list in image mode
	imgScroll     *container.Scroll // holds image at its zoom
	bar           *fyne.Container
	content       *fyne.Container
}

// payload is one body the view can show (decoded, or as sent) with what
// is known about it so far.
type payload struct {
	body      []byte
	ct        string // the content type it is read as
	kind      bodyfmt.Kind
	kindKnown bool
	mode      bodyfmt.Mode
	cache     map[bodyfmt.Mode]*formatted // unwrapped results for body
}

func newPayload(body []byte, contentType string) payload {
	return payload{body: body, ct: contentType, cache: map[bodyfmt.Mode]*formatted{}}
}

// formatted is one mode's result for the current body.
type formatted struct {
	mode   bodyfmt.Mode
	lines  *bodyfmt.Lines // unwrapped
	notice string         // e.g. a pretty-print fallback message
	// img is the decoded picture in image mode (lines are then empty), and
	// info its description for the notice line: "PNG 640×480, 12.3 KiB".
	img  image.Image
	info string

	foldOnce sync.Once
	folded   []byte // lines.Text with ASCII letters lowercased, for find
}

// foldedText is the text find searches when the query has letters; it is
// made once per result, on whichever goroutine first needs it.
func (f *formatted) foldedText() []byte {
	f.foldOnce.Do(func() { f.folded = foldASCII(f.lines.Text) })
	return f.folded
}

// New creates an empty View. Call it after the Fyne app exists: it measures
// the monospace font.
func New() *View {
	v := &View{post: uithread.Do, cols: defaultCols, decodeLimit: bodyfmt.DefaultDecodeLimit, maxPixels: bodyfmt.DefaultMaxPixels, cur: newPayload(nil, "")}
	v.ExtendBaseWidget(v)
	v.metrics = newMetrics(CompactTheme{})
	v.modes = widget.NewRadioGroup(nil, func(s string) { v.SetMode(bodyfmt.Mode(s)) })
	v.modes.Horizontal = true
	v.modes.Required = true
	v.notice = widget.NewLabel("")
	v.notice.Truncation = fyne.TextTruncateEllipsis
	v.decodeCk = widget.NewCheck("decode", func(on bool) { v.SetAsSent(!on) })
	v.decodeCk.Hide()
	v.copyBtn = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), v.copyBody)
	v.copyPretty = widget.NewButton("Copy pretty", v.copyText)
	v.saveBtn = widget.NewButtonWithIcon("Save…", theme.DocumentSaveIcon(), v.saveFile)
	v.list = newBodyList(v)
	v.wheel = newWheel(v)
	v.image = &canvas.Image{FillMode: canvas.ImageFillStretch, ScaleMode: canvas.ImageScaleSmooth}
	v.imgScroll = container.NewScroll(container.NewCenter(v.image))
	v.imgScroll.Hide()
	v.buildZoom()
	v.buildFind()
	v.bar = container.NewBorder(nil, nil, container.NewHBox(v.modes, v.decodeCk, v.zoomer.bar),
		container.NewHBox(v.copyBtn, v.copyPretty, v.saveBtn), v.notice)
	lines := container.NewStack(container.NewThemeOverride(v.list, CompactTheme{}), v.wheel)
	// The bar scrolls sideways when the viewer is narrower than it, so it
	// never sets the viewer's (and an inspector's) minimum width; the
	// text below wraps to whatever width there is.
	barScroll := container.NewHScroll(v.bar)
	v.content = container.NewBorder(container.NewVBox(barScroll, v.find.bar), nil, nil, nil, container.NewStack(lines, v.imgScroll))
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
	v.SetBodyEncoded(body, contentType, "")
}

// SetBodyEncoded is SetBody for a body sent with a Content-Encoding
// header (several header lines joined with ", "): it shows the body
// decoded, at most decodeLimit bytes of it, with bodyfmt.Decode's note in
// the notice line, and offers a "decode" toggle whose off side shows the
// bytes as sent. When decoding fails the bytes as sent are shown (as the
// content type says, since a mislabelled plain body is common) with the
// reason. contentType describes the decoded body, as in HTTP.
func (v *View) SetBodyEncoded(body []byte, contentType, contentEncoding string) {
	gen := v.gen.Add(1)
	v.wantHighlight = false // a mark asked for belongs to the old body
	v.sent, v.contentType = body, contentType
	v.encoding = strings.Join(bodyfmt.Codings(contentEncoding), ", ")
	v.decoded, v.decodeNote, v.decodeFail, v.asSent = nil, "", false, false
	v.cur, v.alt = newPayload(body, contentType), payload{}
	if v.encoding == "" || len(body) == 0 {
		v.encoding = ""
		v.load(gen, body, contentType, nil)
		return
	}
	// Most encoded bodies are small webhooks that decode in microseconds:
	// decoding them here, capped at asyncThreshold, shows them at once.
	// Output that reaches the cap (a big body, or a bomb) is decoded again
	// in the background with the real limit.
	dec, note, err := bodyfmt.Decode(body, v.encoding, asyncThreshold)
	if err != nil || len(dec) < asyncThreshold {
		v.loadDecoded(gen, dec, note, err)
		return
	}
	v.cur = newPayload(nil, contentType)
	v.busyText = "decoding " + v.encoding + "…"
	limit, encoding := v.decodeLimit, v.encoding
	v.run(math.MaxInt, func() func() {
		dec, note, err := bodyfmt.Decode(body, encoding, limit)
		if v.gen.Load() != gen {
			return nil
		}
		return v.prepare(gen, dec, contentType, func() { v.setDecoded(dec, note, err) })
	})
}

// loadDecoded shows a decoding result that is already at hand. When
// decoding failed, dec is the bytes as sent (bodyfmt.Decode's contract),
// still read as the content type says: a plain body mislabelled gzip is
// the common failure.
func (v *View) loadDecoded(gen uint64, dec []byte, note string, err error) {
	v.setDecoded(dec, note, err)
	v.cur = newPayload(dec, v.contentType)
	v.load(gen, dec, v.contentType, nil)
}

func (v *View) setDecoded(dec []byte, note string, err error) {
	v.decoded, v.decodeNote, v.decodeFail = dec, note, err != nil
}

// SetAsSent switches between the decoded body (false) and the bytes as
// sent (true) of a body given to SetBodyEncoded. It does nothing for a
// body without an encoding, one that could not be decoded, or while the
// view is busy.
func (v *View) SetAsSent(asSent bool) {
	if asSent == v.asSent || v.encoding == "" || v.decodeFail || v.busy || !v.cur.kindKnown {
		v.updateDecodeToggle() // a tap that changed nothing must not stay ticked
		return
	}
	gen := v.gen.Add(1)
	v.asSent = asSent
	v.cur, v.alt = v.alt, v.cur
	if f := v.cur.cache[v.cur.mode]; v.cur.kindKnown && f != nil {
		v.install(f) // shown before: as it was left
		return
	}
	data, ct := v.decoded, v.contentType
	if asSent {
		// The content type describes the decoded body, not these bytes.
		data, ct = v.sent, "application/octet-stream"
	}
	v.cur = newPayload(data, ct)
	v.load(gen, data, ct, nil)
}

// AsSent reports whether the bytes as sent are shown rather than the
// decoded body.
func (v *View) AsSent() bool { return v.asSent }

// load classifies data and shows it in the first mode for its kind,
// through run: inline when small, else in the background.
func (v *View) load(gen uint64, data []byte, contentType string, then func()) {
	size := len(data)
	v.busyText = fmt.Sprintf("formatting %s…", textutil.HumanSize(int64(size)))
	if strings.HasPrefix(bodyfmt.MediaType(contentType), "image/") && len(data) > 0 {
		// Image mode comes first, and a tiny PNG can take seconds to
		// decode: always in the background.
		size = math.MaxInt
		v.busyText = "decoding the image…"
	}
	v.run(size, func() func() { return v.prepare(gen, data, contentType, then) })
}

// prepare is the job behind load: it may run on any goroutine, and
// returns what installs the result on the Fyne goroutine (nil when a newer
// body has superseded this one).
func (v *View) prepare(gen uint64, data []byte, contentType string, then func()) func() {
	kind := bodyfmt.Classify(contentType, data)
	if v.gen.Load() != gen {
		return nil // superseded while classifying: skip the costly part
	}
	mode := bodyfmt.Modes(kind)[0]
	f := v.format(data, kind, contentType, mode)
	return func() {
		if v.gen.Load() != gen {
			return
		}
		if then != nil {
			then()
		}
		v.cur = newPayload(data, contentType)
		v.cur.kind, v.cur.kindKnown, v.cur.mode = kind, true, mode
		v.install(f)
	}
}

// SetMode switches to mode if it makes sense for the current body; other
// modes, and calls before the body's kind is known, are ignored.
func (v *View) SetMode(m bodyfmt.Mode) {
	if !v.cur.kindKnown || m == v.cur.mode || !slices.Contains(bodyfmt.Modes(v.cur.kind), m) {
		return
	}
	gen := v.gen.Add(1)
	v.cur.mode = m
	if f := v.cur.cache[m]; f != nil {
		v.install(f)
		return
	}
	body, kind, ct := v.cur.body, v.cur.kind, v.cur.ct
	size := len(body)
	v.busyText = fmt.Sprintf("formatting %s…", textutil.HumanSize(int64(size)))
	if m == bodyfmt.ModeImage {
		size = math.MaxInt // see load
		v.busyText = "decoding the image…"
	}
	v.run(size, func() func() {
		f := v.format(body, kind, ct, m)
		return func() {
			if v.gen.Load() == gen {
				v.install(f)
			}
		}
	})
}

// Mode is the mode shown, or being prepared.
func (v *View) Mode() bodyfmt.Mode { return v.cur.mode }

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
// job may only read v.gen and the limits fixed at New (decodeLimit,
// maxPixels); everything else belongs to the Fyne goroutine.
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

// format prepares mode's result; it may run on any goroutine.
func (v *View) format(body []byte, kind bodyfmt.Kind, contentType string, mode bodyfmt.Mode) *formatted {
	if mode == bodyfmt.ModeImage {
		return v.formatImage(body)
	}
	lines, err := bodyfmt.FormatWith(body, kind, contentType, mode, 0)
	f := &formatted{mode: mode, lines: lines}
	if err != nil {
		f.notice = err.Error()
	}
	if lines == nil {
		f.lines, _ = bodyfmt.NewLines(nil, 0) // keep the view usable after a hard error
	}
	return f
}

// formatImage decodes an image body, or, when it cannot (not an image
// format Go decodes, corrupt, over maxPixels), shows its hex dump with
// the reason.
func (v *View) formatImage(body []byte) *formatted {
	img, info, err := bodyfmt.DecodeImage(body, v.maxPixels)
	if err != nil {
		f := v.format(body, bodyfmt.Image, "", bodyfmt.ModeHex)
		f.mode, f.notice = bodyfmt.ModeImage, err.Error()+": showing hex"
		return f
	}
	empty, _ := bodyfmt.NewLines(nil, 0)
	return &formatted{mode: bodyfmt.ModeImage, lines: empty, img: img,
		info: fmt.Sprintf("%s %d×%d, %s", info.Format, info.Width, info.Height, textutil.HumanSize(int64(len(body))))}
}

// install shows a finished result on the Fyne goroutine. It scrolls to the
// top because offsets in one mode mean nothing in another.
func (v *View) install(f *formatted) {
	v.busy = false
	v.cur.cache[f.mode] = f
	v.show(f)
	v.list.ScrollToTop()
	if v.find.bar.Visible() {
		v.search() // the same query in the new text
	}
	v.applyWantedHighlight()
}

// show displays f, or nothing while a result is pending.
func (v *View) show(f *formatted) {
	v.shown, v.lines = f, nil
	if f != nil {
		v.lines = f.lines.Rewrap(v.cols)
	}
	if f == nil && v.find.of != nil {
		v.search() // nothing to find in until the result lands
	}
	if f != nil && f.img != nil {
		if v.image.Image != f.img {
			v.zoomer.zoom = 0 // a new picture starts fitted
		}
		v.image.Image = f.img
		v.imgScroll.Show()
		v.applyZoom()
	} else if v.imgScroll.Visible() || v.image.Image != nil {
		v.image.Image = nil // let a big picture go
		v.imgScroll.Hide()
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
	v.updateDecodeToggle() // first: updateModes lays the bar out again
	v.updateModes()
	v.notice.SetText(v.noticeText())
	// Copy gives the bytes; a body that is not text (an image, a binary
	// upload, gzip as sent) would not survive a text clipboard, so only
	// its hex dump is offered.
	if b := v.copyBytes(); len(b) == 0 || !textutil.IsText(b) {
		v.copyBtn.Disable()
	} else {
		v.copyBtn.Enable()
	}
	// "Copy pretty" (hex, parts, form) when the text shown is not the body.
	if v.busy || v.shown == nil || v.shown.img != nil || v.lines.Len() == 0 || v.cur.mode == bodyfmt.ModeRaw {
		v.copyPretty.Hide()
	} else {
		label := string(v.cur.mode)
		if v.cur.mode == bodyfmt.ModeImage {
			label = "hex" // a picture that could not be decoded
		}
		v.copyPretty.SetText("Copy " + label)
		v.copyPretty.Show()
	}
	v.zoomer.update(v)
}

// updateModes offers only the modes that make sense for the body; the
// selector is disabled until the kind is known.
func (v *View) updateModes() {
	var opts []string
	if v.cur.kindKnown {
		for _, m := range bodyfmt.Modes(v.cur.kind) {
			opts = append(opts, string(m))
		}
	}
	v.modes.Options = opts
	v.modes.Selected = string(v.cur.mode)
	if v.busy || !v.cur.kindKnown {
		v.modes.Disable()
	} else {
		v.modes.Enable()
	}
	v.modes.Refresh()
	v.bar.Refresh() // the selector's width changed with its options: lay out again
}

// updateDecodeToggle shows the toggle only for an encoded body, names the
// encoding on it, and disables it while busy or when only the bytes as
// sent exist. Checked is set directly: SetChecked would call back into
// SetAsSent.
func (v *View) updateDecodeToggle() {
	if v.encoding == "" {
		v.decodeCk.Hide()
		return
	}
	v.decodeCk.Text = "decode " + v.encoding
	v.decodeCk.Checked = !v.asSent && !v.decodeFail
	if v.busy || v.decodeFail || !v.cur.kindKnown {
		v.decodeCk.Disable()
	} else {
		v.decodeCk.Enable()
	}
	v.decodeCk.Show()
	v.decodeCk.Refresh()
}

func (v *View) noticeText() string {
	var parts []string
	if v.note != "" {
		parts = append(parts, v.note)
	}
	switch {
	case v.busy:
		parts = append(parts, v.busyText)
	case v.cur.body == nil && !v.cur.kindKnown:
	case v.cur.kind == bodyfmt.Empty:
		parts = append(parts, "empty body")
	case v.shown != nil && v.shown.img != nil:
		parts = append(parts, v.shown.info, fmt.Sprintf("%.0f%%", v.zoomer.shown*100))
	default:
		parts = append(parts, fmt.Sprintf("%s: %s, %s", v.cur.kind, textutil.HumanSize(int64(len(v.cur.body))), plural(v.lines.Len(), "line")))
	}
	if !v.busy && v.encoding != "" {
		if v.asSent {
			parts = append(parts, "as sent ("+v.encoding+")")
		} else if v.decodeNote != "" {
			parts = append(parts, v.decodeNote)
		}
	}
	if !v.busy && v.shown != nil && v.shown.notice != "" {
		parts = append(parts, v.shown.notice)
	}
	return strings.Join(parts, " · ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// copyBytes is what Copy puts on the clipboard: the body as received
// (decoded when it is shown decoded, as Save writes it), not the text
// formatted from it.
func (v *View) copyBytes() []byte {
	if v.busy {
		return nil
	}
	return v.saveBytes()
}

// copyBody is Copy (and Ctrl+C in the body): the body's bytes when they
// are text, cut at a line boundary when over copyLimit.
func (v *View) copyBody() {
	if b := v.copyBytes(); len(b) > 0 && textutil.IsText(b) {
		v.setClipboard(b)
	}
}

// copyText is "Copy pretty": the formatted text (not the wrapped rows),
// cut at a line boundary when over copyLimit.
func (v *View) copyText() {
	if v.lines.Len() == 0 {
		return
	}
	v.setClipboard(v.lines.Text)
}

func (v *View) setClipboard(b []byte) {
	text, cut := clip(b, copyLimit)
	fyne.CurrentApp().Clipboard().SetContent(string(text))
	if cut {
		v.notice.SetText(fmt.Sprintf("copied the first %s", textutil.HumanSize(int64(len(text)))))
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

func (v *View) createRow() fyne.CanvasObject {
	r := newRow(v.metrics)
	r.onTap = func() { v.focus(v.list) }
	return r
}

func (v *View) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= v.lines.Len() {
		return
	}
	var segs []segment
	// A GraphQL request is JSON too in its pretty view.
	if v.shown.mode == bodyfmt.ModePretty && (v.cur.kind == bodyfmt.JSON || v.cur.kind == bodyfmt.GraphQL) && v.shown.notice == "" {
		segs = jsonSegments(v.lines, id)
	} else {
		segs = plainSegments(v.lines.Line(id))
	}
	if ranges, cur := v.matchRanges(id); len(ranges) > 0 {
		segs = markSegments(segs, ranges, cur)
	}
	o.(*row).set(segs, v.list.Theme(), fyne.CurrentApp().Settings().ThemeVariant())
}

// Refresh re-measures the monospace cell, which follows the theme's text
// size, before redrawing. Rows share the metrics, so they pick it up too.
func (v *View) Refresh() {
	if v.metrics != nil {
		*v.metrics = *newMetrics(CompactTheme{})
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
	if r.v.imgScroll.Visible() && r.v.zoomer.zoom == 0 {
		r.v.applyZoom() // fitting follows the size
	}
}

func (r *viewRenderer) MinSize() fyne.Size           { return r.v.content.MinSize() }
func (r *viewRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *viewRenderer) Refresh()                     { r.v.content.Refresh() }
func (r *viewRenderer) Destroy()                     {}
