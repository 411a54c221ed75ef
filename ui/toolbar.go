package ui

import (
	"fmt"
	"io"
	"net"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
)

// toolbar is the window's top row: the listener's URL with Copy and
// Start/Stop on the left, the actions on the right. When the window is
// too narrow for every action, the ones that do not fit move, in order
// from the right, into a "More" menu; the URL is cut with an ellipsis
// (whole in the Copy button's clipboard). Nothing in it sets the window's
// minimum width beyond icon, Copy, Start/Stop, a short URL and More.
//
// It keeps its buttons in step with the core: the listener's state (and,
// under it, the banner offering another address when the port is taken),
// whether forwarding is on, whether there is anything to clear.
type toolbar struct {
	fyneApp fyne.App // its clipboard takes the URL
	core    app.Source
	local   *app.Core // nil in a remote window: the serve there owns the listener
	do      toolbarActions
	banner  *listenerBanner

	url       *widget.Label
	copyURL   *widget.Button
	startStop *widget.Button

	composer  *widget.Button
	monitor   *widget.Button
	bulk      *widget.Button
	forward   *widget.Button
	rules     *widget.Button
	alerts    *widget.Button
	deleteBtn *widget.Button
	clear     *widget.Button
	storage   *widget.Button

	actions []*widget.Button // right-hand group, in order
	more    *widget.Button
	root    *fyne.Container
}

// toolbarActions are what the action buttons do; listening is told the
// listener's URL each time it is (re)started.
type toolbarActions struct {
	composer, monitor, bulk, forward, rules, storage func()
	alerts                                           func()
	deleteSelected, clearAll                         func()
	listening                                        func(url string)
}

func newToolbar(a fyne.App, core app.Source, local *app.Core, do toolbarActions) *toolbar {
	b := &toolbar{fyneApp: a, core: core, local: local, do: do}
	b.url = widget.NewLabel("")
	b.url.TextStyle = fyne.TextStyle{Monospace: true}
	b.url.Truncation = fyne.TextTruncateEllipsis
	b.copyURL = widget.NewButtonWithIcon("", theme.ContentCopyIcon(), b.copyListenerURL)
	b.startStop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), b.toggleListener)
	b.composer = widget.NewButtonWithIcon("Composer", theme.MailSendIcon(), do.composer)
	b.monitor = widget.NewButtonWithIcon("Monitor", theme.HistoryIcon(), do.monitor)
	b.bulk = widget.NewButtonWithIcon("Replay…", theme.MediaReplayIcon(), do.bulk)
	b.forward = widget.NewButtonWithIcon("Forward…", theme.MailForwardIcon(), do.forward)
	b.rules = widget.NewButtonWithIcon("Rules…", theme.ListIcon(), do.rules)
	b.alerts = widget.NewButtonWithIcon("Alerts…", theme.WarningIcon(), do.alerts)
	b.deleteBtn = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), do.deleteSelected)
	b.deleteBtn.Disable()
	b.clear = widget.NewButtonWithIcon("Clear all", theme.ContentClearIcon(), do.clearAll)
	b.storage = widget.NewButtonWithIcon("Storage…", theme.StorageIcon(), do.storage)
	b.actions = []*widget.Button{b.composer, b.monitor, b.bulk, b.forward, b.rules, b.alerts, b.deleteBtn, b.clear, b.storage}
	b.more = widget.NewButtonWithIcon("More", theme.MoreHorizontalIcon(), b.showMore)
	objs := []fyne.CanvasObject{widget.NewIcon(appIcon()), b.url, b.copyURL, b.startStop, b.more}
	for _, a := range b.actions {
		objs = append(objs, a)
	}
	b.root = container.New(&toolbarLayout{bar: b}, objs...)
	b.banner = newListenerBanner(b.startListener)
	b.updateForwardButton()
	return b
}

// disableLocalOnly turns off what needs this process's own core (a remote
// window's banner says why).
func (b *toolbar) disableLocalOnly() {
	for _, btn := range []*widget.Button{b.startStop, b.composer, b.bulk} {
		btn.Disable()
	}
}

func (b *toolbar) copyListenerURL() {
	if u := b.core.ListenerURL(); u != "" {
		b.fyneApp.Clipboard().SetContent(u)
	}
}

// listenerBanner shows under the toolbar when the listener could not
// start: why, and a field for another address.
type listenerBanner struct {
	root   *fyne.Container
	text   *widget.Label
	addr   *widget.Entry
	listen *widget.Button
}

func newListenerBanner(start func(addr string)) *listenerBanner {
	l := &listenerBanner{text: widget.NewLabel(""), addr: widget.NewEntry()}
	l.text.Wrapping = fyne.TextWrapWord
	l.text.Importance = widget.DangerImportance
	l.addr.SetPlaceHolder("127.0.0.1:8081")
	l.listen = widget.NewButton("Listen here", func() { start(l.addr.Text) })
	l.listen.Importance = widget.HighImportance
	form := container.NewBorder(nil, nil, widget.NewLabel("Address:"), l.listen, l.addr)
	l.root = container.NewVBox(l.text, form)
	l.root.Hide()
	return l
}

func (b *toolbar) startListener(addr string) { b.startListenerReport(addr, nil) }

func (b *toolbar) startListenerReport(addr string, stdout io.Writer) {
	if b.local == nil {
		return // the button is disabled: the remote's serve owns its listener
	}
	if err := b.local.StartListener(addr); err != nil {
		b.banner.text.SetText(err.Error())
		if b.banner.addr.Text == "" {
			b.banner.addr.SetText(suggestAddr(addr))
		}
		b.banner.root.Show()
		b.updateListenerState()
		return
	}
	b.banner.root.Hide()
	if stdout != nil {
		fmt.Fprintln(stdout, "listening on "+b.local.ListenerURL())
	}
	b.updateListenerState()
}

// suggestAddr proposes the next port on the same host.
func suggestAddr(addr string) string {
	host, portText, err := net.SplitHostPort(addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || port <= 0 || port >= 65535 {
		return "127.0.0.1:0"
	}
	return net.JoinHostPort(host, strconv.Itoa(port+1))
}

func (b *toolbar) toggleListener() {
	if b.local == nil {
		return // the button is disabled: the remote's serve owns its listener
	}
	if b.local.ListenerURL() != "" {
		b.local.StopListener()
	} else {
		b.startListener("")
	}
	b.updateListenerState()
}

func (b *toolbar) updateListenerState() {
	if u := b.core.ListenerURL(); u != "" {
		b.url.SetText(u)
		b.startStop.SetText("Stop")
		b.startStop.SetIcon(theme.MediaStopIcon())
		b.copyURL.Enable()
		b.do.listening(u)
	} else {
		b.url.SetText("not listening")
		b.startStop.SetText("Start")
		b.startStop.SetIcon(theme.MediaPlayIcon())
		b.copyURL.Disable()
	}
	if b.local == nil {
		// The listener is the remote serve's, started and stopped there.
		b.startStop.Disable()
	}
	b.root.Refresh()
}

// updateForwardButton shows whether forwarding is on, and where to.
func (b *toolbar) updateForwardButton() {
	list, _ := b.core.ForwardRules()
	for _, r := range list {
		if r.Enabled {
			// The state only, never the target: a button's text sets the
			// window's minimum width, and a long URL pushed the other
			// buttons off screen (the Forward… dialog shows it whole).
			label := "Forwarding"
			if r.Relay {
				label = "Relaying"
			}
			b.forward.SetText(label)
			b.forward.Importance = widget.HighImportance
			b.forward.Refresh()
			return
		}
	}
	b.forward.SetText("Forward…")
	b.forward.Importance = widget.MediumImportance
	b.forward.Refresh()
}

// syncClearAll enables Clear all only when the store holds something. It
// counts the store, not the list: a filter hides rows, Clear deletes them.
func (b *toolbar) syncClearAll() {
	if n, err := b.core.Count(); err == nil && n == 0 {
		b.clear.Disable()
		return
	}
	b.clear.Enable()
}

// overflow lists the actions not shown as buttons.
func (b *toolbar) overflow() []*widget.Button {
	var out []*widget.Button
	for _, a := range b.actions {
		if !a.Visible() {
			out = append(out, a)
		}
	}
	return out
}

// showMore pops up the actions that did not fit, with their current text
// and enabled state.
func (b *toolbar) showMore() {
	var items []*fyne.MenuItem
	for _, a := range b.overflow() {
		item := fyne.NewMenuItem(a.Text, a.OnTapped)
		item.Icon = a.Icon
		item.Disabled = a.Disabled()
		items = append(items, item)
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(b.more)
	if c == nil || len(items) == 0 {
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b.more)
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), c, pos.AddXY(0, b.more.Size().Height))
}

// minURLWidth keeps a few characters of the URL visible however narrow
// the window gets.
const minURLWidth = 140

// toolbarLayout places [icon][url…][copy][start/stop] …… [actions][more].
type toolbarLayout struct{ bar *toolbar }

// fixed are the objects always shown on the left, in order, and the URL.
func (l *toolbarLayout) parts(objs []fyne.CanvasObject) (left []fyne.CanvasObject, url fyne.CanvasObject) {
	return []fyne.CanvasObject{objs[0], objs[2], objs[3]}, objs[1]
}

func (l *toolbarLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	left, url := l.parts(objs)
	w, h := float32(minURLWidth), url.MinSize().Height
	for _, o := range append(left, l.bar.more) {
		m := o.MinSize()
		w += m.Width + pad
		h = max(h, m.Height)
	}
	return fyne.NewSize(w, h)
}

func (l *toolbarLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	left, url := l.parts(objs)
	leftWidth := float32(0)
	for _, o := range left {
		leftWidth += o.MinSize().Width + pad
	}
	room := size.Width - leftWidth - minURLWidth
	widths := make([]float32, len(l.bar.actions))
	all := float32(0)
	for i, a := range l.bar.actions {
		widths[i] = a.MinSize().Width
		all += widths[i] + pad
	}
	shown := len(l.bar.actions)
	if all > room {
		// Keep actions from the left while they and More fit.
		used := l.bar.more.MinSize().Width + pad
		shown = 0
		for shown < len(widths) && used+widths[shown]+pad <= room {
			used += widths[shown] + pad
			shown++
		}
	}
	// Right to left: More (when needed), then the shown actions.
	x := size.Width
	place := func(o fyne.CanvasObject, w float32) {
		x -= w
		h := o.MinSize().Height
		o.Move(fyne.NewPos(x, (size.Height-h)/2))
		o.Resize(fyne.NewSize(w, h))
		x -= pad
	}
	if shown < len(l.bar.actions) {
		l.bar.more.Show()
		place(l.bar.more, l.bar.more.MinSize().Width)
	} else {
		l.bar.more.Hide()
	}
	for i := len(l.bar.actions) - 1; i >= 0; i-- {
		a := l.bar.actions[i]
		if i >= shown {
			a.Hide()
			continue
		}
		a.Show()
		place(a, widths[i])
	}
	right := x
	// Left to right: icon, URL (taking what is left), Copy, Start/Stop.
	x = 0
	put := func(o fyne.CanvasObject, w float32) {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(x, (size.Height-h)/2))
		o.Resize(fyne.NewSize(w, h))
		x += w + pad
	}
	put(left[0], left[0].MinSize().Width)
	urlWidth := max(minURLWidth, right-leftWidth-pad)
	if want := urlTextWidth(l.bar.url); urlWidth > want {
		urlWidth = want
	}
	put(url, urlWidth)
	put(left[1], left[1].MinSize().Width)
	put(left[2], left[2].MinSize().Width)
}

// urlTextWidth is the width the URL label needs to show its whole text:
// what an untruncated label of the same text and style asks for, and a
// little more (given exactly that, the GL driver still cut the last two
// characters: its truncation rounds differently from its measuring).
func urlTextWidth(l *widget.Label) float32 {
	return widget.NewLabelWithStyle(l.Text, l.Alignment, l.TextStyle).MinSize().Width + 2*theme.Padding()
}
