package bodyview

import (
	"strings"
	"testing"

	"dev.hookscope/bodyfmt"
)

// TestHighlightMarksThePointer: a violation's pointer marks its value on
// screen in the current-match colours, from the hex view too (switched
// to pretty), and in a 5 MB body formatted in the background.
func TestHighlightMarksThePointer(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody([]byte(`{"data":{"object":{"amount":"1200","currency":"usd"}}}`), "application/json")
	if err := h.v.Highlight("/data/object/amount"); err != nil {
		t.Fatal(err)
	}
	if got := h.v.Highlighted(); got != `"1200"` {
		t.Fatalf("highlighted %q", got)
	}
	if rows, cur := markedRows(h); len(rows) != 1 || cur != `"1200"` || !strings.Contains(rows[0], `"amount": "1200"`) {
		t.Errorf("marked rows %q current %q", rows, cur)
	}
	if err := h.v.Highlight("/data/nope"); err == nil || !strings.Contains(err.Error(), "/data/nope") {
		t.Errorf("a missing pointer: %v", err)
	}

	h.tapMode(bodyfmt.ModeHex)
	if err := h.v.Highlight("/data/object/currency"); err != nil {
		t.Fatal(err)
	}
	if h.v.Mode() != bodyfmt.ModePretty || h.v.Highlighted() != `"usd"` {
		t.Errorf("from hex: mode %s, highlighted %q", h.v.Mode(), h.v.Highlighted())
	}

	h.v.SetBody([]byte(`{"other":1}`), "application/json")
	if got := h.v.Highlighted(); got != "" {
		t.Errorf("a new body kept the mark %q", got)
	}
	if err := h.v.Highlight("/x"); err == nil {
		t.Error("a pointer into a body without it was marked")
	}
	h.v.SetBody([]byte("plain words"), "text/plain")
	if err := h.v.Highlight("/x"); err == nil {
		t.Error("text that is not JSON was marked")
	}

	h.v.SetBody(bigJSON(5<<20), "application/json")
	if err := h.v.Highlight("/4242/id"); err != nil {
		t.Fatal(err)
	}
	h.wait()
	if got := h.v.Highlighted(); got != "4242" {
		t.Errorf("5 MB body: highlighted %q", got)
	}
	if _, cur := markedRows(h); cur != "4242" {
		t.Errorf("5 MB body: the mark is not on screen (%q)", cur)
	}
}
