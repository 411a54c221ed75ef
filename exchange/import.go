package exchange

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
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

// ImportOptions adjust Import. The zero value reads no file a curl
// command names: that is what text from elsewhere (a request to the local
// API, a pasted command) gets.
type ImportOptions struct {
	// Dir is the folder a curl command may read its @file arguments (and
	// -T, -H @file, cat FILE) from: the folder of the file the command
	// came in. Names resolve in it and nothing outside it is read:
	// absolute paths outside it, ".." and symbolic links leading out are
	// refused. Empty refuses every file reference.
	Dir string
	// MaxBody caps, in bytes, each imported body (a longer one is stored
	// cut and marked truncated, as capture does) and the bytes one curl
	// command reads from files (more is an error, and the rest of the
	// file is never read). 0: bodies are not cut, and files are capped at
	// DefaultMaxFileRead.
	MaxBody int64
	// OnFile, if set, is told about each file a curl command read.
	OnFile func(FileRead)
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
	var res *ImportResult
	var err error
	switch detect(data) {
	case FormatHAR:
		res, err = o.importHAR(data)
	case FormatRaw:
		res, err = o.importRaw(data)
	case FormatCurl:
		res, err = o.importCurl(string(data))
	default:
		return nil, ErrUnsupported
	}
	if err != nil {
		return nil, err
	}
	o.capBodies(res)
	return res, nil
}

// capBodies cuts each body longer than MaxBody, keeping its original size
// and marking it truncated, the way capture stores a long body.
func (o ImportOptions) capBodies(res *ImportResult) {
	if o.MaxBody <= 0 {
		return
	}
	for i, rec := range res.Records {
		if int64(len(rec.Body)) <= o.MaxBody {
			continue
		}
		res.Warnings = append(res.Warnings, fmt.Sprintf("request %d: its body of %d bytes was stored cut to the first %d (the body limit)",
			i+1, len(rec.Body), o.MaxBody))
		rec.OriginalSize = max(rec.OriginalSize, int64(len(rec.Body)))
		rec.Body = bytes.Clone(rec.Body[:o.MaxBody]) // let the long one go
		rec.Truncated = true
		finish(rec)
	}
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
