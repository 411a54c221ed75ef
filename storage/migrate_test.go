package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// schema1Buckets are the buckets a schema-1 file held, spelled out: the
// layout as it was, not as buckets.go declares it today.
var schema1Buckets = []string{
	"meta", "settings", "summaries", "details", "bodies",
	"replays", "replays_by_source", "drafts", "forwards", "answers",
	"composer_history", "composer_collections", "composer_environments",
}

// writeSchema1 writes a schema-1 file at path with bolt alone: each replay
// one JSON value, headers and bodies included, as schema 1's AppendReplay
// stored it. It returns the replays as schema 1 read them back.
func writeSchema1(tb testing.TB, path string, replays []ReplayRecord) []ReplayRecord {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var want []ReplayRecord
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range schema1Buckets {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		meta := tx.Bucket([]byte("meta"))
		v := make([]byte, 8)
		binary.BigEndian.PutUint64(v, 1)
		if err := meta.Put([]byte("schema_version"), v); err != nil {
			return err
		}
		if err := meta.Put([]byte("request_count"), make([]byte, 8)); err != nil {
			return err
		}
		if err := tx.Bucket([]byte("settings")).Put([]byte(SettingRetention), []byte(`{"max_count":7}`)); err != nil {
			return err
		}
		b, index := tx.Bucket([]byte("replays")), tx.Bucket([]byte("replays_by_source"))
		for _, r := range replays {
			r = limitReplay(r)
			r.ID, _ = b.NextSequence()
			raw, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := b.Put(idKey(r.ID), raw); err != nil {
				return err
			}
			if err := index.Put(sourceKey(r.SourceID, r.ID), nil); err != nil {
				return err
			}
			var back ReplayRecord
			if err := json.Unmarshal(raw, &back); err != nil {
				return err
			}
			want = append(want, back)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return want
}

// schema1Replays covers what a replay can hold: binary bodies, a header
// value that is not UTF-8 (schema 1's JSON had already made it U+FFFD),
// a request body over the limit (size and SHA-256 only), a failed replay.
func schema1Replays(n int, at time.Time) []ReplayRecord {
	var out []ReplayRecord
	for i := range n {
		r := sampleReplay(uint64(i%7+1), []byte{0, 0xff, 0xfe, byte(i), '\n', 0x80})
		r.At = at.Add(time.Duration(i) * time.Second)
		r.RequestHeader["X-Raw"] = []string{"caf\xe9", ""}
		r.ResponseBody = append([]byte{0x1f, 0x8b, 0}, byte(i))
		switch i % 5 {
		case 1:
			r.RequestBody = bytes.Repeat([]byte{0xab}, ReplayRequestBodyLimit+1)
		case 2:
			r.Status, r.ResponseHeader, r.ResponseBody = 0, nil, nil
			r.Error, r.ErrorKind = "connection refused", "refused"
		case 3:
			r.RequestHeader, r.RequestBody = nil, nil
		}
		out = append(out, r)
	}
	return out
}

func schemaVersion(tb testing.TB, st *Store) (version uint64, splitting bool) {
	tb.Helper()
	st.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		version = binary.BigEndian.Uint64(meta.Get(keySchema))
		splitting = meta.Get(keySplitFrom) != nil
		return nil
	})
	return version, splitting
}

// rawBucket copies every key and value of a bucket.
func rawBucket(tb testing.TB, st *Store, name []byte) map[string]string {
	tb.Helper()
	out := map[string]string{}
	err := st.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(name).ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestOpenSplitsSchema1Replays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	at := time.Now().Add(-30 * time.Minute).UTC()
	want := writeSchema1(t, path, schema1Replays(40, at))

	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, splitting := schemaVersion(t, st); v != 2 || splitting {
		t.Fatalf("after the migration: schema %d, still splitting %v", v, splitting)
	}
	for _, w := range want {
		got, err := st.Replay(w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, w) {
			t.Fatalf("replay %d changed:\n got %+v\nwant %+v", w.ID, got, w)
		}
	}
	if got, err := st.Replays(1); err != nil || len(got) != 6 || !reflect.DeepEqual(got[1], want[7]) {
		t.Fatalf("replays of request 1: %d, %v", len(got), err)
	}
	if got, _ := st.Setting(SettingRetention); string(got) != `{"max_count":7}` {
		t.Fatalf("a setting did not survive: %q", got)
	}
	// The metadata holds no header or body, and the monitor's read gets
	// none.
	for k, v := range rawBucket(t, st, bucketReplays) {
		if strings.Contains(v, "request_body\"") || strings.Contains(v, "_headers") {
			t.Fatalf("replay %d's metadata holds headers or bodies: %s", keyID([]byte(k)), v)
		}
	}
	since, err := st.ReplaysSince(at)
	if err != nil || len(since) != len(want) {
		t.Fatalf("ReplaysSince: %d, %v", len(since), err)
	}
	for _, r := range since {
		w := want[r.ID-1]
		if r.RequestHeader != nil || r.RequestBody != nil || r.ResponseHeader != nil || r.ResponseBody != nil {
			t.Fatalf("replay %d came with headers or bodies", r.ID)
		}
		w.RequestHeader, w.RequestBody, w.ResponseHeader, w.ResponseBody = nil, nil, nil, nil
		if !reflect.DeepEqual(r, w) {
			t.Fatalf("metadata of replay %d:\n got %+v\nwant %+v", r.ID, r, w)
		}
	}

	// Reopening changes nothing, and IDs go on from the old sequence.
	before, beforeBodies := rawBucket(t, st, bucketReplays), rawBucket(t, st, bucketReplayBodies)
	st.Close()
	st, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !reflect.DeepEqual(rawBucket(t, st, bucketReplays), before) || !reflect.DeepEqual(rawBucket(t, st, bucketReplayBodies), beforeBodies) {
		t.Fatal("reopening a schema-2 file rewrote its replays")
	}
	if id, err := st.AppendReplay(sampleReplay(1, nil)); err != nil || id != uint64(len(want)+1) {
		t.Fatalf("next replay ID %d, %v", id, err)
	}
}

// TestSplitResumesAfterAKill stops the split after two batches, as a kill
// between commits would, and checks the file is still whole and that the
// next Open finishes the split.
func TestSplitResumesAfterAKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "killed.db")
	want := writeSchema1(t, path, schema1Replays(30, time.Now().UTC()))
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := prepareSchema(db); err != nil {
		t.Fatal(err)
	}
	// A batch is at least one replay: about 1,200 bytes each, five a batch.
	if err := splitReplays(db, 5000, 2); err != nil {
		t.Fatal(err)
	}
	var split int
	db.View(func(tx *bolt.Tx) error {
		split = tx.Bucket(bucketReplayBodies).Stats().KeyN
		return nil
	})
	db.Close()
	if split == 0 || split >= len(want) {
		t.Fatalf("%d of %d replays split before the kill: the test stopped nothing part way", split, len(want))
	}

	// An older Hookscope refuses the half-split file: its version is 2.
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, splitting := schemaVersion(t, st); v != 2 || splitting {
		t.Fatalf("schema %d, still splitting %v", v, splitting)
	}
	if n := len(rawBucket(t, st, bucketReplayBodies)); n != len(want) {
		t.Fatalf("%d replays have bodies, want %d", n, len(want))
	}
	for _, w := range want {
		if got, err := st.Replay(w.ID); err != nil || !reflect.DeepEqual(got, w) {
			t.Fatalf("replay %d after a resumed split: %v\n got %+v\nwant %+v", w.ID, err, got, w)
		}
	}
}

// TestSplitKeepsADamagedReplay: a replay whose JSON does not decode is
// kept as it was and named when read; the file opens and every other
// replay is split.
func TestSplitKeepsADamagedReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "damaged.db")
	want := writeSchema1(t, path, schema1Replays(10, time.Now().UTC()))
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	damaged := []byte(`{"id":4,"source_id":4,"request_body":"AAE`)
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("replays")).Put(idKey(4), damaged) })
	db.Close()

	st, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("one damaged replay kept the file from opening: %v", err)
	}
	defer st.Close()
	if v, splitting := schemaVersion(t, st); v != 2 || splitting {
		t.Fatalf("schema %d, still splitting %v", v, splitting)
	}
	_, err = st.Replay(4)
	if err == nil || !strings.Contains(err.Error(), "replay 4: its record is damaged") {
		t.Fatalf("reading the damaged replay: %v", err)
	}
	if raw := rawBucket(t, st, bucketReplays)[string(idKey(4))]; raw != string(damaged) {
		t.Fatalf("the damaged value was changed to %q", raw)
	}
	for _, w := range want {
		if w.ID == 4 {
			continue
		}
		if got, err := st.Replay(w.ID); err != nil || !reflect.DeepEqual(got, w) {
			t.Fatalf("replay %d: %v", w.ID, err)
		}
	}
	// Deleting its request removes it like any other.
	if err := st.Delete(4); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Replay(4); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after deleting request 4: %v", err)
	}
}

func TestNewFileStartsAtSchema2(t *testing.T) {
	st, _ := openTemp(t)
	if v, splitting := schemaVersion(t, st); v != 2 || splitting {
		t.Fatalf("a new file: schema %d, splitting %v", v, splitting)
	}
}

// TestReplaysSinceReadsNoBodies: ReplaysSince never reads the bodies
// bucket, so damage there leaves it working; showing the replay whole
// says what is wrong.
func TestReplaysSinceReadsNoBodies(t *testing.T) {
	st, _ := openTemp(t)
	r := sampleReplay(1, bytes.Repeat([]byte{1}, 1<<20))
	r.At = time.Now()
	id, err := st.AppendReplay(r)
	if err != nil {
		t.Fatal(err)
	}
	st.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketReplayBodies).Put(idKey(id), []byte{9, 9}) })
	if got, err := st.ReplaysSince(r.At.Add(-time.Minute)); err != nil || len(got) != 1 || got[0].RequestBodySize != 1<<20 {
		t.Fatalf("ReplaysSince: %+v %v", got, err)
	}
	if _, err := st.Replay(id); err == nil || !strings.Contains(err.Error(), "its headers and bodies are damaged") {
		t.Fatalf("Replay: %v", err)
	}
}

// TestHeadersKeepTheirBytes: the bodies bucket is binary, so header values
// that are not UTF-8 come back exactly (schema 1's JSON made them U+FFFD).
func TestHeadersKeepTheirBytes(t *testing.T) {
	st, _ := openTemp(t)
	r := sampleReplay(1, []byte{0xff})
	r.RequestHeader["X-Raw"] = []string{"caf\xe9", "\x00\x80"}
	r.ResponseHeader = http.Header{"Set-Cookie": {"a=\xff"}, "Empty": {}}
	id, err := st.AppendReplay(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Replay(id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.RequestHeader, r.RequestHeader) || !reflect.DeepEqual(got.ResponseHeader, r.ResponseHeader) {
		t.Fatalf("headers changed: %q %q", got.RequestHeader, got.ResponseHeader)
	}
}

// TestDeleteRetentionAndClearRemoveReplayBodies: a request's replays go
// whole, bodies included, however the request goes.
func TestDeleteRetentionAndClearRemoveReplayBodies(t *testing.T) {
	st, _ := openTemp(t)
	now := time.Now()
	fill(t, st, 4, []byte("x"), func(i int) time.Time { return now.Add(time.Duration(i) * time.Second) })
	for _, src := range []uint64{1, 2, 2, 3, 4} {
		if _, err := st.AppendReplay(sampleReplay(src, []byte("body"))); err != nil {
			t.Fatal(err)
		}
	}
	bodies := func() int { return len(rawBucket(t, st, bucketReplayBodies)) }
	if err := st.Delete(2); err != nil {
		t.Fatal(err)
	}
	if n := bodies(); n != 3 {
		t.Fatalf("after deleting request 2: %d replay bodies, want 3", n)
	}
	if n, err := st.Prune(Retention{MaxCount: 1}, now); err != nil || n != 2 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	if n := bodies(); n != 1 {
		t.Fatalf("after retention kept request 4: %d replay bodies, want 1", n)
	}
	if err := st.Clear(); err != nil {
		t.Fatal(err)
	}
	if n := bodies(); n != 0 {
		t.Fatalf("after clear: %d replay bodies", n)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}
