package localapi

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
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
