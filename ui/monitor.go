package ui

import (
	"fmt"
	"image/color"
	"math"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/ui/uithread"
)

// monitorInterval is how often an open monitor reads the metrics again.
const monitorInterval = 5 * time.Second

// Colours of the forward outcomes, stacked bottom up in this order.
var forwardColors = []fyne.ThemeColorName{
	theme.ColorNameSuccess,     // 2xx
	theme.ColorNameWarning,     // 4xx
	theme.ColorNameError,       // 5xx
	theme.ColorNameForeground,  // no answer
	theme.ColorNamePlaceHolder, // other (1xx, 3xx)
}

var forwardNames = []string{"2xx", "4xx", "5xx", "no answer", "other"}

// Colours of the latency lines: p50, p95.
var latencyColors = []fyne.ThemeColorName{theme.ColorNamePrimary, theme.ColorNameWarning}

// Monitor is a small panel of charts over the last hour: requests captured
// per minute, forward outcomes per minute and the latency of requests
// sent (replays, forwards, bulk replays, ad-hoc requests).
type Monitor struct {
	core     monitorSource
	now      func() time.Time
	window   time.Duration
	interval time.Duration

	requests, forwards, latency                *chart
	requestTotals, forwardTotals, latencyTotal *widget.Label
	// sinceStart shows the Prometheus counters GET /metrics serves
	// (docs/cli.md, "Metrics"), read from the same registry.
	sinceStart *widget.Label
	updated    *widget.Label
	errText    *widget.Label
	root       fyne.CanvasObject
}

// NewMonitor builds the panel; it shows nothing until Refresh or Start.
// monitorSource is what the monitor reads: a local core, or a remote
// store's figures over its API.
type monitorSource interface {
	Metrics(now time.Time, window time.Duration) (app.Metrics, error)
	MetricsSinceStart() (app.SinceStart, error)
}

func NewMonitor(core monitorSource) *Monitor {
	m := &Monitor{core: core, now: time.Now, window: app.MetricsWindow, interval: monitorInterval}
	m.requests = newChart(chartBars, []fyne.ThemeColorName{theme.ColorNamePrimary}, formatCount)
	m.forwards = newChart(chartBars, forwardColors, formatCount)
	m.latency = newChart(chartLines, latencyColors, formatMs)
	m.requestTotals = widget.NewLabel("")
	m.forwardTotals = widget.NewLabel("")
	m.latencyTotal = widget.NewLabel("")
	for _, l := range []*widget.Label{m.requestTotals, m.forwardTotals, m.latencyTotal} {
		l.Wrapping = fyne.TextWrapWord
	}
	m.sinceStart = widget.NewLabel("")
	m.sinceStart.Wrapping = fyne.TextWrapWord
	m.updated = widget.NewLabel("")
	m.updated.Importance = widget.LowImportance
	m.errText = widget.NewLabel("")
	m.errText.Wrapping = fyne.TextWrapWord
	m.errText.Importance = widget.DangerImportance
	m.errText.Hide()

	title := func(s string) *widget.Label {
		return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	section := func(name string, totals *widget.Label, c *chart, legend fyne.CanvasObject) fyne.CanvasObject {
		head := container.NewVBox(title(name), totals)
		if legend != nil {
			return container.NewBorder(head, legend, nil, nil, c)
		}
		return container.NewBorder(head, nil, nil, nil, c)
	}
	top := container.NewVBox(m.errText, title("Since start"), m.sinceStart)
	m.root = container.NewBorder(top, m.updated, nil, nil, container.NewGridWithRows(3,
		section("Requests per minute", m.requestTotals, m.requests, nil),
		section("Forwards per minute", m.forwardTotals, m.forwards, legend(forwardColors, forwardNames)),
		section("Latency of requests sent", m.latencyTotal, m.latency, legend(latencyColors, []string{"p50", "p95"})),
	))
	return m
}

// Object is the panel's root.
func (m *Monitor) Object() fyne.CanvasObject { return m.root }

// Refresh reads the metrics and redraws; call it on the UI goroutine.
func (m *Monitor) Refresh() {
	met, err := m.core.Metrics(m.now(), m.window)
	m.show(met, err)
	m.showSinceStart(m.core.MetricsSinceStart())
}

// Start refreshes the panel every five seconds until stop is closed. The
// metrics are read on its own goroutine; only drawing runs on the UI's.
func (m *Monitor) Start(stop <-chan struct{}) {
	interval := m.interval
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			met, err := m.core.Metrics(m.now(), m.window)
			since, sinceErr := m.core.MetricsSinceStart()
			select {
			case <-stop:
				return
			default:
			}
			uithread.Do(func() {
				m.show(met, err)
				m.showSinceStart(since, sinceErr)
			})
		}
	}()
}

func (m *Monitor) show(met app.Metrics, err error) {
	if err != nil {
		m.errText.SetText("Cannot read the metrics: " + err.Error())
		m.errText.Show()
		return
	}
	m.errText.Hide()
	n := len(met.Minutes)
	requests := make([]float64, n)
	forwards := make([][]float64, len(forwardColors))
	for s := range forwards {
		forwards[s] = make([]float64, n)
	}
	p50, p95 := make([]float64, n), make([]float64, n)
	for i, b := range met.Minutes {
		requests[i] = float64(b.Requests)
		f := b.Forwards
		for s, v := range []int{f.OK, f.ClientError, f.ServerError, f.NoAnswer, f.Other} {
			forwards[s][i] = float64(v)
		}
		p50[i], p95[i] = math.NaN(), math.NaN()
		if b.Replays.Answered() > 0 {
			p50[i], p95[i] = b.Replays.P50, b.Replays.P95
		}
	}
	from, to := met.From.Local().Format("15:04"), "now"
	m.requests.set([][]float64{requests}, from, to)
	m.forwards.set(forwards, from, to)
	m.latency.set([][]float64{p50, p95}, from, to)

	m.requestTotals.SetText(requestTotals(met))
	m.forwardTotals.SetText(forwardTotals(met.Total.Forwards))
	m.latencyTotal.SetText(latencyTotals(met.Total.Replays))
	m.updated.SetText(fmt.Sprintf("Last %s, by minute · updated %s", humanWindow(met.To.Sub(met.From)+met.Step), met.To.Local().Format("15:04:05")))
}

func (m *Monitor) showSinceStart(s app.SinceStart, err error) {
	if err != nil {
		m.sinceStart.SetText("Cannot read the counters: " + err.Error())
		return
	}
	m.sinceStart.SetText(sinceStartText(s))
}

// sinceStartText is one line of the counters since the store was opened.
func sinceStartText(s app.SinceStart) string {
	parts := []string{fmt.Sprintf("%d captured", s.Captured), fmt.Sprintf("%d refused", s.Refused),
		fmt.Sprintf("forwards %d ok, %d failed", s.ForwardsOK(), s.ForwardsFailed()),
		fmt.Sprintf("%d replayed", s.ReplayCount())}
	if s.Commits > 0 {
		parts = append(parts, fmt.Sprintf("commit p50 %s, p99 %s over %d commits",
			formatMs(s.CommitP50*1000), formatMs(s.CommitP99*1000), s.Commits))
	}
	return strings.Join(parts, " · ")
}

func humanWindow(d time.Duration) string {
	d = d.Truncate(time.Minute)
	if d%time.Hour == 0 {
		if d == time.Hour {
			return "hour"
		}
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	}
	return fmt.Sprintf("%d minutes", int(d/time.Minute))
}

func requestTotals(met app.Metrics) string {
	if met.Total.Requests == 0 {
		return "None captured"
	}
	peak := 0
	for _, b := range met.Minutes {
		peak = max(peak, b.Requests)
	}
	return fmt.Sprintf("%d captured · peak %d/min", met.Total.Requests, peak)
}

func forwardTotals(f app.ForwardCounts) string {
	if f.Sum() == 0 {
		return "None forwarded"
	}
	parts := []string{fmt.Sprintf("%d forwarded", f.Sum())}
	for i, v := range []int{f.OK, f.ClientError, f.ServerError, f.NoAnswer, f.Other} {
		if v > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", v, forwardNames[i]))
		}
	}
	return strings.Join(parts, " · ")
}

func latencyTotals(l app.LatencyStats) string {
	if l.Count == 0 {
		return "Nothing sent"
	}
	parts := []string{fmt.Sprintf("%d sent", l.Count)}
	if l.Answered() > 0 {
		parts = append(parts, "p50 "+formatMs(l.P50), "p95 "+formatMs(l.P95), "max "+formatMs(l.Max))
	}
	if l.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d unanswered", l.Failed))
	}
	return strings.Join(parts, " · ")
}

func formatCount(v float64) string { return fmt.Sprintf("%.0f", v) }

func formatMs(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.1f s", v/1000)
	case v >= 10 || v == 0:
		return fmt.Sprintf("%.0f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

// ShowMonitorWindow opens the monitor in a window of its own, or brings
// the open one forward. It refreshes every five seconds while open.
func ShowMonitorWindow(a fyne.App, core monitorSource) fyne.Window {
	if w, ok := monitorWindows[a]; ok {
		w.RequestFocus()
		return w
	}
	w := a.NewWindow("Hookscope monitor")
	m := NewMonitor(core)
	w.SetContent(m.Object())
	w.Resize(fyne.NewSize(560, 640))
	stop := make(chan struct{})
	monitorWindows[a] = w
	w.SetOnClosed(func() {
		delete(monitorWindows, a)
		close(stop)
	})
	m.Refresh()
	m.Start(stop)
	w.Show()
	return w
}

// monitorWindows is the open monitor per app; touched on the UI goroutine
// only.
var monitorWindows = map[fyne.App]fyne.Window{}

// legend is a row of colour swatches with names.
func legend(colors []fyne.ThemeColorName, names []string) fyne.CanvasObject {
	row := container.NewHBox()
	for i, c := range colors {
		row.Add(newSwatch(c))
		row.Add(widget.NewLabel(names[i]))
	}
	return row
}

// swatch is a small square in a theme colour, looked up when drawn so it
// follows a switch between light and dark.
type swatch struct {
	widget.BaseWidget
	color fyne.ThemeColorName
}

func newSwatch(c fyne.ThemeColorName) *swatch {
	s := &swatch{color: c}
	s.ExtendBaseWidget(s)
	return s
}

func (s *swatch) CreateRenderer() fyne.WidgetRenderer {
	r := &swatchRenderer{s: s, rect: canvas.NewRectangle(color.Transparent)}
	r.Refresh()
	return r
}

type swatchRenderer struct {
	s    *swatch
	rect *canvas.Rectangle
}

func (r *swatchRenderer) Layout(size fyne.Size) {
	side := min(size.Width, size.Height, 12)
	r.rect.Resize(fyne.NewSquareSize(side))
	r.rect.Move(fyne.NewPos((size.Width-side)/2, (size.Height-side)/2))
}

func (r *swatchRenderer) MinSize() fyne.Size { return fyne.NewSquareSize(12) }

func (r *swatchRenderer) Refresh() {
	r.rect.FillColor = theme.ColorForWidget(r.s.color, r.s)
	r.rect.Refresh()
}

func (r *swatchRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.rect} }
func (r *swatchRenderer) Destroy()                     {}

type chartKind int

const (
	chartBars  chartKind = iota // stacked bars, one stack per bucket
	chartLines                  // one polyline per series; NaN is a gap
)

// chart draws buckets with canvas primitives. The y axis runs from 0 to
// the largest value (a stack's total for bars), labelled at both ends; the
// x axis is labelled with the first bucket's time and "now". Colours come
// from the theme each time it is drawn.
type chart struct {
	widget.BaseWidget
	kind   chartKind
	colors []fyne.ThemeColorName
	format func(float64) string

	series   [][]float64 // [series][bucket]
	from, to string

	// Drawn objects, kept for the renderer and for tests.
	bars                   [][]*canvas.Rectangle // [series][bucket]
	lines                  [][]*canvas.Line      // [series][bucket-1]; hidden across gaps
	dots                   [][]*canvas.Circle    // [series][bucket]
	axis                   *canvas.Line
	yMax, yMin, xFrom, xTo *canvas.Text
	peak                   float64
}

func newChart(kind chartKind, colors []fyne.ThemeColorName, format func(float64) string) *chart {
	c := &chart{kind: kind, colors: colors, format: format}
	c.axis = canvas.NewLine(color.Transparent)
	c.yMax, c.yMin = canvas.NewText("", color.Transparent), canvas.NewText("0", color.Transparent)
	c.xFrom, c.xTo = canvas.NewText("", color.Transparent), canvas.NewText("", color.Transparent)
	c.yMax.Alignment, c.yMin.Alignment = fyne.TextAlignTrailing, fyne.TextAlignTrailing
	c.xTo.Alignment = fyne.TextAlignTrailing
	c.ExtendBaseWidget(c)
	return c
}

// set replaces the data; every series has one value per bucket.
func (c *chart) set(series [][]float64, from, to string) {
	c.series, c.from, c.to = series, from, to
	n := 0
	if len(series) > 0 {
		n = len(series[0])
	}
	c.peak = 0
	for i := range n {
		stack := 0.0
		for _, s := range series {
			if math.IsNaN(s[i]) {
				continue
			}
			if c.kind == chartBars {
				stack += s[i]
			} else {
				stack = max(stack, s[i])
			}
		}
		c.peak = max(c.peak, stack)
	}
	c.ensureObjects(n)
	c.Refresh()
}

func (c *chart) ensureObjects(n int) {
	if c.kind == chartBars {
		if len(c.bars) == len(c.series) && (len(c.bars) == 0 || len(c.bars[0]) == n) {
			return
		}
		c.bars = make([][]*canvas.Rectangle, len(c.series))
		for s := range c.bars {
			c.bars[s] = make([]*canvas.Rectangle, n)
			for i := range n {
				c.bars[s][i] = canvas.NewRectangle(color.Transparent)
			}
		}
		return
	}
	if len(c.dots) == len(c.series) && (len(c.dots) == 0 || len(c.dots[0]) == n) {
		return
	}
	c.lines = make([][]*canvas.Line, len(c.series))
	c.dots = make([][]*canvas.Circle, len(c.series))
	for s := range c.series {
		c.lines[s] = make([]*canvas.Line, max(n-1, 0))
		for i := range c.lines[s] {
			c.lines[s][i] = canvas.NewLine(color.Transparent)
			c.lines[s][i].StrokeWidth = 2
		}
		c.dots[s] = make([]*canvas.Circle, n)
		for i := range n {
			c.dots[s][i] = canvas.NewCircle(color.Transparent)
		}
	}
}

func (c *chart) CreateRenderer() fyne.WidgetRenderer { return &chartRenderer{c: c} }

type chartRenderer struct{ c *chart }

func (r *chartRenderer) MinSize() fyne.Size { return fyne.NewSize(320, 90) }

func (r *chartRenderer) Objects() []fyne.CanvasObject {
	c := r.c
	objs := []fyne.CanvasObject{c.axis, c.yMax, c.yMin, c.xFrom, c.xTo}
	for _, s := range c.bars {
		for _, b := range s {
			objs = append(objs, b)
		}
	}
	for _, s := range c.lines {
		for _, l := range s {
			objs = append(objs, l)
		}
	}
	for _, s := range c.dots {
		for _, d := range s {
			objs = append(objs, d)
		}
	}
	return objs
}

// plot is the area the data is drawn in, inside the axis labels.
func (r *chartRenderer) plot(size fyne.Size) (x, y, w, h float32) {
	c := r.c
	gutter := max(fyne.MeasureText(c.yMax.Text, c.yMax.TextSize, c.yMax.TextStyle).Width,
		fyne.MeasureText(c.yMin.Text, c.yMin.TextSize, c.yMin.TextStyle).Width) + 6
	textH := fyne.MeasureText("0", c.xFrom.TextSize, c.xFrom.TextStyle).Height
	x, y = gutter, textH/2
	w, h = max(size.Width-gutter, 1), max(size.Height-textH-textH/2, 1)
	return x, y, w, h
}

func (r *chartRenderer) Layout(size fyne.Size) {
	c := r.c
	x0, y0, w, h := r.plot(size)
	bottom := y0 + h
	textH := fyne.MeasureText("0", c.xFrom.TextSize, c.xFrom.TextStyle).Height

	c.axis.Position1, c.axis.Position2 = fyne.NewPos(x0, bottom), fyne.NewPos(x0+w, bottom)
	c.yMax.Move(fyne.NewPos(0, y0-textH/2))
	c.yMax.Resize(fyne.NewSize(x0-6, textH))
	c.yMin.Move(fyne.NewPos(0, bottom-textH/2))
	c.yMin.Resize(fyne.NewSize(x0-6, textH))
	c.xFrom.Move(fyne.NewPos(x0, bottom))
	c.xFrom.Resize(fyne.NewSize(w/2, textH))
	c.xTo.Move(fyne.NewPos(x0+w/2, bottom))
	c.xTo.Resize(fyne.NewSize(w/2, textH))

	n := 0
	if len(c.series) > 0 {
		n = len(c.series[0])
	}
	if n == 0 {
		return
	}
	slot := w / float32(n)
	scale := float32(0)
	if c.peak > 0 {
		scale = h / float32(c.peak)
	}
	if c.kind == chartBars {
		gap := float32(0)
		if slot >= 4 {
			gap = max(slot/5, 1)
		}
		for i := range n {
			top := bottom
			for s := range c.series {
				v := c.series[s][i]
				if math.IsNaN(v) || v < 0 {
					v = 0
				}
				bh := float32(v) * scale
				top -= bh
				b := c.bars[s][i]
				b.Move(fyne.NewPos(x0+float32(i)*slot+gap/2, top))
				b.Resize(fyne.NewSize(slot-gap, bh))
			}
		}
		return
	}
	point := func(i int, v float64) fyne.Position {
		return fyne.NewPos(x0+(float32(i)+0.5)*slot, bottom-float32(v)*scale)
	}
	const dot = 4
	for s, values := range c.series {
		for i, v := range values {
			d := c.dots[s][i]
			if math.IsNaN(v) {
				d.Resize(fyne.Size{})
				continue
			}
			p := point(i, v)
			d.Move(p.SubtractXY(dot/2, dot/2))
			d.Resize(fyne.NewSquareSize(dot))
			if i+1 < n && !math.IsNaN(values[i+1]) {
				l := c.lines[s][i]
				l.Position1, l.Position2 = p, point(i+1, values[i+1])
			}
		}
	}
}

func (r *chartRenderer) Refresh() {
	c := r.c
	fg := theme.ColorForWidget(theme.ColorNameForeground, c)
	muted := theme.ColorForWidget(theme.ColorNamePlaceHolder, c)
	size := theme.SizeForWidget(theme.SizeNameCaptionText, c)
	c.yMax.Text = c.format(c.peak)
	c.xFrom.Text, c.xTo.Text = c.from, c.to
	for _, t := range []*canvas.Text{c.yMax, c.yMin, c.xFrom, c.xTo} {
		t.Color, t.TextSize = muted, size
	}
	c.yMax.Color = fg
	c.axis.StrokeColor = theme.ColorForWidget(theme.ColorNameSeparator, c)
	c.axis.StrokeWidth = 1
	for s, bars := range c.bars {
		col := theme.ColorForWidget(c.colors[s], c)
		for _, b := range bars {
			b.FillColor = col
		}
	}
	for s := range c.dots {
		col := theme.ColorForWidget(c.colors[s], c)
		for i, d := range c.dots[s] {
			d.FillColor = col
			if i < len(c.lines[s]) {
				l := c.lines[s][i]
				l.StrokeColor = col
				// A line shows only between two minutes that both have data.
				if math.IsNaN(c.series[s][i]) || math.IsNaN(c.series[s][i+1]) {
					l.Hide()
				} else {
					l.Show()
				}
			}
		}
	}
	r.Layout(c.Size())
	for _, o := range r.Objects() {
		o.Refresh()
	}
}

func (r *chartRenderer) Destroy() {}
