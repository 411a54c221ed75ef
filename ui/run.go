// Package ui is Hookscope's Fyne window, built on package app.
package ui

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"dev.hookscope/app"
	"dev.hookscope/localapi"
)

// AppID identifies Hookscope to the desktop (preferences, notifications).
const AppID = "dev.hookscope.app"

// Run opens the store, starts the listener and shows the window until it is
// closed or stop fires. It returns the process exit code.
func Run(cfg app.Config, apiAddr string, stdout, stderr io.Writer, stop <-chan struct{}) int {
	if err := checkDisplay(); err != nil {
		fmt.Fprintln(stderr, "hookscope: "+err.Error())
		return 2
	}
	core, err := app.Open(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "hookscope: "+err.Error())
		return 2
	}
	defer core.Close()
	core.StartBackground()
	// The command line works while the window holds the store, through
	// this socket.
	api, err := localapi.Start(core, localapi.Options{TCPAddr: apiAddr})
	if err != nil {
		fmt.Fprintln(stderr, "hookscope: "+err.Error())
		return 2
	}
	defer api.Close()
	localapi.Announce(api, core.DBPath(), stderr)
	return runWindow(core, stdout, stderr, stop)
}

// RunRemote shows the window on the store of a serve elsewhere, which
// attach dials (docs/cli.md, "Remote stores"): no store, listener or API
// is opened on this machine. It returns the process exit code.
func RunRemote(attach func() (*localapi.RemoteSource, error), stdout, stderr io.Writer, stop <-chan struct{}) int {
	if err := checkDisplay(); err != nil {
		fmt.Fprintln(stderr, "hookscope: "+err.Error())
		return 2
	}
	src, err := attach()
	if err != nil {
		fmt.Fprintln(stderr, "hookscope: "+err.Error())
		return 2
	}
	defer src.Close()
	return runWindow(src, stdout, stderr, stop)
}

// windowGCPercent is the window's GOGC unless the user sets one: its Go
// heap may grow to 1.5 times what is live rather than twice. Through
// 10,000 requests at 1,000/s (scripts/memprobe.sh) that took the window's
// resident memory from 225 to 209 MB at its peak, for 94 collections
// during the flood's 10 s instead of 42.
const windowGCPercent = 50

// runWindow shows the window on src until it is closed or stop fires.
func runWindow(src app.Source, stdout, stderr io.Writer, stop <-chan struct{}) int {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(windowGCPercent)
	}
	a := fyneapp.NewWithID(AppID)
	a.Settings().SetTheme(newReadableTheme())
	a.SetIcon(appIcon())
	w := a.NewWindow("Hookscope")
	view := NewMainView(a, w, src)
	view.settings.path, view.settings.stderr = defaultPrefsPath(), stderr
	w.SetContent(view.Object())
	view.settings.restoreLayout()
	view.Start(stdout)
	w.SetCloseIntercept(func() {
		view.beforeQuit() // while the window still has its size
		w.Close()
	})
	go func() {
		<-stop
		// Hidden first: a pointer over the window while it is torn down
		// made Fyne 2.7.1 set a cursor on a destroyed GLFW window and panic
		// (seen once in four SIGTERMs under Xvfb with a loaded machine).
		fyne.Do(func() {
			view.beforeQuit()
			w.Hide()
			a.Quit()
		})
	}()
	w.ShowAndRun()
	view.Close()
	return 0
}

// checkDisplay turns GLFW's panic on a machine without a display into a
// sentence that says what to do.
func checkDisplay() error {
	if runtime.GOOS != "linux" || os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" {
		return nil
	}
	return fmt.Errorf("cannot open a window: no display (DISPLAY and WAYLAND_DISPLAY are unset); use hookscope serve to capture without a window")
}
