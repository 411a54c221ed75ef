package alerts

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)

func rule(kind Kind, threshold float64, window, cooldown time.Duration) Rule {
	return Clean(Rule{Kind: kind, Prefix: "/hooks/stripe", Threshold: threshold, Window: Duration(window), Cooldown: Duration(cooldown), Enabled: true})
}

func failure(at time.Time) Event {
	return Event{At: at, Path: "/hooks/stripe/x", Forward: true, Status: 500}
}

// The "done when": an alert fires once within its window and not
// again during the cool-down; after the cool-down it fires again.
func TestForwardFailuresFireOnceThenCoolDown(t *testing.T) {
	e := NewEvaluator([]Rule{rule(ForwardFailures, 5, time.Minute, 10*time.Minute)}, t0)
	var fired []Fired
	for i := range 5 {
		fired = append(fired, e.Observe(failure(t0.Add(time.Duration(i)*time.Second)))...)
	}
	if len(fired) != 0 {
		t.Fatalf("fired at the threshold, not above it: %+v", fired)
	}
	// A success and failures elsewhere do not count.
	fired = append(fired, e.Observe(Event{At: t0.Add(5 * time.Second), Path: "/hooks/stripe", Forward: true, Status: 204})...)
	fired = append(fired, e.Observe(Event{At: t0.Add(5 * time.Second), Path: "/other", Forward: true, Status: 0})...)
	fired = append(fired, e.Observe(Event{At: t0.Add(5 * time.Second), Path: "/hooks/stripe", Status: 500})...) // a capture
	if len(fired) != 0 {
		t.Fatalf("fired on events that are not forward failures under the prefix: %+v", fired)
	}
	fired = e.Observe(failure(t0.Add(6 * time.Second)))
	want := "Forward failures: 6 in the last 1 min under /hooks/stripe (threshold 5)"
	if len(fired) != 1 || fired[0].Text != want || fired[0].Rule != "forward_failures /hooks/stripe" || !fired[0].At.Equal(t0.Add(6*time.Second)) {
		t.Fatalf("sixth failure: %+v, want one alert %q", fired, want)
	}
	// The cool-down is 10 minutes: a failure every second for the 10
	// minutes of fake time after the alert (600 events, each well above
	// the threshold) fires nothing.
	for s := 7; s < 6+600; s++ {
		if f := e.Observe(failure(t0.Add(time.Duration(s) * time.Second))); len(f) != 0 {
			t.Fatalf("fired again %d s after the first, during the cool-down: %+v", s-6, f)
		}
	}
	f := e.Observe(failure(t0.Add(606 * time.Second)))
	if len(f) != 1 || !strings.HasPrefix(f[0].Text, "Forward failures: ") {
		t.Fatalf("after the cool-down: %+v", f)
	}
}

// Failures spread wider than the window never add up.
func TestCountsOnlyWithinTheWindow(t *testing.T) {
	e := NewEvaluator([]Rule{rule(Answered5xx, 2, time.Minute, time.Minute)}, t0)
	for i := range 20 {
		ev := Event{At: t0.Add(time.Duration(i) * 30 * time.Second), Path: "/hooks/stripe", Status: 503}
		if f := e.Observe(ev); len(f) != 0 {
			t.Fatalf("event %d fired with only two within a minute: %+v", i, f)
		}
	}
	f := e.Observe(Event{At: t0.Add(19*30*time.Second + time.Second), Path: "/hooks/stripe", Status: 500})
	if len(f) != 1 || f[0].Text != "5xx answered: 3 in the last 1 min under /hooks/stripe (threshold 2)" {
		t.Fatalf("third within a minute: %+v", f)
	}
}

func TestNoCaptureFiresAfterTheQuietPeriod(t *testing.T) {
	e := NewEvaluator([]Rule{rule(NoCapture, 0, 10*time.Minute, time.Hour)}, t0)
	if f := e.Tick(t0.Add(10*time.Minute - time.Second)); len(f) != 0 {
		t.Fatalf("fired before 10 minutes of quiet: %+v", f)
	}
	// A capture elsewhere or a forward does not reset the quiet period;
	// one under the prefix does.
	e.Observe(Event{At: t0.Add(time.Minute), Path: "/other"})
	e.Observe(Event{At: t0.Add(time.Minute), Path: "/hooks/stripe", Forward: true, Status: 200})
	e.Observe(Event{At: t0.Add(2 * time.Minute), Path: "/hooks/stripe/a", Status: 200})
	if f := e.Tick(t0.Add(11 * time.Minute)); len(f) != 0 {
		t.Fatalf("fired 9 minutes after a capture: %+v", f)
	}
	f := e.Tick(t0.Add(12 * time.Minute))
	want := "No capture under /hooks/stripe for 10 min (the last at 03:06:00 UTC)"
	if len(f) != 1 || f[0].Text != want {
		t.Fatalf("after 10 quiet minutes: %+v, want %q", f, want)
	}
	// Ticks every 5 s for the hour's cool-down, still quiet: nothing more.
	for at := t0.Add(12 * time.Minute); at.Before(t0.Add(72 * time.Minute)); at = at.Add(5 * time.Second) {
		if f := e.Tick(at); len(f) != 0 {
			t.Fatalf("fired again during the cool-down at %s: %+v", at, f)
		}
	}
	if f := e.Tick(t0.Add(72 * time.Minute)); len(f) != 1 {
		t.Fatalf("still quiet after the cool-down: %+v", f)
	}
}

func TestInvalidSignatureRate(t *testing.T) {
	e := NewEvaluator([]Rule{rule(InvalidSignatureRate, 10, 10*time.Minute, 30*time.Minute)}, t0)
	at := t0
	sig := func(v Verdict) []Fired {
		at = at.Add(time.Second)
		return e.Observe(Event{At: at, Path: "/hooks/stripe", Status: 200, Signature: v})
	}
	for range 9 {
		if f := sig(VerdictValid); len(f) != 0 {
			t.Fatalf("valid ones fired: %+v", f)
		}
	}
	// Captures without a verdict are not in the rate.
	for range 50 {
		sig(VerdictNone)
	}
	if f := sig(VerdictInvalid); len(f) != 0 {
		t.Fatalf("1 of 10 is 10%%, not above it: %+v", f)
	}
	f := sig(VerdictInvalid)
	want := "Invalid signatures: 18.2% (2 of 11) in the last 10 min under /hooks/stripe (threshold 10%)"
	if len(f) != 1 || f[0].Text != want {
		t.Fatalf("2 of 11: %+v, want %q", f, want)
	}
	// Once the window has moved past them, the old verdicts no longer
	// count: after the cool-down, one valid capture is 0%.
	at = at.Add(40 * time.Minute)
	if f := sig(VerdictValid); len(f) != 0 {
		t.Fatalf("old invalid ones still counted: %+v", f)
	}
	if f := sig(VerdictInvalid); len(f) != 1 || !strings.HasPrefix(f[0].Text, "Invalid signatures: 50% (1 of 2)") {
		t.Fatalf("1 of 2 after the cool-down: %+v", f)
	}
}

// Saving the same rule again keeps its cool-down; changing it starts over.
func TestSetRulesKeepsStateOfUnchangedRules(t *testing.T) {
	r := rule(Answered5xx, 0, time.Minute, time.Hour)
	e := NewEvaluator([]Rule{r}, t0)
	if f := e.Observe(Event{At: t0, Path: "/hooks/stripe", Status: 500}); len(f) != 1 {
		t.Fatalf("first 5xx: %+v", f)
	}
	e.SetRules([]Rule{r}, t0.Add(time.Second))
	if f := e.Observe(Event{At: t0.Add(2 * time.Second), Path: "/hooks/stripe", Status: 500}); len(f) != 0 {
		t.Fatalf("same rule saved again lost its cool-down: %+v", f)
	}
	r.Threshold = 1
	e.SetRules([]Rule{r}, t0.Add(3*time.Second))
	e.Observe(Event{At: t0.Add(4 * time.Second), Path: "/hooks/stripe", Status: 500})
	if f := e.Observe(Event{At: t0.Add(5 * time.Second), Path: "/hooks/stripe", Status: 502}); len(f) != 1 {
		t.Fatalf("changed rule: %+v", f)
	}
	r.Enabled = false
	e.SetRules([]Rule{r}, t0.Add(6*time.Second))
	for i := range 5 {
		if f := e.Observe(Event{At: t0.Add(time.Duration(7+i) * time.Second), Path: "/hooks/stripe", Status: 500}); len(f) != 0 {
			t.Fatalf("disabled rule fired: %+v", f)
		}
	}
}

func TestValidate(t *testing.T) {
	good := rule(ForwardFailures, 5, time.Minute, 10*time.Minute)
	for _, tc := range []struct {
		change func(*Rule)
		want   string
	}{
		{func(r *Rule) { r.Kind = "sometimes" }, "is not forward_failures, no_capture"},
		{func(r *Rule) { r.Prefix = "hooks" }, "starts with /"},
		{func(r *Rule) { r.Window = 0 }, "the window is 0s"},
		{func(r *Rule) { r.Window = Duration(25 * time.Hour) }, "from 1s to 24h"},
		{func(r *Rule) { r.Cooldown = 0 }, "the cool-down is 0s"},
		{func(r *Rule) { r.Threshold = 2.5 }, "whole count"},
		{func(r *Rule) { r.Threshold = -1 }, "whole count"},
		{func(r *Rule) { r.Kind = InvalidSignatureRate; r.Threshold = 100 }, "percentage"},
		{func(r *Rule) { r.Kind = NoCapture; r.Threshold = 3 }, "takes no threshold"},
		{func(r *Rule) { r.WebhookURL = "ftp://x/y" }, "not an http:// or https:// URL"},
		{func(r *Rule) { r.WebhookURL = MaskURL("https://hooks.slack.com/services/T/B/secret") }, "masked"},
	} {
		r := good
		tc.change(&r)
		err := Validate(r)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "alert \"forward_failures /hooks/stripe\": ") {
			t.Errorf("%+v: %v, want %q", r, err, tc.want)
		}
	}
	if err := Validate(good); err != nil {
		t.Fatal(err)
	}
	twin := good
	twin.Name = strings.ToUpper(good.Name)
	if err := ValidateAll([]Rule{good, twin}); err == nil || !strings.Contains(err.Error(), "unique") {
		t.Fatalf("two of one name: %v", err)
	}
}

func TestMaskURLHidesThePath(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T0/B0/abcdef": "https://hooks.slack.com/•••••••• (22 chars)",
		"http://127.0.0.1:9/x?token=s":                  "http://127.0.0.1:9/•••••••• (10 chars)",
		"https://example.com":                           "https://example.com",
		"":                                              "",
	} {
		if got := MaskURL(in); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	r := rule(NoCapture, 0, 10*time.Minute, time.Hour)
	b, _ := json.Marshal(r)
	if !strings.Contains(string(b), `"window":"10m0s"`) || !strings.Contains(string(b), `"cooldown":"1h0m0s"`) {
		t.Fatalf("%s", b)
	}
	var back Rule
	if err := json.Unmarshal([]byte(`{"window":"90s","cooldown":60000000000}`), &back); err != nil ||
		time.Duration(back.Window) != 90*time.Second || time.Duration(back.Cooldown) != time.Minute {
		t.Fatalf("%+v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"window":"soon"}`), &back); err == nil {
		t.Fatal("a window of soon was read")
	}
}

func TestKeepBoundsTheList(t *testing.T) {
	var list []Fired
	for i := range RecentMax + 7 {
		var f Fired
		list, f = Keep(list, Fired{Text: "x"})
		if f.ID != uint64(i+1) {
			t.Fatalf("ID %d, want %d", f.ID, i+1)
		}
	}
	if len(list) != RecentMax || list[0].ID != 8 || list[len(list)-1].ID != RecentMax+7 {
		t.Fatalf("kept %d, first %d, last %d", len(list), list[0].ID, list[len(list)-1].ID)
	}
}
