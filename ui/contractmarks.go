package ui

import (
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/contract"
	"dev.hookscope/ui/uithread"
	"dev.hookscope/ui/verdictview"
)

// maxMarksKept bounds the verdict marks remembered while scrolling a big
// store; past it they are read again as rows come back on screen.
const maxMarksKept = 4096

// contractMark is a row's contract verdict mark; text "" when the request
// was never checked.
type contractMark struct {
	text       string
	importance widget.Importance
}

// contractMarks reads the verdicts of the rows on screen off the Fyne
// goroutine (a remote store answers over the network) and keeps them
// until a verdict changes, so scrolling reads each once.
type contractMarks struct {
	read   func(id uint64) (*contract.Verdict, error)
	redraw func()
	known  map[uint64]contractMark
	asked  map[uint64]bool
	gen    uint64 // bumped by forget; older answers are dropped
}

func newContractMarks(read func(uint64) (*contract.Verdict, error), redraw func()) *contractMarks {
	return &contractMarks{read: read, redraw: redraw, known: map[uint64]contractMark{}, asked: map[uint64]bool{}}
}

// mark is id's mark when known; otherwise it is asked for and the rows
// are redrawn when it arrives. Call on the Fyne goroutine.
func (m *contractMarks) mark(id uint64) contractMark {
	if mk, ok := m.known[id]; ok {
		return mk
	}
	if !m.asked[id] {
		m.asked[id] = true
		gen := m.gen
		go func() {
			v, err := m.read(id)
			mk := contractMark{}
			if err == nil && v != nil {
				mk = contractMark{text: v.Mark(), importance: verdictview.Importance(*v)}
			}
			uithread.Do(func() { m.learn(gen, id, mk) })
		}()
	}
	return contractMark{}
}

func (m *contractMarks) learn(gen, id uint64, mk contractMark) {
	if gen != m.gen {
		return
	}
	delete(m.asked, id)
	if len(m.known) >= maxMarksKept {
		clear(m.known)
	}
	m.known[id] = mk
	if mk.text != "" {
		m.redraw() // only the rows on screen are drawn again
	}
}

// forget drops every mark: a verdict was kept or requests were deleted.
func (m *contractMarks) forget() {
	m.gen++
	clear(m.known)
	clear(m.asked)
}
