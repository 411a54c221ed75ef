package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRetentionAndCompactCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ret.db")
	url, stop := startServe(t, db)
	for range 5 {
		postTo(t, url, "POST", "/r", "text/plain", []byte(strings.Repeat("x", 50_000)), nil)
	}
	if code, out, _ := run("retention", "--db", db); code != 0 || out != "retention: keep everything\n" {
		t.Fatalf("%d %q", code, out)
	}
	// Through the running instance, which prunes at once.
	if code, out, errOut := run("retention", "--count", "2", "--days", "7", "--db", db); code != 0 ||
		out != "retention: keep the last 2 requests, the last 7 days (whichever is least)\n" {
		t.Fatalf("%d %q %q", code, out, errOut)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, out, _ := run("list", "--db", db)
		if strings.Count(out, "\n") == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not pruned: %q", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _, errOut := run("compact", "--db", db); code != 2 || !strings.Contains(errOut, "needs "+db+" to itself") {
		t.Fatalf("compact while held: %d %q", code, errOut)
	}
	stop()
	code, out, errOut := run("compact", "--db", db)
	if code != 0 || !strings.HasPrefix(out, "compacted "+db+": ") {
		t.Fatalf("compact: %d %q %q", code, out, errOut)
	}
	if _, out, _ := run("list", "--db", db); strings.Count(out, "\n") != 2 {
		t.Fatalf("after compaction: %q", out)
	}
	if code, out, _ := run("retention", "--off", "--db", db); code != 0 || out != "retention: keep everything\n" {
		t.Fatalf("off: %d %q", code, out)
	}
}

// TestRetentionRefusesNegativeLimitsAndOffWithALimit: these used to exit 0
// and change nothing.
func TestRetentionRefusesNegativeLimitsAndOffWithALimit(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ret.db")
	for _, args := range [][]string{
		{"--count", "-5"}, {"--days", "-1"}, {"--mb", "-0.5"}, {"--days", "NaN"},
		{"--off", "--count", "10"}, {"--off", "--days", "3"},
	} {
		code, out, errOut := run(append([]string{"retention", "--db", db}, args...)...)
		if code != 2 || out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || errOut == "" {
			t.Errorf("retention %v: exit %d, stdout %q, stderr %q; want exit 2 and one line on stderr", args, code, out, errOut)
		}
	}
	if code, out, _ := run("retention", "--db", db); code != 0 || out != "retention: keep everything\n" {
		t.Fatalf("a refused command changed the policy: %d %q", code, out)
	}
	if code, out, _ := run("retention", "--count", "0", "--days", "2", "--db", db); code != 0 || out != "retention: keep the last 2 days (whichever is least)\n" {
		t.Fatalf("zero means no limit: %d %q", code, out)
	}
}

// TestRetentionByAgeKeepsFreshCapturesBesideAnOldImport: an imported 2020
// request gets the newest ID; `retention --days 14` deleted all 50 fresh
// captures with it. Now only the old one goes.
func TestRetentionByAgeKeepsFreshCapturesBesideAnOldImport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ret.db")
	url, stop := startServe(t, db)
	defer stop()
	for range 50 {
		postTo(t, url, "POST", "/fresh", "text/plain", []byte("now"), nil)
	}
	har := filepath.Join(t.TempDir(), "old.har")
	const entry = `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[{"startedDateTime":"2020-01-02T03:04:05Z","time":1,` +
		`"request":{"method":"POST","url":"http://x/old","httpVersion":"HTTP/1.1","headers":[],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":3,"postData":{"mimeType":"text/plain","text":"old"}},` +
		`"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[],"cookies":[],"content":{"size":0,"mimeType":"text/plain"},"redirectURL":"","headersSize":-1,"bodySize":0},"cache":{},"timings":{"send":0,"wait":0,"receive":0}}]}}`
	if err := os.WriteFile(har, []byte(entry), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run("import", har, "--db", db); code != 0 || !strings.Contains(out, "#51") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := run("retention", "--days", "14", "--db", db); code != 0 {
		t.Fatalf("retention: %d %q", code, errOut)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, out, _ := run("list", "--db", db)
		if !strings.Contains(out, "/old") {
			if n := strings.Count(out, "/fresh"); n != 50 {
				t.Fatalf("%d of 50 fresh captures kept after pruning the 2020 import:\n%s", n, out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the 2020 request was not pruned within 5 s:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
