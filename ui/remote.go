package ui

import (
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/localapi"
	"dev.hookscope/ui/uithread"
)

// A window attached to a `serve --api --api-tls` elsewhere (docs/cli.md,
// "Remote stores") reads and acts through a localapi.RemoteSource: the
// list follows the server's event stream, bodies are fetched when a
// request is opened, replays and compares run on the server. Under the
// toolbar a banner says where the store is and that replays run there,
// and while the stream is down, that it is retrying and when.

// remoteStore is what the banner reads of a remote source.
type remoteStore interface {
	HostPort() string
	Status() localapi.RemoteStatus
	OnStatus(func(localapi.RemoteStatus))
}

// localOnlyNote names what is off in a remote window, and why.
const localOnlyNote = "Start/Stop, Composer and Replay… (bulk) run in the process holding the store, so they are off here; " +
	"use them on that machine, or hookscope replay --remote for a batch."

// remoteBanner is the line under the toolbar of a remote window.
type remoteBanner struct {
	root  *fyne.Container
	state *widget.Label // attached, or disconnected and retrying
	note  *widget.Label // what is local-only
	store remoteStore   // nil when the source is not a RemoteSource
	stop  chan struct{}
	once  sync.Once
	// alertEvery is how often the remote's fired alerts are read, to show
	// new ones as notifications (a remote has no callback to push them).
	alertEvery time.Duration

	// Set from the stream's goroutine, read on Fyne's.
	mu     sync.Mutex
	status localapi.RemoteStatus
	retry  time.Time // when the next attempt is due, while disconnected
}

func newRemoteBanner(core app.Source) *remoteBanner {
	b := &remoteBanner{state: widget.NewLabel(""), note: widget.NewLabel(localOnlyNote), stop: make(chan struct{}),
		alertEvery: 10 * time.Second}
	b.state.Wrapping = fyne.TextWrapWord
	b.state.TextStyle = fyne.TextStyle{Bold: true}
	b.note.Wrapping = fyne.TextWrapWord
	b.note.Importance = widget.LowImportance
	b.store, _ = core.(remoteStore)
	if b.store != nil {
		b.status = b.store.Status()
	} else {
		b.status = localapi.RemoteStatus{Connected: true}
	}
	b.root = container.NewVBox(b.state, b.note)
	b.show()
	return b
}

// hostPort names the remote in the banner and the title.
func (b *remoteBanner) hostPort() string {
	if b.store == nil {
		return "a remote store"
	}
	return b.store.HostPort()
}

// text is what the banner says now.
func (b *remoteBanner) text(now time.Time) (string, bool) {
	b.mu.Lock()
	st, retry := b.status, b.retry
	b.mu.Unlock()
	if st.Connected {
		return fmt.Sprintf("Attached to %s (replays run there: localhost means that machine)", b.hostPort()), true
	}
	secs := int(math.Ceil(retry.Sub(now).Seconds()))
	if secs < 1 {
		return fmt.Sprintf("Disconnected from %s, retrying now…", b.hostPort()), false
	}
	return fmt.Sprintf("Disconnected from %s, retrying in %ds…", b.hostPort(), secs), false
}

// show puts text on screen; on Fyne's goroutine.
func (b *remoteBanner) show() {
	text, ok := b.text(time.Now())
	b.state.SetText(text)
	if ok {
		b.state.Importance = widget.MediumImportance
	} else {
		b.state.Importance = widget.DangerImportance
	}
	b.state.Refresh()
}

// start follows the stream's state and counts the wait down each second
// while it is down; listenerMoved runs on each reconnection.
func (b *remoteBanner) start(stdout io.Writer, listenerMoved func()) {
	if stdout != nil {
		fmt.Fprintf(stdout, "attached to %s\n", b.hostPort())
	}
	if b.store == nil {
		return
	}
	b.store.OnStatus(func(st localapi.RemoteStatus) {
		b.mu.Lock()
		b.status = st
		b.retry = time.Now().Add(st.RetryIn)
		b.mu.Unlock()
		uithread.Do(func() {
			b.show()
			if st.Connected {
				// The remote's listener may have moved while it was away.
				listenerMoved()
			}
		})
	})
	go everyUntil(b.stop, time.Second, func() {
		if _, ok := b.text(time.Now()); !ok {
			uithread.Do(b.show)
		}
	})
}

// everyUntil calls fn every interval until stop is closed.
func everyUntil(stop <-chan struct{}, interval time.Duration, fn func()) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			fn()
		}
	}
}

// watchAlerts notifies, as notifier.watchAlerts does for a local core,
// each alert the remote (core) fires after the window attached, reading
// its list every alertEvery; a read that fails (the remote is away) is
// tried again at the next tick, and what fired meanwhile is shown then.
// notify runs on Fyne's goroutine.
func (b *remoteBanner) watchAlerts(core app.Source, notify func(text string)) {
	var last time.Time
	known := false
	read := func() {
		list, err := core.FiredAlerts()
		if err != nil {
			return
		}
		var fresh []string
		for _, f := range list {
			if known && f.At.After(last) {
				fresh = append(fresh, f.Text)
			}
			if f.At.After(last) {
				last = f.At
			}
		}
		known = true
		if len(fresh) > 0 {
			uithread.Do(func() {
				for _, text := range fresh {
					notify(text)
				}
			})
		}
	}
	read()
	everyUntil(b.stop, b.alertEvery, read)
}

// close stops the banner's updates (the source itself is closed by
// whoever attached it).
func (b *remoteBanner) close() {
	b.once.Do(func() {
		if b.store != nil {
			b.store.OnStatus(nil)
		}
		close(b.stop)
	})
}
