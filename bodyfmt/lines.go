package bodyfmt

import (
	"bytes"
	"errors"
	"math"
	"unicode/utf8"
)

// ErrTooLarge is returned when formatted text would not fit int32 offsets.
var ErrTooLarge = errors.New("bodyfmt: formatted text exceeds 2 GiB")

// Lines is formatted text plus the start offset of every display line, so a
// viewer can render any line without splitting the whole text. A display line
// is either a whole text line or, when wrapping, one piece of a long one.
// int32 offsets halve the index size compared to int, which matters for
// hex dumps of large bodies.
type Lines struct {
	Text   []byte
	Starts []int32
	// Wrap is the rune limit the index was built with; 0 means unwrapped.
	Wrap int

	// longest is the longest text line in bytes, known only for unwrapped
	// indexes; it lets Rewrap skip rescanning when nothing needs splitting.
	longest int
}

// NewLines indexes text, splitting lines longer than wrap runes into several
// display lines (wrap <= 0 disables that). text is not copied.
func NewLines(text []byte, wrap int) (*Lines, error) {
	if len(text) > math.MaxInt32 {
		return nil, ErrTooLarge
	}
	if wrap < 0 {
		wrap = 0
	}
	starts, longest := index(text, wrap)
	return &Lines{Text: text, Starts: starts, Wrap: wrap, longest: longest}, nil
}

// Rewrap returns the same text indexed for another wrap width. It is much
// cheaper than formatting again, so viewers call it when their width changes.
func (l *Lines) Rewrap(wrap int) *Lines {
	if wrap < 0 {
		wrap = 0
	}
	if wrap == l.Wrap {
		return l
	}
	if l.Wrap == 0 && (wrap == 0 || l.longest <= wrap) {
		// No line needs splitting (bytes >= runes): share the index.
		return &Lines{Text: l.Text, Starts: l.Starts, Wrap: wrap, longest: l.longest}
	}
	starts, longest := index(l.Text, wrap)
	return &Lines{Text: l.Text, Starts: starts, Wrap: wrap, longest: longest}
}

// Len is the number of display lines.
func (l *Lines) Len() int {
	if l == nil {
		return 0
	}
	return len(l.Starts)
}

// Line returns display line i without its line terminator.
func (l *Lines) Line(i int) []byte {
	start, end := l.bounds(i)
	return l.Text[start:end]
}

// Continued reports whether display line i is the continuation of a wrapped
// line rather than the start of a text line.
func (l *Lines) Continued(i int) bool {
	s := l.Starts[i]
	return s > 0 && l.Text[s-1] != '\n'
}

// LineStart returns the offset in Text where display line i begins; with
// Continued it lets a highlighter look back to the start of a wrapped line.
func (l *Lines) LineStart(i int) int {
	return int(l.Starts[i])
}

func (l *Lines) bounds(i int) (int, int) {
	start := int(l.Starts[i])
	end := len(l.Text)
	if i+1 < len(l.Starts) {
		end = int(l.Starts[i+1])
	}
	if end > start && l.Text[end-1] == '\n' {
		end--
		if end > start && l.Text[end-1] == '\r' {
			end--
		}
	}
	return start, end
}

// index builds the display line starts. Counting newlines first (vectorised)
// sizes the slice exactly; the scan itself is a plain byte loop because
// pretty-printed lines are only ~15 bytes, too short for bytes.IndexByte.
func index(text []byte, wrap int) (starts []int32, longest int) {
	if len(text) == 0 {
		return nil, 0
	}
	starts = make([]int32, 0, bytes.Count(text, []byte{'\n'})+1)
	pos := 0
	for i, c := range text {
		if c == '\n' {
			starts = appendWrapped(starts, text, pos, i, wrap)
			longest = max(longest, i-pos)
			pos = i + 1
		}
	}
	if pos < len(text) {
		starts = appendWrapped(starts, text, pos, len(text), wrap)
		longest = max(longest, len(text)-pos)
	}
	if wrap > 0 {
		longest = 0 // only meaningful for unwrapped indexes
	}
	return starts, longest
}

// appendWrapped adds the start of text[pos:end] and, if it has more than wrap
// runes, the start of every following wrap-rune piece. Pieces always start at
// a rune boundary so no character is ever split.
func appendWrapped(starts []int32, text []byte, pos, end, wrap int) []int32 {
	starts = append(starts, int32(pos))
	if wrap <= 0 || end-pos <= wrap {
		return starts
	}
	n := 0
	for i := pos; i < end; {
		if n == wrap {
			starts = append(starts, int32(i))
			n = 0
		}
		if text[i] < utf8.RuneSelf {
			i++
		} else {
			_, size := utf8.DecodeRune(text[i:end])
			i += size
		}
		n++
	}
	return starts
}
