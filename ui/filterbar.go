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
	entry    *filterEntry
	status   *widget.Label // the match count, or the search's progress
	problem  *widget.Label // why the text is not a filter, under the field
	cancel   *widget.Button
	running  bool
	root     fyne.CanvasObject
	timer    *time.Timer
	stop     context.CancelFunc
	gen      int
	onChange func()
}

func newFilterBar(list *RequestList, onChange func()) *filterBar {
	b := &filterBar{list: list, onChange: onChange}
	b.entry = newFilterEntry()
	b.entry.escape = func() { b.entry.SetText("") }
	b.entry.SetPlaceHolder(`Filter, e.g. POST /hooks/* body:evt_1 json:'type == "invoice.paid"'`)
	b.entry.OnChanged = func(string) { b.schedule() }
	b.status = widget.NewLabel("")
	b.status.Importance = widget.LowImportance
	// The error goes under the field, wrapped: beside it, a long
	// sentence would squeeze the field (or widen the window).
	b.problem = widget.NewLabel("")
	b.problem.Importance = widget.DangerImportance
	b.problem.Wrapping = fyne.TextWrapWord
	b.problem.Hide()
	b.cancel = widget.NewButtonWithIcon("", theme.CancelIcon(), b.cancelSearch)
	b.cancel.Hide()
	field := container.NewBorder(nil, nil, nil, container.NewHBox(b.status, b.cancel), b.entry)
	b.root = container.NewVBox(field, b.problem)
	return b
}

func (b *filterBar) showProblem(text string) {
	b.problem.SetText(text)
	if text == "" {
		b.problem.Hide()
	} else {
		b.problem.Show()
	}
}

// showCount says how many requests the filter lets through. The list
// keeps live captures matching, so this is called on every refresh: the
// count and the rows never disagree.
func (b *filterBar) showCount() {
	if b.running || b.list.filter == nil {
		return
	}
	b.status.SetText(matchCount(b.list.Count()))
}

func matchCount(n int) string {
	if n == 1 {
		return "1 match"
	}
	return fmt.Sprintf("%d matches", n)
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
		b.showProblem(err.Error())
		return
	}
	b.showProblem("")
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
	b.running = true
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
	b.running = false
	if err != nil {
		b.status.SetText("search stopped")
		return
	}
	b.list.setFilter(f, ids)
	b.showCount()
	b.onChange()
}

func (b *filterBar) cancelSearch() {
	if b.stop != nil {
		b.stop()
		b.stop = nil
	}
}

// close stops a pending or running search.
func (b *filterBar) close() {
	if b.timer != nil {
		b.timer.Stop()
	}
	b.cancelSearch()
}
