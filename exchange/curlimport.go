package exchange

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"dev.hookscope/storage"
)

// errNotCurl marks a shell command that is not curl: a file of commands
// may hold others (an export line, say), which are skipped with a warning.
var errNotCurl = errors.New("not a curl command")

func (o ImportOptions) importCurl(src string) (*ImportResult, error) {
	cmds, err := shellCommands(src)
	if err != nil {
		return nil, fmt.Errorf("reading the curl command: %w", err)
	}
	res := &ImportResult{Format: FormatCurl}
	for i, stages := range cmds {
		rec, warnings, err := o.curlCommand(stages)
		if errors.Is(err, errNotCurl) {
			res.Warnings = append(res.Warnings, fmt.Sprintf("command %d skipped: %v", i+1, err))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("curl command %d: %w", i+1, err)
		}
		res.Records = append(res.Records, rec)
		res.Warnings = append(res.Warnings, warnings...)
	}
	if len(res.Records) == 0 {
		return nil, fmt.Errorf("no curl command found; %w", ErrUnsupported)
	}
	return res, nil
}

// curlCommand runs the stages before curl (the ones the curl export
// writes, and a few like them) to get curl's stdin, then reads curl's
// arguments.
func (o ImportOptions) curlCommand(stages [][]string) (*storage.Record, []string, error) {
	var stdin []byte
	haveStdin := false
	budget := o.newBudget()
	for i, words := range stages {
		if len(words) > 0 && words[0] == "$" { // a pasted prompt
			words = words[1:]
		}
		if len(words) == 0 {
			return nil, nil, errors.New("an empty command in a pipeline")
		}
		if i == len(stages)-1 {
			if filepath.Base(words[0]) != "curl" {
				return nil, nil, fmt.Errorf("%w: %q", errNotCurl, words[0])
			}
			c := newCurlParse(o, stdin, haveStdin, budget)
			return c.parse(words[1:])
		}
		var err error
		if stdin, err = o.pipeStage(words, stdin, budget); err != nil {
			return nil, nil, err
		}
		haveStdin = true
	}
	return nil, nil, errNotCurl
}

// pipeStage runs one producer of curl's stdin: echo, printf, base64 -d or
// cat. Nothing is executed; each is emulated.
func (o ImportOptions) pipeStage(words []string, in []byte, budget *fileBudget) ([]byte, error) {
	args := words[1:]
	switch filepath.Base(words[0]) {
	case "echo":
		if len(args) > 0 && args[0] == "-n" {
			return []byte(strings.Join(args[1:], " ")), nil
		}
		return []byte(strings.Join(args, " ") + "\n"), nil
	case "printf":
		return printf(args)
	case "base64":
		return base64Stage(args, in)
	case "cat":
		return o.catStage(args, in, budget)
	}
	return nil, fmt.Errorf("%q before curl in a pipeline is not supported (echo, printf, base64 -d and cat are)", words[0])
}

// printf emulates the two forms that pass bytes exactly: printf '%s' ARG...
// and printf FORMAT with backslash escapes (octal \ooo included).
func printf(args []string) ([]byte, error) {
	if len(args) == 0 {
		return nil, errors.New("printf without a format")
	}
	if args[0] == "%s" {
		return []byte(strings.Join(args[1:], "")), nil
	}
	if len(args) > 1 || strings.Contains(strings.ReplaceAll(args[0], "%%", ""), "%") {
		return nil, fmt.Errorf("printf %q: only printf '%%s' ARG and printf TEXT are supported", args[0])
	}
	var b strings.Builder
	f := strings.ReplaceAll(args[0], "%%", "%")
	for j := 0; j < len(f); j++ {
		if f[j] != '\\' {
			b.WriteByte(f[j])
			continue
		}
		if j+1 < len(f) && f[j+1] >= '0' && f[j+1] <= '7' {
			v, end := digits(f, j+1, 3, 8)
			b.WriteByte(byte(v))
			j = end
			continue
		}
		j = ansiEscape(f, j+1, &b)
	}
	return []byte(b.String()), nil
}

func base64Stage(args []string, in []byte) ([]byte, error) {
	decode := false
	for _, a := range args {
		switch a {
		case "-d", "--decode", "-D", "-di", "-id", "-i", "--ignore-garbage":
			decode = decode || a != "-i" && a != "--ignore-garbage"
		default:
			return nil, fmt.Errorf("base64 %s is not supported (base64 -d is)", a)
		}
	}
	if !decode {
		return nil, errors.New("base64 without -d would encode; only decoding is supported")
	}
	text := strings.Join(strings.Fields(string(in)), "")
	if out, err := base64.StdEncoding.DecodeString(text); err == nil {
		return out, nil
	}
	out, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(text, "="))
	if err != nil {
		return nil, fmt.Errorf("base64 -d: %w", err)
	}
	return out, nil
}

func (o ImportOptions) catStage(args []string, in []byte, budget *fileBudget) ([]byte, error) {
	if len(args) == 0 {
		return in, nil
	}
	var out []byte
	for _, name := range args {
		if name == "-" {
			out = append(out, in...)
			continue
		}
		b, err := o.readFile(name, "body", budget)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// curlEscape is curl's URL encoding for --data-urlencode: everything but
// the unreserved characters, spaces as %20.
func curlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// basicAuth is the Authorization value for -u user:password.
func basicAuth(userPass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}

// formField is one -F argument.
type formField struct {
	name, value           string
	fileName, contentType string
	file                  bool
}

// curlFileTypes is curl's own small table for -F name=@file, used instead
// of the system's so an import reads the same everywhere.
var curlFileTypes = map[string]string{
	".gif": "image/gif", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
	".svg": "image/svg+xml", ".txt": "text/plain", ".htm": "text/html", ".html": "text/html",
	".pdf": "application/pdf", ".xml": "application/xml", ".json": "application/json",
}

func fileType(name string) string {
	if t, ok := curlFileTypes[strings.ToLower(filepath.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}

// formOptions splits "path;type=x;filename=y" into the path and options.
func formOptions(spec string) (string, map[string]string) {
	parts := strings.Split(spec, ";")
	opts := map[string]string{}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		opts[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"`)
	}
	return parts[0], opts
}

// appendQuery adds -G data to a query.
func appendQuery(query, extra string) string {
	if query == "" {
		return extra
	}
	return query + "&" + extra
}

// contentLength is the Content-Length curl sends with a body.
func contentLength(body []byte) string { return strconv.Itoa(len(body)) }

// unescapeUser decodes the user:password of a URL, as curl does.
func unescapeUser(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
