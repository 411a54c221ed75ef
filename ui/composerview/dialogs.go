package composerview

import (
	"encoding/json"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app/composer"
	"dev.hookscope/ui/bodyview"
)

func (v *View) layout() fyne.CanvasObject {
	methodBox := container.NewGridWrap(fyne.NewSize(130, v.method.MinSize().Height), v.method)
	sendRow := container.NewBorder(nil, nil, methodBox, container.NewHBox(v.send, v.cancel), v.url)
	envEdit := widget.NewButton("Environments…", v.editEnvironments)
	importBtn := widget.NewButton("Import cURL…", v.importCurl)
	codeBtn := widget.NewButton("Copy as cURL / code…", v.showCode)
	saveBtn := widget.NewButton("Save to collection…", v.saveToCollection)
	timeoutBox := container.NewGridWrap(fyne.NewSize(70, v.timeout.MinSize().Height), v.timeout)
	optRow := container.NewHBox(widget.NewLabel("Env"), v.envSelect, envEdit,
		widget.NewLabel("Timeout (s)"), timeoutBox, v.follow, v.verify, v.verifyWarn)
	toolRow := container.NewHBox(importBtn, widget.NewButton("Import OpenAPI…", v.importOpenAPI), codeBtn, saveBtn)

	v.showBodyKind()
	v.showAuthKind()
	reqTabs := container.NewAppTabs(
		container.NewTabItem("Params", v.params.root),
		container.NewTabItem("Headers", v.headers.root),
		container.NewTabItem("Body", container.NewBorder(v.bodyKind, nil, nil, nil, v.bodyArea)),
		container.NewTabItem("Auth", container.NewBorder(v.authKind, nil, nil, nil, container.NewVScroll(v.authArea))),
	)
	editor := container.NewBorder(container.NewVBox(sendRow, optRow, toolRow), nil, nil, nil, reqTabs)

	v.respTabs = container.NewAppTabs(
		container.NewTabItem("Body", v.respBody),
		container.NewTabItem("Headers", container.NewVScroll(v.respHeaders)),
		container.NewTabItem("Contract", container.NewVScroll(container.NewVBox(v.verdict.Object(), v.verdict.Status))),
	)
	answer := container.NewBorder(container.NewVBox(v.status, v.timing, v.size, v.contractLine, v.gql.errors), nil, nil, nil, v.respTabs)

	rename := widget.NewButton("Rename…", v.renameItem)
	dup := widget.NewButton("Duplicate", v.duplicateItem)
	del := widget.NewButton("Delete", v.deleteItem)
	side := container.NewAppTabs(
		container.NewTabItem("History", container.NewBorder(v.search, v.historyFull, nil, nil, v.history)),
		container.NewTabItem("Collections", container.NewBorder(nil, container.NewHBox(rename, dup, del), nil, nil, v.colTree)),
	)
	main := container.NewVSplit(editor, answer)
	main.Offset = 0.55
	split := container.NewHSplit(side, main)
	split.Offset = 0.25
	return split
}

func (v *View) loadEnvironments() {
	if v.store != nil {
		if raw, err := v.store.Environments(); err == nil && raw != nil {
			var envs []composer.Environment
			if json.Unmarshal(raw, &envs) == nil {
				v.envs = envs
			}
		}
	}
	v.refreshEnvSelect()
}

func (v *View) refreshEnvSelect() {
	cur := v.envSelect.Selected
	opts := []string{noEnvironment}
	for _, e := range v.envs {
		opts = append(opts, e.Name)
	}
	v.envSelect.SetOptions(opts)
	if v.envByName(cur) == nil {
		cur = noEnvironment
	}
	v.envSelect.SetSelected(cur)
}

func (v *View) envByName(name string) *composer.Environment {
	for i := range v.envs {
		if v.envs[i].Name == name {
			return &v.envs[i]
		}
	}
	return nil
}

func (v *View) saveEnvironments() error {
	if v.store == nil {
		return nil
	}
	raw, err := json.Marshal(v.envs)
	if err != nil {
		return err
	}
	return v.store.SaveEnvironments(raw)
}

// editEnvironments opens the editor of one environment: the selected one,
// or a new one. The check beside a variable marks it secret (masked).
func (v *View) editEnvironments() {
	orig := v.currentEnv()
	name := v.newField()
	name.SetPlaceHolder("environment name")
	vars := v.newKVTable("secret", "name", "value", true, nil)
	if orig != nil {
		name.SetText(orig.Name)
		var rows []composer.KV
		for _, x := range orig.Vars {
			rows = append(rows, composer.KV{Key: x.Name, Value: x.Value, Enabled: x.Secret})
		}
		vars.SetRows(rows)
	}
	var d dialog.Dialog
	del := widget.NewButton("Delete this environment", func() {
		if orig == nil {
			d.Hide()
			return
		}
		for i := range v.envs {
			if v.envs[i].Name == orig.Name {
				v.envs = append(v.envs[:i:i], v.envs[i+1:]...)
				break
			}
		}
		v.finishEnvEdit(noEnvironment)
		d.Hide()
	})
	content := container.NewBorder(container.NewVBox(widget.NewLabel("Use a variable as {{name}} in the URL, headers, body and auth fields."), name),
		del, nil, nil, vars.root)
	d = dialog.NewCustomConfirm("Environment", "Save", "Cancel", content, func(ok bool) {
		if !ok {
			return
		}
		n := strings.TrimSpace(name.Text)
		if n == "" || n == noEnvironment {
			v.showProblem("An environment needs a name.")
			return
		}
		env := composer.Environment{Name: n}
		for _, kv := range vars.Rows() {
			if kv.Key != "" {
				env.Vars = append(env.Vars, composer.Var{Name: strings.TrimSpace(kv.Key), Value: kv.Value, Secret: kv.Enabled})
			}
		}
		replaced := false
		for i := range v.envs {
			if (orig != nil && v.envs[i].Name == orig.Name) || v.envs[i].Name == n {
				if !replaced {
					v.envs[i] = env
					replaced = true
				}
			}
		}
		if !replaced {
			v.envs = append(v.envs, env)
		}
		v.finishEnvEdit(n)
	}, v.window)
	v.escapable(d, name)
	vars.onEscape = d.Hide
	// The variables scroll: room for the rows there are, up to eight.
	rows := max(len(vars.rows), 1)
	v.fitDialog(d, 560, float32(min(rows, 8))*(name.MinSize().Height+theme.Padding()))
	d.Show()
}

func (v *View) finishEnvEdit(selected string) {
	if err := v.saveEnvironments(); err != nil {
		v.showProblem("The environments were not saved: " + err.Error())
	}
	v.refreshEnvSelect()
	v.envSelect.SetSelected(selected)
}

// importCurl asks for a pasted curl command and loads it.
func (v *View) importCurl() {
	var d dialog.Dialog
	// Ctrl+Enter in the paste box imports, so the mouse is not needed.
	text := newSendEntry(true, func() {
		d.Hide()
		v.ImportCurl(v.importText)
	})
	text.OnChanged = func(s string) { v.importText = s }
	text.SetPlaceHolder("Paste: curl 'https://…' -H '…' --data-raw '…'   (Ctrl+Enter imports)")
	text.SetMinRowsVisible(8)
	text.view = v
	v.importText = ""
	d = dialog.NewCustomConfirm("Import cURL", "Import", "Cancel", text, func(ok bool) {
		if ok {
			v.ImportCurl(v.importText)
		}
	}, v.window)
	v.escapable(d, text)
	v.fitDialog(d, 640, 0)
	d.Show()
	v.window.Canvas().Focus(text)
}

// ImportCurl loads a curl command into the editor; a problem shows in the
// status line.
func (v *View) ImportCurl(text string) {
	r, err := composer.FromCurl(text)
	if err != nil {
		v.showProblem("Import: " + err.Error())
		return
	}
	v.SetRequest(r)
	v.setStatus("Imported. Press Send (Ctrl+Enter).", 0)
}

// Code returns the request as edited in lang: "curl" or one of
// composer.SnippetLangs.
func (v *View) Code(lang string) (string, error) {
	req, body, err := composer.Build(v.Request(), v.sendEnv()) // with the OAuth token, as Send builds it
	if err != nil {
		return "", err
	}
	if lang == "curl" {
		return composer.ToCurl(req, body), nil
	}
	return composer.Snippet(lang, req, body), nil
}

// showCode shows the request as curl or code in the body viewer (a big
// body would make an Entry unusable), whose own Copy copies it.
func (v *View) showCode() {
	view := bodyview.New()
	show := func(lang string) {
		text, err := v.Code(lang)
		if err != nil {
			text = err.Error()
		}
		view.SetBody([]byte(text), "text/plain")
	}
	langs := append([]string{"curl"}, composer.SnippetLangs...)
	pick := widget.NewRadioGroup(langs, func(s string) {
		if s != "" {
			show(s)
		}
	})
	pick.Horizontal = true
	pick.Required = true
	pick.SetSelected("curl")
	d := dialog.NewCustom("Copy as cURL / code", "Close", container.NewBorder(pick, nil, nil, nil, view), v.window)
	v.escapable(d)
	// The code viewer scrolls, so it asks for no height: give it some.
	v.fitDialog(d, 760, 360)
	d.Show()
}

func (v *View) saveToCollection() {
	if v.store == nil {
		return
	}
	folder := v.newField()
	folder.SetPlaceHolder("folder (optional; a/b is b inside a)")
	name := v.newField()
	name.SetPlaceHolder("name (Enter saves)")
	if v.selected >= 0 && v.selected < len(v.items) {
		folder.SetText(v.items[v.selected].Folder)
		name.SetText(v.items[v.selected].Name)
	}
	d := dialog.NewForm("Save to collection", "Save", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Name", name), widget.NewFormItem("Folder", folder)},
		func(ok bool) {
			if ok {
				v.SaveToCollection(folder.Text, name.Text)
			}
		}, v.window)
	// Enter in either field saves, so the mouse is not needed.
	submit := func(string) {
		d.Hide()
		v.SaveToCollection(folder.Text, name.Text)
	}
	name.OnSubmitted, folder.OnSubmitted = submit, submit
	v.escapable(d, name, folder)
	v.fitDialog(d, 460, 0)
	d.Show()
	v.window.Canvas().Focus(name)
}

// SaveToCollection saves the request as edited under folder/name,
// replacing an item of the same folder and name.
func (v *View) SaveToCollection(folder, name string) {
	raw, err := json.Marshal(v.Request())
	if err == nil {
		_, err = v.store.SaveCollectionItem(cleanFolder(folder), name, raw)
	}
	if err != nil {
		v.showProblem(err.Error())
		return
	}
	v.loadCollections()
	v.setStatus(fmt.Sprintf("Saved to the collection as %q.", itemLine2(folder, name)), 0)
}

func itemLine2(folder, name string) string {
	parts := append(folderParts(folder), strings.TrimSpace(name))
	return strings.Join(parts, " / ")
}

func (v *View) selectedItemID() (uint64, bool) {
	if v.store == nil || v.selected < 0 || v.selected >= len(v.items) {
		v.showProblem("Select an item in Collections first.")
		return 0, false
	}
	return v.items[v.selected].ID, true
}

func (v *View) renameItem() {
	id, ok := v.selectedItemID()
	if !ok {
		return
	}
	it := v.items[v.selected]
	folder := v.newField()
	folder.SetText(it.Folder)
	folder.SetPlaceHolder("folder (a/b is b inside a)")
	name := v.newField()
	name.SetText(it.Name)
	d := dialog.NewForm("Rename", "Rename", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Folder", folder), widget.NewFormItem("Name", name)},
		func(ok bool) {
			if !ok {
				return
			}
			if err := v.store.RenameCollectionItem(id, cleanFolder(folder.Text), name.Text); err != nil {
				v.showProblem(err.Error())
			}
			v.loadCollections()
		}, v.window)
	v.escapable(d, folder, name)
	v.fitDialog(d, 460, 0)
	d.Show()
	v.window.Canvas().Focus(name)
}

func (v *View) duplicateItem() {
	id, ok := v.selectedItemID()
	if !ok {
		return
	}
	if _, err := v.store.DuplicateCollectionItem(id); err != nil {
		v.showProblem(err.Error())
	}
	v.loadCollections()
}

func (v *View) deleteItem() {
	id, ok := v.selectedItemID()
	if !ok {
		return
	}
	it := v.items[v.selected]
	d := dialog.NewConfirm("Delete", fmt.Sprintf("Delete %q from the collections?", itemLine(it)), func(ok bool) {
		if !ok {
			return
		}
		if err := v.store.DeleteCollectionItem(id); err != nil {
			v.showProblem(err.Error())
		}
		v.loadCollections()
	}, v.window)
	v.escapable(d)
	d.Show()
}

// escapable makes Escape close d as Cancel does: in the fields given and,
// while nothing has the focus, through the window's key handler (the one
// there before is called for other keys and put back when d closes).
func (v *View) escapable(d dialog.Dialog, fields ...*sendEntry) {
	for _, f := range fields {
		f.onEscape = d.Hide
	}
	c := v.window.Canvas()
	prev := c.OnTypedKey()
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			d.Hide()
			return
		}
		if prev != nil {
			prev(k)
		}
	})
	d.SetOnClosed(func() { c.SetOnTypedKey(prev) })
}

// fitDialog sizes d to its content: at least width wide (a form's fields
// are otherwise as narrow as their placeholders) and extra taller than
// its minimum (for content that scrolls), never larger than the window.
func (v *View) fitDialog(d dialog.Dialog, width, extra float32) {
	m := d.MinSize()
	size := fyne.NewSize(max(width, m.Width), m.Height+extra)
	if win := v.window.Canvas().Size(); win.Width > 0 && win.Height > 0 {
		size = size.Min(fyne.NewSize(win.Width-2*theme.Padding(), win.Height-2*theme.Padding())).Max(m)
	}
	d.Resize(size)
}
