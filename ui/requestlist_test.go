package ui

import (
	"image/color"
	"strings"
	"testing"

	"dev.hookscope/ui/uithread"
)

// rows reads the IDs the list shows, top to bottom.
func (h *harness) rows() []uint64 {
	return onUI(func() []uint64 {
		var out []uint64
		for i := range h.view.requests.Count() {
			out = append(out, h.view.requests.idAt(i))
		}
		return out
	})
}

// rowText is what row i shows, its texts joined by " | ": method, path,
// second line, status and signature mark (when shown).
func (h *harness) rowText(i int) string {
	return onUI(func() string {
		row := newRequestRow().(*requestRow)
		h.view.requests.updateRow(i, row)
		parts := []string{row.method.Text, row.path.Text, row.meta.Text, row.status.Text}
		if row.signature.Visible() {
			parts = append(parts, row.signature.Text)
		}
		return strings.Join(parts, " | ")
	})
}

// rowHighlighted reports whether row i is drawn as the selection.
func (h *harness) rowHighlighted(i int) bool {
	return onUI(func() bool {
		row := newRequestRow().(*requestRow)
		h.view.requests.updateRow(i, row)
		return row.highlight.FillColor != color.Transparent
	})
}

func same(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestListWithAndWithoutHolesInTheIDs: rows are newest-i while IDs run
// without holes, and the list falls back to reading IDs when a delete
// leaves one, including when the newest is deleted and the next capture
// skips its ID.
func TestListWithAndWithoutHolesInTheIDs(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	for range 4 {
		h.post("POST", "/x", "text/plain", "x", nil)
	}
	h.waitForCount(4)
	if !onUI(func() bool { return h.view.requests.dense }) || !same(h.rows(), []uint64{4, 3, 2, 1}) {
		t.Fatalf("dense rows %v", h.rows())
	}
	h.core.Delete(4) // the newest: the next ID (5) leaves a hole
	h.waitForCount(3)
	h.post("POST", "/x", "text/plain", "x", nil)
	h.waitForCount(4)
	if got := h.rows(); !same(got, []uint64{5, 3, 2, 1}) {
		t.Fatalf("after a hole at the top: %v", got)
	}
	h.core.Delete(2)
	h.waitForCount(3)
	if got := h.rows(); !same(got, []uint64{5, 3, 1}) {
		t.Fatalf("after a hole in the middle: %v", got)
	}
	uithread.DoAndWait(func() { h.view.requests.Select(3) })
	if i := onUI(h.view.requests.selectedIndex); i != 1 {
		t.Fatalf("#3 is at row %d", i)
	}
	h.core.Delete(1, 3, 5)
	h.waitForCount(0)
	h.post("POST", "/x", "text/plain", "x", nil)
	h.waitForCount(1)
	if got := h.rows(); !same(got, []uint64{6}) || !onUI(func() bool { return h.view.requests.dense }) {
		t.Fatalf("after emptying: %v", got)
	}
}
