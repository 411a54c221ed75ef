package ui

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/rules"
	"dev.hookscope/storage"
	"dev.hookscope/textutil"
	"dev.hookscope/ui/uithread"
)

// ruleFormWidgets finds the rule form on top: its entries in form order
// (name, method, path, status, headers, body, delay, N or %, failure
// status), the failure select and the enabled check. Use the widgets on
// the UI goroutine only.
func ruleFormWidgets(t *testing.T, w fyne.Window) ([]*widget.Entry, *widget.Select, *widget.Check) {
	t.Helper()
	var entries []*widget.Entry
	var selects []*widget.Select
	var checks []*widget.Check
	uithread.DoAndWait(func() {
		top := w.Canvas().Overlays().Top()
		entries, selects, checks = collect[*widget.Entry](top), collect[*widget.Select](top), collect[*widget.Check](top)
	})
	if len(entries) != 9 || len(selects) != 1 || len(checks) != 1 {
		t.Fatalf("rule form has %d entries, %d selects, %d checks", len(entries), len(selects), len(checks))
	}
	return entries, selects[0], checks[0]
}

func rulesList(t *testing.T, w fyne.Window) *widget.List {
	t.Helper()
	lists := onUI(func() []*widget.List { return collect[*widget.List](w.Canvas().Overlays().Top()) })
	if len(lists) != 1 {
		t.Fatalf("rules dialog has %d lists", len(lists))
	}
	return lists[0]
}

func postFor(t *testing.T, url, body string) int {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestRulesDialogAddsEditsAndDeletesRules(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	uithread.DoAndWait(h.view.rules.show)
	tapDialogButton(t, h.window, "Add…")
	entries, failure, enabled := ruleFormWidgets(t, h.window)
	uithread.DoAndWait(func() {
		test.Type(entries[0], "flaky")
		entries[2].SetText("/hooks/*")
		test.Type(entries[3], "201")
		test.Type(entries[4], "X-Rule: flaky")
		entries[5].SetText(`{"order":"{{.JSON "id"}}"}`)
		failure.SetSelected("Fail the first N deliveries")
		test.Type(entries[7], "2")
	})
	tapDialogButton(t, h.window, "Save")
	got := mustRules(t, h.core)
	if len(got) != 1 || got[0].Name != "flaky" || got[0].Status != 201 || got[0].Failure != rules.FailFirstN || got[0].FailN != 2 ||
		got[0].Headers["X-Rule"] != "flaky" || !got[0].Enabled || got[0].Method != "" {
		t.Fatalf("saved %+v", got)
	}
	var codes []int
	for range 3 {
		codes = append(codes, postFor(t, h.core.ListenerURL()+"/hooks/a", `{"id":"o1"}`))
	}
	if codes[0] != 503 || codes[1] != 503 || codes[2] != 201 {
		t.Fatalf("the sender saw %v, want [503 503 201]", codes)
	}
	list := rulesList(t, h.window)
	uithread.DoAndWait(list.Refresh)
	if row := onUI(func() string { return collect[*widget.Label](list)[0].Text }); row != "flaky · any /hooks/* → 503 ×2, then 201 · 3 delivered" {
		t.Fatalf("row %q", row)
	}

	// Edit: the form opens with the rule's values.
	uithread.DoAndWait(func() { list.Select(0) })
	tapDialogButton(t, h.window, "Edit…")
	entries, failure, enabled = ruleFormWidgets(t, h.window)
	if shown := onUI(func() string {
		return strings.Join([]string{entries[0].Text, entries[3].Text, entries[7].Text, failure.Selected, strconv.FormatBool(enabled.Checked)}, "|")
	}); shown != "flaky|201|2|Fail the first N deliveries|true" {
		t.Fatalf("edit form shows %q", shown)
	}
	uithread.DoAndWait(func() {
		failure.SetSelected("Close the connection")
		entries[1].SetText("post")
	})
	if !onUI(entries[7].Disabled) {
		t.Fatal("N stays editable for a mode without it")
	}
	tapDialogButton(t, h.window, "Save")
	if got := mustRules(t, h.core); len(got) != 1 || got[0].Failure != rules.FailClose || got[0].Method != "POST" {
		t.Fatalf("after edit %+v", got)
	}

	// A second rule, then move it first.
	tapDialogButton(t, h.window, "Add…")
	entries, _, _ = ruleFormWidgets(t, h.window)
	uithread.DoAndWait(func() { entries[2].SetText("/other") })
	tapDialogButton(t, h.window, "Save")
	uithread.DoAndWait(func() { list.Select(1) })
	tapDialogButton(t, h.window, "Move up")
	if got := mustRules(t, h.core); len(got) != 2 || got[0].Name != "/other" || got[1].Name != "flaky" {
		t.Fatalf("after move up %+v", got)
	}

	uithread.DoAndWait(func() { list.Select(1) })
	tapDialogButton(t, h.window, "Delete")
	tapDialogButton(t, h.window, "Yes")
	if got := mustRules(t, h.core); len(got) != 1 || got[0].Name != "/other" {
		t.Fatalf("after delete %+v", got)
	}
}

func TestRulesDialogShowsTheErrorAndKeepsWhatWasTyped(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	uithread.DoAndWait(h.view.rules.show)
	tapDialogButton(t, h.window, "Add…")
	entries, _, _ := ruleFormWidgets(t, h.window)
	uithread.DoAndWait(func() {
		entries[2].SetText("/x")
		entries[5].SetText("{{.ID")
	})
	tapDialogButton(t, h.window, "Save")
	if got := onUI(func() string { return strings.Join(labelTexts(h.window.Canvas().Overlays().Top()), " ") }); !strings.Contains(got, "the body template: line 1") {
		t.Fatalf("error dialog says %q", got)
	}
	tapDialogButton(t, h.window, "OK")
	entries, _, _ = ruleFormWidgets(t, h.window)
	if shown := onUI(func() string { return entries[2].Text + "|" + entries[5].Text }); shown != "/x|{{.ID" {
		t.Fatalf("form reopened with %q", shown)
	}
	uithread.DoAndWait(func() { entries[5].SetText("{{.ID}}") })
	tapDialogButton(t, h.window, "Save")
	if got := mustRules(t, h.core); len(got) != 1 || got[0].BodyTemplate != "{{.ID}}" {
		t.Fatalf("saved %+v", got)
	}
}

func labelTexts(obj fyne.CanvasObject) []string {
	var out []string
	for _, l := range collect[*widget.Label](obj) {
		out = append(out, l.Text)
	}
	return out
}

func TestRulesAnswerPairsSayWhichRuleAnsweredAndWhat(t *testing.T) {
	h := newHarness(t, "127.0.0.1:0")
	if err := h.core.SetResponseRules([]rules.Rule{
		{Name: "made", PathPattern: "/made", Status: 201, Headers: map[string]string{"X-A": "1"}, BodyTemplate: `{"id":{{.ID}}}`, Enabled: true},
		{Name: "drop", PathPattern: "/drop", Failure: rules.FailClose, Delay: 10 * time.Millisecond, Enabled: true},
	}); err != nil {
		t.Fatal(err)
	}
	if code := postFor(t, h.core.ListenerURL()+"/made", "{}"); code != 201 {
		t.Fatalf("status %d", code)
	}
	h.post("POST", "/plain", "text/plain", "x", nil)
	h.waitForCount(2)
	pairs := func(id uint64) string {
		rec, err := h.core.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, p := range answerPairs(h.core, rec) {
			b.WriteString(p.Name + "=" + p.Value + ";")
		}
		return b.String()
	}
	if got, want := pairs(1), `Answered by rule=made;Rule answer=201;Answer header=Content-Type: application/json;Answer header=X-A: 1;Answer body={"id":1};`; got != want {
		t.Fatalf("pairs\n%s\nwant\n%s", got, want)
	}
	if got := pairs(2); got != "" {
		t.Fatalf("a default answer has pairs %q", got)
	}
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	if _, err := (&http.Client{Transport: tr}).Post(h.core.ListenerURL()+"/drop", "text/plain", strings.NewReader("x")); err == nil {
		t.Fatal("the closing rule answered")
	}
	h.waitForCount(3)
	if got, want := pairs(3), "Answered by rule=drop;Rule answer=nothing: the connection was closed after 10ms;"; got != want {
		t.Fatalf("pairs %q, want %q", got, want)
	}
}

func TestRulesAnswerBodyPreviewIsBounded(t *testing.T) {
	long := strings.Repeat("é", 400)
	if got := bodyPreview(storage.AnswerRecord{Body: []byte(long), BodySize: int64(len(long))}); !strings.HasSuffix(got, "… (800 B sent)") ||
		!strings.HasPrefix(got, strings.Repeat("é", answerBodyPreview)+"…") {
		t.Fatalf("%q", got)
	}
	cut := []byte(strings.Repeat("é", 10))[:19] // ends inside a character
	if got := bodyPreview(storage.AnswerRecord{Body: cut, BodySize: 100_000, Truncated: true}); !strings.HasPrefix(got, strings.Repeat("é", 9)+" (") {
		t.Fatalf("%q", got)
	}
	if got := bodyPreview(storage.AnswerRecord{Body: []byte{0xff, 0xfe}, BodySize: 2}); got != textutil.HumanSize(2)+" of binary data" {
		t.Fatalf("%q", got)
	}
}

func mustRules(t *testing.T, b interface{ ResponseRules() ([]rules.Rule, error) }) []rules.Rule {
	t.Helper()
	list, err := b.ResponseRules()
	if err != nil {
		t.Fatal(err)
	}
	return list
}
