package bodyview

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"dev.hookscope/bodyfmt"
	"dev.hookscope/textutil"
)

func pngBody(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.NRGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// findImage returns the view's picture if it is in the window and visible.
func findImage(h *harness) *canvas.Image {
	for _, o := range test.LaidOutObjects(h.w.Content()) {
		if img, ok := o.(*canvas.Image); ok && img == h.v.image && img.Visible() && img.Image != nil {
			return img
		}
	}
	return nil
}

func TestImagePNGShown(t *testing.T) {
	h := newHarness(t)
	body := pngBody(t, 64, 48)
	h.v.SetBody(body, "image/png")
	if !h.v.busy || !strings.Contains(h.v.notice.Text, "decoding the image…") {
		t.Errorf("not decoding in the background: busy %v notice %q", h.v.busy, h.v.notice.Text)
	}
	h.wait()
	if !slices.Equal(h.v.modes.Options, []string{"image", "hex"}) || h.v.Mode() != bodyfmt.ModeImage {
		t.Fatalf("options %v mode %s", h.v.modes.Options, h.v.Mode())
	}
	img := findImage(h)
	if img == nil {
		t.Fatal("no canvas.Image shown")
	}
	// Its own size, one image pixel on one screen pixel: no upscale blur.
	if b := img.Image.Bounds(); b.Dx() != 64 || b.Dy() != 48 {
		t.Errorf("image %v", b)
	}
	if sz := img.Size(); sz != fyne.NewSize(64, 48) || h.v.Zoom() != 1 {
		t.Errorf("image shown at %v, zoom %v; want its own 64×48", sz, h.v.Zoom())
	}
	if want := "PNG 64×48, " + textutil.HumanSize(int64(len(body))) + " · 100%"; h.v.notice.Text != want {
		t.Errorf("notice %q, want %q", h.v.notice.Text, want)
	}
	if h.v.LineCount() != 0 || !h.v.copyBtn.Disabled() {
		t.Errorf("lines %d, copy enabled %v", h.v.LineCount(), !h.v.copyBtn.Disabled())
	}

	// Hex is still there, and the picture goes away with it.
	h.tapMode(bodyfmt.ModeHex)
	h.wait()
	if !strings.HasPrefix(h.v.VisibleText(0), "00000000  89 50 4e 47") || findImage(h) != nil {
		t.Errorf("hex line 0 %q, image still shown %v", h.v.VisibleText(0), findImage(h) != nil)
	}
	h.tapMode(bodyfmt.ModeImage) // from the cache
	if findImage(h) == nil || !strings.HasPrefix(h.v.notice.Text, "PNG 64×48") {
		t.Errorf("back to image: notice %q", h.v.notice.Text)
	}
}

// hugePNG is a PNG signature and a valid IHDR for w×h pixels and nothing
// else: image.DecodeConfig reads it, image.Decode would try to allocate.
func hugePNG(w, h uint32) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d")
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

func TestImageTooLargeFallsBackToHex(t *testing.T) {
	h := newHarness(t)
	body := hugePNG(100000, 100000)
	h.v.SetBody(body, "image/png")
	h.wait()
	if findImage(h) != nil {
		t.Fatal("an image is shown")
	}
	n := h.v.notice.Text
	if !strings.Contains(n, "image too large to preview: PNG 100000×100000 is 10000 megapixels, over the 64 megapixel limit: showing hex") {
		t.Errorf("notice %q", n)
	}
	if h.v.LineCount() != 3 || !strings.HasPrefix(h.v.VisibleText(0), "00000000  89 50 4e 47") {
		t.Errorf("hex %q", h.lines())
	}
	if !h.v.copyBtn.Disabled() || !h.v.copyPretty.Visible() || h.v.copyPretty.Text != "Copy hex" {
		t.Errorf("binary body: Copy disabled %v, %q visible %v", h.v.copyBtn.Disabled(), h.v.copyPretty.Text, h.v.copyPretty.Visible())
	}
}

func TestImageNotDecodable(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody([]byte("<svg/>"), "image/svg+xml")
	h.wait()
	if n := h.v.notice.Text; !strings.Contains(n, "not a PNG, JPEG, GIF or WebP image: showing hex") {
		t.Errorf("notice %q", n)
	}
	if h.v.LineCount() != 1 || findImage(h) != nil {
		t.Errorf("lines %q", h.lines())
	}
}

func TestMultipartParts(t *testing.T) {
	h := newHarness(t)
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("title", "Hello")
	fw, _ := mw.CreateFormFile("file", "a.png")
	fw.Write(pngBody(t, 8, 8))
	mw.Close()
	h.v.SetBody(b.Bytes(), mw.FormDataContentType())
	h.wait()
	if !slices.Equal(h.v.modes.Options, []string{"parts", "raw", "hex"}) || h.v.Mode() != bodyfmt.ModeParts {
		t.Fatalf("options %v mode %s", h.v.modes.Options, h.v.Mode())
	}
	got := h.lines()
	for _, want := range []string{
		`── part 1: name="title" (5 B) ──`,
		`Hello`,
		`Content-Type: application/octet-stream`,
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no line %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
	if !slices.ContainsFunc(got, func(s string) bool {
		return strings.HasPrefix(s, `── part 2: name="file"; filename="a.png" (application/octet-stream, `)
	}) || !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "[binary, ") }) {
		t.Errorf("file part missing in\n%s", strings.Join(got, "\n"))
	}
	if rows := visibleRowTexts(h.w); !slices.Contains(rows, `── part 1: name="title" (5 B) ──`) {
		t.Errorf("rendered rows %q", rows)
	}
	if n := h.v.notice.Text; !strings.HasPrefix(n, "multipart: ") {
		t.Errorf("notice %q", n)
	}

	// A wrong boundary: raw, with the reason.
	h.v.SetBody(b.Bytes(), "multipart/form-data; boundary=nope")
	h.wait()
	if n := h.v.notice.Text; !strings.Contains(n, `not valid multipart: showing raw (no part starts with boundary "nope")`) {
		t.Errorf("notice %q", n)
	}
	if h.v.LineCount() == 0 || !strings.HasPrefix(h.v.VisibleText(0), "--") {
		t.Errorf("raw line 0 %q", h.v.VisibleText(0))
	}
}

// TestImageZoom: zoom in shows crisp pixels, out and 1:1 step, a picture
// bigger than the area is fitted (never blown up), and Fit comes back.
func TestImageZoom(t *testing.T) {
	h := newHarness(t)
	h.v.SetBody(pngBody(t, 64, 48), "image/png")
	h.wait()
	if !h.v.zoomer.bar.Visible() {
		t.Fatal("no zoom buttons in image mode")
	}
	test.Tap(h.v.zoomer.in)
	img := findImage(h)
	if h.v.Zoom() != 1.5 || img.Size() != fyne.NewSize(96, 72) || img.ScaleMode != canvas.ImageScalePixels {
		t.Errorf("zoom in: %v at %v, scale mode %v", h.v.Zoom(), img.Size(), img.ScaleMode)
	}
	if !strings.HasSuffix(h.v.notice.Text, " · 150%") {
		t.Errorf("notice %q", h.v.notice.Text)
	}
	test.Tap(h.v.zoomer.out)
	test.Tap(h.v.zoomer.out)
	if h.v.Zoom() != 0.75 || img.Size() != fyne.NewSize(48, 36) || img.ScaleMode != canvas.ImageScaleSmooth {
		t.Errorf("zoom out twice: %v at %v, scale mode %v", h.v.Zoom(), img.Size(), img.ScaleMode)
	}
	test.Tap(h.v.zoomer.one)
	if h.v.Zoom() != 1 || img.Size() != fyne.NewSize(64, 48) {
		t.Errorf("1:1: %v at %v", h.v.Zoom(), img.Size())
	}

	// Bigger than the area: fitted, whole.
	h.v.SetBody(pngBody(t, 3000, 2000), "image/png")
	h.wait()
	img = findImage(h)
	area := h.v.imgScroll.Size()
	if z := h.v.Zoom(); z >= 1 || img.Size().Width > area.Width || img.Size().Height > area.Height {
		t.Errorf("big picture: zoom %v size %v in %v", z, img.Size(), area)
	}
	test.Tap(h.v.zoomer.one)
	if img.Size() != fyne.NewSize(3000, 2000) {
		t.Errorf("1:1 of the big picture: %v", img.Size())
	}
	test.Tap(h.v.zoomer.fit)
	if img.Size().Width > area.Width || h.v.Zoom() >= 1 {
		t.Errorf("fit: %v zoom %v", img.Size(), h.v.Zoom())
	}
	// The fitted zoom follows the window.
	before := h.v.Zoom()
	h.w.Resize(fyne.NewSize(600, 500))
	if h.v.Zoom() >= before {
		t.Errorf("fit did not follow a smaller window: %v -> %v", before, h.v.Zoom())
	}
}
