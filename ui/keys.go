package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// shortcut is one keyboard shortcut with its help text.
type shortcut struct {
	key  fyne.KeyName
	mod  fyne.KeyModifier
	help string
	run  func()
}

// keyboard is the window's shortcuts (MainView lists them): bound on its
// canvas, run from the filter field too, shown by Ctrl+/; and Escape,
// which closes the dialog on top.
type keyboard struct {
	window    fyne.Window
	shortcuts []shortcut
}

// install binds every shortcut, and Escape, on the window's canvas.
func (kb *keyboard) install() {
	for _, s := range kb.shortcuts {
		run := s.run
		kb.window.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: s.key, Modifier: s.mod}, func(fyne.Shortcut) { run() })
	}
	kb.installEscape()
}

func shortcutLabel(s shortcut) string {
	mod := "Ctrl+"
	if s.mod&fyne.KeyModifierShift != 0 {
		mod += "Shift+"
	}
	return mod + string(s.key)
}

func (kb *keyboard) showHelp() {
	form := widget.NewForm()
	for _, s := range kb.shortcuts {
		form.Append(shortcutLabel(s), widget.NewLabel(s.help))
	}
	// The whole table at once: in a scroll area the dialog sized it to
	// one row.
	dialog.ShowCustom("Keyboard shortcuts", "Close", form, kb.window)
}

// filterEntry is the filter field. A plain Entry keeps every shortcut it
// is given, so the window's (Ctrl+Up/Down to move through the list, Ctrl+R,
// Ctrl+E …) did nothing while the filter had the focus, which is where a
// user's hands are after typing a filter.
type filterEntry struct {
	widget.Entry
	// shortcut runs a window shortcut; false when s is not one.
	shortcut func(s fyne.Shortcut) bool
	// escape runs on Escape: it clears the filter.
	escape func()
}

func newFilterEntry() *filterEntry {
	e := &filterEntry{}
	e.ExtendBaseWidget(e)
	return e
}

func (e *filterEntry) TypedShortcut(s fyne.Shortcut) {
	if e.shortcut != nil && e.shortcut(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

func (e *filterEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.escape != nil {
		e.escape()
		return
	}
	e.Entry.TypedKey(k)
}

// run runs the window shortcut s stands for, if any.
func (kb *keyboard) run(s fyne.Shortcut) bool {
	c, ok := s.(*desktop.CustomShortcut)
	if !ok {
		return false
	}
	for _, sc := range kb.shortcuts {
		if sc.key == c.KeyName && sc.mod == c.Modifier {
			sc.run()
			return true
		}
	}
	return false
}

// dismissNames are the buttons that close a dialog without doing
// anything, in the order Escape prefers them.
var dismissNames = []string{"Cancel", "No", "Close", "OK"}

// dismissTopDialog closes the dialog on top as its Cancel (No, Close, or
// for a message, OK) button does, so its callbacks run as if tapped. It
// reports whether there was one.
func dismissTopDialog(c fyne.Canvas) bool {
	top := c.Overlays().Top()
	if top == nil {
		return false
	}
	buttons := map[string]*widget.Button{}
	visitLaid(top, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Visible() && !b.Disabled() {
			if _, seen := buttons[b.Text]; !seen {
				buttons[b.Text] = b
			}
		}
	})
	for _, name := range dismissNames {
		if b := buttons[name]; b != nil && b.OnTapped != nil {
			b.OnTapped()
			return true
		}
	}
	// A pop-up menu or a dialog without such a button.
	top.Hide()
	return true
}

// visitLaid visits obj and what it lays out: containers' objects and a
// pop-up's content, which is where a dialog keeps its buttons. It does not
// look inside widgets' renderers (private to Fyne outside tests).
func visitLaid(obj fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(obj)
	switch o := obj.(type) {
	case *fyne.Container:
		for _, c := range o.Objects {
			visitLaid(c, fn)
		}
	case *widget.PopUp:
		visitLaid(o.Content, fn)
	}
}

// installEscape makes Escape close the dialog on top while no field has
// the focus (a focused field gets the key itself).
func (kb *keyboard) installEscape() {
	c := kb.window.Canvas()
	prev := c.OnTypedKey()
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape && dismissTopDialog(c) {
			return
		}
		if prev != nil {
			prev(k)
		}
	})
}
