package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/rules"
	"dev.hookscope/storage"
	"dev.hookscope/textutil"
)

// failureChoices are the failure modes as the rule form offers them.
var failureChoices = []struct {
	mode  rules.Failure
	label string
}{
	{rules.FailNone, "None: always answer"},
	{rules.FailClose, "Close the connection"},
	{rules.FailHang, "Hang until the client gives up"},
	{rules.FailFirstN, "Fail the first N deliveries"},
	{rules.FailPercent, "Fail a percentage of deliveries"},
}

func failureLabel(f rules.Failure) string {
	for _, c := range failureChoices {
		if c.mode == f {
			return c.label
		}
	}
	return failureChoices[0].label
}

// ruleForm edits one response rule. Fields hold text as typed; rule()
// reads them, and the core checks the rest when the rules are saved.
type ruleForm struct {
	name, method, path, status, headers, body, delay, failArg, failStatus *widget.Entry
	failure                                                               *widget.Select
	enabled                                                               *widget.Check
}

func newRuleForm(r rules.Rule) *ruleForm {
	f := &ruleForm{name: widget.NewEntry(), method: widget.NewEntry(), path: widget.NewEntry(), status: widget.NewEntry(),
		headers: widget.NewMultiLineEntry(), body: widget.NewMultiLineEntry(), delay: widget.NewEntry(),
		failArg: widget.NewEntry(), failStatus: widget.NewEntry(), enabled: widget.NewCheck("Enabled", nil)}
	labels := make([]string, len(failureChoices))
	for i, c := range failureChoices {
		labels[i] = c.label
	}
	f.failure = widget.NewSelect(labels, func(string) { f.updateFailureFields() })
	f.name.SetPlaceHolder("the method and path")
	f.method.SetPlaceHolder("any")
	f.path.SetPlaceHolder("/hooks/*")
	f.status.SetPlaceHolder("200")
	f.headers.SetPlaceHolder("Content-Type: application/json")
	f.headers.SetMinRowsVisible(3)
	f.body.SetPlaceHolder(`{"received": "{{.JSON "data.object.id"}}", "id": {{.ID}}}`)
	f.body.SetMinRowsVisible(5)
	f.delay.SetPlaceHolder("0s (like 250ms or 2s)")
	f.failArg.SetPlaceHolder("N, or a percentage")
	f.failStatus.SetPlaceHolder(strconv.Itoa(rules.DefaultFailStatus))

	f.name.SetText(r.Name)
	f.method.SetText(r.Method)
	f.path.SetText(r.PathPattern)
	if r.Status != 0 {
		f.status.SetText(strconv.Itoa(r.Status))
	}
	names := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	var hs []string
	for _, k := range names {
		hs = append(hs, k+": "+r.Headers[k])
	}
	f.headers.SetText(strings.Join(hs, "\n"))
	f.body.SetText(r.BodyTemplate)
	if r.Delay > 0 {
		f.delay.SetText(r.Delay.String())
	}
	switch r.Failure {
	case rules.FailFirstN:
		f.failArg.SetText(strconv.Itoa(r.FailN))
	case rules.FailPercent:
		f.failArg.SetText(strconv.FormatFloat(r.FailPercent, 'g', -1, 64))
	}
	if r.FailStatus != 0 {
		f.failStatus.SetText(strconv.Itoa(r.FailStatus))
	}
	f.failure.SetSelected(failureLabel(r.Failure))
	f.enabled.SetChecked(r.Enabled)
	return f
}

// clone copies what was typed into new widgets, so a form can open again
// after an error without reparenting the old dialog's widgets.
func (f *ruleForm) clone() *ruleForm {
	g := newRuleForm(rules.Rule{})
	for _, p := range [][2]*widget.Entry{{g.name, f.name}, {g.method, f.method}, {g.path, f.path}, {g.status, f.status},
		{g.headers, f.headers}, {g.body, f.body}, {g.delay, f.delay}, {g.failArg, f.failArg}, {g.failStatus, f.failStatus}} {
		p[0].SetText(p[1].Text)
	}
	g.failure.SetSelected(f.failure.Selected)
	g.enabled.SetChecked(f.enabled.Checked)
	return g
}

// updateFailureFields enables N/percent and the failure status only for the
// modes that use them.
func (f *ruleForm) updateFailureFields() {
	mode := f.mode()
	for _, e := range []*widget.Entry{f.failArg, f.failStatus} {
		if mode == rules.FailFirstN || mode == rules.FailPercent {
			e.Enable()
		} else {
			e.Disable()
		}
	}
}

func (f *ruleForm) mode() rules.Failure {
	for _, c := range failureChoices {
		if c.label == f.failure.Selected {
			return c.mode
		}
	}
	return rules.FailNone
}

func (f *ruleForm) items() []*widget.FormItem {
	return []*widget.FormItem{
		widget.NewFormItem("Name", f.name),
		widget.NewFormItem("Method", f.method),
		widget.NewFormItem("Path pattern", f.path),
		widget.NewFormItem("Status", f.status),
		widget.NewFormItem("Headers", f.headers),
		widget.NewFormItem("Body template", f.body),
		widget.NewFormItem("Delay", f.delay),
		widget.NewFormItem("Failure", f.failure),
		widget.NewFormItem("N or %", f.failArg),
		widget.NewFormItem("Failure status", f.failStatus),
		widget.NewFormItem("", f.enabled),
	}
}

// rule reads the form; errors name the field, in one sentence.
func (f *ruleForm) rule() (rules.Rule, error) {
	r := rules.Rule{Name: strings.TrimSpace(f.name.Text), Method: strings.ToUpper(strings.TrimSpace(f.method.Text)),
		PathPattern: strings.TrimSpace(f.path.Text), BodyTemplate: f.body.Text, Failure: f.mode(), Enabled: f.enabled.Checked}
	if strings.EqualFold(r.Method, "any") {
		r.Method = ""
	}
	var err error
	if r.Status, err = optionalInt(f.status.Text, "Status"); err != nil {
		return r, err
	}
	for line := range strings.SplitSeq(f.headers.Text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return r, fmt.Errorf("the header line %q is not \"Name: value\"", strings.TrimSpace(line))
		}
		if r.Headers == nil {
			r.Headers = map[string]string{}
		}
		r.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if t := strings.TrimSpace(f.delay.Text); t != "" {
		if r.Delay, err = time.ParseDuration(t); err != nil {
			return r, fmt.Errorf("the delay %q is not a duration (like 250ms or 2s)", t)
		}
	}
	arg := strings.TrimSuffix(strings.TrimSpace(f.failArg.Text), "%")
	switch r.Failure {
	case rules.FailFirstN:
		if r.FailN, err = strconv.Atoi(arg); err != nil {
			return r, fmt.Errorf("failing the first N deliveries needs N as a whole number (got %q)", f.failArg.Text)
		}
	case rules.FailPercent:
		if r.FailPercent, err = strconv.ParseFloat(arg, 64); err != nil {
			return r, fmt.Errorf("failing a percentage needs a number from 0 to 100 (got %q)", f.failArg.Text)
		}
	}
	if r.Failure == rules.FailFirstN || r.Failure == rules.FailPercent {
		if r.FailStatus, err = optionalInt(f.failStatus.Text, "Failure status"); err != nil {
			return r, err
		}
	}
	if r.Name == "" {
		r.Name = strings.TrimSpace(r.Method + " " + r.PathPattern)
	}
	return r, nil
}

func optionalInt(s, field string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a number", field, s)
	}
	return n, nil
}

// rulesEditor opens the Response rules dialog (the toolbar's Rules…).
type rulesEditor struct {
	window fyne.Window
	core   app.Source
	// local is nil in a remote window: the failure counts live in the
	// remote serve's memory, not in its store (docs/cli.md, "Remote stores").
	local *app.Core
}

// rulesDialog lists the response rules, in the order they are tried.
type rulesDialog struct {
	ed       *rulesEditor
	rules    []rules.Rule
	list     *widget.List
	selected int
	edit     *widget.Button
	del      *widget.Button
	up       *widget.Button
}

func (e *rulesEditor) show() {
	list, _ := e.core.ResponseRules() // the core's own copy: it cannot fail
	d := &rulesDialog{ed: e, selected: -1, rules: list}
	d.list = widget.NewList(func() int { return len(d.rules) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(d.rowText(i)) })
	d.list.OnSelected = func(i widget.ListItemID) { d.selected = i; d.updateButtons() }
	d.list.OnUnselected = func(widget.ListItemID) { d.selected = -1; d.updateButtons() }
	add := widget.NewButton("Add…", func() { d.openEditor(-1, newRuleForm(rules.Rule{PathPattern: "/", Enabled: true})) })
	d.edit = widget.NewButton("Edit…", func() {
		if d.selected >= 0 {
			d.openEditor(d.selected, newRuleForm(d.rules[d.selected]))
		}
	})
	d.del = widget.NewButton("Delete", d.confirmDelete)
	d.up = widget.NewButton("Move up", d.moveUp)
	reset := widget.NewButton("Restart failure counts", func() {
		if e.local != nil {
			e.local.ResetResponseCounts()
		}
		d.list.Refresh()
	})
	if e.local == nil {
		// The counts live in the remote serve's memory, not in its store
		// (docs/cli.md, "Remote stores").
		reset.SetText("Restart failure counts (only in the window holding the store)")
		reset.Disable()
	}
	d.updateButtons()
	note := widget.NewLabel("The first enabled rule matching a request answers it (after the request is stored); " +
		"other requests get 200 {\"ok\":true,\"id\":N}. Bodies are Go templates: {{.ID}}, {{.Method}}, {{.Path}}, " +
		"{{.Query \"q\"}}, {{.Header \"X-Name\"}}, {{.JSON \"data.object.id\"}}, {{.Now.Unix}}.")
	note.Wrapping = fyne.TextWrapWord
	buttons := container.NewHBox(add, d.edit, d.del, d.up, reset)
	content := container.NewBorder(note, buttons, nil, nil, d.list)
	dlg := dialog.NewCustom("Response rules", "Close", content, e.window)
	dlg.Resize(fyne.NewSize(760, 480))
	dlg.Show()
}

// rowText is one rule in a line: name, method, pattern, what it answers.
func (d *rulesDialog) rowText(i int) string {
	if i < 0 || i >= len(d.rules) {
		return ""
	}
	r := d.rules[i]
	method := r.Method
	if method == "" {
		method = "any"
	}
	s := fmt.Sprintf("%s · %s %s → %s", r.Name, method, r.PathPattern, r.Describe())
	if r.Failure == rules.FailFirstN && d.ed.local != nil {
		s += fmt.Sprintf(" · %d delivered", d.ed.local.ResponseRuleCount(r.Name))
	}
	if !r.Enabled {
		s += " · off"
	}
	return s
}

func (d *rulesDialog) updateButtons() {
	for _, b := range []*widget.Button{d.edit, d.del} {
		if d.selected >= 0 {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if d.selected > 0 {
		d.up.Enable()
	} else {
		d.up.Disable()
	}
}

// openEditor shows the form for rule index (-1: a new rule). A rule the
// core refuses shows why, then the form again with what was typed.
func (d *rulesDialog) openEditor(index int, f *ruleForm) {
	title := "New response rule"
	if index >= 0 {
		title = "Edit response rule"
	}
	f.updateFailureFields()
	form := dialog.NewForm(title, "Save", "Cancel", f.items(), func(ok bool) {
		if !ok {
			return
		}
		r, err := f.rule()
		if err == nil {
			list := slices.Clone(d.rules)
			if index >= 0 && index < len(list) {
				list[index] = r
			} else {
				list = append(list, r)
			}
			err = d.save(list)
		}
		if err != nil {
			again := f.clone()
			e := dialog.NewError(err, d.ed.window)
			e.SetOnClosed(func() { d.openEditor(index, again) })
			e.Show()
		}
	}, d.ed.window)
	form.Resize(fyne.NewSize(640, 640))
	form.Show()
}

func (d *rulesDialog) save(list []rules.Rule) error {
	if err := d.ed.core.SetResponseRules(list); err != nil {
		return err
	}
	d.rules, _ = d.ed.core.ResponseRules()
	d.list.UnselectAll()
	d.list.Refresh()
	return nil
}

func (d *rulesDialog) confirmDelete() {
	i := d.selected
	if i < 0 || i >= len(d.rules) {
		return
	}
	dialog.ShowConfirm("Delete response rule", fmt.Sprintf("Delete the rule %q?", d.rules[i].Name), func(yes bool) {
		if !yes {
			return
		}
		if err := d.save(slices.Delete(slices.Clone(d.rules), i, i+1)); err != nil {
			dialog.ShowError(err, d.ed.window)
		}
	}, d.ed.window)
}

func (d *rulesDialog) moveUp() {
	i := d.selected
	if i <= 0 || i >= len(d.rules) {
		return
	}
	list := slices.Clone(d.rules)
	list[i-1], list[i] = list[i], list[i-1]
	if err := d.save(list); err != nil {
		dialog.ShowError(err, d.ed.window)
		return
	}
	d.list.Select(i - 1)
}

// answerBodyPreview bounds the body shown in the overview; the whole
// stored answer (up to 64 KiB) is not for a one-line field.
const answerBodyPreview = 300

// answerPairs says which rule answered rec and what went back, for the
// inspector's overview; nothing when the default answer (or a relay) went.
func answerPairs(core app.Source, rec *storage.Record) []app.Pair {
	a, ok, err := core.RuleAnswer(rec.ID)
	if err != nil {
		return []app.Pair{{Name: "Answered by rule", Value: "cannot read what was answered: " + err.Error()}}
	}
	if !ok {
		return nil
	}
	rule := a.Rule
	if a.Note != "" {
		rule += " (" + a.Note + ")"
	}
	pairs := []app.Pair{{Name: "Answered by rule", Value: rule}}
	var sent string
	switch a.Action {
	case storage.AnswerClosed:
		sent = "nothing: the connection was closed"
	case storage.AnswerHung:
		sent = "nothing: the connection was held until the client gave up"
	default:
		sent = strconv.Itoa(a.Status)
	}
	if a.Delay > 0 {
		sent += " after " + a.Delay.String()
	}
	pairs = append(pairs, app.Pair{Name: "Rule answer", Value: sent})
	names := make([]string, 0, len(a.Header))
	for k := range a.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range a.Header[k] {
			pairs = append(pairs, app.Pair{Name: "Answer header", Value: k + ": " + v})
		}
	}
	if a.Action == "" {
		pairs = append(pairs, app.Pair{Name: "Answer body", Value: bodyPreview(a)})
	}
	return pairs
}

func bodyPreview(a storage.AnswerRecord) string {
	if len(a.Body) == 0 {
		return "empty"
	}
	body := a.Body
	// A body cut at the storage cap may end inside a character.
	for i := 0; a.Truncated && i < utf8.UTFMax-1 && len(body) > 0 && !utf8.Valid(body); i++ {
		body = body[:len(body)-1]
	}
	if !utf8.Valid(body) {
		return fmt.Sprintf("%s of binary data", textutil.HumanSize(a.BodySize))
	}
	s := string(body)
	if utf8.RuneCountInString(s) > answerBodyPreview {
		s = string([]rune(s)[:answerBodyPreview]) + "…"
	}
	if a.BodySize > int64(len(body)) || utf8.RuneCountInString(string(body)) > answerBodyPreview {
		s += fmt.Sprintf(" (%s sent)", textutil.HumanSize(a.BodySize))
	}
	return s
}
