package bodyfmt

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// all returns every display line as a string.
func all(l *Lines) []string {
	out := make([]string, l.Len())
	for i := range out {
		out[i] = string(l.Line(i))
	}
	return out
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name string
		body string
		kind Kind
		mode Mode
		want []string
	}{
		{"pretty json", `{"a":1,"b":[true,null]}`, JSON, ModePretty,
			[]string{`{`, `  "a": 1,`, `  "b": [`, `    true,`, `    null`, `  ]`, `}`}},
		{"raw json", `{"a":1}`, JSON, ModeRaw, []string{`{"a":1}`}},
		{"raw keeps lines", "a\r\nb\n\nc", Text, ModeRaw, []string{"a", "b", "", "c"}},
		{"raw trailing newline", "a\n", Text, ModeRaw, []string{"a"}},
		{"raw invalid utf8", "ok\xff\xfeok", Binary, ModeRaw, []string{"ok\uFFFDok"}},
		{"pretty text is raw", "x y", Text, ModePretty, []string{"x y"}},
		{"pretty xml", `<?xml version="1.0"?><a x="1"><b>hi &amp; bye</b><c/><d></d><!-- n --></a>`, XML, ModePretty,
			[]string{`<?xml version="1.0"?>`, `<a x="1">`, `  <b>hi &amp; bye</b>`, `  <c/>`, `  <d/>`, `  <!-- n -->`, `</a>`}},
		{"pretty xml namespaces kept", `<s:Env xmlns:s="u"><s:Body>1</s:Body></s:Env>`, XML, ModePretty,
			[]string{`<s:Env xmlns:s="u">`, `  <s:Body>1</s:Body>`, `</s:Env>`}},
		{"pretty xml reindents", "<a>\n      <b>\n  <c>x</c></b>\n</a>", XML, ModePretty,
			[]string{`<a>`, `  <b>`, `    <c>x</c>`, `  </b>`, `</a>`}},
		{"form decoded in order", "z=1&a=hello+world&m=%C3%A9%26x&flag&=v&&b=", Form, ModeForm,
			[]string{"z = 1", "a = hello world", "m = é&x", "flag", " = v", "b = "}},
		{"form bad escape kept", "a=%zz&b=%41", Form, ModeForm, []string{"a = %zz", "b = A"}},
		{"form escapes newlines", "msg=line1%0Aline2%09x%01", Form, ModeForm, []string{`msg = line1\nline2\tx\x01`}},
		{"form trailing newline", "a=1\r\n", Form, ModeForm, []string{"a = 1"}},
		{"hex", "Hello, hex world!\n", Text, ModeHex, []string{
			"00000000  48 65 6c 6c 6f 2c 20 68  65 78 20 77 6f 72 6c 64  |Hello, hex world|",
			"00000010  21 0a                                             |!.|",
		}},
		{"hex short", "\x00\xff", Binary, ModeHex, []string{
			"00000000  00 ff                                             |..|",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Format([]byte(tt.body), tt.kind, tt.mode, 0)
			if err != nil {
				t.Fatalf("Format: %v", err)
			}
			if got := all(l); !slices.Equal(got, tt.want) {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestFormatEmpty(t *testing.T) {
	for _, mode := range []Mode{ModePretty, ModeRaw, ModeHex, ModeForm} {
		l, err := Format(nil, Empty, mode, 80)
		if err != nil || l.Len() != 0 {
			t.Errorf("%s: Len=%d err=%v, want empty", mode, l.Len(), err)
		}
	}
}

func TestFormatUnknownMode(t *testing.T) {
	if _, err := Format([]byte("x"), Text, "nope", 0); err == nil {
		t.Fatal("want error for unknown mode")
	}
}

func TestInvalidJSONFallsBackToRaw(t *testing.T) {
	l, err := Format([]byte(`{"a": tru}`), JSON, ModePretty, 0)
	var fb *FallbackError
	if !errors.As(err, &fb) || fb.What != "JSON" {
		t.Fatalf("err = %v, want *FallbackError for JSON", err)
	}
	if got := all(l); !slices.Equal(got, []string{`{"a": tru}`}) {
		t.Errorf("lines = %q, want raw", got)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "not valid JSON") || !strings.Contains(msg, "showing raw") {
		t.Errorf("notice %q", msg)
	}
}

func TestInvalidXMLFallsBackToRaw(t *testing.T) {
	l, err := Format([]byte("<a><b></a"), XML, ModePretty, 0)
	var fb *FallbackError
	if !errors.As(err, &fb) || fb.What != "XML" {
		t.Fatalf("err = %v, want *FallbackError for XML", err)
	}
	if l.Len() != 1 || string(l.Line(0)) != "<a><b></a" {
		t.Errorf("lines = %q, want raw", all(l))
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name string
		text string
		wrap int
		want []string
	}{
		{"exact fit", "abcd", 4, []string{"abcd"}},
		{"split", "abcdefghij\nxy", 4, []string{"abcd", "efgh", "ij", "xy"}},
		{"runes not bytes", "ééééé", 2, []string{"éé", "éé", "é"}},
		{"crlf", "abcdef\r\ng", 3, []string{"abc", "def", "", "g"}},
		{"no wrap", strings.Repeat("x", 500), 0, []string{strings.Repeat("x", 500)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Format([]byte(tt.text), Text, ModeRaw, tt.wrap)
			if err != nil {
				t.Fatal(err)
			}
			if got := all(l); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestContinuedAndRewrap(t *testing.T) {
	l, _ := Format([]byte("abcdef\nxy"), Text, ModeRaw, 4)
	want := []bool{false, true, false}
	for i, w := range want {
		if l.Continued(i) != w {
			t.Errorf("Continued(%d) = %v", i, !w)
		}
	}
	if l.LineStart(1) != 4 {
		t.Errorf("LineStart(1) = %d", l.LineStart(1))
	}
	r := l.Rewrap(0)
	if got := all(r); !slices.Equal(got, []string{"abcdef", "xy"}) {
		t.Errorf("rewrap: %q", got)
	}
	if l.Rewrap(4) != l {
		t.Error("rewrap to the same width should reuse the index")
	}
}

func TestHexWrap(t *testing.T) {
	l, err := Format([]byte("0123456789abcdef"), Binary, ModeHex, 40)
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 2 || strings.Join(all(l), "") != "00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|" {
		t.Errorf("got %q", all(l))
	}
	if !l.Continued(1) {
		t.Error("second piece should be a continuation")
	}
}

func TestHexDumpLineCount(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 4096} {
		l, err := HexDump(make([]byte, n))
		if err != nil {
			t.Fatal(err)
		}
		if want := (n + 15) / 16; l.Len() != want {
			t.Errorf("n=%d: Len=%d, want %d", n, l.Len(), want)
		}
		for i := range l.Len() {
			if got := utf8.RuneCount(l.Line(i)); i < l.Len()-1 && got != hexLineLen {
				t.Fatalf("n=%d line %d has %d runes", n, i, got)
			}
		}
	}
}

func TestPrettyJSONWrapsLongStrings(t *testing.T) {
	long := strings.Repeat("x", 250)
	l, err := Format([]byte(`{"k":"`+long+`"}`), JSON, ModePretty, 100)
	if err != nil {
		t.Fatal(err)
	}
	var joined strings.Builder
	for i := range l.Len() {
		if n := utf8.RuneCount(l.Line(i)); n > 100 {
			t.Fatalf("line %d has %d runes", i, n)
		}
		if i > 0 && !l.Continued(i) {
			joined.WriteByte('\n')
		}
		joined.Write(l.Line(i))
	}
	if want := "{\n  \"k\": \"" + long + "\"\n}"; joined.String() != want {
		t.Errorf("wrapped lines do not rejoin to the text")
	}
}

func FuzzFormat(f *testing.F) {
	for _, s := range []string{`{"a":[1,2]}`, "<a><b>x</b></a>", "a=1&b=%zz", "\x00\xff", "é\r\n", ""} {
		f.Add([]byte(s), 7)
	}
	f.Fuzz(func(t *testing.T, body []byte, wrap int) {
		wrap %= 200
		kind := Classify("", body)
		for _, mode := range []Mode{ModePretty, ModeRaw, ModeHex, ModeForm} {
			l, err := Format(body, kind, mode, wrap)
			if l == nil {
				t.Fatalf("%s: nil lines (err %v)", mode, err)
			}
			checkLines(t, l, wrap)
		}
	})
}

func checkLines(t *testing.T, l *Lines, wrap int) {
	t.Helper()
	prev := int32(-1)
	for i := range l.Len() {
		if l.Starts[i] <= prev {
			t.Fatalf("starts not increasing at %d", i)
		}
		prev = l.Starts[i]
		if n := utf8.RuneCount(l.Line(i)); wrap > 0 && n > wrap {
			t.Fatalf("line %d has %d runes, wrap %d", i, n, wrap)
		}
	}
}

func TestQuoteControls(t *testing.T) {
	for _, c := range []struct{ in, tab, want string }{
		{"plain é", "", "plain é"},
		{"a\nb\r\tc\x00\x1f\x7f", "", `a\nb\r\tc\x00\x1f\x7f`},
		{"\tindent\t", "    ", "    indent    "},
		{"", "", ""},
	} {
		if got := QuoteControls(c.in, c.tab); got != c.want {
			t.Errorf("QuoteControls(%q, %q) = %q, want %q", c.in, c.tab, got, c.want)
		}
	}
}
