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
// It builds the parts, wires them to each other and turns the core's
// changes into updates of each; what a part shows and does is the part's
// own (toolbar.go, requestlist.go, inspector.go, and a small type per
// dialog family).
type MainView struct {
	window fyne.Window
	// core is the store the window reads and acts on: this process's
	// (then local is that same core) or a remote serve's (then local is
	// nil and remote is the banner saying so; see remote.go). What only
	// the process holding the store can do needs local, and is disabled,
	// with the reason said, without it.
	core   app.Source
	local  *app.Core
	remote *remoteBanner

	bar       *toolbar
	requests  *RequestList
	filter    *filterBar
	inspector *Inspector
	content   fyne.CanvasObject

	// The dialogs the toolbar, the menu and the shortcuts open.
	rules     *rulesEditor
	alerts    *alertsEditor
	forward   *forwardEditor
	retention *retentionEditor
	bulk      *bulkReplay
	exchange  *exportImport
	composer  *composerWindow
	deletes   *deleteActions

	keys     *keyboard
	notifier *notifier
	settings *windowSettings

	sub       *app.Subscription
	stopped   chan struct{}
	watched   chan struct{} // closed when watch returns
	refreshes int           // live updates applied, for the load test
}

// NewMainView builds the window's content around core: an *app.Core
// opened here, or a *localapi.RemoteSource attached to a serve elsewhere.
func NewMainView(a fyne.App, w fyne.Window, core app.Source) *MainView {
	v := &MainView{window: w, core: core, stopped: make(chan struct{}), watched: make(chan struct{})}
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
	v.deletes = &deleteActions{window: w, core: core, requests: v.requests, changed: v.updateTitle}
	v.bar = newToolbar(a, core, v.local, toolbarActions{
		composer:       func() { v.composer.open(nil) },
		monitor:        func() { ShowMonitorWindow(a, core) },
		bulk:           v.bulk.show,
		forward:        func() { v.forward.show() },
		rules:          v.rules.show,
		alerts:         v.alerts.show,
		storage:        v.retention.show,
		deleteSelected: v.deletes.confirmDelete,
		clearAll:       v.deletes.confirmClear,
		listening:      v.requests.SetListenerURL,
	})
	v.forward = &forwardEditor{window: w, core: core, saved: v.bar.updateForwardButton}
	v.filter = newFilterBar(v.requests, v.updateTitle)
	left := container.NewBorder(v.filter.root, nil, nil, nil, v.requests.Object())
	// The inspector scrolls rather than widen the window: its minimum
	// size (the compare row, a long header) must not move the divider.
	split := container.NewHSplit(left, container.NewScroll(v.inspector.Object()))
	split.Offset = 0.42
	v.settings = &windowSettings{window: w, split: split, prefs: defaultWindowPrefs()}
	v.notifier = &notifier{fyneApp: a, window: w, core: core, requests: v.requests, settings: v.settings}
	v.keys = &keyboard{window: w, shortcuts: v.shortcuts()}
	top := container.NewVBox(v.bar.root, v.bar.banner.root)
	if v.local == nil {
		v.remote = newRemoteBanner(core)
		// What needs this process's own core is off, said by the note.
		v.bar.disableLocalOnly()
		v.inspector.composeBtn.Disable()
		top.Add(v.remote.root)
	}
	top.Add(widget.NewSeparator())
	v.content = container.NewBorder(top, nil, nil, nil, split)
	return v
}

// Object is the view's root.
func (v *MainView) Object() fyne.CanvasObject { return v.content }

// localOnly says why an action is not offered here when it is reached
// some other way than its disabled button; it reports whether the window
// holds the store.
func (v *MainView) localOnly(what string) bool {
	if v.local != nil {
		return true
	}
	dialog.ShowInformation(what, fmt.Sprintf("%s runs in the process holding the store, on %s, not in a window attached to it.", what, v.remote.hostPort()), v.window)
	return false
}

// shortcuts are the window's keyboard shortcuts (keys.go binds them).
func (v *MainView) shortcuts() []shortcut {
	return []shortcut{
		{fyne.KeyF, fyne.KeyModifierShortcutDefault, "Focus the filter", func() { v.window.Canvas().Focus(v.filter.entry) }},
		{fyne.KeyDown, fyne.KeyModifierShortcutDefault, "Next (older) request", func() { v.requests.moveSelection(1) }},
		{fyne.KeyUp, fyne.KeyModifierShortcutDefault, "Previous (newer) request", func() { v.requests.moveSelection(-1) }},
		{fyne.KeyDelete, fyne.KeyModifierShortcutDefault, "Delete the selected request", v.deletes.confirmDelete},
		{fyne.KeyL, fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift, "Clear all requests", v.deletes.confirmClear},
		{fyne.KeyR, fyne.KeyModifierShortcutDefault, "Replay the selected request (Replay tab)", v.replaySelected},
		{fyne.KeyReturn, fyne.KeyModifierShortcutDefault, "Send (Replay tab)", func() { v.inspector.replay.sendNow() }},
		{fyne.KeyE, fyne.KeyModifierShortcutDefault, "Export…", v.exchange.showExportDialog},
		{fyne.KeyO, fyne.KeyModifierShortcutDefault, "Import…", v.exchange.showImportDialog},
		{fyne.KeySlash, fyne.KeyModifierShortcutDefault, "Keyboard shortcuts", func() { v.keys.showHelp() }},
	}
}

func (v *MainView) replaySelected() {
	if v.requests.SelectedID() == 0 {
		return
	}
	v.inspector.tabs.SelectIndex(len(v.inspector.tabs.Items) - 1)
}

// installMenu gives the window a menu bar with what has no toolbar button.
func (v *MainView) installMenu() {
	file := fyne.NewMenu("File",
		fyne.NewMenuItem("Export…", v.exchange.showExportDialog),
		fyne.NewMenuItem("Import…", v.exchange.showImportDialog),
		fyne.NewMenuItem("Retention…", v.retention.show),
	)
	notify := fyne.NewMenuItem("Notify when requests arrive in the background", nil)
	notify.Checked = v.settings.prefs.Notifications
	notify.Action = func() {
		v.notifier.toggleNotifications()
		notify.Checked = v.settings.prefs.Notifications
	}
	view := fyne.NewMenu("View", notify)
	help := fyne.NewMenu("Help", fyne.NewMenuItem("Keyboard shortcuts", v.keys.showHelp))
	v.window.SetMainMenu(fyne.NewMainMenu(file, view, help))
}

// Start starts the listener (a taken port shows the banner), loads the list
// and begins live updates. The listening line goes to stdout for scripts.
func (v *MainView) Start(stdout io.Writer) {
	v.sub = v.core.Subscribe()
	v.requests.Reload()
	v.keys.install()
	v.filter.entry.shortcut = v.keys.run
	v.installMenu()
	v.notifier.trackFocus()
	if v.local != nil {
		v.bar.startListenerReport(v.local.ConfiguredAddr(), stdout)
		v.notifier.watchAlerts(v.local)
	} else {
		v.bar.updateListenerState()
		v.remote.start(stdout, v.bar.updateListenerState)
		go v.remote.watchAlerts(v.core, v.notifier.notifyAlert)
	}
	v.updateTitle()
	go v.watch()
}

// beforeQuit keeps what the user would lose: the replay editor's unsaved
// edits (as the request's draft) and the window's layout.
func (v *MainView) beforeQuit() {
	v.inspector.replay.Leave()
	v.settings.saveLayout()
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
	v.notifier.close()
	if v.remote != nil {
		v.remote.close()
	}
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
		v.notifier.notifyArrivals(int(v.requests.newest - before))
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

// updateTitle says in the window's title (and the tray, the filter's
// count, Clear all) how many requests there are.
func (v *MainView) updateTitle() {
	n := v.requests.Count()
	noun, verb := "requests", "match"
	if n == 1 {
		noun, verb = "request", "matches"
	}
	v.notifier.refreshTray()
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
