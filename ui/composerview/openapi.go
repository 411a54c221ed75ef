package composerview

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app/composer"
	"dev.hookscope/ui/uithread"
)

// importOpenAPI asks for a spec (a file, chosen or typed, or a URL) and
// a collection name, then imports it as composer import-openapi does
// (docs/cli.md, "composer").
func (v *View) importOpenAPI() {
	if v.store == nil {
		return
	}
	source := v.newField()
	source.SetPlaceHolder("/path/to/openapi.yaml or https://…/openapi.json")
	collection := v.newField()
	collection.SetPlaceHolder("collection (default: the spec's title)")
	choose := widget.NewButton("Choose file…", func() {
		d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
			if err == nil && rc != nil {
				source.SetText(rc.URI().Path())
				rc.Close()
			}
		}, v.window)
		d.SetFilter(storage.NewExtensionFileFilter([]string{".yaml", ".yml", ".json"}))
		d.Show()
	})
	d := dialog.NewForm("Import OpenAPI", "Import", "Cancel",
		[]*widget.FormItem{
			widget.NewFormItem("Spec", container.NewBorder(nil, nil, nil, choose, source)),
			widget.NewFormItem("Collection", collection),
		}, func(ok bool) {
			if ok {
				v.ImportOpenAPI(source.Text, collection.Text)
			}
		}, v.window)
	submit := func(string) {
		d.Hide()
		v.ImportOpenAPI(source.Text, collection.Text)
	}
	source.OnSubmitted, collection.OnSubmitted = submit, submit
	v.escapable(d, source, collection)
	v.fitDialog(d, 560, 0)
	d.Show()
	v.window.Canvas().Focus(source)
}

// ImportOpenAPI reads the spec at source (file or URL) off the UI
// goroutine and saves it as a collection; the status line says what was
// imported, or why not.
func (v *View) ImportOpenAPI(source, collection string) {
	source = strings.TrimSpace(source)
	if source == "" {
		v.showProblem("Import OpenAPI: give a spec file or URL.")
		return
	}
	v.setStatus("Importing "+source+"…", widget.MediumImportance)
	go func() {
		var imp *composer.OpenAPIImport
		var res composer.ImportResult
		data, err := composer.ReadSpec(context.Background(), source)
		if err == nil {
			imp, err = composer.ImportOpenAPI(data, collection, source)
		}
		if err == nil {
			res, err = composer.SaveImport(v.store, imp)
		}
		uithread.Do(func() {
			if err != nil {
				v.showProblem("Import OpenAPI: " + err.Error())
				return
			}
			v.loadCollections()
			v.loadEnvironments()
			v.envSelect.SetSelected(res.Environment)
			msg := fmt.Sprintf("Imported %d requests (%d operations, %d webhooks) into %q; environment %q selected.",
				res.Saved, imp.Operations, imp.Webhooks, imp.Collection, res.Environment)
			if res.Contract != nil {
				msg += " Answers are checked against " + res.Contract.Spec + "."
			}
			notes := imp.Notes
			if res.ContractNote != "" {
				notes = append(notes, res.ContractNote)
			}
			if len(notes) > 0 {
				msg += " Note: " + strings.Join(notes, " ")
			}
			v.setStatus(msg, widget.SuccessImportance)
		})
	}()
}
