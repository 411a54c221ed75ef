package cli

import (
	"encoding/json"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"

	"dev.hookscope/storage"
)

// TestReplaySameOnEitherSide: `replay --json` used to have two shapes (the
// API's lacked proto, remote_addr and kind). Now the file and a running
// serve print the same fields and the same answer, and the replay is kept
// in the history either way.
func TestReplaySameOnEitherSide(t *testing.T) {
	target := newReplayTarget(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Answer", "yes")
		// A fixed Date: the two sides' replays may fall in different
		// seconds, and the human output prints the answer's headers.
		w.Header().Set("Date", "Sun, 06 Dec 2026 00:00:00 GMT")
		w.WriteHeader(202)
		w.Write([]byte{'o', 'k', 0xff})
	})
	target.Start()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String()
	ln.Close()

	shapes := func(db string) (string, string, string) {
		_, ok, _ := replayRun("1", "--db", db, "--to", target.URL, "--header", "X-Extra: 1", "--json")
		_, failed, _ := replayRun("1", "--db", db, "--to", closed, "--json")
		code, human, errOut := replayRun("1", "--db", db, "--to", target.URL)
		if code != 0 {
			t.Fatalf("human replay: %d %s", code, errOut)
		}
		return ok, failed, human
	}
	fileDB := replayStore(t)
	fOK, fFailed, fHuman := shapes(fileDB)
	sockDB := replayStore(t)
	_, stop := startServe(t, sockDB)
	sOK, sFailed, sHuman := shapes(sockDB)
	stop()

	for _, pair := range [][2]string{{fOK, sOK}, {fFailed, sFailed}} {
		a, b := stable(t, pair[0]), stable(t, pair[1])
		if a != b {
			t.Errorf("replay --json differs:\nfile:  %s\nserve: %s", a, b)
		}
	}
	if !strings.Contains(fOK, `"body_base64":"b2v/"`) || !strings.Contains(fOK, `"proto":"HTTP/1.1"`) || !strings.Contains(fFailed, `"kind":"refused"`) {
		t.Errorf("shapes: %s %s", fOK, fFailed)
	}
	cut := func(s string) string { return s[:strings.Index(s, "timing:")] }
	if cut(fHuman) != cut(sHuman) {
		t.Errorf("human output differs:\n%s\n%s", fHuman, sHuman)
	}
	for _, db := range []string{fileDB, sockDB} {
		st, err := storage.Open(db, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		list, _ := st.Replays(1)
		st.Close()
		if len(list) != 3 || list[0].Proto != "HTTP/1.1" || list[1].ErrorKind != "refused" {
			t.Errorf("%s: %d replays kept, want 3 with proto and error kind", db, len(list))
		}
	}
}

// stable drops what differs between any two runs (times, IDs, addresses)
// and prints the rest with sorted keys.
func stable(t *testing.T, line string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	for _, k := range []string{"duration_ms", "timing", "remote_addr", "replay_id", "error"} {
		if _, ok := m[k]; ok {
			m[k] = "…"
		}
	}
	if h, ok := m["headers"].(map[string]any); ok {
		delete(h, "Date")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b, _ := json.Marshal(m)
	return strings.Join(keys, ",") + " " + string(b)
}
