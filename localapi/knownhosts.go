package localapi

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// The known-hosts file pins each remote's certificate, one line per
// HOST:PORT: "HOST:PORT FINGERPRINT", the fingerprint as serve prints it.
// Lines starting with # and blank lines are kept as they are. It is this
// user's own, mode 0600: whoever could write it could pin their own
// certificate.

// DefaultKnownHostsPath is hookscope/known_hosts in the user's config
// folder ($XDG_CONFIG_HOME, else ~/.config on Linux).
func DefaultKnownHostsPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the folder for the known-hosts file: %w", err)
	}
	return filepath.Join(dir, "hookscope", "known_hosts"), nil
}

// KnownHost is one pinned certificate.
type KnownHost struct{ HostPort, Fingerprint string }

const knownHostsHint = "remove it (pins are made again on the next connection) or run chmod 600 on it"

// readKnownHosts returns the file's content, nil when there is none. A
// file another user owns or could write is refused.
func readKnownHosts(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open the known-hosts file %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("check the known-hosts file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, untrustedError(fmt.Sprintf("the known-hosts file %s is not a regular file: move it aside", path))
	}
	if err := checkPrivateHint("known-hosts file", path, fi, knownHostsHint); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the known-hosts file %s: %w", path, err)
	}
	return b, nil
}

// KnownHosts lists the pins in the file at path, in file order.
func KnownHosts(path string) ([]KnownHost, error) {
	b, err := readKnownHosts(path)
	if err != nil {
		return nil, err
	}
	var out []KnownHost
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if h, ok := parseKnownHost(sc.Text()); ok {
			out = append(out, h)
		}
	}
	return out, nil
}

func parseKnownHost(line string) (KnownHost, bool) {
	f := strings.Fields(line)
	if len(f) != 2 || strings.HasPrefix(f[0], "#") {
		return KnownHost{}, false
	}
	return KnownHost{HostPort: f[0], Fingerprint: strings.ToUpper(f[1])}, true
}

// lookupKnownHost is the fingerprint pinned for hostport, "" when none.
func lookupKnownHost(path, hostport string) (string, error) {
	list, err := KnownHosts(path)
	if err != nil {
		return "", err
	}
	for _, h := range list {
		if strings.EqualFold(h.HostPort, hostport) {
			return h.Fingerprint, nil
		}
	}
	return "", nil
}

// appendKnownHost pins fp for hostport. An append of one short line is
// atomic, so two clients pinning at once both land.
func appendKnownHost(path, hostport, fp string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("make the folder of the known-hosts file %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("pin %s in the known-hosts file %s: %w", hostport, path, err)
	}
	_, err = fmt.Fprintf(f, "%s %s\n", hostport, fp)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pin %s in the known-hosts file %s: %w", hostport, path, err)
	}
	return nil
}

// ForgetKnownHost removes the pin of hostport from the file at path, so
// the next connection pins whatever certificate it finds. It reports
// whether there was one; other lines are kept as they were.
func ForgetKnownHost(path, hostport string) (bool, error) {
	b, err := readKnownHosts(path)
	if err != nil || b == nil {
		return false, err
	}
	var kept bytes.Buffer
	found := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if h, ok := parseKnownHost(sc.Text()); ok && strings.EqualFold(h.HostPort, hostport) {
			found = true
			continue
		}
		kept.WriteString(sc.Text() + "\n")
	}
	if !found {
		return false, nil
	}
	// Written beside it and renamed over it: a crash leaves the old file or
	// the new one, never half of one.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".known_hosts-*")
	if err != nil {
		return false, fmt.Errorf("rewrite the known-hosts file %s: %w", path, err)
	}
	_, err = tmp.Write(kept.Bytes())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return false, fmt.Errorf("rewrite the known-hosts file %s: %w", path, err)
	}
	return true, nil
}
