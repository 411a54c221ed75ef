package bodyview

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// CompactTheme removes the list's row padding so ~45 lines fit a screen.
// It looks the app theme up on every call instead of capturing it, so a
// light/dark switch reaches the list without rebuilding the view.
type CompactTheme struct{}

func appTheme() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }

func (CompactTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return appTheme().Color(n, v)
}

func (CompactTheme) Font(s fyne.TextStyle) fyne.Resource { return appTheme().Font(s) }

func (CompactTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return appTheme().Icon(n) }

func (CompactTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNamePadding:
		return 0 // also the gap between list rows
	case theme.SizeNameInnerPadding, theme.SizeNameLineSpacing:
		return 1
	}
	return appTheme().Size(n)
}
