// Package cli implements Hookscope's subcommands. main.go only dispatches.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"dev.hookscope/signature"
)

// Exit codes (docs/cli.md, "Rules every command keeps"): 0 done, 1 a
// negative answer, 2 usage or store errors.
const (
	ExitOK       = 0
	ExitNegative = 1
	ExitError    = 2
)

// Env is where a command reads and writes.
type Env struct {
	Stdout, Stderr io.Writer
	// Signals delivers SIGINT/SIGTERM to `serve`; nil means never.
	Signals <-chan struct{}
}

type command struct {
	name, synopsis string
	run            func(env Env, args []string) (int, error)
}

func commands() []command {
	return []command{
		{"serve", "serve [LISTENER FLAGS] [--db PATH] [--api ADDR [--api-tls]]   headless capture", runServe},
		{"list", "list [--db PATH] [--json]                          one line per request, oldest first", runList},
		{"show", "show ID [--db PATH] [--json]                       one request", runShow},
		{"replay", "replay ID --to URL [--header \"K: V\"]... [--body-file F] [--method M] [--resign [--scheme S] [--secret X]]\n" +
			"                    [--timeout D] [--insecure] [--db PATH] [--json]   send a capture again (exit 1: no answer)", runReplay},
		{"export", exportSynopsis, runExport},
		{"import", importSynopsis, runImport},
		{"delete", "delete ID... [--db PATH]                           remove requests", runDelete},
		{"wait", "wait [--path GLOB] [--method M] [--header \"K: V\"] [--json-path EXPR] [--since ID] [--count N] [--timeout D] [--listen ADDR] [--db PATH]\n" +
			"                                                     print the first N matching requests as JSON Lines (exit 1 on timeout)", runWait},
		{"tail", "tail [--db PATH] [--json]                          follow new requests as they arrive", runTail},
		{"rules", rulesSynopsis, runRules},
		{"forward", forwardSynopsis, runForward},
		{"alerts", alertsSynopsis, runAlerts},
		{"contracts", contractsSynopsis, runContracts},
		{"secrets", secretsSynopsis, runSecrets},
		{"tokens", tokensSynopsis, runTokens},
		{"remote", remoteSynopsis, runRemote},
		{"retention", "retention [--count N] [--days N] [--mb N] [--off] [--db PATH]   show or set what is kept", runRetention},
		{"compact", "compact [--db PATH]                             return freed space to the disk (Hookscope closed)", runCompact},
		{"composer", composerSynopsis, runComposer},
		{"verify", "verify ID [--scheme S] [--secret X] [--tolerance D] [--url URL] [--db PATH] [--json]\n" +
			"                                                     check a signature (exit 0 valid, 1 invalid)", runVerify},
		{"validate", validateSynopsis, runValidate},
	}
}

// IsCommand reports whether Run handles args: a subcommand, a request for
// help, or window flags that cannot open the window (Run says why, once).
// Otherwise the window opens.
func IsCommand(args []string) bool {
	if len(args) == 0 {
		return false
	}
	if isHelpWord(args[0]) {
		return true
	}
	if _, ok := lookup(args[0]); ok {
		return true
	}
	_, err := ParseWindowFlags(args)
	return err != nil
}

func isHelpWord(s string) bool { return s == "help" || s == "-h" || s == "-help" || s == "--help" }

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// Run runs one subcommand and returns its exit code. Errors are printed to
// stderr here, and only here, as one line: "hookscope CMD: sentence".
// `CMD --help` (or -h) prints that command's usage to stdout and exits 0.
func Run(env Env, args []string) int {
	switch {
	case len(args) == 0 || (isHelpWord(args[0]) && len(args) == 1):
		fmt.Fprint(env.Stdout, Usage())
		return ExitOK
	case args[0] == "help":
		if c, ok := lookup(args[1]); ok && len(args) == 2 {
			fmt.Fprint(env.Stdout, commandUsage(c))
			return ExitOK
		}
		fmt.Fprintf(env.Stderr, "hookscope: help takes one command name, like hookscope help show (hookscope help lists them)\n")
		return ExitError
	}
	c, ok := lookup(args[0])
	if !ok {
		return runWindowFlags(env, args)
	}
	code, err := c.run(env, args[1:])
	if err == nil {
		return code
	}
	if helpRequested(c.name, err) {
		fmt.Fprint(env.Stdout, commandUsage(c))
		return ExitOK
	}
	fmt.Fprintln(env.Stderr, "hookscope "+c.name+": "+errorSentence(c.name, err))
	if code == ExitOK {
		code = ExitError
	}
	return code
}

// runWindowFlags answers args that name no command: the window's flags
// asking for help, or not parsing. Flags that parse are not for Run (the
// window opens instead), so they are an unknown command here.
func runWindowFlags(env Env, args []string) int {
	_, err := ParseWindowFlags(args)
	switch {
	case err == nil:
		fmt.Fprintf(env.Stderr, "hookscope: unknown command %q (try hookscope help)\n", args[0])
	case helpRequested("hookscope", err):
		fmt.Fprint(env.Stdout, Usage())
		return ExitOK
	default:
		fmt.Fprintln(env.Stderr, "hookscope: "+errorSentence("hookscope", err))
	}
	return ExitError
}

// helpRequested reports whether err is the flag package's answer to -h,
// -help or --help, for the flag set called name. parseInterspersed passes
// it on as a usage error prefixed with the set's name.
func helpRequested(name string, err error) bool {
	if errors.Is(err, flag.ErrHelp) {
		return true
	}
	var ue usageError
	return errors.As(err, &ue) && strings.TrimPrefix(ue.msg, name+": ") == flag.ErrHelp.Error()
}

// errorSentence is err as the line after "hookscope CMD: ". A usage error
// from parsing flags arrives prefixed with the flag set's name, which is
// the command's: that prefix goes, so it is not said twice, and the flag
// package's wording is put in the terms people type (--name, not -name).
func errorSentence(name string, err error) string {
	msg := oneLine(err)
	var ue usageError
	if !errors.As(err, &ue) {
		return msg
	}
	return flagSentence(name, strings.TrimPrefix(msg, name+": "))
}

// flagSentence rewrites the flag package's messages (Go's flag.go, failf);
// anything else is returned as it is.
func flagSentence(name, msg string) string {
	helpCmd := "hookscope " + name + " --help"
	if name == "hookscope" {
		helpCmd = "hookscope help"
	}
	if f, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		// The wording stays the flag package's: scripts and tests match it.
		return fmt.Sprintf("flag provided but not defined: --%s (%s lists the flags)", f, helpCmd)
	}
	if f, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Sprintf("--%s needs a value", f)
	}
	if s, ok := strings.CutPrefix(msg, "bad flag syntax: "); ok {
		return fmt.Sprintf("%q is not a flag (write flags as --name or --name=value)", s)
	}
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		value, rest, ok1 := cutQuoted(rest)
		f, reason, ok2 := strings.Cut(strings.TrimPrefix(rest, " for flag -"), ": ")
		if !ok1 || !ok2 || !strings.HasPrefix(rest, " for flag -") {
			return msg
		}
		switch reason {
		case "parse error":
			return fmt.Sprintf("--%s %s is not a valid value for it", f, value)
		case "value out of range":
			return fmt.Sprintf("--%s %s is out of range", f, value)
		}
		if strings.Contains(reason, value) {
			return "--" + f + ": " + reason
		}
		return fmt.Sprintf("--%s %s: %s", f, value, reason)
	}
	if rest, ok := strings.CutPrefix(msg, "invalid boolean value "); ok {
		value, rest, ok1 := cutQuoted(rest)
		f, _, ok2 := strings.Cut(strings.TrimPrefix(rest, " for -"), ": ")
		if ok1 && ok2 && strings.HasPrefix(rest, " for -") {
			return fmt.Sprintf("--%s takes true or false (or nothing), not %s", f, value)
		}
	}
	return msg
}

// cutQuoted splits a leading Go-quoted string off s, keeping its quotes.
func cutQuoted(s string) (quoted, rest string, ok bool) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", s, false
	}
	return q, s[len(q):], true
}

// Usage lists the commands.
func Usage() string {
	var b strings.Builder
	b.WriteString("Hookscope: a local webhook inspector.\n\nUsage:\n  hookscope [LISTENER FLAGS] [--db PATH] [--api ADDR]   open the window\n" +
		"  hookscope --remote https://HOST:PORT --token-file FILE   open the window on a serve --api-tls elsewhere\n")
	for _, c := range commands() {
		b.WriteString("  hookscope " + c.synopsis + "\n")
	}
	b.WriteString("\n" + listenerFlagsNote)
	b.WriteString("\n" + schemesNote())
	b.WriteString("\n" + dbNote)
	b.WriteString(remoteNote)
	b.WriteString("\nhookscope CMD --help shows one command.\n")
	return b.String()
}

// commandUsage is what `hookscope CMD --help` prints: the command's lines
// of the table, and the notes that apply to it.
func commandUsage(c command) string {
	var b strings.Builder
	b.WriteString("Usage:\n  hookscope " + c.synopsis + "\n")
	switch c.name {
	case "serve":
		b.WriteString("\n" + listenerFlagsNote)
		b.WriteString(apiNote)
	case "verify":
		b.WriteString("\n" + schemesNote())
		b.WriteString("PayPal: --webhook-id ID. Without --secret, the secret saved for the request's path is used, with its own scheme only.\n")
	case "replay", "secrets":
		b.WriteString("\n" + schemesNote())
	}
	b.WriteString("\n" + dbNote)
	if !localOnly[c.name] {
		b.WriteString(remoteNote)
	}
	return b.String()
}

// localOnly are the commands that need the file itself (or, for remote,
// no store at all): they take no --remote.
var localOnly = map[string]bool{"serve": true, "compact": true, "remote": true}

const (
	listenerFlagsNote = "Listener flags (window and serve): --listen ADDR (default 127.0.0.1:8080), --max-body SIZE (default 10MiB),\n" +
		"  --max-inflight SIZE (bodies received at once, default 256MiB), --tls, --allow CIDR[,CIDR...], --token T,\n" +
		"  --basic-auth USER:PASS, --rate N (requests per second).\n"
	dbNote  = "The database defaults to $HOOKSCOPE_DB, else hookscope.db in your config folder.\n"
	apiNote = "--api ADDR also serves the local API on TCP. Callers send Authorization: Bearer TOKEN: the admin token\n" +
		"  in the file <db>.token, or one made by hookscope tokens add NAME --role read|replay|admin.\n" +
		"--api-tls serves it over HTTPS with a self-signed certificate kept in the database; its SHA-256\n" +
		"  fingerprint is printed at start, and hookscope --remote pins it on first use. Without it, plain HTTP.\n"
	remoteNote = "Instead of --db: --remote https://HOST:PORT --token-file FILE uses a hookscope serve --api ADDR --api-tls\n" +
		"  elsewhere ($HOOKSCOPE_REMOTE, $HOOKSCOPE_TOKEN_FILE); its certificate is pinned on first use (hookscope remote).\n"
)

func schemesNote() string {
	return "Signature schemes: " + strings.Join(signature.Names(), ", ") + ".\n" +
		"Generic hmac: --algo sha1|sha256|sha512 --encoding hex|base64 --header NAME --prefix STR --template '{timestamp}.{body}'.\n"
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }
