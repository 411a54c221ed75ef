package localapi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"

	"dev.hookscope/app"
)

// minTokenLen is the shortest token kept; a shorter file is replaced.
const minTokenLen = 32

// loadOrCreateToken keeps one token per database so scripts can read it.
// The file must be this user's own, mode 0600 or stricter, and not a
// symbolic link; a new one is created exclusively, so nothing planted at
// the path is ever written through or used.
func loadOrCreateToken(path string) (string, error) {
	for range 3 {
		token, found, err := readToken(path)
		if err != nil {
			return "", err
		}
		if found {
			return token, nil
		}
		token, err = createToken(path)
		if errors.Is(err, os.ErrExist) {
			continue // made by someone else since we looked: check theirs
		}
		return token, err
	}
	return "", fmt.Errorf("the API token file %s keeps changing under us: %s", path, privateHint)
}

// readToken returns the token in the file at path. found is false when
// there is no file, or it is ours but too short to be a token (it is then
// removed so a new one can be created).
func readToken(path string) (token string, found bool, err error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("check the API token file %s: %w", path, err)
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return "", false, untrustedError(fmt.Sprintf("the API token file %s is a symbolic link: %s", path, privateHint))
	}
	if !fi.Mode().IsRegular() {
		return "", false, untrustedError(fmt.Sprintf("the API token file %s is not a regular file: %s", path, privateHint))
	}
	if err := checkPrivate("API token file", path, fi); err != nil {
		return "", false, err
	}
	// Open without following a link or blocking on a FIFO, and check what
	// was opened: the path may have been swapped since the Lstat.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("open the API token file %s: %w", path, err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return "", false, fmt.Errorf("check the API token file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return "", false, untrustedError(fmt.Sprintf("the API token file %s is not a regular file: %s", path, privateHint))
	}
	if err := checkPrivate("API token file", path, fi); err != nil {
		return "", false, err
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", false, fmt.Errorf("read the API token file %s: %w", path, err)
	}
	if token = strings.TrimSpace(string(b)); len(token) >= minTokenLen {
		return token, true, nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", false, fmt.Errorf("replace the too-short API token file %s: %w", path, err)
	}
	return "", false, nil
}

// createToken writes a new token to a file that must not exist yet
// (os.ErrExist when something appeared at path meanwhile).
func createToken(path string) (string, error) {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("make an API token: %w", err)
	}
	token := hex.EncodeToString(buf)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if errors.Is(err, os.ErrExist) {
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("write the API token %s: %w", path, err)
	}
	_, err = f.WriteString(token + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", fmt.Errorf("write the API token %s: %w", path, err)
	}
	return token, nil
}

// requireToken admits requests carrying "Authorization: Bearer <token>"
// with the token file's token (admin) or one made by `hookscope tokens
// add` (its role), and marks who they are for guard. The scheme is matched
// in any case (RFC 7235); tokens are compared in constant time.
func (s *Server) requireToken(next http.Handler) http.Handler {
	want := []byte(s.token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		got = strings.TrimLeft(got, " ")
		var who caller
		if strings.EqualFold(scheme, "Bearer") && got != "" {
			if len(want) > 0 && subtle.ConstantTimeCompare([]byte(got), want) == 1 {
				who = caller{name: "token file", role: app.RoleAdmin}
			} else if info, ok := s.core.Authenticate(got); ok {
				who = caller{name: info.Name, role: info.Role}
			}
		}
		if who.role == app.RoleNone {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hookscope"`)
			writeError(w, http.StatusUnauthorized, "a bearer token is required (see the .token file beside the database, or hookscope tokens add)")
			return
		}
		next.ServeHTTP(w, withCaller(r, who))
	})
}
