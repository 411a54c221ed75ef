package app

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"
)

// MetricsStep is the width of one bucket of Metrics.
const MetricsStep = time.Minute

// MetricsWindow is the span the monitor shows.
const MetricsWindow = time.Hour

// maxMetricsBuckets bounds a window asked for by mistake (a day of minutes).
const maxMetricsBuckets = 24 * 60

// Metrics is what happened over a recent window, minute by minute.
type Metrics struct {
	// From is the start of the first bucket, To the moment asked about.
	// Buckets are whole clock minutes; the last one is the current minute,
	// still filling.
	From, To time.Time
	Step     time.Duration
	// Minutes are the buckets, oldest first.
	Minutes []MetricsBucket
	// Total covers the whole window; its latency percentiles are over all
	// its replays, not an average of the minutes'.
	Total MetricsBucket
}

// MetricsBucket is one minute (or, as Metrics.Total, the whole window).
type MetricsBucket struct {
	Start time.Time
	// Requests is the number of requests captured.
	Requests int
	// Forwards is the outcome of the forwards made.
	Forwards ForwardCounts
	// Replays is the latency of everything sent from the replay history:
	// replays, bulk replays, forwards and ad-hoc requests.
	Replays LatencyStats
}

// ForwardCounts splits forwards by how the target answered.
type ForwardCounts struct {
	OK          int // 2xx, or acknowledged by a broker (NATS, Kafka)
	ClientError int // 4xx
	ServerError int // 5xx
	NoAnswer    int // refused, timed out, not sent
	Other       int // 1xx, 3xx and anything odd
}

// Sum is the number of forwards.
func (f ForwardCounts) Sum() int {
	return f.OK + f.ClientError + f.ServerError + f.NoAnswer + f.Other
}

func (f *ForwardCounts) add(status int) {
	switch {
	case status == 0:
		f.NoAnswer++
	case status >= 200 && status < 300:
		f.OK++
	case status >= 400 && status < 500:
		f.ClientError++
	case status >= 500 && status < 600:
		f.ServerError++
	default:
		f.Other++
	}
}

// LatencyStats summarises the total time of requests sent. The percentiles
// (nearest rank) and the maximum are over the answered ones; a request
// that got no answer is counted in Count and Failed only, since its time is
// how long it took to give up.
type LatencyStats struct {
	Count  int
	Failed int
	P50    float64
	P95    float64
	Max    float64
}

// Answered is the number of requests the percentiles cover.
func (l LatencyStats) Answered() int { return l.Count - l.Failed }

// Metrics counts, per minute over the window ending at now, the requests
// captured, the forwards made and the latency of requests sent. It reads
// summaries and the small fields of the replay history only, newest first,
// so its cost follows the window rather than the size of the store.
// A window <= 0 is MetricsWindow.
func (c *Core) Metrics(now time.Time, window time.Duration) (Metrics, error) {
	if window <= 0 {
		window = MetricsWindow
	}
	n := int((window + MetricsStep - 1) / MetricsStep)
	n = min(max(n, 1), maxMetricsBuckets)
	from := now.Truncate(MetricsStep).Add(-time.Duration(n-1) * MetricsStep)
	m := Metrics{From: from, To: now, Step: MetricsStep, Minutes: make([]MetricsBucket, n), Total: MetricsBucket{Start: from}}
	for i := range m.Minutes {
		m.Minutes[i].Start = from.Add(time.Duration(i) * MetricsStep)
	}
	bucket := func(t time.Time) int {
		if t.Before(from) {
			return -1
		}
		i := int(t.Sub(from) / MetricsStep)
		if i >= n {
			return -1 // after the current minute
		}
		return i
	}

	sums, err := c.store.SummariesSince(from)
	if err != nil {
		return Metrics{}, fmt.Errorf("metrics: %w", err)
	}
	for _, s := range sums {
		if i := bucket(s.ReceivedAt); i >= 0 {
			m.Minutes[i].Requests++
			m.Total.Requests++
		}
	}

	forwards, err := c.store.ForwardsSince(from)
	if err != nil {
		return Metrics{}, fmt.Errorf("metrics: %w", err)
	}
	for _, f := range forwards {
		status := f.Status
		if f.Acked != "" {
			// A broker answers with an acknowledgement, not a status:
			// the message is delivered, as a 2xx forward is.
			status = http.StatusOK
		}
		if i := bucket(f.At); i >= 0 {
			m.Minutes[i].Forwards.add(status)
			m.Total.Forwards.add(status)
		}
	}

	replays, err := c.store.ReplaysSince(from)
	if err != nil {
		return Metrics{}, fmt.Errorf("metrics: %w", err)
	}
	perMinute := make([][]float64, n)
	var all []float64
	for _, r := range replays {
		i := bucket(r.At)
		if i < 0 {
			continue
		}
		m.Minutes[i].Replays.Count++
		m.Total.Replays.Count++
		if r.Status == 0 {
			m.Minutes[i].Replays.Failed++
			m.Total.Replays.Failed++
			continue
		}
		ms := r.Timing.TotalMs
		if math.IsNaN(ms) || ms < 0 {
			ms = 0
		}
		perMinute[i] = append(perMinute[i], ms)
		all = append(all, ms)
	}
	for i, ms := range perMinute {
		m.Minutes[i].Replays.setLatencies(ms)
	}
	m.Total.Replays.setLatencies(all)
	return m, nil
}

func (l *LatencyStats) setLatencies(ms []float64) {
	if len(ms) == 0 {
		return
	}
	slices.Sort(ms)
	l.P50, l.P95, l.Max = percentile(ms, 50), percentile(ms, 95), ms[len(ms)-1]
}

// percentile is the nearest-rank percentile of sorted, not empty, values:
// the smallest value with at least p% of the values at or below it.
func percentile(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}
