package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"dev.hookscope/app"
)

// `tokens` manages the TCP API's tokens with roles (docs/cli.md, "tokens"),
// through the same Backend as every command: the file, or the running
// instance's socket, whose caller is the owner and so an admin.

const tokensSynopsis = "tokens [--db PATH] [--json]                        list the TCP API's tokens: name, role, created, last used\n" +
	"  hookscope tokens add NAME --role read|replay|admin [--db PATH]\n" +
	"                                                     make a token for --api callers; printed once, on stdout\n" +
	"  hookscope tokens revoke NAME [--db PATH]                     refuse that token from now on"

func runTokens(env Env, args []string) (int, error) { return tokensWith(env, args, nil) }

// tokensWith is runTokens with the backend opened by open (nil: as every
// command opens it), so tests can run it through a token's TCP client too.
func tokensWith(env Env, args []string, open func(db string) (Backend, error)) (int, error) {
	fs := flag.NewFlagSet("tokens", flag.ContinueOnError)
	store := targetFlags(fs)
	asJSON := fs.Bool("json", false, "list the tokens as a JSON array (never the tokens themselves)")
	roleName := fs.String("role", "", "the new token's role: read, replay or admin")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return ExitError, err
	}
	sub, rest, err := subcommand("tokens", rest, map[string]int{"list": 0, "add": 1, "revoke": 1})
	if err != nil {
		return ExitError, err
	}
	allowed := map[string][]string{"list": {"json"}, "add": {"role"}, "revoke": nil}[sub]
	if err := onlyFlags(fs, "tokens", sub, allowed...); err != nil {
		return ExitError, err
	}
	var role app.Role
	if sub == "add" {
		if *roleName == "" {
			return ExitError, usagef("tokens add needs --role read, replay or admin")
		}
		if role, err = app.ParseRole(*roleName); err != nil {
			return ExitError, usagef("--role %s", err)
		}
		if err := app.CheckTokenName(rest[0]); err != nil {
			return ExitError, usagef("%s", err)
		}
	}
	var be Backend
	if open != nil {
		be, err = open(store.db)
	} else {
		be, err = store.open(env)
	}
	if err != nil {
		return ExitError, err
	}
	defer be.Close()
	switch sub {
	case "list":
		list, err := be.Tokens()
		if err != nil {
			return ExitError, err
		}
		return ExitOK, printTokens(env.Stdout, list, *asJSON)
	case "add":
		token, info, err := be.AddToken(rest[0], role)
		if err != nil {
			return ExitError, err
		}
		fmt.Fprintln(env.Stdout, token)
		fmt.Fprintf(env.Stderr, "hookscope tokens: this is the %s token %s; it will not be shown again, so store it now (use it as Authorization: Bearer TOKEN)\n",
			info.Role, info.Name)
	case "revoke":
		if err := be.RevokeToken(rest[0]); err != nil {
			return ExitError, err
		}
		fmt.Fprintf(env.Stdout, "revoked the token %s\n", rest[0])
	}
	return ExitOK, nil
}

func printTokens(w io.Writer, list []app.TokenInfo, asJSON bool) error {
	if asJSON {
		if list == nil {
			list = []app.TokenInfo{}
		}
		return json.NewEncoder(w).Encode(list)
	}
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "no API tokens")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tLAST USED")
	for _, t := range list {
		used := "never"
		if !t.LastUsed.IsZero() {
			used = t.LastUsed.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Role, t.Created.Local().Format("2006-01-02 15:04:05"), used)
	}
	return tw.Flush()
}
