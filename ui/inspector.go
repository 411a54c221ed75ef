package ui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/storage"
	"dev.hookscope/textutil"
	"dev.hookscope/ui/bodyview"
	"dev.hookscope/ui/diffview"
)

// Header and query tables are bounded so a hostile request with thousands of
// megabyte headers cannot freeze the window.
const (
	maxTableRows   = 500
	maxValueLength = 4096
)

// Inspector shows one request: overview, headers, query and body.
type Inspector struct {
	fyneApp     fyne.App
	core        app.Source
	window      fyne.Window
	compareWith *widget.Entry
	compareBtn  *widget.Button
	composeBtn  *widget.Button
	// onOpenInComposer is set by the main view.
	onOpenInComposer func(*storage.Record)
	compared         *diffview.View // the last comparison opened, for tests
	title            *widget.Label
	subtitle         *widget.Label
	tabs             *container.AppTabs
	overview         *fyne.Container
	headers          *fyne.Container
	query            *fyne.Container
	body             *bodyview.View
	signature        *SignatureTab
	contract         *ContractTab
	replay           *ReplayTab
	placeholder      *widget.Label
	root             fyne.CanvasObject
	current          *storage.Record
}

// NewInspector builds an empty inspector.
func NewInspector(a fyne.App, w fyne.Window, core app.Source) *Inspector {
	in := &Inspector{fyneApp: a, core: core, window: w, signature: NewSignatureTab(core), replay: NewReplayTab(core, w)}
	in.compareWith = widget.NewEntry()
	in.compareWith.SetPlaceHolder("ID")
	in.compareBtn = widget.NewButton("Compare", in.compare)
	in.composeBtn = widget.NewButton("Open in composer", func() {
		if in.current != nil && in.onOpenInComposer != nil {
			in.onOpenInComposer(in.current)
		}
	})
	in.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	in.title.Truncation = fyne.TextTruncateEllipsis
	in.subtitle = widget.NewLabel("")
	in.subtitle.Importance = widget.LowImportance
	in.overview = container.New(layout.NewFormLayout())
	in.headers = container.New(layout.NewFormLayout())
	in.query = container.New(layout.NewFormLayout())
	in.body = bodyview.New()
	in.contract = NewContractTab(core, in.showInBody)
	in.tabs = container.NewAppTabs(
		container.NewTabItem("Overview", container.NewVScroll(in.overview)),
		container.NewTabItem("Headers", container.NewVScroll(in.headers)),
		container.NewTabItem("Query", container.NewVScroll(in.query)),
		container.NewTabItem("Body", in.body),
		container.NewTabItem("Signature", in.signature.Object()),
		container.NewTabItem("Contract", in.contract.Object()),
		// Replay scrolls sideways on its own when the inspector is
		// narrower than its form (the body viewer's bar does the same):
		// its width would otherwise be the whole inspector's minimum, and
		// the tab strip, laid out in it, would run past the window's edge
		// instead of folding the tabs that do not fit into its "…" menu.
		container.NewTabItem("Replay", container.NewScroll(in.replay.Object())),
	)
	in.placeholder = widget.NewLabelWithStyle("Select a request to inspect it.", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	// The actions go under the title, not beside it: beside it they set
	// a minimum width that pushed the inspector past a half-width window.
	in.subtitle.Truncation = fyne.TextTruncateEllipsis
	compare := container.NewHBox(in.composeBtn, widget.NewLabel("Compare with #"), container.NewGridWrap(fyne.NewSize(90, in.compareWith.MinSize().Height), in.compareWith), in.compareBtn)
	header := container.NewVBox(in.title, in.subtitle, compare)
	detail := container.NewBorder(header, nil, nil, nil, in.tabs)
	in.root = container.NewStack(detail, container.NewCenter(in.placeholder))
	in.Clear()
	return in
}

// Object is the inspector's root.
func (in *Inspector) Object() fyne.CanvasObject { return in.root }

// Clear shows the placeholder.
func (in *Inspector) Clear() {
	in.replay.Leave()
	in.current = nil
	in.root.(*fyne.Container).Objects[0].Hide()
	in.placeholder.SetText("Select a request to inspect it.")
	in.placeholder.Show()
}

// ShowError says why a request could not be read.
func (in *Inspector) ShowError(err error) { in.ShowMessage(err.Error()) }

// ShowMessage replaces the request on screen with a sentence.
func (in *Inspector) ShowMessage(text string) {
	in.Clear()
	in.placeholder.SetText(text)
}

// Show fills every tab from rec.
func (in *Inspector) Show(rec *storage.Record) {
	in.current = rec
	in.placeholder.Hide()
	in.root.(*fyne.Container).Objects[0].Show()
	in.title.SetText(rec.Method + " " + rec.Path)
	in.subtitle.SetText(fmt.Sprintf("#%d · %s · from %s", rec.ID, rec.ReceivedAt.Local().Format("2006-01-02 15:04:05.000"), rec.RemoteAddr))
	fillPairs(in.overview, append(overviewPairs(rec), in.deliveryPairs(rec)...))
	headers := headerPairs(rec)
	fillPairs(in.headers, headers)
	fillPairs(in.query, app.QueryPairs(rec.RawQuery))
	// The count is of the rows listed, Host included.
	in.tabs.Items[1].Text = "Headers (" + strconv.Itoa(len(headers)) + ")"
	in.tabs.Items[2].Text = "Query (" + strconv.Itoa(len(app.QueryPairs(rec.RawQuery))) + ")"
	in.tabs.Refresh()
	note := ""
	if rec.Truncated {
		note = fmt.Sprintf("cut at capture: %s of %s stored", textutil.HumanSize(rec.BodySize), textutil.HumanSize(rec.OriginalSize))
	}
	in.body.SetNote(note)
	in.body.SetBodyEncoded(rec.Body, rec.ContentType, strings.Join(rec.Header.Values("Content-Encoding"), ", "))
	in.signature.Show(rec)
	in.contract.Show(rec.ID)
	in.replay.Show(rec)
}

// showInBody opens the Body tab with the value at pointer marked.
func (in *Inspector) showInBody(pointer string) error {
	if err := in.body.Highlight(pointer); err != nil {
		return err
	}
	for _, item := range in.tabs.Items {
		if item.Text == "Body" {
			in.tabs.Select(item)
		}
	}
	return nil
}

// RefreshContract reads the shown request's contract verdict again.
func (in *Inspector) RefreshContract() {
	if in.current != nil {
		in.contract.Refresh()
	}
}

func overviewPairs(rec *storage.Record) []app.Pair {
	size := textutil.HumanSize(rec.BodySize)
	if rec.Truncated {
		size = fmt.Sprintf("%s stored of %s sent (cut at the body cap)", textutil.HumanSize(rec.BodySize), textutil.HumanSize(rec.OriginalSize))
	}
	return []app.Pair{
		{Name: "Method", Value: rec.Method},
		{Name: "URL", Value: textutil.FullURL(rec)},
		{Name: "Received", Value: rec.ReceivedAt.Local().Format("Mon 2 Jan 2006 15:04:05.000000 MST")},
		{Name: "Remote address", Value: rec.RemoteAddr},
		{Name: "Protocol", Value: rec.Proto},
		{Name: "Content type", Value: orDash(rec.ContentType)},
		{Name: "Body size", Value: size},
		{Name: "Answered", Value: strconv.Itoa(rec.Status)},
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// headerPairs lists headers by name; repeated values keep their order.
func headerPairs(rec *storage.Record) []app.Pair {
	names := make([]string, 0, len(rec.Header))
	for name := range rec.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	pairs := []app.Pair{{Name: "Host", Value: rec.Host}}
	for _, name := range names {
		for _, v := range rec.Header[name] {
			pairs = append(pairs, app.Pair{Name: name, Value: v})
		}
	}
	return pairs
}

func fillPairs(box *fyne.Container, pairs []app.Pair) {
	objs := make([]fyne.CanvasObject, 0, 2*min(len(pairs), maxTableRows)+2)
	for i, p := range pairs {
		if i == maxTableRows {
			objs = append(objs, widget.NewLabel("…"), widget.NewLabel(fmt.Sprintf("%d more not shown", len(pairs)-i)))
			break
		}
		name := widget.NewLabelWithStyle(p.Name, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		value := widget.NewLabelWithStyle(clip(p.Value), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		value.Wrapping = fyne.TextWrapBreak
		value.Selectable = true
		objs = append(objs, name, value)
	}
	if len(pairs) == 0 {
		objs = append(objs, widget.NewLabel(""), widget.NewLabelWithStyle("none", fyne.TextAlignLeading, fyne.TextStyle{Italic: true}))
	}
	box.Objects = objs
	box.Refresh()
}

func clip(s string) string {
	if len(s) <= maxValueLength {
		return s
	}
	return s[:maxValueLength] + fmt.Sprintf("… (%d more bytes)", len(s)-maxValueLength)
}

// deliveryPairs says what happened around the request: an earlier delivery
// of the same event, and the forward target's answer.
func (in *Inspector) deliveryPairs(rec *storage.Record) []app.Pair {
	var pairs []app.Pair
	if rec.DuplicateOf != 0 {
		pairs = append(pairs, app.Pair{Name: "Duplicate of", Value: fmt.Sprintf("#%d (same event ID, or same body on this path)", rec.DuplicateOf)})
	}
	if f, ok, _ := in.core.ForwardResult(rec.ID); ok {
		pairs = append(pairs, app.Pair{Name: "Forwarded", Value: forwardText(f)})
	}
	pairs = append(pairs, answerPairs(in.core, rec)...)
	return pairs
}

func forwardText(f storage.ForwardResult) string {
	if f.Error != "" {
		return fmt.Sprintf("to %s failed: %s", f.Target, f.Error)
	}
	if f.Acked != "" { // a broker target: no status, an acknowledgement
		return fmt.Sprintf("to %s → %s in %.0f ms", f.Target, f.Acked, f.DurationMs)
	}
	return fmt.Sprintf("to %s → %d in %.0f ms", f.Target, f.Status, f.DurationMs)
}

// RefreshDeliveries updates the overview when a forward answer arrives for
// the request on screen.
func (in *Inspector) RefreshDeliveries() {
	if in.current != nil {
		fillPairs(in.overview, append(overviewPairs(in.current), in.deliveryPairs(in.current)...))
	}
}

// compare opens a side-by-side diff of the request on screen and another.
func (in *Inspector) compare() {
	if in.current == nil {
		return
	}
	id, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(in.compareWith.Text), "#"), 10, 64)
	if err != nil || id == 0 {
		dialog.ShowError(fmt.Errorf("%q is not a request ID", in.compareWith.Text), in.window)
		return
	}
	other, err := in.core.Get(id)
	if err != nil {
		dialog.ShowError(err, in.window)
		return
	}
	in.compared = diffview.ShowDialog(in.window, in.current, other)
}
