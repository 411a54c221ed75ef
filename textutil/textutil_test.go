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

// TestExactSize: limits are printed exactly, as the flags take them (the
// forms capture and exchange each had: "1.5 KiB" and "10MiB").
func TestExactSize(t *testing.T) {
	for n, want := range map[int64]string{
		10: "10 bytes", 512: "512 bytes", 1024: "1 KiB", 1536: "1.5 KiB", 1537: "1537 bytes",
		1 << 20: "1 MiB", 10 << 20: "10 MiB", 10<<20 + 1<<19: "10.5 MiB", 256 << 20: "256 MiB",
		1 << 30: "1 GiB", 3 << 29: "1.5 GiB", 3 << 30: "3 GiB", 1_000_000: "1000000 bytes",
	} {
		if got := ExactSize(n); got != want {
			t.Errorf("ExactSize(%d) = %q, want %q", n, got, want)
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
