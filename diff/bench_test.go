package diff

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// webhookDoc builds a Stripe-like document of about size bytes: an event
// wrapping a list of line items. amount and sku can be varied per index.
func webhookDoc(size int, vary map[int]string) []byte {
	var b strings.Builder
	b.WriteString(`{"id":"evt_1","type":"invoice.paid","data":{"object":{"id":"in_1","amount":2000,"lines":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		sku := fmt.Sprintf("SKU-%05d", i)
		if v, ok := vary[i]; ok {
			sku = v
		}
		fmt.Fprintf(&b, `{"id":"il_%d","sku":%q,"quantity":%d,"price":{"unit_amount":%d,"currency":"usd"},"tags":["a","b"],"metadata":{"note":"line item number %d"}}`,
			i, sku, i%7+1, 100*(i%13), i)
	}
	b.WriteString(`]}},"livemode":false}`)
	return []byte(b.String())
}

// BenchmarkJSONDiff1MB: two 1 MB deliveries differing in a few values, the
// common case the viewer has to open without a pause.
func BenchmarkJSONDiff1MB(b *testing.B) {
	x := webhookDoc(1<<20, nil)
	y := webhookDoc(1<<20, map[int]string{3: "CHANGED-1", 2500: "CHANGED-2", 5000: "CHANGED-3"})
	b.SetBytes(int64(len(x) + len(y)))
	b.ReportAllocs()
	for b.Loop() {
		body, ok := JSON(x, y)
		if !ok || len(body.Changes) != 3 {
			b.Fatalf("ok %v, %d changes", ok, len(body.Changes))
		}
	}
}

// BenchmarkJSONDiff1MBReformatted: same values, but B pretty-printed with
// keys in another order, so no subtree is byte-equal and every node is
// visited: the worst case for the structural diff.
func BenchmarkJSONDiff1MBReformatted(b *testing.B) {
	x := webhookDoc(1<<20, nil)
	y := indentLoose(webhookDoc(1<<20, map[int]string{42: "CHANGED"}), 1<<30)
	b.SetBytes(int64(len(x) + len(y)))
	b.ReportAllocs()
	for b.Loop() {
		body, ok := JSON(x, y)
		if !ok || len(body.Changes) != 1 {
			b.Fatalf("ok %v, %d changes", ok, len(body.Changes))
		}
	}
}

// BenchmarkLineDiff1MB: two 1 MB text bodies (about 25,000 lines) with a
// few dozen edits.
func BenchmarkLineDiff1MB(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	lines := make([]string, 25_000)
	for i := range lines {
		lines[i] = fmt.Sprintf("%06d log line with some text %d", i, r.Intn(1000))
	}
	x := []byte(strings.Join(lines, "\n"))
	y := []byte(strings.Join(mutate(r, lines, 40, 1000), "\n"))
	b.SetBytes(int64(len(x) + len(y)))
	b.ReportAllocs()
	for b.Loop() {
		Bodies(x, y, "text/plain", "text/plain")
	}
}

// BenchmarkLineDiffUnrelated: two unrelated bodies at MaxLines, the worst
// case that the budget exists for.
func BenchmarkLineDiffUnrelated(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	var x, y strings.Builder
	for range MaxLines {
		fmt.Fprintf(&x, "a %d\n", r.Intn(100))
		fmt.Fprintf(&y, "b %d\n", r.Intn(100))
	}
	b.ReportAllocs()
	for b.Loop() {
		Bodies([]byte(x.String()), []byte(y.String()), "text/plain", "text/plain")
	}
}
