package cli

import (
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServeMaxInflightFlag(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-inflight", "lots"}, `"lots" is not a size`},
		{[]string{"--max-inflight", "1MiB"}, "raise --max-inflight or lower --max-body"},
	} {
		args := append([]string{"serve", "--listen", "127.0.0.1:0", "--db", filepath.Join(dir, "refused.db")}, tc.args...)
		if code, _, errOut := run(args...); code != ExitError || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}

	// 1 MiB of bodies at once, 512 KiB kept of each: two stalled uploads
	// fill the budget and a third body is refused after waiting a second.
	base, stop := startServe(t, filepath.Join(dir, "budget.db"), "--max-inflight", "1MiB", "--max-body", "512KiB")
	u, _ := url.Parse(base)
	first := stalledUpload(t, "tcp", u.Host, "/first")
	second := stalledUpload(t, "tcp", u.Host, "/second")
	start := time.Now()
	resp, err := http.Post(base+"/third", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "1 MiB of other request bodies") {
		t.Fatalf("over the budget: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if took := time.Since(start); took < 900*time.Millisecond {
		t.Fatalf("refused after %v, before waiting for room", took)
	}
	// The stalled senders give up: their room is given back.
	first.Close()
	second.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Post(base+"/fourth", "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d 5 s after the stalled senders left", resp.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
