package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"dev.hookscope/app"
	"dev.hookscope/contract"
)

// contractsSynopsis is registered in cli.go.
const contractsSynopsis = "contracts [--db PATH] [--json]                     list the OpenAPI specs attached to path prefixes\n" +
	"  hookscope contracts add PREFIX FILE [--db PATH]          check captures under PREFIX against the spec in FILE (- for stdin)\n" +
	"  hookscope contracts delete PREFIX [--db PATH]            detach it (verdicts already kept stay)"

const validateSynopsis = "validate ID [--spec FILE] [--db PATH] [--json]\n" +
	"                                                     check a capture against its OpenAPI spec (exit 0 valid, 1 not)"

// maxSpecFile bounds a spec read by add or --spec: published specs
// (Stripe's, GitHub's) are a few MiB; the local API takes 32 MiB encoded.
const maxSpecFile = 16 << 20

func runContracts(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("contracts", flag.ContinueOnError)
	store := targetFlags(fs)
	asJSON := fs.Bool("json", false, "list as JSON")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return ExitError, err
	}
	sub, rest, err := subcommand("contracts", rest, map[string]int{"list": 0, "add": 2, "delete": 1})
	if err != nil {
		return ExitError, err
	}
	allowed := map[string][]string{"list": {"json"}}[sub]
	if err := onlyFlags(fs, "contracts", sub, allowed...); err != nil {
		return ExitError, err
	}
	var spec []byte
	if sub == "add" {
		// Read before any store is opened: an unreadable file is the
		// same usage error on either side.
		if spec, err = readSpec(rest[1]); err != nil {
			return ExitError, err
		}
	}
	be, err := store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer be.Close()
	switch sub {
	case "list":
		list, err := be.Contracts()
		if err != nil {
			return ExitError, err
		}
		return ExitOK, printContracts(env.Stdout, list, *asJSON)
	case "add":
		a, err := be.AttachContract(rest[0], spec)
		if err != nil {
			return ExitError, err
		}
		fmt.Fprintf(env.Stdout, "attached %s to %s (%s)\n", a.Spec, a.Prefix, webhookCount(a.Webhooks))
	case "delete":
		if err := be.DetachContract(rest[0]); err != nil {
			return ExitError, err
		}
		fmt.Fprintf(env.Stdout, "detached the spec from %s\n", rest[0])
	}
	return ExitOK, nil
}

func runValidate(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	store := targetFlags(fs)
	specFile := fs.String("spec", "", "check against the OpenAPI spec in `FILE` (- for stdin) instead of the one attached to the request's path")
	asJSON := fs.Bool("json", false, "one JSON object: the verdict")
	id, err := parseOneID(fs, args)
	if err != nil {
		return ExitError, err
	}
	var spec []byte
	if *specFile != "" {
		if spec, err = readSpec(*specFile); err != nil {
			return ExitError, err
		}
	}
	be, err := store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer be.Close()
	v, err := be.CheckContract(id, spec)
	if err != nil {
		return ExitError, err
	}
	code := ExitOK
	if !v.Valid {
		code = ExitNegative
	}
	if *asJSON {
		return code, json.NewEncoder(env.Stdout).Encode(v)
	}
	writeContractVerdict(env.Stdout, v)
	return code, nil
}

// writeContractVerdict prints the verdict's line, then one line per
// violation, "POINTER: message" (docs/cli.md, "validate").
func writeContractVerdict(w io.Writer, v contract.Verdict) {
	fmt.Fprintln(w, v.Headline())
	for _, x := range v.Violations {
		fmt.Fprintln(w, x.String())
	}
}

// readSpec reads a spec from a file, or stdin for "-".
func readSpec(file string) ([]byte, error) {
	if file == "" {
		return nil, usagef("cannot read the spec: no file named (- reads stdin)")
	}
	b, where, err := readBounded("spec", file, maxSpecFile)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if len(b) > maxSpecFile {
		return nil, usagef("the spec in %s is over 16 MiB", where)
	}
	if len(b) == 0 {
		return nil, usagef("no spec in %s", where)
	}
	return b, nil
}

func webhookCount(n int) string {
	if n == 1 {
		return "1 webhook"
	}
	return fmt.Sprintf("%d webhooks", n)
}

func printContracts(w io.Writer, list []app.ContractAttachment, asJSON bool) error {
	if asJSON {
		if list == nil {
			list = []app.ContractAttachment{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(w, "no contracts (hookscope contracts add PREFIX FILE attaches an OpenAPI spec)")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, a := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\tsha256:%.12s\n", a.Prefix, a.Spec, webhookCount(a.Webhooks), a.SHA256)
	}
	return tw.Flush()
}
