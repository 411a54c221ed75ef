package localapi

import (
	"net/http"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"dev.hookscope/app"
	"dev.hookscope/wire"
)

// TestGetWithRawBodyIsTheJSONRecord: the record a client gets with the
// body after the JSON (?body=raw) is the one the plain JSON route gives,
// byte for byte, for bytes that are not UTF-8 and an empty body, and with
// the same redaction for a read token.
func TestGetWithRawBodyIsTheJSONRecord(t *testing.T) {
	core, srv := startAPI(t, Options{TCPAddr: "127.0.0.1:0", TLS: true})
	binary := addRequest(t, core, "POST", "/hooks/bin", http.Header{"Authorization": {"Bearer sk_live_secret"}, "Content-Type": {"application/octet-stream"}},
		[]byte{0xff, 0x00, '\n', 0xfe, '{', '"'})
	empty := addRequest(t, core, "GET", "/hooks/empty", nil, nil)
	knownHosts := filepath.Join(t.TempDir(), "known_hosts")
	for _, role := range []app.Role{app.RoleRead, app.RoleAdmin} {
		token, _, err := core.AddToken("t-"+strconv.Itoa(int(role)), role)
		if err != nil {
			t.Fatal(err)
		}
		c, err := DialRemote(RemoteOptions{URL: srv.TCPURL(), Token: token, KnownHosts: knownHosts})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []uint64{binary, empty} {
			got, err := c.Get(id)
			if err != nil {
				t.Fatal(err)
			}
			var j wire.RequestJSON
			if err := c.call("GET", "/v1/requests/"+strconv.FormatUint(id, 10), nil, &j); err != nil {
				t.Fatal(err)
			}
			want, err := j.Record()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%v token, request %d:\nraw  %+v\njson %+v", role, id, got, want)
			}
			if id == binary && (role == app.RoleRead) == (got.Header.Get("Authorization") == "Bearer sk_live_secret") {
				t.Errorf("%v token sees Authorization %q", role, got.Header.Get("Authorization"))
			}
		}
		if _, err := c.Get(999); err == nil {
			t.Error("a missing request was found")
		}
		c.Close()
	}
}
