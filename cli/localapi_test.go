package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"dev.hookscope/localapi"
	"dev.hookscope/signature"
	"dev.hookscope/storage"
)

func postTo(t *testing.T, url, method, path, ct string, body []byte, hdr http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url+path, bytes.NewReader(body))
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// TestCommandsGiveTheSameAnswerThroughTheSocket runs every read command
// while serve holds the store and again after it stopped, and compares.
func TestCommandsGiveTheSameAnswerThroughTheSocket(t *testing.T) {
	db := filepath.Join(t.TempDir(), "same.db")
	url, stop := startServe(t, db)
	stripeHdr, _ := signature.Sign("stripe", signature.Request{Body: []byte(`{"type":"invoice.paid"}`), Header: http.Header{}},
		signature.Options{Secret: "whsec_same"})
	postTo(t, url, "POST", "/hooks/stripe?x=1", "application/json", []byte(`{"type":"invoice.paid"}`), stripeHdr)
	postTo(t, url, "PURGE", "/bin", "application/octet-stream", []byte{0, 0xff, 1, 0xfe}, http.Header{"X-Dup": {"a", "b"}})
	postTo(t, url, "GET", "/health", "", nil, nil)

	fi, err := os.Stat(localapi.SocketPath(db))
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket %v mode %v", err, fi.Mode())
	}
	commands := [][]string{
		{"list", "--db", db}, {"list", "--json", "--db", db},
		{"show", "1", "--json", "--db", db}, {"show", "2", "--db", db}, {"show", "2", "--json", "--db", db},
		{"show", "99", "--db", db}, {"show", "x", "--db", db},
		{"verify", "1", "--scheme", "stripe", "--secret", "whsec_same", "--json", "--db", db},
		{"verify", "1", "--scheme", "stripe", "--secret", "whsec_other", "--db", db},
		{"verify", "1", "--scheme", "nope", "--secret", "x", "--db", db},
		{"export", "--format", "har", "--db", db}, {"export", "--format", "curl", "1", "2", "--db", db},
		{"export", "--format", "raw", "--db", db}, {"export", "--format", "har", "77", "--db", db},
	}
	type answer struct {
		code     int
		out, err string
	}
	through := make([]answer, len(commands))
	for i, c := range commands {
		code, out, errOut := run(c...)
		through[i] = answer{code, ageless(out), errOut}
	}
	if through[1].code != 0 || strings.Count(through[1].out, "\n") != 3 {
		t.Fatalf("list --json through the socket: %+v", through[1])
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	if _, err := os.Stat(localapi.SocketPath(db)); !os.IsNotExist(err) {
		t.Fatalf("socket left after a clean exit: %v", err)
	}
	for i, c := range commands {
		code, out, errOut := run(c...)
		direct := answer{code, ageless(out), errOut}
		if direct != through[i] {
			t.Errorf("%v differs:\nthrough socket: %+v\ndirect:         %+v", c, through[i], direct)
		}
	}
}

// ageless drops the timestamp age, which grows between the two runs.
func ageless(s string) string {
	s = regexp.MustCompile(`"timestamp_age_s":[0-9.e+-]+`).ReplaceAllString(s, `"timestamp_age_s":AGE`)
	return regexp.MustCompile(`timestamp age: \S+`).ReplaceAllString(s, "timestamp age: AGE")
}

func TestDeleteThroughTheSocket(t *testing.T) {
	db := filepath.Join(t.TempDir(), "del.db")
	url, stop := startServe(t, db)
	defer stop()
	postTo(t, url, "POST", "/a", "text/plain", []byte("a"), nil)
	postTo(t, url, "POST", "/b", "text/plain", []byte("b"), nil)
	if code, out, errOut := run("delete", "1", "--db", db); code != 0 || out != "deleted 1 request(s)\n" {
		t.Fatalf("delete: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := run("delete", "1", "--db", db); code != 2 || !strings.Contains(errOut, "no such request") {
		t.Fatalf("delete again: %d %q", code, errOut)
	}
	_, out, _ := run("list", "--json", "--db", db)
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, `"path":"/b"`) {
		t.Fatalf("after delete: %q", out)
	}
	// Import goes through the running instance too.
	_, har, _ := run("export", "--format", "har", "--db", db)
	file := filepath.Join(t.TempDir(), "b.har")
	os.WriteFile(file, []byte(har), 0o600)
	if code, out, errOut := run("import", file, "--db", db); code != 0 || !strings.Contains(out, "imported 1 request as #3 (har)") {
		t.Fatalf("import through the socket: %d %q %q", code, out, errOut)
	}
	_, out, _ = run("show", "3", "--db", db)
	if !strings.Contains(out, "POST /b HTTP/1.1") {
		t.Fatalf("imported request: %q", out)
	}
}

func TestWaitFindsLaterAndEarlierRequestsAndTimesOut(t *testing.T) {
	db := filepath.Join(t.TempDir(), "wait.db")
	url, stop := startServe(t, db)
	defer stop()
	postTo(t, url, "POST", "/hooks/stripe", "application/json", []byte(`{"type":"invoice.created"}`), nil)

	// Posted after wait started.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(300 * time.Millisecond)
		postTo(t, url, "POST", "/hooks/other", "application/json", []byte(`{"type":"invoice.paid"}`), nil)
		postTo(t, url, "POST", "/hooks/stripe", "application/json", []byte(`{"type":"invoice.paid","n":2}`), nil)
	}()
	code, out, errOut := run("wait", "--path", "/hooks/stripe", "--json-path", `type == "invoice.paid"`, "--timeout", "10s", "--db", db)
	wg.Wait()
	var got struct {
		ID         uint64 `json:"id"`
		Path       string `json:"path"`
		BodyBase64 string `json:"body_base64"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.ID != 3 || got.Path != "/hooks/stripe" {
		t.Fatalf("wait: %d %q %q", code, out, errOut)
	}
	// Posted between --since and the start of wait.
	code, out, _ = run("wait", "--since", "0", "--method", "POST", "--header", "Content-Type: application/json", "--count", "2", "--timeout", "5s", "--db", db)
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"id":1,`) {
		t.Fatalf("wait --since 0 --count 2: %d %q", code, out)
	}
	start := time.Now()
	code, out, errOut = run("wait", "--path", "/never", "--timeout", "300ms", "--db", db)
	if code != 1 || out != "" || !strings.Contains(errOut, "no match within 300ms") || !strings.Contains(errOut, "path /never") {
		t.Fatalf("timeout: %d %q %q", code, out, errOut)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("wait ignored its timeout")
	}
}

func TestWaitWithItsOwnListener(t *testing.T) {
	db := filepath.Join(t.TempDir(), "own.db")
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	done := make(chan struct{})
	var code int
	var out, errOut string
	go func() {
		code, out, errOut = run("wait", "--listen", addr, "--path", "/hook", "--timeout", "10s", "--db", db)
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Post("http://"+addr+"/hook", "text/plain", strings.NewReader("hi"))
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("wait --listen never listened")
		}
		time.Sleep(20 * time.Millisecond)
	}
	<-done
	if code != 0 || !strings.Contains(out, `"body_base64":"aGk="`) || !strings.Contains(errOut, "listening on http://"+addr) {
		t.Fatalf("%d %q %q", code, out, errOut)
	}
}

func TestNothingCapturingSaysSo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "none.db")
	for _, args := range [][]string{{"wait", "--timeout", "1s"}, {"tail"}} {
		code, _, errOut := run(append(args, "--db", db)...)
		if code != 2 || !strings.Contains(errOut, "nothing is capturing into "+db) {
			t.Errorf("%v: %d %q", args, code, errOut)
		}
	}
	// The file held by a process without a socket: one sentence says both.
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	code, _, errOut := run("list", "--db", db)
	if code != 2 || !strings.Contains(errOut, "is in use by another Hookscope (close it or use --db), and its local API at "+db+".sock did not answer") {
		t.Fatalf("%d %q", code, errOut)
	}
}

func TestSecondServeOnTheSameStoreFails(t *testing.T) {
	db := filepath.Join(t.TempDir(), "twice.db")
	_, stop := startServe(t, db)
	defer stop()
	code, _, errOut := run("serve", "--listen", "127.0.0.1:0", "--db", db)
	if code != 2 || !strings.Contains(errOut, "in use by another Hookscope") {
		t.Fatalf("%d %q", code, errOut)
	}
}

func TestStaleSocketIsReplaced(t *testing.T) {
	db := filepath.Join(t.TempDir(), "stale.db")
	// What kill -9 leaves: a socket file nobody listens on.
	ln, err := net.Listen("unix", localapi.SocketPath(db))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Stat(localapi.SocketPath(db)); err != nil {
		t.Fatal("the stale socket is not there")
	}
	url, stop := startServe(t, db)
	defer stop()
	postTo(t, url, "POST", "/after-crash", "text/plain", []byte("x"), nil)
	if code, out, _ := run("list", "--db", db); code != 0 || !strings.Contains(out, "/after-crash") {
		t.Fatalf("%d %q", code, out)
	}
}

func TestTCPAPIRequiresToken(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tcp.db")
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	apiAddr := ln.Addr().String()
	ln.Close()
	url, stop := startServe(t, db, "--api", apiAddr)
	defer stop()
	postTo(t, url, "POST", "/x", "text/plain", []byte("x"), nil)
	token, err := os.ReadFile(localapi.TokenPath(db))
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(localapi.TokenPath(db)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v", fi.Mode().Perm())
	}
	for _, auth := range []string{"", "Bearer wrong", "Basic " + strings.TrimSpace(string(token))} {
		req, _ := http.NewRequest("GET", "http://"+apiAddr+"/v1/requests", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("auth %q got %d", auth, resp.StatusCode)
		}
	}
	// The scheme in any case (RFC 7235); the ping names no file.
	req, _ := http.NewRequest("GET", "http://"+apiAddr+"/v1/ping", nil)
	req.Header.Set("Authorization", "bearer "+strings.TrimSpace(string(token)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ping, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(ping), `"ok":true`) || strings.Contains(string(ping), db) {
		t.Fatalf("ping with a lower-case bearer: %d %s", resp.StatusCode, ping)
	}
	client, err := localapi.DialTCP(apiAddr, strings.TrimSpace(string(token)))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sums, err := client.Summaries(0, 0)
	if err != nil || len(sums) != 1 || sums[0].Path != "/x" {
		t.Fatalf("%v %v", sums, err)
	}
	if _, ok := client.SecretFor("/x"); ok {
		t.Fatal("secrets are served over TCP")
	}
}

func TestEventsStreamNewRequests(t *testing.T) {
	db := filepath.Join(t.TempDir(), "events.db")
	url, stop := startServe(t, db)
	defer stop()
	client, err := localapi.Dial(db)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan storage.Summary, 4)
	go client.Events(ctx, func(s storage.Summary) { got <- s })
	time.Sleep(200 * time.Millisecond)
	postTo(t, url, "DELETE", "/gone", "text/plain", nil, nil)
	select {
	case s := <-got:
		if s.Method != "DELETE" || s.Path != "/gone" || s.Status != 200 {
			t.Fatalf("%+v", s)
		}
	case <-ctx.Done():
		t.Fatal("no event for a new request")
	}
}

func TestReplayThroughTheSocketKeepsHistory(t *testing.T) {
	db := filepath.Join(t.TempDir(), "replay.db")
	url, stop := startServe(t, db)
	defer stop()
	postTo(t, url, "PUT", "/orders/7?x=1", "application/json", []byte(`{"n":7}`), nil)
	var got []byte
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		w.WriteHeader(201)
		io.WriteString(w, "made")
	}))
	defer target.Close()
	code, out, errOut := run("replay", "1", "--to", target.URL, "--json", "--db", db)
	var res struct {
		Status   int     `json:"status"`
		Body     string  `json:"body"`
		Duration float64 `json:"duration_ms"`
		ReplayID uint64  `json:"replay_id"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Status != 201 || res.Body != "made" || res.ReplayID == 0 || string(got) != `{"n":7}` {
		t.Fatalf("replay through the socket: %d %q %q", code, out, errOut)
	}
	client, err := localapi.Dial(db)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	hist, err := client.Replays(1)
	if err != nil || len(hist) != 1 || hist[0].Status != 201 || hist[0].SourceID != 1 {
		t.Fatalf("history %+v %v", hist, err)
	}
}

// socketClient is a plain HTTP client for the API on db's socket.
func socketClient(db string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", localapi.SocketPath(db))
	}}}
}

func TestAPIReplayExportImport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "api.db")
	url, stop := startServe(t, db)
	defer stop()
	postTo(t, url, "POST", "/hooks/a", "application/json", []byte(`{"a":1}`), nil)
	var seen string
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen = r.Header.Get("X-Edit") + " " + string(b)
		io.WriteString(w, "ok")
	}))
	defer target.Close()
	c := socketClient(db)
	body := `{"to":"` + target.URL + `","headers":["X-Edit: yes"],"body_base64":"eyJhIjoyfQ=="}`
	resp, err := c.Post("http://hookscope/v1/requests/1/replay", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Status   int     `json:"status"`
		Body     string  `json:"body"`
		Duration float64 `json:"duration_ms"`
		ReplayID uint64  `json:"replay_id"`
	}
	json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if resp.StatusCode != 200 || res.Status != 200 || res.Body != "ok" || res.ReplayID == 0 || seen != `yes {"a":2}` {
		t.Fatalf("API replay: %d %+v, target saw %q", resp.StatusCode, res, seen)
	}
	resp, err = c.Get("http://hookscope/v1/export?format=har&id=1")
	if err != nil {
		t.Fatal(err)
	}
	har, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, cliHAR, _ := run("export", "--format", "har", "1", "--db", db)
	if resp.StatusCode != 200 || string(har) != cliHAR {
		t.Fatalf("API export differs from the command's:\n%s\n%s", har, cliHAR)
	}
	resp, err = c.Post("http://hookscope/v1/import", "application/json", bytes.NewReader(har))
	if err != nil {
		t.Fatal(err)
	}
	var imp struct {
		IDs    []uint64 `json:"ids"`
		Format string   `json:"format"`
	}
	json.NewDecoder(resp.Body).Decode(&imp)
	resp.Body.Close()
	if len(imp.IDs) != 1 || imp.IDs[0] != 2 || imp.Format != "har" {
		t.Fatalf("API import: %+v", imp)
	}
	resp, _ = c.Get("http://hookscope/v1/export?format=har&id=999")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("export of an unknown ID: %d", resp.StatusCode)
	}
}

// TestSymlinkedDBFindsTheRunningInstance: a --db reached through a
// symbolic link (to the file, or to its folder) is the same database as
// its target, so a command finds the socket of the serve holding it,
// whichever path each side was given; a file that does not exist yet too.
func TestSymlinkedDBFindsTheRunningInstance(t *testing.T) {
	top := t.TempDir()
	realDir := filepath.Join(top, "real")
	if err := os.Mkdir(realDir, 0o700); err != nil {
		t.Fatal(err)
	}
	linkDir := filepath.Join(top, "linkdir")
	if err := os.Symlink(realDir, linkDir); err != nil {
		t.Fatal(err)
	}
	listThrough := func(db string) {
		t.Helper()
		code, out, errOut := run("list", "--db", db)
		if code != 0 || !strings.Contains(out, "/hooks/x") {
			t.Errorf("list --db %s: %d %q %q", db, code, out, errOut)
		}
	}
	for _, tc := range []struct{ name, serveDB, cmdDB string }{
		// The file does not exist when serve starts: its folder is a link.
		{"new file, served through a linked folder", filepath.Join(linkDir, "a.db"), filepath.Join(realDir, "a.db")},
		{"new file, asked through a linked folder", filepath.Join(realDir, "b.db"), filepath.Join(linkDir, "b.db")},
		{"served through a link to the file", filepath.Join(top, "c-link.db"), filepath.Join(realDir, "c.db")},
		{"asked through a link to the file", filepath.Join(realDir, "d.db"), filepath.Join(top, "d-link.db")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range []string{tc.serveDB, tc.cmdDB} {
				if target := filepath.Join(realDir, strings.TrimSuffix(filepath.Base(p), "-link.db")+".db"); strings.HasSuffix(p, "-link.db") {
					if err := os.Symlink(target, p); err != nil {
						t.Fatal(err)
					}
				}
			}
			url, stop := startServe(t, tc.serveDB)
			postTo(t, url, "POST", "/hooks/x", "text/plain", []byte("hi"), nil)
			listThrough(tc.cmdDB)
			listThrough(tc.serveDB)
			if code := stop(); code != 0 {
				t.Fatalf("serve exited %d", code)
			}
		})
	}
}
