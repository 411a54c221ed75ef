package bodyview

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"dev.hookscope/bodyfmt"
)

// harness holds a view whose background results are queued for the test
// goroutine, so tests decide when they land and never race the widget.
type harness struct {
	t     testing.TB
	v     *View
	w     fyne.Window
	queue chan func()
}

func newHarness(t testing.TB) *harness {
	test.NewTempApp(t)
	h := &harness{t: t, v: New(), queue: make(chan func(), 16)}
	h.v.post = func(f func()) { h.queue <- f }
	h.w = test.NewTempWindow(t, h.v)
	h.w.Resize(fyne.NewSize(1200, 800))
	return h
}

// wait runs posted results until the view is no longer formatting or
// finding.
func (h *harness) wait() {
	h.t.Helper()
	for h.v.busy || h.v.find.pending {
		select {
		case f := <-h.queue:
			f()
		case <-time.After(60 * time.Second):
			h.t.Fatal("formatting did not finish")
		}
	}
}

func (h *harness) lines() []string {
	out := make([]string, h.v.LineCount())
	for i := range out {
		out[i] = h.v.VisibleText(i)
	}
	return out
}

// tapMode taps the radio option for m, the way a user would.
func (h *harness) tapMode(m bodyfmt.Mode) {
	h.t.Helper()
	i := slices.Index(h.v.modes.Options, string(m))
	if i < 0 {
		h.t.Fatalf("mode %s not offered; options %v", m, h.v.modes.Options)
	}
	test.Tap(test.WidgetRenderer(h.v.modes).Objects()[i].(fyne.Tappable))
}

func TestSetBodyJSONPretty(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody([]byte(`{"a":1,"b":[true]}`), "application/json")
	want := []string{`{`, `  "a": 1,`, `  "b": [`, `    true`, `  ]`, `}`}
	if got := h.lines(); !slices.Equal(got, want) {
		t.Fatalf("lines %q, want %q", got, want)
	}
	if h.v.Mode() != bodyfmt.ModePretty {
		t.Errorf("mode %s", h.v.Mode())
	}
	if !slices.Equal(h.v.modes.Options, []string{"pretty", "raw", "hex"}) {
		t.Errorf("options %v", h.v.modes.Options)
	}
	if n := h.v.notice.Text; !strings.Contains(n, "JSON: 18 B, 6 lines") {
		t.Errorf("notice %q", n)
	}
	if h.v.VisibleText(99) != "" || h.v.VisibleText(-1) != "" {
		t.Error("out of range lines should be empty")
	}
}

func TestTapSwitchesMode(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody([]byte(`{"a":1}`), "application/json")
	h.tapMode(bodyfmt.ModeHex)
	if h.v.Mode() != bodyfmt.ModeHex {
		t.Fatalf("mode %s after tapping hex", h.v.Mode())
	}
	want := []string{"00000000  7b 22 61 22 3a 31 7d                              |{\"a\":1}|"}
	if got := h.lines(); !slices.Equal(got, want) {
		t.Fatalf("hex lines %q", got)
	}
	h.tapMode(bodyfmt.ModeRaw)
	if got := h.lines(); !slices.Equal(got, []string{`{"a":1}`}) {
		t.Fatalf("raw lines %q", got)
	}
	h.tapMode(bodyfmt.ModePretty)
	if h.v.LineCount() != 3 {
		t.Fatalf("pretty again: %q", h.lines())
	}
}

func TestBinaryOffersOnlyHex(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody([]byte("\x00\x01\x02binary\xff"), "")
	if !slices.Equal(h.v.modes.Options, []string{"hex"}) || h.v.Mode() != bodyfmt.ModeHex {
		t.Fatalf("options %v mode %s", h.v.modes.Options, h.v.Mode())
	}
	if !strings.HasPrefix(h.v.notice.Text, "binary: 10 B") {
		t.Errorf("notice %q", h.v.notice.Text)
	}
	h.v.SetMode(bodyfmt.ModeRaw) // not offered: ignored
	if h.v.Mode() != bodyfmt.ModeHex {
		t.Error("SetMode accepted a mode the kind does not offer")
	}
}

func TestInvalidJSONShowsNotice(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody([]byte(`{"a": tru`), "application/json")
	if got := h.lines(); !slices.Equal(got, []string{`{"a": tru`}) {
		t.Fatalf("lines %q", got)
	}
	if !strings.Contains(h.v.notice.Text, "not valid JSON") {
		t.Errorf("notice %q", h.v.notice.Text)
	}
}

func TestEmptyBodyAndNote(t *testing.T) {
	h := newHarness(t)
	h.v.SetNote("truncated at capture")
	h.v.SetBody(nil, "application/json")
	if h.v.LineCount() != 0 || h.v.notice.Text != "truncated at capture · empty body" {
		t.Errorf("lines %d notice %q", h.v.LineCount(), h.v.notice.Text)
	}
	if !h.v.copyBtn.Disabled() {
		t.Error("copy should be disabled with nothing to copy")
	}
}

func TestFormOrder(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody([]byte("z=1&a=two+words"), "application/x-www-form-urlencoded")
	if got := h.lines(); !slices.Equal(got, []string{"z = 1", "a = two words"}) {
		t.Fatalf("lines %q", got)
	}
}

func TestLargeJSONFormatsInBackground(t *testing.T) {
	h := newHarness(t)
	body := bigJSON(5 << 20)
	h.v.SetBody(body, "application/json")
	if !h.v.busy || h.v.LineCount() != 0 || !strings.Contains(h.v.notice.Text, "formatting") {
		t.Fatalf("busy %v lines %d notice %q", h.v.busy, h.v.LineCount(), h.v.notice.Text)
	}
	h.wait()
	want, err := bodyfmt.Format(body, bodyfmt.JSON, bodyfmt.ModePretty, h.v.cols)
	if err != nil {
		t.Fatal(err)
	}
	if h.v.LineCount() != want.Len() || h.v.LineCount() < 100000 {
		t.Fatalf("LineCount %d, want %d", h.v.LineCount(), want.Len())
	}
	if h.v.VisibleText(0) != "[" || h.v.VisibleText(1) != "  {" {
		t.Errorf("first lines %q %q", h.v.VisibleText(0), h.v.VisibleText(1))
	}
	if got := visibleRowTexts(h.w); !slices.Contains(got, "[") {
		t.Errorf("rendered rows %q do not show the first line", got)
	}
}

func TestNewerBodySupersedesInFlight(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody(bigJSON(1<<20), "application/json")
	h.v.SetBody(bytes.Repeat([]byte("line\n"), 100000), "text/plain")
	h.wait() // runs whatever the first job posts too; it must be dropped
	if h.v.LineCount() != 100000 || h.v.VisibleText(0) != "line" || h.v.Mode() != bodyfmt.ModeRaw {
		t.Fatalf("lines %d, line 0 %q, mode %s", h.v.LineCount(), h.v.VisibleText(0), h.v.Mode())
	}

	h.v.SetBody(bigJSON(1<<20), "application/json")
	h.v.SetBody([]byte("small"), "text/plain") // small bodies show at once
	if got := h.lines(); !slices.Equal(got, []string{"small"}) || h.v.busy {
		t.Fatalf("lines %q busy %v", got, h.v.busy)
	}
}

func TestLargeModeSwitchInBackground(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody(bigJSON(1<<20), "application/json")
	h.wait()
	h.tapMode(bodyfmt.ModeHex)
	if !h.v.busy || !h.v.modes.Disabled() {
		t.Fatal("hex of 1 MiB should format in the background with the selector disabled")
	}
	h.wait()
	if !strings.HasPrefix(h.v.VisibleText(0), "00000000  5b 7b") {
		t.Fatalf("hex line 0 %q", h.v.VisibleText(0))
	}
	h.tapMode(bodyfmt.ModePretty) // cached: immediate
	if h.v.busy || h.v.VisibleText(0) != "[" {
		t.Fatalf("busy %v line 0 %q", h.v.busy, h.v.VisibleText(0))
	}
}

func TestWrapFollowsWidth(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("abcdefghij", 60)
	h.v.SetBody([]byte(long), "text/plain")
	wide := h.v.LineCount()
	h.w.Resize(fyne.NewSize(300, 400))
	narrow := h.v.LineCount()
	if narrow <= wide {
		t.Fatalf("narrowing the window did not rewrap: %d -> %d lines", wide, narrow)
	}
	var joined strings.Builder
	for _, l := range h.lines() {
		if utf8.RuneCountInString(l) > h.v.cols {
			t.Fatalf("line of %d runes exceeds %d cols", utf8.RuneCountInString(l), h.v.cols)
		}
		joined.WriteString(l)
	}
	if joined.String() != long {
		t.Error("wrapped lines lost text")
	}
	if width := float32(h.v.cols+1) * h.v.metrics.charW; width > 300 {
		t.Errorf("%d cols (%.0f px) do not fit 300 px", h.v.cols, width)
	}
}

// TestCopy: Copy gives the body as received; "Copy pretty" the text
// shown; Ctrl+C in the body is Copy.
func TestCopy(t *testing.T) {
	h := newHarness(t)
	clipboard := fyne.CurrentApp().Clipboard()
	h.v.SetBody([]byte(`{"a":1}`), "application/json")
	if !h.v.copyPretty.Visible() || h.v.copyPretty.Text != "Copy pretty" {
		t.Fatalf("copy pretty visible %v text %q", h.v.copyPretty.Visible(), h.v.copyPretty.Text)
	}
	test.Tap(h.v.copyBtn)
	if got := clipboard.Content(); got != `{"a":1}` {
		t.Errorf("Copy gave %q, want the bytes as received", got)
	}
	test.Tap(h.v.copyPretty)
	if got := clipboard.Content(); got != "{\n  \"a\": 1\n}" {
		t.Errorf("Copy pretty gave %q", got)
	}
	clipboard.SetContent("")
	h.w.Canvas().Focus(h.v.list)
	h.w.Canvas().Focused().(fyne.Shortcutable).TypedShortcut(&fyne.ShortcutCopy{Clipboard: clipboard})
	if got := clipboard.Content(); got != `{"a":1}` {
		t.Errorf("Ctrl+C in the body gave %q", got)
	}

	// Raw: the text shown is the body, so there is no second button.
	h.tapMode(bodyfmt.ModeRaw)
	if h.v.copyPretty.Visible() {
		t.Error("Copy pretty offered in raw mode")
	}
	// Hex: "Copy hex" gives the dump.
	h.tapMode(bodyfmt.ModeHex)
	test.Tap(h.v.copyPretty)
	if h.v.copyPretty.Text != "Copy hex" || !strings.HasPrefix(clipboard.Content(), "00000000  7b 22") {
		t.Errorf("%q gave %q", h.v.copyPretty.Text, clipboard.Content())
	}
}

// TestCopyDecoded: an encoded body shown decoded copies the decoded bytes;
// as sent (gzip, not text) only its hex dump can be copied.
func TestCopyDecoded(t *testing.T) {
	h := newHarness(t)
	h.v.SetBodyEncoded(gzipped(t, []byte(`{"ok":true}`)), "application/json", "gzip")
	h.wait()
	test.Tap(h.v.copyBtn)
	if got := fyne.CurrentApp().Clipboard().Content(); got != `{"ok":true}` {
		t.Errorf("clipboard %q", got)
	}
	h.v.SetAsSent(true)
	h.wait()
	if !h.v.copyBtn.Disabled() || !h.v.copyPretty.Visible() || h.v.copyPretty.Text != "Copy hex" {
		t.Errorf("gzip as sent: copy disabled %v, second button %q visible %v", h.v.copyBtn.Disabled(), h.v.copyPretty.Text, h.v.copyPretty.Visible())
	}
}

func TestClip(t *testing.T) {
	text, cut := clip([]byte("aaa\nbbb\nccc"), 9)
	if string(text) != "aaa\nbbb\n" || !cut {
		t.Errorf("clip = %q %v", text, cut)
	}
	if text, cut := clip([]byte("ab"), 9); string(text) != "ab" || cut {
		t.Errorf("clip short = %q %v", text, cut)
	}
}

func TestJSONHighlighting(t *testing.T) {
	l, _ := bodyfmt.Format([]byte(`{"key":"`+strings.Repeat("s", 30)+`","n":-1}`), bodyfmt.JSON, bodyfmt.ModePretty, 20)
	segs := jsonSegments(l, 1) // `  "key": "sssssssss` (first piece)
	want := []segment{
		{"  ", theme.ColorNameForeground, markNone},
		{`"key"`, theme.ColorNamePrimary, markNone},
		{":", theme.ColorNamePlaceHolder, markNone},
		{" ", theme.ColorNameForeground, markNone},
		{`"` + strings.Repeat("s", 10), theme.ColorNameSuccess, markNone},
	}
	if !slices.Equal(segs, want) {
		t.Errorf("row 1 = %q", segs)
	}
	// The continuation starts inside the string, and must stay a string.
	if segs := jsonSegments(l, 2); segs[0].color != theme.ColorNameSuccess {
		t.Errorf("continuation row = %q", segs)
	}
}

func TestDisplayText(t *testing.T) {
	if got := displayText("a\tb\x01c"); got != "a    b·c" {
		t.Errorf("displayText = %q", got)
	}
}

func TestSegmentCap(t *testing.T) {
	var segs []segment
	for i := range 200 {
		c := theme.ColorNamePrimary
		if i%2 == 1 {
			c = theme.ColorNameSuccess
		}
		segs = appendSegment(segs, segment{text: "x", color: c})
	}
	if len(segs) != maxSegments || strings.Count(segs[len(segs)-1].text, "x") != 200-maxSegments+1 {
		t.Errorf("%d segments, last %q", len(segs), segs[len(segs)-1].text)
	}
}

// visibleRowTexts returns the first text of each rendered row, showing
// that list rows were really updated, not only the line index.
func visibleRowTexts(w fyne.Window) []string {
	var out []string
	for _, o := range test.LaidOutObjects(w.Content()) {
		if r, ok := o.(*row); ok && len(r.objects) > 0 && r.Visible() {
			var b strings.Builder
			for _, t := range r.texts[:len(r.objects)] {
				b.WriteString(t.Text)
			}
			out = append(out, b.String())
		}
	}
	return out
}

// bigJSON is a one-line array of webhook-like objects of at least n bytes.
func bigJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"event":"order.updated","ok":true,"amount":%d.5,"tags":["a","b"],"customer":{"name":"C %d","email":null}}`, i, i%1000, i)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// BenchmarkSetBody5MBJSON measures from SetBody until the first screen of
// rows has been updated: classify, pretty print, index, install, draw rows.
func BenchmarkSetBody5MBJSON(b *testing.B) {
	h := newHarness(b)
	body := bigJSON(5 << 20)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		h.v.SetBody(body, "application/json")
		h.wait()
		if h.v.LineCount() == 0 {
			b.Fatal("no lines")
		}
	}
}

// BenchmarkScrollPage5MBJSON measures showing another screenful of a large
// highlighted body: what the list does per scroll step.
func BenchmarkScrollPage5MBJSON(b *testing.B) {
	h := newHarness(b)
	h.v.SetBody(bigJSON(5<<20), "application/json")
	h.wait()
	for i := 0; b.Loop(); i++ {
		h.v.list.ScrollTo((i * 997) % h.v.LineCount())
	}
}
