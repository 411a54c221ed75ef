package ui

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/contract"
)

// maxViolationsShown bounds the rows of a hostile body's verdict; the
// command line (hookscope validate ID) prints them all.
const maxViolationsShown = 200

// ContractTab shows the OpenAPI verdict kept with the shown request
// (docs/cli.md, "contracts" and "validate"): the same headline and
// "POINTER: message" lines as hookscope validate, each with a button that
// marks its place in the body viewer.
type ContractTab struct {
	verdicts   verdictSource
	id         uint64
	headline   *widget.Label
	hint       *widget.Label
	violations *fyne.Container
	check      *widget.Button
	status     *widget.Label
	root       fyne.CanvasObject
	// onShowInBody marks a pointer in the body tab; it answers why not
	// when the body has nothing there.
	onShowInBody func(pointer string) error
}

// verdictSource is what the tab reads and asks of the store.
type verdictSource interface {
	ContractVerdict(id uint64) (*contract.Verdict, error)
	CheckContract(id uint64, spec []byte) (contract.Verdict, error)
}

// NewContractTab builds an empty tab.
func NewContractTab(verdicts verdictSource) *ContractTab {
	c := &ContractTab{verdicts: verdicts}
	c.headline = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.headline.Wrapping = fyne.TextWrapWord
	c.hint = widget.NewLabel("")
	c.hint.Wrapping = fyne.TextWrapWord
	c.violations = container.NewVBox()
	c.check = widget.NewButton("Check now", c.checkNow)
	c.status = widget.NewLabel("")
	c.status.Wrapping = fyne.TextWrapWord
	c.status.Importance = widget.WarningImportance
	c.root = container.NewVScroll(container.NewVBox(c.headline, c.hint, c.violations,
		container.NewHBox(c.check), c.status))
	return c
}

// Object is the tab's content.
func (c *ContractTab) Object() fyne.CanvasObject { return c.root }

// Show reads the verdict kept with request id.
func (c *ContractTab) Show(id uint64) {
	c.id = id
	c.status.SetText("")
	v, err := c.verdicts.ContractVerdict(id)
	switch {
	case err != nil:
		c.showNone("The contract verdict cannot be read: " + err.Error())
	case v == nil:
		c.showNone("Not checked against an OpenAPI contract. Attach the provider's spec to this path " +
			"(hookscope contracts add PREFIX FILE) and captures under it are checked as they arrive; " +
			"Check now checks this one.")
	default:
		c.showVerdict(*v)
	}
}

// Headline is the verdict's first line as shown ("" when none).
func (c *ContractTab) Headline() string { return c.headline.Text }

// Refresh reads the verdict again (one was kept meanwhile).
func (c *ContractTab) Refresh() {
	if c.id != 0 {
		c.Show(c.id)
	}
}

func (c *ContractTab) showNone(hint string) {
	c.headline.SetText("")
	c.headline.Hide()
	c.hint.SetText(hint)
	c.hint.Show()
	c.violations.RemoveAll()
}

func (c *ContractTab) showVerdict(v contract.Verdict) {
	c.headline.SetText(v.Headline())
	c.headline.Importance = verdictImportance(v)
	c.headline.Show()
	c.hint.SetText(fmt.Sprintf("Spec sha256:%.12s", v.SpecSHA256))
	c.hint.Show()
	c.violations.RemoveAll()
	for i, x := range v.Violations {
		if i == maxViolationsShown {
			c.violations.Add(widget.NewLabel(fmt.Sprintf("… and %d more (hookscope validate %d lists them all)", len(v.Violations)-i, c.id)))
			break
		}
		c.violations.Add(c.violationRow(x))
	}
}

func (c *ContractTab) violationRow(x contract.Violation) fyne.CanvasObject {
	text := widget.NewLabel(x.String())
	text.Wrapping = fyne.TextWrapWord
	text.TextStyle = fyne.TextStyle{Monospace: true}
	show := widget.NewButton("Show in body", func() {
		if c.onShowInBody == nil {
			return
		}
		if err := c.onShowInBody(x.Pointer); err != nil {
			c.status.SetText(err.Error())
		}
	})
	return container.NewBorder(nil, nil, nil, container.NewCenter(show), text)
}

// checkNow checks the request against the spec attached to its path.
func (c *ContractTab) checkNow() {
	if c.id == 0 {
		return
	}
	v, err := c.verdicts.CheckContract(c.id, nil)
	if errors.Is(err, app.ErrNoContract) {
		c.status.SetText("No OpenAPI spec is attached to this request's path: hookscope contracts add PREFIX FILE attaches one.")
		return
	}
	if err != nil {
		c.status.SetText("The check failed: " + err.Error())
		return
	}
	c.status.SetText("")
	c.showVerdict(v)
}

// verdictImportance colours a verdict as the list's mark is coloured.
func verdictImportance(v contract.Verdict) widget.Importance {
	switch {
	case v.Unchecked != "":
		return widget.WarningImportance
	case v.Valid:
		return widget.SuccessImportance
	}
	return widget.DangerImportance
}
