package bodyfmt

import (
	"slices"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name, ct, body string
		want           Kind
	}{
		{"empty", "application/json", "", Empty},
		{"json ct", "application/json; charset=utf-8", `{"a":1}`, JSON},
		{"json suffix", "application/vnd.api+json", `{}`, JSON},
		{"json ct invalid body", "application/json", `{"a":`, JSON},
		{"json sniffed", "", " \n[1, 2]", JSON},
		{"json sniffed with BOM", "", "\xef\xbb\xbf{\"a\":true}", JSON},
		{"bracket text is not json", "", "[INFO] started", Text},
		{"xml ct", "text/xml", "<a/>", XML},
		{"xml suffix", "application/atom+xml", "<feed/>", XML},
		{"xml sniffed", "", `<?xml version="1.0"?><a/>`, XML},
		{"html ct", "text/html; charset=utf-8", "<p>hi</p>", HTML},
		{"html sniffed", "", "<!DOCTYPE html><html></html>", HTML},
		{"form ct", "application/x-www-form-urlencoded", "a=1&b=2", Form},
		{"form sniffed", "", "token=abc&text=hello+world%21", Form},
		{"prose is text", "", "hello = world", Text},
		{"text ct", "text/plain", "hello", Text},
		{"octet stream text sniffed", "application/octet-stream", `{"a":1}`, JSON},
		{"unknown app type sniffed", "application/x-custom", "plain words", Text},
		{"malformed ct params", "application/json; charset", `{}`, JSON},
		{"upper case ct", "Application/JSON", `{}`, JSON},
		{"nul is binary", "text/plain", "ab\x00cd", Binary},
		{"invalid utf8 is binary", "application/json", "{\"a\":\"\xff\"}", Binary},
		{"truncated rune is text", "text/plain", "caf\xc3", Text},
		{"truncated 3-byte rune", "", "x \xe2\x82", Text},
		{"image", "image/png", "\x89PNG\r\n", Image},
		{"image even if text", "image/svg+xml", "<svg/>", Image},
		{"pdf", "application/pdf", "%PDF-1.4", Binary},
		{"multipart form", "multipart/form-data; boundary=x", "--x\r\n", Multipart},
		{"multipart binary", "Multipart/Mixed; boundary=x", "--x\r\n\x00\xff", Multipart},
		{"multipart no boundary", "multipart/related", "--x", Multipart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.ct, []byte(tt.body)); got != tt.want {
				t.Errorf("Classify(%q, %q) = %v, want %v", tt.ct, tt.body, got, tt.want)
			}
		})
	}
}

func TestModes(t *testing.T) {
	tests := []struct {
		kind Kind
		want []Mode
	}{
		{JSON, []Mode{ModePretty, ModeRaw, ModeHex}},
		{XML, []Mode{ModePretty, ModeRaw, ModeHex}},
		{HTML, []Mode{ModePretty, ModeRaw, ModeHex}},
		{Form, []Mode{ModeForm, ModeRaw, ModeHex}},
		{Text, []Mode{ModeRaw, ModeHex}},
		{Binary, []Mode{ModeHex}},
		{Image, []Mode{ModeImage, ModeHex}},
		{Multipart, []Mode{ModeParts, ModeRaw, ModeHex}},
		{Empty, []Mode{ModeRaw}},
	}
	for _, tt := range tests {
		if got := Modes(tt.kind); !slices.Equal(got, tt.want) {
			t.Errorf("Modes(%v) = %v, want %v", tt.kind, got, tt.want)
		}
	}
}

func TestKindString(t *testing.T) {
	if JSON.String() != "JSON" || Binary.String() != "binary" || Multipart.String() != "multipart" || Kind(99).String() != "unknown" {
		t.Error("unexpected kind names")
	}
}
