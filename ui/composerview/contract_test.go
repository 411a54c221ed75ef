package composerview

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app/composer"
	"dev.hookscope/ui/uithread"
)

// petAPI answers GET /pets/7 with a string id where the spec wants an
// integer, and GET /pets with a list that fits; the spec, written for the
// tests, is app/composer/testdata/answers-3.0.yaml with its server
// pointed at the test server.
func petAPI(t *testing.T) (srv *httptest.Server, spec string) {
	t.Helper()
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/pets/7":
			w.Write([]byte(`{"name":"Rex","id":"7","tag":{"weight":12}}`))
		case "/pets":
			w.Write([]byte(`[{"id":1,"name":"Rex"}]`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	data, err := os.ReadFile("../../app/composer/testdata/answers-3.0.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec = filepath.Join(t.TempDir(), "pets.yaml")
	if err := os.WriteFile(spec, []byte(strings.Replace(string(data), "http://127.0.0.1:1", srv.URL, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, spec
}

// openItem selects the collection item name in the tree, as a click does.
func openItem(t *testing.T, v *View, name string) {
	t.Helper()
	uithread.DoAndWait(func() {
		for _, it := range v.items {
			if it.Name == name {
				v.colTree.Select(itemNodeID(it.ID))
				return
			}
		}
		t.Errorf("no item %q", name)
	})
}

func labelTexts(o fyne.CanvasObject) []string {
	var out []string
	for _, x := range test.LaidOutObjects(o) {
		if l, ok := x.(*widget.Label); ok && l.Visible() && l.Text != "" {
			out = append(out, l.Text)
		}
	}
	return out
}

func buttonIn(o fyne.CanvasObject, text string) *widget.Button {
	for _, x := range test.LaidOutObjects(o) {
		if b, ok := x.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	return nil
}

// TestAnswerCheckedAgainstTheImportedSpec imports a spec from the window,
// sends its GetPet request, and reads the verdict above the answer and
// in the Contract tab; Show in body marks the offending value.
func TestAnswerCheckedAgainstTheImportedSpec(t *testing.T) {
	srv, spec := petAPI(t)
	v, _ := newView(t)
	uithread.DoAndWait(func() { v.ImportOpenAPI(spec, "Pets") })
	pollUI(t, "the import", func() bool { return len(v.items) == 3 && v.envSelect.Selected == "Pets" })
	uithread.DoAndWait(func() {
		if !strings.HasSuffix(v.status.Text, "Answers are checked against Pet answers 1.") {
			t.Errorf("import status %q", v.status.Text)
		}
	})

	openItem(t, v, "GetPet")
	uithread.DoAndWait(func() {
		if v.url.Text != "{{baseUrl}}/pets/{{petId}}" {
			t.Errorf("GetPet loaded %q", v.url.Text)
		}
		test.Tap(v.send)
	})
	if s := waitStatus(t, v); s != "200 OK" {
		t.Fatalf("status %q", s)
	}
	const headline = "invalid: Pet answers 1 GET /pets/{petId} response 200 (1 violation)"
	var line string
	var rows []string
	var show *widget.Button
	uithread.DoAndWait(func() {
		line = v.contractLine.Text
		if !v.contractLine.Visible() || v.contractLine.Importance != widget.DangerImportance {
			t.Errorf("the verdict line is hidden or not red")
		}
		rows = labelTexts(v.verdict.Violations)
		show = buttonIn(v.verdict.Violations, "Show in body")
		if v.verdict.Headline.Text != headline {
			t.Errorf("Contract tab headline %q", v.verdict.Headline.Text)
		}
		v.respTabs.SelectIndex(2) // the Contract tab, where the button is
	})
	if line != headline {
		t.Errorf("verdict line %q, want %q", line, headline)
	}
	if len(rows) != 1 || rows[0] != "/id: expected integer, got string" || show == nil {
		t.Fatalf("violation rows %q, Show in body button %v", rows, show != nil)
	}
	uithread.DoAndWait(func() { test.Tap(show) })
	pollUI(t, "the marked value", func() bool { return v.respBody.Highlighted() == `"7"` })
	uithread.DoAndWait(func() {
		if v.respTabs.SelectedIndex() != 0 {
			t.Errorf("Show in body left tab %d selected, not Body", v.respTabs.SelectedIndex())
		}
		if v.verdict.Status.Text != "" {
			t.Errorf("status %q", v.verdict.Status.Text)
		}
	})

	// The list's answer fits: a green line, no violations.
	openItem(t, v, "ListPets")
	uithread.DoAndWait(func() { test.Tap(v.send) })
	waitStatus(t, v)
	uithread.DoAndWait(func() {
		if v.contractLine.Text != "valid: Pet answers 1 GET /pets response 200" || v.contractLine.Importance != widget.SuccessImportance {
			t.Errorf("verdict line %q", v.contractLine.Text)
		}
		if rows := labelTexts(v.verdict.Violations); len(rows) != 0 {
			t.Errorf("violations of a fitting answer: %q", rows)
		}
	})

	// A request not from a spec (cURL import, a capture, one typed by
	// hand) is not checked: no verdict line at all.
	uithread.DoAndWait(func() {
		v.SetRequest(composer.Request{Method: "GET"})
		test.Type(v.url, srv.URL+"/pets/7")
		test.Tap(v.send)
	})
	waitStatus(t, v)
	uithread.DoAndWait(func() {
		if v.contractLine.Visible() || v.verdict.Headline.Visible() {
			t.Errorf("a request without a spec shows %q / %q", v.contractLine.Text, v.verdict.Headline.Text)
		}
	})
}
