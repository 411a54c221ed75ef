package signature

import (
	"net/http"
	"strings"
	"testing"
)

// Fuzz targets for every parser that reads attacker-controlled text. They
// call the unexported, unrecovered paths so a panic is not hidden by
// Verify's recover. The seed corpus keeps `go test` quick; run
// `go test -fuzz=FuzzX ./signature/` to explore.

func FuzzParseTV(f *testing.F) {
	for _, s := range []string{"t=1,v1=ab", "t=1533204620,v1=2220,v0=6363", ",,=,", "t==,v1==", " t = 1 , v1 = a "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, sigs, err := parseTV(s)
		if err == nil && (ts == "" || len(sigs) == 0) {
			t.Fatalf("accepted %q without t or v1", s)
		}
	})
}

func FuzzParseSWList(f *testing.F) {
	for _, s := range []string{"v1,abc= v1,def=", "v1a,xyz v1,", ",", "v1,,, v2,x", "   "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, sig := range parseSWList(s) {
			if sig == "" || strings.ContainsAny(sig, " \t\n") {
				t.Fatalf("bad entry %q from %q", sig, s)
			}
		}
	})
}

func FuzzParsePaddle(f *testing.F) {
	for _, s := range []string{"ts=1;h1=ab", "ts=1;h1=dummy;h1=ab", ";;=;", "h1=ab"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, sigs, err := parsePaddle(s)
		if err == nil && (ts == "" || len(sigs) == 0) {
			t.Fatalf("accepted %q", s)
		}
	})
}

func FuzzHubSpot(f *testing.F) {
	f.Add("abc", "v2", "", "POST", []byte("{}"), "https://e.com/x%3Ay")
	f.Add("", "", "K36dawei", "GET", []byte(""), "")
	f.Add("zz", "v9", "x", "", []byte("\xff"), "://")
	f.Fuzz(func(t *testing.T, sig, ver, v3 string, m string, body []byte, u string) {
		h := http.Header{}
		h.Set(hsSig, sig)
		h.Set(hsVersion, ver)
		h.Set(hsSigV3, v3)
		h.Set(hsTS, "1693657560000")
		req := Request{Method: m, URL: u, Header: h, Body: body}
		registry["hubspot"].run(req, Options{Secret: "s"})
	})
}

func FuzzTwilio(f *testing.F) {
	f.Add("https://e.com:1234/x?a=b", "A=1&B=2", "application/x-www-form-urlencoded")
	f.Add("http://[::1]/x", "%zz&&=", "")
	f.Add("https://u:p@e.com/x?bodySHA256=00", `{"a":1}`, "application/json")
	f.Add("://", "", "multipart/form-data; boundary=")
	f.Fuzz(func(t *testing.T, u, body, ct string) {
		urls := twilioURLs(u)
		if len(urls) == 0 || urls[0] != u {
			t.Fatalf("twilioURLs(%q) = %q", u, urls)
		}
		req := Request{URL: u, Body: []byte(body), Header: http.Header{"Content-Type": {ct}, twilioHeader: {"abc="}}}
		registry["twilio"].run(req, Options{Secret: "s"})
	})
}

func FuzzParseKey(f *testing.F) {
	k := testKeys()
	for _, s := range []string{k["ed-pub-hex"], k["ec-pub-b64"], k["rsa-pub2-pem"][:200], "-----BEGIN", "00", "====", `-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pub, priv, err := parseKey(s)
		if err == nil && pub == nil {
			t.Fatalf("no key and no error for %q", s)
		}
		if err != nil && s != "" && len(s) > 8 && strings.Contains(err.Error(), s) {
			t.Fatalf("error quotes the key")
		}
		_ = priv
	})
}

func FuzzMailgun(f *testing.F) {
	f.Add([]byte(`{"signature":{"timestamp":1,"token":"t","signature":"ab"}}`), "application/json")
	f.Add([]byte("timestamp=1&token=t&signature=ab"), "application/x-www-form-urlencoded")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nx\r\n--b--"), "multipart/form-data; boundary=b")
	f.Add([]byte(`{"signature":[]}`), "")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		req := Request{Body: body, Header: http.Header{"Content-Type": {ct}}}
		registry["mailgun"].run(req, Options{Secret: "s"})
	})
}

// FuzzVerifyAll puts the same text in every header any scheme reads and runs
// every scheme, diagnosis included.
func FuzzVerifyAll(f *testing.F) {
	for _, s := range []string{"t=1,v1=00", "v1,AAAA", "sha256=00", "v0=00", "ts=1;h1=00", "1700000000", "2020-12-13T14:15:16Z", "\xff"} {
		f.Add(s, []byte(`{"a": 1}`+"\n"))
	}
	names := allHeaderNames()
	f.Fuzz(func(t *testing.T, v string, body []byte) {
		h := http.Header{}
		for _, n := range names {
			h.Set(n, v)
		}
		req := Request{Method: "POST", URL: "https://e.com/x", Header: h, Body: body}
		for _, name := range Names() {
			for _, secret := range []string{"s", " whsec_AAAA "} {
				r := registry[name].run(req, Options{Secret: secret, Template: "{timestamp}{id}{url}{body}"})
				if r.Valid {
					t.Fatalf("%s accepted garbage %q", name, v)
				}
			}
		}
	})
}
