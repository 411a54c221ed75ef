package composerview

import (
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app/composer"
	"dev.hookscope/ui/verdictview"
)

// noContractHint is the Contract tab of an answer nothing was checked
// against: it says how a check comes about, and nothing more.
const noContractHint = "Answers are checked against the OpenAPI spec a request was imported from (Import OpenAPI…); " +
	"this one has none."

// showCheck shows an answer's verdict: its headline above the answer and
// its violations in the Contract tab (docs/cli.md, "composer"). A request
// not made from a spec shows nothing; one whose spec says nothing of the
// answer, a quiet line.
func (v *View) showCheck(c composer.AnswerCheck) {
	switch {
	case c.Verdict != nil:
		v.contractLine.SetText(c.Verdict.Headline())
		v.contractLine.Importance = verdictview.Importance(*c.Verdict)
		v.contractLine.TextStyle.Bold = true
		v.contractLine.Show()
		v.contractLine.Refresh()
		v.verdict.Show(*c.Verdict, nil)
	case c.Note != "":
		v.contractLine.SetText(c.Note)
		v.contractLine.Importance = widget.LowImportance
		v.contractLine.TextStyle.Bold = false
		v.contractLine.Show()
		v.contractLine.Refresh()
		v.verdict.ShowNone(c.Note)
	default:
		v.contractLine.SetText("")
		v.contractLine.Hide()
		v.verdict.ShowNone(noContractHint)
	}
}

// showInBody marks a violation's value in the answer's body viewer.
func (v *View) showInBody(pointer string) error {
	if v.respTabs != nil {
		v.respTabs.SelectIndex(0)
	}
	return v.respBody.Highlight(pointer)
}
