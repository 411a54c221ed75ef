package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"dev.hookscope/localapi"
)

var (
	tokenRE = regexp.MustCompile(`hks_[0-9a-f]{64}`)
	timeRE  = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?|"created":"[^"]*"`)
)

// TestTokensSameOnEitherSide runs the same tokens commands against the
// file and through a running serve: stdout, stderr and exit codes match,
// but for the tokens themselves and the times they were made.
func TestTokensSameOnEitherSide(t *testing.T) {
	script := [][]string{
		{"tokens"},
		{"tokens", "add", "ci", "--role", "read"},
		{"tokens", "add", "ops", "--role", "admin"},
		{"tokens", "add", "bot", "--role=replay"},
		{"tokens", "add", "ci", "--role", "replay"},
		{"tokens", "add", "x"},
		{"tokens", "add", "x", "--role", "root"},
		{"tokens", "add", "bad/name", "--role", "read"},
		{"tokens", "list"},
		{"tokens", "--json"},
		{"tokens", "revoke", "nobody"},
		{"tokens", "revoke", "ci"},
		{"tokens"},
		{"tokens", "revoke", "ci", "--role", "read"},
		{"tokens", "frobnicate"},
	}
	runAll := func(db string) (got, tokens []string) {
		for _, args := range script {
			code, out, errOut := run(append(args, "--db", db)...)
			tokens = append(tokens, tokenRE.FindAllString(out+errOut, -1)...)
			norm := func(s string) string {
				return timeRE.ReplaceAllString(tokenRE.ReplaceAllString(strings.ReplaceAll(s, db, "DB"), "TOKEN"), "TIME")
			}
			got = append(got, strings.Join(args, " ")+"\nexit "+string(rune('0'+code))+"\nstdout: "+norm(out)+"stderr: "+norm(errOut))
		}
		return got, tokens
	}
	fromFile, fileTokens := runAll(filepath.Join(t.TempDir(), "file.db"))
	sockDB := filepath.Join(t.TempDir(), "sock.db")
	_, stop := startServe(t, sockDB)
	fromServe, serveTokens := runAll(sockDB)
	stop()
	for i := range script {
		if fromFile[i] != fromServe[i] {
			t.Errorf("file and running instance differ:\n--- file\n%s\n--- serve\n%s", fromFile[i], fromServe[i])
		}
	}
	for i, want := range map[int]string{
		0:  "exit 0\nstdout: no API tokens\nstderr: ",
		1:  "exit 0\nstdout: TOKEN\nstderr: hookscope tokens: this is the read token ci; it will not be shown again, so store it now",
		4:  "exit 2\nstdout: stderr: hookscope tokens: a token named ci exists already",
		5:  "exit 2\nstdout: stderr: hookscope tokens: tokens add needs --role read, replay or admin\n",
		6:  `exit 2` + "\nstdout: stderr: hookscope tokens: --role \"root\" is not a role (read, replay or admin)\n",
		7:  "exit 2\nstdout: stderr: hookscope tokens: a token name is 1 to 64 letters",
		8:  "stdout: NAME  ROLE    CREATED              LAST USED\nbot   replay  TIME  never\nci    read    TIME  never\nops   admin   TIME  never\n",
		9:  `stdout: [{"name":"bot","role":"replay",TIME},{"name":"ci","role":"read",TIME},{"name":"ops","role":"admin",TIME}]` + "\n",
		10: "exit 2\nstdout: stderr: hookscope tokens: no token has that name: nobody (hookscope tokens lists them)\n",
		11: "exit 0\nstdout: revoked the token ci\n",
		13: "exit 2\nstdout: stderr: hookscope tokens: --role does not go with tokens revoke\n",
		14: "exit 2\nstdout: stderr: hookscope tokens: unknown tokens command \"frobnicate\"",
	} {
		if !strings.Contains(fromFile[i], want) {
			t.Errorf("step %d:\n%s\nwant it to contain %q", i, fromFile[i], want)
		}
	}
	// The token is on stdout alone, once; nothing else ever prints one.
	if len(fileTokens) != 3 || len(serveTokens) != 3 {
		t.Fatalf("tokens printed: %d from the file, %d through serve; want 3 each", len(fileTokens), len(serveTokens))
	}
	for _, tok := range append(fileTokens, serveTokens...) {
		for _, other := range fromFile {
			if strings.Contains(other, tok) {
				t.Fatalf("a token was printed outside tokens add: %s", other)
			}
		}
	}
}

// syncBuffer is a bytes.Buffer that serve writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServeAPI runs serve with --api on a free port and returns that
// address and the stop function.
func startServeAPI(t *testing.T, db string) (string, func() int) {
	t.Helper()
	var errOut syncBuffer
	stop := make(chan struct{})
	codes := make(chan int, 1)
	go func() {
		codes <- Run(Env{Stdout: io.Discard, Stderr: &errOut, Signals: stop},
			[]string{"serve", "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0", "--db", db})
	}()
	apiLine := regexp.MustCompile(`local API on http://(\S+) `)
	deadline := time.Now().Add(10 * time.Second)
	for apiLine.FindStringSubmatch(errOut.String()) == nil {
		if time.Now().After(deadline) {
			close(stop)
			<-codes
			t.Fatalf("serve never said where its API is: %q", errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return apiLine.FindStringSubmatch(errOut.String())[1], func() int { close(stop); return <-codes }
}

// TestTokensGuardTheTCPAPI: a token made with `tokens add` through the
// socket admits a TCP caller with its role and no more; the refusal is
// the server's sentence, exit 2; a revoked token is refused; the .token
// file's token is still an admin.
func TestTokensGuardTheTCPAPI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "api.db")
	addr, stop := startServeAPI(t, db)
	defer stop()
	code, out, errOut := run("tokens", "add", "support", "--role", "read", "--db", db)
	if code != ExitOK || !tokenRE.MatchString(out) || strings.Count(out, "\n") != 1 {
		t.Fatalf("tokens add: %d %q %q", code, out, errOut)
	}
	readToken := strings.TrimSpace(out)
	overTCP := func(token string) func(string) (Backend, error) {
		return func(string) (Backend, error) { return localapi.DialTCP(addr, token) }
	}
	runWith := func(token string, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		env := Env{Stdout: &out, Stderr: &errOut}
		code, err := tokensWith(env, args, overTCP(token))
		if err != nil {
			// As Run prints it.
			errOut.WriteString("hookscope tokens: " + errorSentence("tokens", err) + "\n")
		}
		return code, out.String(), errOut.String()
	}

	// The read token lists requests, and is refused what needs admin.
	c, err := localapi.DialTCP(addr, readToken)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Summaries(0, 0); err != nil {
		t.Fatalf("a read token cannot list: %v", err)
	}
	for _, args := range [][]string{{"list"}, {"revoke", "support"}, {"add", "mine", "--role", "admin"}} {
		code, out, errOut := runWith(readToken, args...)
		if code != ExitError || out != "" || !strings.HasPrefix(errOut, "hookscope tokens: ") ||
			!strings.HasSuffix(errOut, `needs a token with the admin role; the token "support" has the read role`+"\n") {
			t.Errorf("tokens %v with a read token: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}

	// The .token file's token is an admin, as it always was.
	fileToken, err := os.ReadFile(localapi.TokenPath(db))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runWith(strings.TrimSpace(string(fileToken)), "list")
	if code != ExitOK || !regexp.MustCompile(`(?m)^support +read +\S+ \S+ +\d{4}-\d\d-\d\d \d\d:\d\d$`).MatchString(out) {
		t.Fatalf("tokens list with the token file's token: %d %q %q (want support, read, used)", code, out, errOut)
	}

	// Revoked through the socket: refused at once.
	if code, out, errOut := run("tokens", "revoke", "support", "--db", db); code != ExitOK {
		t.Fatalf("revoke: %d %q %q", code, out, errOut)
	}
	if _, err := c.Summaries(0, 0); err == nil || !strings.Contains(err.Error(), "bearer token is required") {
		t.Fatalf("a revoked token was admitted: %v", err)
	}
}
