package ui

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"

	"dev.hookscope/app"
)

// notifyEvery coalesces a burst into one notification.
const notifyEvery = 3 * time.Second

// windowSettings is what the window remembers between runs (prefs.go)
// and where it keeps them.
type windowSettings struct {
	window fyne.Window
	split  *container.Split
	prefs  windowPrefs
	path   string    // "" keeps nothing (tests)
	stderr io.Writer // where a settings-file problem is said
}

// restoreLayout applies the remembered window size and split.
func (s *windowSettings) restoreLayout() {
	prefs, err := loadWindowPrefs(s.path)
	if err != nil && s.stderr != nil {
		fmt.Fprintln(s.stderr, "hookscope: "+err.Error())
	}
	s.prefs = prefs
	s.window.Resize(fyne.NewSize(prefs.Width, prefs.Height))
	s.split.Offset = prefs.Split
	s.split.Refresh()
}

// saveLayout remembers the window size and split for the next run. It is
// called while the window is still up (close, quit, SIGTERM): after the
// event loop stops, the canvas no longer reports a size.
func (s *windowSettings) saveLayout() {
	size := s.window.Canvas().Size()
	if size.Width > 200 && size.Height > 200 {
		s.prefs.Width, s.prefs.Height = size.Width, size.Height
	}
	s.prefs.Split = s.split.Offset
	s.save()
}

func (s *windowSettings) save() {
	if err := s.prefs.save(s.path); err != nil && s.stderr != nil {
		fmt.Fprintln(s.stderr, "hookscope: "+err.Error())
	}
}

// notifier is the window's side of the desktop: notifications of new
// requests while the window is in the background and of fired alerts,
// and the system tray menu.
type notifier struct {
	fyneApp  fyne.App
	window   fyne.Window
	core     app.Source
	requests *RequestList
	settings *windowSettings // whether to notify of arrivals, kept there

	focused      bool
	pendingNotes int
	lastNote     time.Time
	notified     int
	lastTray     string
	// alertsNotified counts alert notifications sent (ui/alerts.go);
	// stopAlerts ends a local core's.
	alertsNotified int
	stopAlerts     func()
}

func (n *notifier) toggleNotifications() {
	n.settings.prefs.Notifications = !n.settings.prefs.Notifications
	n.settings.save()
	n.lastTray = ""
	n.updateTray()
}

// trackFocus notes whether the window is in front, for notifications.
func (n *notifier) trackFocus() {
	lc := n.fyneApp.Lifecycle()
	lc.SetOnEnteredForeground(func() { n.focused = true })
	lc.SetOnExitedForeground(func() { n.focused = false })
	n.focused = true
}

// notifyArrivals tells the desktop about new requests while the window is
// in the background, at most one notification every few seconds.
func (n *notifier) notifyArrivals(newCount int) {
	if newCount <= 0 || n.focused || !n.settings.prefs.Notifications {
		return
	}
	n.pendingNotes += newCount
	if time.Since(n.lastNote) < notifyEvery {
		return
	}
	text := fmt.Sprintf("%d new requests", n.pendingNotes)
	if n.pendingNotes == 1 {
		if s, err := n.core.Summary(n.requests.newest); err == nil {
			text = s.Method + " " + s.Path
		}
	}
	n.fyneApp.SendNotification(fyne.NewNotification("Hookscope", text))
	n.lastNote, n.pendingNotes = time.Now(), 0
	n.notified++
}

// notifyAlert shows a fired alert; on Fyne's goroutine.
func (n *notifier) notifyAlert(text string) {
	n.fyneApp.SendNotification(fyne.NewNotification("Hookscope alert", text))
	n.alertsNotified++
}

// close stops the alert notifications of a local core.
func (n *notifier) close() {
	if n.stopAlerts != nil {
		n.stopAlerts()
	}
}

// refreshTray updates the tray menu when what it says has changed.
func (n *notifier) refreshTray() {
	now := fmt.Sprintf("%s|%d", n.core.ListenerURL(), n.requests.Count())
	if now != n.lastTray {
		n.lastTray = now
		n.updateTray()
	}
}

// updateTray shows the listener and the count in the system tray menu,
// where the desktop has one.
func (n *notifier) updateTray() {
	d, ok := n.fyneApp.(desktop.App)
	if !ok || !trayAvailable() {
		return
	}
	listening := "Not listening"
	if u := n.core.ListenerURL(); u != "" {
		listening = "Listening on " + u
	}
	status := fyne.NewMenuItem(listening, nil)
	status.Disabled = true
	count := fyne.NewMenuItem(fmt.Sprintf("%d requests", n.requests.Count()), nil)
	count.Disabled = true
	show := fyne.NewMenuItem("Show Hookscope", func() { n.window.Show(); n.window.RequestFocus() })
	notify := fyne.NewMenuItem("Notifications", n.toggleNotifications)
	notify.Checked = n.settings.prefs.Notifications
	d.SetSystemTrayMenu(fyne.NewMenu("Hookscope", status, count, fyne.NewMenuItemSeparator(), show, notify))
	d.SetSystemTrayIcon(appIcon())
}

// trayAvailable: on Linux the tray speaks DBus, and fyne's systray panics
// at quit when it never got a session bus (seen under a bare Xvfb).
func trayAvailable() bool {
	return runtime.GOOS != "linux" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}
