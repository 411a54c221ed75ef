package app

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"

	"dev.hookscope/signature"
	"dev.hookscope/storage"
)

// The Prometheus metrics of one Core (docs/cli.md, "Metrics"). Each Core
// owns its registries, so several cores in one process (tests, the window
// reopening a store) never collide, and the window's monitor reads the
// very numbers GET /metrics serves.
//
// Capture and storage do not import Prometheus: the listener reports
// through capture.Observer, the writer through storage.Options.OnCommit,
// and the counters they touch per request are plain atomics.

// Bucket bounds, in seconds. A commit is one fdatasync-bound bbolt
// transaction: tenths of a millisecond on an SSD, tens on a spinning disk.
var commitBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}

// Requests sent go over networks and wait for targets; 30 s is a
// forward's timeout.
var sendBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// Requests per commit, up to the writer's group bound (512).
var groupBuckets = []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}

// captureMethods are the method label's values; anything else is "other",
// so a sender cannot grow the series without bound.
var captureMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "other"}

func methodIndex(m string) int {
	switch m {
	case "GET":
		return 0
	case "HEAD":
		return 1
	case "POST":
		return 2
	case "PUT":
		return 3
	case "PATCH":
		return 4
	case "DELETE":
		return 5
	case "OPTIONS":
		return 6
	case "CONNECT":
		return 7
	case "TRACE":
		return 8
	}
	return 9
}

// Status slots of the captured counter: a status code is its own slot;
// 0 is "none" (a rule closed or held the connection) and 1 any code
// outside 100-599.
const (
	statusSlots = 600
	slotNone    = 0
	slotOther   = 1
)

func statusSlot(status int) int {
	switch {
	case status == 0:
		return slotNone
	case status < 100 || status >= statusSlots:
		return slotOther
	}
	return status
}

func slotLabel(slot int) string {
	switch slot {
	case slotNone:
		return "none"
	case slotOther:
		return "other"
	}
	return strconv.Itoa(slot)
}

// refusalStatuses are the statuses the listener refuses with (see
// capture.Observer); their counters are made up front so a flood of 429s
// costs one atomic add each.
var refusalStatuses = [...]int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
	http.StatusTooManyRequests, http.StatusRequestHeaderFieldsTooLarge, http.StatusServiceUnavailable}

// telemetry is a Core's metrics.
type telemetry struct {
	// own holds Hookscope's metrics; all adds the Go runtime's and the
	// process's, for GET /metrics. The monitor gathers own only.
	own, runtime *prometheus.Registry
	all          prometheus.Gatherers

	captured      *capturedCounter
	capturedBytes prometheus.Counter
	refused       [len(refusalStatuses)]prometheus.Counter
	refusedOther  prometheus.Counter

	commits        *prometheus.CounterVec
	commitOK       prometheus.Counter
	commitFailed   prometheus.Counter
	commitSeconds  prometheus.Histogram
	commitRequests prometheus.Histogram

	forwards       *prometheus.CounterVec
	forwardSeconds prometheus.Histogram
	replays        *prometheus.CounterVec
	replaySeconds  prometheus.Histogram
	signatures     *prometheus.CounterVec
}

func newTelemetry() *telemetry {
	t := &telemetry{own: prometheus.NewRegistry(), runtime: prometheus.NewRegistry()}
	t.all = prometheus.Gatherers{t.own, t.runtime}
	t.runtime.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	t.captured = &capturedCounter{desc: prometheus.NewDesc("hookscope_requests_captured_total",
		"Requests the listener stored, by method (the standard ones, else other) and the status answered (none: a rule closed or held the connection).",
		[]string{"method", "status"}, nil)}
	t.capturedBytes = prometheus.NewCounter(prometheus.CounterOpts{Name: "hookscope_captured_body_bytes_total",
		Help: "Bytes of request bodies the listener received for stored requests, before --max-body truncation."})
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookscope_requests_refused_total",
		Help: "Requests the listener answered without storing, by status: 400 unreadable body, 401 no credential, 403 not in the allowlist, 429 over the rate, 431 headers too large (plain HTTP only), 503 no room or the store failing."},
		[]string{"status"})
	for i, s := range refusalStatuses {
		t.refused[i] = refused.WithLabelValues(strconv.Itoa(s))
	}
	t.refusedOther = refused.WithLabelValues("other")

	t.commits = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookscope_store_commits_total",
		Help: "Group commits of the store's writer, by result; each is synced to disk (fdatasync) before its senders are answered."},
		[]string{"result"})
	t.commitOK, t.commitFailed = t.commits.WithLabelValues("ok"), t.commits.WithLabelValues("failed")
	t.commitSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hookscope_store_commit_seconds",
		Help: "Duration of each group commit of the store's writer, including its sync to disk.", Buckets: commitBuckets})
	t.commitRequests = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hookscope_store_commit_requests",
		Help: "Requests held by each group commit of the store's writer.", Buckets: groupBuckets})

	t.forwards = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookscope_forwards_total",
		Help: "Captures forwarded to a target, by outcome: the class of the target's status (2xx, 3xx, 4xx, 5xx, other), no_answer (refused, timed out, not sent) or dropped (the queue was full)."},
		[]string{"outcome"})
	t.forwardSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hookscope_forward_duration_seconds",
		Help: "Time of forwards the target answered, from sending to the whole answer.", Buckets: sendBuckets})
	t.replays = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookscope_replays_total",
		Help: "Replays of stored requests (the window, replay, the API; not forwards, bulk or ad-hoc requests), by outcome as for forwards."},
		[]string{"outcome"})
	t.replaySeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hookscope_replay_duration_seconds",
		Help: "Time of replays the target answered, from sending to the whole answer.", Buckets: sendBuckets})
	t.signatures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookscope_signature_verdicts_total",
		Help: "Signatures checked on arrival (paths with a saved secret), by scheme and verdict: valid, invalid, stale (right signature, timestamp outside the window) or unsigned (auto found no signature header)."},
		[]string{"scheme", "verdict"})

	t.own.MustRegister(t.captured, t.capturedBytes, refused, t.commits, t.commitSeconds, t.commitRequests,
		t.forwards, t.forwardSeconds, t.replays, t.replaySeconds, t.signatures)
	return t
}

// watch registers the gauges read from c when scraped.
func (t *telemetry) watch(c *Core) {
	t.own.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hookscope_store_queue_depth",
			Help: "Requests waiting for the store's writer."},
			func() float64 { return float64(c.store.QueueDepth()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hookscope_forward_queue_depth",
			Help: "Captures waiting to be forwarded (at most 1024; past that they are dropped)."},
			func() float64 { return float64(len(c.forward.queue)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hookscope_store_requests",
			Help: "Requests kept in the store now."},
			func() float64 {
				n, err := c.store.Count()
				if err != nil {
					return math.NaN()
				}
				return float64(n)
			}),
	)
}

// Answered is capture.Observer's: two atomic adds.
func (t *telemetry) Answered(rec *storage.Record, status int) {
	t.captured.n[methodIndex(rec.Method)][statusSlot(status)].Add(1)
	t.capturedBytes.Add(float64(rec.OriginalSize))
}

// Refused is capture.Observer's: one atomic add.
func (t *telemetry) Refused(status int) {
	for i, s := range refusalStatuses {
		if s == status {
			t.refused[i].Inc()
			return
		}
	}
	t.refusedOther.Inc()
}

// commit is the store's OnCommit, on the writer's goroutine.
func (t *telemetry) commit(ci storage.CommitInfo) {
	if ci.Err {
		t.commitFailed.Inc()
	} else {
		t.commitOK.Inc()
	}
	t.commitSeconds.Observe(ci.Duration.Seconds())
	t.commitRequests.Observe(float64(ci.Requests))
}

// sendOutcome is the outcome label of a forward or replay.
func sendOutcome(status int, answered bool) string {
	switch {
	case !answered || status == 0:
		return "no_answer"
	case status >= 200 && status < 300:
		return "2xx"
	case status >= 300 && status < 400:
		return "3xx"
	case status >= 400 && status < 500:
		return "4xx"
	case status >= 500 && status < 600:
		return "5xx"
	}
	return "other"
}

func (t *telemetry) forward(r storage.ForwardResult) {
	if r.Attempts == 0 {
		t.forwards.WithLabelValues("dropped").Inc()
		return
	}
	t.forwards.WithLabelValues(sendOutcome(r.Status, r.Error == "")).Inc()
	if r.Status != 0 && r.Error == "" {
		t.forwardSeconds.Observe(r.DurationMs / 1000)
	}
}

func (t *telemetry) replay(r storage.ReplayRecord) {
	answered := r.Status != 0 && r.Error == ""
	t.replays.WithLabelValues(sendOutcome(r.Status, answered)).Inc()
	if answered {
		t.replaySeconds.Observe(r.Timing.TotalMs / 1000)
	}
}

// signature counts a verdict made on arrival. The scheme is the one that
// checked (auto names what it found); a name not in the registry is
// "other", so the label stays bounded.
func (t *telemetry) signature(rule string, res signature.Result) {
	scheme := res.Scheme
	if scheme == "" {
		scheme = rule
	}
	if _, err := signature.Lookup(scheme); err != nil {
		scheme = "other"
	}
	verdict := "invalid"
	switch {
	case res.Valid:
		verdict = "valid"
	case res.Stale:
		verdict = "stale"
	case res.Unsigned:
		verdict = "unsigned"
	}
	t.signatures.WithLabelValues(scheme, verdict).Inc()
}

// capturedCounter is hookscope_requests_captured_total kept as a table of
// atomics, so counting a capture takes no lock and no map lookup; a
// scrape reads the table and reports the cells that are not zero.
type capturedCounter struct {
	desc *prometheus.Desc
	n    [10][statusSlots]atomic.Uint64
}

func (c *capturedCounter) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *capturedCounter) Collect(ch chan<- prometheus.Metric) {
	for m := range c.n {
		for s := range c.n[m] {
			if v := c.n[m][s].Load(); v > 0 {
				ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(v), captureMethods[m], slotLabel(s))
			}
		}
	}
}

// MetricsGatherer is what GET /metrics serves: Hookscope's metrics, the Go
// runtime's and the process's.
func (c *Core) MetricsGatherer() prometheus.Gatherer { return c.tel.all }

// SinceStart is a digest of the Core's Prometheus counters, for the
// window's monitor: the same numbers GET /metrics serves, since the store
// was opened.
type SinceStart struct {
	Captured int // stored through the listener
	Refused  int // answered without storing
	// Forwards and Replays by outcome, as the outcome label says.
	Forwards, Replays map[string]int
	// Commits is the number of group commits; CommitP50 and CommitP99 are
	// estimated from the histogram's buckets as Prometheus's
	// histogram_quantile does (seconds; NaN with no commits).
	Commits              int
	CommitP50, CommitP99 float64
}

// OK is the number with a 2xx answer; Failed the rest (dropped included).
func outcomeSplit(m map[string]int) (ok, failed int) {
	for k, v := range m {
		if k == "2xx" {
			ok += v
		} else {
			failed += v
		}
	}
	return ok, failed
}

// ForwardsOK and ForwardsFailed split the forwards: a 2xx answer or not.
func (s SinceStart) ForwardsOK() int { ok, _ := outcomeSplit(s.Forwards); return ok }

// ForwardsFailed is every forward without a 2xx answer.
func (s SinceStart) ForwardsFailed() int { _, f := outcomeSplit(s.Forwards); return f }

// ReplayCount is the number of replays.
func (s SinceStart) ReplayCount() int { ok, f := outcomeSplit(s.Replays); return ok + f }

// MetricsSinceStart gathers the Core's registry into a SinceStart.
func (c *Core) MetricsSinceStart() (SinceStart, error) {
	families, err := c.tel.own.Gather()
	if err != nil {
		return SinceStart{}, fmt.Errorf("read the metrics: %w", err)
	}
	return SinceStartOf(families), nil
}

// SinceStartOf digests metric families, gathered here or parsed from a
// remote's GET /metrics, so a window attached elsewhere shows the same.
func SinceStartOf(families []*dto.MetricFamily) SinceStart {
	s := SinceStart{Forwards: map[string]int{}, Replays: map[string]int{}, CommitP50: math.NaN(), CommitP99: math.NaN()}
	for _, f := range families {
		switch f.GetName() {
		case "hookscope_requests_captured_total":
			s.Captured = sumCounters(f)
		case "hookscope_requests_refused_total":
			s.Refused = sumCounters(f)
		case "hookscope_forwards_total":
			byLabel(f, "outcome", s.Forwards)
		case "hookscope_replays_total":
			byLabel(f, "outcome", s.Replays)
		case "hookscope_store_commit_seconds":
			if m := f.GetMetric(); len(m) == 1 {
				h := m[0].GetHistogram()
				s.Commits = int(h.GetSampleCount())
				s.CommitP50, s.CommitP99 = HistogramQuantile(0.5, h), HistogramQuantile(0.99, h)
			}
		}
	}
	return s
}

func sumCounters(f *dto.MetricFamily) int {
	n := 0.0
	for _, m := range f.GetMetric() {
		n += m.GetCounter().GetValue()
	}
	return int(n)
}

func byLabel(f *dto.MetricFamily, label string, into map[string]int) {
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				into[l.GetValue()] += int(m.GetCounter().GetValue())
			}
		}
	}
}

// HistogramQuantile estimates the q quantile of h as Prometheus's
// histogram_quantile does: find the bucket holding rank q*count and
// interpolate linearly inside it (the first bucket starts at 0; a rank in
// the +Inf bucket is the highest finite bound). NaN with no samples.
func HistogramQuantile(q float64, h *dto.Histogram) float64 {
	count := float64(h.GetSampleCount())
	if count == 0 {
		return math.NaN()
	}
	rank := q * count
	lower, below := 0.0, 0.0
	for _, b := range h.GetBucket() {
		upper, cum := b.GetUpperBound(), float64(b.GetCumulativeCount())
		if cum >= rank {
			if math.IsInf(upper, 1) {
				return lower
			}
			if cum == below {
				return upper
			}
			return lower + (upper-lower)*(rank-below)/(cum-below)
		}
		lower, below = upper, cum
	}
	return lower // the rank is in the implicit +Inf bucket
}
