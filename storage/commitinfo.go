package storage

import "time"

// CommitInfo describes one group commit of the Append writer (a write
// of the capture log and its fdatasync, wal.go), for
// Options.OnCommit: the core turns it into metrics without storage knowing
// how they are exported.
type CommitInfo struct {
	// Duration is writing the group to the log and syncing it to disk:
	// what its senders wait for.
	Duration time.Duration
	// Requests is the number of requests the commit held.
	Requests int
	// Err reports a commit that failed; its requests were not stored.
	Err bool
}

// QueueDepth is the number of Appends waiting for the writer: a cheap
// read of the queue's length, for a gauge.
func (s *Store) QueueDepth() int { return len(s.appends) }
