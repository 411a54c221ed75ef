package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"dev.hookscope/app"
)

// deleteActions are the toolbar's Delete (the selected request) and Clear
// all, each confirmed first; changed runs after the store lost something.
type deleteActions struct {
	window   fyne.Window
	core     app.Source
	requests *RequestList
	changed  func()
}

func (d *deleteActions) confirmDelete() {
	id := d.requests.SelectedID()
	if id == 0 {
		return
	}
	dialog.ShowConfirm("Delete request", fmt.Sprintf("Delete request #%d? This cannot be undone.", id), func(ok bool) {
		if ok {
			d.deleteSelected()
		}
	}, d.window)
}

func (d *deleteActions) deleteSelected() {
	id := d.requests.SelectedID()
	if id == 0 {
		return
	}
	row := d.requests.selectedIndex()
	if err := d.core.Delete(id); err != nil {
		dialog.ShowError(err, d.window)
		return
	}
	d.requests.Reload() // the deleted request is unselected here
	// The next (older) request takes the deleted one's row.
	if n := d.requests.Count(); n > 0 {
		d.requests.Select(d.requests.idAt(min(row, n-1)))
	}
	d.changed()
}

func (d *deleteActions) confirmClear() {
	n, err := d.core.Count()
	if err != nil {
		dialog.ShowError(err, d.window)
		return
	}
	if n == 0 {
		return
	}
	dialog.ShowConfirm("Clear all", fmt.Sprintf("Delete all %d requests? This cannot be undone.", n), func(ok bool) {
		if ok {
			d.clearAll()
		}
	}, d.window)
}

func (d *deleteActions) clearAll() {
	if err := d.core.Clear(); err != nil {
		dialog.ShowError(err, d.window)
		return
	}
	d.requests.Unselect()
	d.requests.Reload()
	d.changed()
}
