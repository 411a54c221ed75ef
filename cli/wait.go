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
	store                                 *storeTarget
	listen, path, method, jsonPath, since string
	headers                               stringList
	count                                 int
	timeout                               time.Duration
	start                                 time.Time
}

func runWait(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("wait", flag.ContinueOnError)
	var w waitFlags
	w.store = targetFlags(fs)
	fs.StringVar(&w.listen, "listen", "", "capture here myself instead of asking a running Hookscope")
	fs.StringVar(&w.path, "path", "", "path glob, like /hooks/*")
	fs.StringVar(&w.method, "method", "", "HTTP method")
	fs.Var(&w.headers, "header", `"Name: value" or "Name" (repeatable)`)
	fs.StringVar(&w.jsonPath, "json-path", "", `condition on a JSON body, like 'type == "invoice.paid"'`)
	fs.StringVar(&w.since, "since", "", "only requests with a higher ID (default: the newest when wait starts)")
	fs.IntVar(&w.count, "count", 1, "how many matching requests to wait for")
	fs.DurationVar(&w.timeout, "timeout", 30*time.Second, "give up after this long (exit 1); 0 waits without a limit")
	if err := parseNoArgs(fs, args); err != nil {
		return ExitError, err
	}
	if w.listen != "" && w.store.remote != "" {
		return ExitError, usagef("--listen captures here, so it cannot go with --remote")
	}
	if w.count < 1 {
		return ExitError, usagef("--count %d: wait for 1 request or more", w.count)
	}
	if w.timeout < 0 {
		return ExitError, usagef("--timeout %s is negative: give a duration like 30s, or 0 to wait without a limit", w.timeout)
	}
	f, err := w.filter()
	if err != nil {
		return ExitError, err
	}
	w.start = time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopOnSignal(ctx, cancel, env.Signals)
	var found []*storage.Record
	if w.listen != "" {
		found, err = w.waitHere(ctx, env, &f)
	} else {
		found, err = w.waitRemote(ctx, env, &f)
	}
	if err != nil && !errors.Is(err, errTimedOut) && !errors.Is(err, errInterrupted) {
		if errors.Is(err, localapi.ErrStopped) {
			err = fmt.Errorf("the Hookscope capturing into %s stopped before %d request(s) with %s arrived (start it again, or use wait --listen ADDR)",
				w.store.where(), w.count, f.Describe())
		}
		return ExitError, err
	}
	// Whatever matched is printed, also when fewer than --count did.
	enc := json.NewEncoder(env.Stdout)
	for _, rec := range found {
		enc.Encode(wire.NewRequestJSON(rec))
	}
	have := "no match"
	if len(found) > 0 {
		have = fmt.Sprintf("only %d of %d matches (printed)", len(found), w.count)
	}
	switch {
	case errors.Is(err, errInterrupted):
		return ExitNegative, fmt.Errorf("interrupted with %s: waited for %d request(s) with %s", have, w.count, f.Describe())
	case errors.Is(err, errTimedOut):
		return ExitNegative, fmt.Errorf("%s within %s: waited for %d request(s) with %s", have, w.timeout, w.count, f.Describe())
	}
	return ExitOK, nil
}

// maxPoll is the longest poll wait asks a running instance for: the API's
// bound. Tests lower it, and set onPoll to learn a poll is under way.
var (
	maxPoll = localapi.MaxWait
	onPoll  func()
)

// A wait ends without its --count matches in one of two ways.
var (
	errTimedOut    = errors.New("the wait timed out")
	errInterrupted = errors.New("the wait was interrupted")
)

// deadline is when --timeout ends the wait; zero for no limit.
func (w *waitFlags) deadline() time.Time {
	if w.timeout == 0 {
		return time.Time{}
	}
	return w.start.Add(w.timeout)
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
	if err := app.CheckGlob(w.path); err != nil {
		return f, usagef("--%v", err)
	}
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

// waitRemote asks the instance holding the store, one long poll of at
// most localapi.MaxWait after another until --timeout, always above the
// same ID, so a long --timeout waits its whole length. It returns
// errTimedOut or errInterrupted with the matches found until then.
func (w *waitFlags) waitRemote(ctx context.Context, env Env, f *app.Filter) ([]*storage.Record, error) {
	client, err := w.store.dial(env)
	if err != nil && !w.store.isRemote() {
		return nil, fmt.Errorf("nothing is capturing into %s (start hookscope or hookscope serve with this --db, or give wait --listen ADDR)", w.store.db)
	}
	if err != nil {
		return nil, err
	}
	defer client.Close()
	if w.since == "" {
		// The newest when wait starts, fixed here so every poll (and the
		// timeout's message) uses the same one.
		if f.SinceID, err = client.NewestID(); err != nil {
			return nil, err
		}
	}
	q := url.Values{"count": {strconv.Itoa(w.count)}, "since": {strconv.FormatUint(f.SinceID, 10)}}
	for k, v := range map[string]string{"method": f.Method, "path": f.PathGlob, "json_path": w.jsonPath} {
		if v != "" {
			q.Set(k, v)
		}
	}
	for _, h := range w.headers {
		q.Add("header", h)
	}
	var found []*storage.Record
	for {
		poll := maxPoll
		if end := w.deadline(); !end.IsZero() {
			left := time.Until(end)
			if left <= 0 {
				return found, errTimedOut
			}
			poll = min(poll, left)
		}
		q.Set("timeout", poll.String())
		// The instance ends the poll; this bound is only for one that hangs.
		pollCtx, cancel := context.WithTimeout(ctx, poll+30*time.Second)
		if onPoll != nil {
			onPoll()
		}
		got, err := client.Wait(pollCtx, q)
		cancel()
		switch {
		case err == nil:
			return got, nil
		case errors.Is(err, localapi.ErrWaitTimeout):
			found = got
		case ctx.Err() != nil:
			return w.collect(client, q), errInterrupted
		case errors.Is(err, context.DeadlineExceeded):
			return nil, fmt.Errorf("the Hookscope capturing into %s did not end a wait of %s in time (is it overloaded?)", w.store.where(), poll)
		default:
			return nil, err
		}
	}
}

// collect asks once more, without waiting, for what matched before an
// interruption: the poll it cut short had not answered.
func (w *waitFlags) collect(client *localapi.Client, q url.Values) []*storage.Record {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	q.Set("timeout", "1ns")
	found, _ := client.Wait(ctx, q)
	return found[:min(len(found), w.count)]
}

// waitHere captures on --listen itself, waits, and exits. It returns
// errTimedOut or errInterrupted with the matches found until then.
func (w *waitFlags) waitHere(ctx context.Context, env Env, f *app.Filter) ([]*storage.Record, error) {
	core, err := app.Open(app.Config{DBPath: w.store.db, Listen: w.listen})
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
	waitCtx := ctx
	if end := w.deadline(); !end.IsZero() {
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithDeadline(ctx, end)
		defer cancel()
	}
	found, err := core.Wait(waitCtx, *f, w.count)
	switch {
	case err == nil:
		return found, nil
	case ctx.Err() != nil:
		return found, errInterrupted
	case errors.Is(err, context.DeadlineExceeded):
		return found, errTimedOut
	}
	return nil, err
}

func runTail(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("tail", flag.ContinueOnError)
	store := targetFlags(fs)
	asJSON := fs.Bool("json", false, "JSON Lines")
	if err := parseNoArgs(fs, args); err != nil {
		return ExitError, err
	}
	client, err := store.dial(env)
	if err != nil && !store.isRemote() {
		return ExitError, fmt.Errorf("nothing is capturing into %s (start hookscope or hookscope serve with this --db first)", store.db)
	}
	if err != nil {
		return ExitError, err
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
		fmt.Fprintln(env.Stdout, tailLine(s))
	})
	if errors.Is(err, localapi.ErrStopped) {
		return ExitError, fmt.Errorf("the Hookscope capturing into %s stopped (start it again, then tail again)", store.where())
	}
	if err != nil {
		return ExitError, err
	}
	return ExitOK, nil
}

// tailLine is one request as tail prints it: its ID (for show, replay,
// verify), the time, method, path, the status answered, the size sent and
// the signature verdict and the earlier delivery of the same event when
// there is one.
func tailLine(s storage.Summary) string {
	return fmt.Sprintf("#%d  %s  %-7s %s  → %d  %s%s%s", s.ID, s.ReceivedAt.Local().Format("15:04:05.000"), s.Method, s.Path,
		s.Status, textutil.HumanSize(s.OriginalSize), sigNote(s.Signature), dupNote(s.DuplicateOf))
}

func dupNote(first uint64) string {
	if first == 0 {
		return ""
	}
	return "  duplicate of #" + strconv.FormatUint(first, 10)
}

func sigNote(s storage.SigState) string {
	if s == storage.SigNone {
		return ""
	}
	return "  signature " + s.String()
}

func runDelete(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("delete", flag.ContinueOnError)
	store := targetFlags(fs)
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
	be, err := store.open(env)
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
