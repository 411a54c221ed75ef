package localapi

import (
	"encoding/json"
	"net/http"

	"dev.hookscope/rules"
)

// getRules answers the response rules in the order they are tried.
func (s *Server) getRules(w http.ResponseWriter, r *http.Request) {
	list, err := s.core.ResponseRules()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if list == nil {
		list = []rules.Rule{} // [] rather than null, for scripts
	}
	writeJSON(w, http.StatusOK, list)
}

// putRules replaces every response rule; a rule that does not check out
// is 400 and nothing changes.
func (s *Server) putRules(w http.ResponseWriter, r *http.Request) {
	var in []rules.Rule
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not a list of response rules: "+err.Error())
		return
	}
	if err := s.core.SetResponseRules(in); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.getRules(w, r)
}

// ResponseRules reads the running instance's response rules.
func (c *Client) ResponseRules() ([]rules.Rule, error) {
	var list []rules.Rule
	err := c.call("GET", "/v1/rules", nil, &list)
	return list, err
}

// SetResponseRules replaces them; the instance answers by them at once.
func (c *Client) SetResponseRules(list []rules.Rule) error {
	if list == nil {
		list = []rules.Rule{}
	}
	var out []rules.Rule
	return c.call("PUT", "/v1/rules", list, &out)
}
