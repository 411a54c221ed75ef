package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"dev.hookscope/app"
)

// `forward` and `secrets` set what the window's Forward… dialog and
// Signature tab set, through the same Backend (docs/cli.md).

const (
	forwardSynopsis = "forward [--db PATH] [--json]                       list the forward rules\n" +
		"  hookscope forward add PREFIX URL [--relay] [--disabled] [--db PATH]\n" +
		"                                                     forward captures under PREFIX to URL (the rule for PREFIX is replaced)\n" +
		"  hookscope forward delete PREFIX [--db PATH]                  stop forwarding PREFIX"
	secretsSynopsis = "secrets [--db PATH] [--json]                       list the saved signing secrets, masked\n" +
		"  hookscope secrets set PREFIX --scheme S [--secret-file F] [--tolerance D] [--url URL] [--db PATH]\n" +
		"                                                     save the secret for PREFIX, read from F or stdin (never a flag value)\n" +
		"  hookscope secrets delete PREFIX [--db PATH]                  forget the secret for PREFIX"
)

// subcommand splits "list" (the default), "add"/"set" and "delete" off rest
// and checks the count of arguments each takes.
func subcommand(cmd string, rest []string, takes map[string]int) (string, []string, error) {
	sub := "list"
	if len(rest) > 0 {
		sub, rest = rest[0], rest[1:]
	}
	n, ok := takes[sub]
	if !ok {
		return "", nil, usagef("unknown %s command %q (hookscope %s --help lists them)", cmd, sub, cmd)
	}
	if len(rest) != n {
		return "", nil, usagef("%s %s takes %d argument(s), got %d", cmd, sub, n, len(rest))
	}
	return sub, rest, nil
}

// onlyFlags refuses flags that do not belong to sub, which would otherwise
// be silently ignored.
func onlyFlags(fs *flag.FlagSet, cmd, sub string, allowed ...string) error {
	var wrong string
	fs.Visit(func(f *flag.Flag) {
		ok := f.Name == "db" || f.Name == "remote" || f.Name == "token-file"
		for _, a := range allowed {
			ok = ok || f.Name == a
		}
		if !ok && wrong == "" {
			wrong = f.Name
		}
	})
	if wrong != "" {
		return usagef("--%s does not go with %s %s", wrong, cmd, sub)
	}
	return nil
}

func runForward(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("forward", flag.ContinueOnError)
	store := targetFlags(fs)
	asJSON := fs.Bool("json", false, "list the rules as a JSON array")
	relay := fs.Bool("relay", false, "answer the sender with the target's response (else Hookscope answers and forwards afterwards)")
	disabled := fs.Bool("disabled", false, "save the rule turned off")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return ExitError, err
	}
	sub, rest, err := subcommand("forward", rest, map[string]int{"list": 0, "add": 2, "delete": 1})
	if err != nil {
		return ExitError, err
	}
	allowed := map[string][]string{"list": {"json"}, "add": {"relay", "disabled"}, "delete": nil}[sub]
	if err := onlyFlags(fs, "forward", sub, allowed...); err != nil {
		return ExitError, err
	}
	be, err := store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer be.Close()
	list, err := be.ForwardRules()
	if err != nil {
		return ExitError, err
	}
	switch sub {
	case "list":
		return ExitOK, printForward(env.Stdout, list, *asJSON)
	case "add":
		rule := app.ForwardRule{Prefix: rest[0], Target: rest[1], Enabled: !*disabled, Relay: *relay}
		verb := "added"
		if i := forwardIndex(list, rule.Prefix); i >= 0 {
			list[i], verb = rule, "replaced"
		} else {
			list = append(list, rule)
		}
		if err := be.SetForwardRules(list); err != nil {
			return ExitError, err
		}
		fmt.Fprintf(env.Stdout, "%s forward rule: %s\n", verb, describeForward(rule))
	case "delete":
		i := forwardIndex(list, rest[0])
		if i < 0 {
			return ExitError, fmt.Errorf("no forward rule has the prefix %s (hookscope forward lists them)", rest[0])
		}
		if err := be.SetForwardRules(append(list[:i:i], list[i+1:]...)); err != nil {
			return ExitError, err
		}
		fmt.Fprintf(env.Stdout, "deleted forward rule for %s\n", rest[0])
	}
	return ExitOK, nil
}

func forwardIndex(list []app.ForwardRule, prefix string) int {
	for i, r := range list {
		if r.Prefix == prefix {
			return i
		}
	}
	return -1
}

func describeForward(r app.ForwardRule) string {
	s := r.Prefix + " → " + r.Target
	if r.Relay {
		s += " (relay: the sender gets the target's answer)"
	}
	if !r.Enabled {
		s += " (off)"
	}
	return s
}

func printForward(w io.Writer, list []app.ForwardRule, asJSON bool) error {
	if asJSON {
		if list == nil {
			list = []app.ForwardRule{}
		}
		return json.NewEncoder(w).Encode(list)
	}
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "no forward rules")
		return err
	}
	for _, r := range list {
		if _, err := fmt.Fprintln(w, describeForward(r)); err != nil {
			return err
		}
	}
	return nil
}

func runSecrets(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("secrets", flag.ContinueOnError)
	store := targetFlags(fs)
	asJSON := fs.Bool("json", false, "list the rules as a JSON array (secrets masked)")
	scheme := fs.String("scheme", "", "the provider's signature scheme (see hookscope verify --help)")
	secretFile := fs.String("secret-file", "", "read the secret from this file (default: stdin); a trailing newline is dropped")
	tolerance := fs.Duration("tolerance", 0, "timestamp tolerance (0: the scheme's default)")
	publicURL := fs.String("url", "", "the public URL the sender signs (Twilio, Square, HubSpot)")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return ExitError, err
	}
	sub, rest, err := subcommand("secrets", rest, map[string]int{"list": 0, "set": 1, "delete": 1})
	if err != nil {
		return ExitError, err
	}
	allowed := map[string][]string{"list": {"json"}, "set": {"scheme", "secret-file", "tolerance", "url"}, "delete": nil}[sub]
	if err := onlyFlags(fs, "secrets", sub, allowed...); err != nil {
		return ExitError, err
	}
	var rule app.SecretRule
	if sub == "set" {
		if *scheme == "" {
			return ExitError, usagef("secrets set needs --scheme (for example stripe, github, standard-webhooks)")
		}
		if *tolerance < 0 {
			return ExitError, usagef("--tolerance cannot be negative")
		}
		secret, err := readSecret(*secretFile)
		if err != nil {
			return ExitError, err
		}
		rule = app.SecretRule{Prefix: rest[0], Scheme: *scheme, Secret: secret, Tolerance: *tolerance, URL: *publicURL}
	}
	be, err := store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer be.Close()
	switch sub {
	case "list":
		list, err := be.SecretRules()
		if err != nil {
			return ExitError, err
		}
		return ExitOK, printSecrets(env.Stdout, list, *asJSON)
	case "set":
		if err := be.SaveSecret(rule); err != nil {
			return ExitError, err
		}
		fmt.Fprintf(env.Stdout, "saved the %s secret for %s: %s\n", rule.Scheme, rule.Prefix, app.MaskSecret(rule.Secret))
	case "delete":
		if err := be.DeleteSecret(rest[0]); err != nil {
			return ExitError, err
		}
		fmt.Fprintf(env.Stdout, "deleted the secret for %s\n", rest[0])
	}
	return ExitOK, nil
}

// maxSecret bounds what is read as a secret: PEM public keys are a few
// kilobytes; anything much larger is the wrong file.
const maxSecret = 64 << 10

// readSecret reads a secret from a file or stdin, never from a flag value
// (which any user can read in ps). One trailing newline is dropped, as a
// shell's echo or an editor adds it; other whitespace is kept, so verify
// can diagnose it.
func readSecret(file string) (string, error) {
	b, where, err := readBounded("secret", file, maxSecret)
	if err != nil {
		return "", err
	}
	if len(b) > maxSecret {
		return "", fmt.Errorf("the secret in %s is over 64 KiB: that is not a signing secret or key", where)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", fmt.Errorf("no secret in %s (pipe it in, or use --secret-file)", where)
	}
	return s, nil
}

// readBounded reads what (a secret, a spec) from file, or from stdin for ""
// or "-", at most limit+1 bytes so the caller can say it is too big;
// where names the source in the caller's sentences.
func readBounded(what, file string, limit int64) (data []byte, where string, err error) {
	var r io.Reader = os.Stdin
	where = "stdin"
	if file != "" && file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, "", fmt.Errorf("cannot read the %s: %w", what, err)
		}
		defer f.Close()
		r, where = f, file
	}
	data, err = io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("cannot read the %s from %s: %w", what, where, err)
	}
	return data, where, nil
}

func printSecrets(w io.Writer, list []app.SecretRule, asJSON bool) error {
	if asJSON {
		if list == nil {
			list = []app.SecretRule{}
		}
		return json.NewEncoder(w).Encode(list)
	}
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "no saved secrets")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range list {
		extra := ""
		if r.Tolerance > 0 {
			extra += " tolerance " + r.Tolerance.String()
		}
		if r.URL != "" {
			extra += " url " + r.URL
		}
		fmt.Fprintf(tw, "%s\t%s\t%s%s\n", r.Prefix, r.Scheme, r.Secret, extra)
	}
	return tw.Flush()
}
