// Package composerview is the API composer window: an ad-hoc request editor
// with auth helpers and environments, the answer, the history of sent
// requests and saved collections. It builds on app/composer and
// sender; it reaches the store only through the Store interface.
package composerview

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app"
	"dev.hookscope/app/composer"
	"dev.hookscope/sender"
	"dev.hookscope/signature"
	"dev.hookscope/storage"
	"dev.hookscope/textutil"
	"dev.hookscope/ui/bodyview"
	"dev.hookscope/ui/uithread"
	"dev.hookscope/ui/verdictview"
)

// Store is what the view keeps on disk; *storage.Store has it all.
type Store interface {
	AppendHistory(storage.HistoryEntry) (uint64, error)
	History(limit int, query string) ([]storage.HistoryEntry, error)
	SaveCollectionItem(folder, name string, request []byte) (storage.CollectionItem, error)
	Collections() ([]storage.CollectionItem, error)
	RenameCollectionItem(id uint64, folder, name string) error
	DuplicateCollectionItem(id uint64) (storage.CollectionItem, error)
	DeleteCollectionItem(id uint64) error
	SaveEnvironments([]byte) error
	Environments() ([]byte, error)
}

const (
	// maxEditableBody: an Entry holding more than this is sluggish
	// (docs/cli.md, "Bodies too big to edit in the window"); a bigger
	// imported body is kept as it is, not shown.
	maxEditableBody = 64 << 10
	historyShown    = 500
	noEnvironment   = "No environment"

	settingTimeout = "composer_timeout_s"
	settingFollow  = "composer_follow_redirects"
	settingVerify  = "composer_verify_tls"
)

var standardMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

var authLabels = []struct{ kind, label string }{
	{composer.AuthNone, "No auth"},
	{composer.AuthBasic, "Basic"},
	{composer.AuthBearer, "Bearer token"},
	{composer.AuthAPIKey, "API key"},
	{composer.AuthSign, "Sign as webhook provider"},
	{composer.AuthOAuth2, "OAuth 2.0"},
}

var bodyKinds = []string{composer.BodyNone, composer.BodyRaw, composer.BodyForm, composer.BodyMultipart, composer.BodyBinary, composer.BodyGraphQL}

// View is the composer. Build it with New; its content is Object().
type View struct {
	core   *app.Core
	store  Store
	window fyne.Window

	method   *sendSelectEntry
	url      *sendEntry
	params   *kvTable
	headers  *kvTable
	bodyKind *widget.RadioGroup
	rawType  *sendSelectEntry
	rawBody  *sendEntry
	bigBody  *string // an imported body too big for the entry, sent as is
	bodyNote *widget.Label
	form     *kvTable
	binPath  *sendEntry
	bodyArea *fyne.Container
	gql      *graphQLEditor

	authKind  *widget.Select
	user      *sendEntry
	pass      *sendEntry
	token     *sendEntry
	jwtInfo   *widget.Label
	keyName   *sendEntry
	keyValue  *sendEntry
	keyIn     *widget.RadioGroup
	scheme    *widget.Select
	secret    *sendEntry
	authArea  *fyne.Container
	authParts map[string]fyne.CanvasObject
	oauth     *oauthPanel // the OAuth 2.0 mode (oauth.go)

	envs      []composer.Environment
	envSelect *widget.Select
	// importText is what the Import cURL box holds.
	importText string

	send        *widget.Button
	cancel      *widget.Button
	timeout     *sendEntry
	follow      *widget.Check
	verify      *widget.Check
	verifyWarn  *widget.Label
	status      *widget.Label
	timing      *widget.Label
	size        *widget.Label
	respHeaders *fyne.Container
	respBody    *bodyview.View
	respTabs    *container.AppTabs
	// origin is the operation of an imported spec the loaded request was
	// made from; answers are checked against it (contract.go).
	origin *composer.Origin
	// contractLine is the answer's verdict headline (or a quiet note)
	// above the answer; verdict lists its violations in the Contract tab.
	contractLine *widget.Label
	verdict      *verdictview.View

	search  *sendEntry
	history *widget.List
	entries []storage.HistoryEntry
	// historyFull shows the whole entry under the pointer.
	historyFull *widget.Label
	colTree     *widget.Tree
	items       []storage.CollectionItem
	tree        map[string][]string // the collections tree's children by node
	selected    int                 // index into items, -1 when none

	inFlight context.CancelFunc
	syncing  bool
	root     fyne.CanvasObject
}

// New builds the view. core (may be nil) keeps the timeout and toggles
// between runs; store (may be nil: nothing is kept) holds history,
// collections and environments; w parents the dialogs.
func New(core *app.Core, store Store, w fyne.Window) *View {
	v := &View{core: core, store: store, window: w, selected: -1}
	v.method = v.newSelectField(standardMethods)
	v.method.SetText("GET")
	v.url = v.newField()
	v.url.SetPlaceHolder("https://api.example.com/path?query  ({{variables}} allowed)")
	v.url.OnSubmitted = func(string) { v.Send() }
	v.url.OnChanged = func(string) { v.urlChanged() }
	v.params = v.newKVTable("", "name", "value", false, v.paramsChanged)
	v.headers = v.newKVTable("", "Header-Name", "value", false, nil)

	v.rawType = v.newSelectField([]string{"application/json", "application/xml", "text/plain", "text/html"})
	v.rawType.SetText("application/json")
	v.rawBody = newSendEntry(true, v.Send)
	v.rawBody.view = v
	v.rawBody.SetMinRowsVisible(8)
	v.rawBody.TextStyle = fyne.TextStyle{Monospace: true}
	v.rawBody.OnChanged = func(string) { v.bigBody = nil; v.bodyNote.SetText("") }
	v.bodyNote = widget.NewLabel("")
	v.bodyNote.Wrapping = fyne.TextWrapWord
	v.form = v.newKVTable("", "field", "value (multipart: @/path/to/file)", false, nil)
	v.binPath = v.newField()
	v.binPath.SetPlaceHolder("/path/to/file")
	v.gql = v.newGraphQLEditor()
	v.bodyArea = container.NewStack()
	v.bodyKind = widget.NewRadioGroup(bodyKinds, func(string) { v.showBodyKind() })
	v.bodyKind.Horizontal = true
	v.bodyKind.Required = true
	v.bodyKind.SetSelected(composer.BodyNone)

	v.buildAuth()
	v.envSelect = widget.NewSelect(nil, func(string) { v.oauth.showToken() })
	v.loadEnvironments()

	v.send = widget.NewButton("Send", v.Send)
	v.send.Importance = widget.HighImportance
	v.cancel = widget.NewButton("Cancel", v.Cancel)
	v.cancel.Disable()
	v.timeout = v.newField()
	v.timeout.SetText(v.setting(settingTimeout, "30"))
	v.follow = widget.NewCheck("Follow redirects", func(on bool) { v.putSetting(settingFollow, strconv.FormatBool(on)) })
	v.follow.SetChecked(v.setting(settingFollow, "false") == "true")
	v.verifyWarn = widget.NewLabel("⚠ TLS certificates are not verified")
	v.verifyWarn.Importance = widget.WarningImportance
	v.verify = widget.NewCheck("Verify TLS", func(on bool) {
		v.putSetting(settingVerify, strconv.FormatBool(on))
		if on {
			v.verifyWarn.Hide()
		} else {
			v.verifyWarn.Show()
		}
	})
	v.verify.SetChecked(v.setting(settingVerify, "true") == "true")

	v.status = widget.NewLabelWithStyle("Type a URL and press Send (Ctrl+Enter).", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.status.Wrapping = fyne.TextWrapWord
	v.timing = widget.NewLabel("")
	v.timing.Wrapping = fyne.TextWrapWord
	v.size = widget.NewLabel("")
	v.respHeaders = container.New(layout.NewFormLayout())
	v.respBody = bodyview.New()
	v.contractLine = widget.NewLabel("")
	v.contractLine.Wrapping = fyne.TextWrapWord
	v.contractLine.Hide()
	v.verdict = verdictview.New()
	v.verdict.OnShowInBody = v.showInBody
	v.verdict.ShowNone(noContractHint)

	v.search = v.newField()
	v.search.SetPlaceHolder("Search history (method, URL)")
	v.search.OnChanged = func(string) { v.loadHistory() }
	v.history = widget.NewList(func() int { return len(v.entries) }, v.newHistoryRow,
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := o.(*historyRow)
			r.i = i
			r.SetText(historyLine(v.entries[i]))
		})
	v.historyFull = widget.NewLabel(historyHint)
	v.historyFull.Wrapping = fyne.TextWrapWord
	v.history.OnSelected = func(i widget.ListItemID) {
		v.history.Unselect(i)
		v.openJSON(v.entries[i].Request)
	}
	v.colTree = v.newCollectionsTree()
	v.loadHistory()
	v.loadCollections()
	v.root = v.layout()
	return v
}

func newRowLabel() fyne.CanvasObject {
	l := widget.NewLabel("")
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// Object is the view's content.
func (v *View) Object() fyne.CanvasObject { return v.root }

func (v *View) setting(name, def string) string {
	if v.core == nil {
		return def
	}
	if s := v.core.Setting(name); s != "" {
		return s
	}
	return def
}

func (v *View) putSetting(name, value string) {
	if v.core != nil {
		v.core.PutSetting(name, value)
	}
}

func (v *View) buildAuth() {
	v.user = v.newField()
	v.pass = v.newSecretField()
	v.token = v.newField()
	v.token.SetPlaceHolder("token or {{variable}}")
	v.jwtInfo = widget.NewLabel("")
	v.jwtInfo.Wrapping = fyne.TextWrapWord
	v.token.OnChanged = func(string) { v.showJWT() }
	v.keyName = v.newField()
	v.keyName.SetPlaceHolder("X-Api-Key")
	v.keyValue = v.newSecretField()
	v.keyIn = widget.NewRadioGroup([]string{composer.KeyInHeader, composer.KeyInQuery}, nil)
	v.keyIn.Horizontal = true
	v.keyIn.Required = true
	v.keyIn.SetSelected(composer.KeyInHeader)
	v.scheme = widget.NewSelect(signature.Names(), nil)
	v.secret = v.newSecretField()
	v.secret.SetPlaceHolder("secret or private key")
	v.authParts = map[string]fyne.CanvasObject{
		composer.AuthNone:   widget.NewLabel("The request goes out without credentials."),
		composer.AuthBasic:  widget.NewForm(widget.NewFormItem("User", v.user), widget.NewFormItem("Password", v.pass)),
		composer.AuthBearer: container.NewVBox(widget.NewForm(widget.NewFormItem("Token", v.token)), v.jwtInfo),
		composer.AuthAPIKey: widget.NewForm(widget.NewFormItem("Name", v.keyName), widget.NewFormItem("Value", v.keyValue),
			widget.NewFormItem("In", v.keyIn)),
		composer.AuthSign: container.NewVBox(
			widget.NewForm(widget.NewFormItem("Scheme", v.scheme), widget.NewFormItem("Secret", v.secret)),
			widget.NewLabel("Signed over the final body with a fresh timestamp, as the provider would.")),
	}
	v.authParts[composer.AuthOAuth2] = v.buildOAuth()
	v.authArea = container.NewStack()
	labels := make([]string, len(authLabels))
	for i, a := range authLabels {
		labels[i] = a.label
	}
	v.authKind = widget.NewSelect(labels, func(string) { v.showAuthKind() })
	v.authKind.SetSelectedIndex(0)
}

func (v *View) authKindValue() string {
	i := v.authKind.SelectedIndex()
	if i < 0 {
		return composer.AuthNone
	}
	return authLabels[i].kind
}

func (v *View) showAuthKind() {
	v.authArea.Objects = []fyne.CanvasObject{v.authParts[v.authKindValue()]}
	v.authArea.Refresh()
}

func (v *View) showJWT() {
	tok := composer.Substitute(v.token.Text, v.currentEnv())
	if strings.Count(tok, ".") != 2 {
		v.jwtInfo.SetText("")
		return
	}
	h, c, exp, err := composer.DecodeJWT(tok)
	if err != nil {
		v.jwtInfo.SetText("Not a readable JWT: " + err.Error())
		return
	}
	hj, _ := json.Marshal(h)
	cj, _ := json.Marshal(c)
	text := "JWT header: " + clip(string(hj)) + "\nClaims: " + clip(string(cj))
	if !exp.IsZero() {
		text += "\nExpires " + exp.Local().Format("2006-01-02 15:04:05")
		if time.Now().After(exp) {
			text += " (expired)"
		} else {
			text += " (in " + time.Until(exp).Round(time.Second).String() + ")"
		}
	}
	v.jwtInfo.SetText(text)
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

func (v *View) showBodyKind() {
	var obj fyne.CanvasObject
	switch v.bodyKind.Selected {
	case composer.BodyRaw:
		obj = container.NewBorder(container.NewBorder(nil, nil, widget.NewLabel("Content-Type"), nil, v.rawType), v.bodyNote, nil, nil, v.rawBody)
	case composer.BodyForm, composer.BodyMultipart:
		obj = v.form.root
	case composer.BodyGraphQL:
		obj = v.gql.root
	case composer.BodyBinary:
		choose := widget.NewButton("Choose file…", func() {
			dialog.ShowFileOpen(func(rc fyne.URIReadCloser, err error) {
				if err == nil && rc != nil {
					v.binPath.SetText(rc.URI().Path())
					rc.Close()
				}
			}, v.window)
		})
		obj = container.NewVBox(container.NewBorder(nil, nil, nil, choose, v.binPath))
	default:
		obj = widget.NewLabel("No body.")
	}
	v.bodyArea.Objects = []fyne.CanvasObject{obj}
	v.bodyArea.Refresh()
}

func (v *View) urlChanged() {
	if v.syncing {
		return
	}
	r := composer.Request{URL: v.url.Text, Params: v.params.Rows()}
	r.SyncFromURL()
	v.params.SetRows(r.Params)
}

func (v *View) paramsChanged() {
	if v.syncing {
		return
	}
	r := composer.Request{URL: v.url.Text, Params: v.params.Rows()}
	r.SyncToURL()
	v.syncing = true
	v.url.SetText(r.URL)
	v.syncing = false
}

// Request is the request as edited.
func (v *View) Request() composer.Request {
	r := composer.Request{
		Method: strings.TrimSpace(v.method.Text), URL: strings.TrimSpace(v.url.Text),
		Params: v.params.Rows(), Headers: v.headers.Rows(),
		BodyKind: v.bodyKind.Selected, RawBody: v.rawBody.Text, RawType: v.rawType.Text,
		Form: v.form.Rows(), BinaryPath: v.binPath.Text,
		Auth: composer.Auth{Kind: v.authKindValue(), User: v.user.Text, Pass: v.pass.Text, Token: v.token.Text,
			KeyName: v.keyName.Text, KeyValue: v.keyValue.Text, KeyIn: v.keyIn.Selected,
			Scheme: v.scheme.Selected, Secret: v.secret.Text},
	}
	if v.bigBody != nil {
		r.RawBody = *v.bigBody
	}
	v.gql.fill(&r)
	if r.Auth.Kind == composer.AuthOAuth2 {
		r.Auth.OAuth = v.oauth.config()
	}
	r.OpenAPI = v.origin
	return r
}

// SetRequest loads r into the editor ("Open in composer", history,
// collections, cURL import).
func (v *View) SetRequest(r composer.Request) {
	v.syncing = true
	v.origin = r.OpenAPI
	if r.Method == "" {
		r.Method = "GET"
	}
	v.method.SetText(r.Method)
	v.url.SetText(r.URL)
	v.syncing = false
	if r.Params == nil {
		r.SyncFromURL()
	}
	v.params.SetRows(r.Params)
	v.headers.SetRows(r.Headers)
	kind := r.BodyKind
	if kind == "" {
		kind = composer.BodyNone
	}
	v.bodyKind.SetSelected(kind)
	v.rawType.SetText(r.RawType)
	if len(r.RawBody) > maxEditableBody {
		v.rawBody.SetText("")
		big := r.RawBody
		v.bigBody = &big
		v.bodyNote.SetText(fmt.Sprintf("The body (%s) is too big to edit here; it is sent as imported. Typing replaces it.", textutil.HumanSize(int64(len(big)))))
	} else {
		v.rawBody.SetText(r.RawBody)
		v.bigBody = nil
		v.bodyNote.SetText("")
	}
	v.form.SetRows(r.Form)
	v.binPath.SetText(r.BinaryPath)
	v.gql.set(r)
	a := r.Auth
	v.authKind.SetSelectedIndex(0)
	for i, l := range authLabels {
		if l.kind == a.Kind {
			v.authKind.SetSelectedIndex(i)
		}
	}
	v.user.SetText(a.User)
	v.pass.SetText(a.Pass)
	v.token.SetText(a.Token)
	v.keyName.SetText(a.KeyName)
	v.keyValue.SetText(a.KeyValue)
	if a.KeyIn == composer.KeyInQuery {
		v.keyIn.SetSelected(composer.KeyInQuery)
	} else {
		v.keyIn.SetSelected(composer.KeyInHeader)
	}
	v.scheme.SetSelected(a.Scheme)
	v.secret.SetText(a.Secret)
	v.oauth.set(a.OAuth)
}

func (v *View) openJSON(raw json.RawMessage) {
	var r composer.Request
	if err := json.Unmarshal(raw, &r); err != nil {
		v.showProblem("That entry cannot be opened: " + err.Error())
		return
	}
	v.SetRequest(r)
}

func (v *View) currentEnv() *composer.Environment {
	if v.envSelect == nil {
		return nil
	}
	for i := range v.envs {
		if v.envs[i].Name == v.envSelect.Selected {
			return &v.envs[i]
		}
	}
	return nil
}

func (v *View) timeoutValue() (time.Duration, error) {
	s := strings.TrimSpace(v.timeout.Text)
	if s == "" || s == "0" {
		return -1, nil // none
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("the timeout %q is not a number of seconds", s)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// Send builds the request and sends it; the answer appears when it comes.
// It does nothing while a request is in flight.
func (v *View) Send() {
	if v.inFlight != nil {
		return
	}
	r := v.Request()
	if v.refreshBeforeSend(r) {
		return // sends once the OAuth token is refreshed
	}
	req, body, err := composer.Build(r, v.sendEnv())
	if err != nil {
		v.showProblem(err.Error())
		return
	}
	timeout, err := v.timeoutValue()
	if err != nil {
		v.showProblem(err.Error())
		return
	}
	v.putSetting(settingTimeout, strings.TrimSpace(v.timeout.Text))
	opt := sender.Options{Timeout: timeout, FollowRedirects: v.follow.Checked, Insecure: !v.verify.Checked}
	saved, _ := json.Marshal(r) // the request as edited: {{variables}} stay unexpanded
	ctx, cancel := context.WithCancel(context.Background())
	v.inFlight = cancel
	v.send.Disable()
	v.cancel.Enable()
	v.setStatus("Sending…", widget.MediumImportance)
	method, target := req.Method, req.URL.String()
	sent := len(body)
	specs, _ := v.store.(composer.SpecStore)
	go func() {
		start := time.Now()
		resp, err := sender.Send(ctx, req, opt)
		var check composer.AnswerCheck
		if err == nil {
			// Off the UI goroutine: a big spec's schemas take a while to
			// compile the first time.
			check = composer.CheckAnswer(specs, r, resp)
		}
		e := storage.HistoryEntry{At: start.UTC(), Method: method, URL: target, Request: saved}
		if err != nil {
			e.Error = err.Error()
			e.DurationMs = ms(time.Since(start))
		} else {
			e.Status = resp.Status
			e.DurationMs = ms(resp.Timing.Total)
		}
		var herr error
		if v.store != nil {
			_, herr = v.store.AppendHistory(e)
		}
		uithread.Do(func() { v.finished(resp, err, herr, sent, check) })
	}()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Cancel stops the request in flight, if any.
func (v *View) Cancel() {
	if v.inFlight != nil {
		v.inFlight()
	}
}

func (v *View) finished(resp *sender.Response, err, herr error, sent int, check composer.AnswerCheck) {
	v.inFlight = nil
	v.send.Enable()
	v.cancel.Disable()
	v.loadHistory()
	v.gql.showAnswer(v, resp)
	if err != nil {
		v.showProblem("No answer: " + err.Error())
		v.timing.SetText("")
		v.size.SetText("")
		v.respHeaders.Objects = nil
		v.respHeaders.Refresh()
		v.respBody.SetBody(nil, "")
		v.showCheck(composer.AnswerCheck{})
		return
	}
	imp := widget.SuccessImportance
	switch {
	case resp.Status >= 500:
		imp = widget.DangerImportance
	case resp.Status >= 400:
		imp = widget.WarningImportance
	}
	v.setStatus(fmt.Sprintf("%d %s", resp.Status, http.StatusText(resp.Status)), imp)
	t := resp.Timing
	v.timing.SetText(fmt.Sprintf("total %.1f ms · DNS %.1f · connect %.1f · TLS %.1f · first byte %.1f",
		ms(t.Total), ms(t.DNS), ms(t.Connect), ms(t.TLS), ms(t.FirstByte)))
	size := fmt.Sprintf("received %s · sent %s body", textutil.HumanSize(resp.BodySize), textutil.HumanSize(int64(sent)))
	if resp.Truncated {
		size += fmt.Sprintf(" · kept the first %s", textutil.HumanSize(int64(len(resp.Body))))
	}
	if herr != nil {
		size += " · not saved to history: " + herr.Error()
	}
	v.size.SetText(size)
	v.respHeaders.Objects = nil
	for _, k := range slices.Sorted(maps.Keys(resp.Header)) {
		for _, val := range resp.Header[k] {
			name := widget.NewLabelWithStyle(k, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
			value := widget.NewLabel(val)
			value.Wrapping = fyne.TextWrapBreak
			v.respHeaders.Add(name)
			v.respHeaders.Add(value)
		}
	}
	v.respHeaders.Refresh()
	v.respBody.SetBodyEncoded(resp.Body, resp.Header.Get("Content-Type"), strings.Join(resp.Header.Values("Content-Encoding"), ", "))
	v.showCheck(check)
	v.gql.showAnswer(v, resp)
}

func (v *View) setStatus(text string, imp widget.Importance) {
	v.status.SetText(text)
	v.status.Importance = imp
	v.status.Refresh()
}

func (v *View) showProblem(msg string) { v.setStatus(msg, widget.DangerImportance) }

func (v *View) loadHistory() {
	if v.store == nil {
		return
	}
	entries, err := v.store.History(historyShown, v.search.Text)
	if err != nil {
		v.showProblem(err.Error())
		return
	}
	v.entries = entries
	v.history.Refresh()
}

func historyLine(e storage.HistoryEntry) string {
	outcome := strconv.Itoa(e.Status)
	if e.Error != "" {
		outcome = "no answer"
	}
	return fmt.Sprintf("%s  %s  %s  %.0f ms  %s", e.At.Local().Format("01-02 15:04:05"), e.Method, outcome, e.DurationMs, e.URL)
}

func itemLine(it storage.CollectionItem) string { return itemLine2(it.Folder, it.Name) }

func (v *View) loadCollections() {
	if v.store == nil {
		return
	}
	items, err := v.store.Collections()
	if err != nil {
		v.showProblem(err.Error())
		return
	}
	v.items = items
	v.selected = -1
	v.buildTree()
	v.colTree.UnselectAll()
	v.colTree.OpenAllBranches()
	v.colTree.Refresh()
}
