package diff

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestJSONStructural(t *testing.T) {
	for _, tc := range []struct {
		name  string
		a, b  string
		want  []Change
		notes []string
	}{
		{
			name: "nested value",
			a:    `{"data":{"object":{"amount":2000,"currency":"usd"}}}`,
			b:    `{"data":{"object":{"amount":2500,"currency":"usd"}}}`,
			want: []Change{{Path: "data.object.amount", Kind: Changed, Old: "2000", New: "2500"}},
		},
		{
			name: "key order and spacing are irrelevant",
			a:    `{"a":1,"b":{"x":[1,2],"y":null}}`,
			b:    "{\n  \"b\": {\"y\": null, \"x\": [1, 2]},\n  \"a\": 1\n}",
		},
		{
			name: "added and removed keys",
			a:    `{"keep":1,"gone":{"deep":true}}`,
			b:    `{"keep":1,"new":[1, 2]}`,
			want: []Change{
				{Path: "gone", Kind: Removed, Old: `{"deep":true}`},
				{Path: "new", Kind: Added, New: `[1,2]`},
			},
		},
		{
			name: "arrays by index with a length note",
			a:    `{"items":[{"sku":"A"},{"sku":"B"},{"sku":"C"}]}`,
			b:    `{"items":[{"sku":"A"},{"sku":"B"},{"sku":"X"},{"sku":"D"}]}`,
			want: []Change{
				{Path: "items[2].sku", Kind: Changed, Old: `"C"`, New: `"X"`},
				{Path: "items[3]", Kind: Added, New: `{"sku":"D"}`},
			},
			notes: []string{"items: 3 → 4 elements"},
		},
		{
			name: "shorter array",
			a:    `[1,2,3]`,
			b:    `[1]`,
			want: []Change{
				{Path: "[1]", Kind: Removed, Old: "2"},
				{Path: "[2]", Kind: Removed, Old: "3"},
			},
			notes: []string{"(root): 3 → 1 elements"},
		},
		{
			name: "type changes",
			a:    `{"n":1,"s":"1","o":{},"a":[],"t":true,"z":null}`,
			b:    `{"n":"1","s":1,"o":[],"a":{},"t":false,"z":0}`,
			want: []Change{
				{Path: "n", Kind: Changed, Old: "1", New: `"1"`},
				{Path: "s", Kind: Changed, Old: `"1"`, New: "1"},
				{Path: "o", Kind: Changed, Old: "{}", New: "[]"},
				{Path: "a", Kind: Changed, Old: "[]", New: "{}"},
				{Path: "t", Kind: Changed, Old: "true", New: "false"},
				{Path: "z", Kind: Changed, Old: "null", New: "0"},
			},
		},
		{
			name: "numbers compare as written",
			a:    `{"x":1.0,"y":1e2}`,
			b:    `{"x":1,"y":1e2}`,
			want: []Change{{Path: "x", Kind: Changed, Old: "1.0", New: "1"}},
		},
		{
			name: "string escapes are decoded",
			a:    `{"name":"caf\u00e9","tag":"<b>"}`,
			b:    `{"name":"café","tag":"\u003cb\u003e"}`,
		},
		{
			name: "awkward keys are quoted",
			a:    `{"a.b":1,"2024":{"x y":1},"ok-key":1,"_id":1}`,
			b:    `{"a.b":2,"2024":{"x y":2},"ok-key":2,"_id":2}`,
			want: []Change{
				{Path: `["a.b"]`, Kind: Changed, Old: "1", New: "2"},
				{Path: `["2024"]["x y"]`, Kind: Changed, Old: "1", New: "2"},
				{Path: "ok-key", Kind: Changed, Old: "1", New: "2"},
				{Path: "_id", Kind: Changed, Old: "1", New: "2"},
			},
		},
		{
			name: "root scalar",
			a:    `"x"`,
			b:    `42`,
			want: []Change{{Path: "", Kind: Changed, Old: `"x"`, New: "42"}},
		},
		{
			name: "duplicate keys: last wins as in encoding/json",
			a:    `{"k":1,"k":2}`,
			b:    `{"k":2}`,
		},
		{
			name: "values kept as sent",
			a:    `{"html":"a"}`,
			b:    `{"html":{"v" : "<a href=\"x\">&amp;</a>"}}`,
			want: []Change{{Path: "html", Kind: Changed, Old: `"a"`, New: `{"v":"<a href=\"x\">&amp;</a>"}`}},
		},
		{
			name: "big object uses its index",
			a:    `{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10}`,
			b:    `{"k10":10,"k9":9,"k8":8,"k7":7,"k6":6,"k5":5,"k4":4,"k3":3,"k2":2,"k1":1,"k0":-1}`,
			want: []Change{{Path: "k0", Kind: Changed, Old: "0", New: "-1"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ok := JSON([]byte(tc.a), []byte(tc.b))
			if !ok {
				t.Fatal("not recognised as JSON")
			}
			if !slices.Equal(body.Changes, tc.want) {
				t.Errorf("changes\n got %+v\nwant %+v", body.Changes, tc.want)
			}
			if !slices.Equal(body.Notes, tc.notes) {
				t.Errorf("notes %q, want %q", body.Notes, tc.notes)
			}
			if body.Identical != (tc.a == tc.b) || body.Truncated {
				t.Errorf("identical %v truncated %v", body.Identical, body.Truncated)
			}
		})
	}
}

func TestJSONNotBothValid(t *testing.T) {
	for _, pair := range [][2]string{{`{"a":1}`, `{"a":`}, {`{}`, ``}, {`1 2`, `1`}, {`{}`, `{} x`}} {
		if _, ok := JSON([]byte(pair[0]), []byte(pair[1])); ok {
			t.Errorf("%q vs %q compared as JSON", pair[0], pair[1])
		}
	}
}

func TestJSONStopsAtMaxChanges(t *testing.T) {
	var a, b strings.Builder
	a.WriteString("[")
	b.WriteString("[")
	for i := range 3 * MaxChanges {
		if i > 0 {
			a.WriteString(",")
			b.WriteString(",")
		}
		a.WriteString("1")
		b.WriteString("2")
	}
	a.WriteString("]")
	b.WriteString("]")
	body, _ := JSON([]byte(a.String()), []byte(b.String()))
	if len(body.Changes) != MaxChanges || !body.Truncated {
		t.Fatalf("%d changes, truncated %v", len(body.Changes), body.Truncated)
	}
}

func TestJSONDeepNestingIsBounded(t *testing.T) {
	const depth = 5000 // json.Valid allows up to 10,000
	a := strings.Repeat("[", depth) + "1" + strings.Repeat("]", depth)
	b := strings.Repeat("[", depth) + "2" + strings.Repeat("]", depth)
	body, ok := JSON([]byte(a), []byte(b))
	if !ok || len(body.Changes) != 1 || body.Changes[0].Kind != Changed {
		t.Fatalf("ok %v changes %d", ok, len(body.Changes))
	}
	if want := strings.Repeat("[0]", maxDepth); body.Changes[0].Path != want {
		t.Fatalf("path %q", body.Changes[0].Path)
	}
}

// decodeJSON is the reference semantics: what a Go receiver would see.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

func FuzzJSON(f *testing.F) {
	for _, s := range [][2]string{
		{`{"a":1}`, `{"a":2}`},
		{`{"a":[1,2,{"b":null}]}`, `{"a":[1,{"b":true}]}`},
		{`[]`, `{}`},
		{`"\u00e9"`, `"é"`},
		{`{"k":1,"k":2}`, `{"k":2}`},
		{`{"x":{"y":[[]]}}`, `{"x" : { "y" : [ [ ] ] } }`},
		{`1e5`, `100000`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		body, ok := JSON(a, b)
		self, okSelf := JSON(a, a)
		if okSelf && (len(self.Changes) > 0 || len(self.Notes) > 0) {
			t.Fatalf("a differs from itself: %+v", self.Changes)
		}
		if !ok || !utf8.Valid(a) || !utf8.Valid(b) || len(a)+len(b) > 400 {
			return // the equivalence below needs shallow, valid-UTF-8 input
		}
		va, errA := decodeJSON(a)
		vb, errB := decodeJSON(b)
		if errA != nil || errB != nil {
			t.Fatalf("valid per JSON but not per encoding/json: %v %v", errA, errB)
		}
		if same := reflect.DeepEqual(va, vb); same != (len(body.Changes) == 0) {
			t.Fatalf("DeepEqual %v but changes %+v", same, body.Changes)
		}
	})
}

// FuzzBodies: any two bodies compare without panicking, and a plain line
// diff rebuilds both sides.
func FuzzBodies(f *testing.F) {
	f.Add([]byte("a\nb\n"), []byte("a\nc\n"), "text/plain")
	f.Add([]byte(`{"a":1}`), []byte(`{"a":`), "application/json")
	f.Add([]byte("x=1&y=2"), []byte("y=2"), "application/x-www-form-urlencoded")
	f.Add([]byte("<a><b/></a>"), []byte("<a><c/></a>"), "application/xml")
	f.Add([]byte("\x00"), []byte{}, "")
	f.Fuzz(func(t *testing.T, a, b []byte, ct string) {
		body := Bodies(a, b, ct, ct)
		if body.Identical != bytes.Equal(a, b) {
			t.Fatalf("Identical %v", body.Identical)
		}
		if body.Kind != BodyText || body.Reformatted || body.Truncated {
			return
		}
		wa, _ := splitLines(a)
		wb, _ := splitLines(b)
		ga, gb := apply(t, body.Lines)
		if !slices.Equal(ga, wa) || !slices.Equal(gb, wb) {
			t.Fatalf("diff does not rebuild the inputs")
		}
	})
}
