package composerview

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"dev.hookscope/app/composer"
	"dev.hookscope/storage"
	"dev.hookscope/ui/uithread"
)

// TestKeyboardOnlyRound is the "Done when": paste a browser's
// "Copy as cURL", send, read the answer, save it to a collection, switch
// environment and send again, all from the keyboard; history survives a
// restart.
func TestKeyboardOnlyRound(t *testing.T) {
	srv, arrivals := loopback(t)
	test.NewTempApp(t)
	dbPath := filepath.Join(t.TempDir(), "hookscope.db")
	st, err := storage.Open(dbPath, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	envs, _ := json.Marshal([]composer.Environment{
		{Name: "staging", Vars: []composer.Var{{Name: "tenant", Value: "stage-1"}}},
		{Name: "prod", Vars: []composer.Var{{Name: "tenant", Value: "prod-9"}, {Name: "key", Value: "s3cr3t", Secret: true}}},
	})
	st.SaveEnvironments(envs)
	var v *View
	var w fyne.Window
	uithread.DoAndWait(func() {
		w = test.NewTempWindow(t, nil)
		v = New(nil, st, w)
		w.SetContent(v.Object())
		v.InstallShortcuts(w.Canvas())
	})
	key := func(name fyne.KeyName) {
		uithread.DoAndWait(func() {
			s := &desktop.CustomShortcut{KeyName: name, Modifier: fyne.KeyModifierShortcutDefault}
			if f, ok := w.Canvas().Focused().(fyne.Shortcutable); ok {
				f.TypedShortcut(s) // a focused entry gets the shortcut first, as on a real keyboard
				return
			}
			w.Canvas().(fyne.Shortcutable).TypedShortcut(s)
		})
	}
	// Ctrl+I, paste, Ctrl+Enter.
	key(fyne.KeyI)
	curl := `curl '` + srv.URL + `/api/orders?page=2' -H 'accept: application/json' -H 'x-tenant: {{tenant}}' --data-raw '{"n":1}'`
	uithread.DoAndWait(func() { typeFocused(t, w, curl) })
	key(fyne.KeyReturn)
	if got := onView(v, func() string { return v.Request().URL }); got != srv.URL+"/api/orders?page=2" {
		t.Fatalf("imported URL %q", got)
	}
	// Ctrl+E picks the first environment, Ctrl+Enter sends.
	uithread.DoAndWait(func() { w.Canvas().Unfocus() })
	key(fyne.KeyE)
	key(fyne.KeyReturn)
	if s := waitStatus(t, v); s != "201 Created" {
		t.Fatalf("status %q", s)
	}
	// Ctrl+S, type a name, Enter.
	key(fyne.KeyS)
	uithread.DoAndWait(func() {
		typeFocused(t, w, "orders page 2")
		w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	items, _ := st.Collections()
	if len(items) != 1 || items[0].Name != "orders page 2" {
		t.Fatalf("collection %+v", items)
	}
	// Ctrl+E to the next environment, send again.
	uithread.DoAndWait(func() { w.Canvas().Unfocus() })
	key(fyne.KeyE)
	key(fyne.KeyReturn)
	waitStatus(t, v)
	got := arrivals()
	if len(got) != 2 || got[0].header.Get("X-Tenant") != "stage-1" || got[1].header.Get("X-Tenant") != "prod-9" || got[1].body != `{"n":1}` {
		t.Fatalf("arrivals %+v", got)
	}
	st.Close()
	// History survives a restart.
	st2, err := storage.Open(dbPath, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if h, _ := st2.History(10, ""); len(h) != 2 {
		t.Fatalf("history after restart: %d entries", len(h))
	}
}

func onView[T any](_ *View, fn func() T) T {
	var out T
	uithread.DoAndWait(func() { out = fn() })
	return out
}

// typeFocused types into whatever has the keyboard focus, failing when
// nothing does (the flow would need the mouse there).
func typeFocused(t *testing.T, w fyne.Window, text string) {
	t.Helper()
	f := w.Canvas().Focused()
	if f == nil {
		t.Fatal("nothing has the keyboard focus")
	}
	for _, r := range text {
		f.TypedRune(r)
	}
}

// TestEveryFieldPassesShortcutsOn: typing in any field of the composer
// (URL, method, parameter and header cells, body and its content type,
// form cells, file path, every auth field, timeout, history search) and
// pressing Ctrl+Enter sends; Ctrl+E switches the environment, Ctrl+I opens
// the cURL import and Ctrl+S the save dialog from each of them too.
func TestEveryFieldPassesShortcutsOn(t *testing.T) {
	srv, arrivals := loopback(t)
	v, st := newView(t)
	envs, _ := json.Marshal([]composer.Environment{{Name: "one"}, {Name: "two"}})
	st.SaveEnvironments(envs)
	var w fyne.Window
	uithread.DoAndWait(func() {
		v.loadEnvironments()
		w = v.window
		v.InstallShortcuts(w.Canvas())
		v.url.SetText(srv.URL + "/each")
		v.params.addRow(composer.KV{Enabled: true})
		v.headers.addRow(composer.KV{Enabled: true})
		v.form.addRow(composer.KV{Enabled: true})
	})
	type field struct {
		name  string
		obj   fyne.Focusable
		text  string
		setup func()
	}
	auth := func(kind string) func() {
		return func() {
			for i, a := range authLabels {
				if a.kind == kind {
					v.authKind.SetSelectedIndex(i)
				}
			}
		}
	}
	body := func(kind string) func() { return func() { v.bodyKind.SetSelected(kind) } }
	fields := []field{
		{"URL", v.url, "", nil},
		{"method", v.method, "", nil},
		{"parameter name", v.params.rows[0].key, "p", nil},
		{"parameter value", v.params.rows[0].value, "1", nil},
		{"header name", v.headers.rows[0].key, "X-A", nil},
		{"header value", v.headers.rows[0].value, "b", nil},
		{"content type", v.rawType, "", body(composer.BodyRaw)},
		{"body", v.rawBody, "hi", body(composer.BodyRaw)},
		{"form field", v.form.rows[0].key, "f", body(composer.BodyForm)},
		{"form value", v.form.rows[0].value, "v", body(composer.BodyForm)},
		{"file path", v.binPath, "", body(composer.BodyNone)},
		{"basic user", v.user, "u", auth(composer.AuthBasic)},
		{"basic password", v.pass, "p", auth(composer.AuthBasic)},
		{"bearer token", v.token, "tok", auth(composer.AuthBearer)},
		{"API key name", v.keyName, "X-Key", auth(composer.AuthAPIKey)},
		{"API key value", v.keyValue, "k", auth(composer.AuthAPIKey)},
		{"signing secret", v.secret, "s", auth(composer.AuthNone)},
		{"timeout", v.timeout, "", nil},
		{"history search", v.search, "", nil},
	}
	shortcut := func(key fyne.KeyName) {
		uithread.DoAndWait(func() {
			s := &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}
			w.Canvas().Focused().(fyne.Shortcutable).TypedShortcut(s)
		})
	}
	for i, f := range fields {
		uithread.DoAndWait(func() {
			if f.setup != nil {
				f.setup()
			}
			w.Canvas().Focus(f.obj)
			test.Type(f.obj, f.text)
		})
		shortcut(fyne.KeyReturn)
		if s := waitStatus(t, v); s != "201 Created" {
			t.Fatalf("%s: Ctrl+Enter gave %q", f.name, s)
		}
		if n := len(arrivals()); n != i+1 {
			t.Fatalf("%s: Ctrl+Enter: %d requests arrived, want %d", f.name, n, i+1)
		}
		before := onView(v, func() string { return v.envSelect.Selected })
		uithread.DoAndWait(func() { w.Canvas().Focus(f.obj) })
		shortcut(fyne.KeyE)
		if after := onView(v, func() string { return v.envSelect.Selected }); after == before {
			t.Errorf("%s: Ctrl+E left the environment at %q", f.name, after)
		}
		for _, k := range []fyne.KeyName{fyne.KeyI, fyne.KeyS} {
			uithread.DoAndWait(func() { w.Canvas().Focus(f.obj) })
			shortcut(k)
			if !onView(v, func() bool { return w.Canvas().Overlays().Top() != nil }) {
				t.Errorf("%s: Ctrl+%s opened no dialog", f.name, k)
				continue
			}
			// Escape closes it, from its field or with nothing focused.
			uithread.DoAndWait(func() {
				if f := w.Canvas().Focused(); f != nil {
					f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
				} else {
					w.Canvas().(interface{ OnTypedKey() func(*fyne.KeyEvent) }).OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
				}
			})
			if onView(v, func() bool { return w.Canvas().Overlays().Top() != nil }) {
				t.Errorf("%s: Escape left the Ctrl+%s dialog open", f.name, k)
			}
		}
	}
}
