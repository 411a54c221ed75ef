package bodyview

import (
	"math"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/bodyfmt"
)

const (
	// maxSegments caps canvas.Text objects per row; a dense wrapped row of
	// one-character tokens would otherwise cost hundreds of objects.
	maxSegments = 48
	// lookBack bounds how far before a wrapped row the highlighter starts,
	// so a row deep inside a huge string value stays cheap to draw.
	lookBack  = 8 << 10
	tabSpaces = "    "
)

var monospace = fyne.TextStyle{Monospace: true}

// segment is a run of a row drawn in one colour. text is the line's bytes
// as formatted; the row makes control characters visible when it draws
// them, so segments can be cut at byte offsets (find marks).
type segment struct {
	text  string
	color fyne.ThemeColorName
	mark  mark
}

// mark is how a segment is highlighted by find.
type mark uint8

const (
	markNone    mark = iota
	markMatch        // a match: the selection tint behind its own colours
	markCurrent      // the match Enter went to: the primary colour behind foreground-on-primary
)

// row is one list line: a few canvas.Text objects laid side by side. It is
// a widget (not a Container) so the list's template can be reused with a
// varying number of texts without rebuilding a container each update.
type row struct {
	widget.BaseWidget
	texts   []*canvas.Text
	rects   []*canvas.Rectangle // backgrounds of marked segments
	objects []fyne.CanvasObject // rects then texts in use, as the renderer returns them
	metrics *metrics
	onTap   func()
}

// Tapped focuses the body, so that Ctrl+F and Ctrl+C typed next reach it.
// The list's own tap focuses the list only through CanvasForObject of the
// embedded widget.List, which the desktop driver does not know.
func (r *row) Tapped(*fyne.PointEvent) {
	if r.onTap != nil {
		r.onTap()
	}
}

func newRow(m *metrics) *row {
	r := &row{metrics: m}
	r.ExtendBaseWidget(r)
	return r
}

// set shows segs, reusing canvas.Text objects from earlier updates.
// Marked segments get a rectangle behind them; the colours are the ones
// ui's theme test measures: every text colour on the selection tint, and
// foreground-on-primary on primary.
func (r *row) set(segs []segment, th fyne.Theme, v fyne.ThemeVariant) {
	r.objects = r.objects[:0]
	x := r.metrics.charW / 2 // small left margin so text does not touch the edge
	nRects := 0
	for _, s := range segs {
		if s.mark == markNone {
			continue
		}
		if nRects == len(r.rects) {
			r.rects = append(r.rects, &canvas.Rectangle{})
		}
		nRects++
	}
	for _, rc := range r.rects[:nRects] {
		r.objects = append(r.objects, rc)
	}
	nRects = 0
	for i, s := range segs {
		if i == len(r.texts) {
			r.texts = append(r.texts, &canvas.Text{TextStyle: monospace})
		}
		t := r.texts[i]
		shown := displayText(s.text)
		t.Text, t.TextSize, t.Color = shown, r.metrics.size, th.Color(s.color, v)
		w := r.metrics.width(shown)
		if s.mark != markNone {
			rc := r.rects[nRects]
			nRects++
			rc.FillColor = th.Color(theme.ColorNameSelection, v)
			if s.mark == markCurrent {
				rc.FillColor = th.Color(theme.ColorNamePrimary, v)
				t.Color = th.Color(theme.ColorNameForegroundOnPrimary, v)
			}
			// Where the glyphs are: the text box below is taller than the
			// row and the painter centres the text in it.
			rc.Move(fyne.NewPos(x, r.metrics.size/4))
			rc.Resize(fyne.NewSize(w, r.metrics.lineH))
		}
		t.Move(fyne.NewPos(x, 0))
		// A box taller than the row: the GL painter cuts glyphs at the box,
		// and underscores sit right at its bottom edge.
		t.Resize(fyne.NewSize(w, r.metrics.lineH+r.metrics.size/2))
		x += w
		r.objects = append(r.objects, t)
	}
	r.Refresh()
}

// text is what the row shows, for tests.
func (r *row) text() string {
	var b strings.Builder
	for _, o := range r.objects {
		if t, ok := o.(*canvas.Text); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}

func (r *row) CreateRenderer() fyne.WidgetRenderer { return &rowRenderer{r} }

type rowRenderer struct{ r *row }

func (rr *rowRenderer) Layout(fyne.Size) {} // texts are placed by set
func (rr *rowRenderer) MinSize() fyne.Size {
	return fyne.NewSize(rr.r.metrics.charW, rr.r.metrics.lineH)
}
func (rr *rowRenderer) Objects() []fyne.CanvasObject { return rr.r.objects }
func (rr *rowRenderer) Destroy()                     {}
func (rr *rowRenderer) Refresh() {
	for _, o := range rr.r.objects {
		o.Refresh()
	}
}

// metrics holds the monospace cell size, measured once per view.
type metrics struct {
	size, charW, lineH float32
}

func newMetrics(th fyne.Theme) *metrics {
	size := th.Size(theme.SizeNameText)
	cell := fyne.MeasureText("M", size, monospace)
	// Whole-pixel rows: at fractional offsets the painter drops the bottom
	// pixel row of some lines, which is where underscores are drawn.
	return &metrics{size: size, charW: cell.Width, lineH: float32(math.Ceil(float64(cell.Height)))}
}

// width avoids MeasureText for ASCII, where the monospace cell is exact;
// other scripts may come from fallback fonts with different widths.
func (m *metrics) width(s string) float32 {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return fyne.MeasureText(s, m.size, monospace).Width
		}
	}
	return float32(len(s)) * m.charW
}

// plainSegments shows a line in the foreground colour.
func plainSegments(line []byte) []segment {
	return []segment{{text: string(line), color: theme.ColorNameForeground}}
}

// jsonSegments highlights display line i. A wrapped row is tokenized from
// the start of its text line (up to lookBack bytes) so that a row starting
// inside a string is still coloured as a string.
func jsonSegments(l *bodyfmt.Lines, i int) []segment {
	rowStart := l.LineStart(i)
	rowEnd := rowStart + len(l.Line(i))
	from := i
	for from > 0 && l.Continued(from) && rowStart-l.LineStart(from-1) <= lookBack {
		from--
	}
	offset := l.LineStart(from)
	var segs []segment
	for _, tok := range bodyfmt.TokenizeJSONLine(l.Text[offset:rowEnd]) {
		start, end := offset, offset+len(tok.Text)
		offset = end
		if end <= rowStart {
			continue
		}
		text := tok.Text[max(rowStart-start, 0):]
		segs = appendSegment(segs, segment{text: text, color: tokenColors[tok.Type]})
	}
	return segs
}

// appendSegment merges same-coloured neighbours and, past maxSegments,
// folds the rest of the row into the last segment in the plain colour.
func appendSegment(segs []segment, s segment) []segment {
	n := len(segs)
	if n > 0 && (segs[n-1].color == s.color || n >= maxSegments) {
		if n >= maxSegments {
			segs[n-1].color = theme.ColorNameForeground
		}
		segs[n-1].text += s.text
		return segs
	}
	return append(segs, s)
}

var tokenColors = map[bodyfmt.TokenType]fyne.ThemeColorName{
	bodyfmt.TokenPlain:   theme.ColorNameForeground,
	bodyfmt.TokenKey:     theme.ColorNamePrimary,
	bodyfmt.TokenString:  theme.ColorNameSuccess,
	bodyfmt.TokenNumber:  theme.ColorNameWarning,
	bodyfmt.TokenLiteral: theme.ColorNameError,
	bodyfmt.TokenPunct:   theme.ColorNamePlaceHolder,
}

// markSegments cuts segs (which hold the row's bytes in order) where the
// find matches in ranges begin and end, and marks the pieces inside them.
// ranges are [start, end) byte offsets in the row, sorted, not
// overlapping; cur is the index of the current match in ranges, or -1.
func markSegments(segs []segment, ranges [][2]int, cur int) []segment {
	if len(ranges) == 0 {
		return segs
	}
	out := make([]segment, 0, len(segs)+2*len(ranges))
	pos, ri := 0, 0
	for _, s := range segs {
		for s.text != "" {
			for ri < len(ranges) && ranges[ri][1] <= pos {
				ri++
			}
			n, m := len(s.text), markNone
			switch {
			case ri == len(ranges):
			case ranges[ri][0] > pos:
				n = min(n, ranges[ri][0]-pos)
			default:
				n, m = min(n, ranges[ri][1]-pos), markMatch
				if ri == cur {
					m = markCurrent
				}
			}
			out = append(out, segment{text: s.text[:n], color: s.color, mark: m})
			s.text = s.text[n:]
			pos += n
		}
	}
	return out
}

// displayText makes control characters visible; the font has no glyphs for
// them and a raw tab would not advance by a monospace cell.
func displayText(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return '·'
		}
		return r
	}, strings.ReplaceAll(s, "\t", tabSpaces))
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
