package alerts

import (
	"testing"
	"time"
)

// BenchmarkObserveCapture is the cost the capture path pays per request
// with one rule of each kind on its prefix (the rate rule keeping every
// capture's verdict).
func BenchmarkObserveCapture(b *testing.B) {
	list := []Rule{
		rule(ForwardFailures, 5, time.Minute, time.Hour), rule(NoCapture, 0, 10*time.Minute, time.Hour),
		rule(InvalidSignatureRate, 50, 10*time.Minute, time.Hour), rule(Answered5xx, 1000, time.Minute, time.Hour),
	}
	for i := range list {
		list[i].Name = string(list[i].Kind)
	}
	e := NewEvaluator(list, t0)
	at := t0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		at = at.Add(time.Millisecond)
		v := VerdictValid
		if i%4 == 0 {
			v = VerdictInvalid
		}
		e.Observe(Event{At: at, Path: "/hooks/stripe/x", Status: 200 + 300*(i%2), Signature: v})
	}
}
