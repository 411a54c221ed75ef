package diff

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestBinaryBodies(t *testing.T) {
	for _, tc := range []struct {
		a, b, want string
		same       bool
	}{
		{"\x00\x01\x02", "\x00\x01\x03", "bodies differ: 3 vs 3 bytes, first difference at byte 2", false},
		{"\xff\xfe", "\xff\xfe", "bodies are identical", true},
		{"abc", "abc\x00def", "bodies differ: 3 vs 7 bytes, first difference at byte 3", false},
		{"", "\x89PNG", "bodies differ: 0 vs 4 bytes, first difference at byte 0", false},
		{"text", "\xc3\x28", "bodies differ: 4 vs 2 bytes, first difference at byte 0", false},
	} {
		body := Bodies([]byte(tc.a), []byte(tc.b), "", "")
		if body.Kind != BodyBinary || body.Statement != tc.want || body.Identical != tc.same {
			t.Errorf("%q vs %q: %v %q identical %v", tc.a, tc.b, body.Kind, body.Statement, body.Identical)
		}
	}
	// A long common prefix exercises the chunked comparison.
	a := bytes.Repeat([]byte{0}, 100_000)
	b := bytes.Clone(a)
	b[77_777] = 1
	if got := Bodies(a, b, "", "").Statement; !strings.HasSuffix(got, "first difference at byte 77777") {
		t.Errorf("%q", got)
	}
}

func TestEmptyBodies(t *testing.T) {
	body := Bodies(nil, []byte{}, "", "application/json")
	if !body.Identical || body.Statement != "both bodies are empty" || body.summary() != "" {
		t.Fatalf("%+v", body)
	}
	body = Bodies(nil, []byte("hello\nworld\n"), "", "text/plain")
	if body.Kind != BodyText || body.summary() != "2 body lines added" {
		t.Fatalf("%v %q", body.Kind, body.summary())
	}
}

func TestTextBodies(t *testing.T) {
	body := Bodies([]byte("one\ntwo\nthree\n"), []byte("one\n2\nthree\nfour\n"), "text/plain", "text/plain")
	want := []Line{
		{Op: Equal, A: 1, B: 1, Text: "one"},
		{Op: Delete, A: 2, Text: "two"},
		{Op: Insert, B: 2, Text: "2"},
		{Op: Equal, A: 3, B: 3, Text: "three"},
		{Op: Insert, B: 4, Text: "four"},
	}
	if len(body.Lines) != len(want) {
		t.Fatalf("%+v", body.Lines)
	}
	for i := range want {
		if body.Lines[i] != want[i] {
			t.Fatalf("line %d: %+v, want %+v", i, body.Lines[i], want[i])
		}
	}
	if s := body.summary(); s != "1 body line removed, 2 added" {
		t.Fatalf("summary %q", s)
	}

	crlf := Bodies([]byte("a\r\nb\r\n"), []byte("a\nb"), "text/plain", "text/plain")
	if crlf.Identical || crlf.summary() != "bodies differ only in line endings" {
		t.Fatalf("%q", crlf.summary())
	}
}

// A JSON body cut at capture is not valid JSON; re-indenting both sides
// still lets the line diff point at the missing tail.
func TestTruncatedJSONIsReindented(t *testing.T) {
	full := `{"id":"evt_1","data":{"items":[{"sku":"A"},{"sku":"B"}]},"livemode":false}`
	cut := full[:40]
	body := Bodies([]byte(full), []byte(cut), "application/json", "application/json")
	if body.Kind != BodyText || !body.Reformatted {
		t.Fatalf("kind %v reformatted %v", body.Kind, body.Reformatted)
	}
	if body.Lines[0].Text != "{" || body.Lines[1].Op != Equal || body.Lines[1].Text != `  "id": "evt_1",` {
		t.Fatalf("lines %+v", body.Lines[:2])
	}
	ins, del := body.LineCounts()
	if ins == 0 || del == 0 || del > 12 {
		t.Fatalf("inserted %d deleted %d: %+v", ins, del, body.Lines)
	}
}

func TestIndentLooseMatchesJSONIndent(t *testing.T) {
	for _, s := range []string{
		`{"a":[1,2,{"b":{}}],"c":[],"d":"x,y:{z}","e":"q\"}"}`,
		`[]`, `{}`, `"s"`, `[[[]],[{}]]`, ` { "a" : 1 } `,
	} {
		var want bytes.Buffer
		if err := json.Indent(&want, bytes.TrimSpace([]byte(s)), "", "  "); err != nil {
			t.Fatal(err)
		}
		if got := indentLoose([]byte(s), 1<<20); string(got) != want.String() {
			t.Errorf("%s:\n got %s\nwant %s", s, got, want.String())
		}
	}
	deep := strings.Repeat("[", 100_000)
	if got := indentLoose([]byte(deep), 1<<20); len(got) > 1<<20+2*maxIndent+2 {
		t.Errorf("output %d bytes past the limit", len(got))
	}
}

func TestXMLBodiesAreReindented(t *testing.T) {
	a := `<a><b>1</b><c>2</c></a>`
	b := `<a><b>1</b><c>3</c></a>`
	body := Bodies([]byte(a), []byte(b), "application/xml", "text/xml")
	if !body.Reformatted {
		t.Fatal("not re-indented")
	}
	ins, del := body.LineCounts()
	if ins != 1 || del != 1 {
		t.Fatalf("%+v", body.Lines)
	}
}

func TestFormBodies(t *testing.T) {
	body := Bodies([]byte("From=%2B1555&Body=hi&Tag=a&Tag=b"), []byte("From=%2B1555&Body=hello&Tag=a&Sid=SM1"),
		"application/x-www-form-urlencoded", "application/x-www-form-urlencoded")
	want := []Change{
		{Path: "Body", Kind: Changed, Old: "hi", New: "hello"},
		{Path: "Tag", Kind: Removed, Old: "b"},
		{Path: "Sid", Kind: Added, New: "SM1"},
	}
	if body.Kind != BodyForm || len(body.Changes) != len(want) {
		t.Fatalf("%v %+v", body.Kind, body.Changes)
	}
	for i := range want {
		if body.Changes[i] != want[i] {
			t.Errorf("change %d: %+v want %+v", i, body.Changes[i], want[i])
		}
	}
	if s := body.summary(); s != "1 form field changed, 1 added, 1 removed" {
		t.Errorf("summary %q", s)
	}
}
