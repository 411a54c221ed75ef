package ui

import (
	"context"
	"fmt"
	"image/color"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"dev.hookscope/app"
	"dev.hookscope/storage"
	"dev.hookscope/ui/uithread"
)

// monitorNow is 12:30:20: the hour's buckets run from 11:31 to 12:30.
var monitorNow = time.Date(2026, 5, 4, 12, 30, 20, 0, time.UTC)

func monitorClock(h, m, s int) time.Time { return time.Date(2026, 5, 4, h, m, s, 0, time.UTC) }

type monitorHarness struct {
	t    *testing.T
	a    fyne.App
	core *app.Core
	mon  *Monitor
	w    fyne.Window
}

func newMonitorHarness(t *testing.T) *monitorHarness {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.LightTheme())
	core, err := app.Open(app.Config{DBPath: filepath.Join(t.TempDir(), "monitor.db"), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	m := NewMonitor(core)
	m.now = func() time.Time { return monitorNow }
	w := test.NewTempWindow(t, m.Object())
	w.Resize(fyne.NewSize(600, 720))
	return &monitorHarness{t: t, a: a, core: core, mon: m, w: w}
}

func (h *monitorHarness) capture(at time.Time) {
	h.t.Helper()
	rec := &storage.Record{Summary: storage.Summary{ReceivedAt: at, Method: "POST", Path: "/hook", Status: 200}}
	if _, err := h.core.Append(context.Background(), rec); err != nil {
		h.t.Fatal(err)
	}
}

func (h *monitorHarness) refresh() { uithread.DoAndWait(h.mon.Refresh) }

// bucket is the index of the minute starting at hh:mm.
func monitorBucket(hh, mm int) int {
	return int(monitorClock(hh, mm, 0).Sub(monitorClock(11, 31, 0)) / time.Minute)
}

func monitorNear(a, b float32) bool { return math.Abs(float64(a-b)) < 0.01 }

func TestMonitorBarsAreProportionalToCounts(t *testing.T) {
	h := newMonitorHarness(t)
	for _, at := range []time.Time{
		monitorClock(10, 0, 0), // outside the hour
		monitorClock(12, 0, 1), monitorClock(12, 0, 2),
		monitorClock(12, 10, 1), monitorClock(12, 10, 2), monitorClock(12, 10, 3), monitorClock(12, 10, 4),
		monitorClock(12, 30, 0),
	} {
		h.capture(at)
	}
	h.refresh()

	bars := h.mon.requests.bars[0]
	if len(bars) != 60 {
		t.Fatalf("%d bars, want one per minute", len(bars))
	}
	_, _, _, plotH := (&chartRenderer{c: h.mon.requests}).plot(h.mon.requests.Size())
	peak := bars[monitorBucket(12, 10)].Size().Height
	if peak < 40 || !monitorNear(peak, plotH) {
		t.Fatalf("the peak bar is %v high, want the plot's height %v", peak, plotH)
	}
	want := map[int]float32{monitorBucket(12, 0): peak / 2, monitorBucket(12, 10): peak, monitorBucket(12, 30): peak / 4}
	bottom := bars[0].Position().Y + bars[0].Size().Height
	for i, b := range bars {
		if !monitorNear(b.Size().Height, want[i]) {
			t.Errorf("bar %d is %v high, want %v", i, b.Size().Height, want[i])
		}
		if !monitorNear(b.Position().Y+b.Size().Height, bottom) {
			t.Errorf("bar %d does not stand on the axis", i)
		}
		if i > 0 && b.Position().X <= bars[i-1].Position().X {
			t.Errorf("bar %d is not right of bar %d", i, i-1)
		}
	}
	if got := h.mon.requestTotals.Text; got != "7 captured · peak 4/min" {
		t.Errorf("totals %q", got)
	}
	if got := h.mon.requests.yMax.Text; got != "4" {
		t.Errorf("y axis max %q, want 4", got)
	}
	if got := h.mon.requests.xFrom.Text; got != monitorClock(11, 31, 0).Local().Format("15:04") {
		t.Errorf("x axis starts %q", got)
	}
	wantFill := theme.LightTheme().Color(theme.ColorNamePrimary, theme.VariantLight)
	if !monitorSameColor(bars[0].FillColor, wantFill) {
		t.Errorf("bar colour %v, want the primary colour %v", bars[0].FillColor, wantFill)
	}

	// New captures show after the next refresh.
	h.capture(monitorClock(12, 30, 10))
	h.refresh()
	if got := h.mon.requestTotals.Text; got != "8 captured · peak 4/min" {
		t.Errorf("after a capture: %q", got)
	}
	if got := bars[monitorBucket(12, 30)].Size().Height; !monitorNear(got, peak/2) {
		t.Errorf("the current minute is %v high, want %v", got, peak/2)
	}
}

func TestMonitorForwardsStackByOutcomeInThemeColours(t *testing.T) {
	h := newMonitorHarness(t)
	st := h.core.Store()
	// A forward result is kept beside its request, so the requests exist;
	// captured two days earlier, outside the charts' hour.
	for range 8 {
		rec := &storage.Record{Summary: storage.Summary{Method: "POST", Path: "/f", ReceivedAt: monitorNow.Add(-48 * time.Hour)}}
		if _, err := st.Append(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	for i, status := range []int{200, 204, 404, 0, 500, 500, 500, 500} {
		at := monitorClock(12, 10, i)
		if i >= 4 {
			at = monitorClock(12, 20, i) // four 5xx: the peak
		}
		if err := st.PutForwardResult(uint64(i+1), storage.ForwardResult{At: at, Status: status, Attempts: 1}); err != nil {
			t.Fatal(err)
		}
	}
	h.refresh()
	f := h.mon.forwards
	i := monitorBucket(12, 10)
	ok, client, server, none := f.bars[0][i], f.bars[1][i], f.bars[2][i], f.bars[3][i]
	unit := f.bars[2][monitorBucket(12, 20)].Size().Height / 4
	if unit < 5 {
		t.Fatalf("one forward is %v high", unit)
	}
	for name, c := range map[string]struct {
		got  float32
		want float32
	}{"2xx": {ok.Size().Height, 2 * unit}, "4xx": {client.Size().Height, unit}, "5xx": {server.Size().Height, 0}, "no answer": {none.Size().Height, unit}} {
		if !monitorNear(c.got, c.want) {
			t.Errorf("%s segment %v high, want %v", name, c.got, c.want)
		}
	}
	// Stacked: each segment sits on the one below.
	if !monitorNear(client.Position().Y+client.Size().Height, ok.Position().Y) || !monitorNear(none.Position().Y+none.Size().Height, server.Position().Y) {
		t.Errorf("segments not stacked: 2xx at %v, 4xx at %v+%v", ok.Position(), client.Position(), client.Size())
	}
	if got := h.mon.forwardTotals.Text; got != "8 forwarded · 2 2xx · 1 4xx · 4 5xx · 1 no answer" {
		t.Errorf("totals %q", got)
	}

	light := theme.LightTheme()
	for s, name := range []fyne.ThemeColorName{theme.ColorNameSuccess, theme.ColorNameWarning, theme.ColorNameError, theme.ColorNameForeground} {
		if want := light.Color(name, theme.VariantLight); !monitorSameColor(f.bars[s][i].FillColor, want) {
			t.Errorf("series %d is %v, want %s %v", s, f.bars[s][i].FillColor, name, want)
		}
	}
	// Switching to dark redraws in the dark colours, without a Refresh.
	h.a.Settings().SetTheme(theme.DarkTheme())
	dark := theme.DarkTheme().Color(theme.ColorNameForeground, theme.VariantDark)
	if monitorSameColor(dark, light.Color(theme.ColorNameForeground, theme.VariantLight)) {
		t.Fatal("the themes share a foreground; the test proves nothing")
	}
	if got := f.bars[3][i].FillColor; !monitorSameColor(got, dark) {
		t.Errorf("after switching to dark the no-answer segment is %v, want %v", got, dark)
	}
	if got := f.yMax.Color; !monitorSameColor(got, dark) {
		t.Errorf("after switching to dark the axis label is %v, want %v", got, dark)
	}
}

func TestMonitorLatencyLines(t *testing.T) {
	h := newMonitorHarness(t)
	st := h.core.Store()
	replay := func(at time.Time, status int, ms float64) {
		t.Helper()
		if _, err := st.AppendReplay(storage.ReplayRecord{SourceID: 1, At: at, Status: status, Timing: storage.ReplayTiming{TotalMs: ms}}); err != nil {
			t.Fatal(err)
		}
	}
	replay(monitorClock(12, 20, 1), 200, 20)
	replay(monitorClock(12, 20, 2), 200, 40)
	replay(monitorClock(12, 21, 1), 200, 10)
	replay(monitorClock(12, 21, 2), 0, 30000)
	replay(monitorClock(12, 25, 0), 200, 1500)
	h.refresh()

	l := h.mon.latency
	p50, p95 := 0, 1
	a := monitorBucket(12, 20)
	if !l.lines[p50][a].Visible() || !l.lines[p95][a].Visible() {
		t.Fatal("no line between two minutes with data")
	}
	for s := range l.lines {
		for i, line := range l.lines[s] {
			if i != a && line.Visible() {
				t.Errorf("series %d draws a line across the gap at %d", s, i)
			}
		}
	}
	// 12:20 has p50 20, p95 40; 12:21 has 10 for both; the scale is 1.5 s.
	seg50, seg95 := l.lines[p50][a], l.lines[p95][a]
	bottom := l.axis.Position1.Y
	if !(seg95.Position1.Y < seg50.Position1.Y) || !monitorNear(seg50.Position2.Y, seg95.Position2.Y) {
		t.Errorf("p95 not above p50: p50 %v→%v, p95 %v→%v", seg50.Position1, seg50.Position2, seg95.Position1, seg95.Position2)
	}
	if h95, h50 := bottom-seg95.Position1.Y, bottom-seg50.Position1.Y; !monitorNear(h95, 2*h50) {
		t.Errorf("p95 at %v, p50 at %v above the axis: not proportional", h95, h50)
	}
	peak := l.dots[p95][monitorBucket(12, 25)]
	if top := l.yMax.Position().Y + l.yMax.Size().Height/2; !monitorNear(peak.Position().Y+peak.Size().Height/2, top) {
		t.Errorf("the slowest minute's dot is at %v, want the top %v", peak.Position(), top)
	}
	if got := l.dots[p50][monitorBucket(12, 22)].Size(); got != (fyne.Size{}) {
		t.Errorf("a minute without data has a dot of %v", got)
	}
	if got := l.yMax.Text; got != "1.5 s" {
		t.Errorf("y axis max %q", got)
	}
	if got := h.mon.latencyTotal.Text; got != "5 sent · p50 20 ms · p95 1.5 s · max 1.5 s · 1 unanswered" {
		t.Errorf("totals %q", got)
	}
}

func TestMonitorEmptyAndStartRefreshes(t *testing.T) {
	h := newMonitorHarness(t)
	h.refresh()
	for name, got := range map[string]string{
		"requests": h.mon.requestTotals.Text, "forwards": h.mon.forwardTotals.Text, "latency": h.mon.latencyTotal.Text,
	} {
		if got == "" || got[0] < 'A' || got[0] > 'Z' {
			t.Errorf("%s: %q, want a sentence saying there is nothing", name, got)
		}
	}
	for i, b := range h.mon.requests.bars[0] {
		if b.Size().Height != 0 {
			t.Fatalf("bar %d is %v high with no data", i, b.Size().Height)
		}
	}

	h.mon.interval = 10 * time.Millisecond
	stop := make(chan struct{})
	h.mon.Start(stop)
	defer close(stop)
	h.capture(monitorClock(12, 29, 0))
	deadline := time.Now().Add(5 * time.Second)
	text := func() (s string) { uithread.DoAndWait(func() { s = h.mon.requestTotals.Text }); return s }
	for text() != "1 captured · peak 1/min" {
		if time.Now().After(deadline) {
			t.Fatalf("Start did not refresh: %q", text())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestMonitorShowsAStoreError(t *testing.T) {
	h := newMonitorHarness(t)
	h.core.Close()
	h.refresh()
	if !h.mon.errText.Visible() || h.mon.errText.Text == "" {
		t.Fatalf("no error shown for a closed store: %q", h.mon.errText.Text)
	}
}

func TestShowMonitorWindowOpensOnce(t *testing.T) {
	h := newMonitorHarness(t)
	h.capture(time.Now())
	var w1, w2 fyne.Window
	uithread.DoAndWait(func() { w1 = ShowMonitorWindow(h.a, h.core) })
	uithread.DoAndWait(func() { w2 = ShowMonitorWindow(h.a, h.core) })
	if w1 != w2 {
		t.Fatal("a second click opened a second monitor")
	}
	if w1.Title() != "Hookscope monitor" {
		t.Errorf("title %q", w1.Title())
	}
	uithread.DoAndWait(w1.Close)
	var w3 fyne.Window
	uithread.DoAndWait(func() { w3 = ShowMonitorWindow(h.a, h.core) })
	if w3 == w1 {
		t.Fatal("a closed monitor was reused")
	}
	uithread.DoAndWait(w3.Close)
}

func monitorSameColor(a, b color.Color) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}

// TestMonitorSinceStartShowsWhatMetricsServes: requests sent to the real
// listener show in "Since start" as the count the registry behind
// GET /metrics holds.
func TestMonitorSinceStartShowsWhatMetricsServes(t *testing.T) {
	h := newMonitorHarness(t)
	if err := h.core.StartListener(""); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	for i := range 3 {
		resp, err := client.Post(h.core.ListenerURL()+"/hook", "application/json", strings.NewReader(fmt.Sprintf(`{"n":%d}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	families, err := h.core.MetricsGatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	scraped := 0.0
	for _, f := range families {
		if f.GetName() == "hookscope_requests_captured_total" {
			for _, m := range f.GetMetric() {
				scraped += m.GetCounter().GetValue()
			}
		}
	}
	if scraped != 3 {
		t.Fatalf("the registry counts %v captures, want 3", scraped)
	}
	h.refresh()
	got := h.mon.sinceStart.Text
	if !strings.HasPrefix(got, "3 captured · 0 refused · forwards 0 ok, 0 failed · 0 replayed · commit p50 ") {
		t.Errorf("since start: %q", got)
	}
}
