package composerview

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// SendShortcut is Ctrl+Enter (Cmd+Enter on macOS), the composer's Send.
// Entries in the view handle it themselves; the lead binds it on the
// window canvas with View.Send for when no entry has focus.
var SendShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}

// sendEntry is an Entry that passes the composer's shortcuts on (Ctrl+Enter
// sends, Ctrl+I, Ctrl+S, Ctrl+E): a focused Entry takes every shortcut,
// so a canvas-level binding would never see them. Every text field of the
// composer is one (v.newField), the dialogs' fields too, where Escape
// closes the dialog.
type sendEntry struct {
	widget.Entry
	// onSend runs on Ctrl+Enter; the import box imports instead of sending.
	onSend func()
	// view, when set, gets the composer's other shortcuts too: a focused
	// entry would otherwise swallow Ctrl+I, Ctrl+S and Ctrl+E.
	view *View
	// onEscape, when set, runs on Escape (the dialog's Cancel).
	onEscape func()
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

// newField is a one-line text field of the composer.
func (v *View) newField() *sendEntry {
	e := newSendEntry(false, v.Send)
	e.view = v
	return e
}

// newSecretField is newField masked, with the entry's show/hide eye.
func (v *View) newSecretField() *sendEntry {
	e := v.newField()
	e.Password = true
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	return e
}

func (e *sendEntry) TypedShortcut(s fyne.Shortcut) {
	if isSend(s) && e.onSend != nil {
		e.onSend()
		return
	}
	if e.view != nil && e.view.runShortcut(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

func (e *sendEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// sendSelectEntry is a SelectEntry (the method, the raw body's content
// type) that passes the composer's shortcuts on, as sendEntry does.
type sendSelectEntry struct {
	widget.SelectEntry
	view *View
}

func (v *View) newSelectField(options []string) *sendSelectEntry {
	e := &sendSelectEntry{view: v}
	e.ExtendBaseWidget(e)
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.SetOptions(options)
	return e
}

func (e *sendSelectEntry) TypedShortcut(s fyne.Shortcut) {
	if e.view.runShortcut(s) {
		return
	}
	e.SelectEntry.TypedShortcut(s)
}

// runShortcut runs the composer shortcut s names, if it is one.
func (v *View) runShortcut(s fyne.Shortcut) bool {
	cs, ok := s.(*desktop.CustomShortcut)
	if !ok || (cs.Modifier != fyne.KeyModifierControl && cs.Modifier != fyne.KeyModifierSuper) {
		return false
	}
	key := cs.KeyName
	if key == fyne.KeyEnter { // the keypad's Enter
		key = fyne.KeyReturn
	}
	for _, sc := range v.Shortcuts() {
		if sc.Key == key {
			sc.Run()
			return true
		}
	}
	return false
}

func isSend(s fyne.Shortcut) bool {
	cs, ok := s.(*desktop.CustomShortcut)
	return ok && (cs.KeyName == fyne.KeyReturn || cs.KeyName == fyne.KeyEnter) &&
		(cs.Modifier == fyne.KeyModifierControl || cs.Modifier == fyne.KeyModifierSuper)
}

// Shortcut is one of the composer window's keyboard shortcuts.
type Shortcut struct {
	Key  fyne.KeyName
	Help string
	Run  func()
}

// Shortcuts are the composer's keys, so the whole round (paste a cURL,
// send, save, switch environment, send again) needs no mouse: Ctrl+I
// import, Ctrl+Enter send, Ctrl+S save to a collection, Ctrl+E next
// environment.
func (v *View) Shortcuts() []Shortcut {
	return []Shortcut{
		{fyne.KeyReturn, "Send", v.Send},
		{fyne.KeyI, "Import cURL", v.importCurl},
		{fyne.KeyS, "Save to a collection", v.saveToCollection},
		{fyne.KeyE, "Next environment", v.NextEnvironment},
	}
}

// InstallShortcuts binds Shortcuts on the window's canvas.
func (v *View) InstallShortcuts(c fyne.Canvas) {
	for _, s := range v.Shortcuts() {
		run := s.Run
		c.AddShortcut(&desktop.CustomShortcut{KeyName: s.Key, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { run() })
	}
}

// NextEnvironment selects the next environment in the picker (after the
// last comes "no environment").
func (v *View) NextEnvironment() {
	opts := v.envSelect.Options
	if len(opts) == 0 {
		return
	}
	next := 0
	for i, o := range opts {
		if o == v.envSelect.Selected {
			next = (i + 1) % len(opts)
		}
	}
	v.envSelect.SetSelected(opts[next])
	v.setStatus("Environment: "+opts[next], 0)
}
