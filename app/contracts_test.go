package app

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"dev.hookscope/contract"
)

func chargeEvent(amount string) string {
	return `{"id":"evt_1","object":"event","type":"charge.succeeded","created":1700000000,` +
		`"data":{"object":{"id":"ch_1","object":"charge","amount":` + amount + `,"currency":"usd",` +
		`"payment_method_details":{"type":"card","card":{"last4":"4242"}}}}}`
}

// pollVerdict waits for the background check of id to be stored.
func pollVerdict(t *testing.T, c *Core, id uint64) *contract.Verdict {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := c.ContractVerdict(id)
		if err != nil {
			t.Fatal(err)
		}
		if v != nil {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("no contract verdict for request %d after 10 s", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCapturesUnderAnAttachedSpecAreChecked(t *testing.T) {
	c := openCore(t)
	spec, err := os.ReadFile("../contract/testdata/stripe-like.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.AttachContract("/hooks/stripe", spec)
	if err != nil {
		t.Fatal(err)
	}
	if a.Spec != "Payments webhooks 2026-01-01" || a.Webhooks != 3 {
		t.Errorf("attachment %+v", a)
	}
	if err := c.StartListener(""); err != nil {
		t.Fatal(err)
	}
	send := func(path, body string) {
		resp, err := http.Post(c.ListenerURL()+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	send("/hooks/stripe", chargeEvent(`"2000"`))
	send("/hooks/stripe", chargeEvent(`2000`))
	send("/elsewhere", chargeEvent(`"2000"`))

	bad := pollVerdict(t, c, 1)
	if bad.Valid || len(bad.Violations) != 1 || bad.Violations[0].String() != "/data/object/amount: expected integer, got string" {
		t.Errorf("the broken event: %+v", bad)
	}
	if good := pollVerdict(t, c, 2); !good.Valid || good.Matched != "webhook charge.succeeded" {
		t.Errorf("the fitting event: %+v", good)
	}
	// Request 3 is outside the prefix: checking it now, as validate does,
	// says no spec is attached; by the time requests 1 and 2 were checked
	// (one worker, in order) it would have been checked too.
	if v, _ := c.ContractVerdict(3); v != nil {
		t.Errorf("a request outside the prefix was checked: %+v", v)
	}
	if _, err := c.CheckContract(3, nil); !errors.Is(err, ErrNoContract) {
		t.Errorf("validate outside the prefix: %v", err)
	}
	if v, err := c.CheckContract(3, spec); err != nil || v.Valid {
		t.Errorf("validate with a given spec: %+v %v", v, err)
	}
	now, err := c.CheckContract(1, nil)
	if err != nil || now.Valid || now.Violations[0] != bad.Violations[0] {
		t.Errorf("validate now disagrees with the stored verdict: %+v %v", now, err)
	}

	if err := c.Delete(1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ContractVerdict(1); err == nil {
		t.Error("a deleted request still answers its verdict")
	}
	if err := c.DetachContract("/hooks/stripe"); err != nil {
		t.Fatal(err)
	}
	if err := c.DetachContract("/hooks/stripe"); err == nil {
		t.Error("detaching twice passed")
	}
	if _, err := c.AttachContract("/x", []byte("garbage: [")); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("a garbage spec: %v", err)
	}
}

// TestAttachAndDetachTakeEffectAtOnce: the capture path's cached
// attachments follow attach and detach, so the next capture is checked
// (or not) as the new attachments say.
func TestAttachAndDetachTakeEffectAtOnce(t *testing.T) {
	c := openCore(t)
	spec, err := os.ReadFile("../contract/testdata/stripe-like.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.StartListener(""); err != nil {
		t.Fatal(err)
	}
	send := func() {
		resp, err := http.Post(c.ListenerURL()+"/hooks/b", "application/json", strings.NewReader(chargeEvent(`2000`)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if _, err := c.AttachContract("/hooks/a", spec); err != nil {
		t.Fatal(err)
	}
	send() // 1: nothing attached to /hooks/b yet
	if _, err := c.AttachContract("/hooks/b", spec); err != nil {
		t.Fatal(err)
	}
	send() // 2: checked
	if v := pollVerdict(t, c, 2); !v.Valid {
		t.Errorf("request 2: %+v", v)
	}
	if err := c.DetachContract("/hooks/b"); err != nil {
		t.Fatal(err)
	}
	send() // 3: not checked again
	if _, err := c.AttachContract("/hooks/a/x", spec); err != nil {
		t.Fatal(err)
	}
	send() // 4: still not under any prefix
	if _, err := c.AttachContract("/hooks/", spec); err != nil {
		t.Fatal(err)
	}
	send() // 5: checked again; one worker checks in order, so 1, 3 and 4 were decided before it
	pollVerdict(t, c, 5)
	for _, id := range []uint64{1, 3, 4} {
		if v, _ := c.ContractVerdict(id); v != nil {
			t.Errorf("request %d was checked with no spec attached to its path: %+v", id, v)
		}
	}
}
