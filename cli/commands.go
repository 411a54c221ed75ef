package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"dev.hookscope/app"
	"dev.hookscope/capture"
	"dev.hookscope/localapi"
	"dev.hookscope/storage"
	"dev.hookscope/textutil"
	"dev.hookscope/wire"
)

// storeFlags adds --db to fs.
func storeFlags(fs *flag.FlagSet) *string {
	return fs.String("db", app.DefaultDBPath(), "database file")
}

// WindowOptions are the flags the window takes.
type WindowOptions struct {
	Config  app.Config
	APIAddr string
	// Remote, when set, is the serve the window attaches to instead of
	// opening Config's store (docs/cli.md, "Remote stores").
	Remote string
	target *storeTarget
}

// ParseWindowFlags reads the window's flags: --listen, --db, --max-body,
// or --remote and --token-file.
func ParseWindowFlags(args []string) (WindowOptions, error) {
	fs := flag.NewFlagSet("hookscope", flag.ContinueOnError)
	cfg := listenFlags(fs)
	api := apiFlag(fs)
	// Not targetFlags: listenFlags already has --db.
	t := &storeTarget{fs: fs}
	fs.StringVar(&t.remote, "remote", "", "open the window on the store of a hookscope serve --api-tls elsewhere: `https://HOST:PORT` (default $"+envRemote+")")
	fs.StringVar(&t.tokenFile, "token-file", "", "with --remote: the `FILE` holding the token, mode 0600 (default $"+envTokenFile+")")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return WindowOptions{}, err
	}
	if len(rest) > 0 {
		return WindowOptions{}, usagef("unknown command %q (try hookscope help)", rest[0])
	}
	remote, err := t.resolve()
	if err != nil {
		return WindowOptions{}, err
	}
	opts := WindowOptions{Config: cfg(), APIAddr: *api, Remote: remote, target: t}
	t.db = opts.Config.DBPath
	if remote == "" {
		return opts, nil
	}
	// Attached, the window has no listener and no API of its own: the
	// remote's serve has them, with its own flags.
	var local []string
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "remote" && f.Name != "token-file" {
			local = append(local, "--"+f.Name)
		}
	})
	switch {
	case len(local) == 0:
		return opts, nil
	case t.remote == "" && t.tokenFile == "":
		// $HOOKSCOPE_REMOTE, set for the commands, yields to flags that
		// only a window holding its own store takes, as it yields to --db.
		opts.Remote = ""
		return opts, nil
	}
	return WindowOptions{}, usagef("--remote attaches the window to a serve elsewhere, which has its own listener and API: leave out %s",
		strings.Join(local, ", "))
}

// AttachRemote dials the window's remote as the commands do (the token
// from --token-file, the certificate pinned on first use, a changed one
// refused with the same sentence) and follows its store. The caller
// closes it.
func (o WindowOptions) AttachRemote(stderr io.Writer) (*localapi.RemoteSource, error) {
	if o.Remote == "" || o.target == nil {
		return nil, errors.New("no remote to attach to: give --remote https://HOST:PORT")
	}
	c, err := o.target.dialRemote(Env{Stderr: stderr}, o.Remote)
	if err != nil {
		return nil, err
	}
	_, hostport, err := localapi.ParseRemote(o.Remote)
	if err != nil {
		c.Close()
		return nil, err
	}
	src, err := localapi.Attach(c, hostport, localapi.AttachOptions{})
	if err != nil {
		c.Close()
		return nil, err
	}
	return src, nil
}

// apiFlag adds --api, the optional TCP address of the local API.
func apiFlag(fs *flag.FlagSet) *string {
	return fs.String("api", "", "also serve the local API on this TCP address (bearer token in <db>.token)")
}

// listenFlags adds the listener's flags, shared by serve and the window.
// Values that cannot work (a bad range, a rate of -1) are usage errors
// from the parse itself. Start-up notes go to the process's stderr; serve
// points them at its Env instead.
func listenFlags(fs *flag.FlagSet) func() app.Config {
	listen := fs.String("listen", capture.DefaultAddr, "address to capture on")
	db := storeFlags(fs)
	maxBody := ByteSize(capture.DefaultMaxBody)
	fs.Var(&maxBody, "max-body", "bytes of each body to store")
	var maxInflight ByteSize
	fs.Var(&maxInflight, "max-inflight", "bytes of bodies received at once, across all senders (default 256MiB, at least --max-body; beyond it: 503 with Retry-After, not stored)")
	tlsOn := fs.Bool("tls", false, "serve HTTPS with a self-signed certificate kept in the database (its SHA-256 fingerprint is printed at start)")
	var allow []netip.Prefix
	fs.Func("allow", "accept requests only from these addresses, CIDR[,CIDR...] (others get 403 and are not stored)", func(s string) error {
		p, err := capture.ParseAllow(s)
		allow = append(allow, p...)
		return err
	})
	token := fs.String("token", "", "require `T` as Authorization: Bearer T or X-Hookscope-Token: T (else 401, not stored)")
	// A plain string: a flag.Func error would quote the value, and this
	// one holds a password. The listener checks its form without echoing it.
	basic := fs.String("basic-auth", "", "require HTTP basic auth `user:pass` (else 401, not stored)")
	var rate float64
	fs.Func("rate", "accept at most `N` requests per second (over it: 429 with Retry-After, not stored); 0: no limit", func(s string) error {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil || r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
			return errors.New("give a number of requests per second, like 10 or 0.5")
		}
		rate = r
		return nil
	})
	return func() app.Config {
		return app.Config{DBPath: *db, Listen: *listen, MaxBody: int64(maxBody), MaxInflight: int64(maxInflight),
			TLS: *tlsOn, Allow: allow, Token: *token, BasicAuth: *basic, Rate: rate, Notices: os.Stderr}
	}
}

func runServe(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg := listenFlags(fs)
	api := apiFlag(fs)
	apiTLS := fs.Bool("api-tls", false, "serve --api over HTTPS with a self-signed certificate kept in the database (its SHA-256 fingerprint is printed at start; --remote clients pin it)")
	if err := parseNoArgs(fs, args); err != nil {
		return ExitError, err
	}
	if *apiTLS && *api == "" {
		return ExitError, usagef("--api-tls secures the TCP API, so it needs --api ADDR")
	}
	c := cfg()
	c.Notices = env.Stderr
	core, err := app.Open(c)
	if err != nil {
		return ExitError, err
	}
	core.StartBackground()
	apiServer, err := StartAPI(core, localapi.Options{TCPAddr: *api, TLS: *apiTLS}, env.Stderr)
	if err != nil {
		core.Close()
		return ExitError, err
	}
	if err := core.StartListener(""); err != nil {
		apiServer.Close()
		core.Close()
		return ExitError, err
	}
	fmt.Fprintln(env.Stdout, "listening on "+core.ListenerURL())
	if env.Signals != nil {
		<-env.Signals
	} else {
		select {}
	}
	return stopServing(env, core, apiServer, time.Now().Add(stopWithin))
}

// A signalled serve exits within 5 s: the listener and the local API
// drain side by side under one deadline, then the store is closed.
const (
	// A second short of the promise: a loaded machine (and the race
	// detector) adds to the exit itself; measured 0.7 s over 4.8 s.
	stopWithin = 4000 * time.Millisecond
	// closeStoreWithin is kept after the drain for closing the store.
	closeStoreWithin = 300 * time.Millisecond
)

// stopServing lets requests under way on the listener and the local API
// finish until shortly before stopBy, closes what is left, then closes the
// store. Whatever has not finished by stopBy is left to the process's
// exit: every request answered 2xx is already committed.
func stopServing(env Env, core *app.Core, apiServer *localapi.Server, stopBy time.Time) (int, error) {
	ctx, cancel := context.WithDeadline(context.Background(), stopBy.Add(-closeStoreWithin))
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { apiServer.CloseContext(ctx) })
	wg.Go(func() { core.DrainListener(ctx) })
	wg.Wait()
	closed := make(chan error, 1)
	go func() { closed <- core.Close() }()
	t := time.NewTimer(time.Until(stopBy))
	defer t.Stop()
	select {
	case err := <-closed:
		return ExitOK, err
	case <-t.C:
		fmt.Fprintln(env.Stderr, "hookscope serve: stopped before the database was closed cleanly (work such as queued forwards was still running); every request answered 2xx is already saved")
		return ExitOK, nil
	}
}

func runList(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	store := targetFlags(fs)
	asJSON := fs.Bool("json", false, "JSON Lines")
	if err := parseNoArgs(fs, args); err != nil {
		return ExitError, err
	}
	st, err := store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer st.Close()
	out := bufio.NewWriter(env.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	// Page through so a huge store streams instead of loading at once.
	for after := uint64(0); ; {
		page, err := st.Summaries(after, 1000)
		if err != nil {
			return ExitError, err
		}
		for _, s := range page {
			if *asJSON {
				enc.Encode(wire.NewSummaryJSON(s))
			} else {
				fmt.Fprintf(out, "%d\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.ReceivedAt.Local().Format("2006-01-02 15:04:05"),
					s.Method, s.Path, textutil.HumanSize(s.OriginalSize), s.ContentType)
			}
		}
		if len(page) < 1000 {
			return ExitOK, nil
		}
		after = page[len(page)-1].ID
	}
}

func parseID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, usagef("%q is not a request ID (IDs are positive numbers, see hookscope list)", s)
	}
	return id, nil
}

func runShow(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	store := targetFlags(fs)
	asJSON := fs.Bool("json", false, "one JSON object")
	id, err := parseOneID(fs, args)
	if err != nil {
		return ExitError, err
	}
	st, err := store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer st.Close()
	rec, err := st.Get(id)
	if err != nil {
		return ExitError, err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		return ExitOK, enc.Encode(wire.NewRequestJSON(rec))
	}
	writeHuman(env, rec)
	return ExitOK, nil
}

// writeHeaderLines prints "Name: value" lines, names sorted, repeated
// values in the order they came.
func writeHeaderLines(w io.Writer, h http.Header) {
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[name] {
			fmt.Fprintf(w, "%s: %s\n", name, v)
		}
	}
}

func writeHuman(env Env, rec *storage.Record) {
	w := bufio.NewWriter(env.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "#%d  %s  from %s\n", rec.ID, rec.ReceivedAt.Local().Format(time.RFC3339Nano), rec.RemoteAddr)
	target := rec.Path
	if rec.RawQuery != "" {
		target += "?" + rec.RawQuery
	}
	fmt.Fprintf(w, "%s %s %s\nHost: %s\n", rec.Method, target, rec.Proto, rec.Host)
	writeHeaderLines(w, rec.Header)
	fmt.Fprintln(w)
	switch {
	case len(rec.Body) == 0:
	case textutil.IsText(rec.Body):
		w.Write(rec.Body)
		if rec.Body[len(rec.Body)-1] != '\n' {
			fmt.Fprintln(w)
		}
	default:
		fmt.Fprintf(w, "[binary body, %s; use --json for its bytes]\n", textutil.HumanSize(rec.BodySize))
	}
	if rec.Truncated {
		fmt.Fprintf(w, "[body cut at %s of %s]\n", textutil.HumanSize(rec.BodySize), textutil.HumanSize(rec.OriginalSize))
	}
}

// StartAPI serves the local API for core (the socket always, TCP when
// opt.TCPAddr is set) and says on stderr where, with which tokens, and
// the certificate's fingerprint, keeping stdout for the listening line.
func StartAPI(core *app.Core, opt localapi.Options, stderr io.Writer) (*localapi.Server, error) {
	srv, err := localapi.Start(core, opt)
	if err != nil {
		return nil, err
	}
	localapi.Announce(srv, core.DBPath(), stderr)
	return srv, nil
}
