package bodyfmt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

var bigJSON = sync.OnceValue(func() []byte { return minifiedJSON(5 << 20) })

// minifiedJSON builds a one-line JSON array of webhook-like objects of at
// least n bytes, seeded so every run measures the same input.
func minifiedJSON(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"event":"order.updated","ok":%t,"amount":%.2f,"tags":["a","b"],"customer":{"name":"Customer %d","email":null}}`,
			i, r.IntN(2) == 0, r.Float64()*1000, r.IntN(1e6))
	}
	b.WriteByte(']')
	return b.Bytes()
}

func BenchmarkFormatJSON5MB(b *testing.B) {
	body := bigJSON()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Format(body, JSON, ModePretty, 160); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONIndent5MB is the floor for BenchmarkFormatJSON5MB: the
// standard library's indent alone on the same input.
func BenchmarkJSONIndent5MB(b *testing.B) {
	body := bigJSON()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var buf bytes.Buffer
		if err := json.Indent(&buf, body, "", "  "); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHexDump1MB(b *testing.B) {
	body := bigJSON()[:1<<20]
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Format(body, Binary, ModeHex, 160); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRewrap5MB(b *testing.B) {
	l, err := Format(bigJSON(), JSON, ModePretty, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(l.Text)))
	wraps := []int{24, 32} // narrow enough that some lines split and the index is rebuilt
	for i := 0; b.Loop(); i++ {
		l.Rewrap(wraps[i%2])
	}
}

func BenchmarkTokenizeJSONLine(b *testing.B) {
	line := []byte(`      "customer": {"name": "Customer 123", "email": null, "n": -12.5e3},`)
	for b.Loop() {
		TokenizeJSONLine(line)
	}
}

func TestMinifiedJSONIsValid(t *testing.T) {
	if body := minifiedJSON(4096); !json.Valid(body) || len(body) < 4096 {
		t.Fatal("generator produced invalid JSON")
	}
}
