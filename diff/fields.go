package diff

import (
	"net/http"
	"slices"
	"strings"

	"dev.hookscope/app"
	"dev.hookscope/storage"
)

// Pairs compares two ordered lists of name/value pairs (a query, a form
// body). Rows follow A's order, then pairs only in B in B's order. A name
// repeated on one side is matched occurrence by occurrence, so
// "x=1&x=2" against "x=1" reports the second x as removed rather than
// every x as changed.
func Pairs(a, b []app.Pair) []Field {
	inB := make(map[string][]int, len(b))
	for j, p := range b {
		inB[p.Name] = append(inB[p.Name], j)
	}
	used := make([]bool, len(b))
	seen := make(map[string]int, len(a))
	out := make([]Field, 0, max(len(a), len(b)))
	for _, p := range a {
		k := seen[p.Name]
		seen[p.Name]++
		if js := inB[p.Name]; k < len(js) {
			j := js[k]
			used[j] = true
			out = append(out, compareField(p.Name, p.Value, b[j].Value))
			continue
		}
		out = append(out, Field{Name: p.Name, A: p.Value, Kind: Removed})
	}
	for j, p := range b {
		if !used[j] {
			out = append(out, Field{Name: p.Name, B: p.Value, Kind: Added})
		}
	}
	return out
}

// Headers compares headers by canonical name. Repeated values are joined
// with ", " in arrival order, the way HTTP itself may combine them. Host
// lives outside Header in a Record but is a header on the wire, so it is
// compared here too.
func Headers(a, b *storage.Record) []Field {
	ha, hb := headerValues(a), headerValues(b)
	names := make([]string, 0, len(ha)+len(hb))
	for n := range ha {
		names = append(names, n)
	}
	for n := range hb {
		if _, ok := ha[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	out := make([]Field, 0, len(names))
	for _, n := range names {
		va, okA := ha[n]
		vb, okB := hb[n]
		f := Field{Name: n, A: va, B: vb, Volatile: IsVolatile(n)}
		switch {
		case !okA:
			f.Kind = Added
		case !okB:
			f.Kind = Removed
		case va != vb:
			f.Kind = Changed
		}
		out = append(out, f)
	}
	return out
}

// headerValues canonicalises names: records imported from HAR or curl may
// carry names exactly as written, and "content-type" must still meet
// "Content-Type".
func headerValues(r *storage.Record) map[string]string {
	vals := make(map[string][]string, len(r.Header)+1)
	for name, vs := range r.Header {
		c := http.CanonicalHeaderKey(name)
		vals[c] = append(vals[c], vs...)
	}
	if r.Host != "" {
		vals["Host"] = []string{r.Host}
	}
	out := make(map[string]string, len(vals))
	for n, vs := range vals {
		out[n] = strings.Join(vs, ", ")
	}
	return out
}

// volatileHeaders differ between any two deliveries by design: transport
// details, per-delivery IDs, and signature schemes' signatures and
// timestamps (the names signature reads).
var volatileHeaders = map[string]bool{
	"Date": true, "Content-Length": true, "Age": true, "Expires": true,
	"X-Request-Id": true, "X-Correlation-Id": true, "Request-Id": true, "Idempotency-Key": true,
	"Traceparent": true, "Tracestate": true, "Baggage": true, "Sentry-Trace": true,
	"Cf-Ray": true, "X-Amzn-Trace-Id": true, "X-Cloud-Trace-Context": true, "X-Request-Start": true,
	"X-B3-Traceid": true, "X-B3-Spanid": true, "X-B3-Parentspanid": true, "X-B3-Sampled": true,
	"X-Github-Delivery": true, "X-Gitlab-Event-Uuid": true, "X-Gitlab-Webhook-Uuid": true,
	"X-Shopify-Webhook-Id": true, "X-Shopify-Event-Id": true, "X-Shopify-Triggered-At": true,
	"Svix-Id": true, "Webhook-Id": true, "X-Webhook-Id": true,
	"Twitch-Eventsub-Message-Id": true, "Paypal-Transmission-Id": true, "Paypal-Transmission-Time": true,
	"X-Razorpay-Event-Id": true, "X-Zm-Request-Timestamp": true, "X-Hook-Uuid": true,
}

// volatileParts catch the many vendor-specific spellings the list above
// cannot name: X-Acme-Signature-256, X-Foo-Request-Timestamp, …
var volatileParts = []string{"signature", "timestamp", "hmac", "nonce", "request-id", "delivery", "trace"}

// IsVolatile reports whether a header is expected to differ between two
// deliveries of the same event. name must be canonical.
func IsVolatile(name string) bool {
	if volatileHeaders[name] {
		return true
	}
	l := strings.ToLower(name)
	for _, p := range volatileParts {
		if strings.Contains(l, p) {
			return true
		}
	}
	return strings.HasSuffix(l, "-sig") || strings.HasSuffix(l, "-uuid") || strings.HasSuffix(l, "-time")
}
