package bodyview

import (
	"errors"
	"slices"

	"dev.hookscope/bodyfmt"
)

// Highlight marks the JSON value a pointer names (a contract violation's
// place, RFC 6901) as the find bar marks its current match, and scrolls it
// into view. A body shown as hex or parts is switched to its pretty view
// first; a body still being formatted is marked when it lands. The mark
// goes when the body changes or a search starts.
func (v *View) Highlight(pointer string) error {
	if !v.cur.kindKnown {
		v.wantPointer, v.wantHighlight = pointer, true
		return nil
	}
	if v.cur.mode != bodyfmt.ModePretty && v.cur.mode != bodyfmt.ModeRaw {
		if !slices.Contains(bodyfmt.Modes(v.cur.kind), bodyfmt.ModePretty) {
			return errors.New("the body is not JSON")
		}
		v.wantPointer, v.wantHighlight = pointer, true
		v.SetMode(bodyfmt.ModePretty)
		if v.modes != nil {
			v.modes.SetSelected(string(bodyfmt.ModePretty))
		}
		return nil
	}
	if v.busy || v.shown == nil {
		v.wantPointer, v.wantHighlight = pointer, true
		return nil
	}
	return v.markPointer(pointer)
}

// markPointer marks pointer's value in the text shown.
func (v *View) markPointer(pointer string) error {
	v.wantHighlight = false
	start, end, ok := bodyfmt.JSONValueRange(v.shown.lines.Text, pointer)
	if !ok {
		return errors.New("the body has nothing at " + pointer)
	}
	f := &v.find
	f.gen.Add(1) // a search still running must not replace the mark
	f.of, f.matches, f.n, f.cur, f.capped, f.pending = v.shown, []int32{int32(start)}, end-start, 0, false, false
	v.goToMatch()
	return nil
}

// Highlighted is the marked text, "" when nothing is marked.
func (v *View) Highlighted() string {
	f := &v.find
	if f.of == nil || f.of != v.shown || f.cur < 0 || f.cur >= len(f.matches) {
		return ""
	}
	m := int(f.matches[f.cur])
	return string(v.shown.lines.Text[m : m+f.n])
}

// applyWantedHighlight runs a Highlight that waited for its body.
func (v *View) applyWantedHighlight() {
	if v.wantHighlight && v.shown != nil && (v.cur.mode == bodyfmt.ModePretty || v.cur.mode == bodyfmt.ModeRaw) {
		_ = v.markPointer(v.wantPointer) // nothing there: no mark, as Highlight would have said
	}
}
