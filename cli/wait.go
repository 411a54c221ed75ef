package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"dev.hookscope/app"
	"dev.hookscope/localapi"
	"dev.hookscope/storage"
	"dev.hookscope/textutil"
	"dev.hookscope/wire"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return fmt.Sprint(*l) }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

type waitFlags struct {
	db, listen, path, method, jsonPath, since string
	headers                                   stringList
	count                                     int
	timeout                                   time.Duration
}

func runWait(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("wait", flag.ContinueOnError)
	var w waitFlags
	fs.StringVar(&w.db, "db", app.DefaultDBPath(), "database file")
	fs.StringVar(&w.listen, "listen", "", "capture here myself instead of asking a running Hookscope")
	fs.StringVar(&w.path, "path", "", "path glob, like /hooks/*")
	fs.StringVar(&w.method, "method", "", "HTTP method")
	fs.Var(&w.headers, "header", `"Name: value" or "Name" (repeatable)`)
	fs.StringVar(&w.jsonPath, "json-path", "", `condition on a JSON body, like 'type == "invoice.paid"'`)
	fs.StringVar(&w.since, "since", "", "only requests with a higher ID (default: the newest when wait starts)")
	fs.IntVar(&w.count, "count", 1, "how many matching requests to wait for")
	fs.DurationVar(&w.timeout, "timeout", 30*time.Second, "give up after this long (exit 1)")
	if err := parseNoArgs(fs, args); err != nil {
		return ExitError, err
	}
	f, err := w.filter()
	if err != nil {
		return ExitError, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
	defer cancel()
	stopOnSignal(ctx, cancel, env.Signals)
	var found []*storage.Record
	if w.listen != "" {
		found, err = w.waitHere(ctx, env, f)
	} else {
		found, err = w.waitRemote(ctx, f)
	}
	enc := json.NewEncoder(env.Stdout)
	for _, rec := range found {
		enc.Encode(wire.NewRequestJSON(rec))
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return ExitNegative, fmt.Errorf("no match within %s: waited for %d request(s) with %s", w.timeout, w.count, f.Describe())
	}
	if err != nil {
		return ExitError, err
	}
	return ExitOK, nil
}

func stopOnSignal(ctx context.Context, cancel func(), signals <-chan struct{}) {
	if signals == nil {
		return
	}
	go func() {
		select {
		case <-signals:
			cancel()
		case <-ctx.Done():
		}
	}()
}

func (w *waitFlags) filter() (app.Filter, error) {
	f := app.Filter{Method: w.method, PathGlob: w.path}
	for _, h := range w.headers {
		hc, err := app.ParseHeaderCond(h)
		if err != nil {
			return f, usagef("%v", err)
		}
		f.Headers = append(f.Headers, hc)
	}
	if w.jsonPath != "" {
		jc, err := app.ParseJSONCond(w.jsonPath)
		if err != nil {
			return f, usagef("%v", err)
		}
		f.JSON = jc
	}
	if w.since != "" {
		id, err := strconv.ParseUint(w.since, 10, 64)
		if err != nil {
			return f, usagef("--since %q is not a request ID", w.since)
		}
		f.SinceID = id
	}
	return f, nil
}

// waitRemote asks the instance holding the store.
func (w *waitFlags) waitRemote(ctx context.Context, f app.Filter) ([]*storage.Record, error) {
	client, err := localapi.Dial(w.db)
	if err != nil {
		return nil, fmt.Errorf("nothing is capturing into %s (start hookscope or hookscope serve with this --db, or give wait --listen ADDR)", w.db)
	}
	defer client.Close()
	q := url.Values{"count": {strconv.Itoa(w.count)}, "timeout": {w.timeout.String()}}
	for k, v := range map[string]string{"method": f.Method, "path": f.PathGlob, "json_path": w.jsonPath, "since": w.since} {
		if v != "" {
			q.Set(k, v)
		}
	}
	for _, h := range w.headers {
		q.Add("header", h)
	}
	return client.Wait(ctx, q)
}

// waitHere captures on --listen itself, waits, and exits.
func (w *waitFlags) waitHere(ctx context.Context, env Env, f app.Filter) ([]*storage.Record, error) {
	core, err := app.Open(app.Config{DBPath: w.db, Listen: w.listen})
	if err != nil {
		return nil, err
	}
	defer core.Close()
	core.StartBackground() // it captures, so it forwards as serve would
	if w.since == "" {
		if f.SinceID, err = core.NewestID(); err != nil {
			return nil, err
		}
	}
	if err := core.StartListener(""); err != nil {
		return nil, err
	}
	// stdout carries only the matches, so the address goes to stderr.
	fmt.Fprintln(env.Stderr, "listening on "+core.ListenerURL())
	return core.Wait(ctx, f, w.count)
}

func runTail(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("tail", flag.ContinueOnError)
	db := storeFlags(fs)
	asJSON := fs.Bool("json", false, "JSON Lines")
	if err := parseNoArgs(fs, args); err != nil {
		return ExitError, err
	}
	client, err := localapi.Dial(*db)
	if err != nil {
		return ExitError, fmt.Errorf("nothing is capturing into %s (start hookscope or hookscope serve with this --db first)", *db)
	}
	defer client.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopOnSignal(ctx, cancel, env.Signals)
	enc := json.NewEncoder(env.Stdout)
	err = client.Events(ctx, func(s storage.Summary) {
		if *asJSON {
			enc.Encode(wire.NewSummaryJSON(s))
			return
		}
		fmt.Fprintf(env.Stdout, "%s  %-7s %s  → %d  %s%s\n", s.ReceivedAt.Local().Format("15:04:05.000"), s.Method, s.Path,
			s.Status, textutil.HumanSize(s.OriginalSize), sigNote(s.Signature))
	})
	if err != nil {
		return ExitError, err
	}
	return ExitOK, nil
}

func sigNote(s storage.SigState) string {
	if s == storage.SigNone {
		return ""
	}
	return "  signature " + s.String()
}

func runDelete(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("delete", flag.ContinueOnError)
	db := storeFlags(fs)
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return ExitError, err
	}
	if len(rest) == 0 {
		return ExitError, usagef("delete takes one or more request IDs")
	}
	ids := make([]uint64, 0, len(rest))
	for _, a := range rest {
		id, err := parseID(a)
		if err != nil {
			return ExitError, err
		}
		// `delete 1 1` deletes one request and says so, on either side.
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	be, err := openBackend(*db)
	if err != nil {
		return ExitError, err
	}
	defer be.Close()
	for _, id := range ids {
		if _, err := be.Get(id); err != nil {
			return ExitError, err
		}
	}
	if err := be.Delete(ids...); err != nil {
		return ExitError, err
	}
	fmt.Fprintf(env.Stdout, "deleted %d request(s)\n", len(ids))
	return ExitOK, nil
}
