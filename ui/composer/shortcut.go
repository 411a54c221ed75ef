package composer

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// SendShortcut is Ctrl+Enter (Cmd+Enter on macOS), the composer's Send.
// Entries in the view handle it themselves; the lead binds it on the
// window canvas with View.Send for when no entry has focus.
var SendShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}

// sendEntry is an Entry that sends on Ctrl+Enter: a focused Entry takes
// every shortcut, so a canvas-level binding would never see it.
type sendEntry struct {
	widget.Entry
	onSend func()
}

func newSendEntry(multiLine bool, onSend func()) *sendEntry {
	e := &sendEntry{onSend: onSend}
	e.MultiLine = multiLine
	if multiLine {
		e.Wrapping = fyne.TextWrapBreak
	}
	e.ExtendBaseWidget(e)
	return e
}

func (e *sendEntry) TypedShortcut(s fyne.Shortcut) {
	if isSend(s) {
		e.onSend()
		return
	}
	e.Entry.TypedShortcut(s)
}

func isSend(s fyne.Shortcut) bool {
	cs, ok := s.(*desktop.CustomShortcut)
	return ok && (cs.KeyName == fyne.KeyReturn || cs.KeyName == fyne.KeyEnter) &&
		(cs.Modifier == fyne.KeyModifierControl || cs.Modifier == fyne.KeyModifierSuper)
}
