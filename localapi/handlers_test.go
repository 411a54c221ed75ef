package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dev.hookscope/app"
	"dev.hookscope/signature"
	"dev.hookscope/storage"
	"dev.hookscope/wire"
)

func TestReplayWithoutATargetIs400(t *testing.T) {
	core, srv := startAPI(t, Options{})
	id := addRequest(t, core, "POST", "/hooks/a", nil, []byte("a"))
	c := socketAPI(t, srv)
	for _, body := range []string{`{}`, `null`, `{"to":"  "}`, `{"method":"PUT"}`} {
		code, out := c.send(t, "POST", "/v1/requests/1/replay", body)
		if code != http.StatusBadRequest || errorOf(t, out) != `replay needs a target URL in "to"` {
			t.Errorf("replay %s: %d %s", body, code, out)
		}
	}
	code, out := c.send(t, "POST", "/v1/requests/1/replay", `{"to":"ftp://example.test"}`)
	if code != http.StatusBadRequest || !strings.Contains(errorOf(t, out), "must be an http:// or https:// URL") {
		t.Errorf("bad target: %d %s", code, out)
	}
	code, out = c.send(t, "POST", "/v1/requests/99/replay", `{"to":"http://127.0.0.1:1"}`)
	if code != http.StatusNotFound {
		t.Errorf("unknown request: %d %s", code, out)
	}
	// Re-signing with no secret given or saved is the caller's to fix.
	code, out = c.send(t, "POST", "/v1/requests/1/replay", `{"to":"http://127.0.0.1:1","resign":true}`)
	if code != http.StatusBadRequest || !strings.Contains(errorOf(t, out), "re-signing needs a secret") {
		t.Errorf("resign without a secret: %d %s", code, out)
	}
	if list, err := core.Replays(id); err != nil || len(list) != 0 {
		t.Fatalf("refused replays were kept: %+v %v", list, err)
	}
}

func TestAddReplayRefusesIncompleteRecords(t *testing.T) {
	core, srv := startAPI(t, Options{})
	id := addRequest(t, core, "POST", "/hooks/a", nil, []byte("a"))
	c := socketAPI(t, srv)
	for body, missing := range map[string]string{
		`null`:            `"source_id", "target", "method" missing`,
		`{}`:              `"source_id", "target", "method" missing`,
		`{"source_id":1}`: `"target", "method" missing`,
		`{"source_id":1,"target":"http://x.test/"}`:             `"method" missing`,
		`{"target":"http://x.test/","method":"POST"}`:           `"source_id" missing`,
		`{"source_id":1,"target":" ","method":"POST"}`:          `"target" missing`,
		`{"source_id":1,"target":"http://x.test/","method":""}`: `"method" missing`,
	} {
		code, out := c.send(t, "POST", "/v1/replays", body)
		want := "a replay record needs the replayed request's ID, the target and the method: " + missing
		if code != http.StatusBadRequest || errorOf(t, out) != want {
			t.Errorf("%s: %d %s, want 400 %q", body, code, out, want)
		}
	}
	code, out := c.send(t, "POST", "/v1/replays", `{"source_id":99,"target":"http://x.test/","method":"POST"}`)
	if code != http.StatusNotFound {
		t.Errorf("replay of an unknown request: %d %s", code, out)
	}
	code, out = c.send(t, "POST", "/v1/replays", `{"source_id":1,"target":"http://x.test/","method":"POST","status":204}`)
	if code != http.StatusOK {
		t.Fatalf("a whole record: %d %s", code, out)
	}
	list, err := core.Replays(id)
	if err != nil || len(list) != 1 || list[0].Target != "http://x.test/" || list[0].Status != 204 {
		t.Fatalf("kept: %+v %v", list, err)
	}
}

func TestTCPAcceptsTheBearerSchemeInAnyCase(t *testing.T) {
	_, srv := startAPI(t, Options{TCPAddr: "127.0.0.1:0"})
	c := tcpAPI(t, srv)
	tok := srv.token
	for auth, want := range map[string]int{
		"Bearer " + tok:        http.StatusOK,
		"bearer " + tok:        http.StatusOK,
		"BEARER " + tok:        http.StatusOK,
		"bEaReR " + tok:        http.StatusOK,
		"Bearer   " + tok:      http.StatusOK, // 1*SP
		"Bearer " + tok + "x":  http.StatusUnauthorized,
		"bearer " + tok[:63]:   http.StatusUnauthorized,
		"Bearer":               http.StatusUnauthorized,
		"Bearer ":              http.StatusUnauthorized,
		"Bearer" + tok:         http.StatusUnauthorized,
		"Basic " + tok:         http.StatusUnauthorized,
		"Bearers " + tok:       http.StatusUnauthorized,
		tok:                    http.StatusUnauthorized,
		" Bearer " + tok + " ": http.StatusOK, // Go trims header values
	} {
		code, out := c.send(t, "GET", "/v1/requests", "", auth)
		if code != want {
			t.Errorf("Authorization %q: %d %s, want %d", strings.Replace(auth, tok, "<token>", 1), code, out, want)
		}
		if code == http.StatusUnauthorized && !strings.Contains(errorOf(t, out), "bearer token is required") {
			t.Errorf("401 without its sentence: %s", out)
		}
	}
}

func TestPingNamesTheDatabaseOnlyOnTheSocket(t *testing.T) {
	core, srv := startAPI(t, Options{TCPAddr: "127.0.0.1:0"})
	var onSocket, overTCP map[string]any
	code, out := socketAPI(t, srv).send(t, "GET", "/v1/ping", "")
	if code != 200 || json.Unmarshal(out, &onSocket) != nil || onSocket["db"] != core.DBPath() || onSocket["ok"] != true {
		t.Fatalf("socket ping: %d %s", code, out)
	}
	code, out = tcpAPI(t, srv).send(t, "GET", "/v1/ping", "")
	if code != 200 || json.Unmarshal(out, &overTCP) != nil || overTCP["ok"] != true {
		t.Fatalf("TCP ping: %d %s", code, out)
	}
	if _, ok := overTCP["db"]; ok || strings.Contains(string(out), core.DBPath()) {
		t.Fatalf("TCP ping names the database: %s", out)
	}
}

// TestVerifyOverTCPIsNoSigningOracle: with the TCP token one can store a
// request with any body; verify must not then answer the signature the
// saved secret gives that body.
func TestVerifyOverTCPIsNoSigningOracle(t *testing.T) {
	core, srv := startAPI(t, Options{TCPAddr: "127.0.0.1:0"})
	const saved = "whsec_c2F2ZWQtc2VjcmV0LWZvci10ZXN0cw=="
	if err := core.SaveSecret(app.SecretRule{Prefix: "/hooks/stripe", Scheme: "stripe", Secret: saved}); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"invoice.paid","amount":1000000}`)
	hdr, err := signature.Sign("stripe", signature.Request{Body: body, Header: http.Header{}}, signature.Options{Secret: "whsec_b3RoZXI="})
	if err != nil {
		t.Fatal(err)
	}
	hdr.Set("Content-Type", "application/json")
	addRequest(t, core, "POST", "/hooks/stripe", hdr, body)

	verify := func(c apiClient, in string) signature.Result {
		t.Helper()
		code, out := c.send(t, "POST", "/v1/requests/1/verify", in)
		var res signature.Result
		if code != 200 || json.Unmarshal(out, &res) != nil {
			t.Fatalf("verify %s: %d %s", in, code, out)
		}
		return res
	}
	tcp, sock := tcpAPI(t, srv), socketAPI(t, srv)
	// The saved secret, over TCP: the verdict but nothing computed with it.
	for _, in := range []string{`{}`, `{"scheme":"stripe"}`, `{"scheme":"stripe","tolerance":"0s"}`} {
		res := verify(tcp, in)
		if res.Valid || res.Scheme != "stripe" || res.Received == "" {
			t.Fatalf("TCP verify %s with the saved secret: %+v", in, res)
		}
		if res.Expected != "" || res.SignedPayload != "" {
			t.Fatalf("TCP verify %s answered values made with the saved secret: expected %q, signed_payload %q", in, res.Expected, res.SignedPayload)
		}
	}
	// The caller's own secret, over TCP: everything, as before.
	res := verify(tcp, `{"scheme":"stripe","secret":"whsec_b3RoZXI=","tolerance":"0s"}`)
	if !res.Valid || res.Expected == "" || !strings.Contains(res.SignedPayload, `"amount":1000000`) {
		t.Fatalf("TCP verify with the caller's secret: %+v", res)
	}
	// The socket is the owner's: the saved secret's values are answered.
	res = verify(sock, `{}`)
	if res.Valid || res.Expected == "" || res.Expected == res.Received || res.SignedPayload == "" {
		t.Fatalf("socket verify with the saved secret: %+v", res)
	}
}

// TestReplayOverTCPWillNotResignWithASavedSecret: otherwise a replay of a
// request with a body of one's choosing, re-signed and sent to one's own
// server, would hand over the signature.
func TestReplayOverTCPWillNotResignWithASavedSecret(t *testing.T) {
	core, srv := startAPI(t, Options{TCPAddr: "127.0.0.1:0"})
	if err := core.SaveSecret(app.SecretRule{Prefix: "/hooks/github", Scheme: "github", Secret: "saved-github-secret"}); err != nil {
		t.Fatal(err)
	}
	addRequest(t, core, "POST", "/hooks/github", http.Header{"Content-Type": {"application/json"}}, []byte(`{"action":"opened"}`))
	var hits atomic.Int32
	var lastSig atomic.Value
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		lastSig.Store(r.Header.Get("X-Hub-Signature-256"))
		hits.Add(1)
	}))
	defer target.Close()

	tcp := tcpAPI(t, srv)
	code, out := tcp.send(t, "POST", "/v1/requests/1/replay", `{"to":"`+target.URL+`","resign":true}`)
	if code != http.StatusForbidden || errorOf(t, out) != `over TCP, re-signing needs your secret in "secret": saved secrets are used only through the socket` {
		t.Fatalf("TCP resign with the saved secret: %d %s", code, out)
	}
	if hits.Load() != 0 {
		t.Fatal("the refused replay was sent")
	}
	code, out = tcp.send(t, "POST", "/v1/requests/1/replay", `{"to":"`+target.URL+`","resign":true,"secret":"callers-own"}`)
	if code != 200 || hits.Load() != 1 {
		t.Fatalf("TCP resign with the caller's secret: %d %s", code, out)
	}
	withOwn := lastSig.Load().(string)
	code, out = socketAPI(t, srv).send(t, "POST", "/v1/requests/1/replay", `{"to":"`+target.URL+`","resign":true}`)
	if code != 200 || hits.Load() != 2 {
		t.Fatalf("socket resign with the saved secret: %d %s", code, out)
	}
	if withSaved := lastSig.Load().(string); withSaved == "" || withSaved == withOwn {
		t.Fatalf("signatures: saved %q, caller's %q", withSaved, withOwn)
	}
	// A plain replay over TCP is still fine.
	code, out = tcp.send(t, "POST", "/v1/requests/1/replay", `{"to":"`+target.URL+`"}`)
	if code != 200 || hits.Load() != 3 {
		t.Fatalf("TCP replay: %d %s", code, out)
	}
}

// TestVerifyToleranceAndConfigErrors: any zero "tolerance" turns the
// timestamp check off, the window saved with the secret is used when none
// is given, and options that cannot check any request are 400, as on the
// command line.
func TestVerifyToleranceAndConfigErrors(t *testing.T) {
	const secret = "whsec_api_tolerance"
	core, srv := startAPI(t, Options{})
	hourAgo := time.Now().Add(-time.Hour)
	body := []byte(`{"id":"evt_1"}`)
	h, err := signature.Sign("stripe", signature.Request{Method: "POST", Body: body, Header: http.Header{}},
		signature.Options{Secret: secret, Now: func() time.Time { return hourAgo }})
	if err != nil {
		t.Fatal(err)
	}
	addRequest(t, core, "POST", "/hooks/stripe", h, body)
	addRequest(t, core, "POST", "/hooks/discord", http.Header{"X-Signature-Ed25519": {strings.Repeat("ab", 64)}, "X-Signature-Timestamp": {"1700000000"}}, body)
	c := socketAPI(t, srv)
	verify := func(id, in string) (int, signature.Result, []byte) {
		t.Helper()
		code, out := c.send(t, "POST", "/v1/requests/"+id+"/verify", in)
		var res signature.Result
		if code == http.StatusOK {
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("%s: %q", in, out)
			}
		}
		return code, res, out
	}
	for in, valid := range map[string]bool{
		`{"scheme":"stripe","secret":"` + secret + `"}`:                         false,
		`{"scheme":"stripe","secret":"` + secret + `","tolerance":"0"}`:         true,
		`{"scheme":"stripe","secret":"` + secret + `","tolerance":"0s"}`:        true,
		`{"scheme":"stripe","secret":"` + secret + `","tolerance":"0m"}`:        true,
		`{"scheme":"stripe","secret":"` + secret + `","tolerance":"90m"}`:       true,
		`{"scheme":"stripe","secret":"` + secret + `","tolerance":"1m"}`:        false,
		`{"scheme":"stripe","secret":"` + secret + `","url":"https://x.test/"}`: false,
	} {
		if code, res, out := verify("1", in); code != http.StatusOK || res.Valid != valid {
			t.Errorf("%s: %d %s, want valid=%v", in, code, out, valid)
		}
	}
	if err := core.SaveSecret(app.SecretRule{Prefix: "/hooks/stripe", Scheme: "stripe", Secret: secret, Tolerance: 2 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	for in, valid := range map[string]bool{`{}`: true, `{"tolerance":"1m"}`: false, `{"tolerance":"0"}`: true} {
		if code, res, out := verify("1", in); code != http.StatusOK || res.Valid != valid {
			t.Errorf("with a 2h window saved, %s: %d %s, want valid=%v", in, code, out, valid)
		}
	}
	for in, want := range map[string]string{
		`{"tolerance":"-1m"}`:  `tolerance "-1m" is not a duration`,
		`{"tolerance":"soon"}`: `tolerance "soon" is not a duration`,
		`{"scheme":"stripe","secret":"` + secret + `","url":"not a URL"}`: `"url" "not a URL" is not an http:// or https:// URL`,
	} {
		if code, _, out := verify("1", in); code != http.StatusBadRequest || !strings.Contains(errorOf(t, out), want) {
			t.Errorf("%s: %d %s, want 400 %q", in, code, out, want)
		}
	}
	for _, in := range []string{`{"scheme":"discord","secret":"not-a-key"}`, `{"secret":"not-a-key"}`} {
		if code, _, out := verify("2", in); code != http.StatusBadRequest || !strings.Contains(errorOf(t, out), "discord needs the application's Ed25519 public key") {
			t.Errorf("%s: %d %s, want 400", in, code, out)
		}
	}
}

// TestAnswerRouteAndHARExport: GET /v1/requests/{id}/answer is what a
// rule answered (null when none did, 404 for no such request), and the
// API's HAR export puts it in the response.
func TestAnswerRouteAndHARExport(t *testing.T) {
	core, srv := startAPI(t, Options{})
	answered := addRequest(t, core, "POST", "/r", nil, []byte("a"))
	plain := addRequest(t, core, "POST", "/p", nil, []byte("b"))
	if err := core.Store().PutAnswer(answered, storage.AnswerRecord{Rule: "r", Status: 202,
		Header: http.Header{"X-Rule": {"yes"}}, Body: []byte(`{"got":1}`)}); err != nil {
		t.Fatal(err)
	}
	c := socketAPI(t, srv)
	code, out := c.send(t, "GET", "/v1/requests/"+strconv.FormatUint(answered, 10)+"/answer", "")
	var a storage.AnswerRecord
	if code != http.StatusOK || json.Unmarshal(out, &a) != nil || a.Status != 202 || string(a.Body) != `{"got":1}` || a.Header.Get("X-Rule") != "yes" {
		t.Fatalf("answer: %d %s", code, out)
	}
	if code, out := c.send(t, "GET", "/v1/requests/"+strconv.FormatUint(plain, 10)+"/answer", ""); code != http.StatusOK || strings.TrimSpace(string(out)) != "null" {
		t.Fatalf("no answer: %d %s", code, out)
	}
	if code, out := c.send(t, "GET", "/v1/requests/99/answer", ""); code != http.StatusNotFound {
		t.Fatalf("no such request: %d %s", code, out)
	}
	code, out = c.send(t, "GET", "/v1/export?format=har", "")
	if code != http.StatusOK || !strings.Contains(string(out), `"text": "{\"got\":1}"`) || !strings.Contains(string(out), `"name": "X-Rule"`) {
		t.Fatalf("export: %d %s", code, out)
	}
}

// TestWaitRoute: bad input is 400; a timeout is 408 with the matches found
// and the ID they are above; a server that stops is 503 with the same
// shape; ping says the newest ID, which a client waits above.
func TestWaitRoute(t *testing.T) {
	core, srv := startAPI(t, Options{})
	addRequest(t, core, "POST", "/p", nil, []byte("1"))
	addRequest(t, core, "POST", "/p", nil, []byte("2"))
	c := socketAPI(t, srv)
	for q, want := range map[string]string{
		"count=0":        `count "0" is not a number of requests`,
		"count=x":        `count "x" is not a number of requests`,
		"timeout=-1s":    `timeout "-1s" is not a duration`,
		"timeout=soon":   `timeout "soon" is not a duration`,
		"path=%2Fa%5B":   `path "/a[" is not a valid glob`,
		"header=a+b%3Ac": `"a b" is not a header name`,
	} {
		if code, out := c.send(t, "GET", "/v1/wait?"+q, ""); code != http.StatusBadRequest || !strings.Contains(errorOf(t, out), want) {
			t.Errorf("%s: %d %s, want 400 %q", q, code, out, want)
		}
	}
	code, out := c.send(t, "GET", "/v1/wait?since=0&path=/p&count=3&timeout=100ms", "")
	var partial wire.WaitError
	if code != http.StatusRequestTimeout || json.Unmarshal(out, &partial) != nil || len(partial.Requests) != 2 || partial.Since != 0 ||
		partial.Requests[1].ID != 2 || !strings.Contains(partial.Error, "waited for 3 request(s) with path /p, ID above 0") {
		t.Fatalf("timeout: %d %s", code, out)
	}
	code, out = c.send(t, "GET", "/v1/ping", "")
	if code != http.StatusOK || !strings.Contains(string(out), `"newest":2`) {
		t.Fatalf("ping: %d %s", code, out)
	}
	client, err := Dial(core.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if newest, err := client.NewestID(); newest != 2 || err != nil {
		t.Fatalf("NewestID %d %v", newest, err)
	}
	got, err := client.Wait(context.Background(), url.Values{"since": {"1"}, "count": {"2"}, "timeout": {"100ms"}})
	if !errors.Is(err, ErrWaitTimeout) || len(got) != 1 || got[0].ID != 2 {
		t.Fatalf("client, timeout: %v %v", got, err)
	}
	// A server that begins to stop ends a wait under way with 503 and
	// what matched so far, whether the wait began before or after.
	answered := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		rec := httptest.NewRecorder()
		srv.routes(false).ServeHTTP(rec, httptest.NewRequest("GET", "/v1/wait?since=1&count=2&timeout=1m", nil))
		answered <- rec
	}()
	srv.stopOnce.Do(func() { close(srv.stop) })
	var stopped wire.WaitError
	select {
	case rec := <-answered:
		if rec.Code != http.StatusServiceUnavailable || json.Unmarshal(rec.Body.Bytes(), &stopped) != nil || len(stopped.Requests) != 1 ||
			stopped.Error != "the Hookscope serving this database stopped before 2 request(s) with ID above 1 arrived" {
			t.Fatalf("server stopping: %d %s", rec.Code, rec.Body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the wait outlived the server")
	}
	// The client reads a stopping server, or a connection that breaks, as
	// the instance stopping.
	done := make(chan error, 1)
	go func() {
		_, err := client.Wait(context.Background(), url.Values{"path": {"/never"}, "timeout": {"1m"}})
		done <- err
	}()
	srv.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrStopped) {
			t.Fatalf("client, server stopping: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the wait outlived the server")
	}
}
