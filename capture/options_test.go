package capture

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"dev.hookscope/storage"
)

// Listener options: each refusal is answered before the body is read and
// stores nothing; an admitted request is stored as usual.

// answer posts and returns the status, a header and the body.
func answer(t *testing.T, client *http.Client, req *http.Request) (int, http.Header, string) {
	t.Helper()
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func countAll(t *testing.T, st *storage.Store) int {
	t.Helper()
	n, err := st.Count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// pinnedClient trusts exactly the certificate with this fingerprint, as a
// sender pinning Hookscope's self-signed certificate would.
func pinnedClient(fingerprint string) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true, // replaced by the pin check below
		VerifyConnection: func(cs tls.ConnectionState) error {
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if got := strings.ToUpper(hex.EncodeToString(sum[:])); got != strings.ReplaceAll(fingerprint, ":", "") {
				return fmt.Errorf("certificate %s is not the pinned one", got)
			}
			return nil
		},
	}}}
}

// TestTLSWithKeptSelfSignedCertificate: the certificate is created once and
// kept in the store's settings (same fingerprint on every load); the
// listener serves HTTPS with it to a client that pins the fingerprint and
// stores the request; a plain-HTTP request to the HTTPS port is refused
// (400) and not stored; a damaged kept certificate is replaced.
func TestTLSWithKeptSelfSignedCertificate(t *testing.T) {
	st := openStore(t)
	cert, err := LoadOrCreateCert(st)
	if err != nil {
		t.Fatal(err)
	}
	fp := Fingerprint(cert)
	if len(fp) != 95 || strings.Count(fp, ":") != 31 {
		t.Fatalf("fingerprint %q", fp)
	}
	again, err := LoadOrCreateCert(st)
	if err != nil || Fingerprint(again) != fp {
		t.Fatalf("second load changed the certificate: %v", err)
	}
	if pem, _ := st.Setting(SettingTLSCert); !bytes.Contains(pem, []byte("BEGIN CERTIFICATE")) {
		t.Fatalf("certificate not kept under %s", SettingTLSCert)
	}
	leaf := cert.Leaf
	if leaf == nil || leaf.PublicKeyAlgorithm.String() != "ECDSA" || leaf.VerifyHostname("127.0.0.1") != nil || leaf.VerifyHostname("localhost") != nil {
		t.Fatalf("certificate: %+v", leaf)
	}
	if !strings.HasPrefix(PublicKeyPin(cert), "sha256//") {
		t.Fatalf("pin %q", PublicKeyPin(cert))
	}

	srv := startServer(t, st, Config{TLSCert: &cert})
	if !strings.HasPrefix(srv.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL %s", srv.URL())
	}
	client := pinnedClient(fp)
	defer client.CloseIdleConnections()
	code, _, body := answer(t, client, mustRequest("POST", srv.URL()+"/secure", "over tls"))
	if code != 200 || !strings.Contains(body, `"ok":true`) {
		t.Fatalf("https: %d %s", code, body)
	}
	sums, _ := st.Summaries(0, 0)
	if len(sums) != 1 || sums[0].Path != "/secure" {
		t.Fatalf("stored %+v", sums)
	}
	rec, _ := st.Get(sums[0].ID)
	if string(rec.Body) != "over tls" {
		t.Fatalf("body %q", rec.Body)
	}
	// A client pinning another certificate refuses the connection.
	if _, err := pinnedClient(strings.Repeat("00:", 31) + "00").Get(srv.URL() + "/x"); err == nil {
		t.Fatal("a wrong pin was accepted")
	}
	// Plain HTTP to the HTTPS port.
	plain := "http://" + srv.Addr() + "/plain"
	code, _, _ = answer(t, nil, mustRequest("POST", plain, "x"))
	if code != 400 || countAll(t, st) != 1 {
		t.Fatalf("plain HTTP to the TLS port: %d, %d stored", code, countAll(t, st))
	}

	// A damaged kept certificate is replaced rather than failing the start.
	st.PutSetting(SettingTLSCert, []byte("not a certificate"))
	fresh, err := LoadOrCreateCert(st)
	if err != nil || Fingerprint(fresh) == fp {
		t.Fatalf("damaged certificate not replaced: %v", err)
	}
	// So is a key without its certificate (a crash between the two writes).
	other := openStore(t)
	key, _ := st.Setting(SettingTLSKey)
	other.PutSetting(SettingTLSKey, key)
	if c, err := LoadOrCreateCert(other); err != nil || Fingerprint(c) == Fingerprint(fresh) {
		t.Fatalf("key without certificate: %v", err)
	}
}

// TestAllowlist: with --allow, a client outside the ranges gets 403 and is
// not stored; one inside is stored. IPv4 clients match IPv4 ranges.
func TestAllowlist(t *testing.T) {
	st := openStore(t)
	outside := startServer(t, st, Config{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}})
	code, _, body := answer(t, nil, mustRequest("POST", outside.URL()+"/denied", "x"))
	if code != 403 || !strings.Contains(body, "does not accept requests from 127.0.0.1") || countAll(t, st) != 0 {
		t.Fatalf("outside the allowlist: %d %s, %d stored", code, body, countAll(t, st))
	}
	inside := startServer(t, st, Config{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}})
	send(t, mustRequest("POST", inside.URL()+"/allowed", "x"))
	if countAll(t, st) != 1 {
		t.Fatal("an allowed client was not stored")
	}
}

func TestParseAllow(t *testing.T) {
	got, err := ParseAllow(" 10.0.0.0/8, 192.168.1.5 ,::1,2001:db8::1/32,")
	want := []string{"10.0.0.0/8", "192.168.1.5/32", "::1/128", "2001:db8::/32"}
	if err != nil || len(got) != len(want) {
		t.Fatalf("%v %v", got, err)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Fatalf("%d: %s, want %s", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"", ",", "10.0.0.0/33", "example.com", "10.0.0/8"} {
		if _, err := ParseAllow(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

// TestTokenRequired: with --token, a request without it, or with a wrong
// one, gets 401 with WWW-Authenticate: Bearer and is not stored (and the
// answer never contains the token); "Authorization: Bearer T" and
// "X-Hookscope-Token: T" are both stored, with the token itself hidden in
// the stored headers.
func TestTokenRequired(t *testing.T) {
	const token = "s3cret-token-value"
	st := openStore(t)
	srv := startServer(t, st, Config{Token: token})
	for name, set := range map[string]func(*http.Request){
		"none":         func(*http.Request) {},
		"wrong bearer": func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") },
		"wrong header": func(r *http.Request) { r.Header.Set("X-Hookscope-Token", token+"x") },
		"basic":        func(r *http.Request) { r.SetBasicAuth("u", token) },
	} {
		req := mustRequest("POST", srv.URL()+"/t", "x")
		set(req)
		code, h, body := answer(t, nil, req)
		if code != 401 || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") || strings.Contains(body, token) {
			t.Fatalf("%s: %d %v %s", name, code, h, body)
		}
	}
	if n := countAll(t, st); n != 0 {
		t.Fatalf("%d unauthorized requests stored", n)
	}
	req := mustRequest("POST", srv.URL()+"/bearer", "x")
	req.Header.Set("Authorization", "Bearer "+token)
	a := send(t, req)
	req = mustRequest("POST", srv.URL()+"/header", "x")
	req.Header.Set("X-Hookscope-Token", token)
	b := send(t, req)
	for _, id := range []uint64{a.ID, b.ID} {
		rec, _ := st.Get(id)
		for name, values := range rec.Header {
			for _, v := range values {
				if strings.Contains(v, token) {
					t.Fatalf("the token was stored in %s", name)
				}
			}
		}
	}
	rec, _ := st.Get(a.ID)
	if rec.Header.Get("Authorization") != redacted {
		t.Fatalf("Authorization stored as %q", rec.Header.Get("Authorization"))
	}
}

// TestBasicAuthRequired: with --basic-auth, a request without credentials
// or with wrong ones gets 401 with WWW-Authenticate: Basic and is not
// stored; the right ones are stored (password hidden). With a token as
// well, either one admits.
func TestBasicAuthRequired(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{BasicAuth: "alice:pa:ss"})
	for _, creds := range [][2]string{{"", ""}, {"alice", "wrong"}, {"bob", "pa:ss"}} {
		req := mustRequest("POST", srv.URL()+"/b", "x")
		if creds[0] != "" {
			req.SetBasicAuth(creds[0], creds[1])
		}
		code, h, _ := answer(t, nil, req)
		if code != 401 || h.Get("WWW-Authenticate") != `Basic realm="hookscope", charset="UTF-8"` {
			t.Fatalf("%v: %d %v", creds, code, h)
		}
	}
	req := mustRequest("POST", srv.URL()+"/b", "x")
	req.SetBasicAuth("alice", "pa:ss")
	a := send(t, req)
	if rec, _ := st.Get(a.ID); rec.Header.Get("Authorization") != redacted || countAll(t, st) != 1 {
		t.Fatalf("stored %q, %d", rec.Header.Get("Authorization"), countAll(t, st))
	}

	both := startServer(t, st, Config{BasicAuth: "alice:pa:ss", Token: "tok"})
	req = mustRequest("POST", both.URL()+"/both", "x")
	req.Header.Set("X-Hookscope-Token", "tok")
	send(t, req)
	req = mustRequest("POST", both.URL()+"/both", "x")
	req.SetBasicAuth("alice", "pa:ss")
	send(t, req)
	code, h, _ := answer(t, nil, mustRequest("POST", both.URL()+"/both", "x"))
	if code != 401 || len(h.Values("WWW-Authenticate")) != 2 {
		t.Fatalf("neither: %d %v", code, h)
	}
}

// TestRefusedRequestWithExpect100GetsNoContinue: a sender that asks
// "Expect: 100-continue" without the token gets 401 at once, without 100
// Continue, so it never uploads the body.
func TestRefusedRequestWithExpect100GetsNoContinue(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{Token: "tok"})
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(conn, "POST /big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100000000\r\n\r\n")
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 401 ") {
		t.Fatalf("first answer %q %v", line, err)
	}
}

// TestRateLimit: with --rate 5, a burst of 20 gets about 5 stored (200) and
// the rest 429 with Retry-After and not stored; after a second's pause the
// bucket admits again.
func TestRateLimit(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{Rate: 5})
	ok, limited := 0, 0
	start := time.Now()
	for range 20 {
		code, h, body := answer(t, nil, mustRequest("POST", srv.URL()+"/r", "x"))
		switch code {
		case 200:
			ok++
		case 429:
			limited++
			if s, err := strconv.Atoi(h.Get("Retry-After")); err != nil || s < 1 || !strings.Contains(body, "limit of 5 requests per second") {
				t.Fatalf("429 with Retry-After %q: %s", h.Get("Retry-After"), body)
			}
		default:
			t.Fatalf("status %d", code)
		}
	}
	// 5 from the full bucket, plus what refilled while the burst ran.
	refilled := int(time.Since(start).Seconds()*5) + 1
	if ok < 5 || ok > 5+refilled || limited != 20-ok {
		t.Fatalf("%d admitted, %d limited in %v", ok, limited, time.Since(start))
	}
	if n := countAll(t, st); n != ok {
		t.Fatalf("%d stored, %d admitted", n, ok)
	}
	time.Sleep(1100 * time.Millisecond)
	send(t, mustRequest("POST", srv.URL()+"/r", "after a pause"))
}

func TestBucket(t *testing.T) {
	start := time.Unix(1000, 0)
	b := newBucket(2) // 2 per second, holds 2
	for i := range 2 {
		if ok, _ := b.take(start); !ok {
			t.Fatalf("take %d of a full bucket refused", i)
		}
	}
	ok, wait := b.take(start)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("empty bucket: %v, wait %v", ok, wait)
	}
	if ok, _ := b.take(start.Add(499 * time.Millisecond)); ok {
		t.Fatal("token before it refilled")
	}
	if ok, _ := b.take(start.Add(500 * time.Millisecond)); !ok {
		t.Fatal("no token after it refilled")
	}
	// A long pause refills to the cap only.
	later := start.Add(time.Hour)
	n := 0
	for {
		if ok, _ := b.take(later); !ok {
			break
		}
		n++
	}
	if n != 2 {
		t.Fatalf("after an hour %d tokens, cap 2", n)
	}
	slow := newBucket(0.5) // one every two seconds, holds 1
	slow.take(start)
	if _, wait := slow.take(start); wait != 2*time.Second {
		t.Fatalf("wait %v", wait)
	}
}

// TestBadOptionsRefusedAtStart: options that cannot work fail Start with a
// sentence, and the message never repeats the password.
func TestBadOptionsRefusedAtStart(t *testing.T) {
	st := openStore(t)
	for _, cfg := range []Config{
		{BasicAuth: "no-colon-secret"},
		{BasicAuth: ":nouser"},
		{Rate: -1},
	} {
		cfg.Addr = "127.0.0.1:0"
		srv, err := Start(st, cfg)
		if err == nil {
			srv.Shutdown(t.Context())
			t.Fatalf("%+v started", cfg)
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "nouser") {
			t.Fatalf("error repeats the credential: %v", err)
		}
	}
}

// TestLoopbackAndGuarded: what the start-up warning is decided from.
func TestLoopbackAndGuarded(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, Config{})
	if !srv.Loopback() || srv.Guarded() {
		t.Fatalf("127.0.0.1: loopback %v guarded %v", srv.Loopback(), srv.Guarded())
	}
	wide, err := Start(st, Config{Addr: "0.0.0.0:0", Token: "t"})
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			t.Skipf("cannot bind 0.0.0.0: %v", err)
		}
		t.Fatal(err)
	}
	defer wide.Shutdown(t.Context())
	if wide.Loopback() || !wide.Guarded() {
		t.Fatalf("0.0.0.0: loopback %v guarded %v", wide.Loopback(), wide.Guarded())
	}
}

// TestTLSHandshakeThatNeverFinishes: with --tls, clients that connect and
// never complete the handshake are dropped at the header timeout (500 ms
// here, 10 s by default) and do not delay a pinned client meanwhile.
func TestTLSHandshakeThatNeverFinishes(t *testing.T) {
	st := openStore(t)
	cert, err := LoadOrCreateCert(st)
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, st, Config{TLSCert: &cert, ReadHeaderTimeout: 500 * time.Millisecond, ErrorLog: log.New(io.Discard, "", 0)})
	var stalled []net.Conn
	for range 50 {
		c, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte{0x16, 0x03, 0x01}) // the start of a ClientHello, no more
		stalled = append(stalled, c)
	}
	client := pinnedClient(Fingerprint(cert))
	defer client.CloseIdleConnections()
	start := time.Now()
	if code, _, _ := answer(t, client, mustRequest("POST", srv.URL()+"/ok", "x")); code != 200 || time.Since(start) > 2*time.Second {
		t.Fatalf("beside stalled handshakes: %d after %v", code, time.Since(start))
	}
	for i, c := range stalled {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("stalled handshake %d not dropped: %v", i, err)
		}
	}
}
