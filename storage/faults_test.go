package storage

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Storage faults a user can meet: a folder they cannot write, a file cut
// short, a full disk (faults_linux_test.go). The damaged file, the newer
// schema and the second instance are in store_test.go.

// canWriteDespiteMode reports whether dir, chmod'ed read-only, still takes a
// file: true for root (or CAP_DAC_OVERRIDE), where modes do not apply.
func canWriteDespiteMode(t *testing.T, dir string) bool {
	t.Helper()
	probe := filepath.Join(dir, ".probe")
	f, err := os.OpenFile(probe, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(probe)
	return true
}

// TestReadOnlyDirectoryIsAClearError: creating the database in a folder the
// user may not write (mode 0500) fails with a sentence that names the file,
// says "permission denied" and points at --db; nothing is created.
func TestReadOnlyDirectoryIsAClearError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) }) // so TempDir can remove it
	if canWriteDespiteMode(t, dir) {
		t.Skip("running as root: chmod 0500 does not stop root from writing, so a read-only folder cannot be made this way (TestReadOnlyFileSystemIsAClearError covers root with a read-only mount)")
	}
	path := filepath.Join(dir, "hookscope.db")
	st, err := Open(path, Options{})
	if err == nil {
		st.Close()
		t.Fatal("opened a database in a read-only folder")
	}
	msg := err.Error()
	if !strings.Contains(msg, path) || !strings.Contains(msg, "permission denied") || !strings.Contains(msg, "--db") {
		t.Fatalf("message does not say what and where: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a file was left behind: %v", err)
	}
}

// TestFileCutShortIsAnErrorNotAPanic: a database truncated inside its used
// pages (an interrupted copy, a disk that filled during one) is refused at
// Open with a "damaged" error that names the file, for every cut point; it
// never panics or faults. Cutting only the space bbolt preallocated past
// its last page loses nothing.
func TestFileCutShortIsAnErrorNotAPanic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "whole.db")
	// NoSync: this file is only material for the test; fsync would make
	// the 300 appends take seconds.
	st, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	for range n {
		if _, err := st.Append(context.Background(), sampleRecord("/cut", bytes.Repeat([]byte("z"), 900))); err != nil {
			t.Fatal(err)
		}
	}
	used, err := st.UsedBytes()
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	open := func(keep int64) (*Store, string, error) {
		cut := filepath.Join(t.TempDir(), "cut.db")
		if err := os.WriteFile(cut, data[:keep], 0o600); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("kept %d of %d used bytes: panic: %v", keep, used, r)
			}
		}()
		st, err := Open(cut, Options{})
		return st, cut, err
	}
	for _, keep := range []int64{used - 1, used - 4096, used * 3 / 4, used / 2, 4096 * 3, 4096*2 + 100} {
		st2, cut, err := open(keep)
		if err == nil {
			st2.Close()
			t.Fatalf("kept %d of %d used bytes: opened as if whole", keep, used)
		}
		if !strings.Contains(err.Error(), cut) || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "move it aside") {
			t.Fatalf("kept %d bytes: unclear error: %v", keep, err)
		}
	}
	if int64(len(data)) > used {
		st3, _, err := open(used)
		if err != nil {
			t.Fatalf("cutting only preallocated space: %v", err)
		}
		defer st3.Close()
		if err := st3.Check(); err != nil {
			t.Fatal(err)
		}
		if c, _ := st3.Count(); c != n {
			t.Fatalf("%d requests after cutting preallocated space, want %d", c, n)
		}
	}
}
