package localapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"dev.hookscope/alerts"
	"dev.hookscope/app"
)

// Alert rules and fired alerts (docs/cli.md, "alerts"). Webhook URLs are
// masked in every answer; a rule sent back with its URL as listed keeps
// the saved one.

// getAlerts answers the alert rules.
func (s *Server) getAlerts(w http.ResponseWriter, r *http.Request) {
	list, err := s.core.AlertRules()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if list == nil {
		list = []alerts.Rule{}
	}
	writeJSON(w, http.StatusOK, list)
}

// putAlerts replaces every alert rule; one that does not check out is 400
// and nothing changes.
func (s *Server) putAlerts(w http.ResponseWriter, r *http.Request) {
	var in []alerts.Rule
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not a list of alert rules: "+err.Error())
		return
	}
	if err := s.core.SetAlertRules(in); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.getAlerts(w, r)
}

// getFiredAlerts answers the recently fired alerts, oldest first.
func (s *Server) getFiredAlerts(w http.ResponseWriter, r *http.Request) {
	list, err := s.core.FiredAlerts()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if list == nil {
		list = []alerts.Fired{}
	}
	writeJSON(w, http.StatusOK, list)
}

// testAlert fires one rule now, through the instance's channels.
func (s *Server) testAlert(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, `the body is not {"name": "..."}: `+err.Error())
		return
	}
	f, err := s.core.TestAlert(in.Name)
	if errors.Is(err, app.ErrNoSuchAlert) {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, f)
}

// AlertRules reads the running instance's alert rules, URLs masked.
func (c *Client) AlertRules() ([]alerts.Rule, error) {
	var list []alerts.Rule
	err := c.call("GET", "/v1/alerts", nil, &list)
	return list, err
}

// SetAlertRules replaces them; the instance evaluates by them at once.
func (c *Client) SetAlertRules(list []alerts.Rule) error {
	if list == nil {
		list = []alerts.Rule{}
	}
	var out []alerts.Rule
	return c.call("PUT", "/v1/alerts", list, &out)
}

// FiredAlerts reads the instance's recently fired alerts.
func (c *Client) FiredAlerts() ([]alerts.Fired, error) {
	var list []alerts.Fired
	err := c.call("GET", "/v1/alerts/fired", nil, &list)
	return list, err
}

// TestAlert has the instance fire the named rule once, now.
func (c *Client) TestAlert(name string) (alerts.Fired, error) {
	var f alerts.Fired
	err := c.call("POST", "/v1/alerts/test", map[string]string{"name": name}, &f)
	return f, err
}
