package ui

import (
	"bytes"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLiveUnderLoad posts about 1,000 requests a second while the window
// watches: refreshes stay coalesced to about ten a second and goroutines
// do not grow. HOOKSCOPE_SOAK=1m runs it for the minute the issue names;
// CI runs three seconds.
func TestLiveUnderLoad(t *testing.T) {
	d := 3 * time.Second
	if v, err := time.ParseDuration(os.Getenv("HOOKSCOPE_SOAK")); err == nil && v > 0 {
		d = v
	}
	h := newHarness(t, "127.0.0.1:0")
	url := h.core.ListenerURL() + "/load"
	runtime.GC()
	goroutinesBefore := runtime.NumGoroutine()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	defer client.CloseIdleConnections()
	var sent atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	body := bytes.Repeat([]byte("x"), 650)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(32 * time.Millisecond) // 32 senders × 31/s ≈ 1,000/s
			defer tick.Stop()
			for time.Now().Before(stop) {
				<-tick.C
				resp, err := client.Post(url, "application/json", bytes.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				sent.Add(1)
			}
		}()
	}
	wg.Wait()
	h.waitForCount(int(sent.Load()))
	refreshes := onUI(func() int { return h.view.refreshes })
	perSecond := float64(refreshes) / d.Seconds()
	t.Logf("%d requests in %v (%.0f/s), %d refreshes (%.1f/s)", sent.Load(), d, float64(sent.Load())/d.Seconds(), refreshes, perSecond)
	if perSecond > 12 {
		t.Fatalf("%.1f refreshes a second: not coalesced", perSecond)
	}
	client.CloseIdleConnections()
	// Closed connections' goroutines end soon after; 5 s is far more than
	// they need, so goroutines still there then are a leak.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutinesBefore+10 {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines grew from %d to %d", goroutinesBefore, runtime.NumGoroutine())
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap %d → %d KiB", before.HeapAlloc>>10, after.HeapAlloc>>10)
	if grown > 64<<20 {
		t.Fatalf("heap grew by %d MiB", grown>>20)
	}
}
