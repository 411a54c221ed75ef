package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stalledUpload starts a POST of a 1 MB body on addr, waits for the
// server's 100 Continue (so its handler is reading the body), sends a few
// bytes and stalls: a request under way that will never finish.
func stalledUpload(t *testing.T, network, addr, path string) net.Conn {
	t.Helper()
	conn, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n", path)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("%s %s: want 100 Continue, got %q %v", network, path, line, err)
	}
	if _, err := io.WriteString(conn, `{"method":"POST","path":"/slow`); err != nil {
		t.Fatal(err)
	}
	return conn
}

// apiSocketClient talks HTTP to the local API's Unix socket.
func apiSocketClient(sock string) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
}

// delayedAnswer is what the sender of a request under a delaying rule got.
type delayedAnswer struct {
	status int
	after  time.Duration
	err    error
}

// underWay sets up, on a running serve, everything a stop must deal with:
// a stalled upload on the listener, one on the local API socket, and a
// request stored and waiting out its rule's delay. It returns the delayed
// request's answer.
func underWay(t *testing.T, base, sock string) <-chan delayedAnswer {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	stalledUpload(t, "tcp", u.Host, "/stalled")
	stalledUpload(t, "unix", sock, "/v1/requests")

	answers := make(chan delayedAnswer, 1)
	sent := time.Now()
	go func() {
		tr := &http.Transport{DisableKeepAlives: true}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Post(base+"/delayed", "text/plain", strings.NewReader("x"))
		if err != nil {
			answers <- delayedAnswer{err: err, after: time.Since(sent)}
			return
		}
		resp.Body.Close()
		answers <- delayedAnswer{status: resp.StatusCode, after: time.Since(sent)}
	}()
	api := apiSocketClient(sock)
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := api.Get("http://hookscope/v1/requests")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), `"/delayed"`) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delayed request was not stored within 5 s (%v)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return answers
}

const (
	ruleDelay = 1500 * time.Millisecond
	// exitWithin is the promise: a stopped serve exits within 5 s.
	exitWithin = 5 * time.Second
)

func addDelayRule(t *testing.T, db string) {
	t.Helper()
	if code, _, errOut := run("rules", "add", "--name", "later", "--path", "/delayed", "--status", "202", "--delay", ruleDelay.String(), "--db", db); code != 0 {
		t.Fatalf("rules add: %d %s", code, errOut)
	}
}

// checkStop checks how a stop went: exit code 0 within 5 s, and the
// delayed request answered 202 after its whole delay.
func checkStop(t *testing.T, code int, took time.Duration, answers <-chan delayedAnswer) {
	t.Helper()
	if code != 0 {
		t.Errorf("exit code %d after the stop", code)
	}
	if took > exitWithin {
		t.Errorf("serve took %v to exit, want at most %v", took, exitWithin)
	}
	t.Logf("serve exited %v after the stop, with two stalled uploads under way", took)
	a := <-answers
	if a.err != nil || a.status != http.StatusAccepted || a.after < ruleDelay {
		t.Errorf("the delayed request got %d %v after %v, want 202 after its whole %v delay", a.status, a.err, a.after, ruleDelay)
	}
}

// TestServeStopsWithinFiveSecondsWithWorkUnderWay: uploads that never
// finish on the listener and on the local API are drained side by side
// under one deadline, so serve exits within 5 s of the stop (it took 7 s
// when they were drained one after the other); a rule's delay that ends in
// time is not cut short.
func TestServeStopsWithinFiveSecondsWithWorkUnderWay(t *testing.T) {
	db := filepath.Join(t.TempDir(), "stop.db")
	addDelayRule(t, db)
	base, stop := startServe(t, db)
	answers := underWay(t, base, db+".sock")
	start := time.Now()
	code := stop()
	checkStop(t, code, time.Since(start), answers)
}

// TestBinaryStopsWithinFiveSecondsOfSIGTERM is the same against the real
// binary and a real SIGTERM; it runs when HOOKSCOPE_BIN names the binary
// (scripts/test.sh builds one).
func TestBinaryStopsWithinFiveSecondsOfSIGTERM(t *testing.T) {
	bin := os.Getenv("HOOKSCOPE_BIN")
	if bin == "" {
		t.Skip("HOOKSCOPE_BIN is not set: no binary to signal")
	}
	db := filepath.Join(t.TempDir(), "sigterm.db")
	addDelayRule(t, db)
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--db", db)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening on http://127.0.0.1:") {
		t.Fatalf("first line %q %v", line, err)
	}
	answers := underWay(t, strings.TrimSpace(strings.TrimPrefix(line, "listening on ")), db+".sock")
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		checkStop(t, code, time.Since(start), answers)
	case <-time.After(3 * exitWithin):
		t.Fatalf("serve had not exited %v after SIGTERM", 3*exitWithin)
	}
}
