package localapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"dev.hookscope/app"
)

// metrics serves the core's Prometheus registry in the text exposition
// format (or what the scraper negotiates). Its role is read: a scraper
// gets a token of its own, `hookscope tokens add prometheus --role read`
// (docs/cli.md, "Metrics").
func metrics(s *Server, _ bool) http.HandlerFunc {
	h := promhttp.HandlerFor(s.core.MetricsGatherer(), promhttp.HandlerOpts{
		// A collector that fails (the process's /proc files) should not
		// cost the scrape everything else.
		ErrorHandling: promhttp.ContinueOnError,
	})
	return h.ServeHTTP
}

// metricsMinutes answers the Monitor's per-minute figures (docs/cli.md,
// "Local API"): captures, forwards by outcome and send latency, over
// ?window=D (a Go duration; default the Monitor's hour) ending at the
// server's now, computed from its store's history.
func (s *Server) metricsMinutes(w http.ResponseWriter, r *http.Request) {
	window := app.MetricsWindow
	if v := r.URL.Query().Get("window"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("window %q is not a positive duration such as 1h", v))
			return
		}
		window = d
	}
	m, err := s.core.Metrics(time.Now(), window)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// Metrics reads the instance's per-minute figures; the window ends at
// its clock's now, not this machine's.
func (c *Client) Metrics(_ time.Time, window time.Duration) (app.Metrics, error) {
	var m app.Metrics
	err := c.call("GET", "/v1/metrics/minutes?window="+window.String(), nil, &m)
	return m, err
}

// MetricsSinceStart reads the instance's Prometheus counters from GET
// /metrics and digests them as the instance's own Monitor does.
func (c *Client) MetricsSinceStart() (app.SinceStart, error) {
	resp, err := c.do(context.Background(), "GET", "/metrics", nil)
	if err != nil {
		return app.SinceStart{}, fmt.Errorf("the running Hookscope at %s: %w", c.where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return app.SinceStart{}, answerError(resp)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return app.SinceStart{}, fmt.Errorf("the metrics of %s: %w", c.where, err)
	}
	list := make([]*dto.MetricFamily, 0, len(families))
	for _, f := range families {
		list = append(list, f)
	}
	return app.SinceStartOf(list), nil
}
