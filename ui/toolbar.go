package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// toolbar is the window's top row: the listener's URL with Copy and
// Start/Stop on the left, the actions on the right. When the window is
// too narrow for every action, the ones that do not fit move, in order
// from the right, into a "More" menu; the URL is cut with an ellipsis
// (whole in the Copy button's clipboard). Nothing in it sets the window's
// minimum width beyond icon, Copy, Start/Stop, a short URL and More.
type toolbar struct {
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

// toolbarActions are what the buttons do.
type toolbarActions struct {
	copyURL, toggleListener                          func()
	composer, monitor, bulk, forward, rules, storage func()
	alerts                                           func()
	deleteSelected, clearAll                         func()
}

func newToolbar(do toolbarActions) *toolbar {
	b := &toolbar{}
	b.url = widget.NewLabel("")
	b.url.TextStyle = fyne.TextStyle{Monospace: true}
	b.url.Truncation = fyne.TextTruncateEllipsis
	b.copyURL = widget.NewButtonWithIcon("", theme.ContentCopyIcon(), do.copyURL)
	b.startStop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), do.toggleListener)
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
	return b
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
