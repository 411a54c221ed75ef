package cli

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dev.hookscope/storage"
)

// seedWaitDB stores the same two requests, POST /p, in a new file.
func seedWaitDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "wait.db")
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, body := range []string{`{"n":1}`, `{"n":2}`} {
		rec := &storage.Record{
			Summary: storage.Summary{Method: "POST", Path: "/p", ReceivedAt: time.Date(2025, 1, 2, 3, 4, 5+i, 0, time.UTC),
				BodySize: int64(len(body)), OriginalSize: int64(len(body)), ContentType: "application/json", Status: 200},
			Proto: "HTTP/1.1", Host: "x.test", RemoteAddr: "127.0.0.1:1",
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body),
		}
		if _, err := st.Append(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type outcome struct {
	code        int
	out, errOut string
}

// runSignalled runs a command whose Env.Signals is signals.
func runSignalled(signals chan struct{}, args ...string) outcome {
	var out, errOut bytes.Buffer
	code := Run(Env{Stdout: &out, Stderr: &errOut, Signals: signals}, args)
	return outcome{code, out.String(), errOut.String()}
}

var listeningLine = regexp.MustCompile(`(?m)^listening on http://\S+\n`)

// waitBothWays runs `wait args` through a serve holding one seeded file,
// and with --listen on another, and returns both outcomes, the --listen
// one without its listening line. interrupt sends them a Ctrl-C at once.
func waitBothWays(t *testing.T, interrupt bool, args ...string) (remote, listen outcome) {
	t.Helper()
	signals := func() chan struct{} {
		if !interrupt {
			return nil
		}
		c := make(chan struct{})
		close(c)
		return c
	}
	served := seedWaitDB(t)
	_, stop := startServe(t, served)
	remote = runSignalled(signals(), append([]string{"wait", "--db", served}, args...)...)
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	listen = runSignalled(signals(), append([]string{"wait", "--db", seedWaitDB(t), "--listen", freeAddr(t)}, args...)...)
	if !listeningLine.MatchString(listen.errOut) {
		t.Errorf("wait --listen %v did not say where it listened: %q", args, listen.errOut)
	}
	listen.errOut = listeningLine.ReplaceAllString(listen.errOut, "")
	return remote, listen
}

// TestWaitEndsTheSameWayOnEitherSide: when --timeout passes or Ctrl-C
// comes first, wait prints the matches it has and exits 1 with a sentence
// naming the real --since, through a running instance and with --listen
// alike.
func TestWaitEndsTheSameWayOnEitherSide(t *testing.T) {
	for _, tc := range []struct {
		name      string
		interrupt bool
		args      []string
		lines     int
		msg       string
	}{
		{"time up with some", false, []string{"--since", "0", "--path", "/p", "--count", "3", "--timeout", "300ms"}, 2,
			"hookscope wait: only 2 of 3 matches (printed) within 300ms: waited for 3 request(s) with path /p, ID above 0\n"},
		{"time up with none, since the newest", false, []string{"--path", "/p", "--timeout", "300ms"}, 0,
			"hookscope wait: no match within 300ms: waited for 1 request(s) with path /p, ID above 2\n"},
		{"interrupted with some", true, []string{"--since", "0", "--path", "/p", "--count", "3", "--timeout", "1m"}, 2,
			"hookscope wait: interrupted with only 2 of 3 matches (printed): waited for 3 request(s) with path /p, ID above 0\n"},
		{"interrupted with none", true, []string{"--method", "PUT", "--timeout", "0"}, 0,
			"hookscope wait: interrupted with no match: waited for 1 request(s) with method PUT, ID above 2\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			remote, listen := waitBothWays(t, tc.interrupt, tc.args...)
			if remote != listen {
				t.Errorf("through the instance and with --listen differ:\n%+v\n%+v", remote, listen)
			}
			if remote.code != 1 || strings.Count(remote.out, "\n") != tc.lines || remote.errOut != tc.msg {
				t.Errorf("exit %d, %d lines %q, stderr %q; want exit 1, %d lines, %q", remote.code, strings.Count(remote.out, "\n"), remote.out, remote.errOut, tc.lines, tc.msg)
			}
			if tc.lines > 0 && (!strings.Contains(remote.out, `"id":1,`) || !strings.Contains(remote.out, `"id":2,`)) {
				t.Errorf("the matches printed: %q", remote.out)
			}
			if tc.interrupt && time.Since(start) > 20*time.Second {
				t.Errorf("an interrupted wait took %s", time.Since(start))
			}
		})
	}
}

// TestWaitRefusesBadFlagsUpFront: exit 2 before dialling, listening or
// waiting, with the same sentence whichever way it would have waited.
func TestWaitRefusesBadFlagsUpFront(t *testing.T) {
	served := seedWaitDB(t)
	_, stop := startServe(t, served)
	defer stop()
	nothing := filepath.Join(t.TempDir(), "nothing.db")
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--count", "0"}, "--count 0: wait for 1 request or more"},
		{[]string{"--count", "-2"}, "--count -2: wait for 1 request or more"},
		{[]string{"--timeout", "-1s"}, "--timeout -1s is negative"},
		{[]string{"--path", "/a["}, `--path "/a[" is not a valid glob`},
		{[]string{"--header", "Bad Name: x"}, `"Bad Name" is not a header name`},
		{[]string{"--header", ": x"}, "has no name"},
		{[]string{"--json-path", `type == "unterminated`}, "is not PATH, or PATH OP VALUE"},
		{[]string{"--json-path", `type = x`}, "is not PATH, or PATH OP VALUE"},
		{[]string{"--since", "x"}, `--since "x" is not a request ID`},
	} {
		var got []outcome
		for _, where := range [][]string{{"--db", served}, {"--db", nothing}, {"--db", nothing, "--listen", freeAddr(t)}} {
			got = append(got, runOutcome(append(append([]string{"wait"}, where...), tc.args...)...))
		}
		for _, o := range got {
			if o.code != 2 || o.out != "" || !strings.Contains(o.errOut, tc.msg) || strings.Count(o.errOut, "\n") != 1 {
				t.Errorf("%v: exit %d %q %q, want exit 2 and %q on one line", tc.args, o.code, o.out, o.errOut, tc.msg)
			}
		}
		if got[0] != got[1] || got[1] != got[2] {
			t.Errorf("%v: the three differ: %+v", tc.args, got)
		}
	}
}

func runOutcome(args ...string) outcome {
	code, out, errOut := run(args...)
	return outcome{code, out, errOut}
}

// TestWaitThroughAnInstanceOutlastsOnePoll: the API bounds one poll (10
// minutes); a longer --timeout polls again, above the same ID, instead of
// giving up after the first.
func TestWaitThroughAnInstanceOutlastsOnePoll(t *testing.T) {
	defer func(d time.Duration) { maxPoll, onPoll = d, nil }(maxPoll)
	maxPoll = 100 * time.Millisecond
	var polls atomic.Int32
	onPoll = func() { polls.Add(1) }
	db := seedWaitDB(t)
	url, stop := startServe(t, db)
	defer stop()
	done := make(chan outcome, 1)
	go func() { done <- runOutcome("wait", "--path", "/late", "--timeout", "20s", "--db", db) }()
	deadline := time.Now().Add(10 * time.Second)
	for polls.Load() < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("wait polled %d times in 10 s", polls.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	postTo(t, url, "POST", "/late", "text/plain", []byte("late"), nil)
	o := <-done
	if o.code != 0 || !strings.Contains(o.out, `"id":3,`) || !strings.Contains(o.out, `"path":"/late"`) {
		t.Fatalf("exit %d %q %q", o.code, o.out, o.errOut)
	}
}

// TestWaitNamesACapturerThatStops: through a running instance that stops
// before enough requests match, wait exits 2 saying so, not as if it had
// timed out.
func TestWaitNamesACapturerThatStops(t *testing.T) {
	defer func() { onPoll = nil }()
	polling := make(chan struct{}, 1)
	onPoll = func() {
		select {
		case polling <- struct{}{}:
		default:
		}
	}
	db := seedWaitDB(t)
	_, stop := startServe(t, db)
	done := make(chan outcome, 1)
	go func() { done <- runOutcome("wait", "--path", "/never", "--timeout", "1m", "--db", db) }()
	<-polling
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	o := <-done
	want := "hookscope wait: the Hookscope capturing into " + db + " stopped before 1 request(s) with path /never, ID above 2 arrived (start it again, or use wait --listen ADDR)\n"
	if o.code != 2 || o.out != "" || o.errOut != want {
		t.Fatalf("exit %d %q %q, want exit 2 and %q", o.code, o.out, o.errOut, want)
	}
}

// TestTailShowsIDsAndSaysWhenTheCapturerStops: each line starts with the
// request's ID, and tail ends with a sentence (exit 2) when the instance
// it follows stops.
func TestTailShowsIDsAndSaysWhenTheCapturerStops(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tail.db")
	url, stop := startServe(t, db)
	var out, errOut lockedBuffer
	codes := make(chan int, 1)
	go func() { codes <- Run(Env{Stdout: &out, Stderr: &errOut}, []string{"tail", "--db", db}) }()
	// tail follows requests stored after it starts: post until one shows.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "\n") {
		if time.Now().After(deadline) {
			t.Fatalf("tail printed nothing in 10 s: %q %q", out.String(), errOut.String())
		}
		postTo(t, url, "POST", "/tailed", "text/plain", []byte("hello"), nil)
		time.Sleep(50 * time.Millisecond)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	var code int
	select {
	case code = <-codes:
	case <-time.After(10 * time.Second):
		t.Fatal("tail did not end when serve stopped")
	}
	first := strings.SplitN(out.String(), "\n", 2)[0]
	if !regexp.MustCompile(`^#\d+  \d\d:\d\d:\d\d\.\d{3}  POST    /tailed  → 200  5 B$`).MatchString(first) {
		t.Errorf("tail line %q", first)
	}
	want := "hookscope tail: the Hookscope capturing into " + db + " stopped (start it again, then tail again)\n"
	if code != 2 || errOut.String() != want {
		t.Errorf("exit %d %q, want exit 2 and %q", code, errOut.String(), want)
	}
}
