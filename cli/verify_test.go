package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"dev.hookscope/app"
	"dev.hookscope/signature"
	"dev.hookscope/storage"
)

const stripeSecret = "whsec_test_secret_for_cli"

// storeSigned writes three Stripe deliveries: signed now, tampered, and
// signed an hour ago.
func storeSigned(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "v.db")
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	body := []byte(`{"id":"evt_1","type":"invoice.paid"}`)
	add := func(body []byte, at time.Time, signedBody []byte) {
		h, err := signature.Sign("stripe", signature.Request{Method: "POST", Body: signedBody, Header: http.Header{}},
			signature.Options{Secret: stripeSecret, Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		h.Set("Content-Type", "application/json")
		rec := &storage.Record{Summary: storage.Summary{Method: "POST", Path: "/hooks/stripe", ReceivedAt: at, BodySize: int64(len(body))},
			Header: h, Body: body, Host: "127.0.0.1:8080"}
		if _, err := st.Append(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	add(body, time.Now(), body)
	add([]byte(`{"id":"evt_1","type":"invoice.paid","amount":1}`), time.Now(), body)
	add(body, time.Now().Add(-time.Hour), body)
	return db
}

type verifyJSON struct {
	Scheme        string   `json:"scheme"`
	Valid         bool     `json:"valid"`
	Reason        string   `json:"reason"`
	SignedPayload string   `json:"signed_payload"`
	Expected      string   `json:"expected"`
	Received      string   `json:"received"`
	TimestampAgeS *float64 `json:"timestamp_age_s"`
	Unsigned      bool     `json:"unsigned"`
}

func verifyRun(t *testing.T, args ...string) (int, verifyJSON, string) {
	t.Helper()
	code, out, errOut := run(append([]string{"verify"}, args...)...)
	var v verifyJSON
	if strings.Contains(strings.Join(args, " "), "--json") && code != ExitError {
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("verify --json printed %q: %v", out, err)
		}
		if strings.Contains(out, stripeSecret) {
			t.Fatal("the secret appears in verify --json")
		}
	}
	return code, v, out + errOut
}

func TestVerifyExitCodesAndJSON(t *testing.T) {
	db := storeSigned(t)
	code, v, _ := verifyRun(t, "1", "--scheme", "stripe", "--secret", stripeSecret, "--json", "--db", db)
	if code != 0 || !v.Valid || v.Scheme != "stripe" || v.Reason != "" || v.TimestampAgeS == nil ||
		!strings.HasSuffix(v.SignedPayload, `.{"id":"evt_1","type":"invoice.paid"}`) || v.Expected == "" || !strings.Contains(v.Received, v.Expected) {
		t.Fatalf("valid: exit %d %+v", code, v)
	}
	code, v, _ = verifyRun(t, "--json", "2", "--scheme", "stripe", "--secret", stripeSecret, "--db", db)
	if code != 1 || v.Valid || v.Reason == "" {
		t.Fatalf("tampered: exit %d %+v", code, v)
	}
	code, v, _ = verifyRun(t, "1", "--scheme", "stripe", "--secret", "whsec_wrong", "--json", "--db", db)
	if code != 1 || v.Valid {
		t.Fatalf("wrong secret: exit %d %+v", code, v)
	}
	// An hour old: stale by Stripe's 300 s default, valid with the check off
	// or a wider window.
	code, v, _ = verifyRun(t, "3", "--scheme", "stripe", "--secret", stripeSecret, "--json", "--db", db)
	if code != 1 || !strings.Contains(v.Reason, "timestamp") {
		t.Fatalf("stale: exit %d %+v", code, v)
	}
	for _, tol := range []string{"0", "2h"} {
		if code, _, out := verifyRun(t, "3", "--scheme", "stripe", "--secret", stripeSecret, "--tolerance", tol, "--db", db); code != 0 || !strings.HasPrefix(out, "valid: stripe signature") {
			t.Fatalf("--tolerance %s: exit %d %q", tol, code, out)
		}
	}
	code, v, _ = verifyRun(t, "1", "--scheme", "auto", "--secret", stripeSecret, "--json", "--db", db)
	if code != 0 || v.Scheme != "stripe" {
		t.Fatalf("auto: exit %d %+v", code, v)
	}
}

func TestVerifyErrors(t *testing.T) {
	db := storeSigned(t)
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"1", "--scheme", "nosuch", "--secret", "x"}, "nosuch"},
		{[]string{"99", "--scheme", "stripe", "--secret", "x"}, "no such request"},
		{[]string{"1", "--scheme", "stripe"}, "no --secret given"},
		{[]string{"1", "--scheme", "stripe", "--secret", "x", "--tolerance", "soon"}, "not a duration"},
	} {
		code, _, out := verifyRun(t, append(c.args, "--db", db)...)
		if code != 2 || !strings.Contains(out, c.msg) {
			t.Errorf("%v: exit %d %q", c.args, code, out)
		}
	}
}

func TestVerifyUsesSavedSecret(t *testing.T) {
	db := storeSigned(t)
	core, err := app.Open(app.Config{DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := core.SaveSecret(app.SecretRule{Prefix: "/hooks/stripe", Scheme: "stripe", Secret: stripeSecret}); err != nil {
		t.Fatal(err)
	}
	core.Close()
	code, v, _ := verifyRun(t, "1", "--json", "--db", db)
	if code != 0 || !v.Valid || v.Scheme != "stripe" {
		t.Fatalf("saved secret: exit %d %+v", code, v)
	}
}

// ageRE matches what differs between two runs a moment apart: the age of
// a timestamp.
var ageRE = regexp.MustCompile(`timestamp age: \S+|"timestamp_age_s":[-0-9.e+]+|timestamp is \S+ old`)

// TestVerifySameOnEitherSide runs verify against the file and through a
// running serve: a zero tolerance in any unit turns the check off, a
// tolerance saved with the secret is used when none is given, and options
// that cannot check anything are usage errors (exit 2), alike on both
// sides, byte for byte.
func TestVerifySameOnEitherSide(t *testing.T) {
	const discordReq = "4" // a Discord-signed request, added below
	script := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"verify", "3", "--scheme", "stripe", "--secret", stripeSecret}, 1, "outside the 5m0s tolerance"},
		{[]string{"verify", "3", "--scheme", "stripe", "--secret", stripeSecret, "--tolerance", "0"}, 0, "valid: stripe signature"},
		{[]string{"verify", "3", "--scheme", "stripe", "--secret", stripeSecret, "--tolerance", "0s"}, 0, "valid: stripe signature"},
		{[]string{"verify", "3", "--scheme", "stripe", "--secret", stripeSecret, "--tolerance", "0m", "--json"}, 0, `"valid":true`},
		{[]string{"verify", "3", "--scheme", "stripe", "--secret", stripeSecret, "--tolerance", "-1m"}, 2, "is not a duration"},
		{[]string{"verify", "1", "--scheme", "hmac", "--secret", "k", "--algo", "md5"}, 2, `hookscope verify: hmac: unknown algorithm "md5"`},
		{[]string{"verify", "1", "--scheme", "hmac", "--secret", "k", "--algo", "md5", "--json"}, 2, `unknown algorithm "md5"`},
		{[]string{"verify", discordReq, "--scheme", "discord", "--secret", "not-a-key"}, 2, "discord needs the application's Ed25519 public key"},
		{[]string{"verify", discordReq, "--secret", "not-a-key"}, 2, "discord needs the application's Ed25519 public key"},
		{[]string{"verify", "1", "--scheme", "stripe", "--secret", stripeSecret, "--url", "not a URL"}, 2, `--url "not a URL" is not an http:// or https:// URL`},
		{[]string{"verify", "1", "--scheme", "twilio", "--secret", "tok", "--url", "/sms"}, 2, `--url "/sms" is not an http:// or https:// URL`},
		// A window saved with the secret is used when none is given.
		{[]string{"secrets", "set", "/hooks/stripe", "--scheme", "stripe", "--tolerance", "2h"}, 0, "saved the stripe secret"},
		{[]string{"verify", "3"}, 0, "valid: stripe signature"},
		{[]string{"verify", "3", "--json"}, 0, `"valid":true`},
		{[]string{"verify", "3", "--tolerance", "1m"}, 1, "outside the 1m0s tolerance"},
		{[]string{"secrets", "set", "/hooks/stripe", "--scheme", "stripe"}, 0, "saved the stripe secret"},
		{[]string{"verify", "3"}, 1, "outside the 5m0s tolerance"},
	}
	seed := func() string {
		db := storeSigned(t)
		st, err := storage.Open(db, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		h := http.Header{"X-Signature-Ed25519": {strings.Repeat("ab", 64)}, "X-Signature-Timestamp": {"1700000000"}}
		if id, err := st.Append(context.Background(), &storage.Record{Summary: storage.Summary{Method: "POST", Path: "/hooks/discord", ReceivedAt: time.Now()},
			Header: h, Body: []byte(`{"type":1}`), Host: "127.0.0.1:8080"}); err != nil || strconv.FormatUint(id, 10) != discordReq {
			t.Fatalf("the Discord request is %d, %v", id, err)
		}
		return db
	}
	runAll := func(db string) []string {
		var got []string
		for _, step := range script {
			var code int
			var out, errOut string
			withStdin(t, stripeSecret+"\n", func() { code, out, errOut = run(append(step.args, "--db", db)...) })
			line := fmt.Sprintf("%s\nexit %d\nstdout: %s\nstderr: %s", strings.Join(step.args, " "), code, out, errOut)
			got = append(got, ageRE.ReplaceAllString(strings.ReplaceAll(line, db, "DB"), "AGE"))
			if code != step.code || !strings.Contains(out+errOut, step.want) {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", step.args, code, out, errOut, step.code, step.want)
			}
			if code == ExitError && out != "" {
				t.Errorf("%v: exit 2 printed %q on stdout", step.args, out)
			}
		}
		return got
	}
	// One seeded file, copied: the signatures carry the time they were
	// made, and both sides must see the same bytes.
	fileDB := seed()
	seeded, err := os.ReadFile(fileDB)
	if err != nil {
		t.Fatal(err)
	}
	sockDB := filepath.Join(t.TempDir(), "sock.db")
	if err := os.WriteFile(sockDB, seeded, 0o600); err != nil {
		t.Fatal(err)
	}
	fromFile := runAll(fileDB)
	_, stop := startServe(t, sockDB)
	fromServe := runAll(sockDB)
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	for i := range script {
		if fromFile[i] != fromServe[i] {
			t.Errorf("file and running instance differ:\n--- file\n%s\n--- serve\n%s", fromFile[i], fromServe[i])
		}
	}
}

// An unsigned request says so on both outputs instead of "invalid".
func TestVerifyUnsigned(t *testing.T) {
	db := filepath.Join(t.TempDir(), "u.db")
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := &storage.Record{Summary: storage.Summary{Method: "POST", Path: "/plain", ReceivedAt: time.Now(), BodySize: 2},
		Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{}`), Host: "127.0.0.1:8080"}
	if _, err := st.Append(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, v, _ := verifyRun(t, "1", "--secret", "x", "--json", "--db", db)
	if code != 1 || v.Valid || !v.Unsigned {
		t.Fatalf("json: exit %d %+v", code, v)
	}
	if code, _, out := verifyRun(t, "1", "--secret", "x", "--db", db); code != 1 || !strings.HasPrefix(out, "no signature: no known signature header found\n") {
		t.Fatalf("text: exit %d %q", code, out)
	}
}
