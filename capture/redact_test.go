package capture

import (
	"net/url"
	"strings"
	"testing"
)

func TestTokenInTheQueryIsNotStored(t *testing.T) {
	const token = "s3cret/token+value"
	st := openStore(t)
	srv := startServer(t, st, Config{Token: token})
	escaped := url.QueryEscape(token)
	hidden := url.QueryEscape(redacted)
	for _, tc := range []struct{ query, want string }{
		{"token=" + escaped, "token=" + hidden},
		{"a=1&token=" + escaped + "&b=%zz&a=2", "a=1&token=" + hidden + "&b=%zz&a=2"},
		{"access_token=" + strings.ReplaceAll(escaped, "%2F", "/"), "access_token=" + hidden}, // "/" left unescaped
		{"auth=Bearer%20" + escaped, "auth=" + hidden},
		{escaped, hidden}, // the token as a bare key
		{"x=" + escaped + "x", "x=" + escaped + "x"}, // not the token
		{"plain=1&&flag", "plain=1&&flag"},           // kept byte for byte
	} {
		req := mustRequest("POST", srv.URL()+"/q?"+tc.query, "x")
		req.Header.Set("Authorization", "Bearer "+token)
		a := send(t, req)
		rec, err := st.Get(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.RawQuery != tc.want {
			t.Errorf("?%s stored as ?%s, want ?%s", tc.query, rec.RawQuery, tc.want)
		}
		if tc.query != tc.want && (strings.Contains(rec.RawQuery, escaped) || strings.Contains(rec.RawQuery, token)) {
			t.Errorf("?%s: the token was stored", tc.query)
		}
	}

	// Without a token to guard the listener, the query is not touched.
	open := startServer(t, st, Config{})
	a := send(t, mustRequest("POST", open.URL()+"/q?token="+escaped, "x"))
	if rec, _ := st.Get(a.ID); rec.RawQuery != "token="+escaped {
		t.Fatalf("an open listener stored ?%s", rec.RawQuery)
	}
}
