// Package contrast measures text against its background as WCAG 2 does,
// for the theme's test and for tints computed at run time (the diff
// view's rows). It is the one implementation; it needs no Fyne.
package contrast

import (
	"image/color"
	"math"
)

// MinAA is WCAG AA's contrast for body text.
const MinAA = 4.5

// Ratio is WCAG 2's contrast ratio between two opaque colours, from
// 1 (the same) to 21 (black on white).
func Ratio(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(c color.Color) float64 {
	r, g, b, _ := color.NRGBAModel.Convert(c).RGBA()
	lin := func(v uint32) float64 {
		x := float64(v) / 0xffff
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// Over paints a translucent colour (a tint, a selection) on an opaque
// background, as the screen shows it.
func Over(top, bottom color.Color) color.Color {
	t := color.NRGBAModel.Convert(top).(color.NRGBA)
	b := color.NRGBAModel.Convert(bottom).(color.NRGBA)
	a := float64(t.A) / 0xff
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*a + float64(y)*(1-a))) }
	return color.NRGBA{R: mix(t.R, b.R), G: mix(t.G, b.G), B: mix(t.B, b.B), A: 0xff}
}
