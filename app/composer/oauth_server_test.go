package composer

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// authServer is a small OAuth 2.0 authorization server over net/http for
// the tests: client credentials, authorization code with PKCE (S256 only,
// the verifier checked against the challenge), refresh tokens, device
// authorization with polling, and a protected /api that accepts only the
// access tokens it issued. It runs on a real loopback listener.
type authServer struct {
	*httptest.Server
	clientID, clientSecret string

	mu sync.Mutex
	// expiresIn is the lifetime of the access tokens it issues (seconds).
	expiresIn int
	// forgeState makes /authorize redirect with a state it made up, as a
	// page trying to feed the client its own code would.
	forgeState bool
	// devicePending is how many device polls answer authorization_pending
	// before the grant succeeds.
	devicePending int

	n        int
	codes    map[string]codeGrant
	refresh  map[string]bool
	access   map[string]bool
	grants   []string   // grant_type of every token request, in order
	lastForm url.Values // the last token request's form
	verified int        // authorization codes exchanged with a matching verifier
	polls    int
}

type codeGrant struct{ challenge, redirect, scope string }

func newAuthServer(t *testing.T) *authServer {
	s := &authServer{clientID: "hookscope-test", clientSecret: "s3cret-client", expiresIn: 3600,
		codes: map[string]codeGrant{}, refresh: map[string]bool{}, access: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("POST /device", s.device)
	mux.HandleFunc("/api", s.api)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *authServer) next(prefix string) string {
	s.n++
	return fmt.Sprintf("%s-%d", prefix, s.n)
}

func oauthError(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func (s *authServer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != s.clientID {
		http.Error(w, "bad authorize request", http.StatusBadRequest)
		return
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "PKCE with S256 is required", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	code := s.next("code")
	s.codes[code] = codeGrant{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), scope: q.Get("scope")}
	state := q.Get("state")
	if s.forgeState {
		state = "forged-by-someone-else"
	}
	s.mu.Unlock()
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {state}}.Encode(), http.StatusFound)
}

// clientOK accepts the client's credentials in Basic auth or in the form.
func (s *authServer) clientOK(r *http.Request, needSecret bool) bool {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return id == s.clientID && (!needSecret || secret == s.clientSecret)
}

func (s *authServer) issue(w http.ResponseWriter, withRefresh bool, scope string) {
	at := s.next("access")
	s.access[at] = true
	ans := map[string]any{"access_token": at, "token_type": "bearer", "expires_in": s.expiresIn}
	if scope != "" {
		ans["scope"] = scope
	}
	if withRefresh {
		rt := s.next("refresh")
		s.refresh[rt] = true
		ans["refresh_token"] = rt
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(ans)
}

func (s *authServer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	grant := r.PostForm.Get("grant_type")
	s.grants = append(s.grants, grant)
	s.lastForm = r.PostForm
	switch grant {
	case "client_credentials":
		if !s.clientOK(r, true) {
			oauthError(w, "invalid_client", "unknown client or wrong secret")
			return
		}
		s.issue(w, false, r.PostForm.Get("scope"))
	case "authorization_code":
		g, ok := s.codes[r.PostForm.Get("code")]
		delete(s.codes, r.PostForm.Get("code")) // a code is good once
		if !ok || !s.clientOK(r, false) || g.redirect != r.PostForm.Get("redirect_uri") {
			oauthError(w, "invalid_grant", "unknown code or redirect_uri")
			return
		}
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			oauthError(w, "invalid_grant", "code_verifier does not match the challenge")
			return
		}
		s.verified++
		s.issue(w, true, g.scope)
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if !s.refresh[rt] || !s.clientOK(r, false) {
			oauthError(w, "invalid_grant", "refresh token revoked")
			return
		}
		delete(s.refresh, rt) // rotated, as many servers do
		s.issue(w, true, "")
	case "urn:ietf:params:oauth:grant-type:device_code":
		s.polls++
		if r.PostForm.Get("device_code") != "device-secret" || !s.clientOK(r, false) {
			oauthError(w, "invalid_grant", "unknown device code")
			return
		}
		if s.devicePending > 0 {
			s.devicePending--
			oauthError(w, "authorization_pending", "")
			return
		}
		s.issue(w, true, "")
	default:
		oauthError(w, "unsupported_grant_type", grant)
	}
}

func (s *authServer) device(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if r.PostForm.Get("client_id") != s.clientID {
		oauthError(w, "invalid_client", "unknown client")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"device_code": "device-secret", "user_code": "WDJB-MJHT",
		"verification_uri": s.URL + "/activate", "verification_uri_complete": s.URL + "/activate?user_code=WDJB-MJHT",
		"expires_in": 600, "interval": 5})
}

func (s *authServer) api(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	valid := ok && s.access[tok]
	s.mu.Unlock()
	if !valid {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	fmt.Fprint(w, "hello")
}

func (s *authServer) seenGrants() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.grants...)
}

// counts is what the server saw, read under its lock.
type counts struct {
	lastForm        url.Values
	verified, polls int
}

func (s *authServer) snapshot() counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return counts{lastForm: s.lastForm, verified: s.verified, polls: s.polls}
}
