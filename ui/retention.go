package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/storage"
)

// retentionForm edits what is kept; blank fields are no limit.
type retentionForm struct{ count, days, mb *widget.Entry }

func newRetentionForm(r storage.Retention) *retentionForm {
	f := &retentionForm{count: widget.NewEntry(), days: widget.NewEntry(), mb: widget.NewEntry()}
	for _, e := range []*widget.Entry{f.count, f.days, f.mb} {
		e.SetPlaceHolder("no limit")
	}
	if r.MaxCount > 0 {
		f.count.SetText(strconv.Itoa(r.MaxCount))
	}
	if r.MaxAge > 0 {
		f.days.SetText(strconv.FormatFloat(r.MaxAge.Hours()/24, 'f', -1, 64))
	}
	if r.MaxBytes > 0 {
		f.mb.SetText(strconv.FormatFloat(float64(r.MaxBytes)/1e6, 'f', -1, 64))
	}
	return f
}

func (f *retentionForm) policy() (storage.Retention, error) {
	var r storage.Retention
	num := func(e *widget.Entry, what string) (float64, error) {
		t := strings.TrimSpace(e.Text)
		if t == "" {
			return 0, nil
		}
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("%s %q is not a positive number (leave it blank for no limit)", what, t)
		}
		return v, nil
	}
	count, err := num(f.count, "requests")
	if err != nil {
		return r, err
	}
	days, err := num(f.days, "days")
	if err != nil {
		return r, err
	}
	mb, err := num(f.mb, "megabytes")
	if err != nil {
		return r, err
	}
	r.MaxCount, r.MaxAge, r.MaxBytes = int(count), time.Duration(days*float64(24*time.Hour)), int64(mb*1e6)
	return r, nil
}

// retentionEditor opens the Retention dialog (the toolbar's Storage…,
// File ▸ Retention…).
type retentionEditor struct {
	window fyne.Window
	core   app.Source
	note   string // the policy last saved, in words, for tests
}

func (e *retentionEditor) show() {
	current, err := e.core.Retention()
	if err != nil {
		dialog.ShowError(err, e.window)
		return
	}
	f := newRetentionForm(current)
	note := widget.NewLabel("Older requests are deleted in the background. The file keeps its size until " +
		"compacted: close Hookscope and run `hookscope compact`.")
	note.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		widget.NewFormItem("Keep the last (requests)", f.count),
		widget.NewFormItem("Keep (days)", f.days),
		widget.NewFormItem("Keep about (MB)", f.mb),
		widget.NewFormItem("", note),
	}
	d := dialog.NewForm("Retention", "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		r, err := f.policy()
		if err == nil {
			err = e.core.SetRetention(r)
		}
		if err != nil {
			dialog.ShowError(err, e.window)
			return
		}
		e.note = app.DescribeRetention(r)
	}, e.window)
	d.Resize(fyne.NewSize(560, 340))
	d.Show()
}
