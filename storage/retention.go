package storage

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Retention bounds what is kept; a zero field is no bound.
type Retention struct {
	MaxCount int           `json:"max_count,omitempty"`
	MaxAge   time.Duration `json:"max_age,omitempty"`
	MaxBytes int64         `json:"max_bytes,omitempty"`
}

// Active reports whether any bound is set.
func (r Retention) Active() bool { return r.MaxCount > 0 || r.MaxAge > 0 || r.MaxBytes > 0 }

// perRequestOverhead approximates what a request costs beyond its body
// (summary, headers, keys), so MaxBytes tracks the file's growth.
const perRequestOverhead = 400

// pruneBatch keeps each deleting transaction short, so capture's commits
// interleave with a large cleanup and a crash mid-way loses nothing else.
const pruneBatch = 1000

// Prune deletes what falls outside r, a batch per transaction, and
// returns how many it deleted. Count and size keep the newest IDs; age is
// decided per request by its own time, since IDs follow arrival in the
// store, not the time a request was sent: an imported request from 2020
// gets the newest ID, and must go alone, never take younger captures with
// it.
func (s *Store) Prune(r Retention, now time.Time) (int, error) {
	if !r.Active() {
		return 0, nil
	}
	ids, err := s.pruneCandidates(r, now)
	if err != nil {
		return 0, err
	}
	deleted := 0
	// Candidates are oldest first, so a crash part way has removed the
	// oldest of them and the rest go at the next run.
	for len(ids) > 0 {
		batch := ids[:min(pruneBatch, len(ids))]
		ids = ids[len(batch):]
		if err := s.Delete(batch...); err != nil {
			return deleted, fmt.Errorf("retention: %w", err)
		}
		deleted += len(batch)
	}
	return deleted, nil
}

// pruneCandidates walks from the newest request back and returns, oldest
// first, the IDs r does not keep: everything past the count or size bound,
// and any request older than the age bound.
func (s *Store) pruneCandidates(r Retention, now time.Time) ([]uint64, error) {
	var ids []uint64
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSummaries).Cursor()
		count, bytes := 0, int64(0)
		oldest := now.Add(-r.MaxAge)
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			id, err := checkedID(k)
			if err != nil {
				return err
			}
			at, size, err := summaryTimeSize(v)
			if err != nil {
				return fmt.Errorf("request %d: %w", id, err)
			}
			// An expired request goes on its own and does not count against
			// the other bounds, so it never pushes a kept one out.
			if r.MaxAge > 0 && at.Before(oldest) {
				ids = append(ids, id)
				continue
			}
			count++
			bytes += size + perRequestOverhead
			if (r.MaxCount > 0 && count > r.MaxCount) || (r.MaxBytes > 0 && bytes > r.MaxBytes) {
				ids = append(ids, id)
			}
		}
		return nil
	})
	slices.Reverse(ids)
	return ids, err
}

// CompactFile rewrites the database at path into a new file without the
// free pages deletions left (bbolt never shrinks a file by itself), then
// replaces the original. It holds the original's lock until the new file
// is in place and synced, so no other Hookscope can open the old file in
// between and acknowledge requests into a file about to be unlinked (Open
// checks it locked the file still at path). When the copy would be no
// smaller, the original is kept as it is.
func CompactFile(path string) (before, after int64, err error) {
	src, err := Open(path, Options{LockTimeout: 500 * time.Millisecond})
	if err != nil {
		return 0, 0, err
	}
	defer src.Close() // after the rename: the lock is released last
	removeStaleCompactions(path)
	fiBefore, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	// A fresh name (O_EXCL) in the same folder: never a file someone else
	// prepared, and on the same file system so the rename is atomic.
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+compactSuffix+"*")
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	tmp := f.Name()
	f.Close()
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	// Every transaction of Compact is synced, so dst is on disk once closed.
	err = bolt.Compact(dst, src.db, 64<<20)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	fiAfter, err := os.Stat(tmp)
	if err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if fiAfter.Size() >= fiBefore.Size() {
		os.Remove(tmp)
		return fiBefore.Size(), fiBefore.Size(), nil
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if compactBeforeRename != nil {
		compactBeforeRename()
	}
	// Rename is atomic: a crash leaves either the old file or the new one.
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return 0, 0, fmt.Errorf("compact %s: the new file is in place but the folder could not be synced: %w", path, err)
	}
	return fiBefore.Size(), fiAfter.Size(), nil
}

// compactBeforeRename lets a test act at the moment the race used to lose
// requests: the copy is ready and the original still locked.
var compactBeforeRename func()

// compactSuffix names compaction's temporary copies, path.compact-NNNN.
const compactSuffix = ".compact-"

// removeStaleCompactions deletes copies a compaction killed part way left
// behind. Only called with the database's lock held, so none is in use.
func removeStaleCompactions(path string) {
	matches, _ := filepath.Glob(globEscape(path) + compactSuffix + "*")
	for _, m := range matches {
		if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() && ownedByMe(fi) {
			os.Remove(m)
		}
	}
}

func globEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(s)
}

func ownedByMe(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
