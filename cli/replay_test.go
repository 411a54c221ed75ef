package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dev.hookscope/app"
	"dev.hookscope/signature"
	"dev.hookscope/storage"
)

// replayTarget is a loopback server that keeps exactly what it received.
type replayTarget struct {
	*httptest.Server
	mu  sync.Mutex
	got []replayReceived
}

type replayReceived struct {
	method, uri string
	header      http.Header
	body        []byte
}

func newReplayTarget(t *testing.T, answer http.HandlerFunc) *replayTarget {
	t.Helper()
	rt := &replayTarget{}
	rt.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rt.mu.Lock()
		rt.got = append(rt.got, replayReceived{r.Method, r.RequestURI, r.Header.Clone(), body})
		rt.mu.Unlock()
		answer(w, r)
	}))
	rt.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS tests fail handshakes on purpose
	t.Cleanup(rt.Close)
	return rt
}

func (rt *replayTarget) last(t *testing.T) replayReceived {
	t.Helper()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.got) == 0 {
		t.Fatal("the target received nothing")
	}
	return rt.got[len(rt.got)-1]
}

func replayAnswerJSON(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Add("X-Multi", "1")
	w.Header().Add("X-Multi", "2")
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, `{"received":true}`)
}

var replayBody = []byte{'{', 0x00, 0xff, 0xfe, '}', '\n'}

// replayStore holds one capture (ID 1) with a binary body and repeated
// headers, and one Stripe delivery signed an hour ago (ID 2).
func replayStore(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "replay.db")
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	add := func(path, query string, h http.Header, body []byte) {
		rec := &storage.Record{Summary: storage.Summary{Method: "POST", Path: path, ReceivedAt: time.Now(), BodySize: int64(len(body)), OriginalSize: int64(len(body))},
			RawQuery: query, Proto: "HTTP/1.1", Host: "127.0.0.1:8080", Header: h, Body: body}
		if _, err := st.Append(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	add("/hooks/bin", "x=1&x=2", http.Header{"X-Dup": {"a", "b"}, "Content-Type": {"application/octet-stream"}, "Keep-Alive": {"timeout=5"}}, replayBody)
	stripeBody := []byte(`{"id":"evt_1","type":"invoice.paid"}`)
	old := time.Now().Add(-time.Hour)
	h, err := signature.Sign("stripe", signature.Request{Method: "POST", Header: http.Header{}, Body: stripeBody},
		signature.Options{Secret: stripeSecret, Now: func() time.Time { return old }})
	if err != nil {
		t.Fatal(err)
	}
	add("/hooks/stripe", "", h, stripeBody)
	return db
}

// replayRun calls runReplay the way Run does (Run learns the command
// once it is registered in cli.go).
func replayRun(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	env := Env{Stdout: &out, Stderr: &errOut}
	code, err := runReplay(env, args)
	if err != nil {
		errOut.WriteString("hookscope replay: " + oneLine(err) + "\n")
		if code == ExitOK {
			code = ExitError
		}
	}
	return code, out.String(), errOut.String()
}

type replayOut struct {
	Status     *int                `json:"status"`
	Headers    map[string][]string `json:"headers"`
	Body       *string             `json:"body"`
	BodyBase64 *string             `json:"body_base64"`
	DurationMs *float64            `json:"duration_ms"`
	Timing     map[string]float64  `json:"timing"`
	Error      string              `json:"error"`
	Kind       string              `json:"kind"`
	ReplayID   uint64              `json:"replay_id"`
}

func decodeReplay(t *testing.T, out string) replayOut {
	t.Helper()
	var r replayOut
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("replay --json printed %q: %v", out, err)
	}
	return r
}

func TestReplayJSONAndWhatTheTargetGot(t *testing.T) {
	db := replayStore(t)
	target := newReplayTarget(t, replayAnswerJSON)
	target.Start()
	// Flags before and after the ID.
	for _, args := range [][]string{{"1", "--to", target.URL, "--json", "--db", db}, {"--json", "--db", db, "--to", target.URL, "1"}} {
		code, out, errOut := replayRun(args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		r := decodeReplay(t, out)
		if r.Status == nil || *r.Status != 201 || r.Body == nil || *r.Body != `{"received":true}` || r.BodyBase64 != nil ||
			strings.Join(r.Headers["X-Multi"], ",") != "1,2" || r.DurationMs == nil || *r.DurationMs <= 0 {
			t.Fatalf("replay --json: %s", out)
		}
		for _, k := range []string{"dns_ms", "connect_ms", "tls_ms", "first_byte_ms", "total_ms"} {
			if v, ok := r.Timing[k]; !ok || v < 0 {
				t.Fatalf("timing.%s = %v in %s", k, v, out)
			}
		}
		if r.Timing["total_ms"] < r.Timing["first_byte_ms"] {
			t.Fatalf("total before first byte: %v", r.Timing)
		}
		got := target.last(t)
		if got.method != "POST" || got.uri != "/hooks/bin?x=1&x=2" || !bytes.Equal(got.body, replayBody) ||
			strings.Join(got.header.Values("X-Dup"), ",") != "a,b" || got.header.Get("Keep-Alive") != "" {
			t.Fatalf("target got %+v", got)
		}
	}
	// Both replays are in the history, newest last.
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hist, err := st.Replays(1)
	if err != nil || len(hist) != 2 || hist[1].Status != 201 || !bytes.Equal(hist[0].RequestBody, replayBody) ||
		hist[0].Target != target.URL+"/hooks/bin?x=1&x=2" || hist[0].Method != "POST" || string(hist[0].ResponseBody) != `{"received":true}` {
		t.Fatalf("history %+v %v", hist, err)
	}
}

func TestReplayEditsAndHumanOutput(t *testing.T) {
	db := replayStore(t)
	target := newReplayTarget(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte{0, 1, 2, 3}) })
	target.Start()
	bodyFile := filepath.Join(t.TempDir(), "body.bin")
	os.WriteFile(bodyFile, []byte("edited\x00body"), 0o600)
	code, out, errOut := replayRun("1", "--db", db, "--to", target.URL+"/other?y=9", "--method", "PURGE",
		"--header", "X-Dup: only", "--header", "Content-Type:", "--header", "X-New: n", "--body-file", bodyFile)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := target.last(t)
	if got.method != "PURGE" || got.uri != "/other?y=9" || string(got.body) != "edited\x00body" ||
		strings.Join(got.header.Values("X-Dup"), ",") != "only" || got.header.Get("X-New") != "n" {
		t.Fatalf("target got %+v", got)
	}
	if _, ok := got.header["Content-Type"]; ok {
		t.Fatal("--header \"Content-Type:\" did not remove it")
	}
	for _, want := range []string{"HTTP/1.1 200 OK\n", "Content-Length: 4\n", "[binary body, 4 bytes", "timing: dns ", "first byte ", "total "} {
		if !strings.Contains(out, want) {
			t.Errorf("human output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = replayRun("1", "--db", db, "--to", target.URL, "--json")
	if r := decodeReplay(t, out); code != 0 || r.BodyBase64 == nil || *r.BodyBase64 != base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 3}) || r.Body != nil {
		t.Fatalf("binary answer: %s", out)
	}
}

func TestReplayResign(t *testing.T) {
	db := replayStore(t)
	target := newReplayTarget(t, func(http.ResponseWriter, *http.Request) {})
	target.Start()
	edited := filepath.Join(t.TempDir(), "edited.json")
	os.WriteFile(edited, []byte(`{"id":"evt_1","type":"invoice.paid","amount":7}`), 0o600)

	verifyAtTarget := func() signature.Result {
		got := target.last(t)
		res, _ := signature.Verify("stripe", signature.Request{Method: got.method, Header: got.header, Body: got.body}, signature.Options{Secret: stripeSecret})
		return res
	}
	// Without re-signing the replay carries the hour-old signature.
	if code, _, errOut := replayRun("2", "--db", db, "--to", target.URL); code != 0 {
		t.Fatal(errOut)
	}
	if r := verifyAtTarget(); r.Valid {
		t.Fatal("the stale capture should not verify")
	}
	// Explicit scheme and secret, over an edited body.
	if code, _, errOut := replayRun("2", "--db", db, "--to", target.URL, "--body-file", edited, "--resign", "--scheme", "stripe", "--secret", stripeSecret); code != 0 {
		t.Fatal(errOut)
	}
	if r := verifyAtTarget(); !r.Valid {
		t.Fatalf("re-signed replay rejected: %s", r.Reason)
	}
	// No secret and none saved: exit 2 saying so.
	code, _, errOut := replayRun("2", "--db", db, "--to", target.URL, "--resign")
	if code != ExitError || !strings.Contains(errOut, "--secret") || !strings.Contains(errOut, "/hooks/stripe") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The saved rule supplies secret and scheme.
	core, err := app.Open(app.Config{DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := core.SaveSecret(app.SecretRule{Prefix: "/hooks/", Scheme: "stripe", Secret: stripeSecret}); err != nil {
		t.Fatal(err)
	}
	core.Close()
	if code, _, errOut := replayRun("2", "--db", db, "--to", target.URL, "--resign", "--body-file", edited); code != 0 {
		t.Fatal(errOut)
	}
	if r := verifyAtTarget(); !r.Valid {
		t.Fatalf("re-signed with the saved rule, rejected: %s", r.Reason)
	}
}

func TestReplayNoAnswerExitsOne(t *testing.T) {
	db := replayStore(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String()
	ln.Close()
	code, out, errOut := replayRun("1", "--db", db, "--to", closed)
	if code != ExitNegative || out != "" || !strings.Contains(errOut, "refused") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("refused: exit %d out %q err %q", code, out, errOut)
	}
	code, out, _ = replayRun("1", "--db", db, "--to", closed, "--json")
	r := decodeReplay(t, out)
	if code != ExitNegative || r.Kind != "refused" || !strings.Contains(r.Error, "refused") || r.DurationMs == nil || *r.DurationMs < 0 || r.Status != nil {
		t.Fatalf("refused --json: exit %d %s", code, out)
	}

	release := make(chan struct{})
	slow := newReplayTarget(t, func(http.ResponseWriter, *http.Request) { <-release })
	slow.Start()
	defer close(release) // before slow.Close waits for the handler
	code, out, _ = replayRun("1", "--db", db, "--to", slow.URL, "--timeout", "100ms", "--json")
	if r := decodeReplay(t, out); code != ExitNegative || r.Kind != "timeout" || *r.DurationMs < 100 {
		t.Fatalf("timeout: exit %d %s", code, out)
	}

	// Failed replays are history too, with their error.
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hist, _ := st.Replays(1)
	st.Close()
	if len(hist) != 3 || hist[0].Error == "" || hist[0].Status != 0 {
		t.Fatalf("history of failures: %+v", hist)
	}
}

func TestReplayTLS(t *testing.T) {
	db := replayStore(t)
	target := newReplayTarget(t, replayAnswerJSON)
	target.StartTLS()
	code, _, errOut := replayRun("1", "--db", db, "--to", target.URL)
	if code != ExitNegative || !strings.Contains(errOut, "TLS") || !strings.Contains(errOut, "certificate") {
		t.Fatalf("verified TLS to a self-signed server: exit %d %s", code, errOut)
	}
	code, out, errOut := replayRun("1", "--db", db, "--to", target.URL, "--insecure", "--json")
	if r := decodeReplay(t, out); code != ExitOK || *r.Status != 201 || r.Timing["tls_ms"] <= 0 {
		t.Fatalf("--insecure: exit %d %s %s", code, out, errOut)
	}
}

func TestReplayUsageErrors(t *testing.T) {
	db := replayStore(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"1", "--db", db}, "--to"},
		{[]string{"--db", db, "--to", "http://127.0.0.1:1"}, "one request ID"},
		{[]string{"99", "--db", db, "--to", "http://127.0.0.1:1"}, "no such request"},
		{[]string{"abc", "--db", db, "--to", "http://127.0.0.1:1"}, "not a request ID"},
		{[]string{"1", "--db", db, "--to", "ftp://x"}, "http://"},
		{[]string{"1", "--db", db, "--to", "http://127.0.0.1:1", "--header", "no colon"}, "Name: value"},
		{[]string{"1", "--db", db, "--to", "http://127.0.0.1:1", "--timeout", "soon"}, "--timeout"},
		{[]string{"1", "--db", db, "--to", "http://127.0.0.1:1", "--secret", "s"}, "--resign"},
		{[]string{"1", "--db", db, "--to", "http://127.0.0.1:1", "--body-file", "/no/such/file"}, "--body-file"},
		{[]string{"1", "--db", db, "--to", "http://127.0.0.1:1", "--resign", "--secret", "s"}, "auto"},
		{[]string{"1", "--db", db, "--to", "http://127.0.0.1:1", "--resign", "--secret", "s", "--scheme", "nope"}, "unknown signature scheme"},
	} {
		code, out, errOut := replayRun(c.args...)
		if code != ExitError || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want it to mention %q", c.args, code, errOut, c.want)
		}
	}
}
