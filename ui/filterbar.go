package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/ui/uithread"
)

// filterDelay lets a typist finish a word before the search starts.
const filterDelay = 150 * time.Millisecond

// filterBar narrows the request list as the user types.
type filterBar struct {
	list     *RequestList
	entry    *widget.Entry
	status   *widget.Label
	cancel   *widget.Button
	root     fyne.CanvasObject
	timer    *time.Timer
	stop     context.CancelFunc
	gen      int
	onChange func()
}

func newFilterBar(list *RequestList, onChange func()) *filterBar {
	b := &filterBar{list: list, onChange: onChange}
	b.entry = widget.NewEntry()
	b.entry.SetPlaceHolder(`Filter, e.g. POST /hooks/* body:evt_1 json:'type == "invoice.paid"'`)
	b.entry.OnChanged = func(string) { b.schedule() }
	b.status = widget.NewLabel("")
	b.status.Importance = widget.LowImportance
	b.cancel = widget.NewButtonWithIcon("", theme.CancelIcon(), b.cancelSearch)
	b.cancel.Hide()
	b.root = container.NewBorder(nil, nil, nil, container.NewHBox(b.status, b.cancel), b.entry)
	return b
}

func (b *filterBar) schedule() {
	if b.timer != nil {
		b.timer.Stop()
	}
	b.timer = time.AfterFunc(filterDelay, func() { uithread.Do(b.apply) })
}

// apply parses the text and searches off the UI goroutine; a newer search
// supersedes an older one still running.
func (b *filterBar) apply() {
	b.cancelSearch()
	f, err := app.ParseFilterQuery(b.entry.Text)
	if err != nil {
		b.status.SetText(err.Error())
		return
	}
	b.gen++
	gen := b.gen
	if f.Empty() {
		b.list.setFilter(nil, nil)
		b.status.SetText("")
		b.onChange()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.stop = cancel
	if f.NeedsRecord() {
		b.cancel.Show()
		b.status.SetText("searching bodies…")
	}
	core := b.list.core
	go func() {
		ids, err := core.FilterIDs(ctx, f, func(done, total int) {
			if f.NeedsRecord() && total > 0 {
				uithread.Do(func() {
					if gen == b.gen {
						b.status.SetText(fmt.Sprintf("searching… %d%%", done*100/total))
					}
				})
			}
		})
		uithread.Do(func() { b.finished(gen, &f, ids, err) })
	}()
}

func (b *filterBar) finished(gen int, f *app.Filter, ids []uint64, err error) {
	if gen != b.gen {
		return
	}
	b.cancel.Hide()
	b.stop = nil
	if err != nil {
		b.status.SetText("search stopped")
		return
	}
	b.list.setFilter(f, ids)
	b.status.SetText(fmt.Sprintf("%d match", len(ids)))
	b.onChange()
}

func (b *filterBar) cancelSearch() {
	if b.stop != nil {
		b.stop()
		b.stop = nil
	}
}

// rerun searches again (after deletions).
func (b *filterBar) rerun() {
	if b.list.filter != nil {
		b.apply()
	}
}

// close stops a pending or running search.
func (b *filterBar) close() {
	if b.timer != nil {
		b.timer.Stop()
	}
	b.cancelSearch()
}
