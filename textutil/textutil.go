// Package textutil holds the small judgements every surface makes about a
// request the same way: is this body text, how big is it in words, which
// URL did the sender address. The window, the command line, exports and
// diffs import these instead of each writing its own.
package textutil

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"dev.hookscope/storage"
)

// IsText reports whether b can be shown and sent as text: valid UTF-8
// without NUL bytes. Anything else is shown as hex or carried as base64.
func IsText(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }

// HumanSize renders a byte count for people: 512 B, 1.5 KiB, 10.0 MiB.
func HumanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// ExactSize renders a limit a person set (--max-body, --max-inflight)
// exactly, in a form those flags take back: the largest binary unit in
// which it has at most three decimals (256 MiB, 1.5 KiB), else bytes
// (1537 bytes). HumanSize rounds, so two different limits could read the
// same in one message.
func ExactSize(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size && (n%u.size)*1000%u.size == 0 {
			return strconv.FormatFloat(float64(n)/float64(u.size), 'f', -1, 64) + " " + u.name
		}
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// FullURL is the URL the sender addressed, rebuilt from what was captured
// (the path and query exactly as on the wire).
func FullURL(rec *storage.Record) string {
	u := "http://" + rec.Host + rec.Path
	if rec.Path == "*" {
		u = "http://" + rec.Host
	}
	if rec.RawQuery != "" {
		u += "?" + rec.RawQuery
	}
	return u
}

// FormatTime is RFC 3339 in UTC with all nine digits of nanoseconds, so
// times sort as strings and never lose precision (docs/cli.md, "JSON").
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") }
