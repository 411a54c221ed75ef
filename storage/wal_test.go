package storage

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// writeLogFrames appends frames for recs, under IDs from first on, to the
// log of the (closed) database at path, as a writer killed before its
// applier ran leaves them. It returns the log's length before them.
func writeLogFrames(t *testing.T, path string, first uint64, recs []*Record) int64 {
	t.Helper()
	f, err := os.OpenFile(path+walSuffix, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	seed := logSeed(t, f)
	var buf []byte
	for i, rec := range recs {
		buf, _ = appendFrame(buf, first+uint64(i), rec, seed)
	}
	if _, err := f.WriteAt(buf, fi.Size()); err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// logSeed is the checksum seed of the log's current generation.
func logSeed(t *testing.T, f *os.File) uint32 {
	t.Helper()
	var h [walHeaderSize]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		t.Fatal(err)
	}
	return crc32.Checksum(h[16:], crcTable)
}

// newClosedStore makes an empty store and closes it, so a test can write
// its log as a killed process would leave it; it returns the path.
func newClosedStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hookscope.db")
	if err := mustOpen(t, path).Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustOpen(t *testing.T, path string) *Store {
	t.Helper()
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func bodyN(i int) []byte {
	return []byte(fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat("x", i%50)))
}

// TestLogReplayedAtOpen: requests only in the log (acknowledged, never
// applied) are in the database after Open, readable by every path, in
// order, counted, and the next Append continues after them; the log is
// back to its header.
func TestLogReplayedAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookscope.db")
	st := mustOpen(t, path)
	for i := range 3 {
		if _, err := st.Append(context.Background(), sampleRecord("/before", bodyN(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	var recs []*Record
	for i := range 5 {
		recs = append(recs, sampleRecord(fmt.Sprintf("/logged/%d", i), bodyN(100+i)))
	}
	writeLogFrames(t, path, 4, recs)

	st = mustOpen(t, path)
	defer st.Close()
	if fi, err := os.Stat(path + walSuffix); err != nil || fi.Size() != walHeaderSize || fi.Mode().Perm() != 0o600 {
		t.Fatalf("log after replay: %v, %v (want %d bytes, mode 0600)", fi.Size(), err, walHeaderSize)
	}
	for i := range 5 {
		rec, err := st.Get(uint64(4 + i))
		if err != nil {
			t.Fatalf("logged request %d not replayed: %v", 4+i, err)
		}
		if rec.Path != fmt.Sprintf("/logged/%d", i) || !bytes.Equal(rec.Body, bodyN(100+i)) || rec.Header.Get("X-Repeat") != "one" {
			t.Fatalf("request %d replayed wrong: %+v", 4+i, rec)
		}
	}
	if n, err := st.Count(); err != nil || n != 8 {
		t.Fatalf("count %d, %v; want 8", n, err)
	}
	sums, err := st.Summaries(0, 0)
	if err != nil || len(sums) != 8 || sums[7].ID != 8 {
		t.Fatalf("summaries %d, %v", len(sums), err)
	}
	id, err := st.Append(context.Background(), sampleRecord("/after", nil))
	if err != nil || id != 9 {
		t.Fatalf("next append got %d, %v; want 9", id, err)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestTornFrameIsDropped: a frame cut short (the process died writing it,
// so it was never acknowledged) or failing its checksum is dropped with
// anything after it; the frames before it are replayed; the next ID
// follows the last good frame.
func TestTornFrameIsDropped(t *testing.T) {
	for _, tc := range []struct {
		name string
		harm func(log []byte, lastStart int64) []byte
	}{
		{"cut", func(log []byte, last int64) []byte { return log[:len(log)-7] }},
		{"header only", func(log []byte, last int64) []byte { return log[:last+3] }},
		{"bad checksum", func(log []byte, last int64) []byte { log[len(log)-1] ^= 0xff; return log }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hookscope.db")
			st, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
			writeLogFrames(t, path, 1, []*Record{sampleRecord("/a", bodyN(1)), sampleRecord("/b", bodyN(2))})
			last := writeLogFrames(t, path, 3, []*Record{sampleRecord("/torn", bodyN(3))})
			log, err := os.ReadFile(path + walSuffix)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path+walSuffix, tc.harm(log, last), 0o600); err != nil {
				t.Fatal(err)
			}
			st, err = Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for id, want := range map[uint64]string{1: "/a", 2: "/b"} {
				if rec, err := st.Get(id); err != nil || rec.Path != want {
					t.Fatalf("good frame %d: %v, %v", id, rec, err)
				}
			}
			if _, err := st.Get(3); err == nil {
				t.Fatal("the torn frame was replayed")
			}
			if n, _ := st.Count(); n != 2 {
				t.Fatalf("count %d, want 2", n)
			}
			if id, err := st.Append(context.Background(), sampleRecord("/next", nil)); err != nil || id != 3 {
				t.Fatalf("next append got %d, %v; want 3", id, err)
			}
		})
	}
}

// TestLogNeverResurrects: frames already applied are not written again,
// so a request deleted since stays deleted; and a log whose header names
// another database (left beside a file that was replaced) is ignored.
func TestLogNeverResurrects(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookscope.db")
	st := mustOpen(t, path)
	for i := range 3 {
		st.Append(context.Background(), sampleRecord("/x", bodyN(i)))
	}
	if err := st.Delete(2); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// A stale frame for ID 2, as a log not yet started again holds.
	writeLogFrames(t, path, 2, []*Record{sampleRecord("/stale", nil)})
	st = mustOpen(t, path)
	if _, err := st.Get(2); err == nil {
		t.Fatal("a deleted request came back from the log")
	}
	st.Close()

	// The database replaced by a new one: its old log must not fill it.
	log, err := os.ReadFile(path + walSuffix)
	if err != nil {
		t.Fatal(err)
	}
	var buf []byte
	buf, _ = appendFrame(buf, 1, sampleRecord("/old", nil), crc32.Checksum(log[16:walHeaderSize], crcTable))
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	st, err = Open(path, Options{}) // a new identity
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := os.WriteFile(path+walSuffix, append(log[:walHeaderSize], buf...), 0o600); err != nil {
		t.Fatal(err)
	}
	st = mustOpen(t, path)
	defer st.Close()
	if n, _ := st.Count(); n != 0 {
		t.Fatalf("another database's log was replayed: %d requests", n)
	}
}

// TestLogIsNotFollowedThroughALink: a symbolic link at the log's name is
// refused, so captured requests are never written where it points.
func TestLogIsNotFollowedThroughALink(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hookscope.db")
	target := filepath.Join(dir, "elsewhere")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path+walSuffix); err != nil {
		t.Fatal(err)
	}
	st, err := Open(path, Options{})
	if err == nil {
		st.Close()
		t.Fatal("opened with a link as its log")
	}
	if !strings.Contains(err.Error(), path+walSuffix) {
		t.Fatalf("error does not name the log: %v", err)
	}
	if fi, _ := os.Stat(target); fi.Size() != 0 {
		t.Fatal("wrote through the link")
	}
}

// TestKilledBeforeApplyLosesNothingAcknowledged runs a child process
// (this test binary) that appends with its applier held, so every request
// it acknowledges is only in the log, and SIGKILLs it mid-stream. Every ID
// the child printed (it prints after Append returned) must be in the
// database after reopening.
func TestKilledBeforeApplyLosesNothingAcknowledged(t *testing.T) {
	if path := os.Getenv("HOOKSCOPE_WAL_CHILD"); path != "" {
		walChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "hookscope.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledBeforeApplyLosesNothingAcknowledged$")
	cmd.Env = append(os.Environ(), "HOOKSCOPE_WAL_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []uint64
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(acked) < 40 {
		if id, err := strconv.ParseUint(strings.TrimPrefix(sc.Text(), "acked "), 10, 64); err == nil && strings.HasPrefix(sc.Text(), "acked ") {
			acked = append(acked, id)
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if len(acked) < 40 {
		t.Fatalf("the child acknowledged only %d requests", len(acked))
	}
	st := mustOpen(t, path)
	defer st.Close()
	for _, id := range acked {
		rec, err := st.Get(id)
		if err != nil {
			t.Fatalf("request %d was acknowledged but is not in the database after SIGKILL: %v", id, err)
		}
		if !bytes.Equal(rec.Body, bodyN(int(id))) {
			t.Fatalf("request %d has the wrong body", id)
		}
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

func walChild(path string) {
	holdApply = make(chan struct{}) // never closed: nothing reaches bbolt
	st, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for i := 1; ; i++ {
		id, err := st.Append(context.Background(), sampleRecord("/k", bodyN(i)))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("acked %d\n", id)
		if i > 60 {
			time.Sleep(time.Hour) // the applier is held: wait for the kill
		}
	}
}

// TestReadsWaitForWhatWasAcknowledged: a request acknowledged from the
// log but not yet in bbolt is not missed by a read: Get, Summaries and
// Count wait for the applier and then see it (a sender that posts and then
// shows, or a window told of a new request, never finds it missing).
func TestReadsWaitForWhatWasAcknowledged(t *testing.T) {
	hold := make(chan struct{})
	holdApply = hold
	st, _ := openTemp(t)
	holdApply = nil // the store took it at Open
	var once sync.Once
	release := func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release) // before the store's Close, which waits for the applier
	id, err := st.Append(context.Background(), sampleRecord("/seen", bodyN(7)))
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		rec  *Record
		sums []Summary
		n    int
		err  error
	}
	done := make(chan got, 1)
	go func() {
		var g got
		g.rec, g.err = st.Get(id)
		if g.err == nil {
			g.sums, g.err = st.Summaries(0, 0)
		}
		if g.err == nil {
			g.n, g.err = st.Count()
		}
		done <- g
	}()
	// While the applier is held the read must wait, not answer "no such
	// request". 200 ms is far longer than a read of an open store takes
	// (microseconds), so an answer in that time would be a wrong one.
	select {
	case g := <-done:
		t.Fatalf("a read answered before the request was applied: %+v", g)
	case <-time.After(200 * time.Millisecond):
	}
	release()
	var g got
	select {
	case g = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the read still waits 10 s after the applier was let go")
	}
	if g.err != nil || g.rec.Path != "/seen" || len(g.sums) != 1 || g.sums[0].ID != id || g.n != 1 {
		t.Fatalf("after applying: %+v", g)
	}
}

// TestLogKeepsItsRoom: the log is written ahead with zeros (so a group's
// sync flushes data, not a new length) and, started again, keeps its
// length and is written over from its header. Requests logged across many
// restarts of the log are all read back, after the store is opened again
// too, none twice.
func TestLogKeepsItsRoom(t *testing.T) {
	defer func(was int64) { walResetAt = was }(walResetAt)
	walResetAt = 4 << 10 // start the log again every few requests
	path := filepath.Join(t.TempDir(), "hookscope.db")
	st := mustOpen(t, path)
	defer func() { st.Close() }()
	head, err := os.ReadFile(path + walSuffix)
	if err != nil {
		t.Fatal(err)
	}
	firstGen := head[16:walHeaderSize]
	const n = 60
	for i := 1; i <= n; i++ {
		id, err := st.Append(context.Background(), sampleRecord("/room", bodyN(i)))
		if err != nil || id != uint64(i) {
			t.Fatalf("append %d: %d, %v", i, id, err)
		}
		fi, err := os.Stat(path + walSuffix)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() != walGrowStep {
			t.Fatalf("after request %d the log is %d bytes; want its room of %d kept", i, fi.Size(), walGrowStep)
		}
	}
	if st.walSize >= walResetAt+2<<10 {
		t.Fatalf("the log was never started again: it holds %d bytes", st.walSize)
	}
	// Each start drew a new generation: the header no longer names the
	// first one.
	if head, err := os.ReadFile(path + walSuffix); err != nil || bytes.Equal(head[16:walHeaderSize], firstGen) {
		t.Fatalf("the log started again under the same generation (%v)", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = mustOpen(t, path)
	if c, err := st.Count(); err != nil || c != n {
		t.Fatalf("count after reopening %d, %v; want %d", c, err, n)
	}
	for i := 1; i <= n; i++ {
		rec, err := st.Get(uint64(i))
		if err != nil || !bytes.Equal(rec.Body, bodyN(i)) {
			t.Fatalf("request %d after reopening: %v", i, err)
		}
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestOlderFramesPastTheLogAreNotReplayed: a log started again holds its
// new frames, then bytes from before it started again: frames of the
// earlier generation (already in the database, one since deleted) and
// frames carrying the very next IDs, as a sender's body could hold them
// shaped, then zeros. Open writes the new frames only: the earlier
// generation's fail the new one's checksum, a deleted request stays
// deleted and nothing a body carried becomes a request.
func TestOlderFramesPastTheLogAreNotReplayed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookscope.db")
	st := mustOpen(t, path)
	for i := 1; i <= 5; i++ {
		if _, err := st.Append(context.Background(), sampleRecord("/old", bodyN(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Delete(3); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(path + walSuffix)
	if err != nil {
		t.Fatal(err)
	}
	seed := crc32.Checksum(log[16:walHeaderSize], crcTable)
	earlier := seed + 1 // any other generation's
	var newer, older []byte
	newer, _ = appendFrame(newer, 6, sampleRecord("/new", bodyN(6)), seed)
	newer, _ = appendFrame(newer, 7, sampleRecord("/new", bodyN(7)), seed)
	for id := uint64(3); id <= 5; id++ {
		older, _ = appendFrame(older, id, sampleRecord("/stale", bodyN(int(id))), earlier)
	}
	for id := uint64(8); id <= 9; id++ {
		older, _ = appendFrame(older, id, sampleRecord("/injected", nil), earlier)
	}
	log = append(append(append(log[:walHeaderSize], newer...), older...), make([]byte, 64<<10)...)
	if err := os.WriteFile(path+walSuffix, log, 0o600); err != nil {
		t.Fatal(err)
	}
	st = mustOpen(t, path)
	defer st.Close()
	if _, err := st.Get(3); err == nil {
		t.Fatal("a deleted request came back from an older frame")
	}
	for id := uint64(4); id <= 7; id++ {
		rec, err := st.Get(id)
		if err != nil || !bytes.Equal(rec.Body, bodyN(int(id))) {
			t.Fatalf("request %d: %v", id, err)
		}
		if want := map[bool]string{true: "/old", false: "/new"}[id <= 5]; rec.Path != want {
			t.Fatalf("request %d has path %s; want %s (an older frame was written over it)", id, rec.Path, want)
		}
	}
	for id := uint64(8); id <= 9; id++ {
		if rec, err := st.Get(id); err == nil {
			t.Fatalf("a frame of an earlier generation became request %d (%s)", id, rec.Path)
		}
	}
	if c, err := st.Count(); err != nil || c != 6 {
		t.Fatalf("count %d, %v; want 6", c, err)
	}
	if id, err := st.Append(context.Background(), sampleRecord("/next", nil)); err != nil || id != 8 {
		t.Fatalf("next append %d, %v; want 8", id, err)
	}
}

// TestLogReplayedInBatches: a log longer than one replay batch is read a
// frame at a time and written in several transactions, all of it, in
// order; a frame after them claiming 4 GB (a damaged or hostile log) ends
// the log without Open trying to read or hold that much.
func TestLogReplayedInBatches(t *testing.T) {
	defer func(was int) { replayBatchBytes = was }(replayBatchBytes)
	replayBatchBytes = 2 << 10 // a few frames per transaction
	path := newClosedStore(t)
	var recs []*Record
	for i := range 200 {
		recs = append(recs, sampleRecord(fmt.Sprintf("/batch/%d", i), bodyN(i)))
	}
	writeLogFrames(t, path, 1, recs)
	f, err := os.OpenFile(path+walSuffix, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Length 0xFFFFFFF0 and a checksum, then a few bytes: far less than
	// it claims.
	if _, err := f.Write([]byte{0xff, 0xff, 0xff, 0xf0, 1, 2, 3, 4, 'x', 'y', 'z'}); err != nil {
		t.Fatal(err)
	}
	f.Close()

	st := mustOpen(t, path)
	defer st.Close()
	if c, err := st.Count(); err != nil || c != 200 {
		t.Fatalf("count %d, %v; want 200", c, err)
	}
	for i := range 200 {
		rec, err := st.Get(uint64(i + 1))
		if err != nil || rec.Path != fmt.Sprintf("/batch/%d", i) || !bytes.Equal(rec.Body, bodyN(i)) {
			t.Fatalf("request %d after replay: %v", i+1, err)
		}
	}
	if id, err := st.Append(context.Background(), sampleRecord("/next", nil)); err != nil || id != 201 {
		t.Fatalf("next append %d, %v; want 201", id, err)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestHugeLogIsNotReadWhole: a log of 8 GB (sparse: a few frames, then
// zeros) opens, replays its frames and stops at the zeros, allocating a
// few MB rather than reading the file into memory.
func TestHugeLogIsNotReadWhole(t *testing.T) {
	path := newClosedStore(t)
	writeLogFrames(t, path, 1, []*Record{sampleRecord("/a", bodyN(1)), sampleRecord("/b", bodyN(2))})
	if err := os.Truncate(path+walSuffix, 8<<30); err != nil {
		t.Skipf("cannot make a sparse 8 GB file here: %v", err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	st, err := Open(path, Options{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Fatalf("opening allocated %d MB for an 8 GB log", grew>>20)
	}
	if c, err := st.Count(); err != nil || c != 2 {
		t.Fatalf("count %d, %v; want 2", c, err)
	}
	if fi, err := os.Stat(path + walSuffix); err != nil || fi.Size() != walHeaderSize {
		t.Fatalf("log after replay: %v, %v; want it started again", fi.Size(), err)
	}
}

// TestLogOfTheFirstFormatIsReplayed: a log written before generations (a
// 16-byte header, checksums of the payload alone), as an older Hookscope
// killed before applying it leaves it, is still written into the
// database at Open, and the log then starts again in the new format.
func TestLogOfTheFirstFormatIsReplayed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookscope.db")
	st := mustOpen(t, path)
	st.Append(context.Background(), sampleRecord("/before", bodyN(1)))
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(path + walSuffix)
	if err != nil {
		t.Fatal(err)
	}
	old := append(append([]byte(nil), walMagicV1[:]...), log[8:16]...) // same identity
	for id := uint64(2); id <= 4; id++ {
		old, _ = appendFrame(old, id, sampleRecord("/v1", bodyN(int(id))), 0)
	}
	if err := os.WriteFile(path+walSuffix, old, 0o600); err != nil {
		t.Fatal(err)
	}
	st = mustOpen(t, path)
	defer st.Close()
	for id := uint64(2); id <= 4; id++ {
		rec, err := st.Get(id)
		if err != nil || rec.Path != "/v1" || !bytes.Equal(rec.Body, bodyN(int(id))) {
			t.Fatalf("request %d from the first format's log: %v", id, err)
		}
	}
	head, err := os.ReadFile(path + walSuffix)
	if err != nil || len(head) != walHeaderSize || !bytes.Equal(head[:8], walMagic[:]) {
		t.Fatalf("log after replay: %d bytes, %v; want a fresh header of the new format", len(head), err)
	}
}

// TestLargeFrameAndDamagedLength: a frame above maxHeldFrame (a 3 MB
// body) is checked while streamed and then replayed; a damaged length
// after it, claiming 200 MB of a 300 MB file, is found wrong without Open
// holding those bytes.
func TestLargeFrameAndDamagedLength(t *testing.T) {
	path := newClosedStore(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 3<<20/16)
	end := writeLogFrames(t, path, 1, []*Record{sampleRecord("/big", big)})
	f, err := os.OpenFile(path+walSuffix, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	if fi.Size() <= end {
		t.Fatalf("the frame was not written: log %d bytes", fi.Size())
	}
	// 200 MB claimed, a wrong checksum, then nothing but a sparse tail.
	if _, err := f.WriteAt([]byte{0x0c, 0x80, 0x00, 0x00, 9, 9, 9, 9}, fi.Size()); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(300 << 20); err != nil {
		t.Skipf("no sparse file here: %v", err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	st, err := Open(path, Options{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 40<<20 {
		t.Fatalf("opening allocated %d MB: the damaged length was held", grew>>20)
	}
	rec, err := st.Get(1)
	if err != nil || !bytes.Equal(rec.Body, big) {
		t.Fatalf("the 3 MB frame was not replayed: %v", err)
	}
	if c, _ := st.Count(); c != 1 {
		t.Fatalf("count %d; want 1", c)
	}
}
