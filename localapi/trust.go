package localapi

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// The token file and the socket sit beside the database, which may be in a
// folder other users can write to (/tmp). Anything found there that another
// user could have planted, or can read, is refused rather than used.

// ErrUntrusted is matched (errors.Is) by the errors for a token file or a
// socket that is not this user's own and private, or whose server runs as
// another user.
var ErrUntrusted = errors.New("the local API's files are not this user's own")

// untrustedError is one sentence saying what was found and what to do.
type untrustedError string

func (e untrustedError) Error() string        { return string(e) }
func (e untrustedError) Is(target error) bool { return target == ErrUntrusted }

const privateHint = "remove it or use --db in a private folder"

// checkPrivate refuses a file not owned by the effective user or with any
// group or other permission bit set. what names the file in the sentence.
func checkPrivate(what, path string, fi os.FileInfo) error {
	return checkPrivateHint(what, path, fi, privateHint)
}

// checkPrivateHint is checkPrivate with its own advice after the colon.
func checkPrivateHint(what, path string, fi os.FileInfo, hint string) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return untrustedError(fmt.Sprintf("the %s %s has no owner this system reports: %s", what, path, hint))
	}
	if uid := int(st.Uid); uid != os.Geteuid() {
		return untrustedError(fmt.Sprintf("the %s %s is owned by uid %d, not you: %s", what, path, uid, hint))
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return untrustedError(fmt.Sprintf("the %s %s is open to other users (mode %04o): %s", what, path, perm, hint))
	}
	return nil
}

// checkSocketFile refuses a socket path that is not a socket owned by this
// user with no group or other permissions. A missing socket is
// ErrUnreachable: nothing is serving.
func checkSocketFile(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w at %s: no socket there", ErrUnreachable, path)
	}
	if err != nil {
		return fmt.Errorf("%w at %s: %v", ErrUnreachable, path, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return untrustedError(fmt.Sprintf("the API socket %s is not a socket: %s", path, privateHint))
	}
	return checkPrivate("API socket", path, fi)
}

// checkPeer is the client's check, before it sends anything, that the
// process serving path runs as this user.
func checkPeer(c net.Conn, path string) error {
	uid, err := peerUID(c)
	if errors.Is(err, errPeerUnsupported) {
		// The socket file's owner, checked before dialing, is all there is.
		return nil
	}
	if err != nil {
		return untrustedError(fmt.Sprintf("cannot tell who serves the API socket %s (%v): %s", path, err, privateHint))
	}
	if uid != os.Geteuid() {
		return untrustedError(fmt.Sprintf("the API socket %s is served by uid %d, not you: %s", path, uid, privateHint))
	}
	return nil
}

// errPeerUnsupported: this system cannot say who is at the other end of a
// Unix socket.
var errPeerUnsupported = errors.New("peer credentials are not available on this system")

// sameUserListener drops, unanswered, every connection from a process that
// does not run as this one's effective user. The socket file is mode 0600
// already; this also holds if someone loosens it.
type sameUserListener struct {
	net.Listener
	uid int
}

func (l sameUserListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, err := peerUID(c)
		if errors.Is(err, errPeerUnsupported) || (err == nil && uid == l.uid) {
			return c, nil
		}
		c.Close()
	}
}
