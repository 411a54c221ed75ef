package app

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"dev.hookscope/storage"
)

// brokerCaptures is the done-when number of issue 17: 10,000 captures
// published exactly once each, in order, across a broker restart.
const brokerCaptures = 10000

// sentCapture is what the test sent, to compare with what the broker got.
type sentCapture struct {
	path, query string
	raw         string // a header value that is not UTF-8
	body        []byte
}

// sentFor makes capture i: two paths (order is per path), a query, a
// header value and a body with bytes that are not UTF-8.
func sentFor(i int) sentCapture {
	return sentCapture{
		path:  fmt.Sprintf("/pub/%c", 'a'+i%2),
		query: fmt.Sprintf("n=%d&x=%%FF", i),
		raw:   fmt.Sprintf("v\xff\xfe%d", i),
		body:  append([]byte(fmt.Sprintf(`{"n":%d}`, i)), 0xff, 0x00, 0xc3, byte(i)),
	}
}

// sendCaptures stores n captures through the calls the listener makes
// (annotate, Append, stored) from 64 goroutines and returns them by ID.
// Not through a real socket: 10,000 POSTs took 73 s under -race here, and
// the publisher only sees the store either way. halfway runs once after
// half have been stored.
func sendCaptures(t *testing.T, c *Core, n int, halfway func()) map[uint64]sentCapture {
	t.Helper()
	var (
		mu    sync.Mutex
		byID  = map[uint64]sentCapture{}
		next  atomic.Int64
		wg    sync.WaitGroup
		errs  = make(chan error, 64)
		half  sync.Once
		count atomic.Int64
	)
	for range 64 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				s := sentFor(i)
				rec := &storage.Record{
					Summary: storage.Summary{ReceivedAt: time.Now().UTC(), Method: "POST", Path: s.path,
						BodySize: int64(len(s.body)), OriginalSize: int64(len(s.body)), ContentType: "application/json"},
					RawQuery: s.query, Proto: "HTTP/1.1", Host: "127.0.0.1:8080", RemoteAddr: "127.0.0.1:50000",
					Header: http.Header{"X-Raw": {s.raw}, "Nats-Msg-Id": {"spoofed"}, "Content-Type": {"application/json"}},
					Body:   s.body,
				}
				c.annotate(rec)
				id, err := c.store.Append(context.Background(), rec)
				if err != nil {
					errs <- err
					return
				}
				rec.ID = id
				c.stored(rec)
				mu.Lock()
				byID[id] = s
				mu.Unlock()
				if count.Add(1) == int64(n/2) && halfway != nil {
					half.Do(halfway)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return byID
}

// waitFor polls cond every 20 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitPublished waits until every capture has an acknowledged outcome.
func waitPublished(t *testing.T, c *Core, byID map[uint64]sentCapture) {
	t.Helper()
	var newest uint64
	for id := range byID {
		newest = max(newest, id)
	}
	waitFor(t, 60*time.Second, "the last capture to be published", func() bool {
		r, ok, _ := c.ForwardResult(newest)
		return ok && r.Acked != ""
	})
	for id := range byID {
		r, ok, err := c.ForwardResult(id)
		if err != nil || !ok || r.Acked == "" || r.Error != "" || r.Attempts < 1 {
			t.Fatalf("capture %d outcome %+v (found %v, %v)", id, r, ok, err)
		}
	}
}

// received is one message as a consumer got it.
type received struct {
	id     uint64
	header map[string][]string
	body   []byte
}

// checkReceived asserts exactly once each, in capture order per path,
// with identical bytes.
func checkReceived(t *testing.T, byID map[uint64]sentCapture, got []received) {
	t.Helper()
	if len(got) != len(byID) {
		t.Errorf("the broker holds %d messages for %d captures", len(got), len(byID))
	}
	seen := map[uint64]bool{}
	lastOnPath := map[string]uint64{}
	for _, m := range got {
		s, ok := byID[m.id]
		if !ok {
			t.Fatalf("message for capture %d, which was not sent", m.id)
		}
		if seen[m.id] {
			t.Fatalf("capture %d arrived twice", m.id)
		}
		seen[m.id] = true
		if m.id < lastOnPath[s.path] {
			t.Fatalf("capture %d on %s came after %d", m.id, s.path, lastOnPath[s.path])
		}
		lastOnPath[s.path] = m.id
		want := map[string]string{
			"Hookscope-Id":                   strconv.FormatUint(m.id, 10),
			"Hookscope-Method":               "POST",
			"Hookscope-Path":                 s.path + "?" + s.query,
			"X-Raw":                          s.raw,
			"Hookscope-Captured-Nats-Msg-Id": "spoofed",
		}
		for k, v := range want {
			if g := m.header[k]; len(g) != 1 || g[0] != v {
				t.Fatalf("capture %d header %s = %q, want %q", m.id, k, g, v)
			}
		}
		for _, k := range []string{"Hookscope-Received-At", "Hookscope-Remote-Addr", "Hookscope-Host"} {
			if len(m.header[k]) != 1 || m.header[k][0] == "" {
				t.Fatalf("capture %d has no %s: %v", m.id, k, m.header)
			}
		}
		if !bytes.Equal(m.body, s.body) {
			t.Fatalf("capture %d body %q, sent %q", m.id, m.body, s.body)
		}
	}
}

func startNATS(t *testing.T, port int, dir string) *natsserver.Server {
	t.Helper()
	s, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: port, JetStream: true,
		StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("the embedded NATS server did not start")
	}
	return s
}

func TestPublishToNATSJetStreamExactlyOnceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	srv := startNATS(t, natsserver.RANDOM_PORT, dir)
	port := srv.Addr().(*net.TCPAddr).Port
	defer func() { srv.Shutdown() }()

	nc, err := nats.Connect(srv.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "HOOKS", Subjects: []string{"hooks.>"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}

	c := openCore(t)
	target := fmt.Sprintf("nats://127.0.0.1:%d/hooks.pub", port)
	if err := c.SetForwardRules([]ForwardRule{{Prefix: "/pub", Target: target, Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	restarted := make(chan struct{})
	var noticed atomic.Bool
	start := time.Now()
	byID := sendCaptures(t, c, brokerCaptures, func() {
		// Mid-way the broker goes away while captures keep coming, and
		// comes back on the same port and store once a publish has
		// failed and is being retried.
		go func() {
			defer close(restarted)
			srv.Shutdown()
			srv.WaitForShutdown()
			deadline := time.Now().Add(30 * time.Second)
			for !retrying(c) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			noticed.Store(retrying(c))
			srv = startNATS(t, port, dir)
		}()
	})
	sent := time.Since(start)
	<-restarted
	waitPublished(t, c, byID)
	t.Logf("%d captures sent in %v, all published after %v", len(byID), sent, time.Since(start))

	ctx, cancel = context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, "HOOKS", jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var got []received
	for len(got) < brokerCaptures {
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			id, _ := strconv.ParseUint(m.Headers().Get("Hookscope-Id"), 10, 64)
			got = append(got, received{id: id, header: m.Headers(), body: m.Data()})
		}
		if n == 0 {
			break // nothing more within 2 s: the stream holds no more
		}
	}
	checkReceived(t, byID, got)
	if info, err := js.Stream(ctx, "HOOKS"); err != nil {
		t.Fatal(err)
	} else if n := info.CachedInfo().State.Msgs; n != brokerCaptures {
		t.Fatalf("stream holds %d messages, want %d", n, brokerCaptures)
	}
	if !noticed.Load() {
		t.Fatal("no publish failed while the broker was down: the restart tested nothing")
	}
}

// retrying reports whether some outcome says a publish is being retried:
// the publisher has noticed that the broker is down.
func retrying(c *Core) bool {
	fs, _ := c.store.ForwardsSince(time.Now().Add(-time.Minute))
	for _, f := range fs {
		if strings.Contains(f.Error, "retrying") {
			return true
		}
	}
	return false
}

func TestPublishToKafkaExactlyOnceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DataDir(dir), kfake.SeedTopics(3, "hooks"))
	if err != nil {
		t.Fatal(err)
	}
	addr := cluster.ListenAddrs()[0]
	_, portText, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portText)
	defer func() { cluster.Close() }()

	c := openCore(t)
	if err := c.SetForwardRules([]ForwardRule{{Prefix: "/pub", Target: "kafka://" + addr + "/hooks", Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	restarted := make(chan struct{})
	var noticed atomic.Bool
	start := time.Now()
	byID := sendCaptures(t, c, brokerCaptures, func() {
		go func() {
			defer close(restarted)
			cluster.Close()
			deadline := time.Now().Add(30 * time.Second)
			for !retrying(c) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			noticed.Store(retrying(c))
			var err error
			cluster, err = kfake.NewCluster(kfake.NumBrokers(1), kfake.DataDir(dir), kfake.Ports(port))
			if err != nil {
				panic(err) // not t.Fatal: this is not the test's goroutine
			}
		}()
	})
	sent := time.Since(start)
	<-restarted
	waitPublished(t, c, byID)
	t.Logf("%d captures sent in %v, all published after %v", len(byID), sent, time.Since(start))

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("hooks"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got []received
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for len(got) < brokerCaptures && ctx.Err() == nil {
		fetches := cl.PollFetches(ctx)
		fetches.EachRecord(func(r *kgo.Record) {
			h := map[string][]string{}
			for _, rh := range r.Headers {
				h[rh.Key] = append(h[rh.Key], string(rh.Value))
			}
			id, _ := strconv.ParseUint(string(r.Key), 10, 64)
			got = append(got, received{id: id, header: h, body: r.Value})
		})
	}
	// Anything beyond 10,000 would be a duplicate: give the consumer one
	// more poll of up to 2 s, long enough for kfake to hand over whatever
	// else its three partitions hold (it answers in milliseconds).
	more, cancelMore := context.WithTimeout(context.Background(), 2*time.Second)
	cl.PollFetches(more).EachRecord(func(r *kgo.Record) { got = append(got, received{id: 0}) })
	cancelMore()
	checkReceived(t, byID, got)
	if !noticed.Load() {
		t.Fatal("no publish failed while the broker was down: the restart tested nothing")
	}
}
