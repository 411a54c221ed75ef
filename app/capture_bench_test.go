package app

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// BenchmarkCorePath measures capture through the whole app path the window
// and serve use (duplicate check, signature rule lookup, hub, forwarding
// rules), for comparison with capture's own BenchmarkCaptureDurable and the
// bare net/http baseline there.
func BenchmarkCorePath(b *testing.B) {
	c, err := Open(Config{DBPath: filepath.Join(b.TempDir(), "bench.db"), Listen: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.StartListener(""); err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"id":"evt_1","object":"event","type":"invoice.paid","data":{"object":{"note":"` + strings.Repeat("x", 560) + `"}}}`)
	const senders = 32
	tr := &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				resp, err := client.Post(c.ListenerURL()+"/hooks/stripe", "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
}

// TestServeForProfile is not a test: with HOOKSCOPE_PROFILE_DB set it
// serves capture as `hookscope serve` does (background work started,
// listener on 127.0.0.1:0, "listening on URL" on stdout) until SIGTERM or
// SIGINT, so scripts/loadgen can drive it while the test binary's
// -cpuprofile and -memprofile record the server alone:
//
//	go test -c -o /tmp/app.test ./app
//	HOOKSCOPE_PROFILE_DB=/tmp/p.db /tmp/app.test -test.run TestServeForProfile -test.cpuprofile cpu.out -test.memprofile mem.out
//
// No pprof listener is ever exposed.
func TestServeForProfile(t *testing.T) {
	db := os.Getenv("HOOKSCOPE_PROFILE_DB")
	if db == "" {
		t.Skip("set HOOKSCOPE_PROFILE_DB to serve for profiling")
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(stop)
	c, err := Open(Config{DBPath: db, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	c.StartBackground()
	if err := c.StartListener(""); err != nil {
		c.Close()
		t.Fatal(err)
	}
	fmt.Println("listening on " + c.ListenerURL())
	<-stop
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}
