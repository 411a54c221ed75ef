package textutil

import (
	"testing"

	"dev.hookscope/storage"
)

func TestIsText(t *testing.T) {
	for in, want := range map[string]bool{"": true, "héllo\n": true, "a\x00b": false, "\xff\xfe": false, "\xe2\x82": false} {
		if got := IsText([]byte(in)); got != want {
			t.Errorf("IsText(%q) = %v", in, got)
		}
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 10 << 20: "10.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFullURL(t *testing.T) {
	rec := &storage.Record{Summary: storage.Summary{Path: "/a%2Fb"}, Host: "h:1", RawQuery: "x=1&x=%ff"}
	if got := FullURL(rec); got != "http://h:1/a%2Fb?x=1&x=%ff" {
		t.Fatal(got)
	}
	if got := FullURL(&storage.Record{Summary: storage.Summary{Path: "*"}, Host: "h"}); got != "http://h" {
		t.Fatal(got)
	}
}
