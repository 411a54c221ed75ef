package ui

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/contract"
	"dev.hookscope/ui/verdictview"
)

// ContractTab shows the OpenAPI verdict kept with the shown request
// (docs/cli.md, "contracts" and "validate"): the same headline and
// "POINTER: message" lines as hookscope validate, each with a button that
// marks its place in the body viewer (ui/verdictview, which the
// composer's answer pane shows too).
type ContractTab struct {
	verdicts   verdictSource
	id         uint64
	view       *verdictview.View
	headline   *widget.Label
	hint       *widget.Label
	violations *fyne.Container
	check      *widget.Button
	status     *widget.Label
	root       fyne.CanvasObject
}

// verdictSource is what the tab reads and asks of the store.
type verdictSource interface {
	ContractVerdict(id uint64) (*contract.Verdict, error)
	CheckContract(id uint64, spec []byte) (contract.Verdict, error)
}

// NewContractTab builds an empty tab; onShowInBody marks a pointer in
// the body tab and answers why not when the body has nothing there.
func NewContractTab(verdicts verdictSource, onShowInBody func(pointer string) error) *ContractTab {
	vv := verdictview.New()
	vv.OnShowInBody = onShowInBody
	c := &ContractTab{verdicts: verdicts, view: vv, headline: vv.Headline, hint: vv.Hint, violations: vv.Violations, status: vv.Status}
	c.check = widget.NewButton("Check now", c.checkNow)
	c.root = container.NewVScroll(container.NewVBox(vv.Object(), container.NewHBox(c.check), c.status))
	return c
}

// Object is the tab's content.
func (c *ContractTab) Object() fyne.CanvasObject { return c.root }

// Show reads the verdict kept with request id.
func (c *ContractTab) Show(id uint64) {
	c.id = id
	v, err := c.verdicts.ContractVerdict(id)
	switch {
	case err != nil:
		c.view.ShowNone("The contract verdict cannot be read: " + err.Error())
	case v == nil:
		c.view.ShowNone("Not checked against an OpenAPI contract. Attach the provider's spec to this path " +
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

func (c *ContractTab) showVerdict(v contract.Verdict) {
	c.view.Show(v, func(left int) string {
		return fmt.Sprintf("… and %d more (hookscope validate %d lists them all)", left, c.id)
	})
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
	c.showVerdict(v)
}
