// Package verdictview shows an OpenAPI contract verdict as every window
// shows it (docs/cli.md, "validate"): the headline, then one
// "POINTER: message" row per violation with a Show in body button. The
// inspector's Contract tab and the composer's answer pane share it.
package verdictview

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/contract"
)

// MaxViolationsShown bounds the rows of a hostile body's verdict.
const MaxViolationsShown = 200

// View is a verdict's headline, a hint under it, the violations and a
// status line for what Show in body could not do.
type View struct {
	Headline   *widget.Label
	Hint       *widget.Label
	Violations *fyne.Container
	Status     *widget.Label
	// OnShowInBody marks a pointer in the body viewer; its error (the
	// body has nothing there) goes to Status.
	OnShowInBody func(pointer string) error
	root         fyne.CanvasObject
}

// New builds an empty view.
func New() *View {
	v := &View{}
	v.Headline = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.Headline.Wrapping = fyne.TextWrapWord
	v.Hint = widget.NewLabel("")
	v.Hint.Wrapping = fyne.TextWrapWord
	v.Violations = container.NewVBox()
	v.Status = widget.NewLabel("")
	v.Status.Wrapping = fyne.TextWrapWord
	v.Status.Importance = widget.WarningImportance
	v.root = container.NewVBox(v.Headline, v.Hint, v.Violations)
	return v
}

// Object is the headline, hint and violations (not Status, which the
// caller places).
func (v *View) Object() fyne.CanvasObject { return v.root }

// ShowNone shows no verdict, only hint ("" hides it too).
func (v *View) ShowNone(hint string) {
	v.Headline.SetText("")
	v.Headline.Hide()
	v.Hint.SetText(hint)
	v.Hint.Show()
	if hint == "" {
		v.Hint.Hide()
	}
	v.Violations.RemoveAll()
	v.Status.SetText("")
}

// Show shows verdict; more, when the violations are over
// MaxViolationsShown, says where to read them all.
func (v *View) Show(verdict contract.Verdict, more func(left int) string) {
	v.Headline.SetText(verdict.Headline())
	v.Headline.Importance = Importance(verdict)
	v.Headline.Show()
	v.Hint.SetText(fmt.Sprintf("Spec sha256:%.12s", verdict.SpecSHA256))
	v.Hint.Show()
	v.Status.SetText("")
	v.Violations.RemoveAll()
	for i, x := range verdict.Violations {
		if i == MaxViolationsShown {
			text := fmt.Sprintf("… and %d more", len(verdict.Violations)-i)
			if more != nil {
				text = more(len(verdict.Violations) - i)
			}
			v.Violations.Add(widget.NewLabel(text))
			break
		}
		v.Violations.Add(v.row(x))
	}
}

func (v *View) row(x contract.Violation) fyne.CanvasObject {
	text := widget.NewLabel(x.String())
	text.Wrapping = fyne.TextWrapWord
	text.TextStyle = fyne.TextStyle{Monospace: true}
	show := widget.NewButton("Show in body", func() {
		if v.OnShowInBody == nil {
			return
		}
		if err := v.OnShowInBody(x.Pointer); err != nil {
			v.Status.SetText(err.Error())
		} else {
			v.Status.SetText("")
		}
	})
	return container.NewBorder(nil, nil, nil, container.NewCenter(show), text)
}

// Importance colours a verdict as the request list's mark is coloured.
func Importance(v contract.Verdict) widget.Importance {
	switch {
	case v.Unchecked != "":
		return widget.WarningImportance
	case v.Valid:
		return widget.SuccessImportance
	}
	return widget.DangerImportance
}
