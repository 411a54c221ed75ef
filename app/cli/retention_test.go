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
