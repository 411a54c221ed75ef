package diff

import (
	"slices"
	"sort"
)

// Op is what a diff line does to A.
type Op uint8

// Ops.
const (
	Equal  Op = iota // in both
	Insert           // only in B
	Delete           // only in A
)

func (o Op) String() string {
	switch o {
	case Insert:
		return "insert"
	case Delete:
		return "delete"
	}
	return "equal"
}

// Line is one row of a line diff. A and B are 1-based line numbers in each
// body, 0 on the side the line is not in (A for Insert, B for Delete).
type Line struct {
	Op   Op
	A, B int
	Text string
}

const (
	// maxEditDistance caps one Myers search; its trace costs O(D²) memory
	// (4 MB at this D). Beyond it the region is split at unique lines.
	maxEditDistance = 1000
	// diffBudget bounds the total work (loop steps) of one line diff, so
	// two unrelated 50,000-line bodies finish in a fraction of a second.
	// Once spent, the remaining regions fall back to cheaper alignments:
	// still a correct diff, just not a minimal one.
	diffBudget = 30_000_000
	// maxAnchorDepth bounds the recursion of the unique-line split.
	maxAnchorDepth = 64
)

// step is one aligned pair of (0-based) line indexes; -1 means absent.
type step struct{ a, b int32 }

type lineDiffer struct {
	a, b   []int32 // lines interned to small integers: compares are cheap
	steps  []step
	budget int
}

// lineDiff aligns a and b: the shortest edit script (Myers) where that is
// affordable, a patience-style split at lines unique to both sides where it
// is not. Deleted lines come before inserted ones within each change.
func lineDiff(a, b []string) []Line {
	ids := make(map[string]int32, len(a))
	intern := func(lines []string) []int32 {
		out := make([]int32, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = int32(len(ids))
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	d := &lineDiffer{a: intern(a), b: intern(b), budget: diffBudget}
	d.steps = make([]step, 0, max(len(a), len(b))+16)
	d.diff(0, len(a), 0, len(b), 0)
	out := make([]Line, len(d.steps))
	for i, s := range d.steps {
		switch {
		case s.a < 0:
			out[i] = Line{Op: Insert, B: int(s.b) + 1, Text: b[s.b]}
		case s.b < 0:
			out[i] = Line{Op: Delete, A: int(s.a) + 1, Text: a[s.a]}
		default:
			out[i] = Line{Op: Equal, A: int(s.a) + 1, B: int(s.b) + 1, Text: a[s.a]}
		}
	}
	deletesFirst(out)
	return out
}

// deletesFirst orders each run of changes as all deletions, then all
// insertions, which is how people read a replaced block.
func deletesFirst(lines []Line) {
	for i := 0; i < len(lines); {
		if lines[i].Op == Equal {
			i++
			continue
		}
		j := i
		for j < len(lines) && lines[j].Op != Equal {
			j++
		}
		slices.SortStableFunc(lines[i:j], func(x, y Line) int {
			return int(y.Op) - int(x.Op) // Delete (2) before Insert (1)
		})
		i = j
	}
}

func (d *lineDiffer) equal(i, j int) { d.steps = append(d.steps, step{int32(i), int32(j)}) }

func (d *lineDiffer) replace(a0, a1, b0, b1 int) {
	for i := a0; i < a1; i++ {
		d.steps = append(d.steps, step{int32(i), -1})
	}
	for j := b0; j < b1; j++ {
		d.steps = append(d.steps, step{-1, int32(j)})
	}
}

// diff appends the steps aligning a[a0:a1] with b[b0:b1].
func (d *lineDiffer) diff(a0, a1, b0, b1, depth int) {
	for a0 < a1 && b0 < b1 && d.a[a0] == d.b[b0] {
		d.equal(a0, b0)
		a0++
		b0++
	}
	suffix := 0
	for a0 < a1-suffix && b0 < b1-suffix && d.a[a1-1-suffix] == d.b[b1-1-suffix] {
		suffix++
	}
	a1 -= suffix
	b1 -= suffix
	switch {
	case a0 == a1 || b0 == b1:
		d.replace(a0, a1, b0, b1)
	case d.myers(a0, a1, b0, b1):
	case d.budget > 0 && depth < maxAnchorDepth && d.anchored(a0, a1, b0, b1, depth):
	default:
		d.replace(a0, a1, b0, b1)
	}
	for k := range suffix {
		d.equal(a1+k, b1+k)
	}
}

// myers runs the O(ND) greedy search of Myers (1986) forward, keeping each
// round's frontier for the walk back. It gives up, appending nothing, when
// the edit distance exceeds maxEditDistance or the budget runs out.
func (d *lineDiffer) myers(a0, a1, b0, b1 int) bool {
	a, b := d.a[a0:a1], d.b[b0:b1]
	n, m := len(a), len(b)
	maxD := min(n+m, maxEditDistance)
	off := maxD + 1
	v := make([]int, 2*maxD+3) // v[off+k]: furthest x on diagonal k
	// trace[D] holds v[off-D-1 : off+D+2] as it was before round D.
	var trace [][]int32
	for D := 0; D <= maxD; D++ {
		snap := make([]int32, 2*D+3)
		for i := range snap {
			snap[i] = int32(v[off-D-1+i])
		}
		trace = append(trace, snap)
		for k := -D; k <= D; k += 2 {
			var x int
			if k == -D || (k != D && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // down: insert b[y]
			} else {
				x = v[off+k-1] + 1 // right: delete a[x]
			}
			y := x - k
			x0 := x
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			d.budget -= 1 + x - x0
			if x >= n && y >= m {
				d.backtrack(a0, b0, n, m, trace)
				return true
			}
		}
		if d.budget < 0 {
			return false
		}
	}
	return false
}

func (d *lineDiffer) backtrack(a0, b0, n, m int, trace [][]int32) {
	var rev []step
	x, y := n, m
	for D := len(trace) - 1; D >= 0; D-- {
		snap := trace[D]
		at := func(k int) int { return int(snap[k+D+1]) }
		k := x - y
		var pk int
		if k == -D || (k != D && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, step{int32(a0 + x), int32(b0 + y)})
		}
		if D > 0 {
			if x == px {
				rev = append(rev, step{-1, int32(b0 + py)})
			} else {
				rev = append(rev, step{int32(a0 + px), -1})
			}
		}
		x, y = px, py
	}
	for i := len(rev) - 1; i >= 0; i-- {
		d.steps = append(d.steps, rev[i])
	}
}

// anchored splits the region at lines that occur exactly once in each
// side, keeping the longest run of them that appears in the same order
// (patience diff), and diffs the gaps between them. It reports false when
// there is no such line to split at.
func (d *lineDiffer) anchored(a0, a1, b0, b1, depth int) bool {
	type seen struct{ na, nb, ia, ib int32 }
	counts := make(map[int32]*seen, a1-a0)
	for i := a0; i < a1; i++ {
		s := counts[d.a[i]]
		if s == nil {
			s = &seen{}
			counts[d.a[i]] = s
		}
		s.na++
		s.ia = int32(i)
	}
	for j := b0; j < b1; j++ {
		if s := counts[d.b[j]]; s != nil {
			s.nb++
			s.ib = int32(j)
		}
	}
	d.budget -= (a1 - a0) + (b1 - b0)
	var pairs []step // unique in both, in A's order
	for i := a0; i < a1; i++ {
		if s := counts[d.a[i]]; s.na == 1 && s.nb == 1 {
			pairs = append(pairs, step{s.ia, s.ib})
		}
	}
	anchors := longestIncreasing(pairs)
	if len(anchors) == 0 {
		return false
	}
	pa, pb := a0, b0
	for _, p := range anchors {
		d.diff(pa, int(p.a), pb, int(p.b), depth+1)
		d.equal(int(p.a), int(p.b))
		pa, pb = int(p.a)+1, int(p.b)+1
	}
	d.diff(pa, a1, pb, b1, depth+1)
	return true
}

// longestIncreasing returns the longest subsequence of pairs (already
// increasing in a) that is also increasing in b, by patience sorting.
func longestIncreasing(pairs []step) []step {
	var tops []int // index into pairs of the top card of each pile
	prev := make([]int, len(pairs))
	for i, p := range pairs {
		k := sort.Search(len(tops), func(t int) bool { return pairs[tops[t]].b > p.b })
		prev[i] = -1
		if k > 0 {
			prev[i] = tops[k-1]
		}
		if k == len(tops) {
			tops = append(tops, i)
		} else {
			tops[k] = i
		}
	}
	if len(tops) == 0 {
		return nil
	}
	out := make([]step, len(tops))
	for i, k := len(tops)-1, tops[len(tops)-1]; i >= 0; i, k = i-1, prev[k] {
		out[i] = pairs[k]
	}
	return out
}
