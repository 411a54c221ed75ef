package composerview

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"dev.hookscope/app/composer"
	"dev.hookscope/ui/uithread"
)

// tokenServer is a small OAuth 2.0 server for the window's tests: client
// credentials, authorization code with PKCE (verifier checked) and
// refresh, plus /api, which records the Authorization it is sent.
type tokenServer struct {
	*httptest.Server
	mu        sync.Mutex
	n         int
	expiresIn int
	codes     map[string]string // code → PKCE challenge
	// devicePending is how many device polls answer
	// authorization_pending before the token.
	devicePending int
	grants        []string
	auths         []string // Authorization headers /api received
}

func newTokenServer(t *testing.T) *tokenServer {
	s := &tokenServer{expiresIn: 3600, codes: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		s.mu.Lock()
		s.n++
		code := fmt.Sprintf("code-%d", s.n)
		s.codes[code] = q.Get("code_challenge")
		s.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		f := r.PostForm
		s.mu.Lock()
		defer s.mu.Unlock()
		s.grants = append(s.grants, f.Get("grant_type"))
		id, secret, _ := r.BasicAuth()
		if id == "" {
			id, secret = f.Get("client_id"), f.Get("client_secret")
		}
		refresh := true
		switch f.Get("grant_type") {
		case "client_credentials":
			refresh = false
			if id != "app" || secret != "app-secret" {
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"error":"invalid_client"}`)
				return
			}
		case "authorization_code":
			sum := sha256.Sum256([]byte(f.Get("code_verifier")))
			if s.codes[f.Get("code")] != base64.RawURLEncoding.EncodeToString(sum[:]) {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"error":"invalid_grant"}`)
				return
			}
		case "refresh_token":
		case "urn:ietf:params:oauth:grant-type:device_code":
			if s.devicePending > 0 {
				s.devicePending--
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"error":"authorization_pending"}`)
				return
			}
		default:
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"unsupported_grant_type"}`)
			return
		}
		s.n++
		ans := map[string]any{"access_token": fmt.Sprintf("access-token-%08d", s.n), "token_type": "Bearer", "expires_in": s.expiresIn}
		if refresh {
			ans["refresh_token"] = fmt.Sprintf("refresh-%d", s.n)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(ans)
	})
	mux.HandleFunc("POST /device", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"device_code": "dc", "user_code": "BDWP-HQPK",
			"verification_uri": s.URL + "/activate", "verification_uri_complete": s.URL + "/activate?code=BDWP-HQPK", "expires_in": 600})
	})
	mux.HandleFunc("/api", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auths = append(s.auths, r.Header.Get("Authorization"))
		s.mu.Unlock()
		io.WriteString(w, "ok")
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *tokenServer) seen() (grants, auths []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.grants), slices.Clone(s.auths)
}

// waitFor polls cond on the UI goroutine until it holds (10 s at most).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var ok bool
		uithread.DoAndWait(func() { ok = cond() })
		if ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestOAuthModeClientCredentials(t *testing.T) {
	srv := newTokenServer(t)
	v, st := newView(t)
	envs, _ := json.Marshal([]composer.Environment{{Name: "dev"}, {Name: "prod"}})
	st.SaveEnvironments(envs)
	p := v.oauth
	uithread.DoAndWait(func() {
		v.loadEnvironments()
		v.envSelect.SetSelected("dev")
		v.authKind.SetSelected("OAuth 2.0")
		test.Type(p.tokenURL, srv.URL+"/token")
		test.Type(p.clientID, "app")
		test.Type(p.clientSecret, "app-secret")
		test.Type(p.scopes, "read write")
		if !p.clientSecret.Password {
			t.Error("the client secret is not masked")
		}
		if !strings.Contains(p.status.Text, "No token") {
			t.Errorf("status before: %q", p.status.Text)
		}
		test.Tap(p.get)
	})
	waitFor(t, "the token", func() bool { return strings.HasPrefix(p.status.Text, "Token ") })
	tok, ok, err := st.OAuthToken("dev")
	if err != nil || !ok {
		t.Fatalf("no token stored for dev: %v", err)
	}
	uithread.DoAndWait(func() {
		s := p.status.Text
		if strings.Contains(s, tok.AccessToken) || !strings.Contains(s, "••••"+tok.AccessToken[len(tok.AccessToken)-4:]) ||
			!strings.Contains(s, "expires") || !strings.Contains(s, "scopes: read write") {
			t.Errorf("status shows %q", s)
		}
		test.Type(v.url, srv.URL+"/api")
		test.Tap(v.send)
	})
	if s := waitStatus(t, v); s != "200 OK" {
		t.Fatalf("send: %q", s)
	}
	if _, auths := srv.seen(); len(auths) != 1 || auths[0] != "Bearer "+tok.AccessToken {
		t.Errorf("the API received %q", auths)
	}
	// History keeps the OAuth settings to reopen, never the token.
	h, _ := st.History(0, "")
	if len(h) != 1 || !strings.Contains(string(h[0].Request), `"token_url":"`+srv.URL+`/token"`) || strings.Contains(string(h[0].Request), tok.AccessToken) {
		t.Errorf("history entry %s", h[0].Request)
	}

	// The token is the environment's: prod has none.
	uithread.DoAndWait(func() {
		v.envSelect.SetSelected("prod")
		if !strings.Contains(p.status.Text, "No token") {
			t.Errorf("prod shows %q", p.status.Text)
		}
		v.envSelect.SetSelected("dev")
		test.Tap(p.forget)
		if !strings.Contains(p.status.Text, "No token") {
			t.Errorf("after Forget: %q", p.status.Text)
		}
		test.Tap(v.send)
		if !strings.Contains(v.status.Text, "press Get token") {
			t.Errorf("send without a token: %q", v.status.Text)
		}
	})
	if _, ok, _ := st.OAuthToken("dev"); ok {
		t.Error("Forget left the token in the store")
	}
}

func TestOAuthModeAuthorizationCodeShowsURLAndRefreshesBeforeSend(t *testing.T) {
	srv := newTokenServer(t)
	srv.expiresIn = 60
	v, st := newView(t)
	p := v.oauth
	clock := struct {
		sync.Mutex
		t time.Time
	}{t: time.Now()}
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.t }
	p.client = func(ts composer.TokenStore) *composer.OAuthClient {
		return &composer.OAuthClient{Store: ts, Now: now}
	}
	p.openBrowser = func(string) error { return errors.New("no display") }
	uithread.DoAndWait(func() {
		v.authKind.SetSelected("OAuth 2.0")
		p.grant.SetSelected("Authorization code (PKCE, browser)")
		test.Type(p.tokenURL, srv.URL+"/token")
		test.Type(p.authURL, srv.URL+"/authorize")
		test.Type(p.clientID, "app")
		test.Tap(p.get)
	})
	// No browser: the window shows the address to open by hand.
	var authURL string
	waitFor(t, "the authorize URL", func() bool {
		authURL = p.link.Text
		return p.link.Visible() && strings.HasPrefix(authURL, srv.URL+"/authorize?")
	})
	uithread.DoAndWait(func() {
		if !strings.Contains(p.prompt.Text, "No browser could be started") {
			t.Errorf("prompt %q", p.prompt.Text)
		}
	})
	// The test is the browser: it follows the redirect to the loopback
	// listener.
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "close this tab") {
		t.Errorf("browser shown %d %s", resp.StatusCode, page)
	}
	waitFor(t, "the token", func() bool { return strings.Contains(p.status.Text, "refreshable") })
	first, _, _ := st.OAuthToken("")
	uithread.DoAndWait(func() {
		if p.link.Visible() {
			t.Error("the sign-in address is still shown after the token came")
		}
	})

	// 50 s later the 60-second token is within 30 s of expiry: Send
	// refreshes it first and sends the new one.
	clock.Lock()
	clock.t = clock.t.Add(50 * time.Second)
	clock.Unlock()
	uithread.DoAndWait(func() {
		test.Type(v.url, srv.URL+"/api")
		test.Tap(v.send)
	})
	var status string
	waitFor(t, "the answer after the refresh", func() bool {
		status = v.status.Text
		return v.inFlight == nil && p.cancel == nil && status != "Sending…" && !strings.HasPrefix(status, "Refreshing")
	})
	if status != "200 OK" {
		t.Fatalf("send: %q", status)
	}
	grants, auths := srv.seen()
	second, _, _ := st.OAuthToken("")
	if !slices.Equal(grants, []string{"authorization_code", "refresh_token"}) || second.AccessToken == first.AccessToken {
		t.Errorf("grants %v", grants)
	}
	if len(auths) != 1 || auths[0] != "Bearer "+second.AccessToken {
		t.Errorf("the API received %q, want the refreshed token", auths)
	}
}

func TestOAuthModeDeviceCodeAndCancel(t *testing.T) {
	srv := newTokenServer(t)
	srv.devicePending = 3
	v, st := newView(t)
	p := v.oauth
	p.client = func(ts composer.TokenStore) *composer.OAuthClient {
		return &composer.OAuthClient{Store: ts, PollInterval: 20 * time.Millisecond}
	}
	uithread.DoAndWait(func() {
		v.authKind.SetSelected("OAuth 2.0")
		p.grant.SetSelected("Device code")
		test.Type(p.tokenURL, srv.URL+"/token")
		test.Type(p.deviceURL, srv.URL+"/device")
		test.Type(p.clientID, "app")
		test.Tap(p.get)
	})
	// The code to type and the page to type it on are shown while the
	// server still answers authorization_pending.
	waitFor(t, "the device code", func() bool { return strings.Contains(p.prompt.Text, "BDWP-HQPK") })
	uithread.DoAndWait(func() {
		if !strings.Contains(p.prompt.Text, srv.URL+"/activate") || p.link.Text != srv.URL+"/activate?code=BDWP-HQPK" {
			t.Errorf("prompt %q, link %q", p.prompt.Text, p.link.Text)
		}
	})
	waitFor(t, "the token", func() bool { return strings.HasPrefix(p.status.Text, "Token ") })
	if tok, ok, _ := st.OAuthToken(""); !ok || tok.RefreshToken == "" {
		t.Errorf("stored %v", ok)
	}

	// Cancel sign-in ends a flow that waits for a browser that never comes.
	p.openBrowser = func(string) error { return nil }
	uithread.DoAndWait(func() {
		p.grant.SetSelected("Authorization code (PKCE, browser)")
		test.Type(p.authURL, srv.URL+"/authorize")
		test.Tap(p.get)
		if !p.get.Disabled() || !p.cancelBtn.Visible() {
			t.Error("Get token is not disabled while signing in")
		}
	})
	waitFor(t, "the sign-in page prompt", func() bool { return p.link.Visible() })
	uithread.DoAndWait(func() { test.Tap(p.cancelBtn) })
	waitFor(t, "the cancelled flow", func() bool { return strings.Contains(p.status.Text, "cancelled") })
	uithread.DoAndWait(func() {
		if p.get.Disabled() || p.cancelBtn.Visible() {
			t.Error("the buttons did not come back after Cancel sign-in")
		}
	})
	// The device flow's token is kept: a cancelled sign-in replaces nothing.
	if _, ok, _ := st.OAuthToken(""); !ok {
		t.Error("a cancelled sign-in dropped the token")
	}
}
