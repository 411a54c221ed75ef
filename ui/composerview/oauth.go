package composerview

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app/composer"
	"dev.hookscope/ui/uithread"
)

var grantLabels = []struct{ grant, label string }{
	{composer.GrantClientCredentials, "Client credentials"},
	{composer.GrantAuthorizationCode, "Authorization code (PKCE, browser)"},
	{composer.GrantDeviceCode, "Device code"},
}

// oauthPanel is the OAuth 2.0 auth mode: how to get a token, the buttons
// that get, refresh and forget it, and what the environment holds (the
// token masked: "••••" and its last four characters).
type oauthPanel struct {
	v *View

	grant        *widget.Select
	tokenURL     *sendEntry
	authURL      *sendEntry
	deviceURL    *sendEntry
	clientID     *sendEntry
	clientSecret *sendEntry
	scopes       *sendEntry
	audience     *sendEntry
	extra        *kvTable

	get, refresh, forget, cancelBtn *widget.Button
	// status says what token the selected environment has.
	status *widget.Label
	// prompt and link show where to sign in (the authorize URL when no
	// browser could be started, or the device flow's page and code).
	prompt *widget.Label
	link   *widget.Entry

	cancel context.CancelFunc
	// openBrowser opens the authorize URL; tests replace it.
	openBrowser func(string) error
	// client makes the OAuth client over the view's store; tests set
	// its clock and poll interval through it.
	client func(composer.TokenStore) *composer.OAuthClient
}

func (v *View) buildOAuth() fyne.CanvasObject {
	p := &oauthPanel{v: v, openBrowser: composer.OpenBrowser,
		client: func(ts composer.TokenStore) *composer.OAuthClient { return &composer.OAuthClient{Store: ts} }}
	v.oauth = p
	labels := make([]string, len(grantLabels))
	for i, g := range grantLabels {
		labels[i] = g.label
	}
	p.grant = widget.NewSelect(labels, nil)
	p.grant.SetSelectedIndex(0)
	p.tokenURL = v.newField()
	p.tokenURL.SetPlaceHolder("https://auth.example.com/oauth/token")
	p.authURL = v.newField()
	p.authURL.SetPlaceHolder("authorization code: https://auth.example.com/authorize")
	p.deviceURL = v.newField()
	p.deviceURL.SetPlaceHolder("device code: https://auth.example.com/oauth/device/code")
	p.clientID = v.newField()
	p.clientSecret = v.newSecretField()
	p.clientSecret.SetPlaceHolder("empty for a public client, or {{variable}}")
	p.scopes = v.newField()
	p.scopes.SetPlaceHolder("read write (spaces or commas)")
	p.audience = v.newField()
	p.audience.SetPlaceHolder("optional: https://api.example.com")
	p.extra = v.newKVTable("", "parameter", "value", false, nil)

	p.get = widget.NewButton("Get token", p.getToken)
	p.get.Importance = widget.HighImportance
	p.refresh = widget.NewButton("Refresh", p.refreshToken)
	p.forget = widget.NewButton("Forget", p.forgetToken)
	p.cancelBtn = widget.NewButton("Cancel sign-in", func() {
		if p.cancel != nil {
			p.cancel()
		}
	})
	p.cancelBtn.Hide()
	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord
	p.prompt = widget.NewLabel("")
	p.prompt.Wrapping = fyne.TextWrapWord
	p.link = widget.NewEntry()
	p.link.Wrapping = fyne.TextWrapBreak
	p.link.MultiLine = true
	p.link.Hide()

	form := widget.NewForm(
		widget.NewFormItem("Grant", p.grant),
		widget.NewFormItem("Token URL", p.tokenURL),
		widget.NewFormItem("Authorize URL", p.authURL),
		widget.NewFormItem("Device URL", p.deviceURL),
		widget.NewFormItem("Client ID", p.clientID),
		widget.NewFormItem("Client secret", p.clientSecret),
		widget.NewFormItem("Scopes", p.scopes),
		widget.NewFormItem("Audience", p.audience),
	)
	note := widget.NewLabel("Sent as Authorization: Bearer {{oauth.access_token}}; the token is the selected environment's, " +
		"refreshed before it expires, and {{oauth.access_token}} works in any field.")
	note.Wrapping = fyne.TextWrapWord
	return container.NewVBox(form,
		widget.NewLabel("Extra parameters"), p.extra.root,
		container.NewHBox(p.get, p.refresh, p.forget, p.cancelBtn),
		p.status, p.prompt, p.link, note)
}

// envName is the key of the selected environment's token ("" for none).
func (v *View) envName() string {
	if e := v.currentEnv(); e != nil {
		return e.Name
	}
	return ""
}

// tokens is the store as a token store, nil when there is none.
func (v *View) tokens() composer.TokenStore {
	ts, _ := v.store.(composer.TokenStore)
	return ts
}

func (p *oauthPanel) config() *composer.OAuth {
	g := composer.GrantClientCredentials
	if i := p.grant.SelectedIndex(); i >= 0 {
		g = grantLabels[i].grant
	}
	return &composer.OAuth{Grant: g, TokenURL: p.tokenURL.Text, AuthURL: p.authURL.Text, DeviceURL: p.deviceURL.Text,
		ClientID: p.clientID.Text, ClientSecret: p.clientSecret.Text, Scopes: p.scopes.Text, Audience: p.audience.Text,
		Extra: p.extra.Rows()}
}

func (p *oauthPanel) set(o *composer.OAuth) {
	if o == nil {
		o = &composer.OAuth{}
	}
	p.grant.SetSelectedIndex(0)
	for i, g := range grantLabels {
		if g.grant == o.Grant {
			p.grant.SetSelectedIndex(i)
		}
	}
	p.tokenURL.SetText(o.TokenURL)
	p.authURL.SetText(o.AuthURL)
	p.deviceURL.SetText(o.DeviceURL)
	p.clientID.SetText(o.ClientID)
	p.clientSecret.SetText(o.ClientSecret)
	p.scopes.SetText(o.Scopes)
	p.audience.SetText(o.Audience)
	p.extra.SetRows(o.Extra)
	p.showToken()
}

// showToken says what token the selected environment holds, masked.
func (p *oauthPanel) showToken() {
	ts := p.v.tokens()
	if ts == nil {
		p.status.SetText("Tokens need the store; this window has none.")
		return
	}
	env := p.v.envName()
	where := "this environment"
	if env == "" {
		where = "“No environment”"
	}
	tok, ok, err := ts.OAuthToken(env)
	switch {
	case err != nil:
		p.status.SetText(err.Error())
	case !ok:
		p.status.SetText("No token for " + where + " yet: press Get token.")
	default:
		p.status.SetText(tokenLine(tok.AccessToken, tok.TokenType, tok.RefreshToken != "", tok.Expiry, tok.Scopes, time.Now()))
	}
}

func tokenLine(access, typ string, refreshable bool, exp time.Time, scopes []string, now time.Time) string {
	s := "Token " + composer.MaskToken(access)
	if typ != "" {
		s += " (" + typ + ")"
	}
	switch {
	case exp.IsZero():
		s += ", no expiry given"
	case !now.Before(exp):
		s += ", expired " + exp.Local().Format("15:04:05")
	default:
		s += ", expires " + exp.Local().Format("15:04:05") + " (in " + exp.Sub(now).Round(time.Second).String() + ")"
	}
	if refreshable {
		s += ", refreshable"
	}
	if len(scopes) > 0 {
		s += " · scopes: " + strings.Join(scopes, " ")
	}
	return s
}

// busy disables the buttons while a flow runs; done re-enables them.
func (p *oauthPanel) busy(msg string) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.get.Disable()
	p.refresh.Disable()
	p.forget.Disable()
	p.cancelBtn.Show()
	p.status.SetText(msg)
	return ctx
}

func (p *oauthPanel) done(err error) {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	p.get.Enable()
	p.refresh.Enable()
	p.forget.Enable()
	p.cancelBtn.Hide()
	p.showToken()
	if err != nil {
		p.status.SetText(err.Error())
		return
	}
	p.prompt.SetText("")
	p.link.Hide()
}

func (p *oauthPanel) showLink(text, link string) {
	p.prompt.SetText(text)
	p.link.SetText(link)
	p.link.Show()
}

func (p *oauthPanel) getToken() {
	ts := p.v.tokens()
	if ts == nil || p.cancel != nil {
		return
	}
	cfg, env, envName := *p.config(), p.v.currentEnv(), p.v.envName()
	c := p.client(ts)
	ctx := p.busy("Getting a token…")
	p.prompt.SetText("")
	p.link.Hide()
	prompt := composer.Prompt{
		Authorize: func(u string) {
			err := p.openBrowser(u)
			uithread.Do(func() {
				if err != nil {
					p.showLink("No browser could be started ("+err.Error()+"). Open this address yourself; Hookscope waits for it to come back:", u)
				} else {
					p.showLink("Sign in in the browser that opened; Hookscope waits for it to come back. The address, if it did not show:", u)
				}
			})
		},
		Device: func(d composer.DeviceCode) {
			uithread.Do(func() {
				link := d.VerificationURI
				if d.VerificationURIComplete != "" {
					link = d.VerificationURIComplete
				}
				p.showLink(fmt.Sprintf("On any device, open %s and enter the code %s. Hookscope waits for the approval.", d.VerificationURI, d.UserCode), link)
			})
		},
	}
	go func() {
		_, err := c.Obtain(ctx, envName, env, cfg, prompt)
		uithread.Do(func() { p.done(err) })
	}()
}

func (p *oauthPanel) refreshToken() {
	ts := p.v.tokens()
	if ts == nil || p.cancel != nil {
		return
	}
	env, envName := p.v.currentEnv(), p.v.envName()
	c := p.client(ts)
	ctx := p.busy("Refreshing the token…")
	go func() {
		_, err := c.Refresh(ctx, envName, env)
		uithread.Do(func() { p.done(err) })
	}()
}

func (p *oauthPanel) forgetToken() {
	ts := p.v.tokens()
	if ts == nil {
		return
	}
	err := p.client(ts).Forget(p.v.envName())
	p.done(err)
}

// usesToken says whether r needs the environment's token: the OAuth 2.0
// auth kind, or {{oauth.…}} anywhere in what it holds.
func usesToken(r composer.Request) bool {
	if r.Auth.Kind == composer.AuthOAuth2 {
		return true
	}
	raw, _ := json.Marshal(r)
	return strings.Contains(string(raw), "{{oauth.") || strings.Contains(string(raw), "{{ oauth.")
}

// sendEnv is the environment a request is built with: the selected one
// with its OAuth token's variables.
func (v *View) sendEnv() *composer.Environment {
	env := v.currentEnv()
	ts := v.tokens()
	if ts == nil {
		return env
	}
	tok, ok, err := ts.OAuthToken(v.envName())
	if err != nil || !ok {
		return env
	}
	return composer.WithOAuth(env, tok)
}

// refreshBeforeSend starts refreshing the environment's token when r uses
// it and it expires within composer.RefreshBefore, then sends again; it
// reports whether it did (Send then waits for it).
func (v *View) refreshBeforeSend(r composer.Request) bool {
	ts := v.tokens()
	p := v.oauth
	if ts == nil || p == nil || !usesToken(r) {
		return false
	}
	if p.cancel != nil {
		return true // a flow is running; Send waits for it
	}
	c := p.client(ts)
	tok, ok, err := ts.OAuthToken(v.envName())
	if err != nil || !ok || !c.Due(tok) {
		return false
	}
	env, envName := v.currentEnv(), v.envName()
	ctx := p.busy("Refreshing the token before sending…")
	v.setStatus("Refreshing the OAuth token…", widget.MediumImportance)
	go func() {
		_, err := c.Refresh(ctx, envName, env)
		uithread.Do(func() {
			p.done(err)
			if err != nil {
				v.showProblem(err.Error())
				return
			}
			v.Send()
		})
	}()
	return true
}
