package composer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"dev.hookscope/storage"
)

// AuthOAuth2 is the auth kind that sends the selected environment's OAuth
// 2.0 token: Authorization: <token type> <access token>.
const AuthOAuth2 = "oauth2"

// OAuth grant types the composer can run.
const (
	GrantClientCredentials = "client_credentials"
	GrantAuthorizationCode = "authorization_code" // with PKCE, redirect to a loopback listener
	GrantDeviceCode        = "device_code"
)

// Names under which the token is a variable (see WithOAuth).
const (
	VarOAuthAccessToken = "oauth.access_token"
	VarOAuthTokenType   = "oauth.token_type"
)

// RefreshBefore is how long before its expiry a token is refreshed at send
// time, so it does not run out between the check and the server reading it.
const RefreshBefore = 30 * time.Second

// OAuth is how to obtain a token. Every field may hold {{variables}}.
// Scopes are separated by spaces or commas; Audience goes out as the
// "audience" parameter (Auth0, Okta), Extra as further parameters of the
// token request (client credentials) or of the authorize and device
// requests.
type OAuth struct {
	Grant        string `json:"grant,omitempty"`
	TokenURL     string `json:"token_url,omitempty"`
	AuthURL      string `json:"auth_url,omitempty"`
	DeviceURL    string `json:"device_url,omitempty"`
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	Scopes       string `json:"scopes,omitempty"`
	Audience     string `json:"audience,omitempty"`
	Extra        []KV   `json:"extra,omitempty"`
}

// resolve substitutes env's variables in every field and trims them.
func (o OAuth) resolve(env *Environment) OAuth {
	sub := func(s string) string { return strings.TrimSpace(Substitute(s, env)) }
	r := OAuth{Grant: o.Grant, TokenURL: sub(o.TokenURL), AuthURL: sub(o.AuthURL), DeviceURL: sub(o.DeviceURL),
		ClientID: sub(o.ClientID), ClientSecret: sub(o.ClientSecret), Scopes: sub(o.Scopes), Audience: sub(o.Audience)}
	for _, kv := range o.Extra {
		if kv.Enabled && strings.TrimSpace(kv.Key) != "" {
			r.Extra = append(r.Extra, KV{Key: sub(kv.Key), Value: sub(kv.Value), Enabled: true})
		}
	}
	return r
}

func (o OAuth) scopeList() []string {
	return strings.Fields(strings.ReplaceAll(o.Scopes, ",", " "))
}

// params are the audience and extra parameters.
func (o OAuth) params() map[string]string {
	m := map[string]string{}
	if o.Audience != "" {
		m["audience"] = o.Audience
	}
	for _, kv := range o.Extra {
		m[kv.Key] = kv.Value
	}
	return m
}

func (o OAuth) options() []oauth2.AuthCodeOption {
	var opts []oauth2.AuthCodeOption
	for k, v := range o.params() {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	return opts
}

func (o OAuth) config() *oauth2.Config {
	return &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Scopes: o.scopeList(),
		Endpoint: oauth2.Endpoint{AuthURL: o.AuthURL, TokenURL: o.TokenURL, DeviceAuthURL: o.DeviceURL}}
}

func (o OAuth) check() error {
	need := func(v, what string) error {
		if v == "" {
			return fmt.Errorf("OAuth 2.0: the %s is empty", what)
		}
		if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") && what != "client ID" {
			return fmt.Errorf("OAuth 2.0: the %s %q is not an http or https URL", what, v)
		}
		return nil
	}
	errs := []error{need(o.TokenURL, "token URL"), need(o.ClientID, "client ID")}
	switch o.Grant {
	case GrantClientCredentials:
	case GrantAuthorizationCode:
		errs = append(errs, need(o.AuthURL, "authorize URL"))
	case GrantDeviceCode:
		errs = append(errs, need(o.DeviceURL, "device authorization URL"))
	default:
		return fmt.Errorf("OAuth 2.0: unknown grant type %q", o.Grant)
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// TokenStore keeps one token per environment; *storage.Store is one.
type TokenStore interface {
	OAuthToken(env string) (storage.OAuthToken, bool, error)
	PutOAuthToken(env string, tok storage.OAuthToken) error
	DeleteOAuthToken(env string) error
}

// DeviceCode is what the user is shown during a device code flow: go to
// VerificationURI (or VerificationURIComplete, which carries the code)
// and enter UserCode.
type DeviceCode struct {
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string
	Expiry                  time.Time
}

// Prompt is how a flow reaches the user. Authorize gets the authorize URL
// of an authorization code flow: open it in a browser, or show it to be
// copied when none can be started. Device gets a device code flow's code.
// Either may be nil when the grant does not need it.
type Prompt struct {
	Authorize func(url string)
	Device    func(DeviceCode)
}

// OAuthClient runs the flows and keeps their tokens per environment. The
// zero value of every field but Store works.
type OAuthClient struct {
	Store TokenStore
	// Now is the clock used for expiries (tests move it); nil: time.Now.
	Now func() time.Time
	// HTTP is the client for the token, device and refresh requests;
	// nil: http.DefaultClient.
	HTTP *http.Client
	// PollInterval overrides the device flow's polling interval the
	// server asks for (tests use milliseconds); 0 keeps the server's.
	PollInterval time.Duration
	// CallbackTimeout is how long the loopback listener waits for the
	// browser; 0: 5 minutes.
	CallbackTimeout time.Duration
}

func (c *OAuthClient) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *OAuthClient) ctx(ctx context.Context) context.Context {
	if c.HTTP != nil {
		return context.WithValue(ctx, oauth2.HTTPClient, c.HTTP)
	}
	return ctx
}

// Obtain runs cfg's grant with env's variables and keeps the token as
// envName's, replacing the one it had.
func (c *OAuthClient) Obtain(ctx context.Context, envName string, env *Environment, cfg OAuth, p Prompt) (storage.OAuthToken, error) {
	r := cfg.resolve(env)
	if err := r.check(); err != nil {
		return storage.OAuthToken{}, err
	}
	ctx = c.ctx(ctx)
	var tok *oauth2.Token
	var err error
	switch r.Grant {
	case GrantClientCredentials:
		cc := clientcredentials.Config{ClientID: r.ClientID, ClientSecret: r.ClientSecret, TokenURL: r.TokenURL,
			Scopes: r.scopeList(), EndpointParams: map[string][]string{}}
		for k, v := range r.params() {
			cc.EndpointParams.Set(k, v)
		}
		tok, err = cc.Token(ctx)
	case GrantAuthorizationCode:
		tok, err = c.authorizationCode(ctx, r, p.Authorize)
	case GrantDeviceCode:
		tok, err = c.deviceCode(ctx, r, p.Device)
	}
	if err != nil {
		return storage.OAuthToken{}, describe(err, r.Grant)
	}
	saved, _ := json.Marshal(cfg) // unresolved: {{variables}} follow the environment
	st := c.fromOAuth2(tok, r.scopeList())
	st.Config = saved
	if err := c.Store.PutOAuthToken(envName, st); err != nil {
		return storage.OAuthToken{}, err
	}
	return st, nil
}

// Token returns envName's token, refreshed first when it is Due. ok is false when the environment has no token. An
// expired token that cannot be refreshed is an error saying what to do.
func (c *OAuthClient) Token(ctx context.Context, envName string, env *Environment) (tok storage.OAuthToken, ok bool, err error) {
	tok, ok, err = c.Store.OAuthToken(envName)
	if err != nil || !ok {
		return tok, ok, err
	}
	if !c.Due(tok) {
		return tok, true, nil
	}
	tok, err = c.Refresh(ctx, envName, env)
	return tok, true, err
}

// Due says whether tok expires within RefreshBefore, or within half its
// lifetime when that is shorter (a server issuing 20-second tokens would
// otherwise have every fresh token refreshed again at once); never when
// the server gave no expiry.
func (c *OAuthClient) Due(tok storage.OAuthToken) bool {
	if tok.Expiry.IsZero() {
		return false
	}
	margin := RefreshBefore
	if life := tok.Expiry.Sub(tok.ObtainedAt); !tok.ObtainedAt.IsZero() && life > 0 && life/2 < margin {
		margin = life / 2
	}
	return !c.now().Add(margin).Before(tok.Expiry)
}

// Refresh replaces envName's token with a new one: through its refresh
// token when it has one, or by asking again for a client credentials
// token (that grant involves no user, and servers issue it no refresh
// token, RFC 6749 section 4.4.3).
func (c *OAuthClient) Refresh(ctx context.Context, envName string, env *Environment) (storage.OAuthToken, error) {
	old, ok, err := c.Store.OAuthToken(envName)
	if err != nil {
		return storage.OAuthToken{}, err
	}
	if !ok {
		return storage.OAuthToken{}, errors.New("OAuth 2.0: this environment has no token yet; press Get token")
	}
	var cfg OAuth
	if err := json.Unmarshal(old.Config, &cfg); err != nil || cfg.Grant == "" {
		return storage.OAuthToken{}, errors.New("OAuth 2.0: the token does not say how it was obtained; press Get token")
	}
	if old.RefreshToken == "" {
		if cfg.Grant == GrantClientCredentials {
			return c.Obtain(ctx, envName, env, cfg, Prompt{})
		}
		return storage.OAuthToken{}, errors.New("OAuth 2.0: the token expired and the server gave no refresh token; press Get token")
	}
	r := cfg.resolve(env)
	if r.TokenURL == "" {
		return storage.OAuthToken{}, errors.New("OAuth 2.0: the token URL is empty")
	}
	// An empty access token makes the source refresh at once whatever the
	// library's own clock says; ours (c.now) decided it was due.
	tok, err := r.config().TokenSource(c.ctx(ctx), &oauth2.Token{RefreshToken: old.RefreshToken}).Token()
	if err != nil {
		return storage.OAuthToken{}, describe(err, "refresh_token")
	}
	nt := c.fromOAuth2(tok, old.Scopes)
	nt.Config = old.Config
	if err := c.Store.PutOAuthToken(envName, nt); err != nil {
		return storage.OAuthToken{}, err
	}
	return nt, nil
}

// Forget drops envName's token.
func (c *OAuthClient) Forget(envName string) error { return c.Store.DeleteOAuthToken(envName) }

// fromOAuth2 keeps what the composer needs of t. The expiry is computed
// on c's clock from expires_in when the server sent it, so a test clock
// and the token agree; scopes are the granted ones ("scope" in the
// answer, RFC 6749 section 5.1) or else the requested ones.
func (c *OAuthClient) fromOAuth2(t *oauth2.Token, requested []string) storage.OAuthToken {
	now := c.now()
	st := storage.OAuthToken{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.Type(),
		Expiry: t.Expiry, Scopes: requested, ObtainedAt: now.UTC()}
	if secs, ok := number(t.Extra("expires_in")); ok && secs > 0 {
		st.Expiry = now.Add(time.Duration(secs * float64(time.Second))).UTC()
	}
	if s, ok := t.Extra("scope").(string); ok && strings.TrimSpace(s) != "" {
		st.Scopes = strings.Fields(s)
	}
	return st
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

// describe turns the library's errors into one sentence naming the grant;
// a server's error answer keeps its code and description (never a token:
// error answers carry none).
func describe(err error, grant string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		msg := re.ErrorCode
		if msg == "" && re.Response != nil {
			msg = fmt.Sprintf("HTTP %d", re.Response.StatusCode)
		}
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		if grant == "refresh_token" {
			msg += "; press Get token"
		}
		return fmt.Errorf("OAuth 2.0 (%s): the server refused: %s", strings.ReplaceAll(grant, "_", " "), msg)
	}
	if strings.HasPrefix(err.Error(), "OAuth 2.0") {
		return err
	}
	return fmt.Errorf("OAuth 2.0 (%s): %w", strings.ReplaceAll(grant, "_", " "), err)
}

// WithOAuth returns env with the token's variables {{oauth.access_token}}
// and {{oauth.token_type}} in front of its own, so they resolve wherever
// variables do (Substitute, Build). env is not changed; nil env gives an
// environment holding only the token.
func WithOAuth(env *Environment, tok storage.OAuthToken) *Environment {
	out := &Environment{}
	if env != nil {
		out.Name = env.Name
	}
	typ := tok.TokenType
	if typ == "" || strings.EqualFold(typ, "bearer") {
		typ = "Bearer" // RFC 6750 writes it so; some servers send "bearer"
	}
	out.Vars = append(out.Vars, Var{Name: VarOAuthAccessToken, Value: tok.AccessToken, Secret: true},
		Var{Name: VarOAuthTokenType, Value: typ})
	if env != nil {
		out.Vars = append(out.Vars, env.Vars...)
	}
	return out
}

// applyOAuth sets Authorization from the token variables WithOAuth put in
// the environment.
func applyOAuth(sub func(string) string, h http.Header) error {
	ref := "{{" + VarOAuthAccessToken + "}}"
	tok := sub(ref)
	if tok == ref || strings.TrimSpace(tok) == "" {
		return errors.New("OAuth 2.0: this environment has no token yet; press Get token")
	}
	typ := sub("{{" + VarOAuthTokenType + "}}")
	if strings.HasPrefix(typ, "{{") || typ == "" {
		typ = "Bearer"
	}
	h.Set("Authorization", typ+" "+tok)
	return nil
}

// MaskToken shows a secret as "••••" and its last four characters (only
// the bullets when it is too short for that to hide most of it).
func MaskToken(s string) string {
	if len(s) < 12 {
		return "••••"
	}
	return "••••" + s[len(s)-4:]
}
