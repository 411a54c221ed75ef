package exchange

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"dev.hookscope/storage"
)

// ImportResult is what Import found.
type ImportResult struct {
	// Records are in the order of the source, ready for storage.Append
	// (IDs are left zero: the store assigns them).
	Records []*storage.Record
	// Format is the format the content was detected as.
	Format Format
	// Warnings name what was ignored, such as curl options that do not
	// change the request; the import still succeeded.
	Warnings []string
}

// ImportOptions adjust Import. The zero value is what the command line
// uses.
type ImportOptions struct {
	// Dir resolves relative file names in curl's @file arguments; empty
	// means the working directory, as curl itself does.
	Dir string
	// Now stamps requests whose source carries no time (curl, raw HTTP
	// without a marker); nil means time.Now.
	Now func() time.Time
}

// ErrUnsupported is wrapped by Import when the content is none of the
// formats it reads.
var ErrUnsupported = errors.New("expected a HAR file (JSON), raw HTTP requests or a curl command")

// RemoteImported is the remote address of a request whose source does not
// say where it came from.
const RemoteImported = "imported"

// Import detects the format of data and reads the requests in it.
func Import(data []byte) (*ImportResult, error) { return ImportOptions{}.Import(data) }

// Import detects the format of data and reads the requests in it.
func (o ImportOptions) Import(data []byte) (*ImportResult, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	switch detect(data) {
	case FormatHAR:
		return o.importHAR(data)
	case FormatRaw:
		return o.importRaw(data)
	case FormatCurl:
		return o.importCurl(string(data))
	}
	return nil, ErrUnsupported
}

// requestLine matches the first line of a raw HTTP request, with or
// without the version (REST-client files leave it out).
var requestLine = regexp.MustCompile(`^[A-Z][A-Z0-9_-]* +(/|\*|https?://)\S* *(HTTP/[0-9.]+)? *\r?$`)

// shellStart is a first word that can begin an exported or pasted curl
// command, including the pipelines the curl export writes.
var shellStart = regexp.MustCompile(`^(\$ +)?(curl|echo|printf|cat)\b`)

// detect looks at the first line that is not blank and not a comment:
// comments open both the raw export ("### hookscope request") and the curl
// export ("# hookscope request").
func detect(data []byte) Format {
	first := ""
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "###") {
			return FormatRaw
		}
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "//") {
			continue
		}
		first = line
		break
	}
	switch {
	case strings.HasPrefix(first, "{"):
		return FormatHAR
	case requestLine.MatchString(first):
		return FormatRaw
	case shellStart.MatchString(first):
		return FormatCurl
	}
	return ""
}

func (o ImportOptions) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

// maxFile bounds a file an import reads for a curl @file argument.
const maxFile = 1 << 30

// readFile reads a file a curl command names. Only regular files: a
// pasted command naming /dev/zero or a FIFO must not hang the import.
func (o ImportOptions) readFile(name string) ([]byte, error) {
	if o.Dir != "" && !filepath.IsAbs(name) {
		name = filepath.Join(o.Dir, name)
	}
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	if fi.Size() > maxFile {
		return nil, fmt.Errorf("%s is larger than 1 GiB", name)
	}
	return os.ReadFile(name)
}

// urlParts splits a URL into host, path and query exactly as written:
// url.Parse would re-encode the path and could not keep it as on the wire.
// A URL without a scheme is taken as host and path, as curl does.
func urlParts(raw string) (host, path, query string) {
	if strings.HasPrefix(raw, "/") || raw == "*" {
		return "", pathOnly(raw), queryOnly(raw)
	}
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 && !strings.ContainsAny(rest[:i], "/?#") {
		rest = rest[i+3:]
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host = rest[:end]
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	rest = rest[end:]
	return host, pathOnly(rest), queryOnly(rest)
}

func pathOnly(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return "/"
	}
	return s
}

func queryOnly(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[i+1:]
	}
	return ""
}

// userinfo returns the user:password part of a URL's authority, if any.
func userinfo(raw string) (string, bool) {
	i := strings.Index(raw, "://")
	if i < 0 {
		i = -3
	}
	auth := raw[i+3:]
	if end := strings.IndexAny(auth, "/?#"); end >= 0 {
		auth = auth[:end]
	}
	at := strings.LastIndexByte(auth, '@')
	if at < 0 {
		return "", false
	}
	return auth[:at], true
}

// finish fills the fields every importer derives the same way.
func finish(rec *storage.Record) *storage.Record {
	if rec.Header == nil {
		rec.Header = http.Header{}
	}
	if rec.Proto == "" {
		rec.Proto = "HTTP/1.1"
	}
	if rec.RemoteAddr == "" {
		rec.RemoteAddr = RemoteImported
	}
	rec.BodySize = int64(len(rec.Body))
	if rec.OriginalSize < rec.BodySize {
		rec.OriginalSize = rec.BodySize
	}
	rec.Truncated = rec.Truncated || rec.OriginalSize > rec.BodySize
	rec.ContentType = rec.Header.Get("Content-Type")
	return rec
}
