package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/alerts"
	"dev.hookscope/app"
	"dev.hookscope/localapi"
	"dev.hookscope/ui/uithread"
)

// newRemoteHarness serves a real core's API over TLS on 127.0.0.1, as
// `serve --api 127.0.0.1:0 --api-tls` does, and builds the window on a
// RemoteSource attached to it with a replay token. h.core is the server's
// core: h.post captures there.
func newRemoteHarness(t *testing.T) (*harness, *localapi.Server) {
	t.Helper()
	a := test.NewTempApp(t)
	core, err := app.Open(app.Config{DBPath: filepath.Join(t.TempDir(), "server.db"), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	core.StartBackground()
	if err := core.StartListener(""); err != nil {
		t.Fatal(err)
	}
	srv, err := localapi.Start(core, localapi.Options{TCPAddr: "127.0.0.1:0", TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := core.AddToken("window", app.RoleReplay)
	if err != nil {
		t.Fatal(err)
	}
	c, err := localapi.DialRemote(localapi.RemoteOptions{URL: srv.TCPURL(), Token: token, KnownHosts: filepath.Join(t.TempDir(), "known_hosts")})
	if err != nil {
		t.Fatal(err)
	}
	_, hostport, _ := localapi.ParseRemote(srv.TCPURL())
	// Short waits, so a reconnection is seen in well under a second.
	src, err := localapi.Attach(c, hostport, localapi.AttachOptions{MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w := test.NewTempWindow(t, widget.NewLabel(""))
	v := NewMainView(a, w, src)
	w.SetContent(v.Object())
	w.Resize(fyne.NewSize(1200, 760))
	v.remote.alertEvery = 50 * time.Millisecond
	v.Start(io.Discard)
	t.Cleanup(func() { v.Close(); src.Close(); core.Close() })
	t.Cleanup(func() { srv.Close() }) // runs first; a restarted server is closed by its test
	return &harness{t: t, core: core, view: v, window: w}, srv
}

// TestRemoteWindowFollowsInspectsReplaysAndReconnects: a window attached
// to a serve elsewhere lists its captures live, shows a body fetched on
// demand, replays through the server, says when the stream is down and
// when it is back, and lists what was captured meanwhile once.
func TestRemoteWindowFollowsInspectsReplaysAndReconnects(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer target.Close()

	h, srv := newRemoteHarness(t)
	addr := srv.TCPAddr()
	banner := func() string { return h.view.remote.state.Text }
	if got, want := onUI(banner), "Attached to "+addr+" (replays run there: localhost means that machine)"; got != want {
		t.Fatalf("banner %q, want %q", got, want)
	}
	// What needs the store's own process is off, and the note says why.
	for _, b := range []*widget.Button{h.view.bar.startStop, h.view.bar.composer, h.view.bar.bulk, h.view.inspector.composeBtn} {
		if !onUI(b.Disabled) {
			t.Errorf("%q is enabled in a remote window", b.Text)
		}
	}
	if got := onUI(func() string { return h.view.remote.note.Text }); !strings.Contains(got, "run in the process holding the store") {
		t.Errorf("local-only note %q", got)
	}
	if got := onUI(func() string { return h.view.bar.url.Text }); got != h.core.ListenerURL() {
		t.Errorf("toolbar URL %q, want the server's listener %q", got, h.core.ListenerURL())
	}

	h.post("POST", "/hooks/remote", "application/json", `{"event":"paid"}`, nil)
	waitUI(t, "the remote capture's row", func() bool { return h.view.requests.Count() == 1 })
	if row := h.rowText(0); !strings.Contains(row, "/hooks/remote") {
		t.Fatalf("row shows %q", row)
	}
	if got := onUI(h.window.Title); !strings.Contains(got, addr) || !strings.HasSuffix(got, "1 request") {
		t.Errorf("title %q", got)
	}
	uithread.DoAndWait(func() { h.view.requests.list.Select(0) })
	waitBody(t, h.view.inspector, `  "event": "paid"`)

	// Replay from the Replay tab: it runs on the server, whose history
	// keeps it.
	rt := h.view.inspector.replay
	uithread.DoAndWait(func() {
		rt.target.SetText("")
		test.Type(rt.target, target.URL)
		test.Tap(rt.send)
	})
	waitUI(t, "the replay's answer", func() bool { return rt.status.Text == "202 Accepted" })
	first := h.rows()[0]
	if got, _ := h.core.Replays(first); len(got) != 1 || got[0].Status != http.StatusAccepted || hits.Load() != 1 {
		t.Fatalf("server's history %+v, target hit %d times", got, hits.Load())
	}

	// The Monitor works here too and shows what the server's own shows:
	// the per-minute figures from its store, the counters from /metrics.
	if onUI(h.view.bar.monitor.Disabled) {
		t.Error("the Monitor is off in a remote window")
	}
	local, remote := NewMonitor(h.core), NewMonitor(h.view.core)
	uithread.DoAndWait(func() { local.Refresh(); remote.Refresh() })
	shown := func(m *Monitor) string {
		return onUI(func() string {
			return strings.Join([]string{m.requestTotals.Text, m.forwardTotals.Text, m.latencyTotal.Text, m.sinceStart.Text, m.errText.Text}, " | ")
		})
	}
	if a, b := shown(local), shown(remote); a != b || !strings.Contains(a, "1 captured") {
		t.Errorf("the remote Monitor shows\n%s\nthe server's own\n%s", b, a)
	}

	// An alert the server fires shows here as a notification, once.
	if err := h.core.SetAlertRules([]alerts.Rule{{Name: "quiet", Kind: alerts.NoCapture, Prefix: "/",
		Window: alerts.Duration(time.Hour), Cooldown: alerts.Duration(time.Hour), Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.core.TestAlert("quiet"); err != nil {
		t.Fatal(err)
	}
	waitUI(t, "the remote alert's notification", func() bool { return h.view.notifier.alertsNotified == 1 })

	// The server goes: the banner says so and counts down.
	srv.Close()
	waitUI(t, "the disconnected banner", func() bool {
		return strings.HasPrefix(banner(), "Disconnected from "+addr+", retrying ")
	})
	h.post("POST", "/hooks/while-down", "text/plain", "meanwhile", nil)
	srv2, err := localapi.Start(h.core, localapi.Options{TCPAddr: addr, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	waitUI(t, "the banner back to attached", func() bool { return strings.HasPrefix(banner(), "Attached to "+addr) })
	waitUI(t, "the capture made while down", func() bool { return h.view.requests.Count() == 2 })
	rows := h.rows()
	if ids, _ := h.core.IDs(); len(rows) != 2 || slices.Contains(rows[1:], rows[0]) || !slices.Contains(rows, ids[1]) {
		t.Fatalf("rows %v after the reconnection, server holds %v", rows, ids)
	}
	// A duplicate would be appended as events arrive; the stream is idle
	// now, so one more capture after it shows the list grows by one only.
	h.post("POST", "/hooks/after", "text/plain", "after", nil)
	waitUI(t, "the capture after the reconnection", func() bool { return h.view.requests.Count() >= 3 })
	if rows := h.rows(); len(rows) != 3 || rows[0] == rows[1] || rows[1] == rows[2] {
		t.Fatalf("rows %v, want three distinct", rows)
	}
	// The alert read again at every tick (50 ms) through the reconnection
	// was not shown twice.
	if n := onUI(func() int { return h.view.notifier.alertsNotified }); n != 1 {
		t.Errorf("%d alert notifications, want 1", n)
	}
}
