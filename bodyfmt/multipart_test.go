package bodyfmt

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/textproto"
	"slices"
	"strings"
	"testing"
)

// formBody builds a multipart/form-data body with two text fields and a
// binary file part, as a browser would send it.
func formBody(t *testing.T) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.SetBoundary("XyZ")
	mw.WriteField("title", "Hello")
	mw.WriteField("note", "line 1\nline 2")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="a.png"`)
	h.Set("Content-Type", "image/png")
	w, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 2040)...))
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

func TestFormatParts(t *testing.T) {
	body, ct := formBody(t)
	want := []string{
		`── part 1: name="title" (5 B) ──`,
		`Content-Disposition: form-data; name="title"`,
		``,
		`Hello`,
		``,
		`── part 2: name="note" (13 B) ──`,
		`Content-Disposition: form-data; name="note"`,
		``,
		`line 1`,
		`line 2`,
		``,
		`── part 3: name="file"; filename="a.png" (image/png, 2.0 KiB) ──`,
		`Content-Disposition: form-data; name="file"; filename="a.png"`,
		`Content-Type: image/png`,
		``,
		`[binary, 2048 bytes]`,
		``,
	}
	cut := bytes.Index(body, []byte("\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\""))
	for _, tc := range []struct {
		name string
		body []byte
		ct   string
		want []string
	}{
		{"from content type", body, ct, want},
		{"boundary from first line", body, "", want},
		{"cut in the headers", body[:cut+40], ct, append(slices.Clone(want[:11]),
			`── the body breaks off after part 2: no closing boundary (cut at capture?) ──`)},
		{"cut in a part", body[:cut+200], ct, append(slices.Clone(want[:11]),
			`── part 3: name="file"; filename="a.png" (image/png, 101 B) ──`,
			want[12], want[13], want[14], `[binary, 101 bytes]`, ``,
			`── part 3 breaks off: the body ends inside a part (cut at capture?) ──`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := FormatWith(tc.body, Multipart, tc.ct, ModeParts, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := all(l); !slices.Equal(got, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestFormatPartsMalformed(t *testing.T) {
	body, _ := formBody(t)
	for _, tc := range []struct {
		name, ct, body, reason string
	}{
		{"wrong boundary", "multipart/form-data; boundary=other", string(body), `no part starts with boundary "other"`},
		{"no boundary anywhere", "multipart/form-data", "just text", "no boundary in the Content-Type or the first line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := FormatWith([]byte(tc.body), Multipart, tc.ct, ModeParts, 0)
			var fb *FallbackError
			if !errors.As(err, &fb) || !strings.Contains(err.Error(), "not valid multipart: showing raw ("+tc.reason) {
				t.Fatalf("err %v", err)
			}
			if l == nil || !bytes.Equal(l.Text, RawText([]byte(tc.body))) {
				t.Errorf("fallback is not the raw body")
			}
		})
	}
	// Format without a content type still finds the boundary.
	if l, err := Format(body, Multipart, ModeParts, 0); err != nil || !strings.HasPrefix(string(l.Line(0)), "── part 1: ") {
		t.Errorf("Format: %v", err)
	}
}

func TestFormatPartsCaps(t *testing.T) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("big", strings.Repeat("é", MaxPartText)) // 2 bytes each: the cap falls between runes
	for i := range MaxParts + 5 {
		mw.WriteField(fmt.Sprint("f", i), "x")
	}
	mw.Close()
	l, err := FormatWith(b.Bytes(), Multipart, mw.FormDataContentType(), ModeParts, 0)
	if err != nil {
		t.Fatal(err)
	}
	lines := all(l)
	if lines[3] != strings.Repeat("é", MaxPartText/2) || lines[4] != fmt.Sprintf("… %d more bytes", MaxPartText) {
		t.Errorf("big part shown as %d bytes, then %q", len(lines[3]), lines[4])
	}
	if last := lines[len(lines)-1]; last != "── stopped after 1000 parts ──" {
		t.Errorf("last line %q", last)
	}
}

func encodeImage(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hugePNG is a PNG signature and an IHDR chunk for w×h pixels, with a
// valid CRC: enough for DecodeConfig, nothing to decode.
func hugePNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA, deflate, no filter, no interlace
	b.Write([]byte{0, 0, 0, 13})
	b.Write(ihdr)
	b.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(ihdr)))
	return b.Bytes()
}

func TestDecodeImage(t *testing.T) {
	for _, f := range []string{"png", "jpeg", "gif"} {
		img, info, err := DecodeImage(encodeImage(t, f, 64, 48), 0)
		if err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 48 || info != (ImageInfo{strings.ToUpper(f), 64, 48}) {
			t.Errorf("%s: %v %+v %v", f, img.Bounds(), info, err)
		}
	}
	_, info, err := DecodeImage(hugePNG(100000, 100000), 0)
	if !errors.Is(err, ErrImageTooLarge) || info.Width != 100000 ||
		err.Error() != "image too large to preview: PNG 100000×100000 is 10000 megapixels, over the 64 megapixel limit" {
		t.Errorf("huge: %+v %v", info, err)
	}
	if _, _, err := DecodeImage([]byte("<svg/>"), 0); err == nil || err.Error() != "not a PNG, JPEG, GIF or WebP image" {
		t.Errorf("svg: %v", err)
	}
	bad := encodeImage(t, "png", 64, 48)
	if _, _, err := DecodeImage(bad[:len(bad)-30], 0); err == nil || !strings.HasPrefix(err.Error(), "cannot decode PNG: ") {
		t.Errorf("cut png: %v", err)
	}
}

// gopherWebP is golang.org/x/image v0.24.0's testdata/gopher-doc.1bpp.lossless.webp.
const gopherWebP = "UklGRrIBAABXRUJQVlA4TKUBAAAvSsAYAA8w//M///MfeJAkbXvaSG7m8Q3GfYSBJekwQztm/IcZlgwnmWImn2BK7aFmBtnVir6q//8VOkFE/xm4baTIu8c48ArEo6+B3zFKYln3pqClSCKX0begFTAXFOLXHSyF8cCNcZEG4OywuA4KVVfJCiArU7GAgJI8+lJP/OKMT/fBAjevg1cYB7YVkFuWga2lyPi5I0HFy5YTpWIHg0RZpkniRVW9odHAKOwosWuOGdxIyn2OvaCDvhg/we6TwadPBPbqBV58MsLmMJ8yZnOWk8SRz4N+QoyPL+MnamzMvcE1rHNEr91F9GKZPVUcS9w7PhhH36suB9qPeYb/oLk6cuTiJ0wOK3m5h1cKjW6EVZCYMK7dxcKCBdgP9HkKr9gkAO2P8GKZGWVdIAatQa+1IDpt6qyorVwdy01xdW8Jkfk6xjEXmVQQ+HQdFr6OKhIN34dXWq0+0qr6EJSCeeVLH9+gvGTLyqM65PQ44ihzlTXxQKjKbAvshXgir7Lil9w4L2bvMycmjQcqXaMCO6BlY28i+FOLzbfI1vEqxAhotocAAA=="

func TestDecodeImageWebP(t *testing.T) {
	body, _ := base64.StdEncoding.DecodeString(gopherWebP)
	img, info, err := DecodeImage(body, 0)
	if err != nil || info.Format != "WebP" || img.Bounds().Dx() != info.Width || info.Width == 0 {
		t.Fatalf("%+v %v", info, err)
	}
}
