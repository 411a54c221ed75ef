package localapi

import (
	"errors"
	"net/http"
	"os"
	"testing"

	"dev.hookscope/app"
	"dev.hookscope/storage"
)

// stripeSpec is contract's Stripe-shaped test spec.
func stripeSpec(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../contract/testdata/stripe-like.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestContractsThroughTheClient: the client attaches, lists, checks and
// detaches through the socket, and its errors match the core's.
func TestContractsThroughTheClient(t *testing.T) {
	core, _ := startAPI(t, Options{})
	c, err := Dial(core.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	id := addRequest(t, core, "POST", "/hooks/stripe", http.Header{"Content-Type": {"application/json"}},
		[]byte(`{"id":"evt_1","object":"event","type":"charge.succeeded","created":1,"data":{"object":{"id":"ch_1","object":"charge","amount":"12","currency":"usd","payment_method_details":{"type":"card","card":{"last4":"4242"}}}}}`))
	if _, err := c.CheckContract(id, nil); !errors.Is(err, app.ErrNoContract) {
		t.Fatalf("check with nothing attached: %v, want ErrNoContract", err)
	}
	if _, err := c.CheckContract(99, nil); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("check of a missing request: %v, want ErrNotFound", err)
	}
	if _, err := c.AttachContract("/hooks/", []byte("not: [a spec")); err == nil {
		t.Fatal("a broken spec was attached")
	}
	a, err := c.AttachContract("/hooks/", stripeSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.Contracts()
	if err != nil || len(list) != 1 || list[0] != a {
		t.Fatalf("list: %v %v, want [%v]", list, err, a)
	}
	v, err := c.CheckContract(id, nil)
	if err != nil || v.Valid || len(v.Violations) != 1 || v.Violations[0].String() != "/data/object/amount: expected integer, got string" {
		t.Fatalf("check: %+v %v", v, err)
	}
	stored, err := c.ContractVerdict(id)
	if err != nil || stored == nil || stored.Valid || len(stored.Violations) != 1 {
		t.Fatalf("stored verdict: %+v %v", stored, err)
	}
	if err := c.DetachContract("/hooks/"); err != nil {
		t.Fatal(err)
	}
	if err := c.DetachContract("/hooks/"); err == nil {
		t.Fatal("detaching twice succeeded")
	}
}
