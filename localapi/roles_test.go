package localapi

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dev.hookscope/alerts"
	"dev.hookscope/app"
	"dev.hookscope/storage"
	"dev.hookscope/wire"
)

// TestEveryRouteHasARole: the table is the only place routes come from,
// and a route without a role would be open to nobody or to everybody.
func TestEveryRouteHasARole(t *testing.T) {
	seen := map[string]bool{}
	for _, rt := range routeTable() {
		if _, ok := roleName(rt.role); !ok {
			t.Errorf("the route %s has no role", rt.pattern)
		}
		if rt.handle == nil {
			t.Errorf("the route %s has no handler", rt.pattern)
		}
		if seen[rt.pattern] {
			t.Errorf("the route %s is in the table twice", rt.pattern)
		}
		seen[rt.pattern] = true
	}
}

// TestDocumentedRolesMatchTheTable: docs/cli.md's routes table gives each
// route's role; it and the code say the same, route for route.
func TestDocumentedRolesMatchTheTable(t *testing.T) {
	doc, err := os.ReadFile("../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Z]+ /(?:v1/|metrics)[^`]*)` \\|.*\\| (read|replay|admin)[^|]* \\|$")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		pattern, _, _ := strings.Cut(m[1], "?") // DELETE /v1/secrets?prefix=P
		documented[pattern] = m[2]
	}
	for _, rt := range routeTable() {
		if got, ok := documented[rt.pattern]; !ok {
			t.Errorf("docs/cli.md does not list the route %s with its role", rt.pattern)
		} else if got != rt.role.String() {
			t.Errorf("docs/cli.md gives %s the role %s; the code %s", rt.pattern, got, rt.role)
		}
		delete(documented, rt.pattern)
	}
	for p := range documented {
		t.Errorf("docs/cli.md lists %s, which the API does not have", p)
	}
}

// routeCall is one call of a route that succeeds for a caller allowed to
// make it: prepare sets up what it needs (a request to delete, a token to
// revoke) and returns the method, path and body.
type routeCall struct {
	prepare func(t *testing.T) (method, path, body string)
	ok      int
	// role, when set, is the role this call needs instead of the route's
	// (an export with include_secrets).
	role app.Role
}

// TestEveryRouteWithEveryRole walks every route of the TCP API with every
// kind of caller and checks the answer: 401 without a token the server
// knows (none, a wrong one, a revoked one), 403 naming the role needed
// below the route's role, the route's own answer from its role up. The
// socket is the owner's: admin.
func TestEveryRouteWithEveryRole(t *testing.T) {
	core, srv := startAPI(t, Options{TCPAddr: "127.0.0.1:0"})
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	t.Cleanup(target.Close)
	seeded := addRequest(t, core, "POST", "/hooks/x", http.Header{"Authorization": {"Bearer sender-secret"}}, []byte(`{"a":1}`))

	tokens := map[string]string{}
	for _, r := range app.Roles() {
		tok, _, err := core.AddToken(r.String()+"-token", r)
		if err != nil {
			t.Fatal(err)
		}
		tokens[r.String()] = tok
	}
	revoked, _, err := core.AddToken("gone", app.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if err := core.RevokeToken("gone"); err != nil {
		t.Fatal(err)
	}

	var n atomic.Int64
	fixed := func(method, path, body string) func(*testing.T) (string, string, string) {
		return func(*testing.T) (string, string, string) { return method, path, body }
	}
	newRequest := func(t *testing.T) uint64 {
		return addRequest(t, core, "POST", "/hooks/new", nil, []byte("x"))
	}
	show, _ := json.Marshal(wire.NewRequestJSON(&storage.Record{Summary: storage.Summary{Method: "PUT", Path: "/added", ReceivedAt: time.Now()}, Proto: "HTTP/1.1"}))
	id := fmt.Sprint(seeded)
	stripeSpec64 := base64.StdEncoding.EncodeToString(stripeSpec(t))
	calls := map[string][]routeCall{
		"GET /v1/ping":          {{prepare: fixed("GET", "/v1/ping", ""), ok: 200}},
		"GET /v1/requests":      {{prepare: fixed("GET", "/v1/requests", ""), ok: 200}},
		"POST /v1/requests":     {{prepare: fixed("POST", "/v1/requests", string(show)), ok: 200}},
		"GET /v1/requests/{id}": {{prepare: fixed("GET", "/v1/requests/"+id, ""), ok: 200}},
		"DELETE /v1/requests/{id}": {{prepare: func(t *testing.T) (string, string, string) {
			return "DELETE", fmt.Sprintf("/v1/requests/%d", newRequest(t)), ""
		}, ok: 200}},
		"GET /v1/requests/{id}/answer":  {{prepare: fixed("GET", "/v1/requests/"+id+"/answer", ""), ok: 200}},
		"POST /v1/requests/{id}/verify": {{prepare: fixed("POST", "/v1/requests/"+id+"/verify", `{"scheme":"github","secret":"s"}`), ok: 200}},
		"POST /v1/replays":              {{prepare: fixed("POST", "/v1/replays", `{"source_id":`+id+`,"target":"http://x.test/","method":"POST"}`), ok: 200}},
		"POST /v1/requests/{id}/replay": {{prepare: fixed("POST", "/v1/requests/"+id+"/replay", `{"to":"`+target.URL+`"}`), ok: 200}},
		"GET /v1/requests/{id}/replays": {{prepare: fixed("GET", "/v1/requests/"+id+"/replays", ""), ok: 200}},
		"GET /v1/export": {
			{prepare: fixed("GET", "/v1/export?format=har", ""), ok: 200},
			{prepare: fixed("GET", "/v1/export?format=raw&include_secrets=1", ""), ok: 200, role: app.RoleReplay},
		},
		"POST /v1/import":   {{prepare: fixed("POST", "/v1/import", "curl http://x.test/imported -d hi"), ok: 200}},
		"GET /v1/retention": {{prepare: fixed("GET", "/v1/retention", ""), ok: 200}},
		"PUT /v1/retention": {{prepare: fixed("PUT", "/v1/retention", `{}`), ok: 200}},
		"GET /v1/forward":   {{prepare: fixed("GET", "/v1/forward", ""), ok: 200}},
		"PUT /v1/forward":   {{prepare: fixed("PUT", "/v1/forward", `[]`), ok: 200}},
		"GET /v1/secrets":   {{prepare: fixed("GET", "/v1/secrets", ""), ok: 200}},
		"POST /v1/secrets":  {{prepare: fixed("POST", "/v1/secrets", `{"prefix":"/s","scheme":"github","secret":"x"}`), ok: 200}},
		"DELETE /v1/secrets": {{prepare: func(t *testing.T) (string, string, string) {
			p := fmt.Sprintf("/del%d", n.Add(1))
			if err := core.SaveSecret(app.SecretRule{Prefix: p, Scheme: "github", Secret: "x"}); err != nil {
				t.Fatal(err)
			}
			return "DELETE", "/v1/secrets?prefix=" + p, ""
		}, ok: 200}},
		"GET /v1/rules":  {{prepare: fixed("GET", "/v1/rules", ""), ok: 200}},
		"PUT /v1/rules":  {{prepare: fixed("PUT", "/v1/rules", `[]`), ok: 200}},
		"GET /v1/wait":   {{prepare: fixed("GET", "/v1/wait?since=0&timeout=5s", ""), ok: 200}},
		"GET /v1/events": {{prepare: fixed("GET", "/v1/events", ""), ok: 200}},
		"GET /metrics":   {{prepare: fixed("GET", "/metrics", ""), ok: 200}},
		"GET /v1/metrics/minutes": {{prepare: fixed("GET", "/v1/metrics/minutes?window=10m", ""), ok: 200},
			{prepare: fixed("GET", "/v1/metrics/minutes?window=-1s", ""), ok: 400}},
		"GET /v1/tokens": {{prepare: fixed("GET", "/v1/tokens", ""), ok: 200}},
		"POST /v1/tokens": {{prepare: func(*testing.T) (string, string, string) {
			return "POST", "/v1/tokens", fmt.Sprintf(`{"name":"made%d","role":"read"}`, n.Add(1))
		}, ok: 200}},
		"DELETE /v1/tokens/{name}": {{prepare: func(t *testing.T) (string, string, string) {
			name := fmt.Sprintf("revoke%d", n.Add(1))
			if _, _, err := core.AddToken(name, app.RoleRead); err != nil {
				t.Fatal(err)
			}
			return "DELETE", "/v1/tokens/" + name, ""
		}, ok: 200}},
		"POST /v1/composer/collections": {{prepare: func(*testing.T) (string, string, string) {
			return "POST", "/v1/composer/collections", `{"collection":"C","items":[{"folder":"C","name":"n","request":{"method":"GET","url":"{{baseUrl}}/"}}],"environment":{"name":"C","vars":[]}}`
		}, ok: 200}},
		"GET /v1/secrets/match": {{prepare: fixed("GET", "/v1/secrets/match?path=/s/x", ""), ok: 200}},
		"GET /v1/contracts":     {{prepare: fixed("GET", "/v1/contracts", ""), ok: 200}},
		"POST /v1/contracts":    {{prepare: fixed("POST", "/v1/contracts", `{"prefix":"/hooks/","spec":"`+stripeSpec64+`"}`), ok: 200}},
		"DELETE /v1/contracts": {{prepare: func(t *testing.T) (string, string, string) {
			p := fmt.Sprintf("/c%d", n.Add(1))
			if _, err := core.AttachContract(p, stripeSpec(t)); err != nil {
				t.Fatal(err)
			}
			return "DELETE", "/v1/contracts?prefix=" + p, ""
		}, ok: 200}},
		"GET /v1/requests/{id}/contract":  {{prepare: fixed("GET", "/v1/requests/"+id+"/contract", ""), ok: 200}},
		"POST /v1/requests/{id}/contract": {{prepare: fixed("POST", "/v1/requests/"+id+"/contract", `{"spec":"`+stripeSpec64+`"}`), ok: 200}},
		"GET /v1/alerts":                  {{prepare: fixed("GET", "/v1/alerts", ""), ok: 200}},
		"PUT /v1/alerts":                  {{prepare: fixed("PUT", "/v1/alerts", `[{"name":"a","kind":"answered_5xx","window":"1m","cooldown":"1m","enabled":true}]`), ok: 200}},
		"GET /v1/alerts/fired":            {{prepare: fixed("GET", "/v1/alerts/fired", ""), ok: 200}},
		"POST /v1/alerts/test": {{prepare: func(t *testing.T) (string, string, string) {
			if err := core.SetAlertRules([]alerts.Rule{{Name: "a", Kind: alerts.Answered5xx, Window: alerts.Duration(time.Minute), Cooldown: alerts.Duration(time.Minute)}}); err != nil {
				t.Fatal(err)
			}
			return "POST", "/v1/alerts/test", `{"name":"a"}`
		}, ok: 200}},
	}

	// The least role of each route, said here again so that a change of
	// the table is a change of this test too (and of docs/cli.md).
	R, P, A := app.RoleRead, app.RoleReplay, app.RoleAdmin
	wantRole := map[string]app.Role{
		"GET /v1/ping": R, "GET /v1/requests": R, "GET /v1/requests/{id}": R, "GET /v1/requests/{id}/answer": R,
		"GET /v1/requests/{id}/replays": R, "GET /v1/export": R, "GET /v1/wait": R, "GET /v1/events": R,
		"GET /metrics":                  R,
		"GET /v1/metrics/minutes":       R,
		"POST /v1/requests/{id}/verify": P, "POST /v1/replays": P, "POST /v1/requests/{id}/replay": P,
		"POST /v1/requests": A, "DELETE /v1/requests/{id}": A, "POST /v1/import": A,
		"GET /v1/retention": A, "PUT /v1/retention": A, "GET /v1/forward": A, "PUT /v1/forward": A,
		"GET /v1/secrets": A, "POST /v1/secrets": A, "DELETE /v1/secrets": A, "GET /v1/secrets/match": A,
		"GET /v1/contracts": R, "GET /v1/requests/{id}/contract": R, "POST /v1/requests/{id}/contract": P,
		"POST /v1/contracts": A, "DELETE /v1/contracts": A,
		"GET /v1/alerts": R, "GET /v1/alerts/fired": R, "PUT /v1/alerts": A, "POST /v1/alerts/test": A,
		"GET /v1/rules": A, "PUT /v1/rules": A, "GET /v1/tokens": A, "POST /v1/tokens": A, "DELETE /v1/tokens/{name}": A,
		"POST /v1/composer/collections": A,
	}

	type who struct {
		name string
		role app.Role // RoleNone: refused with 401
		auth string   // the Authorization header; "" with socket
		// socket callers go through the Unix socket, everyone else TCP.
		socket bool
	}
	callers := []who{
		{name: "socket", role: app.RoleAdmin, socket: true},
		{name: "token file", role: app.RoleAdmin, auth: "Bearer " + srv.token},
		{name: "admin", role: app.RoleAdmin, auth: "Bearer " + tokens["admin"]},
		{name: "replay", role: app.RoleReplay, auth: "Bearer " + tokens["replay"]},
		{name: "read", role: app.RoleRead, auth: "Bearer " + tokens["read"]},
		{name: "no token", auth: ""},
		{name: "wrong token", auth: "Bearer hks_" + strings.Repeat("0", 64)},
		{name: "revoked token", auth: "Bearer " + revoked},
	}
	sock, tcp := socketAPI(t, srv), tcpAPI(t, srv)
	for _, rt := range routeTable() {
		cs, ok := calls[rt.pattern]
		if !ok {
			t.Errorf("no call of the route %s is tested: add one here", rt.pattern)
			continue
		}
		delete(calls, rt.pattern)
		if rt.role != wantRole[rt.pattern] {
			t.Errorf("the route %s needs the %s role; this test expects %s", rt.pattern, rt.role, wantRole[rt.pattern])
		}
		for _, c := range cs {
			need := wantRole[rt.pattern]
			if c.role != app.RoleNone {
				need = c.role
			}
			for _, w := range callers {
				method, path, body := c.prepare(t)
				var code int
				var out []byte
				if w.socket {
					code, out = streamOrSend(t, sock, method, path, body, "")
				} else {
					if rt.socketOnly {
						continue // checked below: absent over TCP
					}
					code, out = streamOrSend(t, tcp, method, path, body, w.auth)
				}
				want := c.ok
				switch {
				case w.role == app.RoleNone:
					want = http.StatusUnauthorized
				case !w.role.Allows(need):
					want = http.StatusForbidden
				}
				if code != want {
					t.Errorf("%s %s as %s: %d %.200s, want %d", method, path, w.name, code, out, want)
					continue
				}
				if code == http.StatusForbidden {
					msg := errorOf(t, out)
					if !strings.Contains(msg, "needs a token with the "+need.String()+" role") || !strings.Contains(msg, `"`+w.name+`-token"`) ||
						strings.Count(msg, ". ") > 0 {
						t.Errorf("%s %s as %s: refusal %q does not name the role needed and the token's in one sentence", method, path, w.name, msg)
					}
				}
			}
		}
		if rt.socketOnly {
			code, _ := tcp.send(t, "GET", strings.TrimPrefix(rt.pattern, "GET "), "", "Bearer "+tokens["admin"])
			if code != http.StatusNotFound {
				t.Errorf("the socket-only route %s answered %d over TCP, want 404", rt.pattern, code)
			}
		}
	}
	for p := range calls {
		t.Errorf("a call is tested for %s, which the table does not have", p)
	}
}

// streamOrSend is c.send, except that a stream of events is read up to
// its first comment and then left, so the walk does not wait on it.
func streamOrSend(t *testing.T, c apiClient, method, path, body, auth string) (int, []byte) {
	t.Helper()
	if path != "/v1/events" {
		if auth == "" && c.token != "" {
			c.token = "" // a caller without a token
		}
		if auth == "" {
			return c.send(t, method, path, body)
		}
		return c.send(t, method, path, body, auth)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, ": hookscope events") {
		t.Fatalf("the event stream began with %q (%v)", line, err)
	}
	return resp.StatusCode, []byte(line)
}

// TestRefusalReachesTheClientAsTheSentence: a command through a token
// without the role prints the server's sentence.
func TestRefusalReachesTheClientAsTheSentence(t *testing.T) {
	core, srv := startAPI(t, Options{TCPAddr: "127.0.0.1:0"})
	id := addRequest(t, core, "POST", "/p", nil, nil)
	tok, _, err := core.AddToken("support", app.RoleRead)
	if err != nil {
		t.Fatal(err)
	}
	c, err := DialTCP(srv.TCPAddr(), tok)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Get(id); err != nil {
		t.Fatalf("read token cannot show: %v", err)
	}
	err = c.Delete(id)
	if want := `DELETE /v1/requests/{id} needs a token with the admin role; the token "support" has the read role`; err == nil || err.Error() != want {
		t.Fatalf("delete with a read token: %v, want %q", err, want)
	}
	_, _, err = c.AddToken("mine", app.RoleAdmin)
	if want := `POST /v1/tokens needs a token with the admin role; the token "support" has the read role`; err == nil || err.Error() != want {
		t.Fatalf("a read token made a token: %v", err)
	}
	if list, _ := core.Tokens(); len(list) != 1 {
		t.Fatalf("tokens after the refusal: %+v", list)
	}
	if n, _ := core.Count(); n != 1 {
		t.Fatal("the refused delete deleted")
	}
	// The token's use is noted.
	list, err := core.Tokens()
	if err != nil || !slices.ContainsFunc(list, func(i app.TokenInfo) bool { return i.Name == "support" && !i.LastUsed.IsZero() }) {
		t.Fatalf("last use not noted: %+v %v", list, err)
	}
}

// TestReadTokenSeesSecretsRedacted: a read token's show, wait and replay
// history hide secret headers and query values as an export does; the
// replay role and the socket see them as captured.
func TestReadTokenSeesSecretsRedacted(t *testing.T) {
	core, srv := startAPI(t, Options{TCPAddr: "127.0.0.1:0"})
	hdr := http.Header{"Authorization": {"Bearer sender-secret"}, "X-Api-Key": {"k-123"}, "Stripe-Signature": {"t=1,v1=abc"}, "X-Plain": {"p"}}
	rec := &storage.Record{
		Summary: storage.Summary{ReceivedAt: time.Now(), Method: "POST", Path: "/hooks/r", Status: 200},
		Proto:   "HTTP/1.1", Host: "h", Header: hdr, RawQuery: "access_token=qs-secret&x=1", Body: []byte("b"),
	}
	id, err := core.Append(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.AppendReplay(storage.ReplayRecord{SourceID: id, At: time.Now(), Target: "http://x.test/p?api_key=rk-9&y=2", Method: "POST",
		RequestHeader: http.Header{"Authorization": {"Bearer sender-secret"}}, ResponseHeader: http.Header{"Set-Cookie": {"sid=s3"}}}); err != nil {
		t.Fatal(err)
	}
	tokens := map[app.Role]string{}
	for _, r := range []app.Role{app.RoleRead, app.RoleReplay} {
		if tokens[r], _, err = core.AddToken(r.String(), r); err != nil {
			t.Fatal(err)
		}
	}
	tcp := tcpAPI(t, srv)
	secrets := []string{"sender-secret", "k-123", "qs-secret", "rk-9", "s3"}
	paths := []string{fmt.Sprintf("/v1/requests/%d", id), fmt.Sprintf("/v1/wait?since=%d", id-1), fmt.Sprintf("/v1/requests/%d/replays", id)}
	for _, path := range paths {
		code, out := tcp.send(t, "GET", path, "", "Bearer "+tokens[app.RoleRead])
		if code != 200 {
			t.Fatalf("read %s: %d %s", path, code, out)
		}
		for _, s := range secrets {
			if strings.Contains(string(out), s) {
				t.Errorf("read %s shows the secret %q: %s", path, s, out)
			}
		}
		if path != paths[2] && (!strings.Contains(string(out), "t=1,v1=abc") || !strings.Contains(string(out), `"X-Plain":["p"]`) ||
			!strings.Contains(string(out), `"query":"access_token=%5Bredacted+by+hookscope%5D\u0026x=1"`)) {
			t.Errorf("read %s lost what is not secret: %s", path, out)
		}
		if !strings.Contains(string(out), "[redacted by hookscope]") {
			t.Errorf("read %s has no redaction mark: %s", path, out)
		}
		code, whole := tcp.send(t, "GET", path, "", "Bearer "+tokens[app.RoleReplay])
		if code != 200 {
			t.Fatalf("replay %s: %d %s", path, code, whole)
		}
		_, bySocket := socketAPI(t, srv).send(t, "GET", path, "")
		if string(whole) != string(bySocket) || strings.Contains(string(whole), "redacted") || !strings.Contains(string(whole), "sender-secret") {
			t.Errorf("%s: the replay role does not see the request as captured:\n%s\n%s", path, whole, bySocket)
		}
	}
	if got, err := core.Get(id); err != nil || got.Header.Get("Authorization") != "Bearer sender-secret" || got.RawQuery != rec.RawQuery {
		t.Fatalf("the stored request changed: %+v %v", got, err)
	}
}
