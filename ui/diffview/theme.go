package diffview

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// tint is a theme colour faded to a row background, so changed, added and
// removed rows read as such in both light and dark variants.
func tint(name fyne.ThemeColorName) color.Color {
	r, g, b, _ := theme.Color(name).RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x38}
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
