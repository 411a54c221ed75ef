package bodyview

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// compactTheme removes the list's row padding so ~45 lines fit a screen.
// It looks the app theme up on every call instead of capturing it, so a
// light/dark switch reaches the list without rebuilding the view.
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
