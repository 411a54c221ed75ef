package localapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"dev.hookscope/app"
)

// API tokens with roles (`hookscope tokens`), managed by admins only.

// tokenRequest is the body of POST /v1/tokens.
type tokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// tokenCreated answers POST /v1/tokens: the token, this once, and what
// `tokens list` will show of it.
type tokenCreated struct {
	app.TokenInfo
	Token string `json:"token"`
}

func (s *Server) getTokens(w http.ResponseWriter, r *http.Request) {
	list, err := s.core.Tokens()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if list == nil {
		list = []app.TokenInfo{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) postToken(w http.ResponseWriter, r *http.Request) {
	var in tokenRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not a token request: "+err.Error())
		return
	}
	role, err := app.ParseRole(in.Role)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	token, info, err := s.core.AddToken(in.Name, role)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, tokenCreated{TokenInfo: info, Token: token})
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := s.core.RevokeToken(name)
	if errors.Is(err, app.ErrNoSuchToken) {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"revoked": name})
}

// Tokens lists the running instance's API tokens (never the tokens).
func (c *Client) Tokens() ([]app.TokenInfo, error) {
	var list []app.TokenInfo
	err := c.call("GET", "/v1/tokens", nil, &list)
	return list, err
}

// AddToken makes a token in the running instance; the answer is the only
// time it is shown.
func (c *Client) AddToken(name string, role app.Role) (string, app.TokenInfo, error) {
	var out tokenCreated
	err := c.call("POST", "/v1/tokens", tokenRequest{Name: name, Role: role.String()}, &out)
	return out.Token, out.TokenInfo, err
}

// RevokeToken withdraws the token named name.
func (c *Client) RevokeToken(name string) error {
	var out map[string]string
	return c.call("DELETE", "/v1/tokens/"+url.PathEscape(name), nil, &out)
}
