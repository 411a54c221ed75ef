package composer

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SnippetLangs are the languages Snippet writes, in menu order.
var SnippetLangs = []string{"go", "python", "js", "httpie"}

// Snippet writes req (as Build returned it) and body as code that sends
// the same request: "go" (net/http), "python" (requests), "js" (fetch) or
// "httpie". An unknown language gives an empty string.
func Snippet(lang string, req *http.Request, body []byte) string {
	switch lang {
	case "go":
		return goSnippet(req, body)
	case "python":
		return pythonSnippet(req, body)
	case "js":
		return jsSnippet(req, body)
	case "httpie":
		return httpieSnippet(req, body)
	}
	return ""
}

type header struct{ name, value string }

// snippetHeaders lists the headers sorted by name, values in order, with
// Host first when it differs from the URL's.
func snippetHeaders(req *http.Request) []header {
	var out []header
	if req.Host != "" && req.Host != req.URL.Host {
		out = append(out, header{"Host", req.Host})
	}
	for _, k := range slices.Sorted(maps.Keys(req.Header)) {
		for _, v := range req.Header[k] {
			out = append(out, header{k, v})
		}
	}
	return out
}

// joined merges repeated headers with ", " for languages whose header
// type is a map.
func joined(hs []header) []header {
	var out []header
	idx := map[string]int{}
	for _, h := range hs {
		if i, ok := idx[h.name]; ok {
			out[i].value += ", " + h.value
			continue
		}
		idx[h.name] = len(out)
		out = append(out, h)
	}
	return out
}

// jsonQuote is a double-quoted literal valid in Python and JavaScript.
func jsonQuote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func goSnippet(req *http.Request, body []byte) string {
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n\t\"fmt\"\n\t\"io\"\n\t\"net/http\"\n")
	if len(body) > 0 {
		b.WriteString("\t\"strings\"\n")
	}
	b.WriteString(")\n\nfunc main() {\n")
	bodyArg := "nil"
	if len(body) > 0 {
		fmt.Fprintf(&b, "\tbody := strings.NewReader(%s)\n", strconv.Quote(string(body)))
		bodyArg = "body"
	}
	fmt.Fprintf(&b, "\treq, err := http.NewRequest(%s, %s, %s)\n", strconv.Quote(req.Method), strconv.Quote(req.URL.String()), bodyArg)
	b.WriteString("\tif err != nil {\n\t\tpanic(err)\n\t}\n")
	for _, h := range snippetHeaders(req) {
		if h.name == "Host" {
			fmt.Fprintf(&b, "\treq.Host = %s\n", strconv.Quote(h.value))
			continue
		}
		fmt.Fprintf(&b, "\treq.Header.Add(%s, %s)\n", strconv.Quote(h.name), strconv.Quote(h.value))
	}
	b.WriteString("\tresp, err := http.DefaultClient.Do(req)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n")
	b.WriteString("\tdefer resp.Body.Close()\n\tout, err := io.ReadAll(resp.Body)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n")
	b.WriteString("\tfmt.Println(resp.Status)\n\tfmt.Println(string(out))\n}\n")
	return b.String()
}

func pythonSnippet(req *http.Request, body []byte) string {
	var b strings.Builder
	b.WriteString("import requests\n\n")
	hs := joined(snippetHeaders(req))
	if len(hs) > 0 {
		b.WriteString("headers = {\n")
		for _, h := range hs {
			fmt.Fprintf(&b, "    %s: %s,\n", jsonQuote(h.name), jsonQuote(h.value))
		}
		b.WriteString("}\n")
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			fmt.Fprintf(&b, "data = %s.encode()\n", jsonQuote(string(body)))
		} else {
			fmt.Fprintf(&b, "data = bytes.fromhex(%s)\n", jsonQuote(fmt.Sprintf("%x", body)))
		}
	}
	fmt.Fprintf(&b, "\nresponse = requests.request(%s, %s", jsonQuote(req.Method), jsonQuote(req.URL.String()))
	if len(hs) > 0 {
		b.WriteString(", headers=headers")
	}
	if len(body) > 0 {
		b.WriteString(", data=data")
	}
	b.WriteString(")\nprint(response.status_code)\nprint(response.text)\n")
	return b.String()
}

func jsSnippet(req *http.Request, body []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "const response = await fetch(%s, {\n  method: %s,\n", jsonQuote(req.URL.String()), jsonQuote(req.Method))
	// fetch cannot set Host; it follows the URL.
	var hs []header
	for _, h := range joined(snippetHeaders(req)) {
		if h.name != "Host" {
			hs = append(hs, h)
		}
	}
	if len(hs) > 0 {
		b.WriteString("  headers: {\n")
		for _, h := range hs {
			fmt.Fprintf(&b, "    %s: %s,\n", jsonQuote(h.name), jsonQuote(h.value))
		}
		b.WriteString("  },\n")
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			fmt.Fprintf(&b, "  body: %s,\n", jsonQuote(string(body)))
		} else {
			fmt.Fprintf(&b, "  body: Uint8Array.from(atob(%s), (c) => c.charCodeAt(0)),\n", jsonQuote(base64.StdEncoding.EncodeToString(body)))
		}
	}
	b.WriteString("});\nconsole.log(response.status);\nconsole.log(await response.text());\n")
	return b.String()
}

func httpieSnippet(req *http.Request, body []byte) string {
	var b strings.Builder
	if len(body) > 0 {
		if utf8.Valid(body) {
			b.WriteString("printf '%s' " + shellQuote(string(body)) + " | ")
		} else {
			b.WriteString("echo " + base64.StdEncoding.EncodeToString(body) + " | base64 -d | ")
		}
	}
	b.WriteString("http")
	if len(body) == 0 {
		b.WriteString(" --ignore-stdin")
	}
	b.WriteString(" " + shellQuote(req.Method) + " " + shellQuote(req.URL.String()))
	for _, h := range snippetHeaders(req) {
		if h.value == "" {
			b.WriteString(" " + shellQuote(h.name+";"))
			continue
		}
		b.WriteString(" " + shellQuote(h.name+":"+h.value))
	}
	b.WriteString("\n")
	return b.String()
}
