package app

import (
	"net/http"
	"testing"

	"hookscope/storage"
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
	for _, bad := range []string{"", "== 1", "type =="} {
		if _, err := ParseJSONCond(bad); err == nil {
			t.Errorf("%q accepted", bad)
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
