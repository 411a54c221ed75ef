package composer

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dev.hookscope/storage"
)

func openTokenStore(t *testing.T) *storage.Store {
	t.Helper()
	st, err := storage.Open(filepath.Join(t.TempDir(), "hookscope.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// testClock is the clock the client reads expiries with; tests move it
// instead of sleeping past a token's lifetime.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// browser plays the user's browser: it GETs the authorize URL and follows
// the redirect to the loopback listener, reporting the page it ends on.
type browser struct {
	done     chan struct{}
	status   int
	page     string
	callback string // the URL of the loopback callback it was sent to
	err      error
}

func newBrowser() *browser { return &browser{done: make(chan struct{})} }

func (b *browser) open(authURL string) {
	go func() {
		defer close(b.done)
		c := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			b.callback = r.URL.String()
			return nil
		}}
		resp, err := c.Get(authURL)
		if err != nil {
			b.err = err
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		b.status, b.page = resp.StatusCode, string(body)
	}()
}

func (b *browser) wait(t *testing.T) {
	t.Helper()
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the browser never finished")
	}
	if b.err != nil {
		t.Fatalf("browser: %v", b.err)
	}
}

func (s *authServer) oauth(grant string) OAuth {
	return OAuth{Grant: grant, TokenURL: s.URL + "/token", AuthURL: s.URL + "/authorize", DeviceURL: s.URL + "/device",
		ClientID: "{{client}}", ClientSecret: "{{client_secret}}", Scopes: "read, write"}
}

func (s *authServer) env() *Environment {
	return &Environment{Name: "dev", Vars: []Var{{Name: "client", Value: s.clientID},
		{Name: "client_secret", Value: s.clientSecret, Secret: true}, {Name: "api", Value: s.URL + "/api"}}}
}

// call sends a request Build made to the test server's /api.
func call(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestOAuthClientCredentialsAndBuild(t *testing.T) {
	srv := newAuthServer(t)
	st := openTokenStore(t)
	c := &OAuthClient{Store: st}
	cfg := srv.oauth(GrantClientCredentials)
	cfg.Audience = "https://api.example.com"
	cfg.Extra = []KV{{Key: "resource", Value: "orders", Enabled: true}, {Key: "off", Value: "x", Enabled: false}}
	env := srv.env()

	tok, err := c.Obtain(context.Background(), "dev", env, cfg, Prompt{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.AccessToken, "access-") || tok.RefreshToken != "" || tok.TokenType != "Bearer" {
		t.Errorf("token %+v", tok)
	}
	if !slices.Equal(tok.Scopes, []string{"read", "write"}) {
		t.Errorf("scopes %v", tok.Scopes)
	}
	f := srv.snapshot().lastForm
	if f.Get("audience") != "https://api.example.com" || f.Get("resource") != "orders" || f.Has("off") || f.Get("scope") != "read write" {
		t.Errorf("token request form %v", f)
	}
	if saved, ok, _ := st.OAuthToken("dev"); !ok || saved.AccessToken != tok.AccessToken {
		t.Errorf("stored %+v %v", saved, ok)
	}

	// The OAuth 2.0 auth kind sends it as a Bearer header, and the
	// variable resolves anywhere (here a header and the URL's query).
	withTok := WithOAuth(env, tok)
	r := Request{Method: "GET", URL: "{{api}}?t={{oauth.access_token}}", Auth: Auth{Kind: AuthOAuth2},
		Headers: []KV{{Key: "X-Token", Value: "{{oauth.token_type}} {{oauth.access_token}}", Enabled: true}}}
	req, _, err := Build(r, withTok)
	if err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer "+tok.AccessToken {
		t.Errorf("Authorization %q", got)
	}
	if got := req.Header.Get("X-Token"); got != "Bearer "+tok.AccessToken {
		t.Errorf("X-Token %q", got)
	}
	if req.URL.Query().Get("t") != tok.AccessToken {
		t.Errorf("URL %s", req.URL)
	}
	if code := call(t, req); code != 200 {
		t.Errorf("the API answered %d to the token", code)
	}

	// Without a token the OAuth 2.0 kind refuses to send rather than go
	// out without credentials.
	if _, _, err := Build(r, env); err == nil || !strings.Contains(err.Error(), "Get token") {
		t.Errorf("Build without a token: %v", err)
	}

	// A wrong client secret is one sentence with the server's reason.
	bad := srv.env()
	bad.Vars[1].Value = "not-the-secret-xyz"
	_, err = c.Obtain(context.Background(), "dev", bad, cfg, Prompt{})
	if err == nil || !strings.Contains(err.Error(), "invalid_client") || strings.Contains(err.Error(), "not-the-secret-xyz") {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestOAuthAuthorizationCodePKCE(t *testing.T) {
	srv := newAuthServer(t)
	st := openTokenStore(t)
	c := &OAuthClient{Store: st}
	b := newBrowser()
	var authURL string
	tok, err := c.Obtain(context.Background(), "dev", srv.env(), srv.oauth(GrantAuthorizationCode),
		Prompt{Authorize: func(u string) { authURL = u; b.open(u) }})
	if err != nil {
		t.Fatal(err)
	}
	b.wait(t)
	if b.status != 200 || !strings.Contains(b.page, "close this tab") {
		t.Errorf("the browser was shown %d %q", b.status, b.page)
	}
	cb, err := url.Parse(b.callback)
	if err != nil || cb.Hostname() != "127.0.0.1" || cb.Path != "/callback" || cb.Port() == "" {
		t.Errorf("redirected to %q", b.callback)
	}
	q, _ := url.Parse(authURL)
	if q.Query().Get("code_challenge_method") != "S256" || q.Query().Get("redirect_uri") != "http://127.0.0.1:"+cb.Port()+"/callback" {
		t.Errorf("authorize URL %s", authURL)
	}
	if srv.snapshot().verified != 1 || tok.RefreshToken == "" || tok.AccessToken == "" {
		t.Errorf("verified %d, token %+v", srv.snapshot().verified, tok)
	}
	// The listener took its one callback and is gone.
	if resp, err := http.Get(b.callback); err == nil {
		resp.Body.Close()
		t.Errorf("the loopback listener still answers after the flow: %d", resp.StatusCode)
	}
}

func TestOAuthWrongStateRefused(t *testing.T) {
	srv := newAuthServer(t)
	srv.forgeState = true
	st := openTokenStore(t)
	c := &OAuthClient{Store: st}
	b := newBrowser()
	_, err := c.Obtain(context.Background(), "dev", srv.env(), srv.oauth(GrantAuthorizationCode), Prompt{Authorize: b.open})
	if err == nil || !strings.Contains(err.Error(), "state did not match") {
		t.Fatalf("forged state: %v", err)
	}
	b.wait(t)
	if b.status != http.StatusBadRequest || !strings.Contains(b.page, "did not match") {
		t.Errorf("the browser was shown %d %q", b.status, b.page)
	}
	if slices.Contains(srv.seenGrants(), "authorization_code") {
		t.Error("the forged code was exchanged")
	}
	if _, ok, _ := st.OAuthToken("dev"); ok {
		t.Error("a token was stored after a refused state")
	}
}

func TestOAuthCallbackTimeoutAndCancel(t *testing.T) {
	srv := newAuthServer(t)
	c := &OAuthClient{Store: openTokenStore(t), CallbackTimeout: 50 * time.Millisecond}
	_, err := c.Obtain(context.Background(), "dev", srv.env(), srv.oauth(GrantAuthorizationCode), Prompt{Authorize: func(string) {}})
	if err == nil || !strings.Contains(err.Error(), "did not come back within 50ms") {
		t.Errorf("timeout: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.CallbackTimeout = 0
	_, err = c.Obtain(ctx, "dev", srv.env(), srv.oauth(GrantAuthorizationCode), Prompt{Authorize: func(string) { cancel() }})
	if err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("cancel: %v", err)
	}
}

func TestOAuthRefreshAfterExpiry(t *testing.T) {
	srv := newAuthServer(t)
	srv.expiresIn = 1
	st := openTokenStore(t)
	clock := &testClock{t: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)}
	c := &OAuthClient{Store: st, Now: clock.Now}
	b := newBrowser()
	env := srv.env()
	first, err := c.Obtain(context.Background(), "dev", env, srv.oauth(GrantAuthorizationCode), Prompt{Authorize: b.open})
	if err != nil {
		t.Fatal(err)
	}
	b.wait(t)
	if want := clock.Now().Add(time.Second); !first.Expiry.Equal(want) {
		t.Errorf("expiry %v, want %v (expires_in on the client's clock)", first.Expiry, want)
	}

	// A one-second token is not due in the first half of its life (else
	// every fresh short token would be refreshed again at once), is due
	// in the second, and past its expiry.
	if c.Due(first) {
		t.Error("a fresh one-second token is due")
	}
	clock.Add(600 * time.Millisecond)
	if !c.Due(first) {
		t.Error("a one-second token 0.4 s before expiry is not due")
	}
	clock.Add(2 * time.Second)
	got, ok, err := c.Token(context.Background(), "dev", env)
	if err != nil || !ok {
		t.Fatalf("Token after expiry: %v %v", ok, err)
	}
	if got.AccessToken == first.AccessToken || got.RefreshToken == first.RefreshToken || got.RefreshToken == "" {
		t.Errorf("not refreshed: %+v", got)
	}
	if g := srv.seenGrants(); g[len(g)-1] != "refresh_token" || srv.snapshot().lastForm.Get("refresh_token") != first.RefreshToken {
		t.Errorf("grants %v, form %v", g, srv.snapshot().lastForm)
	}
	if saved, _, _ := st.OAuthToken("dev"); saved.AccessToken != got.AccessToken || !slices.Equal(saved.Scopes, first.Scopes) {
		t.Errorf("stored %+v", saved)
	}
	req, _, err := Build(Request{URL: env.Vars[2].Value, Auth: Auth{Kind: AuthOAuth2}}, WithOAuth(env, got))
	if err != nil || call(t, req) != 200 {
		t.Errorf("the refreshed token was not accepted: %v", err)
	}

	// A token with time left is returned as it is.
	srv.mu.Lock()
	srv.expiresIn = 3600
	srv.mu.Unlock()
	long, err := c.Refresh(context.Background(), "dev", env)
	if err != nil {
		t.Fatal(err)
	}
	n := len(srv.seenGrants())
	clock.Add(time.Hour - RefreshBefore - time.Second)
	if same, _, err := c.Token(context.Background(), "dev", env); err != nil || same.AccessToken != long.AccessToken || len(srv.seenGrants()) != n {
		t.Errorf("a token with %s left was refreshed: %v", RefreshBefore+time.Second, err)
	}

	// A revoked refresh token fails with the server's reason.
	srv.mu.Lock()
	clear(srv.refresh)
	srv.mu.Unlock()
	clock.Add(time.Hour)
	_, _, err = c.Token(context.Background(), "dev", env)
	if err == nil || !strings.Contains(err.Error(), "refresh token revoked; press Get token") {
		t.Errorf("revoked refresh token: %v", err)
	}

	if err := c.Forget("dev"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c.Token(context.Background(), "dev", env); ok || err != nil {
		t.Errorf("after Forget: %v %v", ok, err)
	}
}

func TestOAuthClientCredentialsRenewedWithoutRefreshToken(t *testing.T) {
	srv := newAuthServer(t)
	srv.expiresIn = 1
	clock := &testClock{t: time.Now()}
	c := &OAuthClient{Store: openTokenStore(t), Now: clock.Now}
	env := srv.env()
	first, err := c.Obtain(context.Background(), "", env, srv.oauth(GrantClientCredentials), Prompt{})
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(5 * time.Second)
	got, _, err := c.Token(context.Background(), "", env)
	if err != nil || got.AccessToken == first.AccessToken {
		t.Errorf("an expired client credentials token was not renewed: %v", err)
	}
	if g := srv.seenGrants(); !slices.Equal(g, []string{"client_credentials", "client_credentials"}) {
		t.Errorf("grants %v", g)
	}
}

func TestOAuthDeviceCode(t *testing.T) {
	srv := newAuthServer(t)
	srv.devicePending = 2
	c := &OAuthClient{Store: openTokenStore(t), PollInterval: 10 * time.Millisecond}
	var shown DeviceCode
	start := time.Now()
	tok, err := c.Obtain(context.Background(), "dev", srv.env(), srv.oauth(GrantDeviceCode), Prompt{Device: func(d DeviceCode) { shown = d }})
	if err != nil {
		t.Fatal(err)
	}
	if shown.UserCode != "WDJB-MJHT" || !strings.HasSuffix(shown.VerificationURI, "/activate") || shown.Expiry.IsZero() {
		t.Errorf("shown %+v", shown)
	}
	if srv.snapshot().polls != 3 || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Errorf("polls %d, token %+v", srv.snapshot().polls, tok)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("the injected interval was not used: %s", time.Since(start))
	}

	// A cancelled flow stops polling.
	srv.mu.Lock()
	srv.devicePending = 1 << 30
	srv.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	_, err = c.Obtain(ctx, "dev", srv.env(), srv.oauth(GrantDeviceCode), Prompt{Device: func(DeviceCode) { cancel() }})
	if err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("cancelled device flow: %v", err)
	}
}

func TestOAuthConfigErrors(t *testing.T) {
	c := &OAuthClient{Store: openTokenStore(t)}
	for _, tc := range []struct {
		cfg  OAuth
		want string
	}{
		{OAuth{Grant: GrantClientCredentials, ClientID: "x"}, "token URL is empty"},
		{OAuth{Grant: GrantClientCredentials, TokenURL: "ftp://x", ClientID: "x"}, "not an http or https URL"},
		{OAuth{Grant: GrantAuthorizationCode, TokenURL: "http://x/t", ClientID: "x"}, "authorize URL is empty"},
		{OAuth{Grant: GrantDeviceCode, TokenURL: "http://x/t"}, "client ID is empty"},
		{OAuth{Grant: "password", TokenURL: "http://x/t", ClientID: "x"}, "unknown grant type"},
	} {
		_, err := c.Obtain(context.Background(), "", nil, tc.cfg, Prompt{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := c.Refresh(context.Background(), "", nil); err == nil || !strings.Contains(err.Error(), "no token yet") {
		t.Errorf("refresh without a token: %v", err)
	}
}

func TestMaskToken(t *testing.T) {
	for in, want := range map[string]string{"": "••••", "short": "••••", "abcdefghijklmnop": "••••mnop"} {
		if got := MaskToken(in); got != want {
			t.Errorf("MaskToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOpenBrowserWithoutOpener(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // an empty directory: no opener to find
	if err := OpenBrowser("http://127.0.0.1/"); err == nil {
		t.Error("OpenBrowser succeeded with no opener on PATH")
	} else if !strings.Contains(err.Error(), "no browser opener") {
		t.Errorf("error %v", errors.Unwrap(err))
	}
}

func TestOAuthServerErrorWithoutCode(t *testing.T) {
	// A token endpoint answering an HTML error page: the sentence names
	// the status and leaves the page (which may echo the request) out.
	srv := newAuthServer(t)
	c := &OAuthClient{Store: openTokenStore(t)}
	cfg := srv.oauth(GrantClientCredentials)
	cfg.TokenURL = srv.URL + "/missing"
	_, err := c.Obtain(context.Background(), "", srv.env(), cfg, Prompt{})
	if err == nil || err.Error() != "OAuth 2.0 (client credentials): the server refused: HTTP 404" {
		t.Errorf("error %v", err)
	}
}
