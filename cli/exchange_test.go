package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dev.hookscope/storage"
)

// runX runs export or import through Run once the command is registered
// in commands(), and the same way Run would until then.
func runX(args ...string) (int, string, string) {
	for _, c := range commands() {
		if c.name == args[0] {
			return run(args...)
		}
	}
	fn := map[string]func(Env, []string) (int, error){"export": runExport, "import": runImport}[args[0]]
	var out, errOut bytes.Buffer
	code, err := fn(Env{Stdout: &out, Stderr: &errOut}, args[1:])
	if err != nil {
		fmt.Fprintln(&errOut, "hookscope "+args[0]+": "+oneLine(err))
		if code == ExitOK {
			code = ExitError
		}
	}
	return code, out.String(), errOut.String()
}

// exchangeRecords are stored by the export tests: a JSON post with
// repeated headers and query keys, a binary body and a GET.
func exchangeRecords() []*storage.Record {
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	mk := func(method, path, query string, h http.Header, body []byte) *storage.Record {
		return &storage.Record{
			Summary:  storage.Summary{ReceivedAt: at, Method: method, Path: path, BodySize: int64(len(body)), OriginalSize: int64(len(body)), ContentType: h.Get("Content-Type"), Status: 200},
			RawQuery: query, Proto: "HTTP/1.1", Host: "hooks.test:8080", RemoteAddr: "127.0.0.1:4000", Header: h, Body: body,
		}
	}
	return []*storage.Record{
		mk("POST", "/hooks/a", "x=1&x=2", http.Header{"Content-Type": {"application/json"}, "Content-Length": {"8"}, "X-Dup": {"1", "2"}}, []byte(`{"a":1}`+"\n")),
		mk("PUT", "/bin", "", http.Header{"Content-Type": {"application/octet-stream"}, "Content-Length": {"4"}}, []byte{0xff, 0, 0xfe, '\''}),
		mk("GET", "/ping", "", http.Header{"Accept": {"*/*"}}, nil),
	}
}

// exchangeStore writes recs into a new database and closes it, since the
// command under test opens the file itself.
func exchangeStore(t *testing.T, recs []*storage.Record) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "x.db")
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if _, err := st.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return db
}

func readStore(t *testing.T, db string) []*storage.Record {
	t.Helper()
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ids, err := st.IDs()
	if err != nil {
		t.Fatal(err)
	}
	var out []*storage.Record
	for _, id := range ids {
		rec, err := st.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

func TestExportFormats(t *testing.T) {
	db := exchangeStore(t, exchangeRecords())
	code, out, errOut := runX("export", "--db", db, "--format", "har")
	if code != ExitOK || errOut != "" {
		t.Fatalf("har: exit %d, %s", code, errOut)
	}
	var har struct {
		Log struct {
			Version string
			Entries []struct {
				ID      uint64 `json:"_id"`
				Request struct{ Method, URL string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &har); err != nil || har.Log.Version != "1.2" || len(har.Log.Entries) != 3 {
		t.Fatalf("har: %v %+v\n%s", err, har, out)
	}
	if e := har.Log.Entries[0]; e.ID != 1 || e.Request.Method != "POST" || e.Request.URL != "http://hooks.test:8080/hooks/a?x=1&x=2" {
		t.Errorf("first entry %+v", e)
	}
	// Flags after the IDs; IDs in the order given.
	code, out, _ = runX("export", "3", "1", "--format", "curl", "--db", db)
	if code != ExitOK || strings.Count(out, "\ncurl '") != 2 || strings.Index(out, "/ping") > strings.Index(out, "/hooks/a") {
		t.Fatalf("curl: exit %d\n%s", code, out)
	}
	code, out, _ = runX("export", "--db", db, "--format", "raw", "2")
	if code != ExitOK || !strings.HasPrefix(out, "### hookscope request 2 ") || !strings.Contains(out, "\r\n\r\n\xff\x00\xfe'\n") {
		t.Fatalf("raw: exit %d\n%q", code, out)
	}
}

func TestExportErrors(t *testing.T) {
	db := exchangeStore(t, exchangeRecords())
	for _, args := range [][]string{
		{"export", "--db", db, "--format", "har", "1", "99"},
		{"export", "--db", db, "--format", "xml"},
		{"export", "--db", db},
		{"export", "--db", db, "--format", "raw", "abc"},
	} {
		code, out, errOut := runX(args...)
		if code != ExitError || out != "" || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	_, _, errOut := runX("export", "--db", db, "--format", "har", "99")
	if !strings.Contains(errOut, "no request 99") {
		t.Errorf("unknown ID message: %q", errOut)
	}
}

// TestExportStreamsPages crosses the page size, so the paging loop's
// hand-over from one page to the next is exercised.
func TestExportStreamsPages(t *testing.T) {
	db := filepath.Join(t.TempDir(), "many.db")
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range exportPage + 10 {
		wg.Go(func() {
			rec := exchangeRecords()[2]
			rec.Path = fmt.Sprintf("/p/%d", i)
			if _, err := st.Append(context.Background(), rec); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	st.Close()
	code, out, _ := runX("export", "--db", db, "--format", "raw")
	if code != ExitOK || strings.Count(out, "### hookscope request ") != exportPage+10 {
		t.Fatalf("exit %d, %d requests", code, strings.Count(out, "### hookscope request "))
	}
}

func TestExportImportEachFormat(t *testing.T) {
	src := exchangeStore(t, exchangeRecords())
	for _, format := range []string{"har", "raw", "curl"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := runX("export", "--db", src, "--format", format)
			if code != ExitOK {
				t.Fatalf("export: %s", errOut)
			}
			file := filepath.Join(t.TempDir(), "in."+format)
			if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			dst := exchangeStore(t, exchangeRecords()[:1]) // so the new IDs start at 2
			code, out, errOut = runX("import", file, "--db", dst)
			if want := "imported 3 requests as #2–#4 (" + format + ")\n"; code != ExitOK || out != want || errOut != "" {
				t.Fatalf("import: exit %d, %q (want %q), %q", code, out, want, errOut)
			}
			got := readStore(t, dst)[1:]
			for i, want := range exchangeRecords() {
				checkImported(t, format, want, got[i])
			}
		})
	}
}

func checkImported(t *testing.T, format string, want, got *storage.Record) {
	t.Helper()
	if got.Method != want.Method || got.Path != want.Path || got.RawQuery != want.RawQuery || got.Host != want.Host || !bytes.Equal(got.Body, want.Body) {
		t.Errorf("%s: got %s %s?%s %s %q", format, got.Method, got.Path, got.RawQuery, got.Host, got.Body)
	}
	if fmt.Sprint(got.Header) != fmt.Sprint(want.Header) {
		t.Errorf("%s: headers %v, want %v", format, got.Header, want.Header)
	}
	if format != "curl" && (got.RemoteAddr != want.RemoteAddr || !got.ReceivedAt.Equal(want.ReceivedAt)) {
		t.Errorf("%s: remote %s at %v", format, got.RemoteAddr, got.ReceivedAt)
	}
}

func TestImportOneCurlAndWarnings(t *testing.T) {
	db := exchangeStore(t, nil)
	file := filepath.Join(t.TempDir(), "cmd.sh")
	os.WriteFile(file, []byte("curl -sS --frobnicate 'http://h/x' \\\n  -H 'A: b' -d 'k=v'\n"), 0o600)
	code, out, errOut := runX("import", "--db", db, file)
	if code != ExitOK || out != "imported 1 request as #1 (curl)\n" || !strings.Contains(errOut, "--frobnicate") {
		t.Fatalf("exit %d, %q, %q", code, out, errOut)
	}
	rec := readStore(t, db)[0]
	if rec.Method != "POST" || string(rec.Body) != "k=v" || rec.RemoteAddr != "imported" {
		t.Errorf("record %+v %q", rec.Summary, rec.Body)
	}
}

func TestImportErrors(t *testing.T) {
	db := exchangeStore(t, nil)
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.txt")
	os.WriteFile(junk, []byte("hello there\n"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "--db", db, junk}, "expected a HAR file"},
		{[]string{"import", "--db", db, filepath.Join(dir, "missing.har")}, "cannot read"},
		{[]string{"import", "--db", db}, "one file"},
	} {
		code, out, errOut := runX(tc.args...)
		if code != ExitError || out != "" || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, %q, %q", tc.args, code, out, errOut)
		}
	}
	if n := len(readStore(t, db)); n != 0 {
		t.Errorf("%d requests stored by failed imports", n)
	}
}

// TestExportRedactsUnlessIncludeSecrets runs every format with and without
// --include-secrets (before and after the IDs, as every flag may stand).
func TestExportRedactsUnlessIncludeSecrets(t *testing.T) {
	rec := exchangeRecords()[2]
	rec.RawQuery = "access_token=LEAK-query&page=2"
	rec.Header = http.Header{
		"Authorization":    {"Bearer LEAK-bearer"},
		"Cookie":           {"sid=LEAK-cookie"},
		"X-Gitlab-Token":   {"LEAK-gitlab"},
		"Stripe-Signature": {"t=1,v1=SIGKEEP"},
		"Accept":           {"*/*"},
	}
	db := exchangeStore(t, []*storage.Record{rec})
	for _, format := range []string{"har", "curl", "raw"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := runX("export", "--db", db, "--format", format)
			if code != ExitOK || errOut != "" {
				t.Fatalf("exit %d, %s", code, errOut)
			}
			if strings.Contains(out, "LEAK") || !strings.Contains(out, "[redacted by hookscope]") || !strings.Contains(out, "SIGKEEP") {
				t.Errorf("default export does not redact secrets and keep signatures:\n%s", out)
			}
			for _, args := range [][]string{
				{"export", "--db", db, "--format", format, "--include-secrets"},
				{"export", "--include-secrets", "1", "--db", db, "--format", format},
			} {
				code, out, errOut = runX(args...)
				if code != ExitOK || errOut != "" {
					t.Fatalf("%v: exit %d, %s", args, code, errOut)
				}
				for _, want := range []string{"LEAK-bearer", "LEAK-cookie", "LEAK-gitlab", "LEAK-query", "SIGKEEP"} {
					if !strings.Contains(out, want) {
						t.Errorf("%v: no %s in\n%s", args, want, out)
					}
				}
				if strings.Contains(out, "redacted by hookscope") {
					t.Errorf("%v: redacted anyway:\n%s", args, out)
				}
			}
		})
	}
}

// TestImportRedactedExport: the placeholder is only a value, so a redacted
// export goes back in.
func TestImportRedactedExport(t *testing.T) {
	rec := exchangeRecords()[0]
	rec.Header = rec.Header.Clone()
	rec.Header["Authorization"] = []string{"Bearer LEAK"}
	src := exchangeStore(t, []*storage.Record{rec})
	code, out, _ := runX("export", "--db", src, "--format", "raw")
	if code != ExitOK {
		t.Fatal("export failed")
	}
	file := filepath.Join(t.TempDir(), "redacted.txt")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := exchangeStore(t, nil)
	if code, out, errOut := runX("import", file, "--db", dst); code != ExitOK {
		t.Fatalf("import: exit %d %q %q", code, out, errOut)
	}
	got := readStore(t, dst)[0]
	if got.Header.Get("Authorization") != "[redacted by hookscope]" || !bytes.Equal(got.Body, rec.Body) {
		t.Errorf("imported %v %q", got.Header, got.Body)
	}
}

// TestHARExportHasTheRuleAnswerOnEitherSide: the HAR response of a request
// a response rule answered is that answer, headers and body, exported
// through the running instance and from the file alike.
func TestHARExportHasTheRuleAnswerOnEitherSide(t *testing.T) {
	db := filepath.Join(t.TempDir(), "answers.db")
	url, stop := startServe(t, db)
	if code, _, errOut := run("rules", "add", "--path", "/r", "--status", "201", "--header", "X-Rule: yes", "--body", `{"got":{{.ID}}}`, "--db", db); code != 0 {
		t.Fatalf("rules add: %s", errOut)
	}
	resp, err := http.Post(url+"/r", "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("the rule answered %d", resp.StatusCode)
	}
	postTo(t, url, "POST", "/other", "application/json", []byte(`{"a":2}`), nil)
	code, throughServe, errOut := run("export", "--format", "har", "--db", db)
	if code != 0 {
		t.Fatalf("export through serve: %d %q", code, errOut)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	code, fromFile, errOut := run("export", "--format", "har", "--db", db)
	if code != 0 || fromFile != throughServe {
		t.Fatalf("export from the file: %d %q\n--- file\n%s\n--- serve\n%s", code, errOut, fromFile, throughServe)
	}
	var doc struct {
		Log struct {
			Entries []struct {
				Response struct {
					Status  int `json:"status"`
					Headers []struct{ Name, Value string }
					Content struct {
						MimeType string `json:"mimeType"`
						Text     string `json:"text"`
					} `json:"content"`
				} `json:"response"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal([]byte(fromFile), &doc); err != nil || len(doc.Log.Entries) != 2 {
		t.Fatalf("%v\n%s", err, fromFile)
	}
	ruled, plain := doc.Log.Entries[0].Response, doc.Log.Entries[1].Response
	if ruled.Status != 201 || ruled.Content.Text != `{"got":1}` || ruled.Content.MimeType != "application/json" ||
		!strings.Contains(fmt.Sprint(ruled.Headers), "{X-Rule yes}") {
		t.Errorf("the rule's answer: %+v", ruled)
	}
	if plain.Status != 200 || plain.Content.Text != `{"ok":true,"id":2}`+"\n" {
		t.Errorf("the default answer: %+v", plain)
	}
}
