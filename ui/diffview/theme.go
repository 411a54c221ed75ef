package diffview

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// compactTheme removes list row padding so ~45 diff lines fit a screen, as
// the body viewer does (see DESIGN.md). It looks the app theme up on every
// call so a light/dark switch reaches the list without a rebuild.
type compactTheme struct{}

func appTheme() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }

func (compactTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return appTheme().Color(n, v)
}

func (compactTheme) Font(s fyne.TextStyle) fyne.Resource { return appTheme().Font(s) }

func (compactTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return appTheme().Icon(n) }

func (compactTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNamePadding:
		return 0 // also the gap between list rows
	case theme.SizeNameInnerPadding, theme.SizeNameLineSpacing:
		return 1
	}
	return appTheme().Size(n)
}

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
