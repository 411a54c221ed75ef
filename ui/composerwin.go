package ui

import (
	"fyne.io/fyne/v2"

	"dev.hookscope/app/composer"
	"dev.hookscope/storage"
	"dev.hookscope/ui/composerview"
)

// openComposer shows the composer window (one per app), loaded with r when
// given: "Open in composer" from a capture, or empty from the toolbar.
func (v *MainView) openComposer(r *composer.Request) {
	if !v.localOnly("The composer") {
		return
	}
	if v.composerWin == nil {
		w := v.fyneApp.NewWindow("Hookscope — Composer")
		view := composerview.New(v.local, v.local.Store(), w)
		w.SetContent(view.Object())
		view.InstallShortcuts(w.Canvas())
		w.SetOnClosed(func() { v.composerWin, v.composerView = nil, nil })
		w.Resize(fyne.NewSize(1100, 760))
		v.composerWin, v.composerView = w, view
	}
	if r != nil {
		v.composerView.SetRequest(*r)
	}
	v.composerWin.Show()
}

// openInComposer loads a captured request into the composer.
func (v *MainView) openInComposer(rec *storage.Record) {
	r := composer.FromRecord(rec, "http")
	v.openComposer(&r)
}
