package cli

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dev.hookscope/localapi"
)

// TestAPIImportReadsNoFile sends curl commands naming the server's files
// (/etc/passwd, the API token beside the database, the database itself)
// to POST /v1/import on the socket and on the token-guarded TCP API: each
// is a 400 that names the file and says why, and nothing is stored.
func TestAPIImportReadsNoFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "api.db")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	apiAddr := ln.Addr().String()
	ln.Close()
	_, stop := startServe(t, db, "--api", apiAddr)
	defer stop()
	token, err := os.ReadFile(localapi.TokenPath(db))
	if err != nil {
		t.Fatal(err)
	}
	socket := socketClient(db)
	post := map[string]func(src string) (*http.Response, error){
		"socket": func(src string) (*http.Response, error) {
			return socket.Post("http://hookscope/v1/import", "text/plain", strings.NewReader(src))
		},
		"tcp": func(src string) (*http.Response, error) {
			req, _ := http.NewRequest("POST", "http://"+apiAddr+"/v1/import", strings.NewReader(src))
			req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
			return http.DefaultClient.Do(req)
		},
	}
	for via, send := range post {
		for _, file := range []string{"/etc/passwd", localapi.TokenPath(db), db} {
			for _, src := range []string{
				"curl --data-binary @" + file + " http://h/",
				"curl -F f=@" + file + " http://h/",
				"cat " + file + " | curl --data-binary @- http://h/",
			} {
				resp, err := send(src)
				if err != nil {
					t.Fatal(err)
				}
				var body struct {
					Error string `json:"error"`
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				json.Unmarshal(raw, &body)
				if resp.StatusCode != 400 || !strings.Contains(body.Error, `reads the file "`+file+`"`) ||
					!strings.Contains(body.Error, "an import through the API cannot read files") {
					t.Errorf("%s: %s: %d %s", via, src, resp.StatusCode, raw)
				}
				if strings.Contains(string(raw), "root:") || strings.Contains(string(raw), strings.TrimSpace(string(token))) {
					t.Errorf("%s: %s: the answer holds the file: %s", via, src, raw)
				}
			}
		}
	}
	code, out, errOut := run("list", "--json", "--db", db)
	if code != 0 || strings.TrimSpace(out) != "" {
		t.Errorf("stored after refused imports: exit %d, %q %q", code, out, errOut)
	}
}

// curlFolder is a folder holding cmd.sh (the curl command src) and the
// files it may name, inside a parent holding outside.json.
func curlFolder(t *testing.T, src string) (dir, cmd string) {
	t.Helper()
	top := t.TempDir()
	dir = filepath.Join(top, "cmds")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		filepath.Join(dir, "body.json"):    `{"event":"paid"}`,
		filepath.Join(top, "outside.json"): `{"secret":"OUTSIDE"}`,
		filepath.Join(dir, "cmd.sh"):       src,
	} {
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(top, "outside.json"), filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	return dir, filepath.Join(dir, "cmd.sh")
}

func TestImportCurlReadsFileBesideIt(t *testing.T) {
	db := exchangeStore(t, nil)
	dir, cmd := curlFolder(t, "curl -H 'Content-Type: application/json' --data-binary @body.json http://h/hooks\n")
	code, out, errOut := runX("import", "--db", db, cmd)
	note := "hookscope import: read body from " + filepath.Join(dir, "body.json") + " (16 bytes)\n"
	if code != ExitOK || out != "imported 1 request as #1 (curl)\n" || errOut != note {
		t.Fatalf("exit %d, %q, %q (want the note %q)", code, out, errOut, note)
	}
	recs := readStore(t, db)
	if len(recs) != 1 || string(recs[0].Body) != `{"event":"paid"}` || recs[0].Method != "POST" {
		t.Fatalf("stored %d records: %+v", len(recs), recs)
	}
}

func TestImportCurlRefusesFilesOutsideItsFolder(t *testing.T) {
	for _, tc := range []struct{ name, arg, want string }{
		{"dot-dot", "@../outside.json", "outside the folder"},
		{"absolute", "@" + filepath.Join(os.TempDir(), "..", "etc", "passwd"), "outside the folder"},
		{"symlink", "@link.json", "through a symbolic link"},
		{"upload through a symlink", "-T link.json", "through a symbolic link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := exchangeStore(t, nil)
			arg := tc.arg
			if strings.HasPrefix(arg, "@") {
				arg = "--data-binary " + arg
			}
			_, cmd := curlFolder(t, "curl "+arg+" http://h/\n")
			code, out, errOut := runX("import", "--db", db, cmd)
			if code != ExitError || out != "" || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 ||
				strings.Contains(errOut, "read body") {
				t.Errorf("exit %d, %q, %q", code, out, errOut)
			}
			if n := len(readStore(t, db)); n != 0 {
				t.Errorf("%d requests stored", n)
			}
		})
	}
}

// TestImportCurlFileOverMaxBody names a file of a gigabyte (sparse: it
// costs no disk) and one just over --max-body; both are refused with a
// sentence naming --max-body, and raising it imports the small one.
func TestImportCurlFileOverMaxBody(t *testing.T) {
	db := exchangeStore(t, nil)
	dir, _ := curlFolder(t, "")
	big, err := os.Create(filepath.Join(dir, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	big.Close()
	if err := os.WriteFile(filepath.Join(dir, "2k.txt"), []byte(strings.Repeat("x", 2048)), 0o600); err != nil {
		t.Fatal(err)
	}
	write := func(name, src string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bigCmd := write("big.sh", "curl --data-binary @big.bin http://h/\n")
	twice := write("twice.sh", "curl --data-binary @2k.txt --data-binary @2k.txt http://h/\n")
	for _, args := range [][]string{
		{"import", "--db", db, bigCmd},                         // default 10MiB
		{"import", "--db", db, "--max-body", "1KiB", twice},    // each file over
		{"import", "--db", db, "--max-body", "3KiB", twice},    // the two together over
		{"import", "--max-body", "100MiB", "--db", db, bigCmd}, // still over
	} {
		code, out, errOut := runX(args...)
		// A file read before the one over the limit is noted; the error
		// is the last line.
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != ExitError || out != "" || !strings.Contains(lines[len(lines)-1], "--max-body") {
			t.Errorf("%v: exit %d, %q, %q", args, code, out, errOut)
		}
	}
	if n := len(readStore(t, db)); n != 0 {
		t.Errorf("%d requests stored", n)
	}
	code, out, errOut := runX("import", "--db", db, "--max-body", "5KiB", twice)
	if code != ExitOK || strings.Count(errOut, "(2048 bytes)") != 2 {
		t.Errorf("under the raised limit: exit %d, %q, %q", code, out, errOut)
	}
	if code, _, errOut := runX("import", "--db", db, "--max-body", "lots", twice); code != ExitError || !strings.Contains(errOut, "not a size") {
		t.Errorf("--max-body lots: exit %d, %q", code, errOut)
	}
}

// TestImportCutsLongBodiesToMaxBody imports a body longer than --max-body
// written in the command itself: it is stored cut and marked, as capture
// stores one, with a warning.
func TestImportCutsLongBodiesToMaxBody(t *testing.T) {
	db := exchangeStore(t, nil)
	_, cmd := curlFolder(t, "curl -d "+strings.Repeat("y", 3000)+" http://h/\n")
	code, _, errOut := runX("import", "--db", db, "--max-body", "1KiB", cmd)
	if code != ExitOK || !strings.Contains(errOut, "warning: request 1: its body of 3000 bytes was stored cut") {
		t.Fatalf("exit %d, %q", code, errOut)
	}
	rec := readStore(t, db)[0]
	if len(rec.Body) != 1024 || !rec.Truncated || rec.OriginalSize != 3000 {
		t.Errorf("stored %d bytes, truncated %v, original %d", len(rec.Body), rec.Truncated, rec.OriginalSize)
	}
}

// TestImportFromStdinReadsNoFile: a command on stdin has no folder, so a
// file it names is refused, even one in the working directory.
func TestImportFromStdinReadsNoFile(t *testing.T) {
	db := exchangeStore(t, nil)
	dir, _ := curlFolder(t, "")
	t.Chdir(dir)
	in := filepath.Join(dir, "stdin.sh")
	if err := os.WriteFile(in, []byte("curl --data-binary @body.json http://h/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = saved }()
	code, out, errOut := runX("import", "--db", db, "-")
	if code != ExitError || out != "" || !strings.Contains(errOut, `on stdin reads the file "body.json"`) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("exit %d, %q, %q", code, out, errOut)
	}
	if n := len(readStore(t, db)); n != 0 {
		t.Errorf("%d requests stored", n)
	}
}
