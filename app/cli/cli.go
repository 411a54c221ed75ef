// Package cli implements Hookscope's subcommands. main.go only dispatches.
package cli

import (
	"fmt"
	"io"
	"strings"

	"dev.hookscope/app/signature"
)

// Exit codes (DESIGN.md): 0 done, 1 a negative answer, 2 usage or store
// errors.
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
		{"serve", "serve [LISTENER FLAGS] [--db PATH] [--api ADDR]   headless capture", runServe},
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
		{"retention", "retention [--count N] [--days N] [--mb N] [--off] [--db PATH]   show or set what is kept", runRetention},
		{"compact", "compact [--db PATH]                             return freed space to the disk (Hookscope closed)", runCompact},
		{"verify", "verify ID [--scheme S] [--secret X] [--tolerance D] [--url URL] [--db PATH] [--json]\n" +
			"                                                     check a signature (exit 0 valid, 1 invalid)", runVerify},
	}
}

// IsCommand reports whether args name a subcommand (else the window opens).
func IsCommand(args []string) bool {
	if len(args) == 0 {
		return false
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return true
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return true
		}
	}
	return false
}

// Run runs one subcommand and returns its exit code. Errors are printed to
// stderr as one sentence.
func Run(env Env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(env.Stdout, Usage())
		return ExitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		code, err := c.run(env, args[1:])
		if err != nil {
			fmt.Fprintln(env.Stderr, "hookscope "+c.name+": "+oneLine(err))
			if code == ExitOK {
				code = ExitError
			}
		}
		return code
	}
	fmt.Fprintf(env.Stderr, "hookscope: unknown command %q (try hookscope help)\n", args[0])
	return ExitError
}

// Usage lists the commands.
func Usage() string {
	var b strings.Builder
	b.WriteString("Hookscope: a local webhook inspector.\n\nUsage:\n  hookscope [LISTENER FLAGS] [--db PATH] [--api ADDR]   open the window\n")
	for _, c := range commands() {
		b.WriteString("  hookscope " + c.synopsis + "\n")
	}
	b.WriteString("\nListener flags (window and serve): --listen ADDR (default 127.0.0.1:8080), --max-body SIZE (default 10MiB),\n" +
		"  --max-inflight SIZE (bodies received at once, default 256MiB), --tls, --allow CIDR[,CIDR...], --token T,\n" +
		"  --basic-auth USER:PASS, --rate N (requests per second).\n")
	b.WriteString("\nSignature schemes: " + strings.Join(signature.Names(), ", ") + ".\n")
	b.WriteString("Generic hmac: --algo sha1|sha256|sha512 --encoding hex|base64 --header NAME --prefix STR --template '{timestamp}.{body}'.\n")
	b.WriteString("\nThe database defaults to $HOOKSCOPE_DB, else hookscope.db in your config folder.\n")
	return b.String()
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }
