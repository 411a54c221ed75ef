package bodyview

import (
	"bytes"
	"testing"
)

func TestSaveWritesTheBodyNotTheFormattedText(t *testing.T) {
	h := newHarness(t)
	body := []byte(`{"a":1}`)
	h.v.SetBody(body, "application/json")
	var buf bytes.Buffer
	if err := h.v.WriteBody(&buf); err != nil || buf.String() != `{"a":1}` {
		t.Fatalf("saved %q %v", buf.String(), err)
	}
	h.v.SetBodyEncoded(gzipped(t, body), "application/json", "gzip")
	buf.Reset()
	h.v.WriteBody(&buf)
	if buf.String() != `{"a":1}` {
		t.Fatalf("decoded body saved as %q", buf.String())
	}
	if extensionFor("application/json; charset=utf-8") != ".json" || extensionFor("image/png") != ".png" || extensionFor("") != ".bin" {
		t.Fatal("file extensions")
	}
}
