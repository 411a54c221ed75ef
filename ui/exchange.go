package ui

import (
	"context"
	"fmt"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/exchange"
)

// exportImport is File ▸ Export… and Import… (and Ctrl+E, Ctrl+O): what
// the list shows, or its selected request, to a file; a file into the
// store.
type exportImport struct {
	window   fyne.Window
	core     app.Source
	requests *RequestList
}

// exportIDs writes the given requests to w in format, as `hookscope
// export` does (secrets masked, a rule's answer as the HAR response), and
// returns how many it wrote.
func (x *exportImport) exportIDs(w io.Writer, format exchange.Format, ids []uint64) (int, error) {
	enc, err := exchange.NewEncoderWith(w, format, exchange.Options{CreatorVersion: app.Version(), Answer: x.core.RuleAnswer})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		rec, err := x.core.Get(id)
		if err != nil {
			continue // deleted meanwhile
		}
		if err := enc.Encode(rec); err != nil {
			return n, err
		}
		n++
	}
	return n, enc.Close()
}

// importData stores what a HAR, raw HTTP or curl file holds.
func (x *exportImport) importData(data []byte) (string, error) {
	res, err := exchange.Import(data)
	if err != nil {
		return "", err
	}
	for _, rec := range res.Records {
		if _, err := x.core.Append(context.Background(), rec); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("Imported %d request(s) from %s.", len(res.Records), res.Format), nil
}

// listedIDs is what the list shows, oldest first (the filter applies).
func (x *exportImport) listedIDs() []uint64 {
	return x.requests.listed()
}

func (x *exportImport) showExportDialog() {
	format := widget.NewRadioGroup([]string{"har", "curl", "raw"}, nil)
	format.Horizontal = true
	format.SetSelected("har")
	scope := widget.NewRadioGroup(nil, nil)
	all := fmt.Sprintf("All listed (%d)", x.requests.Count())
	scope.Options = []string{all}
	if id := x.requests.SelectedID(); id != 0 {
		scope.Options = append([]string{fmt.Sprintf("Request #%d", id)}, scope.Options...)
	}
	scope.SetSelected(scope.Options[0])
	items := []*widget.FormItem{widget.NewFormItem("Format", format), widget.NewFormItem("Requests", scope)}
	dialog.ShowForm("Export", "Save…", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		ids := x.listedIDs()
		if scope.Selected != all {
			ids = []uint64{x.requests.SelectedID()}
		}
		x.saveExport(exchange.Format(format.Selected), ids)
	}, x.window)
}

func (x *exportImport) saveExport(format exchange.Format, ids []uint64) {
	save := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		n, err := x.exportIDs(wc, format, ids)
		if cerr := wc.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			dialog.ShowError(fmt.Errorf("export to %s: %w", wc.URI().Path(), err), x.window)
			return
		}
		dialog.ShowInformation("Export", exportedLine(n, format, wc.URI().Path()), x.window)
	}, x.window)
	ext := map[exchange.Format]string{"har": ".har", "curl": ".sh", "raw": ".http"}[format]
	save.SetFileName("hookscope" + ext)
	save.SetFilter(storage.NewExtensionFileFilter([]string{ext}))
	save.Resize(fileDialogSize(x.window))
	save.Show()
}

// exportedLine says what an export wrote and where.
func exportedLine(n int, format exchange.Format, path string) string {
	noun := "requests"
	if n == 1 {
		noun = "request"
	}
	return fmt.Sprintf("Exported %d %s as %s to %s.", n, noun, format, path)
}

func (x *exportImport) showImportDialog() {
	open := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, 1<<30))
		if err == nil {
			var msg string
			if msg, err = x.importData(data); err == nil {
				dialog.ShowInformation("Import", msg, x.window)
				return
			}
		}
		dialog.ShowError(err, x.window)
	}, x.window)
	// No extension filter: import tells HAR, raw HTTP and curl apart by
	// content (docs/cli.md, "import"), and Fyne's dialog offers no way
	// around a filter for a capture saved under another name.
	open.Resize(fileDialogSize(x.window))
	open.Show()
}

// fileDialogSize lets a file dialog list more than four rows: most of the
// window, which Fyne's default minimum does not use.
func fileDialogSize(w fyne.Window) fyne.Size {
	s := w.Canvas().Size()
	return fyne.NewSize(max(640, s.Width*0.8), max(420, s.Height*0.8))
}
