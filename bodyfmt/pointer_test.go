package bodyfmt

import "testing"

func TestJSONValueRange(t *testing.T) {
	compact := `{"id":"evt_1","a/b":1,"data":{"object":{"amount":"1200","tags":["x",{"k":null}],"esc\"q":true}}}`
	pretty, err := PrettyJSON([]byte(compact))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ pointer, want string }{
		{"/data/object/amount", `"1200"`},
		{"/data/object/tags/1", `{` + "\n" + `          "k": null` + "\n" + `        }`},
		{"/data/object/tags/1/k", `null`},
		{"/a~1b", `1`},
		{"/data/object/esc\"q", `true`},
		{"/id", `"evt_1"`},
	}
	for _, text := range [][]byte{[]byte(compact), pretty} {
		for _, c := range cases {
			s, e, ok := JSONValueRange(text, c.pointer)
			if !ok {
				t.Errorf("%s: not found in %s", c.pointer, text)
				continue
			}
			got := string(text[s:e])
			if len(text) == len(compact) && c.pointer == "/data/object/tags/1" {
				if got != `{"k":null}` {
					t.Errorf("%s in compact = %q", c.pointer, got)
				}
				continue
			}
			if got != c.want {
				t.Errorf("%s = %q, want %q", c.pointer, got, c.want)
			}
		}
	}
	if s, e, ok := JSONValueRange(pretty, ""); !ok || s != 0 || e != len(pretty) {
		t.Errorf("the empty pointer = %d..%d %v, want the whole text", s, e, ok)
	}
	for _, p := range []string{"/nope", "/data/object/tags/2", "/data/object/tags/01", "/id/x", "no-slash", "/data/object/amount/0"} {
		if _, _, ok := JSONValueRange(pretty, p); ok {
			t.Errorf("%s was found", p)
		}
	}
	for _, broken := range []string{"", `{"a":`, `{"a" 1}`, `["unterminated`} {
		if _, _, ok := JSONValueRange([]byte(broken), "/a"); ok {
			t.Errorf("found /a in broken %q", broken)
		}
	}
}
