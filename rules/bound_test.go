package rules

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostileTemplates never end, or would take hours, while writing little or
// nothing: the output cap alone does not stop them.
var hostileTemplates = map[string]string{
	"huge range":         `{{range 1000000000000}}{{end}}`,
	"nested ranges":      `{{range 100000}}{{range 100000}}{{end}}{{end}}`,
	"range in else":      `{{range 0}}{{else}}{{range 1000000000000}}{{end}}{{end}}`,
	"range with break":   `{{range 1000000000000}}{{if false}}{{break}}{{end}}{{end}}`,
	"doubling recursion": `{{define "a"}}{{if .}}{{template "a" (slice . 1)}}{{template "a" (slice . 1)}}{{end}}{{end}}{{template "a" .Body}}`, // 2^75 calls, 76 deep
	"endless recursion":  `{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}`,
	"range of calls":     `{{define "b"}}{{end}}{{range 1000000000000}}{{template "b"}}{{end}}`,
	"slow iterations":    `{{range 1000000000000}}{{$.JSON "data.object.name"}}{{$.Query "x"}}{{end}}`,
}

// renderWithin renders tmpl and fails unless it ends within limit.
func renderWithin(t *testing.T, ctx context.Context, tmpl string, limit time.Duration) ([]byte, error, time.Duration) {
	t.Helper()
	parsed, err := Parse(tmpl)
	if err != nil {
		t.Fatalf("%q: %v", tmpl, err)
	}
	start := time.Now()
	out, err := RenderContext(ctx, parsed, testData())
	took := time.Since(start)
	if took > limit {
		t.Errorf("%q ran %v, want at most %v", tmpl, took, limit)
	}
	return out, err, took
}

func TestHostileTemplatesStopWithinTheBounds(t *testing.T) {
	for name, tmpl := range hostileTemplates {
		t.Run(name, func(t *testing.T) {
			// 1 s of time bound, and room for a slow race-detector build.
			out, err, took := renderWithin(t, context.Background(), tmpl, 2*time.Second)
			if err == nil {
				t.Fatalf("rendered %d bytes, want an error", len(out))
			}
			msg := err.Error()
			if !strings.Contains(msg, "ran longer than 1s") && !strings.Contains(msg, "more than 1000000 steps") &&
				!(name == "endless recursion" && strings.Contains(msg, "more than 1000 deep")) {
				t.Fatalf("error %q, want the time or step bound (or depth, for endless recursion)", msg)
			}
			t.Logf("stopped after %v: %s", took, msg)
		})
	}
}

func TestHostileTemplateAnswers500WithTheReason(t *testing.T) {
	s := NewState(nil)
	r := Rule{Name: "spin", PathPattern: "*", Status: 201, BodyTemplate: hostileTemplates["nested ranges"]}
	start := time.Now()
	resp := s.RespondContext(context.Background(), &r, nil, testData())
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("answered after %v", took)
	}
	if resp.Status != 500 || !strings.HasPrefix(resp.Note, "the body template ") || strings.Contains(resp.Note, "failed") ||
		string(resp.Body) != `Hookscope rule "spin": `+resp.Note+"\n" {
		t.Fatalf("%+v %q", resp, resp.Body)
	}
}

func TestCancelledContextStopsTheTemplate(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err, took := renderWithin(t, ctx, hostileTemplates["huge range"], time.Second)
	if err == nil || !strings.Contains(err.Error(), "the sender went away") {
		t.Fatalf("error %v, want the sender gone", err)
	}
	// Well before the time bound: the context is looked at every
	// ctxEvery steps.
	if took > MaxRenderTime/2 {
		t.Fatalf("stopped after %v, want well before the %v bound", took, MaxRenderTime)
	}

	// Cancelled while running: a goroutine cancels as soon as the render
	// has begun; the template is stopped before its time bound.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	go func() {
		<-started
		cancel()
	}()
	parsed, _ := Parse(hostileTemplates["huge range"])
	close(started)
	start := time.Now()
	_, err = RenderContext(ctx, parsed, testData())
	if err == nil || !strings.Contains(err.Error(), "the sender went away") {
		t.Fatalf("error %v after %v, want the sender gone", err, time.Since(start))
	}
}

func TestShortTemplateIgnoresAGoneSender(t *testing.T) {
	// net/http also cancels the context of a sender that half-closed after
	// a whole request; a template that ends within ctxEvery steps still
	// renders for it.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	parsed, _ := Parse(`{{range 3}}{{$.ID}},{{end}}`)
	out, err := RenderContext(ctx, parsed, testData())
	if err != nil || string(out) != "42,42,42," {
		t.Fatalf("%q %v", out, err)
	}
}

func TestBoundedTemplatesStillRender(t *testing.T) {
	for _, tc := range []struct{ tmpl, want string }{
		{`{{range $i, $e := .Path}}{{end}}x`, ""}, // a string cannot be ranged: an error, not a hang
		{`{{range 3}}{{.}}{{end}}`, "012"},
		{`{{range 0}}a{{else}}b{{end}}`, "b"},
		{`{{range 5}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}`, "012"},
		{`{{range 4}}{{if eq . 1}}{{continue}}{{end}}{{.}}{{end}}`, "023"},
		{`{{define "row"}}[{{.}}]{{end}}{{range 3}}{{template "row" .}}{{end}}`, "[0][1][2]"},
		{`{{block "b" .ID}}<{{.}}>{{end}}`, "<42>"},
		{`{{with .Method}}{{.}}{{else}}none{{end}} {{if .ID}}{{range 2}}y{{end}}{{end}}`, "POST yy"},
		{`{{range 1000}}{{end}}done`, "done"},
	} {
		parsed, err := Parse(tc.tmpl)
		if err != nil {
			t.Fatalf("%q: %v", tc.tmpl, err)
		}
		got, err := Render(parsed, testData())
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q rendered %q, want an error", tc.tmpl, got)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%q rendered %q (%v), want %q", tc.tmpl, got, err, tc.want)
		}
	}
}

func TestStepBound(t *testing.T) {
	defer func(n int) { maxSteps = n }(maxSteps)
	maxSteps = 1000
	for _, tc := range []struct {
		tmpl string
		ok   bool
	}{
		{`{{range 998}}{{end}}`, true},                     // 998 iterations and the body template: 999 steps
		{`{{range 999}}{{end}}`, true},                     // 1,000
		{`{{range 1000}}{{end}}`, false},                   // 1,001
		{`{{range 10}}{{range 98}}{{end}}{{end}}`, true},   // 1 + 10 + 980
		{`{{range 10}}{{range 100}}{{end}}{{end}}`, false}, // 1 + 10 + 1000
		{`{{define "t"}}{{end}}{{range 499}}{{template "t"}}{{end}}`, true},
		{`{{define "t"}}{{end}}{{range 500}}{{template "t"}}{{end}}`, false},
	} {
		parsed, err := Parse(tc.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Render(parsed, testData())
		if tc.ok && err != nil {
			t.Errorf("%q: %v", tc.tmpl, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "more than 1000 steps (loop iterations and template calls)")) {
			t.Errorf("%q: error %v, want the step bound", tc.tmpl, err)
		}
	}
}

func TestEachRenderingHasItsOwnBudget(t *testing.T) {
	defer func(n int) { maxSteps = n }(maxSteps)
	maxSteps = 1000
	// 601 steps each: with a shared budget the second of these renderings
	// would be refused; they run side by side with a hostile one.
	ok, err := Parse(`{{range 600}}{{end}}done`)
	if err != nil {
		t.Fatal(err)
	}
	spin, _ := Parse(hostileTemplates["huge range"])
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	wg.Go(func() {
		if _, err := Render(spin, testData()); err == nil {
			errs <- "the hostile template rendered"
		}
	})
	for range 6 {
		wg.Go(func() {
			out, err := Render(ok, testData())
			if err != nil || string(out) != "done" {
				errs <- fmt.Sprintf("rendered %q (%v), want done", out, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

func TestDepthBound(t *testing.T) {
	// Each character of the path is one level of "r".
	deep := `{{define "r"}}{{if .}}{{template "r" (slice . 1)}}{{end}}{{end}}{{template "r" .Path}}done`
	parsed, err := Parse(deep)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		length int
		ok     bool
	}{{13, true}, {MaxRenderDepth - 2, true}, {MaxRenderDepth - 1, false}, {50_000, false}} {
		d := NewData(Request{Path: strings.Repeat("/", tc.length)}, time.Now())
		start := time.Now()
		out, err := Render(parsed, d)
		if tc.ok && (err != nil || string(out) != "done") {
			t.Errorf("%d levels: %q %v", tc.length, out, err)
		}
		if !tc.ok && (err == nil || err.Error() != "the body template calls templates more than 1000 deep; make it recurse less") {
			t.Errorf("%d levels: error %v, want the depth bound", tc.length, err)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("%d levels took %v", tc.length, took)
		}
	}
	// Plain recursion, which text/template itself would let go 100,000
	// deep (about 100 MB of stack).
	parsed, _ = Parse(`{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}`)
	if _, err := Render(parsed, testData()); err == nil || !strings.Contains(err.Error(), "more than 1000 deep") {
		t.Fatalf("endless recursion: %v", err)
	}
}

func TestTemplateExecutedOutsideRenderRefuses(t *testing.T) {
	parsed, _ := Parse(`{{range 1000000000000}}{{end}}`)
	var b strings.Builder
	if err := parsed.Execute(&b, testData()); err == nil || !strings.Contains(err.Error(), "rules.Render") {
		t.Fatalf("error %v, want a refusal to run unbounded", err)
	}
}
