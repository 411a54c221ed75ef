package app

import "testing"

func TestParseFilterQueryShellQuoting(t *testing.T) {
	f, err := ParseFilterQuery(`body:"payment failed" header:X-Note='it'\''s "ok"' path:/a\ b json:'amount > 100'`)
	if err != nil {
		t.Fatal(err)
	}
	if f.BodyContains != "payment failed" || len(f.Headers) != 1 || f.Headers[0] != (HeaderCond{"X-Note", `it's "ok"`}) ||
		f.PathContains != "/a b" || f.JSON == nil || f.JSON.Path != "amount" {
		t.Fatalf("%+v", f)
	}
	g, err := ParseFilterQuery(`body:$'a\tb' body:"q\"r"`)
	if err != nil || g.BodyContains != `q"r` {
		t.Fatalf("%+v, %v", g, err)
	}
	if h, _ := ParseFilterQuery(`body:$'a\tb'`); h.BodyContains != "a\tb" {
		t.Fatalf("$'...': %q", h.BodyContains)
	}
	// Shell operators are plain characters in the filter bar.
	o, err := ParseFilterQuery(`body:a&b|c;d json:amount>100 /x(1)`)
	if err != nil || o.BodyContains != "a&b|c;d" || o.JSON == nil || o.PathContains != "/x(1)" {
		t.Fatalf("%+v, %v", o, err)
	}
	// Nothing is expanded.
	e, err := ParseFilterQuery(`body:$HOME/~`)
	if err != nil || e.BodyContains != "$HOME/~" {
		t.Fatalf("%+v, %v", e, err)
	}
	for _, bad := range []string{`body:'open`, `body:$'open`, `body:$(open`} {
		if _, err := ParseFilterQuery(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
