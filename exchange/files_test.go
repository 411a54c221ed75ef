package exchange

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestZeroOptionsReadNoFile runs every way a curl command can name a file
// through the zero ImportOptions (what the local API uses) with the file
// present in the working directory: each must be refused, by name.
func TestZeroOptionsReadNoFile(t *testing.T) {
	dir := curlDir(t)
	t.Chdir(dir) // a relative name would be found if anything looked
	abs := filepath.Join(dir, "body.json")
	for _, src := range []string{
		`curl -d @body.json http://h/`,
		`curl --data-binary @` + abs + ` http://h/`,
		`curl --data @body.json http://h/`,
		`curl --data-ascii @body.json http://h/`,
		`curl --json @body.json http://h/`,
		`curl -d@body.json http://h/`,
		`curl --data-urlencode name@body.json http://h/`,
		`curl --data-urlencode @body.json http://h/`,
		`curl -F f=@body.json http://h/`,
		`curl -F 'f=<body.json' http://h/`,
		`curl --form 'f=@body.json;type=text/plain' http://h/`,
		`curl -H @body.json http://h/`,
		`curl -T body.json http://h/`,
		`curl --upload-file body.json http://h/`,
		`cat body.json | curl --data-binary @- http://h/`,
		`cat - body.json | curl --data-binary @- http://h/`,
		`curl -d @/etc/passwd http://h/`,
	} {
		res, err := ImportOptions{}.Import([]byte(src))
		var refused *FileRefusedError
		if !errors.As(err, &refused) {
			t.Errorf("%s: got %v, %v; want a FileRefusedError", src, res, err)
			continue
		}
		if !strings.Contains(err.Error(), "cannot read files") || !strings.Contains(err.Error(), "hookscope import FILE") ||
			(refused.Name != "body.json" && refused.Name != abs && refused.Name != "/etc/passwd") {
			t.Errorf("%s: error %q names %q", src, err, refused.Name)
		}
	}
	// Import, the package function, is the zero options too.
	if _, err := Import([]byte(`curl -d @/etc/passwd http://h/`)); err == nil {
		t.Error("Import read /etc/passwd")
	}
}

// TestDirReadsOnlyInside reads files beside the command and refuses every
// way out of the folder: "..", an absolute path, a symbolic link.
func TestDirReadsOnlyInside(t *testing.T) {
	top := t.TempDir()
	dir := filepath.Join(top, "cmds")
	sub := filepath.Join(dir, "sub")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(path, content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "body.json"), `{"in":1}`)
	write(filepath.Join(sub, "deep.txt"), "deep")
	write(filepath.Join(top, "outside.json"), "OUTSIDE")
	if err := os.Symlink(filepath.Join(top, "outside.json"), filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "body.json"), filepath.Join(sub, "inlink.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(top, filepath.Join(dir, "up")); err != nil {
		t.Fatal(err)
	}

	var reads []FileRead
	o := ImportOptions{Dir: dir, OnFile: func(f FileRead) { reads = append(reads, f) }}
	for _, tc := range []struct{ src, body string }{
		{`curl --data-binary @body.json http://h/`, `{"in":1}`},
		{`curl --data-binary @./sub/deep.txt http://h/`, "deep"},
		{`curl --data-binary @sub/../body.json http://h/`, `{"in":1}`},
		{`curl --data-binary @` + filepath.Join(dir, "body.json") + ` http://h/`, `{"in":1}`},
		{`curl --data-binary @sub/inlink.json http://h/`, `{"in":1}`}, // a link that stays inside
		{`cat body.json | curl --data-binary @- http://h/`, `{"in":1}`},
	} {
		reads = nil
		res, err := o.Import([]byte(tc.src))
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if got := string(res.Records[0].Body); got != tc.body {
			t.Errorf("%s: body %q, want %q", tc.src, got, tc.body)
		}
		if len(reads) != 1 || reads[0].Size != int64(len(tc.body)) || reads[0].Use != "body" || !strings.HasPrefix(reads[0].Path, dir) {
			t.Errorf("%s: reads %+v", tc.src, reads)
		}
	}

	reads = nil
	res, err := o.Import([]byte(`curl -H @sub/deep.txt -H 'X: 1' http://h/`))
	if err != nil || len(reads) != 1 || reads[0].Use != "headers" {
		t.Errorf("-H @file: %v, reads %+v", err, reads)
	} else if len(res.Warnings) != 1 { // "deep" has no colon
		t.Errorf("-H @file warnings %q", res.Warnings)
	}

	for _, tc := range []struct{ src, want string }{
		{`curl --data-binary @../outside.json http://h/`, "outside the folder"},
		{`curl --data-binary @sub/../../outside.json http://h/`, "outside the folder"},
		{`curl --data-binary @` + filepath.Join(top, "outside.json") + ` http://h/`, "outside the folder"},
		{`curl --data-binary @/etc/passwd http://h/`, "outside the folder"},
		{`curl --data-binary @link.json http://h/`, "symbolic link"},
		{`curl --data-binary @up/outside.json http://h/`, "symbolic link"},
		{`curl -T link.json http://h/`, "symbolic link"},
		{`cat ../outside.json | curl --data-binary @- http://h/`, "outside the folder"},
		{`curl -F 'f=<../outside.json' http://h/`, "outside the folder"},
		{`curl --data-binary @missing.json http://h/`, "not in the folder"},
		{`curl --data-binary @sub http://h/`, "not a regular file"},
	} {
		reads = nil
		res, err := o.Import([]byte(tc.src))
		if err == nil {
			t.Errorf("%s: read %q", tc.src, res.Records[0].Body)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "OUTSIDE") || len(reads) != 0 {
			t.Errorf("%s: error %q (want %q), reads %+v", tc.src, err, tc.want, reads)
		}
	}
}

// TestFileBudget caps the bytes one curl command reads from files, across
// its files, and checks a big file is refused by its size, not read.
func TestFileBudget(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "six.txt"), []byte("123456"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A sparse file of a gigabyte: reading it whole would take seconds
	// and a gigabyte of memory.
	big, err := os.Create(filepath.Join(dir, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	big.Close()

	o := ImportOptions{Dir: dir, MaxBody: 10}
	if _, err := o.Import([]byte(`curl --data-binary @six.txt http://h/`)); err != nil {
		t.Errorf("6 bytes under a cap of 10: %v", err)
	}
	for _, src := range []string{
		`curl --data-binary @six.txt --data-binary @six.txt http://h/`, // 12 in all
		`cat six.txt six.txt | curl --data-binary @- http://h/`,
		`curl -F a=@six.txt -F b=@six.txt http://h/`,
		`curl --data-binary @big.bin http://h/`,
	} {
		_, err := o.Import([]byte(src))
		if err == nil || !strings.Contains(err.Error(), "--max-body") {
			t.Errorf("%s: %v", src, err)
		}
	}
	// The cap is for one command: the next one starts afresh.
	res, err := o.Import([]byte("curl --data-binary @six.txt http://h/\ncurl --data-binary @six.txt http://h/\n"))
	if err != nil || len(res.Records) != 2 {
		t.Errorf("two commands of 6 bytes each: %v", err)
	}
	// The zero MaxBody still caps files, at DefaultMaxFileRead.
	if _, err := (ImportOptions{Dir: dir}).Import([]byte(`curl --data-binary @big.bin http://h/`)); err == nil {
		t.Error("a 1 GiB file was read with the default cap")
	}
}

// endless is a file that never ends, like /dev/zero or a file that
// grows while it is read; it counts what was taken from it.
type endless struct{ read int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.read += int64(len(p))
	return len(p), nil
}

// TestFileBudgetStopsAtTheCap reads from a file longer than its size said
// (the size check before it passed): the read stops one byte past the
// budget and fails.
func TestFileBudgetStopsAtTheCap(t *testing.T) {
	b := &fileBudget{left: 1000, limit: 1000}
	src := &endless{}
	got, err := b.read(src, "grows.bin")
	if err == nil || !strings.Contains(err.Error(), "--max-body") {
		t.Fatalf("read %d bytes of an endless file: %v", len(got), err)
	}
	// ReadAll asks for 512 bytes at a time; LimitReader cuts the last ask.
	if src.read > 1001+512 {
		t.Errorf("took %d bytes from the file for a budget of 1000", src.read)
	}
	if b.left != 1000 {
		t.Errorf("a refused read spent the budget: %d left", b.left)
	}
	ok := &fileBudget{left: 1000, limit: 1000}
	if data, err := ok.read(strings.NewReader("hello"), "h"); err != nil || string(data) != "hello" || ok.left != 995 {
		t.Errorf("read %q, %v, %d left", data, err, ok.left)
	}
}

func TestMaxBodyCutsLongBodies(t *testing.T) {
	o := ImportOptions{MaxBody: 4}
	res, err := o.Import([]byte("curl -d 0123456789 http://h/\ncurl -d abc http://h/\n"))
	if err != nil {
		t.Fatal(err)
	}
	long, short := res.Records[0], res.Records[1]
	if string(long.Body) != "0123" || !long.Truncated || long.OriginalSize != 10 || long.BodySize != 4 {
		t.Errorf("long body: %q %+v", long.Body, long.Summary)
	}
	if string(short.Body) != "abc" || short.Truncated {
		t.Errorf("short body: %q %+v", short.Body, short.Summary)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "request 1") {
		t.Errorf("warnings %q", res.Warnings)
	}
	// Without MaxBody nothing is cut.
	res, err = ImportOptions{}.Import([]byte("curl -d 0123456789 http://h/"))
	if err != nil || string(res.Records[0].Body) != "0123456789" || res.Records[0].Truncated {
		t.Errorf("uncapped: %v %+v", err, res.Records[0].Summary)
	}
}
