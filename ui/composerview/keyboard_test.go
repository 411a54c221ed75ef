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
