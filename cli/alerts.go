package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"dev.hookscope/alerts"
)

// alertsSynopsis is registered in cli.go.
const alertsSynopsis = "alerts [--db PATH] [--json]                        list the alert rules and the alerts fired recently\n" +
	"  hookscope alerts add --kind forward_failures|no_capture|invalid_signature_rate|answered_5xx [--prefix P] [--threshold N]\n" +
	"                    [--window D] [--cooldown D] [--webhook-file F] [--name NAME] [--disabled] [--db PATH]\n" +
	"                                                     add an alert (one of the same name is replaced)\n" +
	"  hookscope alerts delete NAME [--db PATH]                     remove one alert\n" +
	"  hookscope alerts test NAME [--db PATH] [--json]              fire it once now (exit 1: its webhook failed)"

// Defaults of `alerts add`: a minute is long enough to tell a burst from
// noise; ten minutes of cool-down keeps a channel readable.
const (
	defaultAlertWindow    = time.Minute
	defaultQuietWindow    = 10 * time.Minute
	defaultAlertCooldown  = 10 * time.Minute
	maxWebhookURLFileSize = 8 << 10
)

func runAlerts(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("alerts", flag.ContinueOnError)
	store := targetFlags(fs)
	asJSON := fs.Bool("json", false, "list (or the test's alert) as JSON")
	kind := fs.String("kind", "", "forward_failures, no_capture, invalid_signature_rate or answered_5xx")
	prefix := fs.String("prefix", "/", "path prefix the alert watches")
	threshold := fs.Float64("threshold", 0, "fire above this count (a percentage for invalid_signature_rate; none for no_capture)")
	window := fs.Duration("window", 0, "the span counted, or the quiet period of no_capture (default 1m; 10m for no_capture)")
	cooldown := fs.Duration("cooldown", defaultAlertCooldown, "after firing, stay quiet this long")
	webhookFile := fs.String("webhook-file", "", "read a Slack-compatible webhook URL from this file (- for stdin); it may hold a token, so never a flag value")
	name := fs.String("name", "", "the alert's name (default: the kind and prefix)")
	disabled := fs.Bool("disabled", false, "save the alert turned off")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return ExitError, err
	}
	sub, rest, err := subcommand("alerts", rest, map[string]int{"list": 0, "add": 0, "delete": 1, "test": 1})
	if err != nil {
		return ExitError, err
	}
	allowed := map[string][]string{"list": {"json"}, "test": {"json"}, "delete": nil,
		"add": {"kind", "prefix", "threshold", "window", "cooldown", "webhook-file", "name", "disabled"}}[sub]
	if err := onlyFlags(fs, "alerts", sub, allowed...); err != nil {
		return ExitError, err
	}
	var added alerts.Rule
	if sub == "add" {
		if *kind == "" {
			return ExitError, usagef("alerts add needs --kind (forward_failures, no_capture, invalid_signature_rate or answered_5xx)")
		}
		k := alerts.Kind(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(*kind)), "-", "_"))
		w := *window
		if w == 0 {
			w = defaultAlertWindow
			if k == alerts.NoCapture {
				w = defaultQuietWindow
			}
		}
		added = alerts.Clean(alerts.Rule{Name: *name, Kind: k, Prefix: *prefix, Threshold: *threshold,
			Window: alerts.Duration(w), Cooldown: alerts.Duration(*cooldown), Enabled: !*disabled})
		if *webhookFile != "" {
			if added.WebhookURL, err = readWebhookURL(*webhookFile); err != nil {
				return ExitError, err
			}
		}
		// Checked here too, so a mistake is a usage error before any store
		// is opened, on either side.
		if err := alerts.Validate(added); err != nil {
			return ExitError, usagef("%s", err.Error())
		}
	}
	be, err := store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer be.Close()
	switch sub {
	case "list":
		list, err := be.AlertRules()
		if err != nil {
			return ExitError, err
		}
		fired, err := be.FiredAlerts()
		if err != nil {
			return ExitError, err
		}
		return ExitOK, printAlerts(env.Stdout, list, fired, *asJSON)
	case "add":
		list, err := be.AlertRules()
		if err != nil {
			return ExitError, err
		}
		verb := "added"
		if i := alertIndex(list, added.Name); i >= 0 {
			list[i], verb = added, "replaced"
		} else {
			list = append(list, added)
		}
		if err := be.SetAlertRules(list); err != nil {
			return ExitError, err
		}
		fmt.Fprintf(env.Stdout, "%s alert %q: %s%s\n", verb, added.Name, added.Describe(), webhookNote(alerts.MaskURL(added.WebhookURL)))
	case "delete":
		list, err := be.AlertRules()
		if err != nil {
			return ExitError, err
		}
		i := alertIndex(list, rest[0])
		if i < 0 {
			return ExitError, fmt.Errorf("no alert is named %q (hookscope alerts lists them)", rest[0])
		}
		gone := list[i].Name
		if err := be.SetAlertRules(append(list[:i:i], list[i+1:]...)); err != nil {
			return ExitError, err
		}
		fmt.Fprintf(env.Stdout, "deleted alert %q\n", gone)
	case "test":
		f, err := be.TestAlert(rest[0])
		if err != nil {
			return ExitError, err
		}
		code := ExitOK
		if f.WebhookError != "" {
			code = ExitNegative
		}
		if *asJSON {
			return code, json.NewEncoder(env.Stdout).Encode(f)
		}
		fmt.Fprintf(env.Stdout, "fired %q: %s\n", f.Rule, f.Text)
		if f.Webhook != "" {
			fmt.Fprintf(env.Stdout, "webhook %s: %s\n", f.Webhook, deliveryText(f))
		}
		return code, nil
	}
	return ExitOK, nil
}

// readWebhookURL reads a URL from a file or stdin; flag values are visible
// to every user in ps, and a Slack webhook URL is its own credential.
func readWebhookURL(file string) (string, error) {
	s, err := readSecret(file)
	if err != nil {
		return "", fmt.Errorf("cannot read the webhook URL: %w", err)
	}
	if len(s) > maxWebhookURLFileSize {
		return "", fmt.Errorf("the webhook URL in %s is over 8 KiB: that is not a URL", file)
	}
	return strings.TrimSpace(s), nil
}

// webhookNote names where an alert posts; masked is the URL as listed.
func webhookNote(masked string) string {
	if masked == "" {
		return ""
	}
	return "; posts to " + masked
}

func alertIndex(list []alerts.Rule, name string) int {
	for i, r := range list {
		if strings.EqualFold(r.Name, strings.TrimSpace(name)) {
			return i
		}
	}
	return -1
}

func deliveryText(f alerts.Fired) string {
	switch {
	case f.WebhookError != "":
		return f.WebhookError
	case f.WebhookStatus != 0:
		return fmt.Sprintf("answered %d", f.WebhookStatus)
	}
	return "sending"
}

// alertsJSON is `alerts --json`: the rules and the fired alerts.
type alertsJSON struct {
	Rules []alerts.Rule  `json:"rules"`
	Fired []alerts.Fired `json:"fired"`
}

func printAlerts(w io.Writer, list []alerts.Rule, fired []alerts.Fired, asJSON bool) error {
	if asJSON {
		out := alertsJSON{Rules: list, Fired: fired}
		if out.Rules == nil {
			out.Rules = []alerts.Rule{}
		}
		if out.Fired == nil {
			out.Fired = []alerts.Fired{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(list) == 0 {
		fmt.Fprintln(w, "no alerts (hookscope alerts add --kind KIND adds one)")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range list {
		state := ""
		if !r.Enabled {
			state = "  (off)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s%s%s\n", r.Name, r.Kind, r.Describe(), webhookNote(r.WebhookURL), state)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(fired) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nfired recently (oldest first):")
	for _, f := range fired {
		test := ""
		if f.Test {
			test = " (test)"
		}
		line := fmt.Sprintf("%s  %s%s: %s", f.At.UTC().Format(time.RFC3339), f.Rule, test, f.Text)
		if f.Webhook != "" {
			line += "  [webhook: " + deliveryText(f) + "]"
		}
		fmt.Fprintln(w, line)
	}
	return nil
}
