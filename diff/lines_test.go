package diff

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"
)

// apply rebuilds both sides from a diff and checks the line numbers run
// 1, 2, 3, … on each side.
func apply(t *testing.T, lines []Line) (a, b []string) {
	t.Helper()
	for _, l := range lines {
		if l.Op != Insert {
			a = append(a, l.Text)
			if l.A != len(a) {
				t.Fatalf("A line number %d, want %d", l.A, len(a))
			}
		} else if l.A != 0 {
			t.Fatalf("insert with A=%d", l.A)
		}
		if l.Op != Delete {
			b = append(b, l.Text)
			if l.B != len(b) {
				t.Fatalf("B line number %d, want %d", l.B, len(b))
			}
		} else if l.B != 0 {
			t.Fatalf("delete with B=%d", l.B)
		}
	}
	return a, b
}

func edits(lines []Line) int {
	n := 0
	for _, l := range lines {
		if l.Op != Equal {
			n++
		}
	}
	return n
}

// lcs is the textbook dynamic programme, the reference for minimality.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(cur[j], prev[j+1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func randomLines(r *rand.Rand, n, alphabet int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("line %d", r.Intn(alphabet))
	}
	return out
}

// mutate edits a copy of lines: the realistic case of two similar bodies.
func mutate(r *rand.Rand, lines []string, edits, alphabet int) []string {
	out := slices.Clone(lines)
	for range edits {
		i := r.Intn(len(out) + 1)
		switch r.Intn(3) {
		case 0:
			out = slices.Insert(out, i, fmt.Sprintf("new %d", r.Intn(alphabet)))
		case 1:
			if i < len(out) {
				out = slices.Delete(out, i, i+1)
			}
		default:
			if i < len(out) {
				out[i] = fmt.Sprintf("line %d", r.Intn(alphabet))
			}
		}
	}
	return out
}

func TestLineDiffProperty(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for iter := range 2000 {
		alphabet := 1 + r.Intn(12)
		a := randomLines(r, r.Intn(40), alphabet)
		var b []string
		if iter%2 == 0 {
			b = randomLines(r, r.Intn(40), alphabet)
		} else {
			b = mutate(r, a, r.Intn(8), alphabet)
		}
		got := lineDiff(a, b)
		ga, gb := apply(t, got)
		if !slices.Equal(ga, a) || !slices.Equal(gb, b) {
			t.Fatalf("iteration %d: diff does not rebuild the inputs\na %q\nb %q\ndiff %+v", iter, a, b, got)
		}
		// Small inputs stay within Myers' limits, so the script is minimal.
		if want := len(a) + len(b) - 2*lcs(a, b); edits(got) != want {
			t.Fatalf("iteration %d: %d edits, minimal is %d\na %q\nb %q", iter, edits(got), want, a, b)
		}
	}
}

func TestLineDiffLargeIsCorrect(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	// Many unique lines plus heavy edits: forces the patience split and the
	// budget fallback as well as Myers.
	for _, tc := range []struct{ n, edits, alphabet int }{
		{20_000, 50, 1 << 30},
		{20_000, 3000, 1 << 30},
		{20_000, 3000, 50},
	} {
		a := randomLines(r, tc.n, tc.alphabet)
		b := mutate(r, a, tc.edits, tc.alphabet)
		ga, gb := apply(t, lineDiff(a, b))
		if !slices.Equal(ga, a) || !slices.Equal(gb, b) {
			t.Fatalf("%+v: diff does not rebuild the inputs", tc)
		}
	}
}

func TestDeletesBeforeInserts(t *testing.T) {
	got := lineDiff([]string{"x", "a", "b", "y"}, []string{"x", "c", "d", "y"})
	var ops []Op
	for _, l := range got {
		ops = append(ops, l.Op)
	}
	if want := []Op{Equal, Delete, Delete, Insert, Insert, Equal}; !slices.Equal(ops, want) {
		t.Fatalf("ops %v, want %v", ops, want)
	}
}

// TestLineDiffBounded: two unrelated bodies at the line limit are the
// worst case for Myers (D = N+M); it must fall back, not take minutes.
func TestLineDiffBounded(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	var a, b strings.Builder
	for range MaxLines + 10 {
		fmt.Fprintf(&a, "a %d\n", r.Intn(100))
		fmt.Fprintf(&b, "b %d\n", r.Intn(100))
	}
	start := time.Now()
	body := Bodies([]byte(a.String()), []byte(b.String()), "text/plain", "text/plain")
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("took %v", el)
	}
	if !body.Truncated || len(body.Notes) == 0 {
		t.Fatalf("not marked as compared in part: %+v", body.Notes)
	}
	ins, del := body.LineCounts()
	if ins != MaxLines || del != MaxLines {
		t.Fatalf("inserted %d deleted %d", ins, del)
	}

	// Same shape, mostly equal: the realistic big case (kept under
	// MaxLines so that the whole of both sides is compared).
	lines := randomLines(r, MaxLines-1000, 1<<30)
	big := strings.Join(lines, "\n")
	other := strings.Join(mutate(r, lines, 200, 1<<30), "\n")
	start = time.Now()
	body = Bodies([]byte(big), []byte(other), "", "")
	t.Logf("50,000 lines, 200 edits: %v", time.Since(start))
	ga, gb := apply(t, body.Lines)
	if strings.Join(ga, "\n") != big || strings.Join(gb, "\n") != other {
		t.Fatal("diff does not rebuild the inputs")
	}
}

func TestTextBodyByteLimit(t *testing.T) {
	line := strings.Repeat("x", 1000) + "\n"
	a := strings.Repeat(line, 3000) // ~3 MB
	b := "changed\n" + a[len(line):]
	body := Bodies([]byte(a), []byte(b), "text/plain", "text/plain")
	if !body.Truncated {
		t.Fatal("not truncated")
	}
	// Only the first 2 MiB of each side are compared: B's shorter first
	// line lets it keep as many x lines as A, so the one visible change is
	// the new first line.
	ins, del := body.LineCounts()
	if ins != 1 || del != 0 || body.Lines[0].Text != "changed" {
		t.Fatalf("inserted %d deleted %d", ins, del)
	}
	if n := len(body.Lines); n > MaxBodyBytes/len(line)+2 {
		t.Fatalf("%d lines compared", n)
	}
}

func TestSplitLines(t *testing.T) {
	for in, want := range map[string][]string{
		"":            {},
		"a":           {"a"},
		"a\n":         {"a"},
		"a\r\nb\r\n":  {"a", "b"},
		"a\n\nb":      {"a", "", "b"},
		"\n":          {""},
		"a\rb\n":      {"a\rb"},
		"x\n\n":       {"x", ""},
		"tab\there\n": {"tab\there"},
	} {
		got, cut := splitLines([]byte(in))
		if !slices.Equal(got, want) || cut {
			t.Errorf("%q: %q cut %v, want %q", in, got, cut, want)
		}
	}
}
