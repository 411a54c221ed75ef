package ui

import (
	"fmt"
	"io"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/assets"
	"dev.hookscope/ui/uithread"
)

// refreshInterval caps list refreshes at ten a second however fast requests
// arrive (measured: a refresh per insert at 1,000/s costs a whole core).
const refreshInterval = 100 * time.Millisecond

func appIcon() fyne.Resource { return fyne.NewStaticResource("icon.png", assets.Icon) }

// MainView is the whole window: toolbar, banner, request list, inspector.
type MainView struct {
	fyneApp fyne.App
	window  fyne.Window
	// core is the store the window reads and acts on: this process's
	// (then local is that same core) or a remote serve's (then local is
	// nil and remote is the banner saying so; see remote.go). What only
	// the process holding the store can do needs local, and is disabled,
	// with the reason said, without it.
	core   app.Source
	local  *app.Core
	remote *remoteBanner

	bar *toolbar

	// The dialogs the toolbar, the menu and the shortcuts open.
	rules     *rulesEditor
	alerts    *alertsEditor
	forward   *forwardEditor
	retention *retentionEditor
	bulk      *bulkReplay
	exchange  *exportImport
	composer  *composerWindow

	requests  *RequestList
	filter    *filterBar
	inspector *Inspector
	content   fyne.CanvasObject

	sub     *app.Subscription
	stopped chan struct{}
	watched chan struct{} // closed when watch returns

	split        *container.Split
	prefs        windowPrefs
	prefsPath    string    // "" keeps nothing (tests)
	stderr       io.Writer // where a settings-file problem is said
	focused      bool
	pendingNotes int
	lastNote     time.Time
	notified     int
	lastTray     string
	refreshes    int // live updates applied, for the load test
	// alertsNotified counts alert notifications sent (ui/alerts.go);
	// stopAlerts ends them.
	alertsNotified int
	stopAlerts     func()
}

// NewMainView builds the window's content around core: an *app.Core
// opened here, or a *localapi.RemoteSource attached to a serve elsewhere.
func NewMainView(a fyne.App, w fyne.Window, core app.Source) *MainView {
	v := &MainView{fyneApp: a, window: w, core: core, prefs: defaultWindowPrefs(),
		stopped: make(chan struct{}), watched: make(chan struct{})}
	v.local, _ = core.(*app.Core)
	v.inspector = NewInspector(a, w, core)
	v.composer = &composerWindow{fyneApp: a, local: v.local, localOnly: v.localOnly}
	v.inspector.onOpenInComposer = v.composer.openRecord
	v.requests = NewRequestList(core, v.onSelect, v.onHidden)
	v.bulk = &bulkReplay{window: w, core: core, local: v.local, requests: v.requests, localOnly: v.localOnly}
	v.exchange = &exportImport{window: w, core: core, requests: v.requests}
	v.rules = &rulesEditor{window: w, core: core, local: v.local}
	v.alerts = &alertsEditor{window: w, core: core}
	v.retention = &retentionEditor{window: w, core: core}
	v.bar = newToolbar(a, core, v.local, toolbarActions{
		composer: func() { v.composer.open(nil) },
		monitor: func() {
			if v.localOnly("The monitor") {
				ShowMonitorWindow(v.fyneApp, v.local)
			}
		},
		bulk:           v.bulk.show,
		forward:        func() { v.forward.show() },
		rules:          v.rules.show,
		alerts:         v.alerts.show,
		storage:        v.retention.show,
		deleteSelected: v.confirmDelete,
		clearAll:       v.confirmClear,
		listening:      v.requests.SetListenerURL,
	})
	v.forward = &forwardEditor{window: w, core: core, saved: v.bar.updateForwardButton}
	v.filter = newFilterBar(v.requests, v.updateTitle)
	left := container.NewBorder(v.filter.root, nil, nil, nil, v.requests.Object())
	// The inspector scrolls rather than widen the window: its minimum
	// size (the compare row, a long header) must not move the divider.
	split := container.NewHSplit(left, container.NewScroll(v.inspector.Object()))
	split.Offset = 0.42
	v.split = split
	top := container.NewVBox(v.bar.root, v.bar.banner.root)
	if v.local == nil {
		v.buildRemoteBanner()
		top.Add(v.remote.root)
	}
	top.Add(widget.NewSeparator())
	v.content = container.NewBorder(top, nil, nil, nil, split)
	return v
}

// Object is the view's root.
func (v *MainView) Object() fyne.CanvasObject { return v.content }

// Start starts the listener (a taken port shows the banner), loads the list
// and begins live updates. The listening line goes to stdout for scripts.
func (v *MainView) Start(stdout io.Writer) {
	v.sub = v.core.Subscribe()
	v.requests.Reload()
	v.installShortcuts()
	v.installEscape()
	v.filter.entry.shortcut = v.runShortcut
	v.installMenu()
	v.trackFocus()
	if v.local != nil {
		v.bar.startListenerReport(v.local.ConfiguredAddr(), stdout)
		v.stopAlerts = v.watchAlerts()
	} else {
		v.startRemote(stdout)
	}
	v.updateTitle()
	go v.watch()
}

// Close stops live updates and waits (briefly: after the real window has
// quit, an update stuck in fyne.DoAndWait would never return) for the
// watcher to finish.
func (v *MainView) Close() {
	if v.sub == nil {
		return
	}
	v.sub.Close()
	close(v.stopped)
	v.filter.close()
	if v.stopAlerts != nil {
		v.stopAlerts()
	}
	v.stopRemote()
	select {
	case <-v.watched:
	case <-time.After(time.Second):
	}
}

// watch turns hub wake-ups into at most ten UI refreshes a second.
func (v *MainView) watch() {
	defer close(v.watched)
	for {
		select {
		case <-v.stopped:
			return
		case <-v.sub.C:
		}
		change := v.sub.Take()
		uithread.DoAndWait(func() { v.apply(change) })
		select {
		case <-v.stopped:
			return
		case <-time.After(refreshInterval):
		}
	}
}

func (v *MainView) apply(change app.Change) {
	v.refreshes++
	if change&app.Reset != 0 {
		v.requests.Reload()
	} else if change&app.Added != 0 {
		before := v.requests.newest
		v.requests.LoadNew()
		v.notifyArrivals(int(v.requests.newest - before))
	}
	if change&app.ListenerChanged != 0 {
		v.bar.updateListenerState()
	}
	if change&app.ReplaysChanged != 0 {
		v.inspector.RefreshDeliveries()
	}
	if change&app.SettingsChanged != 0 {
		// Set from the command line too: the toolbar says what is in force.
		v.bar.updateForwardButton()
	}
	if change&(app.VerdictsChanged|app.Reset) != 0 {
		v.requests.ForgetVerdicts()
		v.inspector.RefreshContract()
	}
	v.updateTitle()
}

func (v *MainView) updateTitle() {
	n := v.requests.Count()
	noun, verb := "requests", "match"
	if n == 1 {
		noun, verb = "request", "matches"
	}
	v.refreshTray()
	v.filter.showCount()
	v.bar.syncClearAll()
	where := "Hookscope"
	if v.remote != nil {
		where += " — " + v.remote.hostPort()
	}
	if v.requests.Filtered() {
		v.window.SetTitle(fmt.Sprintf("%s — %d %s %s the filter", where, n, noun, verb))
		return
	}
	v.window.SetTitle(fmt.Sprintf("%s — %d %s", where, n, noun))
}

func (v *MainView) onSelect(id uint64) {
	if id == 0 {
		v.bar.deleteBtn.Disable()
		v.inspector.Clear()
		return
	}
	v.bar.deleteBtn.Enable()
	rec, err := v.core.Get(id)
	if err != nil {
		v.inspector.ShowError(err)
		return
	}
	v.inspector.Show(rec)
}

// onHidden: the chosen request is filtered out. Nothing is highlighted, so
// nothing can be deleted; the inspector says where it went.
func (v *MainView) onHidden(id uint64) {
	v.bar.deleteBtn.Disable()
	v.inspector.ShowMessage(fmt.Sprintf("Request #%d is hidden by the filter. Clear the filter to see it again.", id))
}

func (v *MainView) confirmDelete() {
	id := v.requests.SelectedID()
	if id == 0 {
		return
	}
	dialog.ShowConfirm("Delete request", fmt.Sprintf("Delete request #%d? This cannot be undone.", id), func(ok bool) {
		if ok {
			v.deleteSelected()
		}
	}, v.window)
}

func (v *MainView) deleteSelected() {
	id := v.requests.SelectedID()
	if id == 0 {
		return
	}
	row := v.requests.selectedIndex()
	if err := v.core.Delete(id); err != nil {
		dialog.ShowError(err, v.window)
		return
	}
	v.requests.Reload() // the deleted request is unselected here
	// The next (older) request takes the deleted one's row.
	if n := v.requests.Count(); n > 0 {
		v.requests.Select(v.requests.idAt(min(row, n-1)))
	}
	v.updateTitle()
}

func (v *MainView) confirmClear() {
	n, err := v.core.Count()
	if err != nil {
		dialog.ShowError(err, v.window)
		return
	}
	if n == 0 {
		return
	}
	dialog.ShowConfirm("Clear all", fmt.Sprintf("Delete all %d requests? This cannot be undone.", n), func(ok bool) {
		if ok {
			v.clearAll()
		}
	}, v.window)
}

func (v *MainView) clearAll() {
	if err := v.core.Clear(); err != nil {
		dialog.ShowError(err, v.window)
		return
	}
	v.requests.Unselect()
	v.requests.Reload()
	v.updateTitle()
}
