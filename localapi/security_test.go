package localapi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"dev.hookscope/localapi/apitest"
)

// nobody is the uid (and gid) the tests give planted files and helper
// processes: another local user.
const nobody = 65534

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to give files to another user (uid 65534) or run a process as one")
	}
}

// sharedDir is a folder like /tmp: anyone may create files in it, the
// sticky bit keeps them from removing each other's.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "hookscope-shared-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o1777); err != nil {
		t.Fatal(err)
	}
	return dir
}

func wantUntrusted(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want the refusal %q", want)
	}
	if !errors.Is(err, ErrUntrusted) || err.Error() != want {
		t.Fatalf("error %q (untrusted: %v), want %q", err, errors.Is(err, ErrUntrusted), want)
	}
}

const someToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestPlantedTokenFileOpenToOthersIsRefused(t *testing.T) {
	db := filepath.Join(sharedDir(t), "x.db")
	core := openCore(t, db)
	tok := TokenPath(db)
	if err := os.WriteFile(tok, []byte(someToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tok, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Start(core, Options{TCPAddr: "127.0.0.1:0"})
	wantUntrusted(t, err, "the API token file "+tok+" is open to other users (mode 0644): remove it or use --db in a private folder")
	if b, _ := os.ReadFile(tok); string(b) != someToken+"\n" {
		t.Fatalf("the refused file was changed: %q", b)
	}
	if _, err := os.Lstat(SocketPath(db)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the socket was left behind by the failed start: %v", err)
	}
	// Only read by the group: still refused.
	os.Chmod(tok, 0o640)
	_, err = Start(core, Options{TCPAddr: "127.0.0.1:0"})
	wantUntrusted(t, err, "the API token file "+tok+" is open to other users (mode 0640): remove it or use --db in a private folder")
}

func TestPlantedTokenFileOfAnotherUserIsRefused(t *testing.T) {
	needRoot(t)
	db := filepath.Join(sharedDir(t), "x.db")
	core := openCore(t, db)
	tok := TokenPath(db)
	if err := os.WriteFile(tok, []byte(someToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(tok, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	_, err := Start(core, Options{TCPAddr: "127.0.0.1:0"})
	wantUntrusted(t, err, "the API token file "+tok+" is owned by uid 65534, not you: remove it or use --db in a private folder")
}

func TestTokenFileSymlinkIsNeverFollowed(t *testing.T) {
	dir := sharedDir(t)
	db := filepath.Join(dir, "x.db")
	core := openCore(t, db)
	tok := TokenPath(db)
	// A dangling link: following it would create the file it names.
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.Symlink(victim, tok); err != nil {
		t.Fatal(err)
	}
	_, err := Start(core, Options{TCPAddr: "127.0.0.1:0"})
	wantUntrusted(t, err, "the API token file "+tok+" is a symbolic link: remove it or use --db in a private folder")
	if _, err := os.Lstat(victim); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the link was followed: %v", err)
	}
	// A link to a private file of ours holding a token: not read either.
	os.WriteFile(victim, []byte(someToken), 0o600)
	_, err = Start(core, Options{TCPAddr: "127.0.0.1:0"})
	wantUntrusted(t, err, "the API token file "+tok+" is a symbolic link: remove it or use --db in a private folder")
}

func TestTokenFileIsCreatedPrivateAndKept(t *testing.T) {
	dir := sharedDir(t)
	db := filepath.Join(dir, "x.db")
	core := openCore(t, db)
	tok := TokenPath(db)
	old := syscall.Umask(0) // a loose umask must not loosen the file
	srv, err := Start(core, Options{TCPAddr: "127.0.0.1:0"})
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	first := srv.token
	srv.Close()
	fi, err := os.Lstat(tok)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file %v %v", fi, err)
	}
	b, _ := os.ReadFile(tok)
	if len(first) != 64 || string(b) != first+"\n" {
		t.Fatalf("token %q, file %q", first, b)
	}
	srv, err = Start(core, Options{TCPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if srv.token != first {
		t.Fatal("a restart changed the token")
	}
	srv.Close()
	// Our own private file too short to be a token is replaced.
	os.WriteFile(tok, []byte("short\n"), 0o600)
	srv, err = Start(core, Options{TCPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	b, _ = os.ReadFile(tok)
	if len(srv.token) != 64 || srv.token == first || string(b) != srv.token+"\n" {
		t.Fatalf("short token not replaced: %q, file %q", srv.token, b)
	}
}

func TestStartRefusesASocketOfAnotherUser(t *testing.T) {
	needRoot(t)
	db := filepath.Join(sharedDir(t), "x.db")
	core := openCore(t, db)
	p := apitest.PlantSocket(t, SocketPath(db))
	_, err := Start(core, Options{})
	wantUntrusted(t, err, "the API socket "+SocketPath(db)+" is owned by uid 65534, not you: remove it or use --db in a private folder")
	if n := p.ConnectionsSoFar(t); n != 0 {
		t.Fatalf("start dialed the planted socket %d times", n)
	}
	if fi, err := os.Lstat(SocketPath(db)); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("the planted socket was touched: %v", err)
	}
}

func TestDialRefusesASocketOfAnotherUser(t *testing.T) {
	needRoot(t)
	db := filepath.Join(sharedDir(t), "x.db")
	p := apitest.PlantSocket(t, SocketPath(db))
	_, err := Dial(db)
	wantUntrusted(t, err, "the API socket "+SocketPath(db)+" is owned by uid 65534, not you: remove it or use --db in a private folder")
	if n := p.ConnectionsSoFar(t); n != 0 {
		t.Fatalf("the client connected %d times to a socket it refuses", n)
	}
}

func TestDialRefusesWhatIsNotAPrivateSocket(t *testing.T) {
	dir := sharedDir(t)
	db := filepath.Join(dir, "x.db")
	sock := SocketPath(db)
	if _, err := Dial(db); !errors.Is(err, ErrUnreachable) || errors.Is(err, ErrUntrusted) {
		t.Fatalf("no socket: %v", err)
	}
	os.WriteFile(sock, nil, 0o600)
	_, err := Dial(db)
	wantUntrusted(t, err, "the API socket "+sock+" is not a socket: remove it or use --db in a private folder")
	os.Remove(sock)

	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	os.Chmod(sock, 0o666)
	_, err = Dial(db)
	wantUntrusted(t, err, "the API socket "+sock+" is open to other users (mode 0666): remove it or use --db in a private folder")
}

// TestPeerUIDOfASocketpair checks the credential function itself on both
// ends of a connected pair made by this process.
func TestPeerUIDOfASocketpair(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), fmt.Sprintf("pair%d", i))
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		uid, err := peerUID(c)
		if err != nil || uid != os.Geteuid() {
			t.Fatalf("end %d: uid %d, %v; want %d", i, uid, err, os.Geteuid())
		}
		if err := checkPeer(c, "pair"); err != nil {
			t.Fatalf("end %d: %v", i, err)
		}
		c.Close()
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	c, err := net.Dial("tcp", tcp.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := peerUID(c); err == nil {
		t.Fatal("peerUID answered for a TCP connection")
	}
}

// The helper is this test binary run again under setpriv as uid 65534.
const (
	helperEnv  = "HOOKSCOPE_LOCALAPI_PEER_HELPER"
	helperSock = "HOOKSCOPE_LOCALAPI_PEER_SOCK"
)

// peerHelper is the other user's process. With
// HOOKSCOPE_LOCALAPI_PEER_HELPER=listen it listens on
// $HOOKSCOPE_LOCALAPI_PEER_SOCK, says "ready", then for each connection
// says how many bytes it received before the other end closed it, until
// stdin closes. With =connect it asks for /v1/ping on that socket and says
// whether it connected and what it got back.
func peerHelper() int {
	if os.Getenv(helperEnv) == "connect" {
		return peerConnect()
	}
	ln, err := net.Listen("unix", os.Getenv(helperSock))
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	defer ln.Close()
	go func() {
		io.Copy(io.Discard, os.Stdin)
		ln.Close()
	}()
	fmt.Println("ready")
	for {
		c, err := ln.Accept()
		if err != nil {
			return 0
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := io.Copy(io.Discard, c)
		c.Close()
		fmt.Printf("connection: %d bytes, %v\n", n, err)
	}
}

func peerConnect() int {
	c, err := net.Dial("unix", os.Getenv(helperSock))
	if err != nil {
		fmt.Println("dial error:", err)
		return 1
	}
	defer c.Close()
	fmt.Println("connected")
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /v1/ping HTTP/1.1\r\nHost: hookscope\r\nConnection: close\r\n\r\n")
	answer, err := io.ReadAll(c)
	fmt.Printf("answer: %q, %v\n", answer, err)
	return 0
}

// asNobody runs cmd as uid/gid 65534 with no supplementary groups.
func asNobody(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	needRoot(t)
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv (util-linux) to run a process as another user")
	}
	return exec.Command(setpriv, append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", name}, args...)...)
}

// helperBinary is a copy of this test binary that uid 65534 may run.
func helperBinary(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "hookscope-helper-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	in, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	bin := filepath.Join(dir, "helper")
	out, err := os.OpenFile(bin, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestDialRefusesAServerOfAnotherUser runs a socket server as uid 65534 and
// checks that the client sends it nothing: not when the socket file is
// theirs, and not when the file has been made to look like ours, which only
// the peer's credentials give away.
func TestDialRefusesAServerOfAnotherUser(t *testing.T) {
	cmd := asNobody(t, helperBinary(t))
	db := filepath.Join(sharedDir(t), "x.db")
	sock := SocketPath(db)
	cmd.Env = append(os.Environ(), helperEnv+"=listen", helperSock+"="+sock)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	defer func() {
		stdin.Close()
		for range lines {
		}
		cmd.Wait()
	}()
	next := func(what string) string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the helper ended before %s", what)
			}
			return l
		case <-time.After(10 * time.Second):
			t.Fatalf("the helper said nothing of %s in 10s", what)
		}
		return ""
	}
	if l := next("listening"); l != "ready" {
		t.Fatalf("helper: %q", l)
	}
	fi, err := os.Lstat(sock)
	if err != nil || fi.Sys().(*syscall.Stat_t).Uid != nobody {
		t.Fatalf("the helper's socket: %v %v", fi, err)
	}

	_, err = Dial(db)
	wantUntrusted(t, err, "the API socket "+sock+" is owned by uid 65534, not you: remove it or use --db in a private folder")

	// The file made ours and private: the server's uid still shows.
	if err := os.Chown(sock, os.Geteuid(), os.Getegid()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sock, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Dial(db)
	wantUntrusted(t, err, "the API socket "+sock+" is served by uid 65534, not you: remove it or use --db in a private folder")
	// One connection (the second Dial's; the first never connected), and
	// not one byte sent on it.
	if l := next("the refused connection"); !strings.HasPrefix(l, "connection: 0 bytes,") {
		t.Fatalf("the client sent something to another user's server: %q", l)
	}
	stdin.Close()
	for l := range lines {
		t.Errorf("more connections than the refused one: %q", l)
	}
}

// TestServerDropsConnectionsFromAnotherUser loosens the socket's mode so
// that uid 65534 can connect at all, and checks that the server answers it
// nothing, while answering a process of its own user the same way run.
func TestServerDropsConnectionsFromAnotherUser(t *testing.T) {
	bin := helperBinary(t)
	dir, err := os.MkdirTemp("", "hookscope-peer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	core := openCore(t, filepath.Join(dir, "x.db"))
	srv, err := Start(core, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := os.Chmod(srv.SocketPath(), 0o666); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), helperEnv+"=connect", helperSock+"="+srv.SocketPath())

	other := asNobody(t, bin)
	other.Env = env
	out, err := other.CombinedOutput()
	// Connected (so the mode let it in), then dropped without a byte.
	if err != nil || !strings.HasPrefix(string(out), "connected\nanswer: \"\", ") {
		t.Fatalf("uid 65534: %v %s", err, out)
	}
	own := exec.Command(bin)
	own.Env = env
	out, err = own.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "connected\nanswer: \"HTTP/1.1 200 OK") || !strings.Contains(string(out), `\"ok\":true`) {
		t.Fatalf("our own uid: %v %s", err, out)
	}
}
