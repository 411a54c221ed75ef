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

// segment is a run of a row drawn in one colour.
type segment struct {
	text  string
	color fyne.ThemeColorName
}

// row is one list line: a few canvas.Text objects laid side by side. It is
// a widget (not a Container) so the list's template can be reused with a
// varying number of texts without rebuilding a container each update.
type row struct {
	widget.BaseWidget
	texts   []*canvas.Text
	objects []fyne.CanvasObject // texts in use, as the renderer returns them
	metrics *metrics
}

func newRow(m *metrics) *row {
	r := &row{metrics: m}
	r.ExtendBaseWidget(r)
	return r
}

// set shows segs, reusing canvas.Text objects from earlier updates.
func (r *row) set(segs []segment, th fyne.Theme, v fyne.ThemeVariant) {
	r.objects = r.objects[:0]
	x := r.metrics.charW / 2 // small left margin so text does not touch the edge
	for i, s := range segs {
		if i == len(r.texts) {
			r.texts = append(r.texts, &canvas.Text{TextStyle: monospace})
		}
		t := r.texts[i]
		t.Text, t.TextSize, t.Color = s.text, r.metrics.size, th.Color(s.color, v)
		w := r.metrics.width(s.text)
		t.Move(fyne.NewPos(x, 0))
		// A box taller than the row: the GL painter cuts glyphs at the box,
		// and underscores sit right at its bottom edge.
		t.Resize(fyne.NewSize(w, r.metrics.lineH+r.metrics.size/2))
		x += w
		r.objects = append(r.objects, t)
	}
	r.Refresh()
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
	return []segment{{text: displayText(line), color: theme.ColorNameForeground}}
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
		segs = appendSegment(segs, segment{text: displayText([]byte(text)), color: tokenColors[tok.Type]})
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

// displayText makes control characters visible; the font has no glyphs for
// them and a raw tab would not advance by a monospace cell.
func displayText(b []byte) string {
	s := string(b)
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
