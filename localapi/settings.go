package localapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"dev.hookscope/app"
	"dev.hookscope/storage"
	"dev.hookscope/wire"
)

// Forward rules and saved secrets, so serve and scripts can set what the
// window sets (docs/cli.md, "forward" and "secrets").

var _ app.Backend = (*Client)(nil)

func (s *Server) getForward(w http.ResponseWriter, r *http.Request) {
	list, err := s.core.ForwardRules()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if list == nil {
		list = []app.ForwardRule{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) putForward(w http.ResponseWriter, r *http.Request) {
	var in []app.ForwardRule
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not a list of forward rules: "+err.Error())
		return
	}
	if err := s.core.SetForwardRules(in); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.getForward(w, r)
}

// getSecrets lists the saved rules with masked secrets, on either side.
func (s *Server) getSecrets(w http.ResponseWriter, r *http.Request) {
	list, err := s.core.SecretRules()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// postSecret saves one rule; the answer never repeats the secret.
func (s *Server) postSecret(w http.ResponseWriter, r *http.Request) {
	var in app.SecretRule
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not a secret rule: "+err.Error())
		return
	}
	if in.Secret == "" {
		writeError(w, http.StatusBadRequest, `a secret rule needs a "secret"`)
		return
	}
	if err := s.core.SaveSecret(in); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	in.Secret = app.MaskSecret(in.Secret)
	writeJSON(w, http.StatusOK, in)
}

func (s *Server) deleteSecret(w http.ResponseWriter, r *http.Request) {
	prefix := r.URL.Query().Get("prefix")
	err := s.core.DeleteSecret(prefix)
	if errors.Is(err, app.ErrNoSuchSecret) {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": prefix})
}

// ForwardRules reads the running instance's forward rules.
func (c *Client) ForwardRules() ([]app.ForwardRule, error) {
	var list []app.ForwardRule
	err := c.call("GET", "/v1/forward", nil, &list)
	return list, err
}

// SetForwardRules replaces them.
func (c *Client) SetForwardRules(list []app.ForwardRule) error {
	if list == nil {
		list = []app.ForwardRule{}
	}
	var out []app.ForwardRule
	return c.call("PUT", "/v1/forward", list, &out)
}

// SecretRules lists the saved secrets, masked.
func (c *Client) SecretRules() ([]app.SecretRule, error) {
	var list []app.SecretRule
	err := c.call("GET", "/v1/secrets", nil, &list)
	return list, err
}

// SaveSecret adds or replaces the rule for rule.Prefix.
func (c *Client) SaveSecret(rule app.SecretRule) error {
	var out app.SecretRule
	return c.call("POST", "/v1/secrets", rule, &out)
}

// DeleteSecret forgets the rule for prefix.
func (c *Client) DeleteSecret(prefix string) error {
	var out map[string]string
	return c.call("DELETE", "/v1/secrets?prefix="+url.QueryEscape(prefix), nil, &out)
}

// Replay asks the running instance to send a capture again: the one
// implementation (app.Core.Replay) runs there and keeps the history.
func (c *Client) Replay(ctx context.Context, id uint64, spec app.ReplaySpec) (storage.ReplayRecord, error) {
	in := wire.ReplayRequest{To: spec.Target, Method: spec.Edit.Method, Resign: spec.Resign, Scheme: spec.Scheme,
		Secret: spec.Secret, Insecure: spec.Send.Insecure}
	for _, h := range spec.Edit.Headers {
		in.Headers = append(in.Headers, h.String())
	}
	if spec.Edit.ReplaceBody {
		b := base64.StdEncoding.EncodeToString(spec.Edit.Body)
		in.BodyBase64 = &b
	}
	if spec.Send.Timeout != 0 {
		in.Timeout = spec.Send.Timeout.String()
	}
	raw, err := json.Marshal(in)
	if err != nil {
		return storage.ReplayRecord{}, err
	}
	resp, err := c.do(ctx, "POST", "/v1/requests/"+strconv.FormatUint(id, 10)+"/replay", bytes.NewReader(raw))
	if err != nil {
		return storage.ReplayRecord{}, fmt.Errorf("the running Hookscope at %s: %w", c.where, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		var out wire.ReplayJSON
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return storage.ReplayRecord{}, fmt.Errorf("the running Hookscope's answer: %w", err)
		}
		return out.Record()
	case http.StatusBadGateway:
		var out wire.ReplayErrorJSON
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return storage.ReplayRecord{}, fmt.Errorf("the running Hookscope's answer: %w", err)
		}
		return out.Record(), nil
	}
	return storage.ReplayRecord{}, answerError(resp)
}
