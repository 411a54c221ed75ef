package localapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"dev.hookscope/app"
	"dev.hookscope/contract"
	"dev.hookscope/storage"
)

// OpenAPI contracts (docs/cli.md, "contracts" and "validate"): specs
// attached to path prefixes, and the verdicts of captures checked against
// them.

// maxSpecBody bounds an attach or check body: a published spec such as
// Stripe's is a few MiB, base64 in JSON makes it a third larger.
const maxSpecBody = 32 << 20

// contractIn is the body of POST /v1/contracts and of POST
// /v1/requests/{id}/contract (spec only); spec is base64 in JSON.
type contractIn struct {
	Prefix string `json:"prefix,omitempty"`
	Spec   []byte `json:"spec,omitempty"`
}

// getContracts answers the attached specs, longest prefix first.
func (s *Server) getContracts(w http.ResponseWriter, r *http.Request) {
	list, err := s.core.Contracts()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if list == nil {
		list = []app.ContractAttachment{}
	}
	writeJSON(w, http.StatusOK, list)
}

// postContract attaches a spec to a prefix; a spec that does not load is
// 400 and nothing changes.
func (s *Server) postContract(w http.ResponseWriter, r *http.Request) {
	var in contractIn
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSpecBody)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, `the body is not {"prefix": "/...", "spec": "<base64>"}: `+err.Error())
		return
	}
	a, err := s.core.AttachContract(in.Prefix, in.Spec)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// deleteContract detaches the spec of ?prefix=P.
func (s *Server) deleteContract(w http.ResponseWriter, r *http.Request) {
	prefix := r.URL.Query().Get("prefix")
	if err := s.core.DetachContract(prefix); err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": prefix})
}

// checkContract checks a request now, against the body's spec when one is
// given, else the attached one (409 when none is).
func (s *Server) checkContract(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var in contractIn
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSpecBody)).Decode(&in); err != nil && err != io.EOF {
		writeError(w, http.StatusBadRequest, `the body is not {"spec": "<base64>"}: `+err.Error())
		return
	}
	v, err := s.core.CheckContract(id, in.Spec)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		storeError(w, err)
	case errors.Is(err, app.ErrNoContract):
		writeError(w, http.StatusConflict, err.Error())
	case err != nil && in.Spec != nil:
		writeError(w, http.StatusBadRequest, err.Error())
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
	default:
		writeJSON(w, http.StatusOK, v)
	}
}

// Contracts lists the running instance's attached specs.
func (c *Client) Contracts() ([]app.ContractAttachment, error) {
	var list []app.ContractAttachment
	err := c.call("GET", "/v1/contracts", nil, &list)
	return list, err
}

// AttachContract attaches spec to prefix in the running instance.
func (c *Client) AttachContract(prefix string, spec []byte) (app.ContractAttachment, error) {
	var a app.ContractAttachment
	err := c.call("POST", "/v1/contracts", contractIn{Prefix: prefix, Spec: spec}, &a)
	return a, err
}

// DetachContract removes the spec attached to prefix.
func (c *Client) DetachContract(prefix string) error {
	var out map[string]string
	return c.call("DELETE", "/v1/contracts?prefix="+url.QueryEscape(prefix), nil, &out)
}

// ContractVerdict is the verdict stored with request id; nil when it was
// never checked.
func (c *Client) ContractVerdict(id uint64) (*contract.Verdict, error) {
	var v *contract.Verdict
	err := c.call("GET", "/v1/requests/"+strconv.FormatUint(id, 10)+"/contract", nil, &v)
	return v, err
}

// CheckContract has the instance check request id now; its 409 (no spec
// attached, whose sentence starts as app.ErrNoContract's) matches
// app.ErrNoContract again, as on the file.
func (c *Client) CheckContract(id uint64, spec []byte) (contract.Verdict, error) {
	var v contract.Verdict
	err := c.call("POST", "/v1/requests/"+strconv.FormatUint(id, 10)+"/contract", contractIn{Spec: spec}, &v)
	var re remoteError
	if errors.As(err, &re) && strings.HasPrefix(re.msg, app.ErrNoContract.Error()) {
		return v, remoteError{msg: re.msg, wrapped: app.ErrNoContract}
	}
	return v, err
}
