// Command loadgen is scripts/bench.sh's load generator and its bare
// net/http baseline. It is a separate program so that the senders do not
// share a process (or a garbage collector) with the server they measure.
//
//	loadgen bare [--listen ADDR]
//	    a net/http server that reads each body and answers 200; its first
//	    stdout line is "listening on http://HOST:PORT"
//	loadgen run --bare URL --bare-pid PID --hookscope URL --hookscope-pid PID [--db PATH] [flags]
//	    drives both servers in turn and prints what bench.sh reports
//	loadgen pace --url URL --pid PID [--rate 1000] [--count 10000] [--after 10s]
//	    posts at a fixed rate and samples the RSS of PID (scripts/memprobe.sh)
//	loadgen idle --pid PID [--for 10s]
//	    prints the CPU share and RSS of PID over a while
//
// Standard library only.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "bare":
		err = bare(os.Args[2:])
	case "run":
		err = run(os.Args[2:])
	case "pace":
		err = pace(os.Args[2:])
	case "idle":
		err = idle(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: loadgen bare [--listen ADDR] | loadgen run --bare URL --bare-pid PID --hookscope URL --hookscope-pid PID [--db PATH] [--senders N] [--rounds N] [--duration D] | loadgen pace --url URL --pid PID [--rate R] [--count N] [--after D] | loadgen idle --pid PID [--for D]")
	os.Exit(2)
}

// bare is the baseline: what any Go webhook receiver does at least (read
// the body, answer 200 with a small JSON acknowledgement, as Hookscope
// does), nothing stored.
func bare(args []string) error {
	fs := flag.NewFlagSet("bare", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	fs.Parse(args)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true,"id":1}`+"\n")
		}),
	}
	fmt.Println("listening on http://" + ln.Addr().String())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// target is one server under test.
type target struct {
	name string
	url  string
	pid  int
	// acked counts every 2xx this target gave, warm-up included: the
	// requests Hookscope stored.
	acked atomic.Int64
	tr    *http.Transport
}

// result is one measured phase against one target.
type result struct {
	ok, non2xx, errs int64
	statuses         map[int]int64
	errSamples       map[string]int64
	lat              []time.Duration
	elapsed          time.Duration
	cpu              time.Duration // the server's user+system time
	selfCPU          time.Duration // the load generator's own
}

func (r result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func (r result) cpuPerReq() float64 {
	if r.ok == 0 {
		return 0
	}
	return float64(r.cpu.Microseconds()) / float64(r.ok)
}

func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	bareURL := fs.String("bare", "", "base URL of the bare net/http server")
	barePID := fs.Int("bare-pid", 0, "its process ID (for CPU time)")
	hsURL := fs.String("hookscope", "", "base URL of hookscope serve")
	hsPID := fs.Int("hookscope-pid", 0, "its process ID (for CPU time)")
	db := fs.String("db", "", "hookscope's database file (for bytes on disk)")
	senders := fs.Int("senders", 32, "concurrent keep-alive senders")
	rounds := fs.Int("rounds", 3, "rounds; each measures bare, then hookscope")
	duration := fs.Duration("duration", 5*time.Second, "length of each measured phase")
	warmup := fs.Duration("warmup", time.Second, "unmeasured load on each target before the first round")
	path := fs.String("path", "/hooks/bench", "request path")
	clkTck := fs.Int("clk-tck", 100, "clock ticks per second of /proc/PID/stat (getconf CLK_TCK)")
	fs.Parse(args)
	if *bareURL == "" || *hsURL == "" || *barePID == 0 || *hsPID == 0 {
		return errors.New("run needs --bare, --bare-pid, --hookscope and --hookscope-pid")
	}
	if *senders < 1 || *rounds < 1 || *duration <= 0 {
		return errors.New("--senders, --rounds and --duration must be positive")
	}
	tick := time.Second / time.Duration(*clkTck)
	mk := func(name, url string, pid int) *target {
		return &target{name: name, url: strings.TrimRight(url, "/") + *path, pid: pid,
			tr: &http.Transport{MaxIdleConnsPerHost: *senders, MaxConnsPerHost: *senders, DisableCompression: true}}
	}
	targets := []*target{mk("bare", *bareURL, *barePID), mk("hookscope", *hsURL, *hsPID)}
	var seq atomic.Uint64
	fmt.Printf("%d keep-alive senders, %d-byte JSON event to %s, %d rounds of %s per server (bare, then hookscope), %s warm-up\n",
		*senders, len(event(0)), *path, *rounds, *duration, *warmup)
	if *warmup > 0 {
		for _, t := range targets {
			drive(t, *senders, *warmup, &seq, tick)
		}
	}
	all := map[string][]result{}
	for r := 1; r <= *rounds; r++ {
		for _, t := range targets {
			res := drive(t, *senders, *duration, &seq, tick)
			all[t.name] = append(all[t.name], res)
			fmt.Printf("round %d %-9s %7.0f req/s  p50 %6s  p99 %6s  server CPU %5.1f µs/req  loadgen CPU %5.1f µs/req  non-2xx %d  errors %d\n",
				r, t.name, res.rate(), ms(pct(res.lat, 50)), ms(pct(res.lat, 99)), res.cpuPerReq(),
				float64(res.selfCPU.Microseconds())/float64(max(res.ok, 1)), res.non2xx, res.errs)
		}
	}
	fmt.Println()
	bareRes, hsRes := all["bare"], all["hookscope"]
	var ratios []string
	for i := range hsRes {
		ratios = append(ratios, fmt.Sprintf("%.2f", hsRes[i].rate()/bareRes[i].rate()))
	}
	bareMed, hsMed := median(bareRes), median(hsRes)
	for _, t := range targets {
		res := all[t.name]
		lat := merged(res)
		fmt.Printf("%-9s %7.0f req/s (median of rounds)  p50 %6s  p99 %6s  server CPU %5.1f µs/req\n",
			t.name, median(res), ms(pct(lat, 50)), ms(pct(lat, 99)), cpuPerReq(res))
	}
	fmt.Printf("ratio     %.2f of bare (medians; per round %s)\n", hsMed/bareMed, strings.Join(ratios, " "))

	failed := false
	for _, t := range targets {
		var sum result
		sum.statuses, sum.errSamples = map[int]int64{}, map[string]int64{}
		for _, r := range all[t.name] {
			sum.non2xx += r.non2xx
			sum.errs += r.errs
			for k, v := range r.statuses {
				sum.statuses[k] += v
			}
			for k, v := range r.errSamples {
				sum.errSamples[k] += v
			}
		}
		fmt.Printf("failures  %s: %d non-2xx, %d errors", t.name, sum.non2xx, sum.errs)
		if sum.non2xx+sum.errs > 0 {
			failed = true
			for _, code := range slices.Sorted(maps.Keys(sum.statuses)) {
				fmt.Printf("; HTTP %d ×%d", code, sum.statuses[code])
			}
			for _, msg := range slices.Sorted(maps.Keys(sum.errSamples)) {
				fmt.Printf("; %q ×%d", msg, sum.errSamples[msg])
			}
		}
		fmt.Println()
	}
	if *db != "" {
		if err := diskReport(*db, targets[1].acked.Load(), len(event(0))); err != nil {
			return err
		}
	}
	if failed {
		return errors.New("some requests failed (see above)")
	}
	return nil
}

// drive sends from n senders for d and measures the target.
func drive(t *target, n int, d time.Duration, seq *atomic.Uint64, tick time.Duration) result {
	client := &http.Client{Transport: t.tr, Timeout: 30 * time.Second}
	type part struct {
		ok, non2xx, errs int64
		statuses         map[int]int64
		errSamples       map[string]int64
		lat              []time.Duration
	}
	parts := make([]part, n)
	cpu0, _ := procCPU(t.pid, tick)
	self0, _ := procCPU(os.Getpid(), tick)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func(p *part) {
			defer wg.Done()
			p.statuses, p.errSamples = map[int]int64{}, map[string]int64{}
			p.lat = make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) {
				body := event(seq.Add(1))
				t0 := time.Now()
				resp, err := client.Post(t.url, "application/json", bytes.NewReader(body))
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				lat := time.Since(t0)
				switch {
				case err != nil:
					p.errs++
					p.errSamples[errText(err)]++
				case resp.StatusCode < 200 || resp.StatusCode > 299:
					p.non2xx++
					p.statuses[resp.StatusCode]++
				default:
					p.ok++
					t.acked.Add(1)
					p.lat = append(p.lat, lat)
				}
			}
		}(&parts[i])
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1, err := procCPU(t.pid, tick)
	self1, _ := procCPU(os.Getpid(), tick)
	res := result{elapsed: elapsed, statuses: map[int]int64{}, errSamples: map[string]int64{}, selfCPU: self1 - self0}
	if err == nil {
		res.cpu = cpu1 - cpu0
	}
	for _, p := range parts {
		res.ok += p.ok
		res.non2xx += p.non2xx
		res.errs += p.errs
		res.lat = append(res.lat, p.lat...)
		for k, v := range p.statuses {
			res.statuses[k] += v
		}
		for k, v := range p.errSamples {
			res.errSamples[k] += v
		}
	}
	slices.Sort(res.lat)
	return res
}

// errText shortens an error to its kind, so a flood of them groups.
func errText(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

// event is a Stripe-like event of 650 bytes whose ID differs per request
// (each is a new event, as a sender under load sends them).
func event(n uint64) []byte {
	head := fmt.Sprintf(`{"id":"evt_1NqHk2LkdI%014d","object":"event","type":"invoice.paid","created":1700000000,"data":{"object":{"id":"in_1NqHk1LkdIwHu7ix","amount_paid":2000,"currency":"usd","customer":"cus_Oe4Xa0fJ2bX3Yz","lines":[],"note":"`, n)
	const tail = `"}}}`
	return []byte(head + strings.Repeat("x", 650-len(head)-len(tail)) + tail)
}

// procCPU is a process's user+system time from /proc/PID/stat (all its
// threads).
func procCPU(pid int, tick time.Duration) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read the CPU time of process %d: %w", pid, err)
	}
	// The command name (field 2) may hold spaces; fields count from its ")".
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("process %d: unexpected /proc stat format", pid)
	}
	f := strings.Fields(s[i+1:])
	// After ")": state is field 3, so utime (14) and stime (15) are f[11], f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("process %d: unexpected /proc stat format", pid)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("process %d: unexpected /proc stat format", pid)
	}
	return time.Duration(u+st) * tick, nil
}

// diskReport divides the database's size by the requests acknowledged.
// Besides the file's length (bbolt grows the file ahead of need, by up to
// 16 MiB at a time) it reads the pages in use from bbolt's meta page: the
// high-water page ID times the page size, of the newer of the two metas.
func diskReport(path string, acked int64, bodySize int) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("bytes on disk: %w", err)
	}
	used, err := boltUsed(path)
	if err != nil {
		return fmt.Errorf("bytes on disk of %s: %w", path, err)
	}
	if acked == 0 {
		return errors.New("bytes on disk: no request was acknowledged")
	}
	perFile := float64(fi.Size()) / float64(acked)
	perUsed := float64(used) / float64(acked)
	fmt.Printf("disk      %d requests acknowledged; file %.1f MB = %.0f B/req; pages in use %.1f MB = %.0f B/req (%.2f× the %d-byte body)\n",
		acked, float64(fi.Size())/1e6, perFile, float64(used)/1e6, perUsed, perUsed/float64(bodySize), bodySize)
	// The capture log beside the database: what it holds is also in the
	// database (or about to be); it is written over from its start every
	// 8 MB and keeps its length (zeros written ahead) until exit.
	if wal, err := os.Stat(path + ".wal"); err == nil {
		fmt.Printf("log       %s.wal %.1f MB now (written over from its start every 8 MB once applied, its length kept; emptied at exit)\n", filepath.Base(path), float64(wal.Size())/1e6)
	}
	return nil
}

func boltUsed(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	// Page header: id 8, flags 2, count 2, overflow 4; then the meta:
	// magic 4, version 4, page size 4, flags 4, root bucket 16,
	// freelist 8, high-water pgid 8, txid 8, checksum 8.
	readMeta := func(off int64) (pageSize uint32, pgid, txid uint64, err error) {
		buf := make([]byte, 16+72)
		if _, err := f.ReadAt(buf, off); err != nil {
			return 0, 0, 0, err
		}
		m := buf[16:]
		if binary.LittleEndian.Uint32(m[0:]) != 0xED0CDAED {
			return 0, 0, 0, errors.New("not a bbolt file")
		}
		return binary.LittleEndian.Uint32(m[8:]), binary.LittleEndian.Uint64(m[40:]), binary.LittleEndian.Uint64(m[48:]), nil
	}
	ps, pg0, tx0, err := readMeta(0)
	if err != nil {
		return 0, err
	}
	_, pg1, tx1, err := readMeta(int64(ps))
	if err == nil && tx1 > tx0 {
		pg0 = pg1
	}
	return int64(pg0) * int64(ps), nil
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func merged(rs []result) []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, r.lat...)
	}
	slices.Sort(out)
	return out
}

func median(rs []result) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = r.rate()
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func cpuPerReq(rs []result) float64 {
	var cpu time.Duration
	var ok int64
	for _, r := range rs {
		cpu += r.cpu
		ok += r.ok
	}
	if ok == 0 {
		return 0
	}
	return float64(cpu.Microseconds()) / float64(ok)
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
}
