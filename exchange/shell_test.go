package exchange

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// cmd builds the stages of one command, each stage written as words
// separated by "\x1f" so a word may hold spaces.
func cmd(stages ...string) [][]string {
	out := make([][]string, len(stages))
	for i, s := range stages {
		out[i] = strings.Split(s, "\x1f")
	}
	return out
}

func TestShellCommands(t *testing.T) {
	cases := []struct {
		name, src string
		want      [][][]string
	}{
		{"$'...' newline", `curl $'a\nb'`, [][][]string{cmd("curl\x1fa\nb")}},
		{"$'...' hex and octal", `curl $'\x41\101\u00e9'`, [][][]string{cmd("curl\x1fAAé")}},
		{"$'...' ends at NUL, as in bash", `curl $'a\0b'`, [][][]string{cmd("curl\x1fa")}},
		{"double quote escape", `curl "a\"b"`, [][][]string{cmd("curl\x1fa\"b")}},
		{"double quotes keep other backslashes", `curl "a\nb\\c\$d"`, [][][]string{cmd("curl\x1fa\\nb\\c$d")}},
		{"single quote closed and reopened", `curl 'it'\''s'`, [][][]string{cmd("curl\x1fit's")}},
		{"unquoted backslashes", `curl a\ b\\c \'`, [][][]string{cmd("curl\x1fa b\\c\x1f'")}},
		{"$\"...\"", `curl $"x y"`, [][][]string{cmd("curl\x1fx y")}},
		{"continuations", "curl \\\n  -X POST \\\r\n  'http://h/'\"a\\\nb\"", [][][]string{cmd("curl\x1f-X\x1fPOST\x1fhttp://h/ab")}},
		{"comments", "# first\ncurl http://h/#frag # trailing\n# done\n", [][][]string{cmd("curl\x1fhttp://h/#frag")}},
		{"expansions kept as written", `curl -H "Authorization: Bearer $TOKEN" --data-raw "$(cat x)" $U ${V:-w} ` + "`id`",
			[][][]string{cmd("curl\x1f-H\x1fAuthorization: Bearer $TOKEN\x1f--data-raw\x1f$(cat x)\x1f$U\x1f${V:-w}\x1f`id`")}},
		{"no tilde, glob or brace expansion", `curl ~/a *.json {a,b}`, [][][]string{cmd("curl\x1f~/a\x1f*.json\x1f{a,b}")}},
		{"CRs kept inside quotes only", "curl 'a\r\nb' \"c\r\nd\" $'e\r\n' x\r\ncurl y\r\n",
			[][][]string{cmd("curl\x1fa\r\nb\x1fc\r\nd\x1fe\r\n\x1fx"), cmd("curl\x1fy")}},
		{"pipeline", `echo QQ== | base64 -d |& curl -d @- http://h/`,
			[][][]string{cmd("echo\x1fQQ==", "base64\x1f-d", "curl\x1f-d\x1f@-\x1fhttp://h/")}},
		{"command lists", "a 1 && b || c; d & e\n\nf", [][][]string{cmd("a\x1f1"), cmd("b"), cmd("c"), cmd("d"), cmd("e"), cmd("f")}},
		{"output redirections left out", `curl http://h/ >out 2>&1 3<x; >only`, [][][]string{cmd("curl\x1fhttp://h/")}},
		{"< FILE is cat", `curl -d @- <body.json 0<"b 2"`, [][][]string{cmd("cat\x1fbody.json", "cat\x1fb 2", "curl\x1f-d\x1f@-")}},
		{"<<< WORD is printf", `curl -d @- <<<'a b'`, [][][]string{cmd("printf\x1f%s\x1fa b\n", "curl\x1f-d\x1f@-")}},
		{"here-document", "curl -d @- <<EOF >out\na $X \\$y \\n\r\nb\\\nc\nEOF\ncurl z",
			[][][]string{cmd("printf\x1f%s\x1fa $X $y \\n\nbc\n", "curl\x1f-d\x1f@-"), cmd("curl\x1fz")}},
		{"quoted here-document", "curl -d @- <<'EOF'\na $X \\$y\nEOF\n", [][][]string{cmd("printf\x1f%s\x1fa $X \\$y\n", "curl\x1f-d\x1f@-")}},
		{"<<- drops leading tabs", "curl -d @- <<-EOF\n\ta\n\t\tb\n\tEOF\n", [][][]string{cmd("printf\x1f%s\x1fa\nb\n", "curl\x1f-d\x1f@-")}},
		{"assignments and declarations", `A=1 B+='x y' curl; export C="d e" F; declare -x G`,
			[][][]string{cmd("A=1\x1fB+=x y\x1fcurl"), cmd("export\x1fC=d e\x1fF"), cmd("declare\x1f-x\x1fG")}},
		{"compound commands named by their first word", "if true; then curl x; fi\n(curl y) | curl z\nf() { curl; }",
			[][][]string{cmd("if"), cmd("(curl", "curl\x1fz"), cmd("f()")}},
		{"a pasted prompt is a word", `$ curl x`, [][][]string{cmd("$\x1fcurl\x1fx")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := shellCommands(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestShellCommandsSyntaxErrors(t *testing.T) {
	for _, src := range []string{`curl 'a`, `curl "a`, `curl $'a`, `curl $(a`, "curl <<EOF\na", `curl | | x`} {
		if got, err := shellCommands(src); err == nil {
			t.Errorf("%q: no error, got %q", src, got)
		}
	}
	_, err := ImportOptions{}.importCurl(`curl 'http://h/`)
	if err == nil || !strings.Contains(err.Error(), "reading the curl command: 1:6: reached EOF without closing quote") {
		t.Errorf("unclosed quote: %v", err)
	}
}

func TestShellWords(t *testing.T) {
	cases := map[string][]string{
		``:                                     nil,
		`  a  b `:                              {"a", "b"},
		`body:"payment failed" 'x y'z`:         {"body:payment failed", "x yz"},
		`json:'type == "invoice.paid"'`:        {`json:type == "invoice.paid"`},
		`header:X=$'a\tb' a\ b "q\"r"`:         {"header:X=a\tb", "a b", `q"r`},
		`json:amount>100 sig:valid|x a&&b;c`:   {"json:amount>100", "sig:valid|x", "a&&b;c"},
		`(x) a<b 2>&1 "(q)" '|'`:               {"(x)", "a<b", "2>&1", "(q)", "|"},
		`if then ! { } x=1`:                    {"if", "then", "!", "{", "}", "x=1"},
		`$HOME ~/x body:$(id)`:                 {"$HOME", "~/x", "body:$(id)"},
		`a #comment`:                           {"a"},
		`path:/a#b`:                            {"path:/a#b"},
		`"|" \| "a|b"|c`:                       {"|", "|", "a|b|c"},
		"a\nb":                                 {"a", "b"},
		`body:"the \"q\" mark" body:'it'\''s'`: {`body:the "q" mark`, "body:it's"},
	}
	for text, want := range cases {
		got, err := ShellWords(text)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %q, %v; want %q", text, got, err, want)
		}
	}
	for _, bad := range []string{`"a`, `'a`, `$(a`, `${`} {
		if got, err := ShellWords(bad); err == nil || strings.Contains(err.Error(), "1:") {
			t.Errorf("%q: got %q, %v; want an error without a position", bad, got, err)
		}
	}
}

func TestCurlImportShellForms(t *testing.T) {
	o := ImportOptions{Dir: curlDir(t)}
	cases := []struct {
		name, src  string
		body, auth string
		records    int
	}{
		{"continuation and comment after the command", "curl http://h/ \\\n  --data-raw $'a\\nb' \\\n  -H 'Authorization: x'\n# done\n", "a\nb", "x", 1},
		{"$(...) kept as written", `curl --data-raw "$(cat x)" -H "Authorization: Bearer $TOKEN" http://h/`, "$(cat x)", "Bearer $TOKEN", 1},
		{"< FILE", `curl --data-binary @- http://h/ < raw.txt`, "a b&c", "", 1},
		{"here-document", "curl --data-binary @- http://h/ <<'JSON'\n{\"a\": \"$b\"}\nJSON\ncurl http://h/2", "{\"a\": \"$b\"}\n", "", 2},
		{"<<< WORD", `curl --data-binary @- http://h/ <<< "it's"`, "it's\n", "", 1},
		{"the last redirection wins", `echo x | curl --data-binary @- http://h/ <<<a <raw.txt`, "a b&c", "", 1},
		{"|| and &", "curl -d a http://h/ || curl http://h/2 & curl http://h/3", "a", "", 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := mustImport(t, o, []byte(tc.src), FormatCurl)
			r := res.Records[0]
			if string(r.Body) != tc.body || r.Header.Get("Authorization") != tc.auth || len(res.Records) != tc.records {
				t.Errorf("body %q, auth %q, %d records; warnings %q", r.Body, r.Header.Get("Authorization"), len(res.Records), res.Warnings)
			}
		})
	}
}

// FuzzShellWords checks that any text splits without a panic, and that
// words single-quoted (as the curl export quotes) come back as they were.
// The parser refuses text that is not UTF-8.
func FuzzShellWords(f *testing.F) {
	for _, s := range []string{"a b", `"a|b" c&d`, "x\r\ny 'it'\\''s'", `$'\x41' $(a) ${b} <(c)`, "\x00 \\\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ShellWords(text)
		if !utf8.ValidString(text) {
			return
		}
		words := strings.Fields(text)
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = singleQuote(w)
		}
		got, err := ShellWords(strings.Join(quoted, " "))
		if err != nil || len(got) != len(words) || (len(words) > 0 && !reflect.DeepEqual(got, words)) {
			t.Fatalf("%q: got %q, %v", words, got, err)
		}
	})
}
