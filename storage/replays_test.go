package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"testing"
	"time"
)

func sampleReplay(source uint64, body []byte) ReplayRecord {
	return ReplayRecord{
		SourceID: source, At: time.Date(2026, 3, 1, 12, 0, 0, 5, time.UTC),
		Target: "http://localhost:3000/hooks?a=1", Method: "POST", Resigned: "stripe",
		RequestHeader: http.Header{"X-Repeat": {"1", "2"}}, RequestBody: body,
		Status: 201, ResponseHeader: http.Header{"Content-Type": {"application/json"}},
		ResponseBody: []byte(`{"ok":true}`),
		Timing:       ReplayTiming{DNSMs: 0, ConnectMs: 0.25, TLSMs: 0, FirstByteMs: 3.5, TotalMs: 4},
	}
}

func TestReplayHistoryBySource(t *testing.T) {
	st, path := openTemp(t)
	bin := []byte{0, 0xff, 0xfe, '\n'}
	// Source 1 and 256 differ in one byte of the key: the prefix seek
	// must keep them apart, and source 2 sits between them.
	var want1 []uint64
	for i, src := range []uint64{1, 256, 1, 2, 1} {
		id, err := st.AppendReplay(sampleReplay(src, append(bin, byte(i))))
		if err != nil {
			t.Fatal(err)
		}
		if id != uint64(i+1) {
			t.Fatalf("replay id %d, want %d", id, i+1)
		}
		if src == 1 {
			want1 = append(want1, id)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Replays(1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d replays of 1 after reopen, want 3", len(got))
	}
	for i, r := range got {
		if r.ID != want1[i] || r.SourceID != 1 {
			t.Errorf("replay %d: id %d source %d", i, r.ID, r.SourceID)
		}
	}
	r := got[0]
	if !bytes.Equal(r.RequestBody, append(bin, 0)) || r.RequestBodySize != 5 || r.Status != 201 || r.Resigned != "stripe" ||
		r.Timing.FirstByteMs != 3.5 || !r.At.Equal(time.Date(2026, 3, 1, 12, 0, 0, 5, time.UTC)) ||
		len(r.RequestHeader["X-Repeat"]) != 2 || string(r.ResponseBody) != `{"ok":true}` || r.ResponseBodySize != 11 {
		t.Fatalf("round trip: %+v", r)
	}
	if other, _ := st.Replays(256); len(other) != 1 || other[0].ID != 2 {
		t.Fatalf("source 256: %+v", other)
	}
	if none, err := st.Replays(99); err != nil || len(none) != 0 {
		t.Fatalf("unknown source: %v %v", none, err)
	}
	if one, err := st.Replay(4); err != nil || one.SourceID != 2 {
		t.Fatalf("Replay(4): %+v %v", one, err)
	}
	if _, err := st.Replay(42); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Replay(42): %v", err)
	}
}

func TestReplayBodyLimits(t *testing.T) {
	st, _ := openTemp(t)
	big := bytes.Repeat([]byte{0xab}, ReplayRequestBodyLimit+1)
	r := sampleReplay(3, big)
	r.ResponseBody = bytes.Repeat([]byte("r"), ReplayResponseBodyLimit+10)
	r.ResponseBodySize = ReplayResponseBodyLimit + 500 // the sender already cut it
	if _, err := st.AppendReplay(r); err != nil {
		t.Fatal(err)
	}
	got, _ := st.Replays(3)
	sum := sha256.Sum256(big)
	g := got[0]
	if g.RequestBody != nil || !g.RequestBodyOmitted || g.RequestBodySize != int64(len(big)) || g.RequestBodySHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("big request body: omitted %v size %d sha %s", g.RequestBodyOmitted, g.RequestBodySize, g.RequestBodySHA256)
	}
	if len(g.ResponseBody) != ReplayResponseBodyLimit || !g.ResponseTruncated || g.ResponseBodySize != ReplayResponseBodyLimit+500 {
		t.Fatalf("response body: %d kept of %d, truncated %v", len(g.ResponseBody), g.ResponseBodySize, g.ResponseTruncated)
	}
	// A failed replay: no answer, only the error.
	id, err := st.AppendReplay(ReplayRecord{SourceID: 3, Target: "http://127.0.0.1:1", Method: "GET", Error: "refused"})
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := st.Replay(id); f.Status != 0 || f.Error != "refused" || f.At.IsZero() || f.RequestBodySHA256 != "" {
		t.Fatalf("failed replay: %+v", f)
	}
}

func TestDrafts(t *testing.T) {
	st, _ := openTemp(t)
	if err := st.SaveDraft(5, Draft{Method: "PUT"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a draft of a request that does not exist: %v", err)
	}
	appendRequests(t, st, 5)
	if _, ok, err := st.Draft(5); ok || err != nil {
		t.Fatalf("no draft yet: %v %v", ok, err)
	}
	d := Draft{Method: "PUT", Target: "http://localhost:3000", Header: http.Header{"A": {"1", "2"}}, Body: []byte{0, 1}, Resign: true, Scheme: "github"}
	if err := st.SaveDraft(5, d); err != nil {
		t.Fatal(err)
	}
	d.Method = "PATCH"
	if err := st.SaveDraft(5, d); err != nil {
		t.Fatal(err)
	}
	got, ok, err := st.Draft(5)
	if err != nil || !ok || got.Method != "PATCH" || !bytes.Equal(got.Body, []byte{0, 1}) || got.Header["A"][1] != "2" || !got.Resign || got.SavedAt.IsZero() {
		t.Fatalf("draft %+v %v %v", got, ok, err)
	}
	if err := st.DiscardDraft(5); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.Draft(5); ok {
		t.Fatal("discarded draft still there")
	}
	if err := st.DiscardDraft(5); err != nil {
		t.Fatalf("discarding nothing: %v", err)
	}
}

func TestForwardResults(t *testing.T) {
	st, _ := openTemp(t)
	if _, ok, err := st.ForwardResult(8); ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := st.PutForwardResult(8, ForwardResult{Status: 200}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a forward result for a request that does not exist: %v", err)
	}
	appendRequests(t, st, 8)
	want := ForwardResult{At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Target: "http://x", Status: 502, Attempts: 3, DurationMs: 1234.5, ReplayID: 9}
	if err := st.PutForwardResult(8, want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := st.ForwardResult(8)
	if err != nil || !ok || got != want {
		t.Fatalf("%+v %v %v", got, ok, err)
	}
}

func TestDeleteAndClearReplayData(t *testing.T) {
	st, _ := openTemp(t)
	appendRequests(t, st, 3)
	for _, src := range []uint64{1, 2, 1, 3} {
		if _, err := st.AppendReplay(sampleReplay(src, []byte("x"))); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveDraft(src, Draft{Method: "POST"}); err != nil {
			t.Fatal(err)
		}
		st.PutForwardResult(src, ForwardResult{Status: 200})
	}
	if err := st.Delete(1, 77); err != nil {
		t.Fatal(err)
	}
	if r, _ := st.Replays(1); len(r) != 0 {
		t.Fatalf("replays of 1 left: %+v", r)
	}
	if _, err := st.Replay(1); !errors.Is(err, ErrNotFound) {
		t.Fatal("replay 1 itself left behind")
	}
	if _, ok, _ := st.Draft(1); ok {
		t.Fatal("draft of 1 left")
	}
	if _, ok, _ := st.ForwardResult(1); ok {
		t.Fatal("forward result of 1 left")
	}
	if r, _ := st.Replays(2); len(r) != 1 {
		t.Fatal("replays of 2 were deleted too")
	}
	if _, ok, _ := st.Draft(3); !ok {
		t.Fatal("draft of 3 was deleted too")
	}
	if err := st.Clear(); err != nil {
		t.Fatal(err)
	}
	for _, src := range []uint64{2, 3} {
		if r, _ := st.Replays(src); len(r) != 0 {
			t.Fatalf("clear left replays of %d", src)
		}
		if _, ok, _ := st.Draft(src); ok {
			t.Fatal("clear left a draft")
		}
	}
	// IDs keep counting after a clear.
	if id, _ := st.AppendReplay(sampleReplay(2, nil)); id != 5 {
		t.Fatalf("id after clear %d, want 5", id)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}
