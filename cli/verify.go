package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"dev.hookscope/app"
	"dev.hookscope/signature"
)

func runVerify(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	store := targetFlags(fs)
	scheme := fs.String("scheme", "", "signature scheme (see hookscope help), or auto")
	secret := fs.String("secret", "", "secret, token or public key; default: the one saved for the request's path")
	tolerance := fs.String("tolerance", "", "timestamp window as a Go duration; 0 turns the check off")
	publicURL := fs.String("url", "", "public URL the sender signed (Twilio, Square, HubSpot)")
	asJSON := fs.Bool("json", false, "one JSON object")
	var opt signature.Options
	fs.StringVar(&opt.Algo, "algo", "", "hmac: sha1, sha256 or sha512")
	fs.StringVar(&opt.Encoding, "encoding", "", "hmac: hex or base64")
	fs.StringVar(&opt.HeaderName, "header", "", "hmac: header carrying the signature")
	fs.StringVar(&opt.Prefix, "prefix", "", "hmac: prefix before the signature, like sha256=")
	fs.StringVar(&opt.Template, "template", "", "hmac: signed content, like {timestamp}.{body}")
	fs.StringVar(&opt.WebhookID, "webhook-id", "", "paypal: the webhook ID")
	id, err := parseOneID(fs, args)
	if err != nil {
		return ExitError, err
	}
	if opt.Tolerance, err = parseTolerance(*tolerance); err != nil {
		return ExitError, err
	}
	if *publicURL != "" && signature.CheckURL(*publicURL) != nil {
		return ExitError, usagef("--url %q is not an http:// or https:// URL with a host: give the public URL the sender signed", *publicURL)
	}
	opt.URL = *publicURL
	st, err := store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer st.Close()
	rec, err := st.Get(id)
	if err != nil {
		return ExitError, err
	}
	key, err := app.ResolveSigningKey(rec.Path, *scheme, *secret, rec.Header, st.SecretFor)
	if errors.Is(err, app.ErrNoSecret) {
		return ExitError, usagef("no --secret given and none saved for %s", rec.Path)
	}
	if err != nil {
		return ExitError, usagef("%v", err)
	}
	*scheme, opt = key.Scheme, key.Apply(opt)
	res, err := app.VerifyRecord(rec, *scheme, opt)
	if err != nil {
		// An unknown scheme, or options that cannot check any request
		// (signature.ErrConfig): the caller's to fix, not a verdict.
		return ExitError, usagef("%v", err)
	}
	code := ExitOK
	if !res.Valid {
		code = ExitNegative
	}
	if *asJSON {
		return code, json.NewEncoder(env.Stdout).Encode(res)
	}
	writeVerdict(env, res)
	return code, nil
}

// parseTolerance: empty means none given (the saved one, else the
// scheme's default); any zero duration (0, 0s, 0m) turns the check off.
func parseTolerance(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := app.ParseTolerance(s)
	if err != nil {
		return 0, usagef("--tolerance %q is not a duration (like 5m or 300s; 0 turns the check off)", s)
	}
	return d, nil
}

func writeVerdict(env Env, res signature.Result) {
	line := fmt.Sprintf("valid: %s signature", res.Scheme)
	switch {
	case res.Unsigned:
		line = "no signature"
	case !res.Valid:
		line = fmt.Sprintf("invalid: %s signature", res.Scheme)
	}
	if res.Reason != "" {
		line += ": " + res.Reason
	}
	fmt.Fprintln(env.Stdout, line)
	if res.TimestampAgeS != nil {
		fmt.Fprintf(env.Stdout, "timestamp age: %s\n", (time.Duration(*res.TimestampAgeS * float64(time.Second))).Round(time.Second))
	}
	if res.Diagnosis != "" {
		fmt.Fprintln(env.Stdout, "likely mistake: "+res.Diagnosis)
	}
	fmt.Fprintln(env.Stdout, "expected: "+res.Expected)
	fmt.Fprintln(env.Stdout, "received: "+res.Received)
	fmt.Fprintln(env.Stdout, "signed payload: "+clipPayload(res.SignedPayload))
}

func clipPayload(s string) string {
	const limit = 2000
	if len(s) <= limit {
		return s
	}
	return s[:limit] + fmt.Sprintf("… (%d more bytes)", len(s)-limit)
}
