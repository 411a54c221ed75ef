package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// readableTheme is Fyne's default theme with the colours that fall below
// WCAG AA (4.5:1) for text replaced. Measured on Fyne 2.7.1's defaults:
// low-importance text (the list's second line) was 1.55:1 on dark and
// 1.28:1 on light, placeholders 3.5:1 and errors 3.7:1 on light, the
// selected tab's blue 4.0:1 on dark. TestThemeTextContrast measures every
// text colour against every background in both variants.
type readableTheme struct{ fyne.Theme }

func newReadableTheme() fyne.Theme { return readableTheme{theme.DefaultTheme()} }

func rgb(v uint32) color.Color {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

var readableColors = map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.Color{
	theme.VariantDark: {
		theme.ColorNameDisabled:            rgb(0x939395),
		theme.ColorNamePrimary:             rgb(0x5e9bff),
		theme.ColorNameForegroundOnPrimary: rgb(0x171718),
		theme.ColorNameHyperlink:           rgb(0x5e9bff),
		theme.ColorNameError:               rgb(0xff6b5e),
		theme.ColorNameForegroundOnError:   rgb(0x171718),
	},
	theme.VariantLight: {
		theme.ColorNameDisabled:            rgb(0x5c5c5c),
		theme.ColorNamePlaceHolder:         rgb(0x5c5c5c),
		theme.ColorNamePrimary:             rgb(0x1a56c4),
		theme.ColorNameForegroundOnPrimary: rgb(0xffffff),
		theme.ColorNameHyperlink:           rgb(0x1a56c4),
		theme.ColorNameError:               rgb(0xb71c1c),
		theme.ColorNameForegroundOnError:   rgb(0xffffff),
		theme.ColorNameSuccess:             rgb(0x1f6b24),
		theme.ColorNameForegroundOnSuccess: rgb(0xffffff),
		theme.ColorNameWarning:             rgb(0x9a4300),
		// A lighter tint than Fyne's 25 % blue, which took coloured text
		// on the selected row below 4.5:1.
		theme.ColorNameSelection:           color.NRGBA{R: 0x00, G: 0x6c, B: 0xff, A: 0x30},
		theme.ColorNameForegroundOnWarning: rgb(0xffffff),
	},
}

func (t readableTheme) Color(name fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if c, ok := readableColors[v][name]; ok {
		return c
	}
	return t.Theme.Color(name, v)
}
