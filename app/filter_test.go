package app

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"dev.hookscope/storage"
)

func TestJSONCond(t *testing.T) {
	body := []byte(`{"type":"invoice.paid","livemode":false,"data":{"object":{"amount":2000,"tags":["a","b"]}},"note":null}`)
	cases := map[string]bool{
		`type == "invoice.paid"`:           true,
		`$.type == "invoice.paid"`:         true,
		`type == invoice.paid`:             true,
		`type != "invoice.paid"`:           false,
		`type == "invoice.payment_failed"`: false,
		`data.object.amount == 2000`:       true,
		`data.object.amount > 1999.5`:      true,
		`data.object.amount <= 1999`:       false,
		`data.object.tags.1 == "b"`:        true,
		`livemode == false`:                true,
		`livemode == true`:                 false,
		`note == null`:                     true,
		`type ~= "invoice"`:                true,
		`data.object`:                      true,
		`data.missing`:                     false,
		`data.missing != 1`:                true,
	}
	for expr, want := range cases {
		c, err := ParseJSONCond(expr)
		if err != nil {
			t.Fatalf("%q: %v", expr, err)
		}
		if got := c.Match(body); got != want {
			t.Errorf("%q: got %v want %v", expr, got, want)
		}
	}
	if c, _ := ParseJSONCond("type"); c.Match([]byte("not json")) {
		t.Error("a non-JSON body matched")
	}
	for _, bad := range []string{"", "== 1", "type ==", `type === "x"`, `type == "unterminated`, "type == [1,", "a..b == 1", "data. == 1", "type = x", "type ~== x"} {
		if _, err := ParseJSONCond(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMalformedConditionsAreRefused(t *testing.T) {
	for _, bad := range []string{"", ": v", "Bad Name: v", "X-Ü: v", "(x)"} {
		if _, err := ParseHeaderCond(bad); err == nil {
			t.Errorf("header condition %q accepted", bad)
		}
	}
	for _, good := range []string{"X-Event", "x-event: a: b", "Content-Type:application/json"} {
		if _, err := ParseHeaderCond(good); err != nil {
			t.Errorf("header condition %q: %v", good, err)
		}
	}
	for _, bad := range []string{"/a[", "/a[b-]", `/x\`} {
		if err := CheckGlob(bad); err == nil || !strings.Contains(err.Error(), "not a valid glob") {
			t.Errorf("glob %q: %v", bad, err)
		}
	}
	for _, good := range []string{"", "/hooks/*", "/v[12]/x", "/a]"} {
		if err := CheckGlob(good); err != nil {
			t.Errorf("glob %q: %v", good, err)
		}
	}
}

func TestFilterMatch(t *testing.T) {
	rec := &storage.Record{
		Summary: storage.Summary{ID: 5, Method: "POST", Path: "/hooks/stripe"},
		Header:  http.Header{"X-Event": {"a", "b"}}, Host: "h", Body: []byte(`{"type":"x"}`),
	}
	jc, _ := ParseJSONCond(`type == "x"`)
	hc, _ := ParseHeaderCond("x-event: b")
	hp, _ := ParseHeaderCond("X-Event")
	cases := []struct {
		f    Filter
		want bool
	}{
		{Filter{}, true},
		{Filter{Method: "post"}, true},
		{Filter{Method: "GET"}, false},
		{Filter{PathGlob: "/hooks/*"}, true},
		{Filter{PathGlob: "/hooks/stripe"}, true},
		{Filter{PathGlob: "/other/*"}, false},
		{Filter{SinceID: 5}, false},
		{Filter{SinceID: 4}, true},
		{Filter{Headers: []HeaderCond{hc, hp}}, true},
		{Filter{Headers: []HeaderCond{{Name: "X-Event", Value: "c"}}}, false},
		{Filter{JSON: jc}, true},
	}
	for i, c := range cases {
		if got := c.f.Match(rec); got != c.want {
			t.Errorf("case %d %+v: got %v", i, c.f, got)
		}
	}
}

func TestParseFilterQuery(t *testing.T) {
	f, err := ParseFilterQuery(`POST /hooks/ status:200 sig:valid header:X-Event=push body:"evt 1" json:'type == "invoice.paid"' dup`)
	if err != nil {
		t.Fatal(err)
	}
	if f.Method != "POST" || f.PathContains != "/hooks/" || f.Status != 200 || f.Sig != "valid" || !f.DuplicatesOnly ||
		len(f.Headers) != 1 || f.Headers[0] != (HeaderCond{"X-Event", "push"}) || f.BodyContains != "evt 1" || f.JSON == nil || f.JSON.Path != "type" {
		t.Fatalf("%+v", f)
	}
	g, _ := ParseFilterQuery("path:/a/* stripe")
	if g.PathGlob != "/a/*" || g.PathContains != "stripe" {
		t.Fatalf("%+v", g)
	}
	if e, _ := ParseFilterQuery("   "); !e.Empty() {
		t.Fatal("blank filter is not empty")
	}
	for _, bad := range []string{"status:abc", `json:'== 1'`, `body:"unterminated`} {
		if _, err := ParseFilterQuery(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFilterIDsOverBodiesWithCancel(t *testing.T) {
	c := openCore(t)
	c.StartListener("")
	for i := range 30 {
		body := `{"type":"invoice.created"}`
		if i%10 == 3 {
			body = `{"type":"invoice.paid"}`
		}
		resp, err := http.Post(c.ListenerURL()+"/hooks/stripe", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	f, _ := ParseFilterQuery(`json:'type == "invoice.paid"'`)
	var last int
	ids, err := c.FilterIDs(context.Background(), f, func(done, total int) { last = done })
	if err != nil || len(ids) != 3 || ids[0] != 4 || last != 30 {
		t.Fatalf("ids %v, progress %d, %v", ids, last, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.FilterIDs(ctx, f, nil); err == nil {
		t.Fatal("a cancelled search finished")
	}
}
