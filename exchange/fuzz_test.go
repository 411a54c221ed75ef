package exchange

import (
	"bytes"
	"os"
	"testing"
)

// The fuzz targets call the parsers directly (not Import) so each format's
// parser meets every input, not only the ones detected as its format.

func seed(f *testing.F, write func(*bytes.Buffer) error, extra ...string) {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

func FuzzImportHAR(f *testing.F) {
	seed(f, func(b *bytes.Buffer) error { return WriteHAR(b, withSizes(samples()), "fuzz") })
	for _, name := range []string{"testdata/chrome.har", "testdata/insomnia.har"} {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"POST","url":"x","postData":{"mimeType":"multipart/form-data; boundary=\"\"","params":[{"name":"a"}]}}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ImportOptions{}.importHAR(data)
		if err == nil {
			checkRecords(t, res)
		}
	})
}

func FuzzImportRaw(f *testing.F) {
	seed(f, func(b *bytes.Buffer) error { return WriteRaw(b, withSizes(samples())) },
		"POST / HTTP/1.1\nTransfer-Encoding: chunked\n\nffffffffffffffff\n", "GET / HTTP/1.1\nContent-Length: -1\n\n",
		"### hookscope request 1 body=99999999999999999999\nGET /\n\n", "GET /\n x: y\n\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ImportOptions{}.importRaw(data)
		if err == nil {
			checkRecords(t, res)
		}
	})
}

func FuzzImportCurl(f *testing.F) {
	seed(f, func(b *bytes.Buffer) error { return WriteCurl(b, withSizes(samples())) })
	for _, tc := range curlCases {
		f.Add([]byte(tc.src))
	}
	f.Add([]byte(`curl $'\x' $'\u' $'\c' $'\` + "'" + ` http://h/`))
	// No Dir: @file names resolve against a directory with no such files.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ImportOptions{Dir: dir}.importCurl(string(data))
		if err == nil {
			checkRecords(t, res)
		}
	})
}

// checkRecords asserts what every successful import promises.
func checkRecords(t *testing.T, res *ImportResult) {
	t.Helper()
	for _, r := range res.Records {
		if r.Header == nil || r.Method == "" || r.BodySize != int64(len(r.Body)) || r.OriginalSize < r.BodySize || r.RemoteAddr == "" {
			t.Fatalf("incomplete record %+v", r)
		}
	}
}
