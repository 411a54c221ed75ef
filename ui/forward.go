package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
)

// forwardForm edits the forwarding rule: every capture under a path prefix
// is stored, then delivered to a target, whose answer shows beside it.
type forwardForm struct {
	prefix  *widget.Entry
	target  *widget.Entry
	enabled *widget.Check
	relay   *widget.Check
	hint    *widget.Label
}

func newForwardForm(rules []app.ForwardRule) *forwardForm {
	f := &forwardForm{prefix: widget.NewEntry(), target: widget.NewEntry(), enabled: widget.NewCheck("Forward live", nil),
		relay: widget.NewCheck("Answer the sender with the target's response (relay)", nil)}
	f.prefix.SetText("/")
	f.target.SetPlaceHolder("http://localhost:3000")
	// Broker targets are documented in docs/cli.md, "Publish to NATS or
	// Kafka"; the hint names their form, the core checks them on Save.
	f.hint = widget.NewLabel("or nats://host:4222/subject, kafka://host:9092/topic (no relay)")
	f.hint.Importance = widget.LowImportance
	if len(rules) > 0 {
		f.prefix.SetText(rules[0].Prefix)
		f.target.SetText(rules[0].Target)
		f.enabled.SetChecked(rules[0].Enabled)
		f.relay.SetChecked(rules[0].Relay)
	}
	return f
}

func (f *forwardForm) rule() app.ForwardRule {
	return app.ForwardRule{Prefix: strings.TrimSpace(f.prefix.Text), Target: strings.TrimSpace(f.target.Text),
		Enabled: f.enabled.Checked, Relay: f.relay.Checked}
}

// forwardEditor opens the Forward dialog (the toolbar's Forward…); saved
// runs after a rule is saved, for the toolbar to say it.
type forwardEditor struct {
	window fyne.Window
	core   app.Source
	saved  func()
}

func (e *forwardEditor) show() {
	list, _ := e.core.ForwardRules() // the core's own copy: it cannot fail
	f := newForwardForm(list)
	items := []*widget.FormItem{
		widget.NewFormItem("Path prefix", f.prefix),
		widget.NewFormItem("Target URL", f.target),
		widget.NewFormItem("", f.hint),
		widget.NewFormItem("", f.enabled),
		widget.NewFormItem("", f.relay),
	}
	d := dialog.NewForm("Forward captured requests", "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		var rules []app.ForwardRule
		if r := f.rule(); r.Target != "" {
			rules = append(rules, r)
		}
		if err := e.core.SetForwardRules(rules); err != nil {
			dialog.ShowError(err, e.window)
			return
		}
		e.saved()
	}, e.window)
	d.Resize(fyne.NewSize(560, 300))
	d.Show()
}
