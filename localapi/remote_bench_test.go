package localapi

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"dev.hookscope/app"
	"dev.hookscope/storage"
)

// BenchmarkGet5MB is what opening a 5 MB capture costs: read from the
// store this process holds (local), and fetched from a `serve --api
// --api-tls` on loopback as an attached window fetches it once (remote:
// TLS, the JSON, then the body's raw bytes). The ratio of the two
// is the price of attaching; the body viewer's formatting comes on top
// of either (ui/bodyview's BenchmarkSetBody5MBJSON).
func BenchmarkGet5MB(b *testing.B) {
	core, err := app.Open(app.Config{DBPath: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer core.Close()
	srv, err := Start(core, Options{TCPAddr: "127.0.0.1:0", TLS: true})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	body := bytes.Repeat([]byte(`{"id":12345,"event":"order.updated","ok":true},`), 5<<20/48)
	rec := &storage.Record{
		Summary: storage.Summary{ReceivedAt: time.Now(), Method: "POST", Path: "/hooks/big", BodySize: int64(len(body)),
			OriginalSize: int64(len(body)), ContentType: "application/json", Status: 200},
		Proto: "HTTP/1.1", Host: "example.test", Header: http.Header{"Content-Type": {"application/json"}}, Body: body,
	}
	id, err := core.Append(context.Background(), rec)
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := core.AddToken("bench", app.RoleRead)
	if err != nil {
		b.Fatal(err)
	}
	c, err := DialRemote(RemoteOptions{URL: srv.TCPURL(), Token: token, KnownHosts: filepath.Join(b.TempDir(), "known_hosts")})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for _, side := range []struct {
		name string
		get  func(uint64) (*storage.Record, error)
	}{{"local", core.Get}, {"remote", c.Get}} {
		b.Run(side.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				got, err := side.get(id)
				if err != nil || len(got.Body) != len(body) {
					b.Fatalf("get: %v (%d bytes)", err, len(got.Body))
				}
			}
		})
	}
}
