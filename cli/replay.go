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
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"dev.hookscope/app"
	"dev.hookscope/replay"
	"dev.hookscope/sender"
	"dev.hookscope/storage"
)

// replayHistory is implemented by the backends that keep replay history:
// the core and the local API's client.
type replayHistory interface {
	AppendReplay(storage.ReplayRecord) (uint64, error)
}

// replayFlags are replay's parsed command line.
type replayFlags struct {
	db, to, bodyFile, method, scheme, secret string
	headers                                  headerEdits
	resign, insecure, asJSON                 bool
	timeout                                  time.Duration
	id                                       uint64
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
	fs.StringVar(&f.db, "db", app.DefaultDBPath(), "database file")
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
	st, err := openBackend(f.db)
	if err != nil {
		return ExitError, err
	}
	defer st.Close()
	rec, err := st.Get(f.id)
	if err != nil {
		return ExitError, err
	}
	if rec.Truncated && !edit.ReplaceBody {
		fmt.Fprintf(env.Stderr, "hookscope replay: warning: request %d was stored cut at %s of %s; sending what was kept\n",
			rec.ID, app.HumanSize(rec.BodySize), app.HumanSize(rec.OriginalSize))
	}
	spec := app.ReplaySpec{Target: f.to, Edit: edit, Resign: f.resign, Scheme: f.scheme, Secret: f.secret}
	req, body, scheme, err := app.PrepareReplay(rec, spec, st.SecretFor)
	if errors.Is(err, app.ErrNoSecret) {
		return ExitError, usagef("--resign needs a secret: give --secret or save one for %s", rec.Path)
	}
	if err != nil {
		return ExitError, usagef("%v", err)
	}
	resp, sendErr := sender.Send(context.Background(), req, sender.Options{Timeout: f.timeout, Insecure: f.insecure})
	replayID := saveReplay(env, st, app.HistoryEntry(rec.ID, req, body, scheme, resp, sendErr))
	return reportReplay(env, f.asJSON, replayID, resp, sendErr)
}

// saveReplay records the exchange when the backend keeps history. A
// failure to record does not change what the replay did, so it is a
// warning, not the exit code.
func saveReplay(env Env, st Backend, r storage.ReplayRecord) uint64 {
	h, ok := st.(replayHistory)
	if !ok {
		return 0
	}
	id, err := h.AppendReplay(r)
	if err != nil {
		fmt.Fprintln(env.Stderr, "hookscope replay: warning: sent, but not saved in the replay history: "+oneLine(err))
	}
	return id
}

// replayJSON is the stable shape of `replay --json` (docs/cli.md,
// "replay --json"): add fields freely, never rename.
type replayJSON struct {
	Status     int                  `json:"status"`
	Proto      string               `json:"proto"`
	Headers    http.Header          `json:"headers"`
	Body       *string              `json:"body,omitempty"`
	BodyBase64 *string              `json:"body_base64,omitempty"`
	BodySize   int64                `json:"body_size"`
	Truncated  bool                 `json:"truncated"`
	DurationMs float64              `json:"duration_ms"`
	Timing     storage.ReplayTiming `json:"timing"`
	RemoteAddr string               `json:"remote_addr,omitempty"`
	ReplayID   uint64               `json:"replay_id,omitempty"`
}

// replayErrorJSON is printed when no answer came back (exit 1).
type replayErrorJSON struct {
	Error      string  `json:"error"`
	Kind       string  `json:"kind"`
	DurationMs float64 `json:"duration_ms"`
	ReplayID   uint64  `json:"replay_id,omitempty"`
}

func reportReplay(env Env, asJSON bool, replayID uint64, resp *sender.Response, sendErr error) (int, error) {
	if sendErr != nil {
		if !asJSON {
			return ExitNegative, sendErr
		}
		out := replayErrorJSON{Error: sendErr.Error(), Kind: sender.KindOther.String(), ReplayID: replayID}
		if e, ok := sender.AsError(sendErr); ok {
			out.Kind, out.DurationMs = e.Kind.String(), app.Millis(e.Timing.Total)
		}
		return ExitNegative, json.NewEncoder(env.Stdout).Encode(out)
	}
	if asJSON {
		return ExitOK, json.NewEncoder(env.Stdout).Encode(newReplayJSON(resp, replayID))
	}
	writeReplayHuman(env, resp)
	return ExitOK, nil
}

func newReplayJSON(resp *sender.Response, replayID uint64) replayJSON {
	out := replayJSON{
		Status: resp.Status, Proto: resp.Proto, Headers: resp.Header, BodySize: resp.BodySize, Truncated: resp.Truncated,
		DurationMs: app.Millis(resp.Timing.Total), Timing: app.TimingMs(resp.Timing), RemoteAddr: resp.RemoteAddr, ReplayID: replayID,
	}
	out.Body, out.BodyBase64 = app.TextOrBase64(resp.Body)
	return out
}

func isTextBody(b []byte) bool { return utf8.Valid(b) && !strings.ContainsRune(string(b), 0) }

func writeReplayHuman(env Env, resp *sender.Response) {
	w := bufio.NewWriter(env.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "%s %d %s\n", resp.Proto, resp.Status, http.StatusText(resp.Status))
	names := make([]string, 0, len(resp.Header))
	for name := range resp.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range resp.Header[name] {
			fmt.Fprintf(w, "%s: %s\n", name, v)
		}
	}
	fmt.Fprintln(w)
	writeReplayBody(w, resp)
	t := resp.Timing
	fmt.Fprintf(w, "timing: dns %s · connect %s · tls %s · first byte %s · total %s\n",
		fmtMillis(t.DNS), fmtMillis(t.Connect), fmtMillis(t.TLS), fmtMillis(t.FirstByte), fmtMillis(t.Total))
}

// writeReplayBody shows text as text (gzip undone for reading) and binary
// as its size: a terminal is no place for raw bytes.
func writeReplayBody(w *bufio.Writer, resp *sender.Response) {
	body, _ := resp.Decoded()
	switch {
	case len(body) == 0:
	case isTextBody(body):
		w.Write(body)
		if body[len(body)-1] != '\n' {
			fmt.Fprintln(w)
		}
	default:
		fmt.Fprintf(w, "[binary body, %d bytes; use --json for its bytes]\n", len(resp.Body))
	}
	if resp.Truncated {
		fmt.Fprintf(w, "[body cut at %s of %s]\n", app.HumanSize(int64(len(resp.Body))), app.HumanSize(resp.BodySize))
	}
	if len(body) > 0 {
		fmt.Fprintln(w)
	}
}

func fmtMillis(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }
