package cli

import (
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
