package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/storage"
	"dev.hookscope/ui/uithread"
)

// The Forward… dialog takes a broker target, says what form one has, and
// refuses relay with one.
func TestForwardDialogTakesABrokerTarget(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	fill := func(relay bool) {
		uithread.DoAndWait(func() { test.Tap(h.view.bar.forward) })
		uithread.DoAndWait(func() {
			top := h.window.Canvas().Overlays().Top()
			if !strings.Contains(strings.Join(labelTexts(top), " | "), "nats://host:4222/subject") {
				t.Errorf("the dialog does not show the broker target form: %q", strings.Join(labelTexts(top), " | "))
			}
			entries := collect[*widget.Entry](top)
			checks := collect[*widget.Check](top)
			entries[0].SetText("")
			test.Type(entries[0], "/orders")
			entries[1].SetText("")
			test.Type(entries[1], "nats://127.0.0.1:4222/hooks.orders")
			checks[0].SetChecked(true)
			checks[1].SetChecked(relay)
		})
		tapDialogButton(t, h.window, "Save")
	}
	fill(true)
	if rules, _ := h.core.ForwardRules(); len(rules) != 0 {
		t.Fatalf("a relay to a broker was saved: %+v", rules)
	}
	if got := onUI(func() string { return strings.Join(labelTexts(h.window.Canvas().Overlays().Top()), " | ") }); !strings.Contains(got, "needs an HTTP target") {
		t.Fatalf("no sentence about relay: %q", got)
	}
	uithread.DoAndWait(func() {
		h.window.Canvas().Overlays().Top().Hide()
		h.window.Canvas().Overlays().Remove(h.window.Canvas().Overlays().Top())
	})
	fill(false)
	if rules, _ := h.core.ForwardRules(); len(rules) != 1 || rules[0].Target != "nats://127.0.0.1:4222/hooks.orders" {
		t.Fatalf("rules %+v", rules)
	}
}

func TestForwardTextShowsTheBrokersAck(t *testing.T) {
	got := forwardText(storage.ForwardResult{Target: "kafka://h:9092/t", Acked: "partition 2 offset 41", DurationMs: 3})
	if got != "to kafka://h:9092/t → partition 2 offset 41 in 3 ms" {
		t.Fatalf("forwardText = %q", got)
	}
}
