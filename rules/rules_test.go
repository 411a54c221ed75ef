package rules

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMatchPath(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"/hooks", "/hooks", true},
		{"/hooks", "/hooks/a", false},
		{"/hooks/*", "/hooks/a", true},
		{"/hooks/*", "/hooks/a/b", true}, // a trailing * is a prefix
		{"/hooks/*", "/hooksx", false},
		{"/hooks*", "/hooksx/y", true},
		{"*", "/anything/at/all", true},
		{"/*/events", "/stripe/events", true},
		{"/*/events", "/a/b/events", false}, // a glob's * stops at /
		{"/*/events*", "/a/events/x", false},
		{"/*/events*", "/a/events.json", true},
		{"/v[12]/x", "/v2/x", true},
		{"/v[12]/x", "/v3/x", false},
		{"/a?c", "/abc", true},
		{"/bad[", "/bad[", false},
	} {
		if got := MatchPath(tc.pattern, tc.path); got != tc.want {
			t.Errorf("MatchPath(%q, %q) = %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
	}
}

func TestMatchTakesTheFirstEnabledRuleInOrder(t *testing.T) {
	list := []Rule{
		{Name: "off", PathPattern: "*", Enabled: false},
		{Name: "get", Method: "GET", PathPattern: "/a/*", Enabled: true},
		{Name: "any-a", PathPattern: "/a/*", Enabled: true},
		{Name: "all", PathPattern: "*", Enabled: true},
	}
	for _, tc := range []struct{ method, path, want string }{
		{"get", "/a/x", "get"}, // methods match whatever their case
		{"POST", "/a/x", "any-a"},
		{"POST", "/b", "all"},
	} {
		r, i := Match(list, tc.method, tc.path)
		if r == nil || r.Name != tc.want || list[i].Name != tc.want {
			t.Errorf("%s %s matched %v (%d), want %s", tc.method, tc.path, r, i, tc.want)
		}
	}
	if r, i := Match(list[:1], "GET", "/"); r != nil || i != -1 {
		t.Fatalf("a disabled rule matched: %v %d", r, i)
	}
}

func TestValidate(t *testing.T) {
	ok := Rule{Name: "n", PathPattern: "/x", Enabled: true}
	for _, tc := range []struct {
		edit func(*Rule)
		want string // "" = valid
	}{
		{func(r *Rule) {}, ""},
		{func(r *Rule) { r.Name = "" }, "needs a name"},
		{func(r *Rule) { r.PathPattern = "x" }, "starts with /"},
		{func(r *Rule) { r.PathPattern = "/x[" }, "not a valid glob"},
		{func(r *Rule) { r.Method = "GE T" }, "not an HTTP method"},
		{func(r *Rule) { r.Status = 100 }, "between 200 and 599"},
		{func(r *Rule) { r.Status = 204; r.BodyTemplate = "x" }, "cannot have a body"},
		{func(r *Rule) { r.Headers = map[string]string{"Bad Name": "v"} }, "not a header name"},
		{func(r *Rule) { r.Headers = map[string]string{"X-A": "a\r\nInjected: 1"} }, "line breaks"},
		{func(r *Rule) { r.Headers = map[string]string{"content-length": "3"} }, "set by the listener"},
		{func(r *Rule) { r.BodyTemplate = "{{.ID" }, "the body template: line 1"},
		{func(r *Rule) { r.BodyTemplate = "{{nosuchfunc}}" }, `function "nosuchfunc" not defined`},
		{func(r *Rule) { r.Delay = MaxDelay + 1 }, "a delay is between"},
		{func(r *Rule) { r.Failure = FailFirstN }, "N of 1 or more"},
		{func(r *Rule) { r.Failure = FailPercent; r.FailPercent = 101 }, "at most 100"},
		{func(r *Rule) { r.Failure = FailPercent; r.FailPercent = 50; r.FailStatus = 42 }, "failure status is between"},
		{func(r *Rule) { r.Failure = Failure(99) }, "unknown failure mode"},
	} {
		r := ok
		tc.edit(&r)
		err := r.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", r, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: got %v, want %q", r, err, tc.want)
		}
	}
	if err := ValidateAll([]Rule{ok, {Name: "N", PathPattern: "/y"}}); err == nil || !strings.Contains(err.Error(), "names must differ") {
		t.Fatalf("duplicate names: %v", err)
	}
}

func TestCleanCanonicalises(t *testing.T) {
	r := Clean(Rule{Name: " a ", Method: " post", PathPattern: " /x ", Headers: map[string]string{"x-trace ": " 1 "}})
	if r.Name != "a" || r.Method != "POST" || r.PathPattern != "/x" || r.Headers["X-Trace"] != "1" {
		t.Fatalf("%+v", r)
	}
}

func TestRuleJSONUsesFailureNames(t *testing.T) {
	in := Rule{Name: "r", PathPattern: "/x", Failure: FailFirstN, FailN: 2, Delay: 1500 * time.Millisecond, Enabled: true}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"failure":"first_n"`) || !strings.Contains(string(raw), `"delay_ns":1500000000`) {
		t.Fatalf("%s", raw)
	}
	var out Rule
	if err := json.Unmarshal(raw, &out); err != nil || out.Failure != FailFirstN || out.Delay != in.Delay {
		t.Fatalf("%+v %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"failure":"sometimes"}`), &out); err == nil {
		t.Fatal("an unknown failure mode was read")
	}
}

func testData() Data {
	return NewData(Request{
		ID: 42, Method: "POST", Path: "/hooks/stripe", RawQuery: "mode=test&x=1&x=2",
		Header: http.Header{"Stripe-Signature": {"t=1,v1=ab"}},
		Body:   []byte(`{"data":{"object":{"id":"pi_123","amount":500,"name":"a \"quoted\" name"}}}`),
	}, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
}

func TestTemplates(t *testing.T) {
	for _, tc := range []struct{ tmpl, want string }{
		{`{{.ID}} {{.Method}} {{.Path}}`, "42 POST /hooks/stripe"},
		{`{{.Query "mode"}} {{.Query "x"}} [{{.Query "missing"}}]`, "test 1 []"},
		{`{{.Header "stripe-signature"}}`, "t=1,v1=ab"},
		{`{{.JSON "data.object.id"}} {{.JSON "data.object.amount"}} [{{.JSON "nope"}}]`, "pi_123 500 []"},
		{`{{.JSONRaw "data.object.id"}}`, `"pi_123"`},
		{`{"name":{{.JSON "data.object.name" | json}}}`, `{"name":"a \"quoted\" name"}`},
		{`{{.Now.Unix}} {{.Now.Format "2006-01-02"}}`, "1735787045 2025-01-02"},
		{`{{.Now}}`, "2025-01-02T03:04:05Z"},
		{`{"at":{{.Now | json}}}`, `{"at":"2025-01-02T03:04:05Z"}`},
		{`{{len .Body}}`, "75"},
		{``, ``},
	} {
		tmpl, err := Parse(tc.tmpl)
		if err != nil {
			t.Fatalf("%q: %v", tc.tmpl, err)
		}
		got, err := Render(tmpl, testData())
		if err != nil || string(got) != tc.want {
			t.Errorf("%q rendered %q (%v), want %q", tc.tmpl, got, err, tc.want)
		}
	}
}

func TestTemplateErrorsAtRenderAnswer500(t *testing.T) {
	s := NewState(nil)
	r := Rule{Name: "broken", PathPattern: "*", Status: 201, BodyTemplate: `{{index .Path 99}}`}
	resp := s.Respond(&r, nil, testData())
	if resp.Status != 500 || !strings.Contains(string(resp.Body), "index out of range") ||
		!strings.Contains(resp.Note, "the body template failed") || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("%+v %q", resp, resp.Body)
	}
	// 100 kB an iteration reach the cap long before the step bound, which
	// stops a loop of small writes first; the time bound is lifted, as a
	// race-detector build on a slow machine takes more than 1 s to fill
	// 10 MiB.
	defer func(d time.Duration) { maxTime = d }(maxTime)
	maxTime = time.Minute
	big := Rule{Name: "big", PathPattern: "*", BodyTemplate: `{{range 20000000}}` + strings.Repeat("x", 100_000) + `{{end}}`}
	if resp := s.Respond(&big, nil, testData()); resp.Status != 500 || !strings.Contains(resp.Note, "larger than 10 MiB") {
		t.Fatalf("%+v", resp)
	}
}

func TestRespondAnswersWithHeadersAndGuessesJSON(t *testing.T) {
	s := NewState(nil)
	r := Rule{Name: "ok", PathPattern: "*", Status: 201, Headers: map[string]string{"x-request": "r1"},
		BodyTemplate: `{"received":"{{.JSON "data.object.id"}}"}`, Delay: time.Second}
	resp := s.Respond(&r, nil, testData())
	if resp.Outcome != OutcomeAnswer || resp.Status != 201 || string(resp.Body) != `{"received":"pi_123"}` ||
		resp.Header.Get("X-Request") != "r1" || resp.Header.Get("Content-Type") != "application/json" || resp.Delay != time.Second {
		t.Fatalf("%+v %q", resp, resp.Body)
	}
	r.Headers["Content-Type"] = "text/x-mine"
	r.Status = 0
	if resp := s.Respond(&r, nil, testData()); resp.Header.Get("Content-Type") != "text/x-mine" || resp.Status != 200 {
		t.Fatalf("%+v", resp)
	}
}

// A rule without a body (a delay only, or the success after first:N)
// answers the listener's default acknowledgement, as if no rule had
// matched; a status that cannot carry a body, or one that is not a
// success, gets none.
func TestRuleWithoutABodyAnswersTheDefault(t *testing.T) {
	s := NewState(nil)
	for _, tc := range []struct {
		r                Rule
		status           int
		body, contentTyp string
	}{
		{Rule{Name: "slow", PathPattern: "*", Delay: time.Second}, 200, `{"ok":true,"id":42}` + "\n", "application/json"},
		{Rule{Name: "created", PathPattern: "*", Status: 201}, 201, `{"ok":true,"id":42}` + "\n", "application/json"},
		{Rule{Name: "typed", PathPattern: "*", Headers: map[string]string{"Content-Type": "text/x-mine"}}, 200, `{"ok":true,"id":42}` + "\n", "text/x-mine"},
		{Rule{Name: "empty", PathPattern: "*", Status: 204}, 204, "", ""},
		{Rule{Name: "gone", PathPattern: "*", Status: 410}, 410, "", ""},
	} {
		resp := s.Respond(&tc.r, nil, testData())
		if resp.Status != tc.status || string(resp.Body) != tc.body || resp.Header.Get("Content-Type") != tc.contentTyp {
			t.Errorf("%s: %d %q %v, want %d %q %q", tc.r.Name, resp.Status, resp.Body, resp.Header, tc.status, tc.body, tc.contentTyp)
		}
	}
	flaky := Rule{Name: "flaky", PathPattern: "*", Failure: FailFirstN, FailN: 1}
	if resp := s.Respond(&flaky, nil, testData()); resp.Status != 503 {
		t.Fatalf("first delivery: %+v", resp)
	}
	if resp := s.Respond(&flaky, nil, testData()); resp.Status != 200 || string(resp.Body) != `{"ok":true,"id":42}`+"\n" {
		t.Fatalf("the success after first:1: %d %q", resp.Status, resp.Body)
	}
}

func TestFailFirstNCountsPerRule(t *testing.T) {
	s := NewState(nil)
	a := Rule{Name: "a", PathPattern: "*", Failure: FailFirstN, FailN: 2, Status: 202}
	b := Rule{Name: "b", PathPattern: "*", Failure: FailFirstN, FailN: 1, FailStatus: 429}
	var got []int
	for range 4 {
		got = append(got, s.Respond(&a, nil, testData()).Status)
	}
	if want := []int{503, 503, 202, 202}; !slices.Equal(got, want) {
		t.Fatalf("a answered %v, want %v", got, want)
	}
	if r := s.Respond(&b, nil, testData()); r.Status != 429 || r.Note != "failure 1 of 1 on purpose" || !json.Valid(r.Body) {
		t.Fatalf("b first: %+v", r)
	}
	if r := s.Respond(&b, nil, testData()); r.Status != 200 {
		t.Fatalf("b second: %+v", r)
	}
	if s.Count("a") != 4 || s.Count("b") != 2 {
		t.Fatalf("counts %d %d", s.Count("a"), s.Count("b"))
	}
	s.Reset("a")
	if s.Count("a") != 0 || s.Count("b") != 2 {
		t.Fatal("reset of one rule touched another")
	}
	if r := s.Respond(&a, nil, testData()); r.Status != 503 {
		t.Fatalf("after reset: %+v", r)
	}
	s.Reset()
	if s.Count("b") != 0 {
		t.Fatal("reset all kept a count")
	}
}

func TestFailFirstNIsExactUnderConcurrency(t *testing.T) {
	s := NewState(nil)
	r := Rule{Name: "c", PathPattern: "*", Failure: FailFirstN, FailN: 10}
	var mu sync.Mutex
	fails := 0
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if o, _ := s.Decide(&r); o == OutcomeFail {
				mu.Lock()
				fails++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if fails != 10 {
		t.Fatalf("%d failures, want 10", fails)
	}
}

func TestFailPercentUsesTheRandomSource(t *testing.T) {
	seq := []float64{0.0, 0.29, 0.3, 0.99, 0.1}
	i := 0
	s := NewState(func() float64 { v := seq[i%len(seq)]; i++; return v })
	r := Rule{Name: "p", PathPattern: "*", Failure: FailPercent, FailPercent: 30, FailStatus: 500}
	var got []int
	for range seq {
		got = append(got, s.Respond(&r, nil, testData()).Status)
	}
	if want := []int{500, 500, 200, 200, 500}; !slices.Equal(got, want) {
		t.Fatalf("answered %v, want %v", got, want)
	}
}

func TestCloseAndHangAnswerNothing(t *testing.T) {
	s := NewState(nil)
	for f, want := range map[Failure]Outcome{FailClose: OutcomeClose, FailHang: OutcomeHang} {
		r := Rule{Name: f.String(), PathPattern: "*", Failure: f, Delay: time.Millisecond, BodyTemplate: "unused"}
		resp := s.Respond(&r, nil, testData())
		if resp.Outcome != want || resp.Status != 0 || resp.Body != nil || resp.Delay != time.Millisecond {
			t.Fatalf("%v: %+v", f, resp)
		}
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		r    Rule
		want string
	}{
		{Rule{Status: 201}, "201"},
		{Rule{Failure: FailFirstN, FailN: 2}, "503 ×2, then 200"},
		{Rule{Failure: FailPercent, FailPercent: 12.5, FailStatus: 500, Status: 202}, "500 12.5% of the time, else 202"},
		{Rule{Failure: FailClose, Delay: 2 * time.Second}, "close the connection after 2s"},
		{Rule{Failure: FailHang}, "hang until the client gives up"},
	} {
		if got := tc.r.Describe(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
}
