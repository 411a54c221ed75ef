package localapi

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"dev.hookscope/app"
)

// scrape reads /metrics through c and parses it with Prometheus's own text
// parser, with the strict (legacy) name rules a Prometheus server of any
// age accepts.
func scrape(t *testing.T, c apiClient, auth ...string) map[string]*dto.MetricFamily {
	t.Helper()
	code, out := c.send(t, "GET", "/metrics", "", auth...)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", code, out)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, out)
	}
	return families
}

// sample is the value of the family's series with exactly these labels
// (a counter's or gauge's value; a histogram's sample count), and whether
// it is there.
func sample(families map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		if len(m.GetLabel())*2 != len(labels) {
			continue
		}
		match := true
		for i, l := range m.GetLabel() {
			// The parser sorts labels by name, as Prometheus writes them.
			if l.GetName() != labels[2*i] || l.GetValue() != labels[2*i+1] {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// TestMetricsCountWhatWasSent: requests of known methods sent to a real
// listener, some refused for want of its token and some forwarded to a
// target answering 500, are counted exactly by /metrics as a read token
// scrapes it over TCP; the socket serves the same; no token gets 401.
func TestMetricsCountWhatWasSent(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer target.Close()

	const listenToken = "listener-token"
	core, err := app.Open(app.Config{DBPath: filepath.Join(t.TempDir(), "m.db"), Listen: "127.0.0.1:0", Token: listenToken})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	core.StartBackground()
	if err := core.SetForwardRules([]app.ForwardRule{{Prefix: "/fwd", Target: target.URL, Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	if err := core.StartListener(""); err != nil {
		t.Fatal(err)
	}
	srv, err := Start(core, Options{TCPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	readToken, _, err := core.AddToken("prometheus", app.RoleRead)
	if err != nil {
		t.Fatal(err)
	}

	listener := &http.Client{Timeout: 10 * time.Second}
	defer listener.CloseIdleConnections()
	send := func(method, path, body string, withToken bool) int {
		t.Helper()
		req, err := http.NewRequestWithContext(context.Background(), method, core.ListenerURL()+path, bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		if withToken {
			req.Header.Set("X-Hookscope-Token", listenToken)
		}
		resp, err := listener.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	sent := []struct {
		method, path, body string
		token              bool
		want               int
	}{
		{"GET", "/a", "", true, 200},
		{"GET", "/a?x=1", "", true, 200},
		{"GET", "/b", "", true, 200},
		{"POST", "/fwd/1", `{"n":1}`, true, 200},
		{"POST", "/fwd/2", `{"n":22}`, true, 200},
		{"PUT", "/c", "abc", true, 200},
		{"PROPFIND", "/dav", "", true, 200},
		{"POST", "/x", "no token", false, 401},
		{"DELETE", "/x", "", false, 401},
	}
	bodyBytes := 0
	for _, s := range sent {
		if got := send(s.method, s.path, s.body, s.token); got != s.want {
			t.Fatalf("%s %s answered %d, want %d", s.method, s.path, got, s.want)
		}
		if s.want == 200 {
			bodyBytes += len(s.body)
		}
	}

	tcp := tcpAPI(t, srv)
	bearer := "Bearer " + readToken
	// The forwards run after their senders are answered: wait for both.
	var families map[string]*dto.MetricFamily
	waitFor(t, "two forwards counted", func() bool {
		families = scrape(t, tcp, bearer)
		n, _ := sample(families, "hookscope_forwards_total", "outcome", "5xx")
		return n == 2
	})

	want := []struct {
		name   string
		labels []string
		value  float64
	}{
		{"hookscope_requests_captured_total", []string{"method", "GET", "status", "200"}, 3},
		{"hookscope_requests_captured_total", []string{"method", "POST", "status", "200"}, 2},
		{"hookscope_requests_captured_total", []string{"method", "PUT", "status", "200"}, 1},
		{"hookscope_requests_captured_total", []string{"method", "other", "status", "200"}, 1},
		{"hookscope_requests_refused_total", []string{"status", "401"}, 2},
		{"hookscope_requests_refused_total", []string{"status", "429"}, 0},
		{"hookscope_captured_body_bytes_total", nil, float64(bodyBytes)},
		{"hookscope_forwards_total", []string{"outcome", "5xx"}, 2},
		{"hookscope_forward_duration_seconds", nil, 2},
		{"hookscope_store_requests", nil, 7},
		{"hookscope_store_queue_depth", nil, 0},
		{"hookscope_forward_queue_depth", nil, 0},
	}
	for _, w := range want {
		got, ok := sample(families, w.name, w.labels...)
		if !ok || got != w.value {
			t.Errorf("%s%v = %v (present %v), want %v", w.name, w.labels, got, ok, w.value)
		}
	}
	// No other method or status was counted.
	total := 0.0
	for _, m := range families["hookscope_requests_captured_total"].GetMetric() {
		total += m.GetCounter().GetValue()
	}
	if total != 7 {
		t.Errorf("captured total %v, want 7", total)
	}
	// Every stored request went through one of the writer's commits, each
	// timed once.
	commits, _ := sample(families, "hookscope_store_commits_total", "result", "ok")
	timed, _ := sample(families, "hookscope_store_commit_seconds")
	if commits < 1 || commits > 7 || timed != commits {
		t.Errorf("%v commits, %v timed; want 1 to 7, all timed", commits, timed)
	}
	if h := families["hookscope_store_commit_requests"].GetMetric()[0].GetHistogram(); h.GetSampleSum() != 7 || float64(h.GetSampleCount()) != commits {
		t.Errorf("commits held %v requests in %d commits, want 7 in %v", h.GetSampleSum(), h.GetSampleCount(), commits)
	}
	if _, ok := families["go_goroutines"]; !ok {
		t.Error("the Go runtime's metrics are missing")
	}

	// The socket (the owner) reads the same counter; TCP without a token
	// is refused.
	sock := scrape(t, socketAPI(t, srv))
	if got, _ := sample(sock, "hookscope_requests_captured_total", "method", "GET", "status", "200"); got != 3 {
		t.Errorf("over the socket GET 200 = %v, want 3", got)
	}
	if code, _ := tcp.send(t, "GET", "/metrics", "", "Bearer wrong"); code != http.StatusUnauthorized {
		t.Errorf("a wrong token got %d, want 401", code)
	}
}
