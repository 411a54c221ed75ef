package capture

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"dev.hookscope/storage"
)

// event650 is a typical webhook body of 650 bytes.
var event650 = func() []byte {
	b := []byte(`{"id":"evt_1NqHk2LkdIwHu7ix","object":"event","type":"invoice.paid","created":1700000000,"data":{"object":{"id":"in_1NqHk1LkdIwHu7ix","amount_paid":2000,"currency":"usd","customer":"cus_Oe4Xa0fJ2bX3Yz","lines":[],"note":"`)
	pad := 650 - len(b) - len(`"}}}`)
	b = append(b, strings.Repeat("x", pad)...)
	return append(b, `"}}}`...)
}()

// postConcurrently drives b.N POSTs from 32 keep-alive senders.
func postConcurrently(b *testing.B, url string) {
	const senders = 32
	tr := &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.SetBytes(int64(len(event650)))
	b.ResetTimer()
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				resp, err := client.Post(url, "application/json", bytes.NewReader(event650))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
}

// BenchmarkBareNetHTTP is the baseline: a handler that reads the body and
// answers 200, nothing stored.
func BenchmarkBareNetHTTP(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"id":1}`+"\n")
	})}
	go srv.Serve(ln)
	defer srv.Close()
	postConcurrently(b, "http://"+ln.Addr().String()+"/hook")
}

// BenchmarkCaptureDurable is the real path: every answer waits for fsync.
func BenchmarkCaptureDurable(b *testing.B) { benchCapture(b, storage.Options{}) }

// BenchmarkCaptureNoSync shows how much of the cost is fsync.
func BenchmarkCaptureNoSync(b *testing.B) { benchCapture(b, storage.Options{NoSync: true}) }

func benchCapture(b *testing.B, opt storage.Options) {
	path := filepath.Join(b.TempDir(), "bench.db")
	st, err := storage.Open(path, opt)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv, err := Start(st, Config{Addr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.http.Close()
	postConcurrently(b, srv.URL()+"/hook")
	if used, err := st.UsedBytes(); err == nil && b.N >= 1000 {
		b.ReportMetric(float64(used)/float64(b.N), "disk-B/req")
	}
}
