package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout this build writes. Open migrates older files
// forward and refuses newer ones.
// Schema 2 keeps a replay's headers and bodies apart from its metadata.
const SchemaVersion = 2

var ()

// ErrNotFound is returned for an ID that is not in the store.
var ErrNotFound = errors.New("no such request")

// ErrInUse is wrapped by Open when another process holds the file.
var ErrInUse = errors.New("database in use")

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("the store is closed")

// Options tune Open. The zero value is what the app uses.
type Options struct {
	// LockTimeout bounds the wait for another process's file lock.
	LockTimeout time.Duration
	// NoSync turns off fsync; only benchmarks that measure its cost use it.
	NoSync bool
	// OnCommit, when set, is told of each group commit of Append, on the
	// writer's goroutine after the commit returns (see CommitInfo).
	OnCommit func(CommitInfo)
}

// Store is a bbolt file of captured requests with a single group-commit
// writer.
type Store struct {
	path    string
	db      *bolt.DB
	appends chan *pendingAppend
	wg      sync.WaitGroup
	mu      sync.RWMutex // guards closed against Append racing Close
	closed  bool
	// onCommit is Options.OnCommit; set before the writer starts.
	onCommit func(CommitInfo)
	noSync   bool

	// The capture log (wal.go). The writer owns wal, walSize and nextID
	// (the last ID handed out); it passes each logged group to the applier
	// through applyq.
	wal     *walFile
	walSize int64
	// walRoom is how far the log file is written and synced: zeros (or
	// frames of an earlier generation) past walSize; walSize itself when
	// no room could be reserved.
	walRoom   int64
	walNoRoom bool // reserving room failed; not tried again until reset
	nextID    uint64
	applyq    chan []walEntry
	// wanted tells the applier a reader waits for it: apply now rather
	// than gather for applyEvery.
	wanted chan struct{}
	ap     applyState
	hold   chan struct{} // holdApply when opened (tests)
}

type pendingAppend struct {
	rec  *Record
	id   uint64
	err  error
	done chan struct{}
}

// Open opens or creates the database at path. Errors are sentences a person
// can act on: a locked file names the other Hookscope, a damaged one says to
// move it aside.
func Open(path string, opt Options) (st *Store, err error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = time.Second
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create the folder for the database %s: %w", path, err)
		}
	}
	// bbolt panics on some kinds of damage; a damaged file must be an error.
	defer func() {
		if r := recover(); r != nil {
			st, err = nil, damagedError(path, fmt.Errorf("%v", r))
		}
	}()
	// A file cut short makes bbolt read its freelist past the end of the
	// mapping: a fault, which kills the process unless turned into a panic.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	db, err := openCurrent(path, opt)
	if err != nil {
		return nil, err
	}
	// Caught here, a short file cannot fault later on another goroutine.
	if err := checkLength(db); err != nil {
		db.Close()
		return nil, damagedError(path, err)
	}
	if err := checkOwnBuckets(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("the database %s %v: move it aside or use --db", path, err)
	}
	if err := initSchema(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("the database %s: %w", path, err)
	}
	wal, newest, err := openWAL(path, db, opt.NoSync)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{path: path, db: db, appends: make(chan *pendingAppend, 1024), onCommit: opt.OnCommit,
		noSync: opt.NoSync, wal: wal, walSize: walHeaderSize, walRoom: walHeaderSize, nextID: newest, applyq: make(chan []walEntry, 64),
		wanted: make(chan struct{}, 1), hold: holdApply}
	s.ap.cond = sync.NewCond(&s.ap.mu)
	s.ap.acked, s.ap.applied = newest, newest
	s.ap.pending = map[uint64]*walEntry{}
	s.wg.Add(2)
	go s.writeLoop()
	go s.applyLoop()
	return s, nil
}

// openCurrent opens path and takes its lock, making sure the locked file is
// still the one at path. `compact` renames a new file over the old while it
// holds the old one's lock; a process that opened the old file and waited
// for that lock would otherwise write into an unlinked file and lose every
// request it acknowledged.
func openCurrent(path string, opt Options) (*bolt.DB, error) {
	deadline := time.Now().Add(opt.LockTimeout)
	for {
		wait := time.Until(deadline)
		if wait <= 0 {
			return nil, inUseError{path}
		}
		var file *os.File
		keepFile := func(name string, flag int, mode os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, mode)
			file = f
			return f, err
		}
		db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: wait, NoSync: opt.NoSync, OpenFile: keepFile})
		if err != nil {
			return nil, openError(path, err)
		}
		same, err := isFileAt(file, path)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("cannot open the database %s: %w", path, err)
		}
		if same {
			return db, nil
		}
		db.Close() // replaced while we waited: open the new one
	}
}

// isFileAt reports whether f is the file now named path.
func isFileAt(f *os.File, path string) (bool, error) {
	held, err := f.Stat()
	if err != nil {
		return false, err
	}
	named, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(held, named), nil
}

// checkOwnBuckets refuses a bbolt file that belongs to another program:
// one with buckets Hookscope does not know, or with data but no schema.
// Adopting it would write our buckets into someone else's database.
func checkOwnBuckets(db *bolt.DB) error {
	return db.View(func(tx *bolt.Tx) error {
		var foreign []string
		n := 0
		err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			n++
			if !slices.ContainsFunc(allBuckets(), func(b []byte) bool { return string(b) == string(name) }) {
				foreign = append(foreign, fmt.Sprintf("%q", name))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(foreign) > 0 {
			if len(foreign) > 3 {
				foreign = append(foreign[:3], "…")
			}
			return fmt.Errorf("is not a Hookscope database (it holds buckets %s)", strings.Join(foreign, ", "))
		}
		if n > 0 {
			if meta := tx.Bucket(bucketMeta); meta == nil || meta.Get(keySchema) == nil {
				return errors.New("is not a Hookscope database (it has no schema version)")
			}
		}
		// The ends of the request keys are what every start reads (the
		// newest ID, the oldest); checking them costs two seeks, where
		// checking every key would walk the whole file.
		if b := tx.Bucket(bucketSummaries); b != nil {
			c := b.Cursor()
			for _, k := range [][]byte{firstKey(c), lastKey(c)} {
				if _, err := checkedID(k); k != nil && err != nil {
					return errors.New("is damaged (a request key has the wrong length)")
				}
			}
		}
		return nil
	})
}

func firstKey(c *bolt.Cursor) []byte { k, _ := c.First(); return k }
func lastKey(c *bolt.Cursor) []byte  { k, _ := c.Last(); return k }

// checkLength refuses a file shorter than the pages its own meta says it
// has, as a copy or disk that ran out part way leaves it.
func checkLength(db *bolt.DB) error {
	fi, err := os.Stat(db.Path())
	if err != nil {
		return err
	}
	return db.View(func(tx *bolt.Tx) error {
		if need := tx.Size(); fi.Size() < need {
			return fmt.Errorf("the file is %d bytes but its pages reach %d: it was cut short", fi.Size(), need)
		}
		return nil
	})
}

func openError(path string, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return inUseError{path}
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("cannot open the database %s: permission denied (check the owner and mode of the file and its folder, or use --db)", path)
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("cannot open the database %s: the file system is read-only (use --db to put it on a writable disk)", path)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch),
		errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrInvalidMapping):
		return damagedError(path, err)
	case strings.Contains(err.Error(), "file size too small"):
		// bbolt's own words for a file shorter than its two meta pages.
		if fi, serr := os.Stat(path); serr == nil {
			err = fmt.Errorf("the file is only %d bytes, too short to hold a database", fi.Size())
		}
		return damagedError(path, err)
	}
	return fmt.Errorf("cannot open the database %s: %w", path, err)
}

type inUseError struct{ path string }

func (e inUseError) Error() string {
	return fmt.Sprintf("the database %s is in use by another Hookscope (close it or use --db)", e.path)
}

func (e inUseError) Unwrap() error { return ErrInUse }

// writeError says what a failed commit means for the user: a full or
// read-only disk is named as such, since the fix is outside Hookscope.
func writeError(path string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return fmt.Errorf("the disk holding %s is full: free some space and the next write goes through (%w)", path, err)
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("the file system holding %s is read-only: remount it writable or use --db (%w)", path, err)
	}
	return fmt.Errorf("cannot write to %s: %w", path, err)
}

func damagedError(path string, cause error) error {
	return fmt.Errorf("the database %s is damaged or is not a Hookscope database (%v): move it aside and Hookscope will start a new one, or use --db", path, cause)
}

// initSchema brings the file to SchemaVersion, refusing a newer one.
func initSchema(db *bolt.DB) error {
	if err := prepareSchema(db); err != nil {
		return err
	}
	return splitReplays(db, splitBatchBytes, -1)
}

// prepareSchema creates the buckets and writes the version, in one
// transaction, marking the migrations that follow it.
func prepareSchema(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		version := uint64(0)
		if v := meta.Get(keySchema); len(v) == 8 {
			version = binary.BigEndian.Uint64(v)
		}
		if version > SchemaVersion {
			return fmt.Errorf("was written by a newer Hookscope (schema %d; this one knows up to %d): upgrade Hookscope or use --db", version, SchemaVersion)
		}
		for _, name := range allBuckets() {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		// A new file (version 0) starts at the current layout. Schema 1 → 2
		// splits the replays (migrate.go): marked here together with the
		// new version, so an older Hookscope refuses the file from now on,
		// and done after this transaction in batches, each recording where
		// the next starts: a kill between them resumes at the next Open.
		if version == 1 {
			if err := meta.Put(keySplitFrom, idKey(0)); err != nil {
				return err
			}
		}
		if err := ensureCount(tx); err != nil {
			return err
		}
		return meta.Put(keySchema, idKey(SchemaVersion))
	})
}

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Close waits for queued appends to commit, then closes the file.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.appends)
	s.mu.Unlock()
	s.wg.Wait()
	werr := s.closeWAL()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close the database %s: %w", s.path, err)
	}
	return werr
}

func idKey(id uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, id)
	return k
}

// errBadKey is returned when a key read from disk is not the 8 bytes every
// request, replay and history key has: the file was damaged or written by
// something else, and reading on would panic.
var errBadKey = errors.New("a record key has the wrong length: the database file is damaged (move it aside, or use --db)")

// keyID decodes a key; a key of the wrong length is 0, which no record
// has (sequences start at 1). Walks that must report damage use checkedID.
func keyID(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// checkedID decodes a key read from disk, refusing one of the wrong length.
func checkedID(k []byte) (uint64, error) {
	if len(k) != 8 {
		return 0, fmt.Errorf("%w (%d bytes, expected 8)", errBadKey, len(k))
	}
	return binary.BigEndian.Uint64(k), nil
}

// detailCodecVersion starts a binary detail. Details were JSON at first,
// but JSON replaces bytes that are not UTF-8 with U+FFFD, and a sender's
// header or query must come back byte for byte. A JSON detail starts with
// '{', so old records still read.
const detailCodecVersion = 1

func encodeDetail(r *Record) ([]byte, error) {
	buf := make([]byte, 0, 256)
	buf = append(buf, detailCodecVersion)
	for _, s := range []string{r.RawQuery, r.Proto, r.Host, r.RemoteAddr} {
		buf = appendString(buf, s)
	}
	return appendHeader(buf, r.Header), nil
}

func decodeDetail(raw []byte) (detail, error) {
	var d detail
	if len(raw) > 0 && raw[0] == '{' {
		err := json.Unmarshal(raw, &d)
		return d, err
	}
	r := summaryReader{buf: raw}
	if v := r.byte(); r.err == nil && v != detailCodecVersion {
		return d, errors.New("request details have an unknown format")
	}
	d.RawQuery, d.Proto, d.Host, d.RemoteAddr = r.string(), r.string(), r.string(), r.string()
	d.Header = readHeader(&r)
	if r.err != nil {
		return d, errors.New("request details are cut short")
	}
	return d, nil
}
