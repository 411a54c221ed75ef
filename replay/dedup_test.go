package replay

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestEventKey(t *testing.T) {
	for _, c := range []struct {
		name   string
		header http.Header
		path   string
		body   string
		key    string
		source string
	}{
		{"standard webhooks", http.Header{"Webhook-Id": {"msg_1"}}, "/a", `{}`, "webhook-id:msg_1", "Webhook-Id"},
		{"svix", http.Header{"Svix-Id": {"msg_2"}}, "/a", `{}`, "svix-id:msg_2", "Svix-Id"},
		{"github", http.Header{"X-Github-Delivery": {"72d3162e"}}, "/a", `{}`, "x-github-delivery:72d3162e", "X-Github-Delivery"},
		{"shopify", http.Header{"X-Shopify-Webhook-Id": {"b54557e4"}, "X-Shopify-Event-Id": {"e"}}, "/a", `{}`, "x-shopify-webhook-id:b54557e4", "X-Shopify-Webhook-Id"},
		{"twilio", http.Header{"X-Twilio-Idempotency-Token": {"tok"}}, "/a", `a=b`, "x-twilio-idempotency-token:tok", "X-Twilio-Idempotency-Token"},
		{"stripe", http.Header{}, "/a", `{"id":"evt_1NG8Du2eZvKYlo2C","object":"event","data":{"object":{"id":"evt_inner"}}}`, "stripe:evt_1NG8Du2eZvKYlo2C", "stripe event id"},
		{"not an event id", http.Header{}, "/a", `{"id":"cus_1","note":"evt_x"}`, "sha256:/a:", "body sha256"},
		{"body hash", http.Header{}, "/a", `payload`, "sha256:/a:239f59ed55e737c77147cf55ad0c1b030b6d7ee748a7426952f9b852d5a935e5", "body sha256"},
		{"empty", http.Header{}, "/a", ``, "", ""},
	} {
		rec := capture("POST", c.path, "", c.header, []byte(c.body))
		key, source := EventKey(rec)
		if !strings.HasPrefix(key, c.key) || (c.key == "" && key != "") || source != c.source {
			t.Errorf("%s: (%q, %q), want (%q…, %q)", c.name, key, source, c.key, c.source)
		}
	}
	a, _ := EventKey(capture("POST", "/a", "", nil, []byte("{}")))
	b, _ := EventKey(capture("POST", "/b", "", nil, []byte("{}")))
	if a == b {
		t.Error("the same body on two paths must not be one event")
	}
}

func TestDuplicateIndex(t *testing.T) {
	d := NewDuplicateIndex(2)
	if id, dup := d.Seen("a", 1); dup || id != 1 {
		t.Fatal(id, dup)
	}
	if id, dup := d.Seen("a", 5); !dup || id != 1 {
		t.Fatalf("repeat: %d %v", id, dup)
	}
	d.Seen("b", 2)
	d.Seen("a", 6) // a is now the most recent, b the least
	d.Seen("c", 3) // evicts b
	if d.Len() != 2 {
		t.Fatalf("len %d", d.Len())
	}
	if _, dup := d.Seen("b", 7); dup {
		t.Error("b should have been forgotten")
	}
	if id, dup := d.Seen("c", 8); !dup || id != 3 {
		t.Error("c forgotten too early", id, dup)
	}
	if _, dup := d.Seen("", 9); dup || d.Len() != 2 {
		t.Error("an empty key is never recorded")
	}
	if NewDuplicateIndex(0).capacity != DefaultDuplicateCapacity {
		t.Error("default capacity")
	}
}

// Many deliveries of one event at once: exactly one is first.
func TestDuplicateIndexConcurrent(t *testing.T) {
	d := NewDuplicateIndex(0)
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			if _, dup := d.Seen("evt", uint64(i+1)); !dup {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if firsts.Load() != 1 {
		t.Fatalf("%d firsts", firsts.Load())
	}
}

// The index against a plain model of the same rule (a slice ordered from
// most to least recently seen): 20,000 random Seen and Peek calls over 300
// keys with room for 50, so keys are forgotten and come back all the time.
func TestDuplicateIndexMatchesModel(t *testing.T) {
	type entry struct {
		key   string
		first uint64
	}
	var model []entry // front = most recently seen
	find := func(key string) int {
		for i, e := range model {
			if e.key == key {
				return i
			}
		}
		return -1
	}
	const capacity = 50
	d := NewDuplicateIndex(capacity)
	rng := rand.New(rand.NewPCG(1, 2))
	for n := uint64(1); n <= 20_000; n++ {
		key := fmt.Sprintf("evt_%d", rng.IntN(300))
		i := find(key)
		if rng.IntN(4) == 0 {
			first, ok := d.Peek(key)
			if ok != (i >= 0) || (ok && first != model[i].first) {
				t.Fatalf("call %d: Peek(%s) = %d, %v; the model has index %d", n, key, first, ok, i)
			}
			continue
		}
		first, dup := d.Seen(key, n)
		want := entry{key, n}
		if i >= 0 {
			want = model[i]
			model = append(model[:i], model[i+1:]...)
		}
		model = append([]entry{want}, model...)
		if len(model) > capacity {
			model = model[:capacity]
		}
		if dup != (i >= 0) || first != want.first {
			t.Fatalf("call %d: Seen(%s) = %d, %v; want %d, %v", n, key, first, dup, want.first, i >= 0)
		}
		if d.Len() != len(model) {
			t.Fatalf("call %d: Len %d, model %d", n, d.Len(), len(model))
		}
	}
}
