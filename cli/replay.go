package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"dev.hookscope/app"
	"dev.hookscope/replay"
	"dev.hookscope/sender"
	"dev.hookscope/storage"
	"dev.hookscope/textutil"
	"dev.hookscope/wire"
)

// replayFlags are replay's parsed command line.
type replayFlags struct {
	store                                *storeTarget
	to, bodyFile, method, scheme, secret string
	headers                              headerEdits
	resign, insecure, asJSON             bool
	timeout                              time.Duration
	id                                   uint64
}

// headerEdits collects repeated --header flags.
type headerEdits []replay.HeaderEdit

func (h *headerEdits) String() string { return "" }

func (h *headerEdits) Set(s string) error {
	e, err := replay.ParseHeaderEdit(s)
	if err != nil {
		return err
	}
	*h = append(*h, e)
	return nil
}

func parseReplayFlags(args []string) (replayFlags, error) {
	var f replayFlags
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	f.store = targetFlags(fs)
	fs.StringVar(&f.to, "to", "", "target URL; a bare scheme://host[:port] gets the captured path and query")
	fs.Var(&f.headers, "header", `"Name: value" replaces the header, "Name:" removes it (repeatable)`)
	fs.StringVar(&f.bodyFile, "body-file", "", "send this file's bytes as the body")
	fs.StringVar(&f.method, "method", "", "send with this method instead")
	fs.BoolVar(&f.resign, "resign", false, "recompute the signature over the body sent, with a fresh timestamp")
	fs.StringVar(&f.scheme, "scheme", "", "signature scheme for --resign (default: the saved one, else auto)")
	fs.StringVar(&f.secret, "secret", "", "secret for --resign (default: the one saved for the request's path)")
	timeout := fs.String("timeout", sender.DefaultTimeout.String(), "give up after this long (Go duration; 0 waits forever)")
	fs.BoolVar(&f.insecure, "insecure", false, "accept any TLS certificate")
	fs.BoolVar(&f.asJSON, "json", false, "one JSON object")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return f, err
	}
	if len(rest) != 1 {
		return f, usagef("replay takes one request ID and --to URL")
	}
	if f.id, err = parseID(rest[0]); err != nil {
		return f, err
	}
	if f.to == "" {
		return f, usagef("replay needs --to URL (for example --to http://localhost:3000)")
	}
	if !f.resign && (f.scheme != "" || f.secret != "") {
		return f, usagef("--scheme and --secret only apply with --resign")
	}
	if f.timeout, err = parseReplayTimeout(*timeout); err != nil {
		return f, err
	}
	return f, nil
}

// parseReplayTimeout: "0" means no limit, which sender spells negative.
func parseReplayTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if s == "0" {
		return -1, nil
	}
	if err != nil || d <= 0 {
		return 0, usagef("--timeout %q is not a duration (like 10s or 2m; 0 waits forever)", s)
	}
	return d, nil
}

func runReplay(env Env, args []string) (int, error) {
	f, err := parseReplayFlags(args)
	if err != nil {
		return ExitError, err
	}
	edit := replay.Edit{Method: f.method, Headers: f.headers}
	if f.bodyFile != "" {
		if edit.Body, err = os.ReadFile(f.bodyFile); err != nil {
			return ExitError, fmt.Errorf("read --body-file: %w", err)
		}
		edit.ReplaceBody = true
	}
	st, err := f.store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer st.Close()
	// The summary is enough here: the body is read where the replay runs,
	// which through a running instance is the other process.
	rec, err := summaryOf(st, f.id)
	if err != nil {
		return ExitError, err
	}
	if rec.Truncated && !edit.ReplaceBody {
		fmt.Fprintf(env.Stderr, "hookscope replay: warning: request %d was stored cut at %s of %s; sending what was kept\n",
			rec.ID, textutil.HumanSize(rec.BodySize), textutil.HumanSize(rec.OriginalSize))
	}
	spec := app.ReplaySpec{Target: f.to, Edit: edit, Resign: f.resign, Scheme: f.scheme, Secret: f.secret,
		Send: sender.Options{Timeout: f.timeout, Insecure: f.insecure}}
	entry, err := st.Replay(context.Background(), rec.ID, spec)
	sent := entry.Status != 0 || entry.Error != ""
	switch {
	case errors.Is(err, app.ErrNoSecret):
		return ExitError, usagef("--resign needs a secret: give --secret or save one for %s", rec.Path)
	case err != nil && !sent:
		return ExitError, usagef("%v", err)
	case err != nil:
		// Sent, but the history could not keep it: what the target did
		// still decides the exit code.
		fmt.Fprintln(env.Stderr, "hookscope replay: warning: "+oneLine(err))
	}
	return reportReplay(env, f.asJSON, entry)
}

// reportReplay prints the exchange: `replay --json`'s shape (wire) or
// the answer for people. No answer from the target is exit 1.
func reportReplay(env Env, asJSON bool, entry storage.ReplayRecord) (int, error) {
	if entry.Error != "" {
		if !asJSON {
			return ExitNegative, errors.New(entry.Error)
		}
		return ExitNegative, json.NewEncoder(env.Stdout).Encode(wire.NewReplayErrorJSON(entry))
	}
	if asJSON {
		return ExitOK, json.NewEncoder(env.Stdout).Encode(wire.NewReplayJSON(entry))
	}
	writeReplayHuman(env, entry)
	return ExitOK, nil
}

func writeReplayHuman(env Env, e storage.ReplayRecord) {
	w := bufio.NewWriter(env.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "%s %d %s\n", e.Proto, e.Status, http.StatusText(e.Status))
	writeHeaderLines(w, e.ResponseHeader)
	fmt.Fprintln(w)
	writeReplayBody(w, e)
	t := e.Timing
	fmt.Fprintf(w, "timing: dns %s · connect %s · tls %s · first byte %s · total %s\n",
		fmtMillis(t.DNSMs), fmtMillis(t.ConnectMs), fmtMillis(t.TLSMs), fmtMillis(t.FirstByteMs), fmtMillis(t.TotalMs))
}

// writeReplayBody shows text as text (gzip undone for reading) and binary
// as its size: a terminal is no place for raw bytes.
func writeReplayBody(w *bufio.Writer, e storage.ReplayRecord) {
	resp := sender.Response{Status: e.Status, Header: e.ResponseHeader, Body: e.ResponseBody}
	body, _ := resp.Decoded()
	switch {
	case len(body) == 0:
	case textutil.IsText(body):
		w.Write(body)
		if body[len(body)-1] != '\n' {
			fmt.Fprintln(w)
		}
	default:
		fmt.Fprintf(w, "[binary body, %d bytes; use --json for its bytes]\n", len(e.ResponseBody))
	}
	if e.ResponseTruncated {
		fmt.Fprintf(w, "[body cut at %s of %s]\n", textutil.HumanSize(int64(len(e.ResponseBody))), textutil.HumanSize(e.ResponseBodySize))
	}
	if len(body) > 0 {
		fmt.Fprintln(w)
	}
}

func fmtMillis(ms float64) string { return fmt.Sprintf("%.1f ms", ms) }
