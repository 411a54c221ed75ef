package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/zalando/go-keyring"

	"dev.hookscope/localapi"
)

// A remote's token may live in the OS keyring (Secret Service on Linux,
// Keychain on macOS, Credential Manager on Windows) instead of a file
// (docs/cli.md, "Remote stores"): `hookscope remote login URL` stores it
// there under the remote's HOST:PORT, and --remote without --token-file
// looks there.

// keyringService is the service name tokens are kept under.
const keyringService = "hookscope"

// keyringKey is the keyring's user name for a remote: HOST:PORT, and the
// path when a proxy serves the API under one.
func keyringKey(remote string) (string, error) {
	u, hostport, err := localapi.ParseRemote(remote)
	if err != nil {
		return "", err
	}
	return hostport + strings.TrimSuffix(u.Path, "/"), nil
}

// keyringToken is the token kept for remote; found is false when none is
// kept or there is no keyring on this machine (err says which it was).
func keyringToken(remote string) (token string, found bool, err error) {
	key, err := keyringKey(remote)
	if err != nil {
		return "", false, err
	}
	token, err = keyring.Get(keyringService, key)
	if errors.Is(err, keyring.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return token, token != "", nil
}

// runRemoteLogin checks a token against the remote and keeps it in the
// keyring; a refused token is not kept.
func runRemoteLogin(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("remote login", flag.ContinueOnError)
	tokenFile := fs.String("token-file", "", "read the token from `FILE` (mode 0600) instead of stdin")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return ExitError, err
	}
	if len(rest) != 1 {
		return ExitError, usagef("remote login takes the remote's URL: hookscope remote login https://HOST:PORT < token")
	}
	remote := rest[0]
	key, err := keyringKey(remote)
	if err != nil {
		return ExitError, usagef("%v", err)
	}
	token, err := loginToken(*tokenFile)
	if err != nil {
		return ExitError, err
	}
	c, err := localapi.DialRemote(localapi.RemoteOptions{URL: remote, Token: token, Notices: env.Stderr})
	if errors.Is(err, localapi.ErrTokenRefused) {
		return ExitError, fmt.Errorf("the remote %s refused the token: it is not one of its tokens, or was revoked; nothing was kept", remote)
	}
	if err != nil {
		return ExitError, fmt.Errorf("cannot check the token with %s, nothing was kept: %w", remote, err)
	}
	c.Close()
	if err := keyring.Set(keyringService, key, token); err != nil {
		return ExitError, fmt.Errorf("cannot keep the token in the OS keyring (%v): use --token-file FILE with each command instead", err)
	}
	fmt.Fprintf(env.Stdout, "kept the token for %s in the OS keyring; --remote %s needs no --token-file now\n", key, remote)
	return ExitOK, nil
}

// loginToken reads the token from file, else the first line of stdin.
func loginToken(file string) (string, error) {
	if file != "" {
		return localapi.ReadTokenFile(file)
	}
	line, err := bufio.NewReader(io.LimitReader(os.Stdin, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read the token from stdin: %w", err)
	}
	token := strings.TrimSpace(line)
	if token == "" {
		return "", usagef("no token on stdin: pipe it in (hookscope remote login URL < file) or give --token-file FILE")
	}
	return token, nil
}

// runRemoteLogout forgets the token kept for a remote.
func runRemoteLogout(env Env, args []string) (int, error) {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return ExitError, usagef("remote logout takes the remote's URL: hookscope remote logout https://HOST:PORT")
	}
	key, err := keyringKey(args[0])
	if err != nil {
		return ExitError, usagef("%v", err)
	}
	err = keyring.Delete(keyringService, key)
	if errors.Is(err, keyring.ErrNotFound) {
		return ExitError, fmt.Errorf("no token is kept for %s in the OS keyring", key)
	}
	if err != nil {
		return ExitError, fmt.Errorf("cannot reach the OS keyring: %w", err)
	}
	fmt.Fprintf(env.Stdout, "forgot the token kept for %s\n", key)
	return ExitOK, nil
}
