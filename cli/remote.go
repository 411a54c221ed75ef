package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"dev.hookscope/app"
	"dev.hookscope/localapi"
)

// Every command that reads or changes a store finds it with storeTarget:
// --db (the file, or the instance holding it), or --remote, a `serve --api
// ADDR --api-tls` elsewhere, with the token read from --token-file
// (docs/cli.md, "Remote stores"). A token is never a flag's value: any
// user can read those in ps.

const (
	envRemote    = "HOOKSCOPE_REMOTE"
	envTokenFile = "HOOKSCOPE_TOKEN_FILE"
)

// storeTarget holds --db, --remote and --token-file.
type storeTarget struct {
	fs                    *flag.FlagSet
	db, remote, tokenFile string
}

// targetFlags adds --db, --remote and --token-file to fs.
func targetFlags(fs *flag.FlagSet) *storeTarget {
	t := &storeTarget{fs: fs}
	fs.StringVar(&t.db, "db", app.DefaultDBPath(), "database file")
	fs.StringVar(&t.remote, "remote", "", "use the store of a hookscope serve --api-tls elsewhere: `https://HOST:PORT` (default $"+envRemote+")")
	fs.StringVar(&t.tokenFile, "token-file", "", "with --remote: the `FILE` holding the token, mode 0600 (default $"+envTokenFile+")")
	return t
}

// resolve settles the remote after parsing: --remote, else
// $HOOKSCOPE_REMOTE unless --db was given. It returns "" for the file.
func (t *storeTarget) resolve() (string, error) {
	set := map[string]bool{}
	t.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	remote := t.remote
	if set["remote"] && set["db"] {
		return "", usagef("--remote and --db name two stores: give one")
	}
	if !set["remote"] && !set["db"] {
		remote = os.Getenv(envRemote)
	}
	if remote == "" && set["token-file"] {
		return "", usagef("--token-file goes with --remote (or $%s)", envRemote)
	}
	if remote == "" {
		return "", nil
	}
	if _, _, err := localapi.ParseRemote(remote); err != nil {
		return "", usagef("%v", err)
	}
	return remote, nil
}

// isRemote reports whether the command goes to a remote.
func (t *storeTarget) isRemote() bool {
	r, err := t.resolve()
	return err == nil && r != ""
}

// where names the store in messages: the remote's URL or the file.
func (t *storeTarget) where() string {
	if r, err := t.resolve(); err == nil && r != "" {
		return r
	}
	return t.db
}

// open is the backend a command works on: the remote's API, or (as
// openBackend) the running instance's socket or the file itself.
func (t *storeTarget) open(env Env) (Backend, error) {
	remote, err := t.resolve()
	if err != nil {
		return nil, err
	}
	if remote == "" {
		return openBackend(t.db)
	}
	return t.dialRemote(env, remote)
}

// dial is a client of the API serving the store, for commands that need
// a running instance (tail, wait): the remote's, or the socket's. A local
// failure is returned as localapi.Dial gives it, for the caller's sentence.
func (t *storeTarget) dial(env Env) (*localapi.Client, error) {
	remote, err := t.resolve()
	if err != nil {
		return nil, err
	}
	if remote == "" {
		return localapi.Dial(t.db)
	}
	return t.dialRemote(env, remote)
}

func (t *storeTarget) dialRemote(env Env, remote string) (*localapi.Client, error) {
	file := t.tokenFile
	if file == "" {
		file = os.Getenv(envTokenFile)
	}
	var token string
	if file == "" {
		kept, found, kerr := keyringToken(remote)
		if !found {
			why := ""
			if kerr != nil {
				why = fmt.Sprintf(" (no OS keyring here: %v)", kerr)
			}
			return nil, usagef("--remote needs --token-file FILE (or $%s) holding the token, or a token kept with hookscope remote login%s: a token is never given on the command line, where ps shows it", envTokenFile, why)
		}
		token, file = kept, "the OS keyring"
	} else {
		var err error
		if token, err = localapi.ReadTokenFile(file); err != nil {
			return nil, err
		}
	}
	c, err := localapi.DialRemote(localapi.RemoteOptions{URL: remote, Token: token, Notices: env.Stderr})
	if errors.Is(err, localapi.ErrTokenRefused) {
		return nil, fmt.Errorf("the remote %s refused the token in %s: it is not one of its tokens, or was revoked (its admin makes one with hookscope tokens add)", remote, file)
	}
	if errors.Is(err, localapi.ErrUnreachable) {
		return nil, fmt.Errorf("the remote %s did not answer (is hookscope serve --api --api-tls running there?): %w", remote, err)
	}
	return c, err
}

const remoteSynopsis = "remote                                             list the remotes' pinned certificates (HOST:PORT, SHA-256)\n" +
	"  hookscope remote forget HOST:PORT                 drop a pin, so the next connection pins the certificate it finds\n" +
	"  hookscope remote login https://HOST:PORT [--token-file FILE]   keep the token (stdin) in the OS keyring\n" +
	"  hookscope remote logout https://HOST:PORT         forget it"

// runRemote lists or forgets the certificates pinned for remotes.
func runRemote(env Env, args []string) (int, error) {
	if len(args) > 0 && args[0] == "login" {
		return runRemoteLogin(env, args[1:])
	}
	if len(args) > 0 && args[0] == "logout" {
		return runRemoteLogout(env, args[1:])
	}
	fs := flag.NewFlagSet("remote", flag.ContinueOnError)
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return ExitError, err
	}
	sub, rest, err := subcommand("remote", rest, map[string]int{"list": 0, "forget": 1})
	if err != nil {
		return ExitError, err
	}
	path, err := localapi.DefaultKnownHostsPath()
	if err != nil {
		return ExitError, err
	}
	switch sub {
	case "forget":
		found, err := localapi.ForgetKnownHost(path, rest[0])
		if err != nil {
			return ExitError, err
		}
		if !found {
			return ExitError, fmt.Errorf("no certificate is pinned for %s in %s (hookscope remote lists them; give HOST:PORT as pinned)", rest[0], path)
		}
		fmt.Fprintf(env.Stdout, "forgot the certificate pinned for %s; the next connection pins the one it finds\n", rest[0])
		return ExitOK, nil
	}
	list, err := localapi.KnownHosts(path)
	if err != nil {
		return ExitError, err
	}
	if len(list) == 0 {
		fmt.Fprintf(env.Stdout, "no pinned certificates (in %s)\n", path)
		return ExitOK, nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	for _, h := range list {
		fmt.Fprintf(tw, "%s\t%s\n", h.HostPort, h.Fingerprint)
	}
	return ExitOK, tw.Flush()
}
