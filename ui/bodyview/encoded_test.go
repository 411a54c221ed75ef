package bodyview

import (
	"bytes"
	"compress/gzip"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"dev.hookscope/bodyfmt"
)

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGzipJSONShownPretty(t *testing.T) {
	h := newHarness(t)
	sent := gzipped(t, []byte(`{"a":1,"b":[true]}`))
	h.v.SetBodyEncoded(sent, "application/json", "gzip")
	// Laid out beside the modes the first time it appears, not over them.
	if ck, m := h.v.decodeCk, h.v.modes; ck.Size().Width == 0 || ck.Position().X < m.Position().X+m.Size().Width {
		t.Errorf("toggle at %v size %v overlaps the modes at %v size %v", ck.Position(), ck.Size(), m.Position(), m.Size())
	}

	want := []string{`{`, `  "a": 1,`, `  "b": [`, `    true`, `  ]`, `}`}
	if got := h.lines(); !slices.Equal(got, want) || h.v.busy {
		t.Fatalf("lines %q busy %v, want %q", got, h.v.busy, want)
	}
	if got := visibleRowTexts(h.w); !slices.Contains(got, `  "a": 1,`) {
		t.Errorf("rendered rows %q", got)
	}
	if n := h.v.notice.Text; !strings.Contains(n, "JSON: 18 B, 6 lines · decoded gzip (") {
		t.Errorf("notice %q", n)
	}
	if !h.v.decodeCk.Visible() || !h.v.decodeCk.Checked || h.v.decodeCk.Disabled() || h.v.decodeCk.Text != "decode gzip" {
		t.Errorf("toggle visible %v checked %v disabled %v %q", h.v.decodeCk.Visible(), h.v.decodeCk.Checked, h.v.decodeCk.Disabled(), h.v.decodeCk.Text)
	}
	// Off: the bytes as sent, which only hex can show.
	test.Tap(h.v.decodeCk)
	if !h.v.AsSent() || h.v.Mode() != bodyfmt.ModeHex || !slices.Equal(h.v.modes.Options, []string{"hex"}) {
		t.Fatalf("as sent %v mode %s options %v", h.v.AsSent(), h.v.Mode(), h.v.modes.Options)
	}
	if !strings.HasPrefix(h.v.VisibleText(0), "00000000  1f 8b 08") {
		t.Errorf("hex line 0 %q", h.v.VisibleText(0))
	}
	if n := h.v.notice.Text; !strings.Contains(n, "binary: ") || !strings.Contains(n, "as sent (gzip)") {
		t.Errorf("notice %q", n)
	}

	// On again: decoded, in the mode it was left in.
	h.tapMode(bodyfmt.ModeHex)
	test.Tap(h.v.decodeCk)
	if h.v.AsSent() || h.v.Mode() != bodyfmt.ModePretty || h.v.LineCount() != len(want) {
		t.Fatalf("back: as sent %v mode %s %q", h.v.AsSent(), h.v.Mode(), h.lines())
	}
}

func TestNoEncodingHidesToggle(t *testing.T) {
	h := newHarness(t)
	h.v.SetBodyEncoded(gzipped(t, []byte("x")), "text/plain", "gzip")
	if !h.v.decodeCk.Visible() {
		t.Fatal("no toggle for a gzip body")
	}
	for _, enc := range []string{"", "identity"} {
		h.v.SetBodyEncoded([]byte("hello"), "text/plain", enc)
		if h.v.decodeCk.Visible() || h.lines()[0] != "hello" || strings.Contains(h.v.notice.Text, "decoded") {
			t.Errorf("%q: toggle shown or body changed: %q %q", enc, h.lines(), h.v.notice.Text)
		}
	}
	h.v.SetBody([]byte("plain"), "text/plain")
	if h.v.decodeCk.Visible() {
		t.Error("SetBody left the toggle up")
	}
	h.v.SetAsSent(true) // no encoding: ignored
	if h.v.AsSent() {
		t.Error("SetAsSent accepted a body without an encoding")
	}
}

// TestCorruptEncodingShowsBytesAsSent: a sender that labels a plain JSON
// body gzip gets its JSON shown, with the reason.
func TestCorruptEncodingShowsBytesAsSent(t *testing.T) {
	h := newHarness(t)
	h.v.SetBodyEncoded([]byte(`{"a":1}`), "application/json", "gzip")
	if got := h.lines(); !slices.Equal(got, []string{"{", `  "a": 1`, "}"}) {
		t.Fatalf("lines %q", got)
	}
	if n := h.v.notice.Text; !strings.Contains(n, "cannot decode gzip: invalid header: showing the bytes as sent") {
		t.Errorf("notice %q", n)
	}
	if h.v.decodeCk.Checked || !h.v.decodeCk.Disabled() {
		t.Error("the toggle should be off and disabled: there is nothing decoded")
	}
	test.Tap(h.v.decodeCk)
	if h.v.decodeCk.Checked || h.v.AsSent() {
		t.Error("tapping a disabled toggle changed the view")
	}

	h.v.SetBodyEncoded([]byte("\x00\x01 zstd frame"), "application/json", "zstd")
	if n := h.v.notice.Text; !strings.Contains(n, "Content-Encoding zstd is not decoded here") || h.v.Mode() != bodyfmt.ModeHex {
		t.Errorf("unsupported: notice %q mode %s", n, h.v.Mode())
	}
}

// TestLargeGzipDecodesInBackground: output past asyncThreshold is decoded
// off the Fyne goroutine, then pretty-printed like the plain body.
func TestLargeGzipDecodesInBackground(t *testing.T) {
	h := newHarness(t)
	plain := bigJSON(1 << 20)
	h.v.SetBodyEncoded(gzipped(t, plain), "application/json", "gzip")
	if !h.v.busy || !strings.Contains(h.v.notice.Text, "decoding gzip…") || !h.v.decodeCk.Disabled() {
		t.Fatalf("busy %v notice %q toggle disabled %v", h.v.busy, h.v.notice.Text, h.v.decodeCk.Disabled())
	}
	h.wait()
	want, err := bodyfmt.Format(plain, bodyfmt.JSON, bodyfmt.ModePretty, h.v.cols)
	if err != nil {
		t.Fatal(err)
	}
	if h.v.LineCount() != want.Len() || h.v.VisibleText(0) != "[" || h.v.VisibleText(1) != "  {" {
		t.Fatalf("%d lines (want %d), %q %q", h.v.LineCount(), want.Len(), h.v.VisibleText(0), h.v.VisibleText(1))
	}
	if n := h.v.notice.Text; !strings.Contains(n, "decoded gzip (") || h.v.decodeCk.Disabled() {
		t.Errorf("notice %q", n)
	}
}

// TestGzipBombCappedInView: the view decodes at most decodeLimit bytes and
// says the body goes on.
func TestGzipBombCappedInView(t *testing.T) {
	h := newHarness(t)
	h.v.decodeLimit = 1 << 20
	bomb := gzipped(t, make([]byte, 8<<20))
	h.v.SetBodyEncoded(bomb, "application/octet-stream", "gzip")
	h.wait()
	if h.v.Mode() != bodyfmt.ModeHex || h.v.LineCount() != (1<<20)/16 {
		t.Fatalf("mode %s, %d hex lines for 1 MiB", h.v.Mode(), h.v.LineCount())
	}
	if n := h.v.notice.Text; !strings.Contains(n, "decoded gzip: showing the first 1.0 MiB (the body expands further)") {
		t.Errorf("notice %q", n)
	}
}

func TestNewerBodySupersedesDecoding(t *testing.T) {
	h := newHarness(t)
	h.v.SetBodyEncoded(gzipped(t, bigJSON(1<<20)), "application/json", "gzip")
	h.v.SetAsSent(true) // busy: ignored
	if h.v.AsSent() {
		t.Error("SetAsSent accepted while decoding")
	}
	h.v.SetBody([]byte("small"), "text/plain")
	if got := h.lines(); !slices.Equal(got, []string{"small"}) || h.v.busy || h.v.decodeCk.Visible() {
		t.Fatalf("lines %q busy %v toggle %v", got, h.v.busy, h.v.decodeCk.Visible())
	}
	// Give the stale decode time to finish; anything it posts is run and
	// must change nothing (it usually notices first and posts nothing).
	select {
	case f := <-h.queue:
		f()
	case <-time.After(2 * time.Second):
	}
	if got := h.lines(); !slices.Equal(got, []string{"small"}) {
		t.Fatalf("stale decode landed: %q", got[:min(3, len(got))])
	}
}
