package app

import (
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"dev.hookscope/capture"
	"dev.hookscope/storage"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func openCore(t *testing.T) *Core {
	t.Helper()
	c, err := Open(Config{DBPath: filepath.Join(t.TempDir(), "core.db"), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.StartBackground()
	return c
}

func post(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Post(url, "text/plain", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestCaptureWakesSubscriberAndCoalesces(t *testing.T) {
	c := openCore(t)
	sub := c.Subscribe()
	defer sub.Close()
	if err := c.StartListener(""); err != nil {
		t.Fatal(err)
	}
	<-sub.C
	if got := sub.Take(); got&ListenerChanged == 0 {
		t.Fatalf("start not announced: %b", got)
	}
	for range 20 {
		post(t, c.ListenerURL()+"/x")
	}
	select {
	case <-sub.C:
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up after captures")
	}
	if got := sub.Take(); got != Added {
		t.Fatalf("got %b, want Added", got)
	}
	// Twenty captures while nobody read: at most one wake-up is pending.
	select {
	case <-sub.C:
		t.Fatal("more than one wake-up queued")
	default:
	}
	ids, _ := c.IDs()
	if len(ids) != 20 {
		t.Fatalf("%d stored", len(ids))
	}
}

func TestSlowSubscriberNeverBlocksCapture(t *testing.T) {
	c := openCore(t)
	sub := c.Subscribe() // never read
	defer sub.Close()
	c.StartListener("")
	done := make(chan struct{})
	go func() {
		for range 50 {
			post(t, c.ListenerURL()+"/y")
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("captures blocked behind a subscriber that does not read")
	}
}

func TestListenerStopStartAndMove(t *testing.T) {
	c := openCore(t)
	if err := c.StartListener(""); err != nil {
		t.Fatal(err)
	}
	first := c.ListenerURL()
	c.StopListener()
	if c.ListenerURL() != "" {
		t.Fatal("still listening after stop")
	}
	if _, err := http.Get(first); err == nil {
		t.Fatal("old address still answers")
	}
	if err := c.StartListener("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	post(t, c.ListenerURL()+"/moved")
	// Moving to a taken port keeps the current listener running.
	blocker, _ := capture.Start(c.store, capture.Config{Addr: "127.0.0.1:0"})
	defer shutdown(blocker)
	err := c.StartListener(blocker.Addr())
	if !errors.Is(err, capture.ErrAddrInUse) {
		t.Fatalf("got %v", err)
	}
	post(t, c.ListenerURL()+"/still")
}

func TestDeleteAndClearAnnounceReset(t *testing.T) {
	c := openCore(t)
	c.StartListener("")
	post(t, c.ListenerURL()+"/a")
	post(t, c.ListenerURL()+"/b")
	sub := c.Subscribe()
	defer sub.Close()
	if err := c.Delete(1); err != nil {
		t.Fatal(err)
	}
	<-sub.C
	if sub.Take()&Reset == 0 {
		t.Fatal("delete not announced")
	}
	c.Clear()
	<-sub.C
	if sub.Take()&Reset == 0 {
		t.Fatal("clear not announced")
	}
	if ids, _ := c.IDs(); len(ids) != 0 {
		t.Fatalf("left %v", ids)
	}
}

func TestQueryPairsKeepOrderAndRepeats(t *testing.T) {
	got := QueryPairs("b=2&a=1&a=%E2%9C%93&flag&bad=%zz")
	want := []Pair{{"b", "2"}, {"a", "1"}, {"a", "✓"}, {"flag", ""}, {"bad", "%zz"}}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pair %d: %v want %v", i, got[i], want[i])
		}
	}
}

func TestSavedSecretVerifiesOnArrival(t *testing.T) {
	c := openCore(t)
	if err := c.SaveSecret(SecretRule{Prefix: "/hooks/github", Scheme: "github", Secret: "It's a Secret to Everybody"}); err != nil {
		t.Fatal(err)
	}
	if err := c.SaveSecret(SecretRule{Prefix: "nope", Scheme: "github", Secret: "x"}); err == nil {
		t.Fatal("a prefix without / was saved")
	}
	if err := c.SaveSecret(SecretRule{Prefix: "/x", Scheme: "no-such-scheme", Secret: "x"}); err == nil {
		t.Fatal("an unknown scheme was saved")
	}
	c.StartListener("")
	// GitHub's documented example: secret "It's a Secret to Everybody",
	// body "Hello, World!".
	send := func(path, sig string) {
		req, _ := http.NewRequest("POST", c.ListenerURL()+path, strings.NewReader("Hello, World!"))
		req.Header.Set("X-Hub-Signature-256", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	send("/hooks/github/push", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
	send("/hooks/github/push", "sha256=0000000000000000000000000000000000000000000000000000000000000000")
	send("/other", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
	sums, _ := c.Summaries(0, 0)
	got := []string{sums[0].Signature.String(), sums[1].Signature.String(), sums[2].Signature.String()}
	if got[0] != "valid" || got[1] != "invalid" || got[2] != "" {
		t.Fatalf("verdicts %q", got)
	}
	// Rules survive a reopen.
	path := c.DBPath()
	c.Close()
	c2, err := Open(Config{DBPath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if r, ok := c2.SecretFor("/hooks/github/x"); !ok || r.Scheme != "github" {
		t.Fatalf("rule lost on reopen: %+v", r)
	}
}

func TestMaskSecret(t *testing.T) {
	if got := MaskSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); got != "•••••••• (38 chars)" {
		t.Fatalf("%q", got)
	}
	if got := MaskSecret("short"); got != "•••••" {
		t.Fatalf("%q", got)
	}
}

func TestRetentionPrunesInTheBackground(t *testing.T) {
	c := openCore(t)
	c.StartListener("")
	for range 6 {
		post(t, c.ListenerURL()+"/r")
	}
	sub := c.Subscribe()
	defer sub.Close()
	if err := c.SetRetention(storage.Retention{MaxCount: 2}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ids, _ := c.IDs()
		if len(ids) == 2 && ids[0] == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("retention kept %v", ids)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r, _ := c.Retention(); DescribeRetention(r) != "keep the last 2 requests (whichever is least)" {
		t.Fatalf("policy reads %q", DescribeRetention(r))
	}
	if err := c.SetRetention(storage.Retention{MaxCount: -1}); err == nil {
		t.Fatal("a negative limit was saved")
	}
}
