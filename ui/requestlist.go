package ui

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/storage"
	"dev.hookscope/textutil"
)

// RequestList is the virtualized list of captured requests, newest first.
// It keeps only IDs in memory; each visible row reads its summary.
type RequestList struct {
	core     app.Source
	ids      []uint64 // oldest first, as stored
	list     *widget.List
	empty    *fyne.Container
	curlLine *widget.Label
	noMatch  *widget.Label
	// selected is the request the user chose. It follows that request
	// (by ID) through filters, inserts and deletes: highlighted when
	// listed, hidden (nothing highlighted) when a filter leaves it out.
	selected uint64
	hidden   bool
	onSelect func(id uint64)
	// onHidden tells the inspector the chosen request is filtered out.
	onHidden func(id uint64)
	root     fyne.CanvasObject
	// filter, when set, limits ids to its matches; new captures are
	// checked against it as they arrive.
	filter *app.Filter
	newest uint64 // the newest ID seen, listed or filtered out
	total  int    // requests stored, for the dense view
	dense  bool   // IDs run without holes from newest-total+1 to newest
	// newChip offers a jump to the newest rows when arrivals were kept
	// out of view (see keepViewPut); unseen counts them.
	newChip *widget.Button
	unseen  int
	// marks are the rows' contract verdicts, read as rows show.
	marks *contractMarks
}

// NewRequestList builds the list; onSelect gets 0 when nothing is selected.
func NewRequestList(core app.Source, onSelect, onHidden func(uint64)) *RequestList {
	r := &RequestList{core: core, onSelect: onSelect, onHidden: onHidden}
	r.list = widget.NewList(r.length, newRequestRow, r.updateRow)
	r.marks = newContractMarks(core.ContractVerdict, r.list.Refresh)
	r.list.OnSelected = func(i widget.ListItemID) {
		// The list keeps no selection of its own: its index goes stale
		// when rows shift, and a tap on an index it thinks is selected
		// is ignored. The chosen ID is the selection.
		r.list.UnselectAll()
		r.choose(r.idAt(i))
	}
	r.list.OnUnselected = func(widget.ListItemID) {}
	r.buildEmptyState()
	r.noMatch = widget.NewLabelWithStyle("No request matches the filter.", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	r.noMatch.Hide()
	r.newChip = widget.NewButtonWithIcon("", theme.MoveUpIcon(), r.jumpToNewest)
	r.newChip.Importance = widget.HighImportance
	r.newChip.Hide()
	chip := container.NewVBox(container.NewCenter(r.newChip))
	r.root = container.NewStack(r.list, r.empty, container.NewCenter(r.noMatch), chip)
	return r
}

// rowStep is the distance between two rows' tops, as widget.List lays
// them out (item height plus the padding it uses as separator).
func (r *RequestList) rowStep() float32 {
	return newRequestRow().MinSize().Height + r.list.Theme().Size(theme.SizeNamePadding)
}

// keepViewPut runs after added rows were put on top. When the user has
// chosen a request or scrolled down, the view moves down by as much, so
// the rows on screen (the selected one among them) stay where they were
// during a burst, and the chip counts what arrived above.
func (r *RequestList) keepViewPut(added int, offset float32) {
	if offset <= 0 && r.unseen > 0 {
		r.jumpToNewest() // the user scrolled back up: all seen
	}
	if added <= 0 || (offset <= 0 && r.selected == 0) {
		return
	}
	r.list.ScrollToOffset(offset + float32(added)*r.rowStep())
	if r.list.GetScrollOffset() <= 0 {
		return // everything fits: nothing is out of view
	}
	r.unseen += added
	r.newChip.SetText(fmt.Sprintf("%d new", r.unseen))
	r.newChip.Show()
}

// jumpToNewest scrolls to the top, where new captures are.
func (r *RequestList) jumpToNewest() {
	r.unseen = 0
	r.newChip.Hide()
	r.list.ScrollToTop()
}

// Object is the list's root.
func (r *RequestList) Object() fyne.CanvasObject { return r.root }

func (r *RequestList) buildEmptyState() {
	title := widget.NewLabelWithStyle("No requests yet", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	hint := widget.NewLabelWithStyle("Point any webhook sender at the listener, or try:", fyne.TextAlignCenter, fyne.TextStyle{})
	r.curlLine = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	r.curlLine.Wrapping = fyne.TextWrapWord // at spaces: a command cut mid-word reads wrong
	copyBtn := widget.NewButtonWithIcon("Copy command", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(r.curlLine.Text)
	})
	r.empty = container.NewVBox(layout.NewSpacer(), title, hint, r.curlLine, container.NewCenter(copyBtn), layout.NewSpacer())
	r.SetListenerURL("http://127.0.0.1:8080")
}

// SetListenerURL updates the sample command in the empty state.
func (r *RequestList) SetListenerURL(u string) {
	r.curlLine.SetText(`curl -X POST ` + u + `/hooks/test -H 'Content-Type: application/json' -d '{"hello":"world"}'`)
}

// Without a filter and with no holes in the IDs (the usual case: retention
// deletes from the oldest end), row i is simply newest-i and nothing is
// held per row; otherwise ids lists what is shown.
func (r *RequestList) denseView() bool { return r.dense && r.filter == nil }

func (r *RequestList) length() int {
	if r.denseView() {
		return r.total
	}
	return len(r.ids)
}

func (r *RequestList) idAt(i int) uint64 {
	if i < 0 || i >= r.length() {
		return 0
	}
	if r.denseView() {
		return r.newest - uint64(i)
	}
	return r.ids[len(r.ids)-1-i]
}

// Count is the number of requests listed.
func (r *RequestList) Count() int { return r.length() }

// SelectedID is the highlighted request, or 0 (none chosen, or the chosen
// one is filtered out).
func (r *RequestList) SelectedID() uint64 {
	if r.hidden {
		return 0
	}
	return r.selected
}

// Select selects the row showing id and scrolls it into view.
func (r *RequestList) Select(id uint64) {
	if i := r.indexOf(id); i >= 0 {
		r.list.ScrollTo(i)
		r.choose(id)
	}
}

func (r *RequestList) choose(id uint64) {
	r.selected, r.hidden = id, false
	r.list.Refresh()
	r.onSelect(id)
}

// indexOf is the row showing id, or -1.
func (r *RequestList) indexOf(id uint64) int {
	if r.denseView() {
		if id == 0 || id > r.newest || r.newest-id >= uint64(r.total) {
			return -1
		}
		return int(r.newest - id)
	}
	for i := range r.ids {
		if r.idAt(i) == id {
			return i
		}
	}
	return -1
}

// listed returns every ID shown, oldest first.
func (r *RequestList) listed() []uint64 {
	if r.denseView() {
		ids, _ := r.core.IDs()
		return ids
	}
	return append([]uint64(nil), r.ids...)
}

// Unselect clears the selection.
func (r *RequestList) Unselect() {
	r.selected, r.hidden = 0, false
	r.list.Refresh()
	r.onSelect(0)
}

// Reload reads the store's shape again (after deletes). A store with no
// holes in its IDs costs three reads, however many requests it holds;
// otherwise every ID is read, and a filter keeps only the IDs still there.
func (r *RequestList) Reload() {
	total, err1 := r.core.Count()
	newest, err2 := r.core.NewestID()
	oldest, err3 := r.core.OldestID()
	if err1 != nil || err2 != nil || err3 != nil {
		return
	}
	r.total, r.newest = total, newest
	r.dense = total == 0 || newest-oldest+1 == uint64(total)
	if r.dense && r.filter == nil {
		r.ids = nil
		r.refresh()
		return
	}
	ids, err := r.core.IDs()
	if err != nil {
		return
	}
	if r.filter != nil {
		ids = r.stillListed(ids)
	}
	r.ids = ids
	r.refresh()
}

// stillListed keeps the filtered IDs that still exist.
func (r *RequestList) stillListed(all []uint64) []uint64 {
	exists := make(map[uint64]bool, len(r.ids))
	for _, id := range all {
		exists[id] = true
	}
	kept := r.ids[:0:0]
	for _, id := range r.ids {
		if exists[id] {
			kept = append(kept, id)
		}
	}
	return kept
}

// setFilter shows only ids (nil filter: everything).
func (r *RequestList) setFilter(f *app.Filter, ids []uint64) {
	r.unseen = 0 // another list: what was unseen is no longer counted
	r.newChip.Hide()
	r.filter = f
	if f == nil {
		r.Reload()
		return
	}
	r.ids = ids
	r.refresh()
}

// LoadNew appends requests stored since the newest one listed.
func (r *RequestList) LoadNew() {
	last := r.newest
	if len(r.ids) > 0 && r.ids[len(r.ids)-1] > last {
		last = r.ids[len(r.ids)-1]
	}
	fresh, err := r.core.Summaries(last, 0)
	if err != nil || len(fresh) == 0 {
		return
	}
	before, offset := r.length(), r.list.GetScrollOffset()
	defer func() { r.keepViewPut(r.length()-before, offset) }()
	for _, s := range fresh {
		if r.dense && s.ID != r.newest+1 && r.total > 0 {
			r.dense = false // a hole (the newest was deleted): list IDs from now on
			if r.filter == nil {
				r.Reload()
				return
			}
		}
		if r.filter != nil || !r.dense {
			if r.filter == nil || r.core.Matches(*r.filter, s.ID) {
				r.ids = append(r.ids, s.ID)
			}
		}
		r.newest = s.ID
		r.total++
	}
	r.refresh()
}

// syncSelection follows the chosen request to wherever it now is. Rows
// draw their own highlight (see updateRow), so nothing here scrolls: a
// burst of inserts never drags the view back to the selection. The
// inspector hears only when the request disappears or comes back.
func (r *RequestList) syncSelection() {
	if r.selected == 0 {
		return
	}
	i := r.indexOf(r.selected)
	wasHidden := r.hidden
	switch {
	case i < 0 && !r.exists(r.selected):
		r.selected, r.hidden = 0, false // deleted, here or elsewhere
		r.onSelect(0)
	case i < 0:
		r.hidden = true
		if !wasHidden {
			r.onHidden(r.selected)
		}
	default:
		r.hidden = false
		if wasHidden {
			r.onSelect(r.selected)
		}
	}
}

func (r *RequestList) exists(id uint64) bool {
	_, err := r.core.Summary(id)
	return err == nil
}

func (r *RequestList) refresh() {
	r.empty.Hide()
	r.noMatch.Hide()
	switch {
	case r.length() > 0:
	case r.filter != nil:
		r.noMatch.Show()
	default:
		r.empty.Show()
	}
	r.syncSelection()
	r.list.Refresh()
}

// Filtered reports whether a filter limits the list.
func (r *RequestList) Filtered() bool { return r.filter != nil }

func (r *RequestList) updateRow(i widget.ListItemID, obj fyne.CanvasObject) {
	id := r.idAt(i)
	sum, err := r.core.Summary(id)
	if err != nil {
		sum = storage.Summary{ID: id, Method: "?", Path: "(deleted)"}
	}
	row := obj.(*requestRow)
	row.set(sum, id == r.selected && !r.hidden)
	row.setContract(r.marks.mark(id))
	// The list does not lay a reused row out again: a mark that appeared,
	// went or changed width (a contract verdict arrives after the row was
	// drawn) was drawn in the old width, cut to "✗ co".
	row.layout.Refresh()
	traceRowShown()
}

// ForgetVerdicts reads the rows' contract marks again: a verdict was kept.
func (r *RequestList) ForgetVerdicts() {
	r.marks.forget()
	r.list.Refresh()
}

// requestRow is one line of the list:
//
//	[METHOD] path               200 ✓ signed ✗ contract
//	         #id · time · size · type
//
// The answer status and the signature verdict sit at the right edge with
// their own width, so a long path is cut, never them.
type requestRow struct {
	widget.BaseWidget
	highlight *canvas.Rectangle
	badge     *canvas.Rectangle
	method    *canvas.Text
	path      *widget.Label
	meta      *widget.Label
	status    *widget.Label
	signature *widget.Label
	contract  *widget.Label
	// layout places the badge, the lines and the marks; it is laid out
	// again when a mark appears, goes or changes width.
	layout  *fyne.Container
	content fyne.CanvasObject
}

func newRequestRow() fyne.CanvasObject {
	row := &requestRow{highlight: canvas.NewRectangle(color.Transparent)}
	row.highlight.CornerRadius = 4
	row.badge = canvas.NewRectangle(color.Transparent)
	row.badge.CornerRadius = 4
	row.method = canvas.NewText("POST", color.White)
	row.method.TextStyle = fyne.TextStyle{Bold: true}
	row.method.TextSize = theme.TextSize() - 2
	row.method.Alignment = fyne.TextAlignCenter
	badgeBox := container.NewGridWrap(fyne.NewSize(76, 28), container.NewStack(row.badge, container.NewPadded(row.method)))
	row.path = widget.NewLabel("")
	row.path.Truncation = fyne.TextTruncateEllipsis
	row.path.TextStyle = fyne.TextStyle{Monospace: true}
	row.meta = widget.NewLabel("")
	row.meta.Importance = widget.LowImportance
	row.meta.SizeName = theme.SizeNameCaptionText
	row.meta.Truncation = fyne.TextTruncateEllipsis
	row.status = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	row.signature = widget.NewLabel("")
	row.contract = widget.NewLabel("")
	row.contract.Hide()
	marks := container.NewHBox(row.status, row.signature, row.contract)
	lines := container.New(&tightVBox{}, row.path, row.meta)
	row.layout = container.NewBorder(nil, nil, container.NewCenter(badgeBox), container.NewCenter(marks), lines)
	row.content = container.NewStack(row.highlight, row.layout)
	row.ExtendBaseWidget(row)
	return row
}

func (row *requestRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(row.content)
}

func (row *requestRow) set(s storage.Summary, selected bool) {
	row.highlight.FillColor = color.Transparent
	if selected {
		row.highlight.FillColor = theme.Color(theme.ColorNameSelection)
	}
	row.highlight.Refresh()
	row.method.Text = s.Method
	row.badge.FillColor = methodColor(s.Method)
	row.badge.Refresh()
	row.method.Refresh()
	row.path.SetText(s.Path)
	row.meta.SetText(rowMeta(s))
	row.status.SetText(statusText(s.Status))
	row.status.Importance = statusImportance(s.Status)
	row.status.Refresh()
	text, importance := signatureMark(s.Signature)
	row.signature.SetText(text)
	row.signature.Importance = importance
	row.signature.Refresh()
	if text == "" {
		row.signature.Hide()
	} else {
		row.signature.Show()
	}
}

// setContract shows the contract verdict's mark beside the signature's.
func (row *requestRow) setContract(mk contractMark) {
	if mk.text == "" {
		row.contract.Hide()
		return
	}
	row.contract.Text, row.contract.Importance = mk.text, mk.importance
	row.contract.Show()
	row.contract.Refresh()
}

func statusText(code int) string {
	if code == 0 {
		return ""
	}
	return strconv.Itoa(code)
}

// signatureMark is the list's verdict mark; a path without a saved secret
// was not checked and shows none.
func signatureMark(s storage.SigState) (string, widget.Importance) {
	switch s {
	case storage.SigValid:
		return "✓ signed", widget.SuccessImportance
	case storage.SigInvalid:
		return "✗ bad signature", widget.DangerImportance
	case storage.SigStale:
		return "✗ stale signature", widget.WarningImportance
	}
	return "", widget.MediumImportance
}

// tightVBox stacks its objects with the labels' own padding overlapping, so
// a two-line row stays compact.
type tightVBox struct{}

const tightOverlap = 12

func (tightVBox) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var size fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		size.Width = max(size.Width, m.Width)
		size.Height += m.Height
	}
	return size.SubtractWidthHeight(0, tightOverlap*float32(max(len(objs)-1, 0)))
}

func (tightVBox) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objs {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h - tightOverlap
	}
}

func rowMeta(s storage.Summary) string {
	parts := []string{"#" + strconv.FormatUint(s.ID, 10)}
	if s.DuplicateOf != 0 {
		parts = append(parts, "duplicate of #"+strconv.FormatUint(s.DuplicateOf, 10))
	}
	parts = append(parts, shortTime(s.ReceivedAt), textutil.HumanSize(s.OriginalSize))
	if ct := shortContentType(s.ContentType); ct != "" {
		parts = append(parts, ct)
	}
	if s.Truncated {
		parts = append(parts, "cut")
	}
	return strings.Join(parts, " · ")
}

func shortTime(t time.Time) string {
	t = t.Local()
	now := time.Now()
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 2 15:04")
}

func shortContentType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.TrimSpace(ct)
}

// methodColor follows the colours API tools made familiar.
func methodColor(method string) color.Color {
	switch method {
	case "GET":
		return color.NRGBA{R: 0x2b, G: 0x6c, B: 0xb0, A: 0xff}
	case "POST":
		return color.NRGBA{R: 0x2f, G: 0x85, B: 0x5a, A: 0xff}
	case "PUT":
		return color.NRGBA{R: 0xc0, G: 0x56, B: 0x21, A: 0xff}
	case "PATCH":
		return color.NRGBA{R: 0x6b, G: 0x46, B: 0xc1, A: 0xff}
	case "DELETE":
		return color.NRGBA{R: 0xc5, G: 0x30, B: 0x30, A: 0xff}
	}
	return color.NRGBA{R: 0x4a, G: 0x55, B: 0x68, A: 0xff}
}

// selectedIndex is the row of the selected request, or -1.
func (r *RequestList) selectedIndex() int { return r.indexOf(r.selected) }

// moveSelection selects the row delta away from the current one (the
// first row when nothing is selected).
func (r *RequestList) moveSelection(delta int) {
	n := r.Count()
	if n == 0 {
		return
	}
	i := r.selectedIndex() + delta
	if r.SelectedID() == 0 {
		i = 0
	}
	r.list.Select(max(0, min(n-1, i)))
}
