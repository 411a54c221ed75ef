package ui

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// notifyEvery coalesces a burst into one notification.
const notifyEvery = 3 * time.Second

// shortcut is one keyboard shortcut with its help text.
type shortcut struct {
	key  fyne.KeyName
	mod  fyne.KeyModifier
	help string
	run  func()
}

func (v *MainView) shortcuts() []shortcut {
	return []shortcut{
		{fyne.KeyF, fyne.KeyModifierShortcutDefault, "Focus the filter", func() { v.window.Canvas().Focus(v.filter.entry) }},
		{fyne.KeyDown, fyne.KeyModifierShortcutDefault, "Next (older) request", func() { v.moveSelection(1) }},
		{fyne.KeyUp, fyne.KeyModifierShortcutDefault, "Previous (newer) request", func() { v.moveSelection(-1) }},
		{fyne.KeyDelete, fyne.KeyModifierShortcutDefault, "Delete the selected request", v.confirmDelete},
		{fyne.KeyL, fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift, "Clear all requests", v.confirmClear},
		{fyne.KeyR, fyne.KeyModifierShortcutDefault, "Replay the selected request (Replay tab)", v.replaySelected},
		{fyne.KeyReturn, fyne.KeyModifierShortcutDefault, "Send (Replay tab)", func() { v.inspector.replay.sendNow() }},
		{fyne.KeyE, fyne.KeyModifierShortcutDefault, "Export…", v.exchange.showExportDialog},
		{fyne.KeyO, fyne.KeyModifierShortcutDefault, "Import…", v.exchange.showImportDialog},
		{fyne.KeySlash, fyne.KeyModifierShortcutDefault, "Keyboard shortcuts", v.showShortcutsHelp},
	}
}

// installShortcuts binds every shortcut on the window's canvas.
func (v *MainView) installShortcuts() {
	for _, s := range v.shortcuts() {
		run := s.run
		v.window.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: s.key, Modifier: s.mod}, func(fyne.Shortcut) { run() })
	}
}

func shortcutLabel(s shortcut) string {
	mod := "Ctrl+"
	if s.mod&fyne.KeyModifierShift != 0 {
		mod += "Shift+"
	}
	return mod + string(s.key)
}

func (v *MainView) showShortcutsHelp() {
	form := widget.NewForm()
	for _, s := range v.shortcuts() {
		form.Append(shortcutLabel(s), widget.NewLabel(s.help))
	}
	// The whole table at once: in a scroll area the dialog sized it to
	// one row.
	dialog.ShowCustom("Keyboard shortcuts", "Close", form, v.window)
}

// moveSelection selects the row delta away from the current one.
func (v *MainView) moveSelection(delta int) {
	n := v.requests.Count()
	if n == 0 {
		return
	}
	i := v.requests.selectedIndex() + delta
	if v.requests.SelectedID() == 0 {
		i = 0
	}
	v.requests.list.Select(max(0, min(n-1, i)))
}

func (v *MainView) replaySelected() {
	if v.requests.SelectedID() == 0 {
		return
	}
	v.inspector.tabs.SelectIndex(len(v.inspector.tabs.Items) - 1)
}

// restoreLayout applies the remembered window size and split.
func (v *MainView) restoreLayout() {
	prefs, err := loadWindowPrefs(v.prefsPath)
	if err != nil && v.stderr != nil {
		fmt.Fprintln(v.stderr, "hookscope: "+err.Error())
	}
	v.prefs = prefs
	v.window.Resize(fyne.NewSize(prefs.Width, prefs.Height))
	v.split.Offset = prefs.Split
	v.split.Refresh()
}

// beforeQuit keeps what the user would lose: the replay editor's unsaved
// edits (as the request's draft) and the window's layout.
func (v *MainView) beforeQuit() {
	v.inspector.replay.Leave()
	v.saveLayout()
}

// saveLayout remembers the window size and split for the next run. It is
// called while the window is still up (close, quit, SIGTERM): after the
// event loop stops, the canvas no longer reports a size.
func (v *MainView) saveLayout() {
	size := v.window.Canvas().Size()
	if size.Width > 200 && size.Height > 200 {
		v.prefs.Width, v.prefs.Height = size.Width, size.Height
	}
	v.prefs.Split = v.split.Offset
	v.savePrefs()
}

func (v *MainView) savePrefs() {
	if err := v.prefs.save(v.prefsPath); err != nil && v.stderr != nil {
		fmt.Fprintln(v.stderr, "hookscope: "+err.Error())
	}
}

func (v *MainView) toggleNotifications() {
	v.prefs.Notifications = !v.prefs.Notifications
	v.savePrefs()
	v.lastTray = ""
	v.updateTray()
}

// trackFocus notes whether the window is in front, for notifications.
func (v *MainView) trackFocus() {
	lc := v.fyneApp.Lifecycle()
	lc.SetOnEnteredForeground(func() { v.focused = true })
	lc.SetOnExitedForeground(func() { v.focused = false })
	v.focused = true
}

// notifyArrivals tells the desktop about new requests while the window is
// in the background, at most one notification every few seconds.
func (v *MainView) notifyArrivals(newCount int) {
	if newCount <= 0 || v.focused || !v.prefs.Notifications {
		return
	}
	v.pendingNotes += newCount
	if time.Since(v.lastNote) < notifyEvery {
		return
	}
	text := fmt.Sprintf("%d new requests", v.pendingNotes)
	if v.pendingNotes == 1 {
		if s, err := v.core.Summary(v.requests.newest); err == nil {
			text = s.Method + " " + s.Path
		}
	}
	v.fyneApp.SendNotification(fyne.NewNotification("Hookscope", text))
	v.lastNote, v.pendingNotes = time.Now(), 0
	v.notified++
}

// refreshTray updates the tray menu when what it says has changed.
func (v *MainView) refreshTray() {
	now := fmt.Sprintf("%s|%d", v.core.ListenerURL(), v.requests.Count())
	if now != v.lastTray {
		v.lastTray = now
		v.updateTray()
	}
}

// updateTray shows the listener and the count in the system tray menu,
// where the desktop has one.
func (v *MainView) updateTray() {
	d, ok := v.fyneApp.(desktop.App)
	if !ok || !trayAvailable() {
		return
	}
	listening := "Not listening"
	if u := v.core.ListenerURL(); u != "" {
		listening = "Listening on " + u
	}
	status := fyne.NewMenuItem(listening, nil)
	status.Disabled = true
	count := fyne.NewMenuItem(fmt.Sprintf("%d requests", v.requests.Count()), nil)
	count.Disabled = true
	show := fyne.NewMenuItem("Show Hookscope", func() { v.window.Show(); v.window.RequestFocus() })
	notify := fyne.NewMenuItem("Notifications", v.toggleNotifications)
	notify.Checked = v.prefs.Notifications
	d.SetSystemTrayMenu(fyne.NewMenu("Hookscope", status, count, fyne.NewMenuItemSeparator(), show, notify))
	d.SetSystemTrayIcon(appIcon())
}

// installMenu gives the window a menu bar with what has no toolbar button.
func (v *MainView) installMenu() {
	file := fyne.NewMenu("File",
		fyne.NewMenuItem("Export…", v.exchange.showExportDialog),
		fyne.NewMenuItem("Import…", v.exchange.showImportDialog),
		fyne.NewMenuItem("Retention…", v.retention.show),
	)
	notify := fyne.NewMenuItem("Notify when requests arrive in the background", nil)
	notify.Checked = v.prefs.Notifications
	notify.Action = func() {
		v.toggleNotifications()
		notify.Checked = v.prefs.Notifications
	}
	view := fyne.NewMenu("View", notify)
	help := fyne.NewMenu("Help", fyne.NewMenuItem("Keyboard shortcuts", v.showShortcutsHelp))
	v.window.SetMainMenu(fyne.NewMainMenu(file, view, help))
}

// trayAvailable: on Linux the tray speaks DBus, and fyne's systray panics
// at quit when it never got a session bus (seen under a bare Xvfb).
func trayAvailable() bool {
	return runtime.GOOS != "linux" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}
