package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func TestComposerHistory(t *testing.T) {
	st, path := openTemp(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, e := range []HistoryEntry{
		{Method: "GET", URL: "https://api.example.com/users", Status: 200, DurationMs: 12.5},
		{Method: "POST", URL: "http://localhost:8080/hook", Status: 201, Request: json.RawMessage(`{"method":"POST"}`)},
		{Method: "DELETE", URL: "https://api.example.com/users/7", Error: "connection refused"},
	} {
		e.At = at.Add(time.Duration(i) * time.Second)
		id, err := st.AppendHistory(e)
		if err != nil || id != uint64(i+1) {
			t.Fatalf("append %d: id %d, %v", i, id, err)
		}
	}
	check := func(limit int, q string, want ...string) {
		t.Helper()
		got, err := st.History(limit, q)
		if err != nil {
			t.Fatal(err)
		}
		var methods []string
		for _, e := range got {
			methods = append(methods, e.Method)
		}
		if fmt.Sprint(methods) != fmt.Sprint(want) {
			t.Errorf("History(%d, %q) = %v, want %v", limit, q, methods, want)
		}
	}
	check(0, "", "DELETE", "POST", "GET")
	check(2, "", "DELETE", "POST")
	check(0, "API.example", "DELETE", "GET")
	check(0, "post http://local", "POST")
	check(0, "nothing", []string{}...)

	// It survives a restart, every field intact.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	got, err := st2.History(0, "hook")
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	e := got[0]
	if e.ID != 2 || e.Status != 201 || string(e.Request) != `{"method":"POST"}` || !e.At.Equal(at.Add(time.Second)) {
		t.Errorf("entry %+v", e)
	}
	if err := st2.DeleteHistory(2); err != nil {
		t.Fatal(err)
	}
	if got, _ := st2.History(0, ""); len(got) != 2 {
		t.Errorf("after delete: %d", len(got))
	}
	if err := st2.ClearHistory(); err != nil {
		t.Fatal(err)
	}
	if got, _ := st2.History(0, ""); len(got) != 0 {
		t.Errorf("after clear: %d", len(got))
	}
	if id, _ := st2.AppendHistory(HistoryEntry{Method: "GET", URL: "x"}); id != 4 {
		t.Errorf("ID after clear %d, want 4 (never reused)", id)
	}
}

func TestComposerHistoryLimit(t *testing.T) {
	// NoSync: thousands of commits, and durability is not what is tested.
	st, err := Open(filepath.Join(t.TempDir(), "hookscope.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := 0; i < HistoryLimit+3; i++ {
		if _, err := st.AppendHistory(HistoryEntry{Method: "GET", URL: fmt.Sprintf("http://h/%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.History(0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != HistoryLimit || got[0].ID != HistoryLimit+3 || got[len(got)-1].ID != 4 {
		t.Fatalf("kept %d, newest %d, oldest %d", len(got), got[0].ID, got[len(got)-1].ID)
	}
}

func TestComposerCollections(t *testing.T) {
	st, path := openTemp(t)
	a, err := st.SaveCollectionItem("Users", "List", []byte(`{"url":"a"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.SaveCollectionItem("", "Ping", []byte(`{"url":"b"}`))
	if err != nil {
		t.Fatal(err)
	}
	// Saving the same folder and name replaces.
	a2, err := st.SaveCollectionItem(" Users ", "List", []byte(`{"url":"a2"}`))
	if err != nil || a2.ID != a.ID {
		t.Fatalf("resave: %+v %v", a2, err)
	}
	if _, err := st.SaveCollectionItem("x", "", []byte(`{}`)); err == nil {
		t.Error("empty name saved")
	}
	if _, err := st.SaveCollectionItem("x", "y", []byte(`not json`)); err == nil {
		t.Error("non-JSON saved")
	}
	list := func() string {
		t.Helper()
		items, err := st.Collections()
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, it := range items {
			s += fmt.Sprintf("[%s/%s %s]", it.Folder, it.Name, it.Request)
		}
		return s
	}
	if got, want := list(), `[/Ping {"url":"b"}][Users/List {"url":"a2"}]`; got != want {
		t.Fatalf("collections %s, want %s", got, want)
	}

	d1, err := st.DuplicateCollectionItem(a.ID)
	if err != nil || d1.Name != "List copy" || d1.Folder != "Users" || d1.ID == a.ID {
		t.Fatalf("dup: %+v %v", d1, err)
	}
	d2, err := st.DuplicateCollectionItem(a.ID)
	if err != nil || d2.Name != "List copy 2" {
		t.Fatalf("dup 2: %+v %v", d2, err)
	}
	if err := st.RenameCollectionItem(d2.ID, "Admin", "Audit"); err != nil {
		t.Fatal(err)
	}
	if err := st.RenameCollectionItem(d1.ID, "Users", "List"); err == nil {
		t.Error("rename onto an existing item succeeded")
	}
	if err := st.RenameCollectionItem(999, "a", "b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("rename unknown: %v", err)
	}
	if _, err := st.DuplicateCollectionItem(999); !errors.Is(err, ErrNotFound) {
		t.Errorf("duplicate unknown: %v", err)
	}
	if err := st.DeleteCollectionItem(b.ID); err != nil {
		t.Fatal(err)
	}
	want := `[Admin/Audit {"url":"a2"}][Users/List {"url":"a2"}][Users/List copy {"url":"a2"}]`
	if got := list(); got != want {
		t.Fatalf("collections %s, want %s", got, want)
	}

	st.Close()
	st, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := list(); got != want {
		t.Fatalf("after reopen %s, want %s", got, want)
	}
}

func TestComposerEnvironments(t *testing.T) {
	st, path := openTemp(t)
	if got, err := st.Environments(); err != nil || got != nil {
		t.Fatalf("empty store: %q %v", got, err)
	}
	if err := st.SaveEnvironments([]byte("nope")); err == nil {
		t.Error("non-JSON saved")
	}
	data := []byte(`[{"name":"dev","vars":[{"name":"host","value":"localhost"}]}]`)
	if err := st.SaveEnvironments(data); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got, err := st.Environments(); err != nil || string(got) != string(data) {
		t.Fatalf("got %q %v", got, err)
	}
}
