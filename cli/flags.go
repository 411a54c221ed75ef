package cli

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// usageError is a mistake in how a command was called: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// parseInterspersed parses flags that may stand before or after positional
// arguments: Go's flag package stops at the first positional, so parse, take
// one positional, and parse again.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// ByteSize is a flag value taking sizes like 10MiB, 512KB or 1048576.
type ByteSize int64

func (b *ByteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

// Set parses a size with an optional unit (B, KB, KiB, MB, MiB, GB, GiB).
func (b *ByteSize) Set(s string) error {
	n, err := ParseSize(s)
	if err != nil {
		return err
	}
	*b = ByteSize(n)
	return nil
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1},
}

// ParseSize reads "10MiB", "1.5MB", "4096".
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f <= 0 || f*float64(mult) > 1<<40 {
		return 0, fmt.Errorf("%q is not a size (use a number with an optional unit, like 10MiB)", s)
	}
	return int64(f * float64(mult)), nil
}

// parseNoArgs parses fs for a command that takes flags only.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("%s takes no arguments, got %q", fs.Name(), rest[0])
	}
	return nil
}

// parseOneID parses the flags of a command that takes one request ID, in
// any position among them.
func parseOneID(fs *flag.FlagSet, args []string) (uint64, error) {
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return 0, err
	}
	if len(rest) != 1 {
		return 0, usagef("%s takes one request ID", fs.Name())
	}
	return parseID(rest[0])
}
