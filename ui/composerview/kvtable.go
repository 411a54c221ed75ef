package composerview

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app/composer"
)

// kvTable edits rows of key, value and a check (enabled, or secret when
// masking). Values are short (parameters, headers, fields): entries are
// fine here.
type kvTable struct {
	box       *fyne.Container
	rows      []*kvRow
	mask      bool // the check masks the value (environment secrets)
	checkText string
	keyHint   string
	valueHint string
	onChanged func()
	setting   bool
	root      fyne.CanvasObject
	view      *View  // its cells pass the composer's shortcuts on
	onEscape  func() // in a dialog: Escape in a cell closes it
}

type kvRow struct {
	check      *widget.Check
	key, value *sendEntry
	remove     *widget.Button
	obj        fyne.CanvasObject
}

func (v *View) newKVTable(checkText, keyHint, valueHint string, mask bool, onChanged func()) *kvTable {
	t := &kvTable{box: container.NewVBox(), mask: mask, checkText: checkText, keyHint: keyHint, valueHint: valueHint, onChanged: onChanged, view: v}
	add := widget.NewButtonWithIcon("Add", theme.ContentAddIcon(), func() {
		t.addRow(composer.KV{Enabled: !t.mask})
	})
	t.root = container.NewBorder(nil, container.NewHBox(add), nil, nil, container.NewVScroll(t.box))
	return t
}

func (t *kvTable) changed() {
	if !t.setting && t.onChanged != nil {
		t.onChanged()
	}
}

func (t *kvTable) addRow(kv composer.KV) *kvRow {
	r := &kvRow{key: t.view.newField(), value: t.view.newField()}
	r.key.onEscape, r.value.onEscape = t.onEscape, t.onEscape
	r.key.SetPlaceHolder(t.keyHint)
	r.value.SetPlaceHolder(t.valueHint)
	r.key.SetText(kv.Key)
	r.value.SetText(kv.Value)
	r.value.Password = t.mask && kv.Enabled
	r.check = widget.NewCheck(t.checkText, func(on bool) {
		if t.mask {
			r.value.Password = on
			r.value.Refresh()
		}
		t.changed()
	})
	r.check.SetChecked(kv.Enabled)
	r.key.OnChanged = func(string) { t.changed() }
	r.value.OnChanged = func(string) { t.changed() }
	r.remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { t.removeRow(r) })
	r.obj = container.NewBorder(nil, nil, r.check, r.remove, container.NewGridWithColumns(2, r.key, r.value))
	t.rows = append(t.rows, r)
	t.box.Add(r.obj)
	t.changed()
	return r
}

func (t *kvTable) removeRow(r *kvRow) {
	for i, x := range t.rows {
		if x == r {
			t.rows = append(t.rows[:i:i], t.rows[i+1:]...)
			break
		}
	}
	t.box.Remove(r.obj)
	t.changed()
}

// Rows returns the table's content; rows with neither key nor value are
// left out.
func (t *kvTable) Rows() []composer.KV {
	var out []composer.KV
	for _, r := range t.rows {
		if r.key.Text == "" && r.value.Text == "" {
			continue
		}
		out = append(out, composer.KV{Key: r.key.Text, Value: r.value.Text, Enabled: r.check.Checked})
	}
	return out
}

// SetRows replaces the content without calling onChanged.
func (t *kvTable) SetRows(rows []composer.KV) {
	t.setting = true
	defer func() { t.setting = false }()
	t.rows = nil
	t.box.RemoveAll()
	for _, kv := range rows {
		t.addRow(kv)
	}
	t.box.Refresh()
}
