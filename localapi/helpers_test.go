package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"dev.hookscope/app"
	"dev.hookscope/storage"
	"dev.hookscope/wire"
)

func TestMain(m *testing.M) {
	// The peer tests run this binary again as another user, as a small
	// Unix socket server (see peerHelper).
	if os.Getenv(helperEnv) != "" {
		os.Exit(peerHelper())
	}
	goleak.VerifyTestMain(m)
}

// openCore opens a store at db, closed when the test ends.
func openCore(t *testing.T, db string) *app.Core {
	t.Helper()
	core, err := app.Open(app.Config{DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	return core
}

// startAPI serves the API for a new store in a private folder.
func startAPI(t *testing.T, opt Options) (*app.Core, *Server) {
	t.Helper()
	core := openCore(t, filepath.Join(t.TempDir(), "api.db"))
	srv, err := Start(core, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return core, srv
}

// addRequest stores one captured request and returns its ID.
func addRequest(t *testing.T, core *app.Core, method, path string, hdr http.Header, body []byte) uint64 {
	t.Helper()
	if hdr == nil {
		hdr = http.Header{}
	}
	rec := &storage.Record{
		Summary: storage.Summary{ReceivedAt: time.Now(), Method: method, Path: path, BodySize: int64(len(body)),
			OriginalSize: int64(len(body)), ContentType: hdr.Get("Content-Type"), Status: 200},
		Proto: "HTTP/1.1", Host: "example.test", Header: hdr, Body: body,
	}
	id, err := core.Append(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// apiClient sends requests over the socket (token "") or TCP.
type apiClient struct {
	http  *http.Client
	base  string
	token string
}

func socketAPI(t *testing.T, srv *Server) apiClient {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", srv.SocketPath())
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return apiClient{http: &http.Client{Transport: tr, Timeout: 10 * time.Second}, base: "http://hookscope"}
}

func tcpAPI(t *testing.T, srv *Server) apiClient {
	if srv.TCPAddr() == "" {
		t.Fatal("the server has no TCP API")
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return apiClient{http: &http.Client{Transport: tr, Timeout: 10 * time.Second}, base: "http://" + srv.TCPAddr(), token: srv.token}
}

// send does one request and returns the status and the body. The
// Authorization header is auth when given, else "Bearer <token>" when the
// client has a token.
func (c apiClient) send(t *testing.T, method, path, body string, auth ...string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewReader([]byte(body))
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case len(auth) > 0:
		req.Header.Set("Authorization", auth[0])
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// errorOf is the sentence of an error answer.
func errorOf(t *testing.T, body []byte) string {
	t.Helper()
	var e wire.Error
	if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
		t.Fatalf("not an error answer: %q", body)
	}
	return e.Error
}

// waitFor polls cond until it holds or five seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
