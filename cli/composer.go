package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"

	"dev.hookscope/app"
	"dev.hookscope/app/composer"
)

const composerSynopsis = "composer import-openapi FILE|URL [--collection NAME] [--json] [--db PATH]\n" +
	"                                                     make a composer collection from an OpenAPI 3.0/3.1 spec"

// runComposer dispatches the composer's subcommands; import-openapi is
// the only one (docs/cli.md, "composer").
func runComposer(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("composer", flag.ContinueOnError)
	store := targetFlags(fs)
	collection := fs.String("collection", "", "the collection (top folder) to import into (default: the spec's title)")
	asJSON := fs.Bool("json", false, "print the import as JSON")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return ExitError, err
	}
	if len(rest) == 0 || rest[0] != "import-openapi" {
		return ExitError, usagef("composer takes a subcommand: import-openapi FILE|URL")
	}
	if len(rest) != 2 {
		return ExitError, usagef("import-openapi takes one spec: a file or an http(s) URL")
	}
	rest = rest[1:]
	data, err := composer.ReadSpec(context.Background(), rest[0])
	if err != nil {
		return ExitError, err
	}
	imp, err := composer.ImportOpenAPI(data, *collection, rest[0])
	if err != nil {
		return ExitError, err
	}
	be, err := store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer be.Close()
	importer, ok := be.(app.ComposerImporter)
	if !ok {
		return ExitError, errors.New("this store cannot keep composer collections")
	}
	res, err := importer.ImportCollection(imp)
	if err != nil {
		return ExitError, err
	}
	if *asJSON {
		out, _ := json.Marshal(struct {
			*composer.OpenAPIImport
			Result composer.ImportResult `json:"result"`
		}{imp, res})
		fmt.Fprintln(env.Stdout, string(out))
		return ExitOK, nil
	}
	fmt.Fprintf(env.Stdout, "imported %d requests (%d operations, %d webhooks) from OpenAPI %s into the collection %q\n",
		res.Saved, imp.Operations, imp.Webhooks, imp.Version, imp.Collection)
	what := "updated the environment"
	if res.NewEnvironment {
		what = "made the environment"
	}
	added := "no variables added"
	if len(res.VarsAdded) > 0 {
		added = "variables " + strings.Join(res.VarsAdded, ", ")
	}
	fmt.Fprintf(env.Stdout, "%s %q: %s\n", what, res.Environment, added)
	switch {
	case res.Contract != nil:
		fmt.Fprintf(env.Stdout, "answers are checked against %s (sha256:%.12s)\n", res.Contract.Spec, res.Contract.SHA256)
	case res.ContractNote != "":
		fmt.Fprintln(env.Stdout, "note: "+res.ContractNote)
	}
	for _, n := range imp.Notes {
		fmt.Fprintln(env.Stdout, "note: "+n)
	}
	return ExitOK, nil
}
