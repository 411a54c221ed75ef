package diffview

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/storage"
	"dev.hookscope/ui/uithread"
)

func record(id uint64, method, path, query string, header http.Header, body string) *storage.Record {
	r := &storage.Record{RawQuery: query, Host: "127.0.0.1:8080", Header: header, Body: []byte(body)}
	r.ID, r.Method, r.Path, r.ContentType = id, method, path, header.Get("Content-Type")
	r.BodySize = int64(len(body))
	return r
}

func jsonHeaders(sig string) http.Header {
	return http.Header{
		"Content-Type":   {"application/json"},
		"User-Agent":     {"Stripe/1.0"},
		"X-Event-Source": {sig},
	}
}

// show puts the view in a window, as a user would see it.
func show(t *testing.T, v *View) fyne.Window {
	t.Helper()
	w := test.NewTempWindow(t, v)
	w.Resize(fyne.NewSize(1100, 720))
	return w
}

func onUI[T any](fn func() T) T {
	var out T
	uithread.DoAndWait(func() { out = fn() })
	return out
}

func tableRows(t *fieldTable) []string {
	out := make([]string, t.Len())
	for i := range out {
		out[i] = t.row(i).text()
	}
	return out
}

func lineRows(l *lineList) []string {
	out := make([]string, l.Len())
	for i := range out {
		out[i] = l.rowText(i)
	}
	return out
}

func TestJSONDeliveriesShowExactlyTheDifferences(t *testing.T) {
	test.NewTempApp(t)
	a := record(12, "POST", "/hooks/stripe", "attempt=1", jsonHeaders("api"),
		`{"id":"evt_1","data":{"object":{"amount":2000,"currency":"usd"}},"livemode":false}`)
	b := record(15, "POST", "/hooks/stripe", "attempt=1", jsonHeaders("web"),
		`{"livemode":false,"id":"evt_1","data":{"object":{"currency":"usd","amount":2500}}}`)
	v := New(a, b)
	w := show(t, v)

	uithread.DoAndWait(func() {
		if got := v.title.Text; got != "#12 POST /hooks/stripe  ⟷  #15 POST /hooks/stripe" {
			t.Errorf("title %q", got)
		}
		if got := v.summary.Text; got != "1 header differs, 1 JSON value changed" {
			t.Errorf("summary %q", got)
		}
		if got := tableRows(v.headers); !slices.Equal(got, []string{"~ X-Event-Source | api | web"}) {
			t.Errorf("header rows %q", got)
		}
		if got := tableRows(v.changes); !slices.Equal(got, []string{"~ data.object.amount | 2000 | 2500"}) {
			t.Errorf("body rows %q", got)
		}
		if n := v.request.Len(); n != 0 {
			t.Errorf("request rows %q", tableRows(v.request))
		}
		if v.tabs.Selected() != v.tabs.Items[2] {
			t.Errorf("opened on %q, want the body", v.tabs.Selected().Text)
		}
		if got := []string{v.tabs.Items[0].Text, v.tabs.Items[1].Text, v.tabs.Items[2].Text}; !slices.Equal(got, []string{"Request line & query", "Headers (1)", "Body (1)"}) {
			t.Errorf("tabs %q", got)
		}
	})
	// The rows really render: the changed path is on the canvas.
	if !onUI(func() bool { return slices.Contains(canvasTexts(w.Content()), "~ data.object.amount") }) {
		t.Errorf("rendered texts %q", onUI(func() []string { return canvasTexts(w.Content()) }))
	}

	// Untick "Show only differences": every header and request field shows.
	uithread.DoAndWait(func() { test.Tap(v.onlyDiffs) })
	uithread.DoAndWait(func() {
		if v.onlyDiffs.Checked {
			t.Fatal("check still on")
		}
		want := []string{
			"  Content-Type | application/json | application/json",
			"  Host | 127.0.0.1:8080 | 127.0.0.1:8080",
			"  User-Agent | Stripe/1.0 | Stripe/1.0",
			"~ X-Event-Source | api | web",
		}
		if got := tableRows(v.headers); !slices.Equal(got, want) {
			t.Errorf("all header rows %q", got)
		}
		if got := tableRows(v.request); !slices.Equal(got, []string{"  Method | POST | POST", "  Path | /hooks/stripe | /hooks/stripe", "  ?attempt | 1 | 1"}) {
			t.Errorf("all request rows %q", got)
		}
		if v.headers.list.Length() != 4 {
			t.Errorf("list length %d", v.headers.list.Length())
		}
	})
	uithread.DoAndWait(func() { test.Tap(v.onlyDiffs) })
	if n := onUI(v.headers.Len); n != 1 {
		t.Errorf("%d header rows after re-ticking", n)
	}
}

func TestVolatileAndAddedRemovedHeaders(t *testing.T) {
	test.NewTempApp(t)
	a := record(1, "POST", "/h", "", http.Header{"Date": {"Mon"}, "X-Old": {"1"}, "Stripe-Signature": {"t=1"}}, "")
	b := record(2, "POST", "/h", "", http.Header{"Date": {"Tue"}, "X-New": {"2"}, "Stripe-Signature": {"t=1"}}, "")
	v := New(a, b)
	show(t, v)
	uithread.DoAndWait(func() {
		want := []string{"~ Date | Mon | Tue", "+ X-New | (absent) | 2", "- X-Old | 1 | (absent)"}
		if got := tableRows(v.headers); !slices.Equal(got, want) {
			t.Fatalf("rows %q", got)
		}
		if !v.headers.row(0).volatile || v.headers.row(1).volatile {
			t.Error("Date should be dimmed as volatile, X-New not")
		}
		// Render the rows and check the dimming and tint reach the widgets.
		r := v.headers.list.CreateItem().(*fieldRow)
		v.headers.updateRow(0, r)
		if r.name.Importance != widget.LowImportance {
			t.Errorf("volatile row importance %v", r.name.Importance)
		}
		v.headers.updateRow(1, r)
		if r.name.Importance == widget.LowImportance || r.bg.FillColor == kindColor(false, false, false) {
			t.Errorf("added row not highlighted: %v %v", r.name.Importance, r.bg.FillColor)
		}
		v.headers.showDetail(2)
		if got := v.headers.detail.Text; got != "X-Old (removed)\nA: 1\nB: (absent)" {
			t.Errorf("detail %q", got)
		}
		if v.tabs.Selected() != v.tabs.Items[1] {
			t.Errorf("opened on %q, want the headers", v.tabs.Selected().Text)
		}
	})
}

func TestTextBodyShowsChangedLines(t *testing.T) {
	test.NewTempApp(t)
	var la, lb []string
	for i := 1; i <= 40; i++ {
		la = append(la, fmt.Sprintf("line %d", i))
		lb = append(lb, fmt.Sprintf("line %d", i))
	}
	lb[19] = "line twenty"
	h := http.Header{"Content-Type": {"text/plain"}}
	v := New(record(1, "POST", "/t", "", h, strings.Join(la, "\n")), record(2, "POST", "/t", "", h, strings.Join(lb, "\n")))
	w := show(t, v)
	uithread.DoAndWait(func() {
		want := []string{
			"… 16 equal lines …",
			"17 17   line 17",
			"18 18   line 18",
			"19 19   line 19",
			"20    - line 20",
			"   20 + line twenty",
			"21 21   line 21",
			"22 22   line 22",
			"23 23   line 23",
			"… 17 equal lines …",
		}
		if got := lineRows(v.lines); !slices.Equal(got, want) {
			t.Errorf("rows\n%s", strings.Join(got, "\n"))
		}
		if v.summary.Text != "1 body line removed, 1 added" || v.tabs.Items[2].Text != "Body (+1 -1)" {
			t.Errorf("summary %q tab %q", v.summary.Text, v.tabs.Items[2].Text)
		}
	})
	texts := onUI(func() []string { return canvasTexts(w.Content()) })
	if !slices.Contains(texts, "line twenty") || !slices.Contains(texts, "… 16 equal lines …") {
		t.Errorf("rendered %q", texts)
	}

	uithread.DoAndWait(func() { test.Tap(v.onlyDiffs) })
	if n := onUI(v.lines.Len); n != 41 {
		t.Errorf("%d rows with every line shown, want 41", n)
	}
}

func TestLongLinesWrap(t *testing.T) {
	test.NewTempApp(t)
	long := strings.Repeat("0123456789", 100) // 1,000 characters
	h := http.Header{"Content-Type": {"text/plain"}}
	v := New(record(1, "POST", "/t", "", h, "a\n"+long), record(2, "POST", "/t", "", h, "b\n"+long))
	show(t, v)
	uithread.DoAndWait(func() {
		cols := v.lines.cols
		if cols == defaultCols {
			t.Fatalf("width not learnt: cols %d", cols)
		}
		want := 2 + (len(long)+cols-1)/cols
		if v.lines.Len() != want {
			t.Fatalf("%d rows for a %d-character line at %d columns, want %d", v.lines.Len(), len(long), cols, want)
		}
		var joined string
		for i := 2; i < v.lines.Len(); i++ {
			g, text, _, _ := v.lines.rowParts(i)
			if i > 2 && strings.TrimSpace(g) != "" {
				t.Errorf("continuation row %d has gutter %q", i, g)
			}
			joined += text
		}
		if joined != long {
			t.Error("wrapped pieces do not add up to the line")
		}
	})
}

func TestBinaryBodiesShowStatement(t *testing.T) {
	test.NewTempApp(t)
	h := http.Header{"Content-Type": {"application/octet-stream"}}
	v := New(record(1, "POST", "/b", "", h, "\x00\x01\x02\x03"), record(2, "POST", "/b", "", h, "\x00\x01\x09"))
	w := show(t, v)
	const want = "bodies differ: 4 vs 3 bytes, first difference at byte 2"
	if got := onUI(func() string { return v.verdict.Text }); got != want {
		t.Fatalf("verdict %q", got)
	}
	if !onUI(func() bool { return slices.Contains(canvasTexts(w.Content()), want) }) {
		t.Error("statement not rendered")
	}
}

func TestIdenticalRequests(t *testing.T) {
	test.NewTempApp(t)
	h := jsonHeaders("x")
	v := New(record(1, "POST", "/s", "", h, `{"a":1}`), record(2, "POST", "/s", "", h, `{"a":1}`))
	show(t, v)
	uithread.DoAndWait(func() {
		if v.summary.Text != "requests are identical" || v.headers.Len() != 0 || v.changes.Len() != 0 {
			t.Errorf("summary %q, %d header rows, %d body rows", v.summary.Text, v.headers.Len(), v.changes.Len())
		}
		if v.headers.none.Text != "no differences (4 equal)" || v.changes.none.Text != "no differences" {
			t.Errorf("placeholders %q %q", v.headers.none.Text, v.changes.none.Text)
		}
	})
}

// TestBigBodiesCompareInBackground: the comparison lands later through
// post, and the view says it is working meanwhile.
func TestBigBodiesCompareInBackground(t *testing.T) {
	test.NewTempApp(t)
	big := `{"pad":"` + strings.Repeat("x", asyncThreshold) + `","n":1}`
	h := jsonHeaders("x")
	queue := make(chan func(), 1)
	v := newView(record(1, "POST", "/s", "", h, big), record(2, "POST", "/s", "", h, strings.Replace(big, `"n":1`, `"n":2`, 1)),
		func(f func()) { queue <- f })
	show(t, v)
	if v.Ready() || v.summary.Text != "comparing…" {
		t.Fatalf("ready %v, summary %q", v.Ready(), v.summary.Text)
	}
	select {
	case f := <-queue:
		f()
	case <-time.After(10 * time.Second):
		t.Fatal("comparison did not finish")
	}
	if !v.Ready() || !slices.Equal(tableRows(v.changes), []string{"~ n | 1 | 2"}) {
		t.Fatalf("rows %q", tableRows(v.changes))
	}
}

func TestShowDialogAndWindow(t *testing.T) {
	a := test.NewTempApp(t)
	h := jsonHeaders("x")
	ra, rb := record(3, "GET", "/a", "", h, ""), record(4, "GET", "/b", "", h, "")
	w := test.NewTempWindow(t, widget.NewLabel("main"))
	w.Resize(fyne.NewSize(1200, 760))
	var v *View
	uithread.DoAndWait(func() { v = ShowDialog(w, ra, rb) })
	if onUI(func() string { return v.summary.Text }) != "path differs" {
		t.Errorf("summary %q", v.summary.Text)
	}
	uithread.DoAndWait(func() {
		top := w.Canvas().Overlays().Top()
		if top == nil {
			t.Fatal("no dialog")
		}
		if s := top.Size(); s.Width < 640 || s.Height < 420 {
			t.Errorf("dialog size %v", s)
		}
		if !slices.Contains(canvasTexts(top), "Compare #3 with #4") {
			t.Errorf("dialog texts %q", canvasTexts(top))
		}
		close := findButton(top, "Close")
		if close == nil {
			t.Fatal("no Close button")
		}
		test.Tap(close)
		if w.Canvas().Overlays().Top() != nil {
			t.Error("dialog still open after Close")
		}
	})

	var win fyne.Window
	uithread.DoAndWait(func() {
		win, v = NewWindow(a, ra, rb)
		win.Show()
	})
	t.Cleanup(func() { uithread.DoAndWait(win.Close) })
	if got := onUI(win.Title); got != "Hookscope — compare #3 with #4" || onUI(func() bool { return win.Content() != v }) {
		t.Errorf("window %q", got)
	}
}

// canvasTexts lists the text of every canvas.Text and label under obj, as
// drawn (so List rows count only once they are created for the screen).
func canvasTexts(obj fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *canvas.Text:
			out = append(out, strings.TrimSpace(x.Text))
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(obj)
	return out
}

func findButton(obj fyne.CanvasObject, label string) *widget.Button {
	if b, ok := obj.(*widget.Button); ok && b.Text == label {
		return b
	}
	if c, ok := obj.(*fyne.Container); ok {
		for _, child := range c.Objects {
			if b := findButton(child, label); b != nil {
				return b
			}
		}
	}
	if w, ok := obj.(fyne.Widget); ok {
		for _, child := range test.WidgetRenderer(w).Objects() {
			if b := findButton(child, label); b != nil {
				return b
			}
		}
	}
	return nil
}

func TestRawQueryDifference(t *testing.T) {
	test.NewTempApp(t)
	h := http.Header{}
	v := New(record(1, "GET", "/q", "a=1&b=2", h, ""), record(2, "GET", "/q", "b=2&a=1", h, ""))
	show(t, v)
	uithread.DoAndWait(func() {
		if got := tableRows(v.request); !slices.Equal(got, []string{"~ Raw query | a=1&b=2 | b=2&a=1"}) {
			t.Errorf("rows %q", got)
		}
		if v.tabs.Selected() != v.tabs.Items[0] || v.tabs.Items[0].Text != "Request line & query (1)" {
			t.Errorf("tab %q", v.tabs.Selected().Text)
		}
	})
}

// TestControlCharactersQuoted: a text diff shows control characters as
// bodyfmt.QuoteControls does (escapes), tabs as spaces.
func TestControlCharactersQuoted(t *testing.T) {
	test.NewTempApp(t)
	h := http.Header{"Content-Type": {"text/plain"}}
	v := New(record(1, "POST", "/t", "", h, "same\n\tx\x01y\x7f\n"), record(2, "POST", "/t", "", h, "same\n\tx\x02y\n"))
	show(t, v)
	want := []string{"1 1   same", "2   - " + "    x\\x01y\\x7f", "  2 + " + "    x\\x02y"}
	if got := onUI(func() []string { return lineRows(v.lines) }); !slices.Equal(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
}
