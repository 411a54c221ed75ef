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
	if b := img.Image.Bounds(); b.Dx() != 64 || b.Dy() != 48 || img.FillMode != canvas.ImageFillContain {
		t.Errorf("image %v fill %v", b, img.FillMode)
	}
	if sz := img.Size(); sz.Width < 600 || sz.Height < 400 {
		t.Errorf("image not scaled to the area: %v", sz)
	}
	if want := "PNG 64×48, " + textutil.HumanSize(int64(len(body))); h.v.notice.Text != want {
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
	if h.v.copyBtn.Disabled() {
		t.Error("copy disabled with hex shown")
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
