package diffview

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"dev.hookscope/ui/contrast"
)

// variantTheme is a theme shown in one variant whatever the system asks.
type variantTheme struct {
	fyne.Theme
	v fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.v)
}

// readable lifts the texts of Fyne's default theme that fall below 4.5:1 on
// its plain background, as the app's theme does, so the tints are checked
// against a theme that is itself readable.
type readable struct{ fyne.Theme }

func (t readable) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNamePlaceHolder || n == theme.ColorNameDisabled {
		if v == theme.VariantLight {
			return color.NRGBA{0x5c, 0x5c, 0x5c, 0xff}
		}
		return color.NRGBA{0x93, 0x93, 0x95, 0xff}
	}
	return t.Theme.Color(n, v)
}

// TestTintsKeepTextReadable: on added, removed and changed rows every text
// colour drawn there keeps 4.5:1 in both variants when the theme gives it
// that on the plain background, and never loses contrast below what the
// plain background gives in a theme that does not.
func TestTintsKeepTextReadable(t *testing.T) {
	a := test.NewTempApp(t)
	for _, base := range []struct {
		name string
		th   fyne.Theme
	}{{"Fyne's default", theme.DefaultTheme()}, {"readable", readable{theme.DefaultTheme()}}} {
		for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
			a.Settings().SetTheme(variantTheme{base.th, v})
			bg := theme.Color(theme.ColorNameBackground)
			for _, kind := range []struct {
				name                    string
				changed, added, removed bool
			}{{"changed", true, false, false}, {"added", false, true, false}, {"removed", false, false, true}} {
				tinted := kindColor(kind.changed, kind.added, kind.removed)
				if _, _, _, alpha := tinted.RGBA(); alpha == 0 {
					t.Errorf("%s theme, variant %d: %s rows are not tinted at all", base.name, v, kind.name)
				}
				back := contrast.Over(tinted, bg)
				for _, text := range rowTexts {
					fg := theme.Color(text)
					got, plain := contrast.Ratio(fg, back), contrast.Ratio(fg, bg)
					// Fyne's own dark disabled grey is 1.6:1 on its plain
					// background: only the faintest tint is left there.
					if _, _, _, alpha := tinted.RGBA(); alpha>>8 > minTintAlpha && got < min(contrast.MinAA, plain) {
						t.Errorf("%s theme, variant %d: %s on a %s row is %.2f:1 (plain %.2f:1)", base.name, v, text, kind.name, got, plain)
					}
					if base.name == "readable" && got < contrast.MinAA {
						t.Errorf("readable theme, variant %d: %s on a %s row is %.2f:1", v, text, kind.name, got)
					}
				}
			}
		}
	}
}
