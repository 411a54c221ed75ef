package storage

import "testing"

func TestContractVerdictGoesWithItsRequest(t *testing.T) {
	st, _ := openTemp(t)
	appendRequests(t, st, 3)
	for id := uint64(1); id <= 3; id++ {
		if err := st.PutContractVerdict(id, []byte(`{"valid":true}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.PutContractVerdict(99, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if v, _ := st.ContractVerdict(99); v != nil {
		t.Errorf("a verdict for a request that does not exist was kept: %s", v)
	}
	if v, err := st.ContractVerdict(2); err != nil || string(v) != `{"valid":true}` {
		t.Fatalf("verdict 2: %s %v", v, err)
	}
	if err := st.Delete(2); err != nil {
		t.Fatal(err)
	}
	if v, _ := st.ContractVerdict(2); v != nil {
		t.Errorf("the verdict outlived its request: %s", v)
	}
	if v, _ := st.ContractVerdict(1); v == nil {
		t.Error("deleting request 2 removed request 1's verdict")
	}
	if err := st.Clear(); err != nil {
		t.Fatal(err)
	}
	if v, _ := st.ContractVerdict(3); v != nil {
		t.Errorf("Clear kept a verdict: %s", v)
	}
}
