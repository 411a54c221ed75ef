package diffview

import (
	"image/color"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"dev.hookscope/ui/contrast"
)

// A difference tints its row with its colour at this alpha at most, and at
// least.
const (
	maxTintAlpha = 0x38
	minTintAlpha = 0x10
)

// rowTexts are the colours of text drawn on tinted rows: the text, the
// gutter and separators (placeholder), dimmed labels (disabled).
var rowTexts = []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNamePlaceHolder, theme.ColorNameDisabled}

// tintKey is what a tint depends on: the background, the colour tinted
// and the colours of the texts drawn on it.
type tintKey [2 + 3]color.NRGBA

var tints = struct {
	sync.Mutex
	m map[tintKey]color.Color
}{m: map[tintKey]color.Color{}}

func nrgba(c color.Color) color.NRGBA { return color.NRGBAModel.Convert(c).(color.NRGBA) }

// tint is a theme colour faded to a row background, so changed, added and
// removed rows read as such in both light and dark variants. It is as
// strong as maxTintAlpha allows while every text drawn on the row keeps
// 4.5:1 against it (or, in a theme whose plain background already gives a
// text less, no less than that), and never fainter than minTintAlpha.
func tint(name fyne.ThemeColorName) color.Color {
	bg := theme.Color(theme.ColorNameBackground)
	c := nrgba(theme.Color(name))
	key := tintKey{nrgba(bg), c}
	for i, text := range rowTexts {
		key[2+i] = nrgba(theme.Color(text))
	}
	tints.Lock()
	defer tints.Unlock()
	if t, ok := tints.m[key]; ok {
		return t
	}
	// The faintest tint, kept when no tint keeps the texts readable (a
	// theme whose own dim text is unreadable): a difference must show.
	c.A = minTintAlpha
	var t color.Color = c
	for a := maxTintAlpha; a > minTintAlpha; a -= 4 {
		if c.A = uint8(a); readableOn(c, bg) {
			t = c
			break
		}
	}
	tints.m[key] = t
	return t
}

func readableOn(tint, bg color.Color) bool {
	back := contrast.Over(tint, bg)
	for _, name := range rowTexts {
		fg := theme.Color(name)
		if contrast.Ratio(fg, back) < min(contrast.MinAA, contrast.Ratio(fg, bg)) {
			return false
		}
	}
	return true
}

// kindColor is the row tint for a difference; transparent when unchanged.
func kindColor(changed, added, removed bool) color.Color {
	switch {
	case added:
		return tint(theme.ColorNameSuccess)
	case removed:
		return tint(theme.ColorNameError)
	case changed:
		return tint(theme.ColorNameWarning)
	}
	return color.Transparent
}
