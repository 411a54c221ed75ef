package contract

import (
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func loadTestSpec(t *testing.T) *Spec {
	t.Helper()
	data, err := os.ReadFile("testdata/stripe-like.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(data)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

// ChargeEvent builds a Stripe-shaped charge.succeeded event; amount is
// spliced in as raw JSON.
func chargeEvent(amount string) []byte {
	return []byte(`{"id":"evt_1","object":"event","type":"charge.succeeded","created":1700000000,` +
		`"data":{"object":{"id":"ch_1","object":"charge","amount":` + amount + `,"currency":"usd",` +
		`"payment_method_details":{"type":"card","card":{"last4":"4242"}}}}}`)
}

func post(path string, body []byte) Request {
	return Request{Method: "POST", Path: path, Prefix: "/hooks/stripe", ContentType: "application/json; charset=utf-8", Body: body}
}

func TestWebhookThatBreaksTheSchemaNamesThePointer(t *testing.T) {
	s := loadTestSpec(t)
	v := s.CheckRequest(post("/hooks/stripe", chargeEvent(`"2000"`)))
	if v.Valid {
		t.Fatalf("amount as a string passed: %+v", v)
	}
	if v.Matched != "webhook charge.succeeded" {
		t.Errorf("matched %q, want webhook charge.succeeded", v.Matched)
	}
	want := []Violation{{Pointer: "/data/object/amount", Message: "expected integer, got string"}}
	if !slices.Equal(v.Violations, want) {
		t.Errorf("violations %+v, want %+v", v.Violations, want)
	}
	if got := v.Violations[0].String(); got != "/data/object/amount: expected integer, got string" {
		t.Errorf("printed %q", got)
	}
	if v.Spec != "Payments webhooks 2026-01-01" || len(v.SpecSHA256) != 64 {
		t.Errorf("spec %q sha %q", v.Spec, v.SpecSHA256)
	}
}

func TestWebhookThatFitsIsValid(t *testing.T) {
	s := loadTestSpec(t)
	v := s.CheckRequest(post("/hooks/stripe", chargeEvent(`2000`)))
	if !v.Valid || len(v.Violations) != 0 || v.Matched != "webhook charge.succeeded" {
		t.Fatalf("a fitting event: %+v", v)
	}
}

func TestOneOfReportsTheClosestBranch(t *testing.T) {
	s := loadTestSpec(t)
	body := []byte(strings.Replace(string(chargeEvent("5")), `"last4":"4242"`, `"last4":4242`, 1))
	v := s.CheckRequest(post("/hooks/stripe", body))
	want := []Violation{{Pointer: "/data/object/payment_method_details/card/last4", Message: "expected string, got number"}}
	if !slices.Equal(v.Violations, want) {
		t.Errorf("violations %+v, want %+v (the card branch only)", v.Violations, want)
	}
}

func TestMissingPropertyIsAtItsOwnPointer(t *testing.T) {
	s := loadTestSpec(t)
	body := []byte(strings.Replace(string(chargeEvent("5")), `"currency":"usd",`, ``, 1))
	v := s.CheckRequest(post("/hooks/stripe", body))
	want := []Violation{{Pointer: "/data/object/currency", Message: "required, missing"}}
	if !slices.Equal(v.Violations, want) {
		t.Errorf("violations %+v, want %+v", v.Violations, want)
	}
}

func TestWebhookChosenByFewestViolationsWithoutAnEventName(t *testing.T) {
	s := loadTestSpec(t)
	// A GitHub push without X-GitHub-Event and with no "type" field: only
	// the push webhook comes close.
	body := []byte(`{"ref":"refs/heads/main","repository":{"full_name":"a/b"},"commits":[{"id":"1"}]}`)
	v := s.CheckRequest(post("/hooks/github", body))
	if v.Matched != "webhook push" {
		t.Fatalf("matched %q, want webhook push", v.Matched)
	}
	want := []Violation{{Pointer: "/commits/0/message", Message: "required, missing"}}
	if !slices.Equal(v.Violations, want) {
		t.Errorf("violations %+v, want %+v", v.Violations, want)
	}
	r := post("/hooks/github", []byte(`{"ref":"x","repository":{"full_name":"a/b"},"commits":[]}`))
	r.Header = http.Header{"X-Github-Event": {"push"}}
	if v := s.CheckRequest(r); !v.Valid || v.Matched != "webhook push" {
		t.Errorf("a valid push named by its header: %+v", v)
	}
}

func TestOperationByPathAndItsResponse(t *testing.T) {
	s := loadTestSpec(t)
	r := Request{Method: "POST", Path: "/hooks/acme/v1/refunds", Prefix: "/hooks/acme", ContentType: "application/json", Body: []byte(`{"charge":"ch_1","amount":"10"}`)}
	v := s.CheckRequest(r)
	if v.Matched != "POST /v1/refunds" || v.Valid {
		t.Fatalf("verdict %+v", v)
	}
	if want := (Violation{"/amount", "expected integer, got string"}); len(v.Violations) != 1 || v.Violations[0] != want {
		t.Errorf("violations %+v", v.Violations)
	}
	good, ok := s.CheckResponse(r, 200, "application/json", []byte(`{"id":"re_1","object":"refund","amount":10,"status":"succeeded"}`))
	if !ok || !good.Valid || good.Matched != "POST /v1/refunds response 200" {
		t.Errorf("a fitting answer: %+v %v", good, ok)
	}
	bad, _ := s.CheckResponse(r, 200, "application/json", []byte(`{"id":"re_1","object":"refund","amount":10,"status":"done"}`))
	if bad.Valid || len(bad.Violations) != 1 || bad.Violations[0].Pointer != "/status" {
		t.Errorf("an answer with an unknown status: %+v", bad)
	}
	if undeclared, ok := s.CheckResponse(r, 500, "", nil); !ok || undeclared.Valid {
		t.Errorf("an undeclared status passed: %+v", undeclared)
	}
}

func TestUnmatchedAndNonJSON(t *testing.T) {
	s := loadTestSpec(t)
	v := s.CheckRequest(Request{Method: "PUT", Path: "/hooks/stripe", Body: []byte(`{}`)})
	if v.Valid || len(v.Violations) != 1 || v.Matched != "" {
		t.Errorf("a PUT nothing declares: %+v", v)
	}
	v = s.CheckRequest(Request{Method: "POST", Path: "/hooks/stripe", ContentType: "application/json", Body: []byte(`{"id":`)})
	if v.Valid || len(v.Violations) != 1 || !strings.Contains(v.Violations[0].Message, "not valid JSON") {
		t.Errorf("truncated JSON: %+v", v)
	}
}

func TestPointerEscapes(t *testing.T) {
	p := Pointer([]string{"a/b", "c~d", "0"})
	if p != "/a~1b/c~0d/0" {
		t.Fatalf("Pointer = %q", p)
	}
	if got := Segments(p); !slices.Equal(got, []string{"a/b", "c~d", "0"}) {
		t.Errorf("Segments = %q", got)
	}
}

// TestHostileSpecs: each gives one sentence, no panic; the whole run is
// bounded by the deadline below so a hang fails instead of stalling.
func TestHostileSpecs(t *testing.T) {
	huge := make([]byte, MaxSpecSize+1)
	cases := map[string][]byte{
		"empty":      nil,
		"garbage":    []byte("\x00\xff{{{ not yaml: [\n\t- -"),
		"json array": []byte(`[1,2,3]`),
		"swagger 2":  []byte(`{"swagger":"2.0","info":{"title":"x","version":"1"},"paths":{}}`),
		"huge":       huge,
		"no paths":   []byte("openapi: 3.1.0\ninfo: {title: x, version: '1'}\n"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(data)
			if err == nil {
				t.Fatal("loaded")
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || len(msg) > 300 {
				t.Errorf("not one short sentence: %q", msg)
			}
		})
	}
}

func TestRefCycleDoesNotHang(t *testing.T) {
	spec := []byte(`openapi: 3.1.0
info: {title: cycles, version: '1'}
webhooks:
  node:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/A'}
      responses: {'200': {description: ok}}
  loop:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Self'}
      responses: {'200': {description: ok}}
components:
  schemas:
    A:
      type: object
      properties:
        name: {type: string}
        child: {$ref: '#/components/schemas/B'}
    B:
      type: object
      properties:
        parent: {$ref: '#/components/schemas/A'}
    Self: {$ref: '#/components/schemas/Self'}
`)
	done := make(chan string, 1)
	go func() {
		s, err := Load(spec)
		if err != nil {
			done <- "error: " + err.Error()
			return
		}
		v := s.CheckRequest(Request{Method: "POST", Path: "/h", ContentType: "application/json",
			Body: []byte(`{"type":"node","name":"a","child":{"parent":{"name":7}}}`)})
		// The self-referencing schema must answer too (anything, quickly).
		s.CheckRequest(Request{Method: "POST", Path: "/h", Body: []byte(`{"type":"loop"}`)})
		done <- strings.Join(func() []string {
			var out []string
			for _, x := range v.Violations {
				out = append(out, x.String())
			}
			return out
		}(), "; ")
	}()
	// Loading and checking this takes milliseconds; 20 s on a loaded
	// 2-core machine under -race means it is stuck, not slow.
	select {
	case got := <-done:
		if strings.HasPrefix(got, "error: ") {
			if strings.Contains(got, "\n") {
				t.Errorf("not one sentence: %q", got)
			}
			return
		}
		if !strings.Contains(got, "/child/parent/name: expected string, got number") {
			t.Errorf("the recursive schema's violation: %q", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a spec with $ref cycles hung")
	}
}

func TestHeadlineAndMark(t *testing.T) {
	cases := []struct {
		v              Verdict
		headline, mark string
	}{
		{Verdict{Spec: "S 1", Matched: "webhook a", Valid: true}, "valid: S 1 webhook a", "✓ contract"},
		{Verdict{Spec: "S 1", Matched: "webhook a", Violations: []Violation{{"/x", "m"}}}, "invalid: S 1 webhook a (1 violation)", "✗ contract"},
		{Verdict{Spec: "S 1", Violations: []Violation{{"/x", "m"}, {"/y", "n"}}}, "invalid: S 1 (2 violations)", "✗ contract (2)"},
		{Verdict{Spec: "S 1", Matched: "POST /a", Unchecked: "the body is not JSON"}, "unchecked: S 1 POST /a: the body is not JSON", "? contract"},
	}
	for _, c := range cases {
		if got := c.v.Headline(); got != c.headline {
			t.Errorf("Headline = %q, want %q", got, c.headline)
		}
		if got := c.v.Mark(); got != c.mark {
			t.Errorf("Mark = %q, want %q", got, c.mark)
		}
	}
}

// A composer request remembers the operation it was imported from; its
// answer is checked against that operation's responses whatever URL the
// request was sent to.
func TestCheckOperationResponseByTemplateAndWebhook(t *testing.T) {
	s := loadTestSpec(t)
	op := Operation{Method: "post", Path: "/v1/refunds"}
	bad, ok := s.CheckOperationResponse(op, 200, "application/json", []byte(`{"id":"re_1","object":"refund","amount":"10","status":"pending"}`))
	if !ok || bad.Valid || bad.Matched != "POST /v1/refunds response 200" {
		t.Fatalf("verdict %+v %v", bad, ok)
	}
	if want := (Violation{"/amount", "expected integer, got string"}); len(bad.Violations) != 1 || bad.Violations[0] != want {
		t.Errorf("violations %+v", bad.Violations)
	}
	good, ok := s.CheckOperationResponse(Operation{Method: "POST", Webhook: "push"}, 204, "", nil)
	if !ok || !good.Valid || good.Matched != "webhook push response 204" {
		t.Errorf("the webhook's declared answer: %+v %v", good, ok)
	}
	for _, missing := range []Operation{{Method: "GET", Path: "/v1/refunds"}, {Method: "POST", Path: "/v1/charges"}, {Method: "POST", Webhook: "nope"}} {
		if v, ok := s.CheckOperationResponse(missing, 200, "", nil); ok {
			t.Errorf("%+v is not in the spec, yet: %+v", missing, v)
		}
	}
}
