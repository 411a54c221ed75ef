package app

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
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
