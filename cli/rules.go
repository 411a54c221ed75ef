package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"dev.hookscope/rules"
)

// rulesSynopsis is registered in cli.go; its extra lines carry their own
// "hookscope" so each subcommand reads as a command of its own.
const rulesSynopsis = "rules [--db PATH] [--json]                         list the response rules, in the order they are tried\n" +
	"  hookscope rules add --path GLOB [--method M] [--status N] [--header \"K: V\"]... [--body TEXT | --body-file F] [--delay D]\n" +
	"                    [--fail close|hang|first:N|percent:P] [--fail-status N] [--name NAME] [--disabled] [--db PATH]\n" +
	"                                                     answer matching requests so (a rule of the same name is replaced)\n" +
	"  hookscope rules delete NAME [--db PATH]                      remove one response rule\n" +
	"  hookscope rules clear [--db PATH]                            remove every response rule"

// ruleFlags are the flags of `rules add`; the others take only --db.
type ruleFlags struct {
	path, method, body, bodyFile, fail, name string
	status, failStatus                       int
	headers                                  stringList
	delay                                    time.Duration
	disabled                                 bool
}

func runRules(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	store := targetFlags(fs)
	asJSON := fs.Bool("json", false, "print the rules as a JSON array")
	var f ruleFlags
	fs.StringVar(&f.path, "path", "", "path glob (path.Match), or a prefix ending in *")
	fs.StringVar(&f.method, "method", "", "HTTP method (default: any)")
	fs.IntVar(&f.status, "status", 0, "status of the answer (default 200)")
	fs.Var(&f.headers, "header", `"Name: value" to answer with (repeatable)`)
	fs.StringVar(&f.body, "body", "", "body template (Go text/template: {{.ID}}, {{.JSON \"a.b\"}}, {{.Header \"X\"}}, {{.Query \"q\"}})")
	fs.StringVar(&f.bodyFile, "body-file", "", "read the body template from this file")
	fs.DurationVar(&f.delay, "delay", 0, "wait this long before answering")
	fs.StringVar(&f.fail, "fail", "", "fail on purpose: close, hang, first:N or percent:P")
	fs.IntVar(&f.failStatus, "fail-status", 0, "status of a failure for first:N and percent:P (default 503)")
	fs.StringVar(&f.name, "name", "", "the rule's name (default: the method and path)")
	fs.BoolVar(&f.disabled, "disabled", false, "save the rule turned off")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return ExitError, err
	}
	sub := "list"
	if len(rest) > 0 {
		sub, rest = rest[0], rest[1:]
	}
	if sub != "add" {
		if err := onlyListFlags(fs, sub, *asJSON); err != nil {
			return ExitError, err
		}
	}
	switch sub {
	case "list", "add", "clear":
		if len(rest) > 0 {
			return ExitError, usagef("rules %s takes no arguments, got %q", sub, rest[0])
		}
	case "delete":
		if len(rest) != 1 {
			return ExitError, usagef("rules delete takes one rule name")
		}
	default:
		return ExitError, usagef("unknown rules command %q (use add, delete or clear, or nothing to list)", sub)
	}
	var added rules.Rule
	if sub == "add" {
		if added, err = f.rule(); err != nil {
			return ExitError, err
		}
	}
	be, err := store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer be.Close()
	list, err := be.ResponseRules()
	if err != nil {
		return ExitError, err
	}
	switch sub {
	case "list":
		return ExitOK, printRules(env, list, *asJSON)
	case "add":
		verb := "added"
		if i := ruleIndex(list, added.Name); i >= 0 {
			list[i], verb = added, "replaced"
		} else {
			list = append(list, added)
		}
		if err := be.SetResponseRules(list); err != nil {
			return ExitError, err
		}
		fmt.Fprintf(env.Stdout, "%s response rule %q: %s\n", verb, added.Name, added.Describe())
	case "delete":
		i := ruleIndex(list, rest[0])
		if i < 0 {
			return ExitError, fmt.Errorf("no response rule is named %q (hookscope rules lists them)", rest[0])
		}
		name := list[i].Name
		if err := be.SetResponseRules(append(list[:i:i], list[i+1:]...)); err != nil {
			return ExitError, err
		}
		fmt.Fprintf(env.Stdout, "deleted response rule %q\n", name)
	case "clear":
		if err := be.SetResponseRules(nil); err != nil {
			return ExitError, err
		}
		fmt.Fprintf(env.Stdout, "removed %d response rule(s)\n", len(list))
	}
	return ExitOK, nil
}

// onlyListFlags refuses add's flags on another subcommand, where they would
// be silently ignored.
func onlyListFlags(fs *flag.FlagSet, sub string, asJSON bool) error {
	var wrong string
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name != "db" && fl.Name != "json" && wrong == "" {
			wrong = fl.Name
		}
	})
	if wrong != "" {
		return usagef("--%s belongs to rules add, not rules %s", wrong, sub)
	}
	if asJSON && sub != "list" {
		return usagef("--json only lists the rules")
	}
	return nil
}

// rule builds the rule `rules add` describes; the instance or the file
// checks the rest (patterns, statuses, the template) when it is saved.
func (f *ruleFlags) rule() (rules.Rule, error) {
	if f.path == "" {
		return rules.Rule{}, usagef("rules add needs --path (a glob like /hooks/* or a path)")
	}
	r := rules.Rule{Name: f.name, Method: f.method, PathPattern: f.path, Status: f.status, BodyTemplate: f.body,
		Delay: f.delay, FailStatus: f.failStatus, Enabled: !f.disabled}
	if f.bodyFile != "" {
		if f.body != "" {
			return r, usagef("give --body or --body-file, not both")
		}
		b, err := os.ReadFile(f.bodyFile)
		if err != nil {
			return r, fmt.Errorf("read --body-file: %w", err)
		}
		r.BodyTemplate = string(b)
	}
	for _, h := range f.headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return r, usagef("--header %q is not \"Name: value\"", h)
		}
		if r.Headers == nil {
			r.Headers = map[string]string{}
		}
		r.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	var err error
	if r.Failure, r.FailN, r.FailPercent, err = parseFail(f.fail); err != nil {
		return r, err
	}
	if r.Name == "" {
		r.Name = strings.TrimSpace(strings.ToUpper(f.method) + " " + f.path)
	}
	return r, nil
}

// parseFail reads --fail: close, hang, first:N, percent:P (P may end in %).
func parseFail(s string) (rules.Failure, int, float64, error) {
	kind, arg, hasArg := strings.Cut(strings.ToLower(strings.TrimSpace(s)), ":")
	switch {
	case kind == "" && !hasArg:
		return rules.FailNone, 0, 0, nil
	case kind == "close" && !hasArg:
		return rules.FailClose, 0, 0, nil
	case kind == "hang" && !hasArg:
		return rules.FailHang, 0, 0, nil
	case kind == "first" && hasArg:
		if n, err := strconv.Atoi(arg); err == nil && n >= 1 {
			return rules.FailFirstN, n, 0, nil
		}
	case kind == "percent" && hasArg:
		if p, err := strconv.ParseFloat(strings.TrimSuffix(arg, "%"), 64); err == nil && p > 0 && p <= 100 {
			return rules.FailPercent, 0, p, nil
		}
	}
	return rules.FailNone, 0, 0, usagef("--fail %q is not close, hang, first:N (N ≥ 1) or percent:P (0 < P ≤ 100)", s)
}

// ruleIndex finds a rule by name, ignoring case as the uniqueness check does.
func ruleIndex(list []rules.Rule, name string) int {
	for i, r := range list {
		if strings.EqualFold(r.Name, strings.TrimSpace(name)) {
			return i
		}
	}
	return -1
}

func printRules(env Env, list []rules.Rule, asJSON bool) error {
	if asJSON {
		if list == nil {
			list = []rules.Rule{}
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(env.Stdout, "no response rules: every request gets 200 {\"ok\":true,\"id\":N}")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	for _, r := range list {
		method := r.Method
		if method == "" {
			method = "*"
		}
		state := ""
		if !r.Enabled {
			state = "  (off)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\n", r.Name, method, r.PathPattern, r.Describe(), state)
	}
	return tw.Flush()
}
