package capture

import (
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"dev.hookscope/storage"
)

// TestFullDiskAnswers503ThenRecovers: with the database on a 2 MiB tmpfs
// that a filler file has filled, a capture is answered 503 with a reason
// that says the disk is full (never 200; the sender is not told the
// database's path, the log is), while what was stored before stays
// readable; once the filler is deleted the next capture is answered 200 and
// stored, with no restart. Mounting needs root: skipped otherwise.
func TestFullDiskAnswers503ThenRecovers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=2m,mode=0700"); err != nil {
		t.Skipf("cannot mount a 2 MiB tmpfs to fill (needs root or CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	st, err := storage.Open(filepath.Join(dir, "hookscope.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &hostile{st: st, log: &syncBuffer{}}
	h.srv = startServer(t, st, Config{ErrorLog: log.New(h.log, "", 0)})

	before := send(t, mustRequest("POST", h.srv.URL()+"/before", "stored before the disk filled"))

	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	f.Close()

	// bbolt may still have a free page or two: post until the disk refuses.
	body := strings.Repeat("x", 8000)
	var refused string
	for i := 0; i < 500 && refused == ""; i++ {
		resp, err := http.Post(h.srv.URL()+"/while-full", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case 200:
			var a ack
			if json.Unmarshal(answer, &a) != nil {
				t.Fatalf("200 without an ID: %s", answer)
			}
			if _, err := st.Get(a.ID); err != nil {
				t.Fatalf("answered 200 id %d on a full disk but not stored: %v", a.ID, err)
			}
		case 503:
			refused = string(answer)
		default:
			t.Fatalf("on a full disk: %d %s", resp.StatusCode, answer)
		}
	}
	if refused == "" {
		t.Fatal("500 captures on a full disk were all answered 200")
	}
	if !strings.Contains(refused, "not stored") || !strings.Contains(refused, "disk holding Hookscope's database is full") || strings.Contains(refused, dir) {
		t.Fatalf("503 does not say the disk is full, or names the path: %s", refused)
	}
	if logged := h.log.String(); !strings.Contains(logged, "no space left on device") || !strings.Contains(logged, dir) {
		t.Fatalf("the log does not tell the user why: %q", logged)
	}
	t.Logf("on a full disk: %s", strings.TrimSpace(refused))
	if rec, err := st.Get(before.ID); err != nil || string(rec.Body) != "stored before the disk filled" {
		t.Fatalf("earlier capture unreadable while the disk is full: %v", err)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	after := send(t, mustRequest("POST", h.srv.URL()+"/after", "space again"))
	if rec, err := st.Get(after.ID); err != nil || string(rec.Body) != "space again" {
		t.Fatalf("capture after space was freed: %v", err)
	}
	if err := st.Check(); err != nil {
		t.Fatalf("database check after a full disk: %v", err)
	}
}
