package exchange

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"dev.hookscope/storage"
	"dev.hookscope/textutil"
)

// maxArgBody is the largest text body put in a command-line argument:
// Linux refuses a single argument over 128 KiB, so larger bodies go through
// a pipe like binary ones do.
const maxArgBody = 64 << 10

// skipInCurl are headers curl must compute itself (Host, Content-Length)
// or that belong to one connection hop, not to the request.
var skipInCurl = map[string]bool{
	"Host": true, "Content-Length": true, "Connection": true, "Keep-Alive": true,
	"Proxy-Connection": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// curlEncoder writes one command per record, each after a "# hookscope
// request N" comment and separated by a blank line. A body that is not
// valid UTF-8, holds a NUL (no argument can) or is large is piped in:
// echo 'BASE64' | base64 -d | curl ... --data-binary @-
type curlEncoder struct {
	w io.Writer
	n int
}

func (e *curlEncoder) Encode(rec *storage.Record) error {
	var b strings.Builder
	if e.n > 0 {
		b.WriteString("\n")
	}
	e.n++
	fmt.Fprintf(&b, "# hookscope request %d\n", rec.ID)
	if rec.Truncated {
		fmt.Fprintf(&b, "# the body was cut at %d of %d bytes: this sends the stored bytes only\n", len(rec.Body), rec.OriginalSize)
	}
	if piped(rec.Body) {
		b.WriteString("echo " + base64.StdEncoding.EncodeToString(rec.Body) + " | base64 -d | ")
	}
	b.WriteString("curl " + singleQuote(textutil.FullURL(rec)))
	for _, arg := range curlArgs(rec) {
		b.WriteString(" \\\n  " + arg)
	}
	b.WriteString("\n")
	_, err := io.WriteString(e.w, b.String())
	return err
}

func (e *curlEncoder) Close() error { return nil }

func piped(body []byte) bool {
	return len(body) > maxArgBody || bytes.IndexByte(body, 0) >= 0 || !utf8.Valid(body)
}

// curlArgs are the options after the URL, each already quoted.
func curlArgs(rec *storage.Record) []string {
	// A captured Content-Length with no body was an explicitly empty body:
	// send one, so the method and Content-Length: 0 come out the same.
	sendsBody := len(rec.Body) > 0 || rec.Header.Get("Content-Length") != ""
	args := urlFlags(rec)
	args = append(args, methodFlag(rec.Method, sendsBody)...)
	args = append(args, curlHeaders(rec.Header)...)
	if !sendsBody {
		return args
	}
	// curl adds its own Content-Type (form) and Expect (big bodies) to a
	// body unless told not to; the captured request may have had neither.
	if rec.Header.Get("Content-Type") == "" {
		args = append(args, "-H 'Content-Type:'")
	}
	if len(rec.Body) > 1024 && rec.Header.Get("Expect") == "" {
		args = append(args, "-H 'Expect:'")
	}
	return append(args, dataFlag(rec.Body))
}

// urlFlags stop curl from reading [] and {} as URL globs and from folding
// "/../" out of the path, so the path sent is the captured one.
func urlFlags(rec *storage.Record) []string {
	var out []string
	if strings.ContainsAny(textutil.FullURL(rec), "[]{}") {
		out = append(out, "-g")
	}
	for _, seg := range strings.Split(rec.Path, "/") {
		if seg == "." || seg == ".." {
			out = append(out, "--path-as-is")
			break
		}
	}
	return out
}

// methodFlag names the method unless curl implies it: POST with a body,
// GET without; HEAD needs --head (with -X HEAD curl waits for a body).
func methodFlag(method string, sendsBody bool) []string {
	switch {
	case sendsBody && method == http.MethodPost, !sendsBody && method == http.MethodGet:
		return nil
	case !sendsBody && method == http.MethodHead:
		return []string{"--head"}
	}
	return []string{"-X " + shellWord(method)}
}

// shellWord quotes s only when a shell would otherwise change it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == "" {
		return s
	}
	return singleQuote(s)
}

func curlHeaders(h http.Header) []string {
	var out []string
	for _, name := range headerNames(h) {
		if skipInCurl[http.CanonicalHeaderKey(name)] {
			continue
		}
		for _, v := range h[name] {
			if v == "" {
				// "Name:" would remove the header; "Name;" sends it empty.
				out = append(out, "-H "+singleQuote(name+";"))
				continue
			}
			out = append(out, "-H "+singleQuote(name+": "+v))
		}
	}
	return out
}

func dataFlag(body []byte) string {
	switch {
	case piped(body):
		return "--data-binary @-"
	case bytes.HasPrefix(body, []byte("@")):
		// --data-binary would read a file named by the rest.
		return "--data-raw " + singleQuote(string(body))
	}
	return "--data-binary " + singleQuote(string(body))
}
