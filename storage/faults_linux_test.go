package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mountTmpfs mounts a tmpfs of the given size (with extra mount flags) on a
// fresh folder and unmounts it when the test ends. Mounting needs root or
// CAP_SYS_ADMIN; without them the test is skipped, saying why.
func mountTmpfs(t *testing.T, size string, flags uintptr) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, "size="+size+",mode=0700"); err != nil {
		t.Skipf("cannot mount a %s tmpfs (needs root or CAP_SYS_ADMIN): %v", size, err)
	}
	// Registered after TempDir's removal, so it runs before it; MNT_DETACH
	// so a file a failing test left open cannot keep the mount alive.
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fillDisk writes a filler file in dir until the file system is full and
// returns its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			return path
		}
	}
}

// TestReadOnlyFileSystemIsAClearError: a database on a read-only mount
// (which stops root too, unlike chmod) is refused at Open with a sentence
// that names the file, says the file system is read-only and points at
// --db; an existing database there is refused the same way.
func TestReadOnlyFileSystemIsAClearError(t *testing.T) {
	dir := mountTmpfs(t, "1m", syscall.MS_RDONLY)
	path := filepath.Join(dir, "hookscope.db")
	_, err := Open(path, Options{})
	if err == nil {
		t.Fatal("opened a database on a read-only file system")
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "read-only") || !strings.Contains(msg, "--db") {
		t.Fatalf("message does not say what to do: %v", err)
	}

	// An existing database on a file system remounted read-only.
	dir = mountTmpfs(t, "1m", 0)
	path = filepath.Join(dir, "hookscope.db")
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot remount read-only: %v", err)
	}
	_, err = Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("existing database on a read-only file system: %v", err)
	}
}

// TestFullDiskAppendFailsThenRecovers: on a full disk Append returns an
// error that says the disk is full (never an ID for a record that is not
// there); every ID it did return is readable; once space is freed the very
// next Append succeeds without reopening, and the file passes Check and
// holds everything acknowledged after a reopen.
func TestFullDiskAppendFailsThenRecovers(t *testing.T) {
	dir := mountTmpfs(t, "2m", 0)
	path := filepath.Join(dir, "hookscope.db")
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	acked := map[uint64][]byte{}
	appendOne := func(i int) (uint64, error) {
		body := bytes.Repeat([]byte{byte('a' + i%26)}, 3000+i%5000)
		id, err := st.Append(ctx, sampleRecord(fmt.Sprintf("/full/%d", i), body))
		if err == nil {
			acked[id] = body
		}
		return id, err
	}
	for i := range 20 {
		if _, err := appendOne(i); err != nil {
			t.Fatalf("append %d before the disk filled: %v", i, err)
		}
	}
	filler := fillDisk(t, dir)

	// Pages bbolt already owns may still take a few records; keep going
	// until the disk really refuses one.
	var failure error
	for i := 20; i < 2000 && failure == nil; i++ {
		id, err := appendOne(i)
		if err != nil {
			if id != 0 {
				t.Fatalf("failed Append returned ID %d", id)
			}
			failure = err
		}
	}
	if failure == nil {
		t.Fatal("2000 appends on a full disk all succeeded")
	}
	if !errors.Is(failure, syscall.ENOSPC) || !strings.Contains(failure.Error(), "no space left") || !strings.Contains(failure.Error(), path) {
		t.Fatalf("full-disk error does not say so: %v", failure)
	}
	t.Logf("on a full disk: %v", failure)
	// Still full: still an error, and the store keeps serving reads.
	if _, err := appendOne(9999); err == nil {
		t.Fatal("Append succeeded while the disk was still full")
	}
	for id, body := range acked {
		rec, err := st.Get(id)
		if err != nil || !bytes.Equal(rec.Body, body) {
			t.Fatalf("acknowledged request %d unreadable on a full disk: %v", id, err)
		}
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := appendOne(10000 + i); err != nil {
			t.Fatalf("append after space was freed: %v", err)
		}
	}
	if err := st.Check(); err != nil {
		t.Fatalf("check after a full disk: %v", err)
	}
	st.Close()

	st2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if err := st2.Check(); err != nil {
		t.Fatalf("check after reopen: %v", err)
	}
	if n, _ := st2.Count(); n != len(acked) {
		t.Fatalf("%d stored after reopen, %d acknowledged", n, len(acked))
	}
	for id, body := range acked {
		rec, err := st2.Get(id)
		if err != nil || !bytes.Equal(rec.Body, body) {
			t.Fatalf("acknowledged request %d lost: %v", id, err)
		}
	}
}

// TestFullDiskSettingWriteFails: a setting that cannot be written is an
// error, and the old value stays.
func TestFullDiskSettingWriteFails(t *testing.T) {
	dir := mountTmpfs(t, "1m", 0)
	st, err := Open(filepath.Join(dir, "hookscope.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.PutSetting("k", []byte("old")); err != nil {
		t.Fatal(err)
	}
	filler := fillDisk(t, dir)
	big := bytes.Repeat([]byte("v"), 256<<10)
	if err := st.PutSetting("k", big); err == nil {
		t.Fatal("a 256 KiB setting was written to a full disk")
	}
	if v, _ := st.Setting("k"); string(v) != "old" {
		t.Fatalf("setting after a failed write: %.20q", v)
	}
	os.Remove(filler)
	if err := st.PutSetting("k", big); err != nil {
		t.Fatalf("setting after space was freed: %v", err)
	}
}
