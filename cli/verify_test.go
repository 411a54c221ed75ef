package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
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
