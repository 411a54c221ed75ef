package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"dev.hookscope/app"
	"dev.hookscope/capture"
	"dev.hookscope/exchange"
	"dev.hookscope/storage"
)

// Synopses for commands(): the lead pastes these next to runExport and
// runImport.
const (
	exportSynopsis = "export [--db PATH] --format har|curl|raw [--include-secrets] [ID...]\n" +
		"                                                     to stdout; no IDs: all, oldest first; secret headers\n" +
		"                                                     and query values read \"[redacted by hookscope]\" unless --include-secrets"
	importSynopsis = "import FILE [--db PATH] [--max-body SIZE]          HAR, raw HTTP or curl (- reads stdin); a curl command\n" +
		"                                                     reads @files only from FILE's folder, within --max-body (default 10MiB)"
)

// exportPage is how many summaries export reads at a time: a big store
// streams instead of loading at once.
const exportPage = 256

func runExport(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	store := targetFlags(fs)
	format := fs.String("format", "", "har, curl or raw")
	// Off by default: exports get pasted into tickets and chats, and a
	// token in one is a leak (signature headers are kept either way).
	includeSecrets := fs.Bool("include-secrets", false, "keep the values of Authorization, Cookie, token and key headers and query parameters")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return ExitError, err
	}
	if *format == "" {
		return ExitError, usagef("export needs --format har, curl or raw")
	}
	f, err := exchange.ParseFormat(*format)
	if err != nil {
		return ExitError, usagef("%v", err)
	}
	ids := make([]uint64, len(rest))
	for i, s := range rest {
		if ids[i], err = parseID(s); err != nil {
			return ExitError, err
		}
	}
	st, err := store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer st.Close()
	// Check every ID before writing anything, so an unknown one never
	// leaves half an export on stdout.
	if err := checkIDs(st, ids, store.where()); err != nil {
		return ExitError, err
	}
	return export(env.Stdout, st, f, ids, exchange.Options{IncludeSecrets: *includeSecrets, CreatorVersion: app.Version(), Answer: st.RuleAnswer})
}

// summaryOf reads one request's summary, no body, on either side; an
// unknown ID is the store's own error.
func summaryOf(st Backend, id uint64) (storage.Summary, error) {
	page, err := st.Summaries(id-1, 1)
	if err != nil {
		return storage.Summary{}, err
	}
	if len(page) == 0 || page[0].ID != id {
		return storage.Summary{}, fmt.Errorf("request %d: %w", id, storage.ErrNotFound)
	}
	return page[0], nil
}

// checkIDs asks for one summary at each ID, which reads no body.
func checkIDs(st Backend, ids []uint64, db string) error {
	for _, id := range ids {
		_, err := summaryOf(st, id)
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("there is no request %d in %s (see hookscope list)", id, db)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func export(w io.Writer, st Backend, f exchange.Format, ids []uint64, o exchange.Options) (int, error) {
	out := bufio.NewWriter(w)
	enc, err := exchange.NewEncoderWith(out, f, o)
	if err != nil {
		return ExitError, err
	}
	if len(ids) > 0 {
		err = encodeIDs(st, enc, ids)
	} else {
		err = encodeAll(st, enc)
	}
	if err == nil {
		err = enc.Close()
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return ExitError, err
	}
	return ExitOK, nil
}

func encodeIDs(st Backend, enc exchange.Encoder, ids []uint64) error {
	for _, id := range ids {
		rec, err := st.Get(id)
		if err != nil {
			return err
		}
		if err := enc.Encode(rec); err != nil {
			return err
		}
	}
	return nil
}

// encodeAll pages through the summaries and reads one body at a time.
func encodeAll(st Backend, enc exchange.Encoder) error {
	for after := uint64(0); ; {
		page, err := st.Summaries(after, exportPage)
		if err != nil {
			return err
		}
		for _, s := range page {
			rec, err := st.Get(s.ID)
			if errors.Is(err, storage.ErrNotFound) {
				continue // deleted since the page was read
			}
			if err != nil {
				return err
			}
			if err := enc.Encode(rec); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

func runImport(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	store := targetFlags(fs)
	maxBody := ByteSize(capture.DefaultMaxBody)
	fs.Var(&maxBody, "max-body", "bytes of each body to store, and of the files one curl command may read")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return ExitError, err
	}
	if len(rest) != 1 {
		return ExitError, usagef("import takes one file (a HAR file, raw HTTP requests or a curl command; - reads stdin)")
	}
	data, err := readInput(rest[0])
	if err != nil {
		return ExitError, err
	}
	res, err := importOptions(env, rest[0], int64(maxBody)).Import(data)
	var refused *exchange.FileRefusedError
	if errors.As(err, &refused) && rest[0] == "-" {
		return ExitError, fmt.Errorf("the curl command on stdin reads the file %q, and a command from stdin has no folder to read files from: "+
			"save the command in the folder of the file and import it with hookscope import FILE", refused.Name)
	}
	if err != nil {
		return ExitError, fmt.Errorf("%s: %w", rest[0], err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(env.Stderr, "hookscope import: warning: "+w)
	}
	st, err := store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer st.Close()
	first, last, err := appendAll(st, res.Records)
	if err != nil {
		return ExitError, err
	}
	fmt.Fprintln(env.Stdout, importedLine(len(res.Records), first, last, res.Format))
	return ExitOK, nil
}

// importOptions lets a curl command in the file name read files in the
// file's own folder, and nowhere else: the folder is where the command's
// author keeps its bodies, and a command from stdin, or from someone else,
// must not reach the rest of the disk. Each file read is noted on stderr.
func importOptions(env Env, name string, maxBody int64) exchange.ImportOptions {
	o := exchange.ImportOptions{MaxBody: maxBody}
	if name == "-" {
		return o
	}
	o.Dir = filepath.Dir(name)
	o.OnFile = func(f exchange.FileRead) {
		fmt.Fprintf(env.Stderr, "hookscope import: read %s from %s (%d bytes)\n", f.Use, f.Path, f.Size)
	}
	return o
}

func readInput(name string) ([]byte, error) {
	if name == "-" {
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			return nil, fmt.Errorf("cannot read stdin: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, errors.Unwrap(err))
	}
	return b, nil
}

// appendAll stores records in order. One at a time keeps the IDs in the
// file's order (concurrent appends would share commits but could
// interleave).
func appendAll(st Backend, recs []*storage.Record) (first, last uint64, err error) {
	for i, rec := range recs {
		id, err := st.Append(context.Background(), rec)
		if err != nil {
			return first, last, fmt.Errorf("after importing %d of %d requests: %w", i, len(recs), err)
		}
		if i == 0 {
			first = id
		}
		last = id
	}
	return first, last, nil
}

func importedLine(n int, first, last uint64, f exchange.Format) string {
	switch {
	case n == 0:
		return fmt.Sprintf("imported 0 requests (%s)", f)
	case n == 1:
		return fmt.Sprintf("imported 1 request as #%d (%s)", first, f)
	}
	return fmt.Sprintf("imported %d requests as #%d–#%d (%s)", n, first, last, f)
}
