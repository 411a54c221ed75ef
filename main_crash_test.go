package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dev.hookscope/capture"
	"dev.hookscope/storage"
)

// TestCrashRepeatedKillsLoseNothingAcknowledged is the durability promise
// under repetition: five times, serve runs on the same database, takes a
// concurrent burst, and is killed with SIGKILL mid-burst. After every kill
// the file opens, passes bbolt's consistency check, and holds every request
// that was answered 2xx, in this round and all before, with its body.
func TestCrashRepeatedKillsLoseNothingAcknowledged(t *testing.T) {
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "crash.db")
	acked := map[uint64]string{}
	for round := range 5 {
		s := startServe(t, bin, db)
		got := burstUntilKilled(t, s, round, 250*time.Millisecond)
		if len(got) < 20 {
			t.Fatalf("round %d: only %d requests acknowledged before the kill: the burst did not run", round, len(got))
		}
		for id, body := range got {
			if _, dup := acked[id]; dup {
				t.Fatalf("round %d: ID %d acknowledged twice (an ID was reused after a crash)", round, id)
			}
			acked[id] = body
		}

		st, err := storage.Open(db, storage.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		if err := st.Check(); err != nil {
			st.Close()
			t.Fatalf("round %d: consistency check after SIGKILL: %v", round, err)
		}
		for id, body := range acked {
			rec, err := st.Get(id)
			if err != nil {
				st.Close()
				t.Fatalf("round %d: request %d was answered 2xx but is not in the database after SIGKILL: %v", round, id, err)
			}
			if string(rec.Body) != body {
				st.Close()
				t.Fatalf("round %d: request %d body %q, want %q", round, id, rec.Body, body)
			}
		}
		n, _ := st.Count()
		st.Close()
		t.Logf("round %d: %d acknowledged this round, %d in all, %d stored", round, len(got), len(acked), n)
	}
}

// burstUntilKilled posts from 16 workers, SIGKILLs serve after d, and
// returns what was acknowledged.
func burstUntilKilled(t *testing.T, s *served, round int, d time.Duration) map[uint64]string {
	t.Helper()
	var mu sync.Mutex
	acked := map[uint64]string{}
	var wg sync.WaitGroup
	giveUp := time.Now().Add(d + 3*time.Second)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			defer client.CloseIdleConnections()
			for i := 0; time.Now().Before(giveUp); i++ {
				body := fmt.Sprintf(`{"round":%d,"worker":%d,"n":%d}`, round, w, i)
				resp, err := client.Post(s.url+"/crash", "application/json", strings.NewReader(body))
				if err != nil {
					return // the process is gone
				}
				var a struct {
					OK bool   `json:"ok"`
					ID uint64 `json:"id"`
				}
				err = json.NewDecoder(resp.Body).Decode(&a)
				resp.Body.Close()
				if err == nil && resp.StatusCode/100 == 2 && a.OK {
					mu.Lock()
					acked[a.ID] = body
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(d)
	s.cmd.Process.Signal(syscall.SIGKILL)
	wg.Wait()
	s.cmd.Wait()
	return acked
}

var fingerprintLine = regexp.MustCompile(`SHA-256 fingerprint ([0-9A-F:]{95})`)

// TestCrashDuringCertificateWrite: `serve --tls` writes its certificate
// and key into the settings on first start. Killed with SIGKILL at any
// moment of that start, the database still opens and passes the check, and
// the next start has a usable certificate (the one kept, or a new one if
// the kill came before both were written), which then stays the same
// across a further SIGKILL.
func TestCrashDuringCertificateWrite(t *testing.T) {
	bin := binary(t)
	for i := range 12 {
		db := filepath.Join(t.TempDir(), fmt.Sprintf("tls%d.db", i))
		cmd := exec.Command(bin, "serve", "--tls", "--listen", "127.0.0.1:0", "--db", db)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Spread the kills around the certificate write, which comes some
		// 15-35 ms into the start here; the log says which side each fell.
		delay := 14*time.Millisecond + time.Duration(i)*3*time.Millisecond
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		st, err := storage.Open(db, storage.Options{})
		if err != nil {
			// Killed before bbolt wrote its first pages: an empty file is
			// not a database yet; nothing was acknowledged.
			t.Logf("kill %d: %v", i, err)
			continue
		}
		if err := st.Check(); err != nil {
			st.Close()
			t.Fatalf("kill %d: check: %v", i, err)
		}
		kept, _ := st.Setting(capture.SettingTLSCert)
		t.Logf("kill %d after %v: database opens and checks, certificate kept: %v", i, delay, kept != nil)
		if _, err := capture.LoadOrCreateCert(st); err != nil {
			st.Close()
			t.Fatalf("kill %d: certificate after the kill: %v", i, err)
		}
		st.Close()
	}

	// Killed once fully started, the certificate (and fingerprint) is kept.
	db := filepath.Join(t.TempDir(), "tls-kept.db")
	first := startTLSServe(t, bin, db)
	first.cmd.Process.Signal(syscall.SIGKILL)
	first.cmd.Wait()
	second := startTLSServe(t, bin, db)
	second.cmd.Process.Signal(syscall.SIGKILL)
	second.cmd.Wait()
	if first.fingerprint != second.fingerprint {
		t.Fatalf("fingerprint changed across a SIGKILL: %s then %s", first.fingerprint, second.fingerprint)
	}
}

type tlsServed struct {
	cmd         *exec.Cmd
	fingerprint string
}

func startTLSServe(t *testing.T, bin, db string) *tlsServed {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--tls", "--listen", "127.0.0.1:0", "--db", db)
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// The fingerprint is written on stderr before the listening line on
	// stdout (Fyne's locale complaints may come first).
	errLines := bufio.NewReader(stderr)
	var m []string
	var seen strings.Builder
	for m == nil {
		note, err := errLines.ReadString('\n')
		seen.WriteString(note)
		if err != nil {
			t.Fatalf("no fingerprint on stderr: %q %v", seen.String(), err)
		}
		m = fingerprintLine.FindStringSubmatch(note)
	}
	go io.Copy(io.Discard, errLines)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	go io.Copy(io.Discard, stdout)
	if err != nil || !strings.HasPrefix(line, "listening on https://127.0.0.1:") {
		t.Fatalf("first line %q %v", line, err)
	}
	return &tlsServed{cmd: cmd, fingerprint: m[1]}
}

// TestCrashDuringRetentionCleanup kills serve while it prunes a large
// backlog at start-up: each batch is its own transaction, so after every
// kill the file is consistent and what is left is the newest requests with
// no holes; a clean run then finishes the job.
func TestCrashDuringRetentionCleanup(t *testing.T) {
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "retention.db")
	st, err := storage.Open(db, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const total = 20000
	for i := range total {
		rec := &storage.Record{Summary: storage.Summary{Method: "POST", Path: fmt.Sprintf("/r/%d", i), ReceivedAt: time.Now()}, Body: []byte("x")}
		if _, err := st.Append(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if code, _ := hookscope(t, bin, "retention", "--count", "50", "--db", db); code != 0 {
		t.Fatal("could not set retention")
	}
	left, midway := total, false
	for round := range 6 {
		cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--db", db)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Pruning starts as the store opens, just before the listening line.
		bufio.NewReader(stdout).ReadString('\n')
		time.Sleep(time.Duration(round*120) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		st, err := storage.Open(db, storage.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		if err := st.Check(); err != nil {
			t.Fatalf("round %d: consistency check: %v", round, err)
		}
		ids, _ := st.IDs()
		st.Close()
		if len(ids) > left || len(ids) < 50 || ids[len(ids)-1] != total {
			t.Fatalf("round %d: %d left (before %d), newest %d", round, len(ids), left, ids[len(ids)-1])
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] != ids[i-1]+1 {
				t.Fatalf("round %d: a hole after %d", round, ids[i-1])
			}
		}
		t.Logf("round %d: %d requests left after SIGKILL", round, len(ids))
		left = len(ids)
		midway = midway || (left > 50 && left < total)
	}
	s := startServe(t, bin, db)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, out := hookscope(t, bin, "list", "--json", "--db", db)
		if strings.Count(string(out), "\n") == 50 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a clean run did not finish pruning: %d left", strings.Count(string(out), "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
	if !midway {
		t.Log("no kill landed mid-prune on this machine: the test proved less than it should")
	}
	t.Logf("pruned %d → 50 across 6 SIGKILLs and a clean run", total)
}

// TestCompactRacingServeLosesNothingAcknowledged: `compact` used to let go
// of the database before renaming the compacted copy over it, and a `serve`
// waiting for the lock then acknowledged requests into the old, unlinked
// file. Five rounds: the file gets free pages to reclaim, `compact` starts,
// a `serve` started at once keeps retrying until it holds the database and
// takes a burst; in some rounds compact is SIGKILLed part way, and serve is
// SIGKILLed mid-burst. Every request answered 2xx, in every round, must be
// in the file at the path afterwards. (Checked against a build without the
// inode check in storage.Open: the first round fails.)
func TestCompactRacingServeLosesNothingAcknowledged(t *testing.T) {
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "compact.db")
	acked := map[uint64]string{}
	for round := range 5 {
		addPadding(t, db, 1500, 8<<10)
		compact := exec.Command(bin, "compact", "--db", db)
		if err := compact.Start(); err != nil {
			t.Fatal(err)
		}
		compactDone := make(chan error, 1)
		go func() { compactDone <- compact.Wait() }()
		if round%2 == 1 {
			time.AfterFunc(time.Duration(round*25)*time.Millisecond, func() { compact.Process.Signal(syscall.SIGKILL) })
		}
		s, tries := startServeRetrying(t, bin, db, 30*time.Second)
		got := burstUntilKilled(t, s, round, 200*time.Millisecond)
		<-compactDone
		if len(got) < 10 {
			t.Fatalf("round %d: only %d requests acknowledged: the burst did not run", round, len(got))
		}
		for id, body := range got {
			acked[id] = body
		}
		st, err := storage.Open(db, storage.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		for id, body := range acked {
			rec, err := st.Get(id)
			if err != nil || string(rec.Body) != body {
				st.Close()
				t.Fatalf("round %d: request %d was answered 2xx but is not in %s after compact and SIGKILL: %v", round, id, db, err)
			}
		}
		if err := st.Check(); err != nil {
			st.Close()
			t.Fatalf("round %d: consistency check: %v", round, err)
		}
		st.Close()
		t.Logf("round %d: serve got the database after %d start(s); %d acknowledged in all, all present", round, tries, len(acked))
	}
}

// addPadding appends n requests of size bytes and deletes them again, so
// the file has free pages for compact to reclaim.
func addPadding(t *testing.T, db string, n, size int) {
	t.Helper()
	st, err := storage.Open(db, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ids := make([]uint64, 0, n)
	body := strings.Repeat("p", size)
	for range n {
		id, err := st.Append(context.Background(), &storage.Record{Summary: storage.Summary{Method: "POST", Path: "/pad", ReceivedAt: time.Now()}, Body: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := st.Delete(ids...); err != nil {
		t.Fatal(err)
	}
}

// startServeRetrying starts serve until one gets the database (another
// process may hold it for a while) and returns it with the number of tries.
func startServeRetrying(t *testing.T, bin, db string, limit time.Duration) (*served, int) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for tries := 1; ; tries++ {
		cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--db", db)
		stdout, _ := cmd.StdoutPipe()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		if strings.HasPrefix(line, "listening on http://127.0.0.1:") {
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			return &served{cmd: cmd, url: strings.TrimSpace(strings.TrimPrefix(line, "listening on "))}, tries
		}
		cmd.Wait()
		if !strings.Contains(stderr.String(), "in use") || time.Now().After(deadline) {
			t.Fatalf("serve try %d: %q %s", tries, line, stderr.String())
		}
	}
}
