package app

import (
	"net/url"
	"strings"
)

// Pair is one name and value, in the order the sender wrote them.
type Pair struct{ Name, Value string }

// QueryPairs decodes a raw query keeping order and repeated keys, which
// url.ParseQuery loses. Undecodable escapes are shown as written.
func QueryPairs(raw string) []Pair {
	var pairs []Pair
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		pairs = append(pairs, Pair{unescape(name), unescape(value)})
	}
	return pairs
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
