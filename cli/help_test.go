package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCommandHelp: `hookscope CMD --help` and `-h` print that command's
// usage on stdout and exit 0, for every command in the table, and start
// nothing (serve would block, wait would time out).
func TestCommandHelp(t *testing.T) {
	db := filepath.Join(t.TempDir(), "help.db")
	for _, c := range commands() {
		for _, args := range [][]string{
			{c.name, "--help"},
			{c.name, "-h"},
			{c.name, "-help"},
			// Help wins wherever it stands among the flags.
			{c.name, "--db", db, "--help"},
			{"help", c.name},
		} {
			if c.name == "remote" && args[1] == "--db" {
				continue // the pins are the user's, not a database's
			}
			code, out, errOut := run(args...)
			if code != ExitOK || errOut != "" {
				t.Errorf("%q: exit %d, stderr %q; want 0 and nothing", args, code, errOut)
				continue
			}
			if want := !localOnly[c.name]; strings.Contains(out, "--remote https://HOST:PORT --token-file FILE") != want {
				t.Errorf("%q: usage names --remote: %v, want %v:\n%s", args, !want, want, out)
			}
			if !strings.HasPrefix(out, "Usage:\n  hookscope "+c.name+" ") {
				t.Errorf("%q: stdout does not start with the usage of %s:\n%s", args, c.name, out)
			}
			// One command's usage, not the whole list.
			for _, other := range commands() {
				if other.name != c.name && strings.Contains(out, "\n  hookscope "+other.name+" ") {
					t.Errorf("%q: stdout holds the usage of %s too:\n%s", args, other.name, out)
				}
			}
		}
	}
}

func TestCommandHelpNotes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"serve", "--help"}, []string{"--max-inflight SIZE", "--api ADDR", "$HOOKSCOPE_DB", "--api-tls", "tokens add NAME --role"}},
		{[]string{"verify", "-h"}, []string{"stripe", "Generic hmac", "--tolerance D"}},
		{[]string{"replay", "--help"}, []string{"--resign", "stripe"}},
		{[]string{"rules", "add", "--help"}, []string{"hookscope rules add --path GLOB", "hookscope rules delete NAME"}},
		{[]string{"import", "--help"}, []string{"FILE's folder", "--max-body"}},
	} {
		code, out, errOut := run(tc.args...)
		if code != ExitOK || errOut != "" {
			t.Errorf("%q: exit %d, stderr %q", tc.args, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%q: usage lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
}

func TestTopLevelHelp(t *testing.T) {
	for _, args := range [][]string{{}, {"help"}, {"-h"}, {"--help"}, {"--listen", "127.0.0.1:0", "--help"}} {
		if len(args) > 0 && !IsCommand(args) {
			t.Errorf("IsCommand(%q) = false: the window would open instead of the help", args)
		}
		code, out, errOut := run(args...)
		if code != ExitOK || errOut != "" || !strings.Contains(out, "hookscope serve ") || !strings.Contains(out, "hookscope verify ") {
			t.Errorf("%q: exit %d, stderr %q, stdout:\n%s", args, code, errOut, out)
		}
	}
	if IsCommand([]string{"--listen", "127.0.0.1:0"}) || IsCommand(nil) {
		t.Error("window flags that parse must open the window")
	}
	code, _, errOut := run("help", "nope")
	if code != ExitError || !strings.HasPrefix(errOut, "hookscope: ") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("help nope: exit %d, stderr %q", code, errOut)
	}
}

// TestErrorLines: an error is one line on stderr, "hookscope CMD: " once
// and then a sentence in the terms people type, never the flag package's
// or the runtime's own wording; stdout stays empty and the exit is 2.
func TestErrorLines(t *testing.T) {
	db := filepath.Join(t.TempDir(), "errors.db")
	for _, tc := range []struct {
		args []string
		want string // in the sentence
	}{
		{[]string{"show", "--nope"}, "flag provided but not defined: --nope (hookscope show --help lists the flags)"},
		{[]string{"show", "--db", db}, "show takes one request ID"},
		{[]string{"show", "--db", db, "abc"}, `"abc" is not a request ID`},
		{[]string{"show", "--db", db, "7"}, "no such request"},
		{[]string{"list", "--db"}, "--db needs a value"},
		{[]string{"list", "--db", db, "extra"}, `got "extra"`},
		{[]string{"list", "--json=maybe", "--db", db}, `--json takes true or false (or nothing), not "maybe"`},
		{[]string{"wait", "--db", db, "--timeout", "soon"}, `--timeout "soon" is not a valid value`},
		{[]string{"retention", "--db", db, "--count", "lots"}, `--count "lots" is not a valid value`},
		{[]string{"retention", "--db", db, "--count", "99999999999999999999"}, "out of range"},
		{[]string{"serve", "--db", db, "--max-body", "huge"}, `--max-body: "huge" is not a size`},
		{[]string{"serve", "--db", db, "--rate", "-1"}, `--rate "-1": give a number of requests per second`},
		{[]string{"serve", "--db", db, "---listen", "x"}, `"---listen" is not a flag`},
		{[]string{"verify", "--db", db, "1", "--tolerance", "x"}, `--tolerance "x" is not a duration`},
		{[]string{"export", "--db", db, "--format", "xml"}, `unknown format "xml"`},
		{[]string{"export", "--db", db}, "needs --format"},
		{[]string{"import", "--db", db}, "import takes one file"},
		{[]string{"replay", "--db", db, "1"}, "needs --to URL"},
		{[]string{"delete", "--db", db}, "delete takes one or more request IDs"},
		{[]string{"rules", "--db", db, "bogus"}, `unknown rules command "bogus"`},
		{[]string{"rules", "add", "--db", db, "--path"}, "--path needs a value"},
		{[]string{"compact", "--db", db, "now"}, `got "now"`},
		{[]string{"tail", "--db", db}, "nothing is capturing"},
	} {
		name := tc.args[0]
		code, out, errOut := run(tc.args...)
		if code != ExitError || out != "" {
			t.Errorf("%q: exit %d, stdout %q; want 2 and nothing", tc.args, code, out)
		}
		checkErrorLine(t, tc.args, errOut, "hookscope "+name+": ", name+": ", tc.want)
	}
}

// TestWindowFlagErrors: the window's flags are checked by Run too, so the
// error is said once ("hookscope: ", not "hookscope: hookscope: ").
func TestWindowFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--nope"}, "flag provided but not defined: --nope (hookscope help lists the flags)"},
		{[]string{"--listen", "127.0.0.1:0", "--max-body", "huge"}, `--max-body: "huge" is not a size`},
		{[]string{"nope"}, `unknown command "nope"`},
	} {
		if !IsCommand(tc.args) {
			t.Errorf("IsCommand(%q) = false: main would print the error itself", tc.args)
		}
		code, out, errOut := run(tc.args...)
		if code != ExitError || out != "" {
			t.Errorf("%q: exit %d, stdout %q", tc.args, code, out)
		}
		checkErrorLine(t, tc.args, errOut, "hookscope: ", "hookscope: ", tc.want)
	}
}

// singleDashFlag is the flag package's way of naming a flag ("-db").
var singleDashFlag = regexp.MustCompile(`(^|[\s:(])-[a-z]`)

func checkErrorLine(t *testing.T, args []string, errOut, prefix, repeated, want string) {
	t.Helper()
	if strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") {
		t.Errorf("%q: stderr is not one line: %q", args, errOut)
		return
	}
	rest, ok := strings.CutPrefix(errOut, prefix)
	if !ok {
		t.Errorf("%q: stderr %q does not start with %q", args, errOut, prefix)
		return
	}
	if strings.Contains(rest, repeated) {
		t.Errorf("%q: stderr %q says %q twice", args, errOut, repeated)
	}
	for _, internal := range []string{"runtime error", "goroutine", "panic", "parse error",
		"flag needs an argument", "for flag -", "help requested", "bad flag syntax"} {
		if strings.Contains(rest, internal) {
			t.Errorf("%q: stderr %q has Go's own wording %q", args, errOut, internal)
		}
	}
	if singleDashFlag.MatchString(rest) {
		t.Errorf("%q: stderr %q names a flag with one dash; people type two", args, errOut)
	}
	if !strings.Contains(rest, want) {
		t.Errorf("%q: stderr %q lacks %q", args, errOut, want)
	}
}

// TestContractDocCoversTheCommands: docs/cli.md is the project's contract
// for the command line, kept current with the table: every command has a
// section and every flag a synopsis names is described there.
func TestContractDocCoversTheCommands(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	flagName := regexp.MustCompile(`--[a-z][a-z-]*`)
	for _, c := range commands() {
		if !strings.Contains(doc, "\n### "+c.name+"\n") {
			t.Errorf("docs/cli.md has no section for %s", c.name)
		}
		for _, f := range flagName.FindAllString(c.synopsis, -1) {
			if !strings.Contains(doc, "`"+f) {
				t.Errorf("docs/cli.md does not describe %s %s", c.name, f)
			}
		}
	}
	for _, f := range flagName.FindAllString(listenerFlagsNote+remoteNote+apiNote, -1) {
		if !strings.Contains(doc, "`"+f) {
			t.Errorf("docs/cli.md does not describe the listener flag %s", f)
		}
	}
}
