package cli

import (
	"bufio"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadCommandsSameOnEitherSide: bytes that are not UTF-8 in a path,
// query or header came out exact from the file but as U+FFFD through the
// running instance. Each command runs through a running serve, then
// against the file once it stopped; stdout, stderr and exit code match.
func TestReadCommandsSameOnEitherSide(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sides.db")
	url, stop := startServe(t, db)
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	raw := "POST /bin\xff/p?q=\xfe%20x HTTP/1.1\r\nHost: h\r\nX-Bin: a\xffb\r\nX-Dup: 1\r\nX-Dup: 2\r\nContent-Length: 3\r\n\r\n\x00\xff\x01"
	conn.Write([]byte(raw))
	line, _ := bufio.NewReader(conn).ReadString('\n')
	conn.Close()
	if !strings.Contains(line, "200") {
		t.Fatalf("capture answered %q", line)
	}
	commands := [][]string{
		{"list"}, {"list", "--json"}, {"show", "1"}, {"show", "1", "--json"},
		{"export", "--format", "raw"}, {"export", "--format", "har", "1"}, {"export", "--format", "curl"},
		{"show", "99"}, {"delete", "1", "1", "99"}, {"retention"}, {"rules"}, {"forward"}, {"secrets"},
	}
	runAll := func() []string {
		var out []string
		for _, args := range commands {
			code, o, e := run(append(args, "--db", db)...)
			out = append(out, strings.Join(args, " ")+"\n"+string(rune('0'+code))+"\n"+o+"\n"+e)
		}
		return out
	}
	live := runAll()
	stop()
	file := runAll()
	for i := range commands {
		if live[i] != file[i] {
			t.Errorf("through serve and from the file differ:\n--- serve\n%q\n--- file\n%q", live[i], file[i])
		}
	}
	if !strings.Contains(file[4], "/bin\xff/p?q=\xfe%20x") || !strings.Contains(file[4], "X-Bin: a\xffb") {
		t.Errorf("raw export lost bytes: %q", file[4])
	}
}
