package app

import (
	"context"
	"testing"
	"time"

	"dev.hookscope/storage"
)

// metricsNow is 12:30:20; the hour's buckets run from 11:31 to 12:30.
var metricsNow = time.Date(2026, 5, 4, 12, 30, 20, 0, time.UTC)

func metricsClock(h, m, s int) time.Time { return time.Date(2026, 5, 4, h, m, s, 0, time.UTC) }

func fillMetrics(t *testing.T, c *Core) {
	t.Helper()
	st := c.Store()
	for _, at := range []time.Time{
		metricsClock(10, 0, 0),                           // long before
		metricsClock(11, 30, 59),                         // a second before the first bucket
		metricsClock(11, 31, 0),                          // first bucket
		metricsClock(12, 0, 10), metricsClock(12, 0, 50), // 12:00 ...
		metricsClock(12, 0, 59).Add(999 * time.Millisecond), // ... three of them
		metricsClock(12, 30, 5),                             // the current minute
		metricsClock(12, 31, 30),                            // a clock ahead: after now
	} {
		rec := &storage.Record{Summary: storage.Summary{ReceivedAt: at, Method: "POST", Path: "/hook", Status: 200}, Body: []byte("{}")}
		if _, err := c.Append(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	forwards := []struct {
		at     time.Time
		status int
	}{
		{metricsClock(11, 0, 0), 500},
		{metricsClock(12, 10, 1), 200}, {metricsClock(12, 10, 2), 201}, {metricsClock(12, 10, 3), 404},
		{metricsClock(12, 10, 4), 500}, {metricsClock(12, 10, 5), 0}, {metricsClock(12, 10, 6), 302},
		{metricsClock(12, 30, 10), 503},
	}
	for i, f := range forwards {
		r := storage.ForwardResult{At: f.at, Target: "http://t", Status: f.status, Attempts: 1}
		if f.status == 0 {
			r.Error = "connection refused"
		}
		if err := st.PutForwardResult(uint64(i+1), r); err != nil {
			t.Fatal(err)
		}
	}
	replay := func(at time.Time, status int, ms float64) {
		t.Helper()
		if _, err := st.AppendReplay(storage.ReplayRecord{SourceID: 1, At: at, Target: "http://t", Method: "POST",
			RequestBody: []byte("not read"), Status: status, Timing: storage.ReplayTiming{TotalMs: ms}}); err != nil {
			t.Fatal(err)
		}
	}
	replay(metricsClock(11, 0, 0), 200, 999999) // outside: must not be the maximum
	for i := 10; i >= 1; i-- {
		replay(metricsClock(12, 20, i), 200, float64(i*10))
	}
	replay(metricsClock(12, 20, 30), 0, 30000) // no answer: counted, not timed
	replay(metricsClock(12, 25, 0), 201, 7)
}

func TestMetricsBucketsAnHourByMinute(t *testing.T) {
	c := openCore(t)
	fillMetrics(t, c)
	m, err := c.Metrics(metricsNow, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Minutes) != 60 || !m.From.Equal(metricsClock(11, 31, 0)) || !m.To.Equal(metricsNow) || m.Step != time.Minute {
		t.Fatalf("window %v..%v step %v, %d buckets", m.From, m.To, m.Step, len(m.Minutes))
	}
	for i, b := range m.Minutes {
		if want := metricsClock(11, 31, 0).Add(time.Duration(i) * time.Minute); !b.Start.Equal(want) {
			t.Fatalf("bucket %d starts %v, want %v", i, b.Start, want)
		}
	}
	minute := func(h, mm int) MetricsBucket { return m.Minutes[int(metricsClock(h, mm, 0).Sub(m.From)/time.Minute)] }

	// Requests.
	requests := map[time.Time]int{metricsClock(11, 31, 0): 1, metricsClock(12, 0, 0): 3, metricsClock(12, 30, 0): 1}
	for _, b := range m.Minutes {
		if b.Requests != requests[b.Start] {
			t.Errorf("%s: %d requests, want %d", b.Start.Format("15:04"), b.Requests, requests[b.Start])
		}
	}
	if m.Total.Requests != 5 {
		t.Errorf("total requests %d, want 5", m.Total.Requests)
	}

	// Forwards.
	if got, want := minute(12, 10).Forwards, (ForwardCounts{OK: 2, ClientError: 1, ServerError: 1, NoAnswer: 1, Other: 1}); got != want {
		t.Errorf("12:10 forwards %+v, want %+v", got, want)
	}
	if got, want := minute(12, 30).Forwards, (ForwardCounts{ServerError: 1}); got != want {
		t.Errorf("12:30 forwards %+v, want %+v", got, want)
	}
	if got, want := m.Total.Forwards, (ForwardCounts{OK: 2, ClientError: 1, ServerError: 2, NoAnswer: 1, Other: 1}); got != want || got.Sum() != 7 {
		t.Errorf("total forwards %+v, want %+v", got, want)
	}

	// Replay latency: 10, 20, ... 100 ms and one failure at 12:20.
	if got, want := minute(12, 20).Replays, (LatencyStats{Count: 11, Failed: 1, P50: 50, P95: 100, Max: 100}); got != want {
		t.Errorf("12:20 latency %+v, want %+v", got, want)
	}
	if got := minute(12, 20).Replays.Answered(); got != 10 {
		t.Errorf("answered %d, want 10", got)
	}
	if got, want := minute(12, 25).Replays, (LatencyStats{Count: 1, P50: 7, P95: 7, Max: 7}); got != want {
		t.Errorf("12:25 latency %+v, want %+v", got, want)
	}
	// Over the window: 7, 10, 20, ... 100.
	if got, want := m.Total.Replays, (LatencyStats{Count: 12, Failed: 1, P50: 50, P95: 100, Max: 100}); got != want {
		t.Errorf("total latency %+v, want %+v", got, want)
	}
	if got := minute(12, 21).Replays; got != (LatencyStats{}) {
		t.Errorf("empty minute %+v", got)
	}
}

func TestMetricsShorterWindowAndDefault(t *testing.T) {
	c := openCore(t)
	fillMetrics(t, c)
	m, err := c.Metrics(metricsNow, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Minutes) != 15 || !m.From.Equal(metricsClock(12, 16, 0)) {
		t.Fatalf("%d buckets from %v", len(m.Minutes), m.From)
	}
	if m.Total.Requests != 1 || m.Total.Forwards.Sum() != 1 || m.Total.Replays.Count != 12 {
		t.Fatalf("15 minutes: %+v", m.Total)
	}
	m, err = c.Metrics(metricsNow, 0)
	if err != nil || len(m.Minutes) != 60 {
		t.Fatalf("default window: %d buckets, %v", len(m.Minutes), err)
	}
}

func TestMetricsEmptyStore(t *testing.T) {
	c := openCore(t)
	m, err := c.Metrics(metricsNow, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if m.Total != (MetricsBucket{Start: m.From}) {
		t.Fatalf("%+v", m.Total)
	}
}

func TestMetricsPercentileNearestRank(t *testing.T) {
	for _, tc := range []struct {
		values  []float64
		p, want float64
	}{
		{[]float64{5}, 50, 5},
		{[]float64{5}, 95, 5},
		{[]float64{1, 2}, 50, 1},
		{[]float64{1, 2}, 95, 2},
		{[]float64{1, 2, 3, 4}, 50, 2},
		{[]float64{1, 2, 3, 4}, 0, 1},
		{[]float64{1, 2, 3, 4}, 100, 4},
	} {
		if got := percentile(tc.values, tc.p); got != tc.want {
			t.Errorf("p%v of %v = %v, want %v", tc.p, tc.values, got, tc.want)
		}
	}
}
