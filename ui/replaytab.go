package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/replay"
	"dev.hookscope/storage"
	"dev.hookscope/textutil"
	"dev.hookscope/ui/bodyview"
	"dev.hookscope/ui/uithread"
)

const (
	settingReplayTarget = "replay_target"
	defaultReplayTarget = "http://localhost:3000"
	// maxEditableBody: an Entry holding more than this is sluggish (seconds
	// at half a megabyte: docs/cli.md, "Bodies too big to edit in the
	// window"); bigger bodies are replaced from a file.
	maxEditableBody = 64 << 10
)

// ReplayTab edits a captured request, sends it again, and shows the answer
// and the history of earlier replays.
type ReplayTab struct {
	// pristine is snapshot() as last loaded or saved; anything else is an
	// edit that Leave keeps as a draft.
	pristine string

	core   app.Source
	window fyne.Window
	rec    *storage.Record

	target    *widget.Entry
	method    *widget.Entry
	headers   *widget.Entry
	body      *widget.Entry
	bodyNote  *widget.Label
	fileBody  []byte // set by "Load from file"; wins over the entry
	resign    *widget.Check
	send      *widget.Button
	cancel    *widget.Button
	saveDraft *widget.Button
	discard   *widget.Button
	status    *widget.Label
	timing    *widget.Label
	respHdrs  *fyne.Container
	respBody  *bodyview.View
	respTabs  *container.AppTabs
	history   *widget.List
	entries   []storage.ReplayRecord
	inFlight  context.CancelFunc
	root      fyne.CanvasObject
}

// NewReplayTab builds the tab; w parents its file dialog.
func NewReplayTab(core app.Source, w fyne.Window) *ReplayTab {
	r := &ReplayTab{core: core, window: w}
	r.target = widget.NewEntry()
	r.target.SetPlaceHolder(defaultReplayTarget + "  (a base URL gets the captured path appended)")
	r.method = widget.NewEntry()
	r.headers = widget.NewMultiLineEntry()
	r.headers.SetMinRowsVisible(5)
	r.headers.TextStyle = fyne.TextStyle{Monospace: true}
	r.headers.Wrapping = fyne.TextWrapBreak
	r.body = widget.NewMultiLineEntry()
	r.body.SetMinRowsVisible(6)
	r.body.TextStyle = fyne.TextStyle{Monospace: true}
	r.body.Wrapping = fyne.TextWrapBreak
	r.bodyNote = widget.NewLabel("")
	r.bodyNote.Importance = widget.LowImportance
	r.bodyNote.Wrapping = fyne.TextWrapWord
	r.resign = widget.NewCheck("Re-sign (saved secret, fresh timestamp)", nil)
	r.send = widget.NewButton("Send", r.sendNow)
	r.send.Importance = widget.HighImportance
	r.cancel = widget.NewButton("Cancel", r.cancelNow)
	r.cancel.Disable()
	r.saveDraft = widget.NewButton("Save draft", r.saveDraftNow)
	r.discard = widget.NewButton("Discard edits", r.discardNow)
	r.status = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.status.Wrapping = fyne.TextWrapWord
	r.timing = widget.NewLabel("")
	r.timing.Importance = widget.LowImportance
	r.timing.Wrapping = fyne.TextWrapWord
	r.respHdrs = container.New(layout.NewFormLayout())
	r.respBody = bodyview.New()
	r.history = widget.NewList(func() int { return len(r.entries) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(historyLine(r.entries[len(r.entries)-1-i]))
		})
	r.history.OnSelected = func(i widget.ListItemID) { r.showEntry(r.entries[len(r.entries)-1-i]) }
	r.root = r.layout()
	return r
}

func (r *ReplayTab) layout() fyne.CanvasObject {
	loadFile := widget.NewButton("Load body from file…", r.loadBodyFile)
	sendRow := container.NewBorder(nil, nil, widget.NewLabel("Target"), container.NewHBox(r.send, r.cancel), r.target)
	form := widget.NewForm(
		widget.NewFormItem("Method", r.method),
		widget.NewFormItem("Headers", r.headers),
		widget.NewFormItem("Body", container.NewBorder(nil, container.NewBorder(nil, nil, nil, loadFile, r.bodyNote), nil, nil, r.body)),
	)
	draftRow := container.NewBorder(nil, nil, r.resign, container.NewHBox(r.saveDraft, r.discard))
	editor := container.NewBorder(sendRow, draftRow, nil, nil, container.NewVScroll(form))
	r.respTabs = container.NewAppTabs(
		container.NewTabItem("Answer body", r.respBody),
		container.NewTabItem("Answer headers", container.NewVScroll(r.respHdrs)),
	)
	answer := container.NewBorder(container.NewVBox(r.status, r.timing), nil, nil, nil, r.respTabs)
	historyBox := container.NewBorder(widget.NewLabelWithStyle("History", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, r.history)
	lower := container.NewHSplit(answer, historyBox)
	lower.Offset = 0.7
	split := container.NewVSplit(editor, lower)
	split.Offset = 0.6
	return split
}

// Object is the tab's content.
func (r *ReplayTab) Object() fyne.CanvasObject { return r.root }

// Show loads rec (or its saved draft) into the editor and its history.
func (r *ReplayTab) Show(rec *storage.Record) {
	kept := r.Leave()
	r.cancelNow()
	r.rec = rec
	r.fileBody = nil
	r.clearAnswer()
	target := r.core.Setting(settingReplayTarget)
	if target == "" {
		target = defaultReplayTarget
	}
	r.fill(rec.Method, target, rec.Header, rec.Body, rec.ContentType)
	r.resign.SetChecked(false)
	if d, ok, _ := r.core.Draft(rec.ID); ok {
		r.fill(d.Method, d.Target, d.Header, d.Body, rec.ContentType)
		r.resign.SetChecked(d.Resign)
		r.status.SetText("Draft from " + d.SavedAt.Local().Format("Jan 2 15:04") + " loaded.")
	}
	r.pristine = r.snapshot()
	if kept != "" {
		r.status.SetText(kept)
	}
	r.loadHistory()
}

// snapshot is everything the editor would send, to tell an edit from what
// was loaded or saved.
func (r *ReplayTab) snapshot() string {
	return strings.Join([]string{r.method.Text, r.target.Text, r.headers.Text, r.body.Text,
		strconv.FormatBool(r.resign.Checked), strconv.FormatBool(r.fileBody != nil), string(r.fileBody)}, "\x00")
}

// Leave keeps unsaved edits of the request on screen as its draft, so
// choosing another request never loses them. It returns a sentence to
// show about what it did, empty when there was nothing to keep.
func (r *ReplayTab) Leave() string {
	if r.rec == nil || r.snapshot() == r.pristine {
		return ""
	}
	id := r.rec.ID
	if err := r.keepDraft(); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return "" // deleted: its edits go with it
		}
		return fmt.Sprintf("The edits of request #%d could not be kept: %v", id, err)
	}
	return fmt.Sprintf("Edits of request #%d kept as its draft.", id)
}

// keepDraft saves the editor as the request's draft.
func (r *ReplayTab) keepDraft() error {
	_, h, body, err := r.edit()
	if err != nil {
		return err
	}
	d := storage.Draft{Method: strings.TrimSpace(r.method.Text), Target: strings.TrimSpace(r.target.Text), Header: h, Body: body, Resign: r.resign.Checked}
	if err := r.core.SaveDraft(r.rec.ID, d); err != nil {
		return err
	}
	r.pristine = r.snapshot()
	return nil
}

func (r *ReplayTab) fill(method, target string, h http.Header, body []byte, contentType string) {
	r.method.SetText(method)
	r.target.SetText(target)
	r.headers.SetText(headerText(h))
	if len(body) <= maxEditableBody && utf8.Valid(body) {
		r.body.SetText(string(body))
		r.body.Enable()
		r.bodyNote.SetText("")
		return
	}
	// Too big or binary for a text editor: sent byte for byte as captured
	// unless replaced from a file.
	r.body.SetText("")
	r.body.Disable()
	r.bodyNote.SetText(fmt.Sprintf("%s body (%s) is sent exactly as captured; load a file to replace it.", kindWord(body), textutil.HumanSize(int64(len(body)))))
}

func kindWord(body []byte) string {
	if utf8.Valid(body) {
		return "Large"
	}
	return "Binary"
}

// headerText renders headers as editable "Name: value" lines, sorted.
// Content-Length is left out: the sender computes it from the body.
func headerText(h http.Header) string {
	names := make([]string, 0, len(h))
	for k := range h {
		if k != "Content-Length" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		for _, v := range h[k] {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	return b.String()
}

// parseHeaderText reads the editor back; blank lines are skipped.
func parseHeaderText(text string) (http.Header, error) {
	h := http.Header{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		e, err := replay.ParseHeaderEdit(line)
		if err != nil || e.Remove {
			return nil, fmt.Errorf("header line %d %q is not \"Name: value\"", n+1, line)
		}
		h.Add(e.Name, e.Value)
	}
	return h, nil
}

// edit turns the editor into a replay.Edit against the captured request:
// every header is set as shown, and captured headers no longer shown are
// removed.
func (r *ReplayTab) edit() (replay.Edit, http.Header, []byte, error) {
	h, err := parseHeaderText(r.headers.Text)
	if err != nil {
		return replay.Edit{}, nil, nil, err
	}
	e := replay.Edit{Method: strings.TrimSpace(r.method.Text)}
	for name, values := range h {
		for _, v := range values {
			e.Headers = append(e.Headers, replay.HeaderEdit{Name: name, Value: v})
		}
	}
	for name := range r.rec.Header {
		if _, kept := h[name]; !kept && name != "Content-Length" {
			e.Headers = append(e.Headers, replay.HeaderEdit{Name: name, Remove: true})
		}
	}
	body := r.rec.Body
	switch {
	case r.fileBody != nil:
		body = r.fileBody
		e.Body, e.ReplaceBody = body, true
	case !r.body.Disabled() && r.body.Text != string(r.rec.Body):
		body = []byte(r.body.Text)
		e.Body, e.ReplaceBody = body, true
	}
	return e, h, body, nil
}

func (r *ReplayTab) sendNow() {
	if r.rec == nil || r.inFlight != nil {
		return
	}
	e, _, _, err := r.edit()
	if err != nil {
		r.showProblem(err.Error())
		return
	}
	target := strings.TrimSpace(r.target.Text)
	r.core.PutSetting(settingReplayTarget, target)
	spec := app.ReplaySpec{Target: target, Edit: e, Resign: r.resign.Checked}
	ctx, cancel := context.WithCancel(context.Background())
	r.inFlight = cancel
	r.send.Disable()
	r.cancel.Enable()
	r.status.SetText("Sending…")
	r.status.Importance = widget.MediumImportance
	id := r.rec.ID
	go func() {
		entry, err := r.core.Replay(ctx, id, spec)
		uithread.Do(func() { r.finished(id, entry, err) })
	}()
}

func (r *ReplayTab) finished(id uint64, entry storage.ReplayRecord, err error) {
	r.inFlight = nil
	r.send.Enable()
	r.cancel.Disable()
	if r.rec == nil || r.rec.ID != id {
		return // the user moved on; the history keeps it
	}
	if err != nil && entry.ID == 0 {
		r.showProblem(err.Error())
		return
	}
	r.loadHistory()
	r.showEntry(entry)
}

func (r *ReplayTab) cancelNow() {
	if r.inFlight != nil {
		r.inFlight()
	}
}

func (r *ReplayTab) showProblem(msg string) {
	r.status.SetText(msg)
	r.status.Importance = widget.DangerImportance
	r.status.Refresh()
}

func (r *ReplayTab) clearAnswer() {
	r.status.SetText("Edit the request if you like, then Send: the answer appears here.")
	r.status.Importance = widget.LowImportance
	r.status.Refresh()
	r.timing.SetText("")
	r.respHdrs.Objects = nil
	r.respHdrs.Refresh()
	r.respBody.SetBody(nil, "")
}

// showEntry shows one exchange from the history.
func (r *ReplayTab) showEntry(e storage.ReplayRecord) {
	if e.Error != "" {
		r.showProblem("No answer: " + e.Error)
	} else {
		r.status.SetText(fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status)))
		r.status.Importance = statusImportance(e.Status)
		r.status.Refresh()
	}
	t := e.Timing
	r.timing.SetText(fmt.Sprintf("%s %s · total %.1f ms (DNS %.1f, connect %.1f, TLS %.1f, first byte %.1f)%s",
		e.Method, e.Target, t.TotalMs, t.DNSMs, t.ConnectMs, t.TLSMs, t.FirstByteMs, resignedNote(e.Resigned)))
	fillPairs(r.respHdrs, headerPairsOf(e.ResponseHeader))
	r.respBody.SetNote(truncNote(e))
	r.respBody.SetBodyEncoded(e.ResponseBody, e.ResponseHeader.Get("Content-Type"), strings.Join(e.ResponseHeader.Values("Content-Encoding"), ", "))
}

func resignedNote(scheme string) string {
	if scheme == "" {
		return ""
	}
	return " · re-signed (" + scheme + ")"
}

func truncNote(e storage.ReplayRecord) string {
	if !e.ResponseTruncated {
		return ""
	}
	return fmt.Sprintf("answer cut at %s of %s", textutil.HumanSize(int64(len(e.ResponseBody))), textutil.HumanSize(e.ResponseBodySize))
}

// statusImportance colours an HTTP status wherever one is shown (list
// rows, replay answers).
func statusImportance(status int) widget.Importance {
	switch {
	case status >= 500:
		return widget.DangerImportance
	case status >= 400:
		return widget.WarningImportance
	}
	return widget.SuccessImportance
}

func headerPairsOf(h http.Header) []app.Pair {
	var pairs []app.Pair
	for _, line := range strings.Split(strings.TrimSpace(headerText(h)), "\n") {
		if name, value, ok := strings.Cut(line, ": "); ok {
			pairs = append(pairs, app.Pair{Name: name, Value: value})
		}
	}
	return pairs
}

func historyLine(e storage.ReplayRecord) string {
	outcome := fmt.Sprintf("→ %d", e.Status)
	if e.Error != "" {
		outcome = "→ no answer"
	}
	return fmt.Sprintf("%s  %s  %.0f ms  %s", e.At.Local().Format("15:04:05"), outcome, e.Timing.TotalMs, e.Target)
}

func (r *ReplayTab) loadHistory() {
	r.entries, _ = r.core.Replays(r.rec.ID)
	r.history.UnselectAll()
	r.history.Refresh()
}

func (r *ReplayTab) saveDraftNow() {
	if r.rec == nil {
		return
	}
	if err := r.keepDraft(); err != nil {
		r.showProblem(err.Error())
		return
	}
	r.status.SetText("Draft saved with request #" + fmt.Sprint(r.rec.ID) + ".")
	r.status.Importance = widget.MediumImportance
	r.status.Refresh()
}

func (r *ReplayTab) discardNow() {
	if r.rec == nil {
		return
	}
	r.core.DiscardDraft(r.rec.ID)
	rec := r.rec
	r.rec = nil // nothing to keep: the edits are what is being discarded
	r.Show(rec)
	r.status.SetText("Edits discarded: back to the request as captured.")
}

func (r *ReplayTab) loadBodyFile() {
	dialog.ShowFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		defer rc.Close()
		data, err := os.ReadFile(rc.URI().Path())
		if err != nil {
			r.showProblem(err.Error())
			return
		}
		r.fileBody = data
		r.body.SetText("")
		r.body.Disable()
		r.bodyNote.SetText(fmt.Sprintf("Body replaced from %s (%s).", rc.URI().Name(), textutil.HumanSize(int64(len(data)))))
	}, r.window)
}
