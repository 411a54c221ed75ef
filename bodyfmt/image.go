package bodyfmt

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers GIF with image.Decode
	_ "image/jpeg"
	_ "image/png"
	"strings"

	_ "golang.org/x/image/webp" // WebP, lossy and lossless (not animated)
)

// DefaultMaxPixels is the largest image DecodeImage decodes when given no
// limit: 64 megapixels, 256 MB as RGBA. A PNG of a few kilobytes can
// claim far more (a "decompression bomb"); its header says so before any
// pixel is allocated.
const DefaultMaxPixels = 64_000_000

// ImageInfo is what an image header says.
type ImageInfo struct {
	Format        string // "PNG", "JPEG", "GIF" or "WebP"
	Width, Height int
}

// ErrImageTooLarge is wrapped by DecodeImage's error for an image over the
// pixel limit.
var ErrImageTooLarge = errors.New("image too large to preview")

// DecodeImage decodes a PNG, JPEG, GIF (its first frame) or WebP body.
// It reads the header first (image.DecodeConfig) and refuses an image of
// more than maxPixels pixels (DefaultMaxPixels when maxPixels <= 0)
// without decoding it, so the memory a body can make it allocate is
// bounded whatever its dimensions claim. The error is a sentence for a
// notice line; info is filled in whenever the header could be read.
func DecodeImage(body []byte, maxPixels int64) (img image.Image, info ImageInfo, err error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, info, errors.New("not a PNG, JPEG, GIF or WebP image")
		}
		return nil, info, fmt.Errorf("cannot read the image header: %v", err)
	}
	info = ImageInfo{Format: formatName(format), Width: cfg.Width, Height: cfg.Height}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels || cfg.Width < 0 || cfg.Height < 0 {
		return nil, info, fmt.Errorf("%w: %s %d×%d is %.0f megapixels, over the %.0f megapixel limit",
			ErrImageTooLarge, info.Format, cfg.Width, cfg.Height, float64(px)/1e6, float64(maxPixels)/1e6)
	}
	img, _, err = image.Decode(bytes.NewReader(body))
	if err != nil {
		return nil, info, fmt.Errorf("cannot decode %s: %v", info.Format, err)
	}
	return img, info, nil
}

func formatName(f string) string {
	switch f {
	case "webp":
		return "WebP"
	}
	return strings.ToUpper(f)
}
