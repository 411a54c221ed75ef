package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/replay"
	"dev.hookscope/ui/uithread"
)

// bulkReplay is the toolbar's Replay…: a form for many requests, then a
// progress dialog while they are sent, then a summary. It needs this
// process's own core (localOnly says so in a remote window).
type bulkReplay struct {
	window    fyne.Window
	core      app.Source
	local     *app.Core
	requests  *RequestList // the form proposes what it lists or has selected
	localOnly func(what string) bool
	progress  *bulkProgress // the running bulk replay, for tests
	summary   string
}

// bulkForm is the "replay many" dialog's fields.
type bulkForm struct {
	ids, target, concurrency, rate, attempts *widget.Entry
	resign                                   *widget.Check
}

func (b *bulkReplay) newForm() *bulkForm {
	f := &bulkForm{ids: widget.NewEntry(), target: widget.NewEntry(), concurrency: widget.NewEntry(),
		rate: widget.NewEntry(), attempts: widget.NewEntry(), resign: widget.NewCheck("Re-sign each with its path's saved secret", nil)}
	f.ids.SetPlaceHolder("e.g. 3, 7-12")
	if n := b.requests.Count(); n > 0 {
		f.ids.SetText(fmt.Sprintf("%d-%d", b.requests.idAt(n-1), b.requests.idAt(0)))
	}
	if id := b.requests.SelectedID(); id != 0 {
		f.ids.SetText(strconv.FormatUint(id, 10))
	}
	f.target.SetText(b.core.Setting(settingReplayTarget))
	f.target.SetPlaceHolder(defaultReplayTarget)
	f.concurrency.SetText("1")
	f.rate.SetText("10")
	f.attempts.SetText("5")
	return f
}

func (f *bulkForm) config() (ids []uint64, spec app.ReplaySpec, cfg replay.BulkConfig, err error) {
	if ids, err = app.ParseIDList(f.ids.Text); err != nil {
		return
	}
	spec = app.ReplaySpec{Target: strings.TrimSpace(f.target.Text), Resign: f.resign.Checked}
	if cfg.Concurrency, err = strconv.Atoi(strings.TrimSpace(f.concurrency.Text)); err != nil || cfg.Concurrency < 1 {
		return nil, spec, cfg, fmt.Errorf("concurrency %q is not a whole number of 1 or more", f.concurrency.Text)
	}
	if cfg.Rate, err = strconv.ParseFloat(strings.TrimSpace(f.rate.Text), 64); err != nil || cfg.Rate < 0 {
		return nil, spec, cfg, fmt.Errorf("rate %q is not a number of requests per second (0: no limit)", f.rate.Text)
	}
	if cfg.MaxAttempts, err = strconv.Atoi(strings.TrimSpace(f.attempts.Text)); err != nil || cfg.MaxAttempts < 1 {
		return nil, spec, cfg, fmt.Errorf("attempts %q is not a whole number of 1 or more", f.attempts.Text)
	}
	return ids, spec, cfg, nil
}

func (b *bulkReplay) show() {
	if !b.localOnly("Replaying many requests") {
		return
	}
	f := b.newForm()
	items := []*widget.FormItem{
		widget.NewFormItem("Request IDs", f.ids),
		widget.NewFormItem("Target URL", f.target),
		widget.NewFormItem("Concurrency", f.concurrency),
		widget.NewFormItem("Rate (per second)", f.rate),
		widget.NewFormItem("Attempts", f.attempts),
		widget.NewFormItem("", f.resign),
	}
	d := dialog.NewForm("Replay requests", "Start", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		ids, spec, cfg, err := f.config()
		if err != nil {
			dialog.ShowError(err, b.window)
			return
		}
		b.core.PutSetting(settingReplayTarget, spec.Target)
		b.run(ids, spec, cfg)
	}, b.window)
	d.Resize(fyne.NewSize(560, 380))
	d.Show()
}

// bulkProgress is the dialog shown while a bulk replay runs.
type bulkProgress struct {
	bar    *widget.ProgressBar
	label  *widget.Label
	cancel *widget.Button
	dialog dialog.Dialog
}

func (b *bulkReplay) run(ids []uint64, spec app.ReplaySpec, cfg replay.BulkConfig) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &bulkProgress{bar: widget.NewProgressBar(), label: widget.NewLabel(fmt.Sprintf("0 of %d sent", len(ids)))}
	p.bar.Max = float64(len(ids))
	p.cancel = widget.NewButton("Cancel", cancel)
	p.dialog = dialog.NewCustomWithoutButtons("Replaying", container.NewVBox(p.bar, p.label, p.cancel), b.window)
	p.dialog.Resize(fyne.NewSize(460, 160))
	p.dialog.Show()
	b.progress = p
	go func() {
		outcomes := b.local.BulkReplay(ctx, ids, spec, cfg, func(pr replay.Progress) {
			uithread.Do(func() { p.update(pr) })
		})
		cancel()
		uithread.Do(func() { b.finish(p, outcomes) })
	}()
}

func (p *bulkProgress) update(pr replay.Progress) {
	p.bar.SetValue(float64(pr.Done))
	p.label.SetText(fmt.Sprintf("%d of %d sent: %d succeeded, %d failed", pr.Done, pr.Total, pr.Succeeded, pr.Failed))
}

func (b *bulkReplay) finish(p *bulkProgress, outcomes []replay.Outcome) {
	p.dialog.Hide()
	ok, lines := 0, []string{}
	for _, o := range outcomes {
		if o.OK() {
			ok++
			continue
		}
		reason := fmt.Sprintf("answered %d", o.Status)
		if o.Err != nil {
			reason = o.Err.Error()
		}
		lines = append(lines, fmt.Sprintf("#%d after %d attempt(s): %s", o.ID, len(o.Attempts), reason))
	}
	summary := fmt.Sprintf("%d of %d replayed successfully.", ok, len(outcomes))
	if len(lines) > 0 {
		summary += "\n\n" + strings.Join(lines[:min(len(lines), 20)], "\n")
	}
	b.summary = summary
	dialog.ShowInformation("Replay finished", summary, b.window)
}
