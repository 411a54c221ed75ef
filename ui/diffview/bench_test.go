package diffview

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func bigDoc(size int, vary map[int]string) string {
	var b strings.Builder
	b.WriteString(`{"id":"evt_1","data":{"object":{"lines":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		sku := fmt.Sprintf("SKU-%05d", i)
		if v, ok := vary[i]; ok {
			sku = v
		}
		fmt.Fprintf(&b, `{"id":"il_%d","sku":%q,"price":{"unit_amount":%d,"currency":"usd"},"metadata":{"note":"line item %d"}}`, i, sku, 100*(i%13), i)
	}
	b.WriteString(`]}}}`)
	return b.String()
}

// BenchmarkView1MB: opening the comparison of two 1 MB JSON deliveries
// differing in three values, up to the first frame: the background diff
// and installing its result.
func BenchmarkView1MB(b *testing.B) {
	test.NewTempApp(b)
	h := http.Header{"Content-Type": {"application/json"}}
	ra := record(1, "POST", "/h", "", h, bigDoc(1<<20, nil))
	rb := record(2, "POST", "/h", "", h, bigDoc(1<<20, map[int]string{1: "SKU-XXXXX", 2000: "SKU-YYYYY", 4000: "SKU-ZZZZZ"}))
	w := test.NewTempWindow(b, nil)
	w.Resize(fyne.NewSize(1100, 720))
	b.ReportAllocs()
	for b.Loop() {
		done := make(chan func(), 1)
		v := newView(ra, rb, func(f func()) { done <- f })
		w.SetContent(v)
		(<-done)()
		if v.changes.Len() != 3 {
			b.Fatalf("%d rows", v.changes.Len())
		}
	}
}
