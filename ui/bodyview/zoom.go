package bodyview

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// zoomLevels are the steps of zoom in and out, in image pixels per screen
// pixel.
var zoomLevels = []float32{0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 16}

// zoomer is the image mode's zoom: a picture is shown at its own size
// (one image pixel on one screen pixel), or smaller to fit the area, never
// blown up unless asked; zooming in past 100 % shows crisp pixels.
type zoomer struct {
	zoom  float32 // chosen zoom; 0 fits the area (at most 100 %)
	shown float32 // zoom in effect
	bar   *fyne.Container
	out   *widget.Button
	in    *widget.Button
	one   *widget.Button
	fit   *widget.Button
}

func (v *View) buildZoom() {
	z := &v.zoomer
	z.out = widget.NewButtonWithIcon("", theme.ZoomOutIcon(), func() { v.stepZoom(-1) })
	z.in = widget.NewButtonWithIcon("", theme.ZoomInIcon(), func() { v.stepZoom(1) })
	z.one = widget.NewButton("1:1", func() { v.SetZoom(1) })
	z.fit = widget.NewButtonWithIcon("", theme.ZoomFitIcon(), func() { v.SetZoom(0) })
	z.bar = container.NewHBox(z.out, z.in, z.one, z.fit)
	z.bar.Hide()
}

// SetZoom shows the picture at zoom (1 is its own size); 0 fits it in the
// area, at most at its own size.
func (v *View) SetZoom(zoom float32) {
	v.zoomer.zoom = max(zoom, 0)
	v.applyZoom()
	v.refreshBar()
}

// Zoom is the zoom in effect, 1 being the picture's own size.
func (v *View) Zoom() float32 { return v.zoomer.shown }

func (v *View) stepZoom(dir int) {
	cur := v.zoomer.shown
	next := cur
	if dir > 0 {
		for _, l := range zoomLevels {
			if l > cur*1.001 {
				next = l
				break
			}
		}
	} else {
		for i := len(zoomLevels) - 1; i >= 0; i-- {
			if zoomLevels[i] < cur*0.999 {
				next = zoomLevels[i]
				break
			}
		}
	}
	v.SetZoom(next)
}

// applyZoom sizes the picture for the zoom chosen. Sizes are in Fyne's
// units, so they are divided by the canvas scale to keep one image pixel
// on one screen pixel on a HiDPI screen too.
func (v *View) applyZoom() {
	img := v.image.Image
	if img == nil {
		return
	}
	w, h := float32(img.Bounds().Dx()), float32(img.Bounds().Dy())
	if w <= 0 || h <= 0 {
		return
	}
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(v); c != nil && c.Scale() > 0 {
		scale = c.Scale()
	}
	z := v.zoomer.zoom
	if z == 0 {
		z = 1
		if area := v.imgScroll.Size(); area.Width > 0 && area.Height > 0 {
			z = min(1, area.Width*scale/w, area.Height*scale/h)
		}
	}
	size := fyne.NewSize(w*z/scale, h*z/scale)
	if z == v.zoomer.shown && v.image.MinSize() == size {
		return
	}
	v.zoomer.shown = z
	v.image.ScaleMode = canvas.ImageScaleSmooth
	if z >= 1 {
		v.image.ScaleMode = canvas.ImageScalePixels // pixels, not blur
	}
	v.image.SetMinSize(size)
	v.image.Resize(size)
	v.imgScroll.Content.Refresh()
	v.imgScroll.Refresh()
	v.image.Refresh()
	v.notice.SetText(v.noticeText())
}

func (z *zoomer) update(v *View) {
	if v.shown == nil || v.shown.img == nil {
		z.bar.Hide()
		return
	}
	z.bar.Show()
	if z.shown >= zoomLevels[len(zoomLevels)-1] {
		z.in.Disable()
	} else {
		z.in.Enable()
	}
	if z.shown <= zoomLevels[0] {
		z.out.Disable()
	} else {
		z.out.Enable()
	}
}
