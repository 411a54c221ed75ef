package ui

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"dev.hookscope/signature"
	"dev.hookscope/ui/uithread"
)

func (h *harness) postSigned(secret string) {
	h.t.Helper()
	body := `{"type":"invoice.paid"}`
	hdr, err := signature.Sign("stripe", signature.Request{Method: "POST", Body: []byte(body), Header: http.Header{}}, signature.Options{Secret: secret})
	if err != nil {
		h.t.Fatal(err)
	}
	h.post("POST", "/hooks/stripe/live", "application/json", body, map[string]string{"Stripe-Signature": hdr.Get("Stripe-Signature")})
}

func TestSignatureTabVerifiesExplainsAndSaves(t *testing.T) {
	const secret = "whsec_ui_test_secret"
	h := newHarness(t, "127.0.0.1:0")
	h.postSigned(secret)
	h.waitForCount(1)
	uithread.DoAndWait(func() { h.view.requests.list.Select(0) })
	sig := h.view.inspector.signature
	if got := onUI(func() string { return sig.verdict.Text }); !strings.Contains(got, "Looks like stripe") {
		t.Fatalf("no scheme hint: %q", got)
	}
	uithread.DoAndWait(func() {
		test.Type(sig.secret, "whsec_wrong")
		test.Tap(sig.verify)
	})
	if got := onUI(func() string { return sig.verdict.Text }); got != "✗ Invalid stripe signature" {
		t.Fatalf("wrong secret shows %q", got)
	}
	if got := onUI(func() string { return sig.reason.Text }); got == "" {
		t.Fatal("an invalid signature has no explanation")
	}
	uithread.DoAndWait(func() {
		sig.secret.SetText("")
		test.Type(sig.secret, secret)
		test.Tap(sig.verify)
	})
	if got := onUI(func() string { return sig.verdict.Text }); got != "✓ Valid stripe signature" {
		t.Fatalf("right secret shows %q", got)
	}
	details := onUI(func() string { return texts(sig.details) })
	if !strings.Contains(details, "Signed payload=") || !strings.Contains(details, `.{"type":"invoice.paid"}`) {
		t.Fatalf("details %q", details)
	}
	if strings.Contains(details, secret) {
		t.Fatal("the secret is shown in the details")
	}
	if got := onUI(func() string { return sig.prefix.Text }); got != "/hooks/stripe" {
		t.Fatalf("proposed prefix %q", got)
	}
	uithread.DoAndWait(func() { test.Tap(sig.save) })
	if note := onUI(func() string { return sig.savedNote.Text }); strings.Contains(note, secret) || !strings.Contains(note, "Saved secret for /hooks/stripe") {
		t.Fatalf("saved note %q", note)
	}
	if _, ok := h.core.SecretFor("/hooks/stripe/live"); !ok {
		t.Fatal("secret not saved")
	}
	// The next delivery is verified on arrival and the list says so.
	h.postSigned(secret)
	h.waitForCount(2)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if row := h.rowText(0); strings.Contains(row, "✓ signed") {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("row 0 shows %q", row)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDefaultPrefix(t *testing.T) {
	for in, want := range map[string]string{"/hooks/stripe/x/y": "/hooks/stripe", "/a": "/a", "/": "/", "/a/b": "/a/b"} {
		if got := defaultPrefix(in); got != want {
			t.Errorf("%q: %q want %q", in, got, want)
		}
	}
}

// A request with no signature header of any known scheme is unsigned, not
// "invalid": there is nothing there to be wrong.
func TestSignatureTabSaysNoSignature(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	h.post("POST", "/hooks/plain", "application/json", `{"a":1}`, nil)
	h.waitForCount(1)
	uithread.DoAndWait(func() { h.view.requests.list.Select(0) })
	sig := h.view.inspector.signature
	uithread.DoAndWait(func() {
		test.Type(sig.secret, "whsec_any")
		test.Tap(sig.verify)
	})
	if got := onUI(func() string { return sig.verdict.Text }); got != "No signature" {
		t.Fatalf("an unsigned request shows %q", got)
	}
	if got := onUI(func() string { return sig.reason.Text }); got != "no known signature header found" {
		t.Fatalf("reason %q", got)
	}
}
