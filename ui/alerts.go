package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/alerts"
	"dev.hookscope/app"
	"dev.hookscope/ui/uithread"
)

// alertKindLabels are the kinds as the alert form offers them.
var alertKindLabels = map[alerts.Kind]string{
	alerts.ForwardFailures:      "Forward failures above a count",
	alerts.NoCapture:            "No capture for a while",
	alerts.InvalidSignatureRate: "Invalid signatures above a percentage",
	alerts.Answered5xx:          "5xx answers above a count",
}

func alertKindOptions() []string {
	out := make([]string, 0, len(alertKindLabels))
	for _, k := range alerts.Kinds() {
		out = append(out, alertKindLabels[k])
	}
	return out
}

func alertKindOf(label string) alerts.Kind {
	for k, l := range alertKindLabels {
		if l == label {
			return k
		}
	}
	return ""
}

// alertForm edits one alert rule. The webhook field shows the URL masked,
// as the core lists it; saved unchanged, the core keeps the real one.
type alertForm struct {
	name, prefix, threshold, window, cooldown, webhook *widget.Entry
	kind                                               *widget.Select
	enabled                                            *widget.Check
}

func newAlertForm(r alerts.Rule) *alertForm {
	f := &alertForm{name: widget.NewEntry(), prefix: widget.NewEntry(), threshold: widget.NewEntry(), window: widget.NewEntry(),
		cooldown: widget.NewEntry(), webhook: widget.NewEntry(), kind: widget.NewSelect(alertKindOptions(), nil),
		enabled: widget.NewCheck("Enabled", nil)}
	f.name.SetPlaceHolder("the kind and prefix")
	f.prefix.SetPlaceHolder("/")
	f.threshold.SetPlaceHolder("0 (a count, or a percentage for signatures)")
	f.window.SetPlaceHolder("1m (like 30s, 10m, 1h)")
	f.cooldown.SetPlaceHolder("10m")
	f.webhook.SetPlaceHolder("https://hooks.slack.com/services/… (optional)")
	f.name.SetText(r.Name)
	f.prefix.SetText(r.Prefix)
	if r.Kind != "" {
		f.kind.SetSelected(alertKindLabels[r.Kind])
	}
	if r.Threshold != 0 {
		f.threshold.SetText(strconv.FormatFloat(r.Threshold, 'f', -1, 64))
	}
	if r.Window != 0 {
		f.window.SetText(time.Duration(r.Window).String())
	}
	if r.Cooldown != 0 {
		f.cooldown.SetText(time.Duration(r.Cooldown).String())
	}
	f.webhook.SetText(r.WebhookURL)
	f.enabled.SetChecked(r.Enabled)
	return f
}

func (f *alertForm) items() []*widget.FormItem {
	return []*widget.FormItem{
		widget.NewFormItem("Name", f.name),
		widget.NewFormItem("Fires on", f.kind),
		widget.NewFormItem("Path prefix", f.prefix),
		widget.NewFormItem("Threshold", f.threshold),
		widget.NewFormItem("Window", f.window),
		widget.NewFormItem("Cool-down", f.cooldown),
		widget.NewFormItem("Webhook URL", f.webhook),
		widget.NewFormItem("", f.enabled),
	}
}

// rule reads the form; the core checks the rest when it is saved.
func (f *alertForm) rule() (alerts.Rule, error) {
	r := alerts.Rule{Name: f.name.Text, Kind: alertKindOf(f.kind.Selected), Prefix: f.prefix.Text,
		WebhookURL: strings.TrimSpace(f.webhook.Text), Enabled: f.enabled.Checked}
	if r.Kind == "" {
		return r, fmt.Errorf("choose what the alert fires on")
	}
	if s := strings.TrimSpace(f.threshold.Text); s != "" {
		v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		if err != nil {
			return r, fmt.Errorf("the threshold %q is not a number", s)
		}
		r.Threshold = v
	}
	window, cooldown := time.Minute, 10*time.Minute
	if r.Kind == alerts.NoCapture {
		window = 10 * time.Minute
	}
	for _, d := range []struct {
		text, what string
		into       *time.Duration
	}{{f.window.Text, "window", &window}, {f.cooldown.Text, "cool-down", &cooldown}} {
		if s := strings.TrimSpace(d.text); s != "" {
			v, err := time.ParseDuration(s)
			if err != nil {
				return r, fmt.Errorf("the %s %q is not a duration like 30s, 10m or 1h", d.what, s)
			}
			*d.into = v
		}
	}
	r.Window, r.Cooldown = alerts.Duration(window), alerts.Duration(cooldown)
	return r, nil
}

// alertsEditor opens the Alerts dialog (the toolbar's Alerts…).
type alertsEditor struct {
	window fyne.Window
	core   app.Source
}

// alertsDialog lists the alert rules and the alerts fired recently.
type alertsDialog struct {
	ed       *alertsEditor
	rules    []alerts.Rule
	list     *widget.List
	selected int
	edit     *widget.Button
	del      *widget.Button
	test     *widget.Button
	fired    *widget.Label
	// empty says what the dialog is for while there is no rule.
	empty *widget.Label
}

// show is the toolbar's Alerts… (docs/cli.md, "alerts": the
// same rules as `hookscope alerts`).
func (e *alertsEditor) show() {
	list, _ := e.core.AlertRules() // the core's own copy: it cannot fail
	d := &alertsDialog{ed: e, selected: -1, rules: list}
	d.list = widget.NewList(func() int { return len(d.rules) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(d.rowText(i)) })
	d.list.OnSelected = func(i widget.ListItemID) { d.selected = i; d.updateButtons() }
	d.list.OnUnselected = func(widget.ListItemID) { d.selected = -1; d.updateButtons() }
	add := widget.NewButton("Add…", func() {
		d.openEditor(-1, newAlertForm(alerts.Rule{Prefix: "/", Enabled: true}))
	})
	d.edit = widget.NewButton("Edit…", func() {
		if d.selected >= 0 {
			d.openEditor(d.selected, newAlertForm(d.rules[d.selected]))
		}
	})
	d.del = widget.NewButton("Delete", func() {
		if d.selected >= 0 {
			d.save(slices.Delete(slices.Clone(d.rules), d.selected, d.selected+1))
		}
	})
	d.test = widget.NewButton("Test", d.testSelected)
	d.updateButtons()
	d.fired = widget.NewLabel("")
	d.fired.Wrapping = fyne.TextWrapWord
	d.showFired()
	note := widget.NewLabel("While the window runs, an alert that fires shows as a desktop notification and, when it has a " +
		"webhook URL, is posted there as {\"text\": …} (Slack-compatible); then it stays quiet for its cool-down.")
	note.Wrapping = fyne.TextWrapWord
	buttons := container.NewHBox(add, d.edit, d.del, d.test)
	d.empty = widget.NewLabel("No alert rules yet. Add… makes one: forward failures in a window of time, no capture on a path " +
		"for a while, an invalid-signature rate, or any 5xx answered. hookscope alerts add does the same from a script.")
	d.empty.Wrapping = fyne.TextWrapWord
	d.showEmpty()
	top := container.NewVSplit(container.NewStack(d.list, d.empty), container.NewVScroll(d.fired))
	top.Offset = 0.5
	content := container.NewBorder(note, buttons, nil, nil, top)
	dlg := dialog.NewCustom("Alerts", "Close", content, e.window)
	dlg.Resize(fyne.NewSize(760, 520))
	dlg.Show()
}

func (d *alertsDialog) rowText(i int) string {
	if i < 0 || i >= len(d.rules) {
		return ""
	}
	r := d.rules[i]
	s := r.Name + " · " + r.Describe()
	if r.WebhookURL != "" {
		s += " · posts to " + r.WebhookURL
	}
	if !r.Enabled {
		s += " · off"
	}
	return s
}

// showFired lists the recently fired alerts, newest first.
func (d *alertsDialog) showFired() {
	fired, _ := d.ed.core.FiredAlerts()
	if len(fired) == 0 {
		d.fired.SetText("No alert has fired yet.")
		return
	}
	var b strings.Builder
	b.WriteString("Fired recently:\n")
	for i := len(fired) - 1; i >= 0; i-- {
		f := fired[i]
		test := ""
		if f.Test {
			test = " (test)"
		}
		fmt.Fprintf(&b, "%s  %s%s: %s", f.At.Local().Format("Jan 2 15:04:05"), f.Rule, test, f.Text)
		switch {
		case f.WebhookError != "":
			b.WriteString("  [" + f.WebhookError + "]")
		case f.WebhookStatus != 0:
			fmt.Fprintf(&b, "  [webhook answered %d]", f.WebhookStatus)
		}
		b.WriteString("\n")
	}
	d.fired.SetText(strings.TrimSuffix(b.String(), "\n"))
}

func (d *alertsDialog) updateButtons() {
	for _, b := range []*widget.Button{d.edit, d.del, d.test} {
		if d.selected >= 0 && d.selected < len(d.rules) {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}

// testSelected fires the selected rule off the UI goroutine (its webhook
// may take up to 10 s), then shows what came of it.
func (d *alertsDialog) testSelected() {
	if d.selected < 0 || d.selected >= len(d.rules) {
		return
	}
	name := d.rules[d.selected].Name
	d.test.Disable()
	go func() {
		_, err := d.ed.core.TestAlert(name)
		uithread.Do(func() {
			d.updateButtons()
			d.showFired()
			if err != nil {
				dialog.ShowError(err, d.ed.window)
			}
		})
	}()
}

// openEditor shows the form for rule index (-1: a new one). A rule the
// core refuses shows why, then the form again with what was typed.
func (d *alertsDialog) openEditor(index int, f *alertForm) {
	title := "New alert"
	if index >= 0 {
		title = "Edit alert"
	}
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
			again := newAlertForm(alerts.Rule{})
			again.name.SetText(f.name.Text)
			again.kind.SetSelected(f.kind.Selected)
			again.prefix.SetText(f.prefix.Text)
			again.threshold.SetText(f.threshold.Text)
			again.window.SetText(f.window.Text)
			again.cooldown.SetText(f.cooldown.Text)
			again.webhook.SetText(f.webhook.Text)
			again.enabled.SetChecked(f.enabled.Checked)
			e := dialog.NewError(err, d.ed.window)
			e.SetOnClosed(func() { d.openEditor(index, again) })
			e.Show()
		}
	}, d.ed.window)
	form.Resize(fyne.NewSize(600, 520))
	form.Show()
}

// save hands the whole list to the core and shows it as saved.
func (d *alertsDialog) save(list []alerts.Rule) error {
	if err := d.ed.core.SetAlertRules(list); err != nil {
		return err
	}
	d.rules, _ = d.ed.core.AlertRules()
	d.selected = -1
	d.list.UnselectAll()
	d.list.Refresh()
	d.updateButtons()
	d.showEmpty()
	return nil
}

// showEmpty shows the empty list's sentence only while there is no rule.
func (d *alertsDialog) showEmpty() {
	if len(d.rules) == 0 {
		d.empty.Show()
	} else {
		d.empty.Hide()
	}
}

// watchAlerts shows each fired alert of local as a desktop notification,
// whether or not the window is in front: an alert is rare by design (one
// per cool-down) and asked for. close stops it.
func (n *notifier) watchAlerts(local *app.Core) {
	n.stopAlerts = local.OnAlert(func(f alerts.Fired) {
		uithread.Do(func() { n.notifyAlert(f.Text) })
	})
}
