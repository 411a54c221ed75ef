package ui

import (
	"fyne.io/fyne/v2"

	"dev.hookscope/app"
	"dev.hookscope/app/composer"
	"dev.hookscope/storage"
	"dev.hookscope/ui/composerview"
)

// composerWindow is the composer window, one per app; it needs this
// process's own core (localOnly says so in a remote window).
type composerWindow struct {
	fyneApp   fyne.App
	local     *app.Core
	localOnly func(what string) bool
	win       fyne.Window
	view      *composerview.View
}

// open shows the composer window (one per app), loaded with r when
// given: "Open in composer" from a capture, or empty from the toolbar.
func (c *composerWindow) open(r *composer.Request) {
	if !c.localOnly("The composer") {
		return
	}
	if c.win == nil {
		w := c.fyneApp.NewWindow("Hookscope — Composer")
		view := composerview.New(c.local, c.local.Store(), w)
		w.SetContent(view.Object())
		view.InstallShortcuts(w.Canvas())
		w.SetOnClosed(func() { c.win, c.view = nil, nil })
		w.Resize(fyne.NewSize(1100, 760))
		c.win, c.view = w, view
	}
	if r != nil {
		c.view.SetRequest(*r)
	}
	c.win.Show()
}

// openRecord loads a captured request into the composer.
func (c *composerWindow) openRecord(rec *storage.Record) {
	r := composer.FromRecord(rec, "http")
	c.open(&r)
}
