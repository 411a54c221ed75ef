package composerview

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app/composer"
	"dev.hookscope/storage"
	"dev.hookscope/ui/uithread"
)

type arrival struct {
	method, path, query string
	header              http.Header
	body                string
}

func loopback(t *testing.T) (*httptest.Server, func() []arrival) {
	var mu sync.Mutex
	var got []arrival
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, arrival{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(b)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Answer", "yes")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []arrival {
		mu.Lock()
		defer mu.Unlock()
		return append([]arrival(nil), got...)
	}
}

func newView(t *testing.T) (*View, *storage.Store) {
	t.Helper()
	test.NewTempApp(t)
	st, err := storage.Open(filepath.Join(t.TempDir(), "hookscope.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var v *View
	uithread.DoAndWait(func() {
		w := test.NewTempWindow(t, nil)
		v = New(nil, st, w)
		w.SetContent(v.Object())
	})
	return v, st
}

// waitStatus waits until the status line leaves "Sending…" and returns it.
func waitStatus(t *testing.T, v *View) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var s string
		var busy bool
		uithread.DoAndWait(func() { s, busy = v.status.Text, v.inFlight != nil })
		if !busy && s != "Sending…" {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no answer shown")
	return ""
}

func TestTypeURLAndSend(t *testing.T) {
	srv, arrivals := loopback(t)
	v, st := newView(t)
	uithread.DoAndWait(func() {
		test.Type(v.url, srv.URL+"/hook?a=1")
		if rows := v.params.Rows(); len(rows) != 1 || rows[0].Key != "a" || rows[0].Value != "1" {
			t.Errorf("params from the URL: %+v", rows)
		}
		test.Tap(v.send)
	})
	if s := waitStatus(t, v); s != "201 Created" {
		t.Fatalf("status %q", s)
	}
	got := arrivals()
	if len(got) != 1 || got[0].method != "GET" || got[0].path != "/hook" || got[0].query != "a=1" {
		t.Fatalf("arrived %+v", got)
	}
	uithread.DoAndWait(func() {
		if !strings.Contains(v.timing.Text, "total") || !strings.Contains(v.size.Text, "11 B") {
			t.Errorf("timing %q size %q", v.timing.Text, v.size.Text)
		}
		if v.respBody.LineCount() == 0 {
			t.Error("no body shown")
		}
		if len(v.entries) != 1 || v.history.Length() != 1 {
			t.Errorf("history list has %d", len(v.entries))
		}
	})
	h, err := st.History(0, "hook")
	if err != nil || len(h) != 1 || h[0].Status != 201 || h[0].Method != "GET" || h[0].URL != srv.URL+"/hook?a=1" {
		t.Fatalf("stored history %+v %v", h, err)
	}
	// The stored request opens again as it was edited.
	uithread.DoAndWait(func() {
		v.url.SetText("")
		v.history.Select(0)
		if v.url.Text != srv.URL+"/hook?a=1" {
			t.Errorf("reopened URL %q", v.url.Text)
		}
	})
}

func TestEnvironmentBodyAuthAndParams(t *testing.T) {
	srv, arrivals := loopback(t)
	v, st := newView(t)
	v.envs = []composer.Environment{{Name: "local", Vars: []composer.Var{{Name: "base", Value: srv.URL}, {Name: "tok", Value: "s3cret", Secret: true}}}}
	uithread.DoAndWait(func() {
		v.refreshEnvSelect()
		v.envSelect.SetSelected("local")
		v.method.SetText("POST")
		test.Type(v.url, "{{base}}/items")
		v.params.addRow(composer.KV{Key: "q", Value: "a b", Enabled: true})
		if v.url.Text != "{{base}}/items?q=a+b" {
			t.Errorf("URL from params %q", v.url.Text)
		}
		v.headers.addRow(composer.KV{Key: "X-Off", Value: "1", Enabled: false})
		v.headers.addRow(composer.KV{Key: "X-On", Value: "{{tok}}", Enabled: true})
		v.bodyKind.SetSelected(composer.BodyRaw)
		test.Type(v.rawBody, `{"n":1}`)
		v.authKind.SetSelected("Bearer token")
		v.token.SetText("{{tok}}")
		v.Send()
	})
	if s := waitStatus(t, v); s != "201 Created" {
		t.Fatalf("status %q", s)
	}
	got := arrivals()
	if len(got) != 1 {
		t.Fatalf("arrived %d", len(got))
	}
	a := got[0]
	if a.method != "POST" || a.path != "/items" || a.query != "q=a+b" || a.body != `{"n":1}` ||
		a.header.Get("Authorization") != "Bearer s3cret" || a.header.Get("X-On") != "s3cret" ||
		a.header.Get("X-Off") != "" || a.header.Get("Content-Type") != "application/json" {
		t.Fatalf("arrived %+v", a)
	}
	// History keeps the request as edited, variables unexpanded.
	h, _ := st.History(1, "")
	if len(h) != 1 || !strings.Contains(string(h[0].Request), "{{tok}}") {
		t.Fatalf("history %+v", h)
	}
}

func TestImportCurlSaveAndReopen(t *testing.T) {
	srv, arrivals := loopback(t)
	v, st := newView(t)
	uithread.DoAndWait(func() {
		v.ImportCurl("curl '" + srv.URL + "/api' \\\n  -H 'X-Ticket: 7' \\\n  --data-raw 'a=1'")
		if v.method.Text != "POST" || v.bodyKind.Selected != composer.BodyRaw || v.rawBody.Text != "a=1" {
			t.Errorf("imported: %s %s %q", v.method.Text, v.bodyKind.Selected, v.rawBody.Text)
		}
		v.SaveToCollection("Support", "Ticket 7")
		if len(v.items) != 1 || v.items[0].Name != "Ticket 7" {
			t.Errorf("collections %+v", v.items)
		}
		code, err := v.Code("curl")
		if err != nil || !strings.Contains(code, "X-Ticket: 7") {
			t.Errorf("curl %q %v", code, err)
		}
		v.SetRequest(composer.Request{URL: "http://elsewhere/"})
		v.SelectCollectionItem(v.items[0].ID)
		v.Send()
	})
	if s := waitStatus(t, v); s != "201 Created" {
		t.Fatalf("status %q", s)
	}
	got := arrivals()
	if len(got) != 1 || got[0].header.Get("X-Ticket") != "7" || got[0].body != "a=1" {
		t.Fatalf("arrived %+v", got)
	}
	items, _ := st.Collections()
	if len(items) != 1 || items[0].Folder != "Support" {
		t.Fatalf("stored %+v", items)
	}
	uithread.DoAndWait(func() {
		v.ImportCurl("echo nope")
		if !strings.HasPrefix(v.status.Text, "Import:") {
			t.Errorf("status %q", v.status.Text)
		}
	})
}

func TestProblemsAndVerifyWarning(t *testing.T) {
	v, _ := newView(t)
	uithread.DoAndWait(func() {
		if v.verifyWarn.Visible() {
			t.Error("warning shown while verifying")
		}
		test.Tap(v.verify)
		if !v.verifyWarn.Visible() {
			t.Error("no warning with verification off")
		}
		v.Send()
		if !strings.Contains(v.status.Text, "URL is empty") {
			t.Errorf("status %q", v.status.Text)
		}
		v.url.SetText("http://127.0.0.1:1/")
		v.timeout.SetText("soon")
		v.Send()
		if !strings.Contains(v.status.Text, "timeout") {
			t.Errorf("status %q", v.status.Text)
		}
		v.timeout.SetText("5")
		v.Send()
	})
	if s := waitStatus(t, v); !strings.HasPrefix(s, "No answer") {
		t.Fatalf("status %q", s)
	}
}

func TestCtrlEnterJWTAndBigBody(t *testing.T) {
	srv, arrivals := loopback(t)
	v, _ := newView(t)
	big := strings.Repeat("x", maxEditableBody+1)
	uithread.DoAndWait(func() {
		v.SetRequest(composer.Request{Method: "PUT", URL: srv.URL + "/big", BodyKind: composer.BodyRaw, RawBody: big, RawType: "text/plain"})
		if v.rawBody.Text != "" || !strings.Contains(v.bodyNote.Text, "too big") {
			t.Errorf("big body in the entry (%d) note %q", len(v.rawBody.Text), v.bodyNote.Text)
		}
		v.url.TypedShortcut(SendShortcut)
	})
	if s := waitStatus(t, v); s != "201 Created" {
		t.Fatalf("status %q", s)
	}
	if got := arrivals(); len(got) != 1 || got[0].method != "PUT" || got[0].body != big {
		t.Fatalf("arrived %d", len(got))
	}
	// A JWT's header, claims and expiry show under the token.
	tok := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSIsImV4cCI6MTAwMDAwMDAwMH0.c2ln"
	uithread.DoAndWait(func() {
		v.authKind.SetSelected("Bearer token")
		v.token.SetText(tok)
		info := v.jwtInfo.Text
		if !strings.Contains(info, `"alg":"HS256"`) || !strings.Contains(info, `"sub":"u1"`) || !strings.Contains(info, "(expired)") {
			t.Errorf("jwt info %q", info)
		}
	})
}

// TestHistoryLongURL: a 2,000-character URL in the history neither widens
// the composer nor hides: its row truncates with an ellipsis and pointing
// at it shows the whole URL under the list.
func TestHistoryLongURL(t *testing.T) {
	v, st := newView(t)
	short := onView(v, func() float32 { return v.Object().MinSize().Width })
	long := "https://api.example.com/" + strings.Repeat("segment/", 250) + "end?q=1"
	st.AppendHistory(storage.HistoryEntry{At: time.Now(), Method: "POST", URL: long, Status: 202, DurationMs: 12})
	uithread.DoAndWait(func() {
		v.loadHistory()
		v.history.Refresh()
	})
	if got := onView(v, func() float32 { return v.Object().MinSize().Width }); got > short {
		t.Errorf("the history widened the composer's minimum from %.0f to %.0f", short, got)
	}
	var row *historyRow
	uithread.DoAndWait(func() {
		for _, o := range test.LaidOutObjects(v.history) {
			if r, ok := o.(*historyRow); ok && r.Visible() && strings.Contains(r.Text, "end?q=1") {
				row = r
			}
		}
	})
	if row == nil {
		t.Fatal("no history row shows the entry")
	}
	if row.Truncation != fyne.TextTruncateEllipsis {
		t.Error("history rows do not truncate with an ellipsis")
	}
	uithread.DoAndWait(func() { row.MouseIn(nil) })
	if got := onView(v, func() string { return v.historyFull.Text }); !strings.HasPrefix(got, "POST "+long+"\n") || !strings.Contains(got, "202 in 12 ms") {
		t.Errorf("pointing at the row shows %q", got)
	}
	uithread.DoAndWait(func() { row.MouseOut() })
	if got := onView(v, func() string { return v.historyFull.Text }); got != historyHint {
		t.Errorf("after the pointer left: %q", got)
	}
}

// TestNestedCollections: a folder path saves folders in folders; the tree
// shows them, and selecting an item deep inside opens it.
func TestNestedCollections(t *testing.T) {
	v, st := newView(t)
	uithread.DoAndWait(func() {
		v.SetRequest(composer.Request{Method: "POST", URL: "http://x/invoice"})
		v.SaveToCollection(" Billing / Invoices ", "paid")
		v.SetRequest(composer.Request{URL: "http://x/refund"})
		v.SaveToCollection("Billing", "refund")
		v.SetRequest(composer.Request{URL: "http://x/top"})
		v.SaveToCollection("", "top")
	})
	items, _ := st.Collections()
	folders := map[string]string{}
	for _, it := range items {
		folders[it.Name] = it.Folder
	}
	if folders["paid"] != "Billing/Invoices" || folders["refund"] != "Billing" || folders["top"] != "" {
		t.Fatalf("stored folders %v", folders)
	}
	uithread.DoAndWait(func() {
		if got := v.tree[""]; len(got) != 2 || got[0] != "d:Billing" || v.nodeLabel(got[1]) != "top" {
			t.Errorf("root %q", got)
		}
		billing := v.tree["d:Billing"]
		if len(billing) != 2 || billing[0] != "d:Billing/Invoices" || v.nodeLabel(billing[0]) != "Invoices" || v.nodeLabel(billing[1]) != "refund" {
			t.Errorf("Billing holds %q", billing)
		}
		inner := v.tree["d:Billing/Invoices"]
		if len(inner) != 1 || v.nodeLabel(inner[0]) != "paid" {
			t.Fatalf("Billing/Invoices holds %q", inner)
		}
		v.SetRequest(composer.Request{})
		v.colTree.Select(inner[0])
		if v.url.Text != "http://x/invoice" || v.method.Text != "POST" || v.selected < 0 {
			t.Errorf("selecting the nested item loaded %s %q", v.method.Text, v.url.Text)
		}
		if !v.colTree.IsBranchOpen("d:Billing/Invoices") {
			t.Error("folders are not open after loading")
		}
	})
	// Rows of the tree are drawn, nested ones too.
	texts := onView(v, func() []string {
		v.colTree.Resize(fyne.NewSize(300, 400)) // its tab is not the one shown
		var out []string
		for _, o := range test.LaidOutObjects(v.colTree) {
			if l, ok := o.(*widget.Label); ok && l.Visible() {
				out = append(out, l.Text)
			}
		}
		return out
	})
	for _, want := range []string{"Billing", "Invoices", "paid", "refund", "top"} {
		if !slices.Contains(texts, want) {
			t.Errorf("tree does not show %q: %q", want, texts)
		}
	}
}

// TestDialogsFitAndEscape: the save dialog's fields are wide enough to
// type in, Escape closes it without saving.
func TestDialogsFitAndEscape(t *testing.T) {
	v, st := newView(t)
	uithread.DoAndWait(func() {
		v.window.Resize(fyne.NewSize(1000, 700))
		v.saveToCollection()
	})
	var size fyne.Size
	uithread.DoAndWait(func() {
		top := v.window.Canvas().Overlays().Top()
		for _, o := range test.LaidOutObjects(top) {
			if e, ok := o.(*sendEntry); ok && e.Visible() {
				size = e.Size()
			}
		}
		test.Type(v.window.Canvas().Focused(), "not saved")
		v.window.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	})
	if size.Width < 300 {
		t.Errorf("save dialog fields are %.0f px wide", size.Width)
	}
	if onView(v, func() bool { return v.window.Canvas().Overlays().Top() != nil }) {
		t.Error("Escape did not close the save dialog")
	}
	if items, _ := st.Collections(); len(items) != 0 {
		t.Errorf("Escape saved %+v", items)
	}
}
