package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Change is one difference between two JSON (or form) bodies.
type Change struct {
	// Path locates the value: data.object.amount, items[2].sku,
	// meta["content.type"]; "" is the document itself.
	Path string
	Kind Kind // Added, Removed or Changed
	// Old and New are the values as compact JSON, exactly as the sender
	// wrote them apart from spacing; "" on the side where the value is
	// absent. For form bodies they are the decoded field values.
	Old, New string
}

const (
	// maxDepth bounds the recursion: subtrees nested deeper are compared
	// as a whole. Senders never nest this deep; hostile input might.
	maxDepth = 256
	// maxNotes bounds the array-length notes for the same reason
	// MaxChanges bounds the changes.
	maxNotes = 100
)

// jnode is a JSON value that keeps its place in the source. Equal subtrees
// are then recognised with one bytes.Equal and never parsed, which is what
// makes two 1 MB documents differing in a few values cheap to compare, and
// values are reported as sent (json.Marshal would sort keys and escape <>&).
// Children are parsed on first use.
type jnode struct {
	doc    *jdoc
	kind   byte // '{', '[', '"', 't', 'f', 'n', or '0' for numbers
	raw    []byte
	start  int // offset of raw in doc.src
	parsed bool
	keys   []string // objects: keys in document order, duplicates folded
	kids   []*jnode // object values (parallel to keys) or array elements
	index  map[string]int
}

// jdoc is a valid document with the end of every object and array found in
// one pass, so skipping a nested value while parsing its parent is a
// lookup instead of a rescan: without it a document is rescanned once per
// level of nesting on the way to each difference.
type jdoc struct {
	src   []byte
	slab  []jnode // nodes are handed out from here: one allocation per 256
	opens []int32 // offsets of '{' and '[', ascending
	ends  []int32 // ends[k]: offset after the bracket closing opens[k]
}

// parseJSON returns the root of s, or false when s is not one valid JSON
// value. Validity is checked once up front, so the code below can trust
// its input.
func parseJSON(s []byte) (*jnode, bool) {
	if !json.Valid(s) || len(s) > math.MaxInt32 {
		return nil, false
	}
	d := &jdoc{src: s}
	var stack []int32
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			i = skipString(s, i) - 1
		case '{', '[':
			stack = append(stack, int32(len(d.opens)))
			d.opens = append(d.opens, int32(i))
			d.ends = append(d.ends, 0)
		case '}', ']':
			d.ends[stack[len(stack)-1]] = int32(i + 1)
			stack = stack[:len(stack)-1]
		}
	}
	i := skipSpace(s, 0)
	return d.node(i, d.skipValue(i)), true
}

func (d *jdoc) node(start, end int) *jnode {
	k := d.src[start]
	if k == '-' || (k >= '0' && k <= '9') {
		k = '0'
	}
	if len(d.slab) == 0 {
		d.slab = make([]jnode, 256)
	}
	n := &d.slab[0]
	d.slab = d.slab[1:]
	*n = jnode{doc: d, kind: k, raw: d.src[start:end], start: start}
	return n
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func trimSpace(s []byte) []byte {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func skipSpace(s []byte, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// skipValue returns the end of the value starting at src[i].
func (d *jdoc) skipValue(i int) int {
	s := d.src
	switch s[i] {
	case '"':
		return skipString(s, i)
	case '{', '[':
		k, _ := slices.BinarySearch(d.opens, int32(i))
		return int(d.ends[k])
	}
	for i < len(s) && !isSpace(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']' {
		i++
	}
	return i
}

// skipString returns the index after the closing quote of the string
// starting at s[i]. It jumps from quote to quote with bytes.IndexByte,
// which is vectorised, because strings are most of a typical document.
func skipString(s []byte, i int) int {
	for i++; ; {
		q := bytes.IndexByte(s[i:], '"')
		if q < 0 {
			return len(s)
		}
		j := i + q
		backslashes := 0
		for k := j - 1; k >= i && s[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return j + 1
		}
		i = j + 1
	}
}

// decodeString unquotes a JSON string token; escapes are rare in keys and
// values, so the common case is a plain copy.
func decodeString(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return string(raw[1 : len(raw)-1])
	}
	return s
}

// parse fills in n's direct children.
func (n *jnode) parse() {
	if n.parsed {
		return
	}
	n.parsed = true
	s, d := n.doc.src, n.doc
	end := n.start + len(n.raw)
	switch n.kind {
	case '{':
		i := skipSpace(s, n.start+1)
		for i < end && s[i] == '"' {
			kend := skipString(s, i)
			key := decodeString(s[i:kend])
			i = skipSpace(s, kend)
			i = skipSpace(s, i+1) // ':'
			vend := d.skipValue(i)
			n.set(key, d.node(i, vend))
			i = skipSpace(s, vend)
			if i < end && s[i] == ',' {
				i = skipSpace(s, i+1)
			}
		}
	case '[':
		i := skipSpace(s, n.start+1)
		for i < end && s[i] != ']' {
			vend := d.skipValue(i)
			n.kids = append(n.kids, d.node(i, vend))
			i = skipSpace(s, vend)
			if i < end && s[i] == ',' {
				i = skipSpace(s, i+1)
			}
		}
	}
}

// set adds a key; a repeated key keeps its first position but takes the
// last value, as encoding/json does. Small objects are searched linearly,
// bigger ones get a map so a 100,000-key object is not quadratic.
func (n *jnode) set(key string, v *jnode) {
	if i := n.find(key); i >= 0 {
		n.kids[i] = v
		return
	}
	n.keys = append(n.keys, key)
	n.kids = append(n.kids, v)
	switch {
	case n.index != nil:
		n.index[key] = len(n.keys) - 1
	case len(n.keys) > 8:
		n.index = make(map[string]int, 2*len(n.keys))
		for i, k := range n.keys {
			n.index[k] = i
		}
	}
}

func (n *jnode) find(key string) int {
	if n.index != nil {
		if i, ok := n.index[key]; ok {
			return i
		}
		return -1
	}
	for i, k := range n.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// compact is the value as compact JSON.
func (n *jnode) compact() string {
	if n == nil {
		return ""
	}
	if n.kind != '{' && n.kind != '[' {
		return string(n.raw)
	}
	var buf bytes.Buffer
	buf.Grow(len(n.raw))
	if err := json.Compact(&buf, n.raw); err != nil {
		return string(n.raw)
	}
	return buf.String()
}

// jsonDiffer walks two documents collecting changes up to MaxChanges. The
// path of the value being compared is kept in one growing buffer, and a
// string is made only for a reported change: most visited values are equal.
type jsonDiffer struct {
	path      []byte
	changes   []Change
	notes     []string
	truncated bool
}

func (d *jsonDiffer) add(kind Kind, a, b *jnode) {
	if len(d.changes) >= MaxChanges {
		d.truncated = true
		return
	}
	d.changes = append(d.changes, Change{Path: string(d.path), Kind: kind, Old: a.compact(), New: b.compact()})
}

func (d *jsonDiffer) value(a, b *jnode, depth int) {
	if d.truncated || bytes.Equal(a.raw, b.raw) {
		return
	}
	switch {
	case a.kind != b.kind:
		d.add(Changed, a, b) // a type change, or true ↔ false
	case depth >= maxDepth:
		if !bytes.Equal(compactBytes(a.raw), compactBytes(b.raw)) {
			d.add(Changed, a, b)
		}
	case a.kind == '{':
		d.object(a, b, depth)
	case a.kind == '[':
		d.array(a, b, depth)
	case a.kind == '"':
		// Same text may be written with different escapes ("\u00e9" vs "é").
		if decodeString(a.raw) != decodeString(b.raw) {
			d.add(Changed, a, b)
		}
	default:
		// Numbers compare as written (json.Number text): 1.0 and 1 differ,
		// because a receiver that parses them as strings sees a difference.
		d.add(Changed, a, b)
	}
}

func (d *jsonDiffer) object(a, b *jnode, depth int) {
	a.parse()
	b.parse()
	mark := len(d.path)
	for i, k := range a.keys {
		if d.truncated {
			return
		}
		d.path = appendKey(d.path[:mark], k)
		if j := b.find(k); j >= 0 {
			d.value(a.kids[i], b.kids[j], depth+1)
		} else {
			d.add(Removed, a.kids[i], nil)
		}
	}
	for j, k := range b.keys {
		if d.truncated {
			break
		}
		if a.find(k) < 0 {
			d.path = appendKey(d.path[:mark], k)
			d.add(Added, nil, b.kids[j])
		}
	}
	d.path = d.path[:mark]
}

// array compares by index: webhook arrays are usually short lists where
// position carries meaning (line items), and a by-index answer is one a
// reader can check against both documents.
func (d *jsonDiffer) array(a, b *jnode, depth int) {
	a.parse()
	b.parse()
	la, lb := len(a.kids), len(b.kids)
	if la != lb && len(d.notes) < maxNotes {
		d.notes = append(d.notes, fmt.Sprintf("%s: %d → %d elements", DisplayPath(string(d.path)), la, lb))
	}
	mark := len(d.path)
	for i := range max(la, lb) {
		if d.truncated {
			break
		}
		d.path = append(strconv.AppendInt(append(d.path[:mark], '['), int64(i), 10), ']')
		switch {
		case i >= la:
			d.add(Added, nil, b.kids[i])
		case i >= lb:
			d.add(Removed, a.kids[i], nil)
		default:
			d.value(a.kids[i], b.kids[i], depth+1)
		}
	}
	d.path = d.path[:mark]
}

func compactBytes(raw []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return raw
	}
	return buf.Bytes()
}

// appendKey appends an object key to a path: .name when it reads as a
// name, otherwise ["…"] so keys with dots, spaces or leading digits stay
// unambiguous.
func appendKey(path []byte, key string) []byte {
	if isName(key) {
		if len(path) > 0 {
			path = append(path, '.')
		}
		return append(path, key...)
	}
	q, _ := json.Marshal(key)
	return append(append(append(path, '['), q...), ']')
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r == '$' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return utf8.ValidString(s)
}

// DisplayPath shows the root path "" as "(root)".
func DisplayPath(p string) string {
	if p == "" {
		return "(root)"
	}
	return p
}

// JSON compares two JSON documents structurally: objects by key whatever
// their order, arrays by index. ok is false when either is not valid JSON.
func JSON(a, b []byte) (body Body, ok bool) {
	ra, okA := parseJSON(a)
	rb, okB := parseJSON(b)
	if !okA || !okB {
		return Body{}, false
	}
	var d jsonDiffer
	d.value(ra, rb, 0)
	return Body{
		Kind:      BodyJSON,
		Identical: bytes.Equal(a, b),
		Changes:   d.changes,
		Notes:     d.notes,
		Truncated: d.truncated,
		SizeA:     len(a),
		SizeB:     len(b),
	}, true
}
