package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary returns the real hookscope binary: the one scripts/test.sh built
// (HOOKSCOPE_BIN), else a fresh build.
func binary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("HOOKSCOPE_BIN"); bin != "" {
		return bin
	}
	if testing.Short() {
		t.Skip("building the real binary takes minutes; -short skips it")
	}
	bin := filepath.Join(t.TempDir(), "hookscope")
	tags, err := os.ReadFile("scripts/build-tags")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-tags", strings.TrimSpace(string(tags)), "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

type served struct {
	cmd *exec.Cmd
	url string
}

func startServe(t *testing.T, bin, db string) *served {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--db", db)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening on http://127.0.0.1:") {
		t.Fatalf("first line %q %v", line, err)
	}
	return &served{cmd: cmd, url: strings.TrimSpace(strings.TrimPrefix(line, "listening on "))}
}

func hookscope(t *testing.T, bin string, args ...string) (int, []byte) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Logf("%v: exit %d: %s", args, code, errOut.String())
	}
	return code, out
}

func TestEndToEndServePostListShow(t *testing.T) {
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "e2e.db")
	s := startServe(t, bin, db)
	resp, err := http.Post(s.url+"/hooks/stripe?attempt=1", "application/json", strings.NewReader(`{"type":"invoice.paid"}`))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(answer)) != `{"ok":true,"id":1}` {
		t.Fatalf("answer %d %s", resp.StatusCode, answer)
	}
	// SIGTERM: finish, close the store, exit 0 within 5 s.
	start := time.Now()
	s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("serve took %v to stop", d)
	}
	code, out := hookscope(t, bin, "list", "--json", "--db", db)
	var row struct {
		ID     uint64 `json:"id"`
		Method string `json:"method"`
		Path   string `json:"path"`
	}
	if code != 0 || json.Unmarshal(out, &row) != nil || row.ID != 1 || row.Method != "POST" || row.Path != "/hooks/stripe" {
		t.Fatalf("list --json: %d %s", code, out)
	}
	code, out = hookscope(t, bin, "show", "1", "--json", "--db", db)
	var rec struct {
		Query      string `json:"query"`
		BodyBase64 string `json:"body_base64"`
	}
	if code != 0 || json.Unmarshal(out, &rec) != nil || rec.Query != "attempt=1" || rec.BodyBase64 != "eyJ0eXBlIjoiaW52b2ljZS5wYWlkIn0=" {
		t.Fatalf("show --json: %d %s", code, out)
	}
}

// TestKillDuringBurstLosesNothingAcknowledged is the durability promise: a
// request answered 2xx is on disk even if the process dies right after.
func TestKillDuringBurstLosesNothingAcknowledged(t *testing.T) {
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "kill.db")
	s := startServe(t, bin, db)
	// burstUntilKilled (main_crash_test.go) runs 16 senders, kills serve
	// with SIGKILL after 400 ms and returns what was answered 2xx.
	acked := burstUntilKilled(t, s, 0, 400*time.Millisecond)
	if len(acked) < 50 {
		t.Fatalf("only %d requests acknowledged before the kill: the burst did not run", len(acked))
	}
	code, out := hookscope(t, bin, "list", "--json", "--db", db)
	if code != 0 {
		t.Fatalf("list after kill: exit %d", code)
	}
	stored := map[uint64]bool{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		var row struct {
			ID uint64 `json:"id"`
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		stored[row.ID] = true
	}
	for id := range acked {
		if !stored[id] {
			t.Fatalf("request %d was answered 2xx but is not in the database after SIGKILL", id)
		}
	}
	t.Logf("%d acknowledged, %d stored after SIGKILL", len(acked), len(stored))
}

// TestHugeBodyAndStalledHeadersLeaveOthersAnswered: an 80 MiB POST and a
// client that never finishes its headers do not stop the listener.
func TestHugeBodyAndStalledHeadersLeaveOthersAnswered(t *testing.T) {
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "huge.db")
	s := startServe(t, bin, db)
	addr := strings.TrimPrefix(s.url, "http://")
	stalled, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	fmt.Fprint(stalled, "POST /never HTTP/1.1\r\nHost: x\r\nX-Slow: ")

	huge := make(chan error, 1)
	go func() {
		const size = 80 << 20
		req, _ := http.NewRequest("POST", s.url+"/huge", io.LimitReader(zeros{}, size))
		req.ContentLength = size
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		huge <- err
	}()
	for i := range 20 {
		resp, err := http.Post(s.url+"/other", "text/plain", strings.NewReader("small"))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("request %d beside the huge one: %v", i, err)
		}
		resp.Body.Close()
	}
	if err := <-huge; err != nil {
		t.Fatalf("80 MiB POST: %v", err)
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
	_, out := hookscope(t, bin, "list", "--json", "--db", db)
	if !strings.Contains(string(out), `"path":"/huge","body_size":10485760`) || !strings.Contains(string(out), `"original_size":83886080,"truncated":true`) {
		t.Fatalf("huge body not recorded as cut: %s", firstLines(out, 3))
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func firstLines(b []byte, n int) string {
	lines := strings.SplitN(string(b), "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// TestWindowStartsUnderXvfb starts the real window (OpenGL driver, not the
// test driver) on a private X display and checks it listens and captures.
func TestWindowStartsUnderXvfb(t *testing.T) {
	bin := binary(t)
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Skip("Xvfb not installed (scripts/install-deps.sh installs it)")
	}
	display := fmt.Sprintf(":%d", 90+os.Getpid()%400)
	x := exec.Command(xvfb, display, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { x.Process.Kill(); x.Wait() }()
	time.Sleep(500 * time.Millisecond)

	db := filepath.Join(t.TempDir(), "window.db")
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--db", db)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LANG=en_US.UTF-8", "LANGUAGE=en_US")
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// One Wait, whose result the SIGTERM check below reads; the cleanup
	// kills and waits for that same result (two Waits race).
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
	}()
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatalf("window printed no listening line; stderr: %s", stderr.String())
	}
	if !strings.HasPrefix(line, "listening on http://127.0.0.1:") {
		t.Fatalf("first line %q; stderr: %s", line, stderr.String())
	}
	url := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	resp, err := http.Post(url+"/from-test", "text/plain", strings.NewReader("hello window"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("post to the window's listener: %v", err)
	}
	resp.Body.Close()
	// While the window holds the store, the command line goes through its
	// socket.
	code, out := hookscope(t, bin, "list", "--json", "--db", db)
	if code != 0 || !strings.Contains(string(out), `"path":"/from-test"`) {
		t.Fatalf("list --json while the window is open: %d %s", code, out)
	}
	// SIGTERM closes the window and the store cleanly. 30 s: once, with
	// the ui package's race-built tests loading both cores, 10 s passed;
	// if it hangs, SIGQUIT makes Go print every goroutine, for the log.
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("window exit after SIGTERM: %v; stderr: %s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		t.Fatalf("window did not exit within 30 s of SIGTERM; stderr (goroutines after SIGQUIT): %s", stderr.String())
	}
	code, out = hookscope(t, bin, "show", "1", "--db", db)
	if code != 0 || !strings.Contains(string(out), "hello window") {
		t.Fatalf("the window's capture is not in the store: %d %s", code, out)
	}
}

// TestReadmeWaitExample runs the README's "Use it from tests" script as
// written, with the built binary first on PATH, so the example cannot rot:
// twice in the same folder (a second run once read the first one's
// serve.out and posted to a dead port), and it must leave nothing behind,
// in that folder or in TMPDIR.
func TestReadmeWaitExample(t *testing.T) {
	bin := binary(t)
	for _, tool := range []string{"bash", "jq", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/install-deps.sh installs it)", tool)
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### Use it from tests")
	_, script, ok2 := strings.Cut(section, "```sh\n")
	script, _, ok3 := strings.Cut(script, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README has no sh block under \"Use it from tests\"")
	}
	dir := t.TempDir()
	binDir := filepath.Join(dir, "bin")
	os.MkdirAll(binDir, 0o755)
	if err := os.Symlink(bin, filepath.Join(binDir, "hookscope")); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "tmp")
	os.MkdirAll(tmp, 0o700)
	for run := 1; run <= 2; run++ {
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PATH="+binDir+":"+os.Getenv("PATH"), "TMPDIR="+tmp)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("README example, run %d, failed: %v\n%s", run, err, out)
		}
		if !strings.Contains(string(out), "true") {
			t.Fatalf("run %d: the example's jq assertion printed %q", run, out)
		}
		for folder, want := range map[string]int{dir: 2, tmp: 0} { // dir: bin and tmp
			if left, _ := os.ReadDir(folder); len(left) != want {
				t.Fatalf("run %d left %v in %s", run, left, folder)
			}
		}
	}
}

// TestStderrStaysCleanOnACLocale: scripts read stderr as "errors only", and
// containers default to LANG=C.UTF-8, on which Fyne's init used to log a
// locale complaint for every command.
func TestStderrStaysCleanOnACLocale(t *testing.T) {
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "quiet.db")
	for _, env := range [][]string{{"LANG=C.UTF-8"}, {"LANG=C", "LC_ALL=POSIX"}, {"LANG=POSIX"}} {
		cmd := exec.Command(bin, "list", "--db", db)
		cmd.Env = append(cmd.Environ(), "LANGUAGE=")
		cmd.Env = append(cmd.Env, env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v", env, err)
		}
		if stderr.Len() != 0 {
			t.Fatalf("%v: stderr %q", env, stderr.String())
		}
	}
}

// TestWindowWithoutADisplaySaysSo: GLFW panics without a display; the user
// gets a sentence and exit 2 instead.
func TestWindowWithoutADisplaySaysSo(t *testing.T) {
	bin := binary(t)
	cmd := exec.Command(bin, "--db", filepath.Join(t.TempDir(), "nodisplay.db"), "--listen", "127.0.0.1:0")
	cmd.Env = append(cmd.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "no display") || strings.Contains(string(out), "panic") {
		t.Fatalf("%v: %s", err, out)
	}
}
