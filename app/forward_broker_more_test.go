package app

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"dev.hookscope/storage"
)

func storeCapture(t *testing.T, c *Core, path string, body []byte) uint64 {
	t.Helper()
	rec := &storage.Record{Summary: storage.Summary{ReceivedAt: time.Now().UTC(), Method: "POST", Path: path,
		BodySize: int64(len(body)), OriginalSize: int64(len(body))}, Body: body}
	id, err := c.store.Append(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	rec.ID = id
	c.stored(rec)
	return id
}

func natsStream(t *testing.T, url string) (jetstream.JetStream, func()) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "HOOKS", Subjects: []string{"hooks.>"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	return js, nc.Close
}

func TestBrokerRulesAreChecked(t *testing.T) {
	c := openCore(t)
	for _, tc := range []struct {
		rule ForwardRule
		want string
	}{
		{ForwardRule{Prefix: "/x", Target: "nats://127.0.0.1:4222/hooks.x", Enabled: true, Relay: true}, "relay needs an HTTP target"},
		{ForwardRule{Prefix: "/x", Target: "nats://127.0.0.1/hooks.x", Enabled: true}, "needs host:port"},
		{ForwardRule{Prefix: "/x", Target: "kafka://127.0.0.1:9092/", Enabled: true}, "names its topic"},
	} {
		err := c.SetForwardRules([]ForwardRule{tc.rule})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one saying %q", tc.rule, err, tc.want)
		}
	}
	if rules, _ := c.ForwardRules(); len(rules) != 0 {
		t.Fatalf("a refused rule was saved: %+v", rules)
	}
	if err := c.SetForwardRules([]ForwardRule{{Prefix: "/x", Target: "kafka://127.0.0.1:9092/t", Enabled: true}}); err != nil {
		t.Fatal(err)
	}
}

// A message the broker refuses for good is recorded and skipped; the
// next capture is still published.
func TestBrokerRejectionIsRecordedAndSkipped(t *testing.T) {
	srv, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: natsserver.RANDOM_PORT, JetStream: true,
		StoreDir: t.TempDir(), NoLog: true, NoSigs: true, MaxPayload: 4096})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("the embedded NATS server did not start")
	}
	defer srv.Shutdown()
	_, closeNC := natsStream(t, srv.ClientURL())
	defer closeNC()
	c := openCore(t)
	if err := c.SetForwardRules([]ForwardRule{{Prefix: "/big", Target: "nats://" + srv.Addr().String() + "/hooks.big", Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	big := storeCapture(t, c, "/big", bytes.Repeat([]byte("x"), 8192))
	small := storeCapture(t, c, "/big", []byte("ok"))
	waitFor(t, 20*time.Second, "the small capture to be published", func() bool {
		r, ok, _ := c.ForwardResult(small)
		return ok && r.Acked != ""
	})
	r, ok, _ := c.ForwardResult(big)
	if !ok || !strings.HasPrefix(r.Error, "not published: ") || !strings.Contains(r.Error, "max_payload") || r.Acked != "" {
		t.Fatalf("oversized capture outcome %+v", r)
	}
}

// Captures stored while the broker is away, and not published when
// Hookscope stops, are published by the next start, once each.
func TestBrokerPublishingResumesAfterRestart(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there until the server starts below
	db := filepath.Join(t.TempDir(), "core.db")
	c, err := Open(Config{DBPath: db, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	c.StartBackground()
	if err := c.SetForwardRules([]ForwardRule{{Prefix: "/r", Target: fmt.Sprintf("nats://127.0.0.1:%d/hooks.r", port), Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	var ids []uint64
	for i := range 5 {
		ids = append(ids, storeCapture(t, c, "/r", []byte{byte(i), 0xff}))
	}
	waitFor(t, 10*time.Second, "a retry to be recorded", func() bool { return retrying(c) })
	c.Close()

	srv := startNATS(t, port, t.TempDir())
	defer srv.Shutdown()
	js, closeNC := natsStream(t, srv.ClientURL())
	defer closeNC()
	c2, err := Open(Config{DBPath: db, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.StartBackground()
	waitFor(t, 20*time.Second, "the captures from before the restart to be published", func() bool {
		r, ok, _ := c2.ForwardResult(ids[len(ids)-1])
		return ok && r.Acked != ""
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, "HOOKS")
	if err != nil {
		t.Fatal(err)
	}
	if n := st.CachedInfo().State.Msgs; n != uint64(len(ids)) {
		t.Fatalf("stream holds %d messages, want %d", n, len(ids))
	}
	for i, id := range ids {
		m, err := st.GetMsg(ctx, uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		if m.Header.Get("Hookscope-Id") != fmt.Sprint(id) || !bytes.Equal(m.Data, []byte{byte(i), 0xff}) {
			t.Fatalf("message %d is capture %s %q, want %d", i+1, m.Header.Get("Hookscope-Id"), m.Data, id)
		}
	}
}

// The monitor counts a broker's acknowledgement as a delivered forward,
// and a publish still being retried as one without an answer.
func TestMetricsCountBrokerAcksAsDelivered(t *testing.T) {
	c := openCore(t)
	now := time.Now().UTC()
	acked := storeCapture(t, c, "/m", nil)
	waiting := storeCapture(t, c, "/m", nil)
	c.store.PutForwardResult(acked, storage.ForwardResult{At: now, Target: "nats://h:4222/s", Attempts: 1, Acked: "stream S seq 1"})
	c.store.PutForwardResult(waiting, storage.ForwardResult{At: now, Target: "nats://h:4222/s", Attempts: 2, Error: "down; retrying in 200ms"})
	m, err := c.Metrics(now.Add(time.Second), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if m.Total.Forwards.OK != 1 || m.Total.Forwards.NoAnswer != 1 {
		t.Fatalf("forwards counted %+v, want 1 OK and 1 without answer", m.Total.Forwards)
	}
}

// A broker rule starts after the newest capture when added, and forgets
// its place when removed, so adding it again does not publish what
// arrived meanwhile (docs/cli.md, "Restart").
func TestBrokerRuleStartsAfterTheNewestCapture(t *testing.T) {
	c, err := Open(Config{DBPath: filepath.Join(t.TempDir(), "c.db"), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close() // passive: no publisher runs, only the cursor is kept
	rule := ForwardRule{Prefix: "/c", Target: "kafka://127.0.0.1:9/t", Enabled: true}
	cursor := func() string { v, _ := c.store.Setting(brokerCursorKey(rule)); return string(v) }
	storeCapture(t, c, "/c", nil)
	if err := c.SetForwardRules([]ForwardRule{rule}); err != nil {
		t.Fatal(err)
	}
	if got := cursor(); got != "1" {
		t.Fatalf("cursor %q after adding the rule with 1 capture stored, want 1", got)
	}
	storeCapture(t, c, "/c", nil)
	if err := c.SetForwardRules([]ForwardRule{rule}); err != nil { // saved again unchanged
		t.Fatal(err)
	}
	if got := cursor(); got != "1" {
		t.Fatalf("cursor %q after saving the same rule again, want it kept at 1", got)
	}
	if err := c.SetForwardRules(nil); err != nil {
		t.Fatal(err)
	}
	if got := cursor(); got != "" {
		t.Fatalf("cursor %q kept after the rule was deleted", got)
	}
	storeCapture(t, c, "/c", nil)
	if err := c.SetForwardRules([]ForwardRule{rule}); err != nil {
		t.Fatal(err)
	}
	if got := cursor(); got != "3" {
		t.Fatalf("cursor %q after adding the rule again with 3 captures stored, want 3", got)
	}
}
