package cli

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startServe runs `serve` in the background and returns its URL and a stop
// function that returns the exit code.
func startServe(t *testing.T, db string, extra ...string) (string, func() int) {
	t.Helper()
	pr, pw := io.Pipe()
	stop := make(chan struct{})
	codes := make(chan int, 1)
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--db", db}, extra...)
	go func() {
		codes <- Run(Env{Stdout: pw, Stderr: io.Discard, Signals: stop}, args)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line: %v", err)
	}
	go io.Copy(io.Discard, pr)
	if !strings.HasPrefix(line, "listening on http://127.0.0.1:") {
		t.Fatalf("first line %q", line)
	}
	url := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	return url, func() int { close(stop); return <-codes }
}

func run(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Run(Env{Stdout: &out, Stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

func TestServeListShow(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cli.db")
	url, stop := startServe(t, db)
	body := []byte{'{', 0xff, 0x00, '}'}
	req, _ := http.NewRequest("PATCH", url+"/hooks/a?x=1&x=2", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("X-Dup", "1")
	req.Header.Add("X-Dup", "2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}

	code, out, _ := run("list", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("list exit %d", code)
	}
	var row map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &row); err != nil {
		t.Fatalf("list line %q: %v", out, err)
	}
	for _, k := range []string{"id", "received_at", "method", "path", "body_size", "content_type"} {
		if _, ok := row[k]; !ok {
			t.Fatalf("list --json lacks %q: %v", k, row)
		}
	}
	if row["method"] != "PATCH" || row["path"] != "/hooks/a" || row["body_size"] != float64(4) {
		t.Fatalf("row %v", row)
	}

	// Flags after or before the positional ID.
	for _, args := range [][]string{{"show", "1", "--json", "--db", db}, {"show", "--json", "--db", db, "1"}} {
		code, out, errOut := run(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
		var got struct {
			ID           uint64              `json:"id"`
			ReceivedAt   string              `json:"received_at"`
			Method       string              `json:"method"`
			Path         string              `json:"path"`
			Query        string              `json:"query"`
			Proto        string              `json:"proto"`
			Host         string              `json:"host"`
			RemoteAddr   string              `json:"remote_addr"`
			Headers      map[string][]string `json:"headers"`
			BodyBase64   string              `json:"body_base64"`
			BodySize     int64               `json:"body_size"`
			OriginalSize int64               `json:"original_size"`
			Truncated    bool                `json:"truncated"`
			ContentType  string              `json:"content_type"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		decoded, _ := base64.StdEncoding.DecodeString(got.BodyBase64)
		if got.ID != 1 || got.Method != "PATCH" || got.Query != "x=1&x=2" || !bytes.Equal(decoded, body) ||
			strings.Join(got.Headers["X-Dup"], ",") != "1,2" || got.Host == "" || got.Proto != "HTTP/1.1" ||
			got.OriginalSize != 4 || got.Truncated || got.ContentType != "application/json" {
			t.Fatalf("show --json: %+v", got)
		}
		if _, err := time.Parse(time.RFC3339Nano, got.ReceivedAt); err != nil {
			t.Fatalf("received_at %q: %v", got.ReceivedAt, err)
		}
		if _, ok := got.Headers["Host"]; ok {
			t.Fatal("Host belongs in host, not headers")
		}
	}
	code, out, _ = run("show", "1", "--db", db)
	if code != 0 || !strings.Contains(out, "PATCH /hooks/a?x=1&x=2 HTTP/1.1") || !strings.Contains(out, "binary body") {
		t.Fatalf("human show: %d %q", code, out)
	}
}

func TestErrorsAndExitCodes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "e.db")
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"show", "99", "--db", db}, 2, "no such request"},
		{[]string{"show", "abc", "--db", db}, 2, "not a request ID"},
		{[]string{"show", "--db", db}, 2, "one request ID"},
		{[]string{"list", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"serve", "--max-body", "lots", "--db", db}, 2, "not a size"},
		{[]string{"frobnicate"}, 2, "unknown command"},
	}
	for _, c := range cases {
		code, _, errOut := run(c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q on one line", c.args, code, errOut, c.code, c.msg)
		}
	}
}

func TestServePortInUse(t *testing.T) {
	dir := t.TempDir()
	url, stop := startServe(t, filepath.Join(dir, "a.db"))
	defer stop()
	addr := strings.TrimPrefix(url, "http://")
	code, _, errOut := run("serve", "--listen", addr, "--db", filepath.Join(dir, "b.db"))
	if code == 0 || !strings.Contains(errOut, "already in use") {
		t.Fatalf("exit %d %q", code, errOut)
	}
}

func TestMaxBodyFlag(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	url, stop := startServe(t, db, "--max-body", "1KiB")
	resp, err := http.Post(url+"/big", "text/plain", strings.NewReader(strings.Repeat("z", 5000)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	stop()
	_, out, _ := run("show", "1", "--json", "--db", db)
	var got struct {
		BodySize     int64 `json:"body_size"`
		OriginalSize int64 `json:"original_size"`
		Truncated    bool  `json:"truncated"`
	}
	json.Unmarshal([]byte(out), &got)
	if got.BodySize != 1024 || got.OriginalSize != 5000 || !got.Truncated {
		t.Fatalf("%+v", got)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"10MiB": 10 << 20, "1KB": 1000, "512": 512, "1.5k": 1536, "2 GiB": 2 << 30} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("%q: %d %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "-1", "tenMiB", "0"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
