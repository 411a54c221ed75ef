package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// pace posts --count events at --rate per second (open loop: a request is
// due at its time whether or not earlier ones were answered) and samples
// the resident memory of --pid every 100 ms while they go and for --after
// once they are done. It is scripts/memprobe.sh's driver for issue 16's
// memory figures (the window and serve through 10,000 requests at 1,000/s).
func pace(args []string) error {
	fs := flag.NewFlagSet("pace", flag.ExitOnError)
	url := fs.String("url", "", "listener base URL")
	pid := fs.Int("pid", 0, "process whose RSS is sampled")
	rate := fs.Float64("rate", 1000, "requests per second")
	count := fs.Int("count", 10_000, "requests to send")
	after := fs.Duration("after", 10*time.Second, "keep sampling this long after the last answer")
	path := fs.String("path", "/hooks/probe", "request path")
	fs.Parse(args)
	if *url == "" || *pid == 0 || *rate <= 0 || *count <= 0 {
		return errors.New("pace needs --url, --pid, a positive --rate and --count")
	}
	target := strings.TrimRight(*url, "/") + *path
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}, Timeout: 30 * time.Second}

	var peak atomic.Int64
	sample := func() int64 {
		kb, err := rssKB(*pid)
		if err != nil {
			return 0
		}
		for {
			p := peak.Load()
			if kb <= p || peak.CompareAndSwap(p, kb) {
				return kb
			}
		}
	}
	start0 := sample()
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				sample()
			case <-stopSampling:
				return
			}
		}
	}()

	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / *rate)
	start := time.Now()
	late := time.Duration(0)
	for i := range *count {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		} else {
			late = max(late, -d)
		}
		wg.Add(1)
		go func(n uint64) {
			defer wg.Done()
			resp, err := client.Post(target, "application/json", bytes.NewReader(event(n)))
			if err != nil {
				failed.Add(1)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				ok.Add(1)
			} else {
				failed.Add(1)
			}
		}(uint64(time.Now().UnixNano()) + uint64(i))
	}
	dispatched := time.Since(start)
	wg.Wait()
	sent := time.Since(start)
	duringPeak := peak.Load()
	atEnd := sample()
	peak.Store(0)
	time.Sleep(*after)
	close(stopSampling)
	<-sampled
	afterPeak := max(peak.Load(), sample())
	final := sample()
	fmt.Printf("sent %d in %.1f s (%.0f/s; at most %s behind schedule), the last answered after %.1f s: %d acknowledged, %d failed\n",
		*count, dispatched.Seconds(), float64(*count)/dispatched.Seconds(), late.Round(time.Millisecond), sent.Seconds(), ok.Load(), failed.Load())
	fmt.Printf("RSS before %s, peak while sending %s, at the last answer %s, peak over the next %s %s, then %s\n",
		mb(start0), mb(duringPeak), mb(atEnd), *after, mb(afterPeak), mb(final))
	if failed.Load() > 0 {
		return fmt.Errorf("%d requests failed", failed.Load())
	}
	return nil
}

// idle prints a process's CPU use and RSS over --for.
func idle(args []string) error {
	fs := flag.NewFlagSet("idle", flag.ExitOnError)
	pid := fs.Int("pid", 0, "process to watch")
	d := fs.Duration("for", 10*time.Second, "how long to watch")
	clkTck := fs.Int("clk-tck", 100, "clock ticks per second (getconf CLK_TCK)")
	fs.Parse(args)
	if *pid == 0 {
		return errors.New("idle needs --pid")
	}
	tick := time.Second / time.Duration(*clkTck)
	c0, err := procCPU(*pid, tick)
	if err != nil {
		return err
	}
	t0 := time.Now()
	time.Sleep(*d)
	c1, err := procCPU(*pid, tick)
	if err != nil {
		return err
	}
	kb, _ := rssKB(*pid)
	fmt.Printf("idle CPU %.2f %% of one core over %s, RSS %s\n", 100*float64(c1-c0)/float64(time.Since(t0)), *d, mb(kb))
	return nil
}

// rssKB is VmRSS from /proc/PID/status, in KiB.
func rssKB(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

func mb(kb int64) string { return fmt.Sprintf("%.0f MB", float64(kb)*1024/1e6) }
