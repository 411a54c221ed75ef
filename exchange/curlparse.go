package exchange

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"

	"dev.hookscope/storage"
)

// curlParse collects what one curl command's arguments say.
type curlParse struct {
	o         ImportOptions
	stdin     []byte
	haveStdin bool
	budget    *fileBudget // what the command may still read from files

	method, url, target, proto string
	host                       string
	haveHost                   bool
	header                     http.Header
	removed                    map[string]bool // "-H 'Name:'": no default either
	cookies                    []string

	data            bytes.Buffer
	hasData, isJSON bool
	lastJSON        bool
	form            []formField
	upload          []byte
	uploadName      string
	haveUpload      bool
	get, head       bool
	compressed      bool
	user            string
	haveUser        bool
	warnings        []string
}

func newCurlParse(o ImportOptions, stdin []byte, haveStdin bool, budget *fileBudget) *curlParse {
	return &curlParse{o: o, stdin: stdin, haveStdin: haveStdin, budget: budget, proto: "HTTP/1.1", header: http.Header{}, removed: map[string]bool{}}
}

// curlOpt is one option: whether it takes a value, and what it does (nil:
// nothing that changes the request, such as --silent or --max-time).
type curlOpt struct {
	arg   bool
	apply func(c *curlParse, v string) error
}

var curlOpts map[string]curlOpt

// curlShort maps single-letter options to their long names.
var curlShort = map[byte]string{
	'X': "--request", 'H': "--header", 'd': "--data", 'F': "--form", 'u': "--user", 'G': "--get",
	'I': "--head", 'A': "--user-agent", 'e': "--referer", 'b': "--cookie", 'T': "--upload-file",
	'r': "--range", '0': "--http1.0", 'o': "--output", 'm': "--max-time", 'x': "--proxy",
	'w': "--write-out", 'c': "--cookie-jar", 'E': "--cert", 'K': "--config", 'D': "--dump-header",
	'C': "--continue-at", 'U': "--proxy-user", 'y': "--speed-time", 'Y': "--speed-limit",
	'z': "--time-cond", 's': "--silent", 'S': "--show-error", 'v': "--verbose", 'L': "--location",
	'k': "--insecure", 'i': "--include", 'f': "--fail", 'g': "--globoff", '#': "--progress-bar",
	'N': "--no-buffer", '4': "--ipv4", '6': "--ipv6", 'O': "--remote-name", 'J': "--remote-header-name",
	'n': "--netrc", 'q': "--disable", 'j': "--junk-session-cookies", 'Z': "--parallel", 'R': "--remote-time",
	'p': "--proxytunnel", 'a': "--append", 'B': "--use-ascii", 'l': "--list-only",
}

func init() {
	curlOpts = map[string]curlOpt{
		"--request":        {true, func(c *curlParse, v string) error { c.method = v; return nil }},
		"--header":         {true, (*curlParse).addHeader},
		"--data":           {true, func(c *curlParse, v string) error { return c.addData(v, true, true, false) }},
		"--data-ascii":     {true, func(c *curlParse, v string) error { return c.addData(v, true, true, false) }},
		"--data-raw":       {true, func(c *curlParse, v string) error { return c.addData(v, false, false, false) }},
		"--data-binary":    {true, func(c *curlParse, v string) error { return c.addData(v, true, false, false) }},
		"--json":           {true, func(c *curlParse, v string) error { return c.addData(v, true, false, true) }},
		"--data-urlencode": {true, (*curlParse).addURLEncoded},
		"--form":           {true, func(c *curlParse, v string) error { return c.addForm(v, false) }},
		"--form-string":    {true, func(c *curlParse, v string) error { return c.addForm(v, true) }},
		"--user":           {true, func(c *curlParse, v string) error { c.user, c.haveUser = v, true; return nil }},
		"--get":            {false, func(c *curlParse, _ string) error { c.get = true; return nil }},
		"--head":           {false, func(c *curlParse, _ string) error { c.head = true; return nil }},
		"--user-agent":     {true, func(c *curlParse, v string) error { return c.addHeader("User-Agent: " + v) }},
		"--referer":        {true, func(c *curlParse, v string) error { return c.addHeader("Referer: " + strings.TrimSuffix(v, ";auto")) }},
		"--cookie":         {true, (*curlParse).addCookie},
		"--upload-file":    {true, (*curlParse).addUpload},
		"--range":          {true, func(c *curlParse, v string) error { return c.addHeader("Range: bytes=" + v) }},
		"--url":            {true, func(c *curlParse, v string) error { c.addURL(v); return nil }},
		"--request-target": {true, func(c *curlParse, v string) error { c.target = v; return nil }},
		"--compressed":     {false, func(c *curlParse, _ string) error { c.compressed = true; return nil }},
		"--http1.0":        {false, func(c *curlParse, _ string) error { c.proto = "HTTP/1.0"; return nil }},
		"--oauth2-bearer":  {true, func(c *curlParse, v string) error { return c.addHeader("Authorization: Bearer " + v) }},
	}
	for _, name := range strings.Fields(`--silent --show-error --verbose --location --insecure --include
		--fail --fail-with-body --fail-early --globoff --path-as-is --progress-bar --no-buffer --http1.1 --http2
		--http2-prior-knowledge --http3 --http3-only --ipv4 --ipv6 --remote-name --remote-header-name --netrc
		--netrc-optional --location-trusted --tcp-nodelay --no-keepalive --no-progress-meter --raw --disable
		--junk-session-cookies --parallel --create-dirs --list-only --proxytunnel --remote-time --ssl --ssl-reqd
		--tlsv1 --tlsv1.0 --tlsv1.1 --tlsv1.2 --tlsv1.3 --append --use-ascii --basic --no-sessionid
		--styled-output --no-styled-output --show-headers --no-clobber --remove-on-error --retry-all-errors
		--retry-connrefused --http0.9 --no-alpn --no-npn --false-start --tcp-fastopen --compressed-ssh`) {
		curlOpts[name] = curlOpt{}
	}
	for _, name := range strings.Fields(`--output --max-time --connect-timeout --retry --retry-delay
		--retry-max-time --write-out --max-redirs --cacert --capath --cert --key --cert-type --key-type --pass
		--resolve --connect-to --limit-rate --interface --dump-header --cookie-jar --proxy --proxy-user
		--output-dir --trace --trace-ascii --stderr --speed-time --speed-limit --expect100-timeout
		--keepalive-time --dns-servers --continue-at --time-cond --ciphers --local-port --unix-socket
		--abstract-unix-socket --noproxy --max-filesize --happy-eyeballs-timeout-ms --trace-config
		--parallel-max --rate --etag-save --etag-compare --pinnedpubkey --tls-max --curves --proto
		--proto-redir --proto-default --dns-interface --dns-ipv4-addr --dns-ipv6-addr --preproxy
		--proxy-header --socks5 --socks5-hostname --socks4 --socks4a --ftp-port --quote --telnet-option`) {
		curlOpts[name] = curlOpt{arg: true}
	}
}

func (c *curlParse) warn(format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
}

func (c *curlParse) parse(words []string) (*storage.Record, []string, error) {
	for i := 0; i < len(words); i++ {
		w := words[i]
		var err error
		switch {
		case w == "--":
			for _, u := range words[i+1:] {
				c.addURL(u)
			}
			i = len(words)
		case strings.HasPrefix(w, "--"):
			i, err = c.long(words, i)
		case len(w) > 1 && w[0] == '-':
			i, err = c.short(words, i)
		default:
			c.addURL(w)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	rec, err := c.record()
	return rec, c.warnings, err
}

// long applies words[i], a --option, and returns the index of the last
// word it used.
func (c *curlParse) long(words []string, i int) (int, error) {
	opt, ok := curlOpts[words[i]]
	if !ok {
		c.warn("ignored %s, an option the import does not know", words[i])
		return i, nil
	}
	v := ""
	if opt.arg {
		if i+1 >= len(words) {
			return i, fmt.Errorf("%s needs a value", words[i])
		}
		i++
		v = words[i]
	}
	if opt.apply == nil {
		return i, nil
	}
	return i, opt.apply(c, v)
}

// short applies a cluster of single-letter options ("-sSL", "-XPOST",
// "-d@file"); the first one that takes a value takes the rest of the word
// or, when nothing is left, the next word.
func (c *curlParse) short(words []string, i int) (int, error) {
	w := words[i]
	for j := 1; j < len(w); j++ {
		name, ok := curlShort[w[j]]
		if !ok {
			c.warn("ignored -%c, an option the import does not know", w[j])
			continue
		}
		opt := curlOpts[name]
		if !opt.arg {
			if opt.apply != nil {
				if err := opt.apply(c, ""); err != nil {
					return i, err
				}
			}
			continue
		}
		v := w[j+1:]
		if v == "" {
			if i+1 >= len(words) {
				return i, fmt.Errorf("-%c needs a value", w[j])
			}
			i++
			v = words[i]
		}
		if opt.apply == nil {
			return i, nil
		}
		return i, opt.apply(c, v)
	}
	return i, nil
}

func (c *curlParse) addURL(u string) {
	if c.url != "" {
		c.warn("only the first URL is imported; %s was not", u)
		return
	}
	c.url = strings.TrimSpace(u)
}

// addHeader follows curl: "Name: value" adds, "Name:" removes (curl's own
// default too), "Name;" sends an empty value, "@file" reads lines.
func (c *curlParse) addHeader(v string) error {
	if file, ok := strings.CutPrefix(v, "@"); ok {
		b, err := c.readArg(file, "headers")
		if err != nil {
			return err
		}
		for line := range strings.Lines(string(b)) {
			if line = strings.TrimSpace(line); line != "" {
				if err := c.addHeader(line); err != nil {
					return err
				}
			}
		}
		return nil
	}
	name, value, ok := strings.Cut(v, ":")
	empty := false
	if !ok {
		if name, ok = strings.CutSuffix(strings.TrimSpace(v), ";"); !ok {
			c.warn("ignored the header %q: it has no colon", v)
			return nil
		}
		empty = true
	}
	name, value = http.CanonicalHeaderKey(strings.TrimSpace(name)), strings.TrimSpace(value)
	switch {
	case value == "" && !empty:
		delete(c.header, name)
		c.removed[name] = true
		if name == "Host" {
			c.haveHost = false
		}
	case name == "Host":
		c.host, c.haveHost = value, true
	default:
		c.header[name] = append(c.header[name], value)
	}
	return nil
}

// readArg reads a file named in an argument, for use ("body" or
// "headers"); "-" is the pipeline's stdin.
func (c *curlParse) readArg(name, use string) ([]byte, error) {
	if name != "-" {
		return c.o.readFile(name, use, c.budget)
	}
	if !c.haveStdin {
		return nil, errors.New("the command reads stdin (@-), which an import cannot supply; save the body to a file and use @file")
	}
	return c.stdin, nil
}

// addData adds one -d/--data-binary/--json part; parts join with "&" as
// curl joins them (consecutive --json parts join with nothing).
func (c *curlParse) addData(v string, files, stripNewlines, json bool) error {
	if name, ok := strings.CutPrefix(v, "@"); ok && files {
		b, err := c.readArg(name, "body")
		if err != nil {
			return err
		}
		if stripNewlines {
			b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r"), nil), []byte("\n"), nil)
		}
		v = string(b)
	}
	if c.hasData && !(json && c.lastJSON) {
		c.data.WriteByte('&')
	}
	c.data.WriteString(v)
	c.hasData, c.lastJSON = true, json
	c.isJSON = c.isJSON || json
	return nil
}

// addURLEncoded handles --data-urlencode's forms: content, =content,
// name=content, @file and name@file.
func (c *curlParse) addURLEncoded(v string) error {
	eq, at := strings.IndexByte(v, '='), strings.IndexByte(v, '@')
	switch {
	case eq >= 0 && (at < 0 || eq < at):
		if eq == 0 {
			return c.addData(curlEscape(v[1:]), false, false, false)
		}
		return c.addData(v[:eq]+"="+curlEscape(v[eq+1:]), false, false, false)
	case at >= 0:
		b, err := c.readArg(v[at+1:], "body")
		if err != nil {
			return err
		}
		part := curlEscape(string(b))
		if at > 0 {
			part = v[:at] + "=" + part
		}
		return c.addData(part, false, false, false)
	}
	return c.addData(curlEscape(v), false, false, false)
}

// addForm reads -F name=value, name=@file (a file part) and name=<file
// (a field whose value is the file); --form-string takes value literally.
func (c *curlParse) addForm(v string, literal bool) error {
	name, rest, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("the form field %q has no '='", v)
	}
	if literal || rest == "" || (rest[0] != '@' && rest[0] != '<') {
		f := formField{name: name, value: rest}
		if i := strings.LastIndex(rest, ";type="); i >= 0 && !literal {
			f.value, f.contentType = rest[:i], rest[i+len(";type="):]
		}
		c.form = append(c.form, f)
		return nil
	}
	path, opts := formOptions(rest[1:])
	b, err := c.readArg(path, "body")
	if err != nil {
		return err
	}
	f := formField{name: name, value: string(b), contentType: opts["type"], file: rest[0] == '@'}
	if f.file {
		f.fileName = opts["filename"]
		if f.fileName == "" {
			f.fileName = filepath.Base(path)
		}
		if f.contentType == "" {
			f.contentType = fileType(f.fileName)
		}
	}
	c.form = append(c.form, f)
	return nil
}

func (c *curlParse) addCookie(v string) error {
	if !strings.Contains(v, "=") {
		c.warn("ignored -b %s: reading cookies from a file is not imported", v)
		return nil
	}
	c.cookies = append(c.cookies, v)
	return nil
}

func (c *curlParse) addUpload(v string) error {
	b, err := c.readArg(v, "body")
	if err != nil {
		return err
	}
	c.upload, c.uploadName, c.haveUpload = b, filepath.Base(v), true
	return nil
}

// record builds the request curl would send, with the headers curl adds
// that belong to the request (Content-Type, Content-Length,
// Authorization, ...). curl's User-Agent and Accept: */* are left out:
// they describe curl, not the request.
func (c *curlParse) record() (*storage.Record, error) {
	if c.url == "" {
		return nil, errors.New("no URL")
	}
	raw := c.url
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	host, path, query := urlParts(raw)
	if c.target != "" {
		path, query = pathOnly(c.target), queryOnly(c.target)
	}
	if c.haveUpload && strings.HasSuffix(path, "/") {
		path += c.uploadName
	}
	if c.get && c.hasData {
		query = appendQuery(query, c.data.String())
	}
	body, err := c.body()
	if err != nil {
		return nil, err
	}
	c.defaults(raw, body)
	if c.haveHost {
		host = c.host
	}
	rec := &storage.Record{
		Summary:  storage.Summary{Method: c.methodName(), Path: path, ReceivedAt: c.o.now()},
		RawQuery: query, Proto: c.proto, Host: host, Header: c.header, Body: body,
	}
	return finish(rec), nil
}

func (c *curlParse) methodName() string {
	switch {
	case c.method != "":
		return c.method
	case c.head:
		return http.MethodHead
	case c.get:
		return http.MethodGet
	case c.haveUpload:
		return http.MethodPut
	case c.hasData || len(c.form) > 0:
		return http.MethodPost
	}
	return http.MethodGet
}

func (c *curlParse) sendsBody() bool {
	return c.hasData && !c.get || len(c.form) > 0 || c.haveUpload
}

func (c *curlParse) body() ([]byte, error) {
	switch {
	case len(c.form) > 0:
		if c.hasData {
			c.warn("both -d and -F given (curl refuses that); the form was imported")
		}
		return c.multipart()
	case c.hasData && !c.get:
		return c.data.Bytes(), nil
	case c.haveUpload:
		return c.upload, nil
	}
	return nil, nil
}

// multipart encodes -F fields, keeping a boundary the user's
// Content-Type names so the body matches its header.
func (c *curlParse) multipart() ([]byte, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	userType := c.header.Get("Content-Type")
	if _, params, err := mime.ParseMediaType(userType); err == nil && params["boundary"] != "" {
		if err := mw.SetBoundary(params["boundary"]); err != nil {
			return nil, fmt.Errorf("the boundary in Content-Type: %w", err)
		}
	} else if !c.removed["Content-Type"] {
		c.header.Set("Content-Type", mw.FormDataContentType())
	}
	for _, f := range c.form {
		if err := writePart(mw, f.name, f.fileName, f.contentType, []byte(f.value)); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// defaults adds the headers curl derives from options, unless the command
// set or removed them with -H.
func (c *curlParse) defaults(rawURL string, body []byte) {
	if c.isJSON && !c.get {
		c.setDefault("Content-Type", "application/json")
		c.setDefault("Accept", "application/json")
	}
	if c.sendsBody() {
		if c.hasData && len(c.form) == 0 && !c.haveUpload {
			c.setDefault("Content-Type", "application/x-www-form-urlencoded")
		}
		c.setDefault("Content-Length", contentLength(body))
	}
	if c.compressed {
		c.setDefault("Accept-Encoding", "deflate, gzip, br, zstd")
	}
	if len(c.cookies) > 0 {
		c.setDefault("Cookie", strings.Join(c.cookies, "; "))
	}
	if c.haveUser {
		if !strings.Contains(c.user, ":") {
			c.warn("-u %s has no password (curl would ask for one); imported with an empty one", c.user)
			c.user += ":"
		}
		c.setDefault("Authorization", basicAuth(c.user))
	} else if info, ok := userinfo(rawURL); ok {
		c.setDefault("Authorization", basicAuth(unescapeUser(info)))
	}
}

func (c *curlParse) setDefault(name, value string) {
	if c.removed[name] || len(c.header[name]) > 0 {
		return
	}
	c.header.Set(name, value)
}
