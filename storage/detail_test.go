package storage

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestBytesThatAreNotUTF8SurviveExactly: a query, host, header name's
// values and body that are not valid UTF-8 come back byte for byte (JSON
// would have turned them into U+FFFD).
func TestBytesThatAreNotUTF8SurviveExactly(t *testing.T) {
	st, _ := openTemp(t)
	rec := sampleRecord("/caf\xe9/\xff\xfe", []byte{0xff, 0x00, 0xfe, 0x80})
	rec.RawQuery = "q=\xff\xfe&r=%FF"
	rec.Host = "h\xc3\x28st"
	rec.Header = http.Header{"X-Bin": {"\xff\xfe\x80", "second \xc0\xaf"}, "X-Empty": {""}}
	id, err := st.Append(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Path != rec.Path || got.RawQuery != rec.RawQuery || got.Host != rec.Host || string(got.Body) != string(rec.Body) {
		t.Fatalf("got path %q query %q host %q body %x", got.Path, got.RawQuery, got.Host, got.Body)
	}
	if !reflect.DeepEqual(got.Header, rec.Header) {
		t.Fatalf("headers %q, want %q", got.Header, rec.Header)
	}
}

// TestJSONDetailsStillRead: records written before the binary detail
// format (JSON) read as before.
func TestJSONDetailsStillRead(t *testing.T) {
	st, path := openTemp(t)
	id, err := st.Append(context.Background(), sampleRecord("/old", []byte("b")))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	old, _ := json.Marshal(detail{RawQuery: "a=1", Proto: "HTTP/1.0", Host: "old:1", RemoteAddr: "127.0.0.1:9", Header: http.Header{"X-Old": {"1", "2"}}})
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketDetails).Put(idKey(id), old) })
	db.Close()
	st2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	rec, err := st2.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.RawQuery != "a=1" || rec.Proto != "HTTP/1.0" || rec.Host != "old:1" || len(rec.Header["X-Old"]) != 2 {
		t.Fatalf("%+v", rec)
	}
}

// FuzzDecodeDetail: damaged detail bytes are an error, never a panic or a
// huge allocation; what encodes decodes to the same.
func FuzzDecodeDetail(f *testing.F) {
	good, _ := encodeDetail(sampleRecord("/f", nil))
	f.Add(good)
	f.Add([]byte{detailCodecVersion, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte(`{"q":"x","hd":{"A":["b"]}}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := decodeDetail(raw)
		if err != nil {
			return
		}
		again, _ := encodeDetail(&Record{RawQuery: d.RawQuery, Proto: d.Proto, Host: d.Host, RemoteAddr: d.RemoteAddr, Header: d.Header})
		d2, err := decodeDetail(again)
		if err != nil || d2.RawQuery != d.RawQuery || d2.Host != d.Host || len(d2.Header) != len(d.Header) {
			t.Fatalf("round trip: %+v -> %+v %v", d, d2, err)
		}
	})
}
