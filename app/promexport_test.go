package app

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// gatherText renders the core's registry as GET /metrics would and parses
// it back with Prometheus's text parser.
func gatherText(t *testing.T, c *Core) map[string]*dto.MetricFamily {
	t.Helper()
	families, err := c.MetricsGatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(&b, f); err != nil {
			t.Fatal(err)
		}
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	out, err := p.TextToMetricFamilies(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("does not parse: %v", err)
	}
	return out
}

func counterOf(f map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	for _, m := range f[name].GetMetric() {
		ok := len(m.GetLabel())*2 == len(labels)
		for i, l := range m.GetLabel() {
			ok = ok && l.GetName() == labels[2*i] && l.GetValue() == labels[2*i+1]
		}
		if ok {
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// rawStatus sends raw bytes on a new connection and returns the status
// code of the answer.
func rawStatus(t *testing.T, addr, request string) int {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	go func() { fmt.Fprint(conn, request) }() // net/http may answer before it is all written
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestListenerRefusalsAndVerdictsAreCounted: a real listener with a rate
// of one request a second and a saved GitHub secret; what it refuses (429,
// 431) and the verdicts it reaches are counted, and MetricsSinceStart (the
// monitor's digest) says the same as the text a scraper reads.
func TestListenerRefusalsAndVerdictsAreCounted(t *testing.T) {
	c := openCoreWith(t, Config{Rate: 1})
	const secret = "gh-secret"
	if err := c.SaveSecret(SecretRule{Prefix: "/gh", Scheme: "github", Secret: secret}); err != nil {
		t.Fatal(err)
	}
	if err := c.StartListener(""); err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(c.ListenerURL(), "http://")
	body := `{"zen":"ok"}`
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	signed := func(sig string) string {
		return "POST /gh HTTP/1.1\r\nHost: x\r\nX-Hub-Signature-256: sha256=" + sig + "\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\nConnection: close\r\n\r\n" + body
	}
	// The bucket holds one request; refill is one a second. Each accepted
	// request below waits until the bucket has refilled, so only the one
	// sent straight after an accepted one is refused.
	accept := func(req string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			code := rawStatus(t, addr, req)
			if code == http.StatusOK {
				return
			}
			if code != http.StatusTooManyRequests || time.Now().After(deadline) {
				t.Fatalf("answered %d", code)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	f := gatherText(t, c)
	before429 := counterOf(f, "hookscope_requests_refused_total", "status", "429")
	accept(signed(hex.EncodeToString(mac.Sum(nil))))
	if code := rawStatus(t, addr, signed("00")); code != http.StatusTooManyRequests {
		t.Fatalf("straight after: %d, want 429", code)
	}
	accept(signed("00"))
	// 431: a header block over the 1 MiB cap, answered by net/http itself.
	big := "GET /big HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 1<<20+8192) + "\r\n\r\n"
	if code := rawStatus(t, addr, big); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("big headers: %d, want 431", code)
	}

	f = gatherText(t, c)
	refused429 := counterOf(f, "hookscope_requests_refused_total", "status", "429") - before429
	for _, w := range []struct {
		got, want float64
		what      string
	}{
		{counterOf(f, "hookscope_signature_verdicts_total", "scheme", "github", "verdict", "valid"), 1, "valid github"},
		{counterOf(f, "hookscope_signature_verdicts_total", "scheme", "github", "verdict", "invalid"), 1, "invalid github"},
		{counterOf(f, "hookscope_requests_captured_total", "method", "POST", "status", "200"), 2, "captured POST 200"},
		{counterOf(f, "hookscope_requests_refused_total", "status", "431"), 1, "refused 431"},
	} {
		if w.got != w.want {
			t.Errorf("%s = %v, want %v", w.what, w.got, w.want)
		}
	}
	if refused429 < 1 {
		t.Errorf("refused 429 = %v, want at least 1", refused429)
	}

	s, err := c.MetricsSinceStart()
	if err != nil {
		t.Fatal(err)
	}
	total := counterOf(f, "hookscope_requests_refused_total", "status", "429") + 1
	if s.Captured != 2 || float64(s.Refused) != total || s.Commits != 2 {
		t.Errorf("since start: %+v; want 2 captured, %v refused, 2 commits", s, total)
	}
	if !(s.CommitP50 > 0) || !(s.CommitP99 >= s.CommitP50) {
		t.Errorf("commit p50 %v p99 %v", s.CommitP50, s.CommitP99)
	}
}

// TestHistogramQuantile follows Prometheus's histogram_quantile: linear
// inside the bucket holding the rank, the first bucket starting at 0.
func TestHistogramQuantile(t *testing.T) {
	u := func(v float64) *float64 { return &v }
	n := func(v uint64) *uint64 { return &v }
	h := &dto.Histogram{SampleCount: n(10), Bucket: []*dto.Bucket{
		{UpperBound: u(0.001), CumulativeCount: n(4)},
		{UpperBound: u(0.01), CumulativeCount: n(8)},
		{UpperBound: u(0.1), CumulativeCount: n(10)},
	}}
	for _, c := range []struct{ q, want float64 }{
		{0.2, 0.0005},  // rank 2 of 4 in [0, 1ms]
		{0.5, 0.00325}, // rank 5: one of 4 into [1ms, 10ms]
		{0.9, 0.055},   // rank 9: one of 2 into [10ms, 100ms]
	} {
		if got := HistogramQuantile(c.q, h); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("q%v = %v, want %v", c.q, got, c.want)
		}
	}
	if got := HistogramQuantile(0.5, &dto.Histogram{}); !math.IsNaN(got) {
		t.Errorf("empty: %v, want NaN", got)
	}
}
