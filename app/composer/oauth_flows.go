package composer

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// callbackResult is what the loopback listener got from the browser.
type callbackResult struct {
	code string
	err  error
}

// authorizationCode runs the authorization code grant with PKCE (RFC 7636)
// and a loopback redirect (RFC 8252 section 7.3): a listener on
// 127.0.0.1 and a free port takes exactly one callback, checks its state,
// and closes; the code is exchanged together with the verifier.
func (c *OAuthClient) authorizationCode(ctx context.Context, o OAuth, authorize func(string)) (*oauth2.Token, error) {
	if authorize == nil {
		return nil, errors.New("OAuth 2.0: nothing can show the authorize page")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("OAuth 2.0: cannot listen for the redirect on 127.0.0.1: %w", err)
	}
	cfg := o.config()
	cfg.RedirectURL = fmt.Sprintf("http://127.0.0.1:%d/callback", ln.Addr().(*net.TCPAddr).Port)
	state := randomString()
	verifier := oauth2.GenerateVerifier()

	results := make(chan callbackResult, 1)
	var once sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		used := true
		once.Do(func() {
			used = false
			res := readCallback(r.URL.Query(), state)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Connection", "close")
			if res.err != nil {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, page, "Hookscope could not sign in", html.EscapeString(res.err.Error()))
			} else {
				fmt.Fprintf(w, page, "Signed in", "Hookscope has the authorization code. You can close this tab.")
			}
			// The page goes out before the flow may close the listener.
			http.NewResponseController(w).Flush()
			results <- res
		})
		if used {
			http.Error(w, "This sign-in link was already used.", http.StatusGone)
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	// One callback only: nothing listens once the flow returns. Shutdown
	// lets the page being written finish; Close ends anything left.
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		srv.Close()
	}()

	authorize(cfg.AuthCodeURL(state, append(o.options(), oauth2.S256ChallengeOption(verifier))...))

	timeout := c.CallbackTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var res callbackResult
	select {
	case res = <-results:
	case <-ctx.Done():
		return nil, errors.New("OAuth 2.0: sign-in cancelled")
	case <-timer.C:
		return nil, fmt.Errorf("OAuth 2.0: the browser did not come back within %s; press Get token to try again", timeout)
	}
	if res.err != nil {
		return nil, res.err
	}
	return cfg.Exchange(ctx, res.code, oauth2.VerifierOption(verifier))
}

const page = `<!doctype html><meta charset="utf-8"><title>Hookscope</title><h1>%s</h1><p>%s</p>`

// readCallback checks the redirect's query: an error from the server, a
// state that is not ours (compared in constant time: it is what stops
// another page from feeding us its code, RFC 6749 section 10.12), or no
// code.
func readCallback(q url.Values, state string) callbackResult {
	if e := q.Get("error"); e != "" {
		msg := e
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		}
		return callbackResult{err: fmt.Errorf("OAuth 2.0: the authorization server refused: %s", msg)}
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
		return callbackResult{err: errors.New("OAuth 2.0: the redirect's state did not match the one sent, so its code was refused; press Get token to try again")}
	}
	code := q.Get("code")
	if code == "" {
		return callbackResult{err: errors.New("OAuth 2.0: the redirect carried no authorization code")}
	}
	return callbackResult{code: code}
}

func randomString() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b)
}

// deviceCode runs the device authorization grant (RFC 8628): ask for a
// code, show it, then poll the token endpoint until the user approved.
// The polling is ours rather than oauth2.DeviceAccessToken's, whose
// interval is whole seconds, so PollInterval can speed up tests.
func (c *OAuthClient) deviceCode(ctx context.Context, o OAuth, show func(DeviceCode)) (*oauth2.Token, error) {
	cfg := o.config()
	da, err := cfg.DeviceAuth(ctx, o.options()...)
	if err != nil {
		return nil, err
	}
	if show != nil {
		show(DeviceCode{UserCode: da.UserCode, VerificationURI: da.VerificationURI,
			VerificationURIComplete: da.VerificationURIComplete, Expiry: da.Expiry})
	}
	interval := time.Duration(da.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second // RFC 8628 section 3.2's default
	}
	if c.PollInterval > 0 {
		interval = c.PollInterval
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
		"device_code": {da.DeviceCode}, "client_id": {o.ClientID}}
	if o.ClientSecret != "" {
		form.Set("client_secret", o.ClientSecret)
	}
	for {
		select {
		case <-ctx.Done():
			return nil, errors.New("OAuth 2.0: sign-in cancelled")
		case <-time.After(interval):
		}
		if !da.Expiry.IsZero() && time.Now().After(da.Expiry) {
			return nil, errors.New("OAuth 2.0: the device code expired before it was approved; press Get token again")
		}
		tok, code, err := pollOnce(ctx, hc, o.TokenURL, form)
		switch {
		case err != nil:
			return nil, err
		case tok != nil:
			return tok, nil
		case code == "authorization_pending":
		case code == "slow_down":
			interval += 5 * time.Second // RFC 8628 section 3.5
		}
	}
}

// pollOnce makes one device token request. It returns the token, or the
// error code authorization_pending / slow_down to go on polling, or an
// error that ends the flow.
func pollOnce(ctx context.Context, hc *http.Client, tokenURL string, form url.Values) (*oauth2.Token, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, "", err
	}
	var a struct {
		AccessToken  string      `json:"access_token"`
		TokenType    string      `json:"token_type"`
		RefreshToken string      `json:"refresh_token"`
		ExpiresIn    json.Number `json:"expires_in"`
		Scope        string      `json:"scope"`
		Error        string      `json:"error"`
		Description  string      `json:"error_description"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, "", fmt.Errorf("the token endpoint answered HTTP %d, not JSON", resp.StatusCode)
	}
	switch a.Error {
	case "":
	case "authorization_pending", "slow_down":
		return nil, a.Error, nil
	case "access_denied":
		return nil, "", errors.New("OAuth 2.0: the sign-in was denied")
	case "expired_token":
		return nil, "", errors.New("OAuth 2.0: the device code expired before it was approved; press Get token again")
	default:
		msg := a.Error
		if a.Description != "" {
			msg += ": " + a.Description
		}
		return nil, "", fmt.Errorf("OAuth 2.0 (device code): the server refused: %s", msg)
	}
	if a.AccessToken == "" || resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("OAuth 2.0 (device code): the token endpoint answered HTTP %d without a token", resp.StatusCode)
	}
	tok := &oauth2.Token{AccessToken: a.AccessToken, TokenType: a.TokenType, RefreshToken: a.RefreshToken}
	extra := map[string]any{"scope": a.Scope}
	if a.ExpiresIn != "" {
		extra["expires_in"] = a.ExpiresIn
	}
	return tok.WithExtra(extra), "", nil
}

// OpenBrowser asks the desktop to open u: xdg-open on Linux and the BSDs,
// open on macOS, rundll32's URL handler on Windows. An error means no
// browser could be started; show the URL to be copied instead.
func OpenBrowser(u string) error {
	var name string
	var args []string
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler"}
	default:
		name = "xdg-open"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("no browser opener (%s) found", name)
	}
	cmd := exec.Command(path, append(args, u)...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the browser: %w", err)
	}
	go cmd.Wait() // reap it; xdg-open returns once the browser has the URL
	return nil
}
