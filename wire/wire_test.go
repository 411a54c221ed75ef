package wire

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"dev.hookscope/storage"
)

// TestRequestJSONCarriesEveryByte: a path, query and header that are not
// UTF-8 came back as U+FFFD through the running instance; the base64
// fields now carry them exactly, and only when needed.
func TestRequestJSONCarriesEveryByte(t *testing.T) {
	rec := &storage.Record{
		Summary:  storage.Summary{ID: 7, ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Method: "POST", Path: "/p\xff", BodySize: 3, OriginalSize: 3},
		RawQuery: "q=\xfe", Proto: "HTTP/1.1", Host: "h", RemoteAddr: "r",
		Header: http.Header{"X-Bin": {"a\xffb", "plain"}, "X-Ok": {"ok"}}, Body: []byte{0, 0xff, 1},
	}
	raw, err := json.Marshal(NewRequestJSON(rec))
	if err != nil {
		t.Fatal(err)
	}
	var back RequestJSON
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	got, err := back.Record()
	if err != nil {
		t.Fatal(err)
	}
	if got.Path != rec.Path || got.RawQuery != rec.RawQuery || !reflect.DeepEqual(got.Header, rec.Header) || string(got.Body) != string(rec.Body) {
		t.Fatalf("round trip changed bytes: %q %q %q %q", got.Path, got.RawQuery, got.Header, got.Body)
	}
	sum, err := NewSummaryJSON(rec.Summary).Summary()
	if err != nil || sum.Path != rec.Path {
		t.Fatalf("summary path %q %v", sum.Path, err)
	}
	plain := &storage.Record{Summary: storage.Summary{Path: "/ok"}, Header: http.Header{"A": {"b"}}}
	if j := NewRequestJSON(plain); j.PathBase64 != "" || j.QueryBase64 != "" || j.HeadersBase64 != nil {
		t.Fatalf("base64 fields on a UTF-8 request: %+v", j)
	}
}

// TestDuplicateOfTravels: the window's "duplicate of #N" is in the JSON
// every other surface reads (show --json, list --json, the API, the
// attached window) and comes back from it; absent when there is none.
func TestDuplicateOfTravels(t *testing.T) {
	rec := &storage.Record{Summary: storage.Summary{ID: 9, ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Method: "POST", Path: "/p", DuplicateOf: 4}}
	raw, err := json.Marshal(NewRequestJSON(rec))
	if err != nil {
		t.Fatal(err)
	}
	var back RequestJSON
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if got, err := back.Record(); err != nil || got.DuplicateOf != 4 {
		t.Fatalf("record back: duplicate_of %v, %v (json %s)", got, err, raw)
	}
	sraw, _ := json.Marshal(NewSummaryJSON(rec.Summary))
	var sback SummaryJSON
	if err := json.Unmarshal(sraw, &sback); err != nil {
		t.Fatal(err)
	}
	if s, err := sback.Summary(); err != nil || s.DuplicateOf != 4 {
		t.Fatalf("summary back: %+v, %v (json %s)", s, err, sraw)
	}
	rec.DuplicateOf = 0
	if raw, _ := json.Marshal(NewSummaryJSON(rec.Summary)); strings.Contains(string(raw), "duplicate_of") {
		t.Fatalf("duplicate_of written when there is none: %s", raw)
	}
}
