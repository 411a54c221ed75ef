package bodyview

import (
	"fmt"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"dev.hookscope/bodyfmt"
)

// saveBytes is what Save writes: the decoded body when it is shown
// decoded, else the bytes as sent (never the formatted text, so a saved
// body is the body).
func (v *View) saveBytes() []byte {
	if v.decoded != nil && !v.asSent && !v.decodeFail {
		return v.decoded
	}
	return v.sent
}

// WriteBody writes what Save would save.
func (v *View) WriteBody(w io.Writer) error {
	_, err := w.Write(v.saveBytes())
	return err
}

func (v *View) saveFile() {
	win := v.window()
	if win == nil || len(v.saveBytes()) == 0 {
		return
	}
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		defer wc.Close()
		if err := v.WriteBody(wc); err != nil {
			dialog.ShowError(fmt.Errorf("save the body: %w", err), win)
		}
	}, win)
	d.SetFileName("body" + extensionFor(v.contentType))
	d.Show()
}

// window finds the window showing the view, to parent the dialog.
func (v *View) window() fyne.Window {
	c := fyne.CurrentApp().Driver().CanvasForObject(v)
	for _, w := range fyne.CurrentApp().Driver().AllWindows() {
		if w.Canvas() == c {
			return w
		}
	}
	return nil
}

func extensionFor(contentType string) string {
	mt := bodyfmt.MediaType(contentType)
	switch {
	case strings.HasSuffix(mt, "json"):
		return ".json"
	case strings.HasSuffix(mt, "xml"):
		return ".xml"
	case mt == "text/html":
		return ".html"
	case strings.HasPrefix(mt, "text/"):
		return ".txt"
	case strings.HasPrefix(mt, "image/"):
		return "." + strings.TrimPrefix(mt, "image/")
	}
	return ".bin"
}
