package storage

import (
	"context"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var sinceNow = time.Date(2026, 5, 4, 12, 30, 0, 0, time.UTC)

func appendSince(t *testing.T, st *Store, path string, at time.Time) uint64 {
	t.Helper()
	rec := &Record{Summary: Summary{ReceivedAt: at, Method: "POST", Path: path, Status: 200}, Body: []byte("body " + path)}
	id, err := st.Append(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func sincePaths(sums []Summary) []string {
	var out []string
	for _, s := range sums {
		out = append(out, s.Path)
	}
	return out
}

func TestSummariesSinceNewestFirstAndExcludesOld(t *testing.T) {
	st, _ := openTemp(t)
	if got, err := st.SummariesSince(sinceNow.Add(-time.Hour)); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v %v", got, err)
	}
	appendSince(t, st, "/2h", sinceNow.Add(-2*time.Hour))
	appendSince(t, st, "/61m", sinceNow.Add(-61*time.Minute))
	appendSince(t, st, "/60m", sinceNow.Add(-60*time.Minute)) // exactly at the cut-off: kept
	appendSince(t, st, "/30m", sinceNow.Add(-30*time.Minute))
	appendSince(t, st, "/1m", sinceNow.Add(-time.Minute))
	// An import appends requests stamped long ago after the live ones; the
	// walk steps over them.
	appendSince(t, st, "/imported", sinceNow.Add(-48*time.Hour))

	got, err := st.SummariesSince(sinceNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/1m", "/30m", "/60m"}
	if !reflect.DeepEqual(sincePaths(got), want) {
		t.Fatalf("got %v, want %v", sincePaths(got), want)
	}
	if got[0].Status != 200 || got[0].Method != "POST" || got[0].ID != 5 || !got[0].ReceivedAt.Equal(sinceNow.Add(-time.Minute)) {
		t.Fatalf("summary not decoded whole: %+v", got[0])
	}
}

func TestSummariesSinceStopsAfterARunOfOldRequests(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "run.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// A recent request hidden behind more old ones than the walk tolerates
	// is not reached: the cost follows the window, not the store.
	appendSince(t, st, "/hidden", sinceNow.Add(-time.Minute))
	var wg sync.WaitGroup
	for i := range recentOldRun {
		wg.Go(func() { appendSince(t, st, "/old", sinceNow.Add(-time.Duration(2+i%5)*time.Hour)) })
	}
	wg.Wait()
	appendSince(t, st, "/seen", sinceNow.Add(-2*time.Minute))
	got, err := st.SummariesSince(sinceNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/seen"}; !reflect.DeepEqual(sincePaths(got), want) {
		t.Fatalf("got %v, want %v", sincePaths(got), want)
	}
}

func TestReplaysSinceLeavesOutHeadersAndBodies(t *testing.T) {
	st, _ := openTemp(t)
	add := func(target string, at time.Time, status int, errText string, total float64) {
		t.Helper()
		r := ReplayRecord{
			SourceID: 3, At: at, Target: target, Method: "POST",
			RequestHeader: http.Header{"X-Tricky": {`a"b\`, `\"},{"status":999`}}, RequestBody: []byte(strings.Repeat("x", 5000)),
			Status: status, ResponseHeader: http.Header{"Content-Type": {"text/plain"}}, ResponseBody: []byte(`"timing":{"total_ms":1}`),
			Error: errText, Timing: ReplayTiming{ConnectMs: 1, FirstByteMs: total / 2, TotalMs: total},
		}
		if _, err := st.AppendReplay(r); err != nil {
			t.Fatal(err)
		}
	}
	add("old", sinceNow.Add(-3*time.Hour), 200, "", 10)
	add("a", sinceNow.Add(-50*time.Minute), 200, "", 12.5)
	add("b", sinceNow.Add(-10*time.Minute), 0, "connection refused", 3)
	// Stamped when sent, stored when answered: a little out of order.
	add("c", sinceNow.Add(-12*time.Minute), 503, "", 250)
	add("older", sinceNow.Add(-70*time.Minute), 200, "", 10)

	got, err := st.ReplaysSince(sinceNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, r := range got {
		targets = append(targets, r.Target)
		if r.RequestHeader != nil || r.RequestBody != nil || r.ResponseHeader != nil || r.ResponseBody != nil {
			t.Fatalf("replay %d came with headers or bodies: %+v", r.ID, r)
		}
	}
	if want := []string{"c", "b", "a"}; !reflect.DeepEqual(targets, want) {
		t.Fatalf("got %v, want %v", targets, want)
	}
	c, b := got[0], got[1]
	if c.ID != 4 || c.SourceID != 3 || c.Status != 503 || c.Timing.TotalMs != 250 || c.Timing.FirstByteMs != 125 ||
		c.RequestBodySize != 5000 || c.RequestBodySHA256 == "" || c.ResponseBodySize == 0 || !c.At.Equal(sinceNow.Add(-12*time.Minute)) {
		t.Fatalf("small fields not decoded: %+v", c)
	}
	if b.Status != 0 || b.Error != "connection refused" || b.Timing.TotalMs != 3 {
		t.Fatalf("failed replay: %+v", b)
	}
}

func TestForwardsSince(t *testing.T) {
	st, _ := openTemp(t)
	appendRequests(t, st, 10)
	put := func(capture uint64, at time.Time, status int, errText string) {
		t.Helper()
		if err := st.PutForwardResult(capture, ForwardResult{At: at, Target: "http://t", Status: status, Error: errText, Attempts: 1, DurationMs: float64(capture)}); err != nil {
			t.Fatal(err)
		}
	}
	put(1, sinceNow.Add(-5*time.Hour), 200, "")
	put(2, sinceNow.Add(-40*time.Minute), 404, "")
	put(3, sinceNow.Add(-20*time.Minute), 0, "timeout")
	put(5, sinceNow.Add(-time.Minute), 200, "")
	got, err := st.ForwardsSince(sinceNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for _, f := range got {
		statuses = append(statuses, f.Status)
	}
	if want := []int{200, 0, 404}; !reflect.DeepEqual(statuses, want) {
		t.Fatalf("got %v, want %v", statuses, want)
	}
	if got[1].Error != "timeout" || got[0].DurationMs != 5 {
		t.Fatalf("%+v", got)
	}
}
