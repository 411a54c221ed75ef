package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/signature"
	"dev.hookscope/storage"
)

// maxPayloadShown bounds the signed-payload label: it is a whole body.
const maxPayloadShown = 4096

// SignatureTab verifies the shown request and explains the verdict.
type SignatureTab struct {
	core      app.Source
	rec       *storage.Record
	scheme    *widget.Select
	secret    *widget.Entry
	tolerance *widget.Entry
	publicURL *widget.Entry
	verify    *widget.Button
	prefix    *widget.Entry
	save      *widget.Button
	savedNote *widget.Label
	verdict   *widget.Label
	reason    *widget.Label
	details   *fyne.Container
	root      fyne.CanvasObject
}

// NewSignatureTab builds the tab; core keeps the saved secrets.
func NewSignatureTab(core app.Source) *SignatureTab {
	s := &SignatureTab{core: core}
	s.scheme = widget.NewSelect(signature.Names(), nil)
	s.scheme.SetSelected("auto")
	s.secret = widget.NewPasswordEntry()
	s.secret.SetPlaceHolder("signing secret, token or public key")
	s.tolerance = widget.NewEntry()
	s.tolerance.SetPlaceHolder("scheme default (0 = no timestamp check)")
	s.publicURL = widget.NewEntry()
	s.publicURL.SetPlaceHolder("URL the sender signed (Twilio, Square, HubSpot); default: as captured")
	s.verify = widget.NewButton("Verify", s.runVerify)
	s.verify.Importance = widget.HighImportance
	s.prefix = widget.NewEntry()
	s.save = widget.NewButton("Save secret for this path prefix", s.saveSecret)
	s.savedNote = widget.NewLabel("")
	s.savedNote.Importance = widget.LowImportance
	s.verdict = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.reason = widget.NewLabel("")
	s.reason.Wrapping = fyne.TextWrapWord
	s.details = container.New(layout.NewFormLayout())
	form := widget.NewForm(
		widget.NewFormItem("Scheme", s.scheme),
		widget.NewFormItem("Secret", s.secret),
		widget.NewFormItem("Tolerance", s.tolerance),
		widget.NewFormItem("Public URL", s.publicURL),
	)
	saveRow := container.NewBorder(nil, nil, widget.NewLabel("Prefix"), s.save, s.prefix)
	s.root = container.NewVScroll(container.NewVBox(form, container.NewHBox(s.verify), saveRow, s.savedNote,
		widget.NewSeparator(), s.verdict, s.reason, s.details))
	return s
}

// Object is the tab's content.
func (s *SignatureTab) Object() fyne.CanvasObject { return s.root }

// Show prepares the tab for rec; with a saved secret it verifies at once.
func (s *SignatureTab) Show(rec *storage.Record) {
	s.rec = rec
	s.clearResult()
	s.prefix.SetText(defaultPrefix(rec.Path))
	rule, ok := s.core.SecretFor(rec.Path)
	if !ok {
		s.savedNote.SetText("No secret saved for this path.")
		if name, found := signature.Detect(rec.Header); found {
			s.verdict.SetText("Looks like " + name + ": enter the secret and press Verify.")
		}
		return
	}
	s.scheme.SetSelected(rule.Scheme)
	s.secret.SetText(rule.Secret)
	s.publicURL.SetText(rule.URL)
	s.prefix.SetText(rule.Prefix)
	s.savedNote.SetText(fmt.Sprintf("Saved secret for %s: %s", rule.Prefix, app.MaskSecret(rule.Secret)))
	s.runVerify()
}

// defaultPrefix proposes the first two path segments: /hooks/stripe/x → /hooks/stripe.
func defaultPrefix(path string) string {
	parts := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 3)
	if len(parts) > 2 {
		parts = parts[:2]
	}
	return "/" + strings.Join(parts, "/")
}

func (s *SignatureTab) clearResult() {
	s.verdict.SetText("")
	s.verdict.Importance = widget.MediumImportance
	s.reason.SetText("")
	s.reason.Hide()
	s.details.Objects = nil
	s.details.Refresh()
}

func (s *SignatureTab) options() (signature.Options, error) {
	opt := signature.Options{Secret: strings.TrimSpace(s.secret.Text), URL: strings.TrimSpace(s.publicURL.Text)}
	switch t := strings.TrimSpace(s.tolerance.Text); t {
	case "":
	case "0":
		opt.Tolerance = signature.NoTolerance
	default:
		d, err := time.ParseDuration(t)
		if err != nil || d < 0 {
			return opt, fmt.Errorf("tolerance %q is not a duration like 5m or 300s", t)
		}
		opt.Tolerance = d
	}
	return opt, nil
}

func (s *SignatureTab) runVerify() {
	if s.rec == nil {
		return
	}
	s.clearResult()
	opt, err := s.options()
	if err != nil {
		s.showProblem(err.Error())
		return
	}
	res, err := app.VerifyRecord(s.rec, s.scheme.Selected, opt)
	if err != nil {
		s.showProblem(err.Error())
		return
	}
	s.showResult(res)
}

func (s *SignatureTab) showProblem(msg string) {
	s.verdict.SetText("Cannot verify")
	s.verdict.Importance = widget.WarningImportance
	s.verdict.Refresh()
	s.reason.SetText(msg)
	s.reason.Show()
}

func (s *SignatureTab) showResult(res signature.Result) {
	switch {
	case res.Valid:
		s.verdict.SetText("✓ Valid " + res.Scheme + " signature")
		s.verdict.Importance = widget.SuccessImportance
	case res.Unsigned:
		s.verdict.SetText("No signature")
		s.verdict.Importance = widget.MediumImportance
	case res.Stale:
		s.verdict.SetText("✗ Signature right, timestamp outside the window")
		s.verdict.Importance = widget.WarningImportance
	default:
		s.verdict.SetText("✗ Invalid " + res.Scheme + " signature")
		s.verdict.Importance = widget.DangerImportance
	}
	s.verdict.Refresh()
	s.reason.SetText(res.Reason)
	if res.Reason != "" {
		s.reason.Show()
	}
	var pairs []app.Pair
	if res.Diagnosis != "" {
		pairs = append(pairs, app.Pair{Name: "Likely mistake", Value: res.Diagnosis})
	}
	if res.TimestampAgeS != nil {
		age := time.Duration(*res.TimestampAgeS * float64(time.Second)).Round(time.Second)
		pairs = append(pairs, app.Pair{Name: "Timestamp age", Value: age.String()})
	}
	pairs = append(pairs,
		app.Pair{Name: "Expected", Value: orDash(res.Expected)},
		app.Pair{Name: "Received", Value: orDash(res.Received)},
		app.Pair{Name: "Signed payload", Value: clipTo(res.SignedPayload, maxPayloadShown)},
	)
	fillPairs(s.details, pairs)
}

func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("… (%d more bytes)", len(s)-n)
}

func (s *SignatureTab) saveSecret() {
	opt, err := s.options()
	if err != nil {
		s.showProblem(err.Error())
		return
	}
	rule := app.SecretRule{Prefix: strings.TrimSpace(s.prefix.Text), Scheme: s.scheme.Selected, Secret: opt.Secret,
		Tolerance: opt.Tolerance, URL: opt.URL}
	if rule.Secret == "" {
		s.showProblem("Enter a secret before saving it.")
		return
	}
	if err := s.core.SaveSecret(rule); err != nil {
		s.showProblem(err.Error())
		return
	}
	s.savedNote.SetText(fmt.Sprintf("Saved secret for %s: %s. New requests under it are verified as they arrive.", rule.Prefix, app.MaskSecret(rule.Secret)))
	s.runVerify()
}
