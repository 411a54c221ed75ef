package bodyfmt

import (
	"slices"
	"strings"
	"testing"
)

func TestTokenizeJSONLine(t *testing.T) {
	P, K, S, N, L, X := TokenPunct, TokenKey, TokenString, TokenNumber, TokenLiteral, TokenPlain
	tests := []struct {
		line string
		want []Token
	}{
		{`  "name": "a \"q\" b",`, []Token{{"  ", X}, {`"name"`, K}, {":", P}, {" ", X}, {`"a \"q\" b"`, S}, {",", P}}},
		{`"n" : -1.5e+3`, []Token{{`"n"`, K}, {" ", X}, {":", P}, {" ", X}, {"-1.5e+3", N}}},
		{`[true, false, null]`, []Token{{"[", P}, {"true", L}, {",", P}, {" ", X}, {"false", L}, {",", P}, {" ", X}, {"null", L}, {"]", P}}},
		{`{}`, []Token{{"{", P}, {"}", P}}},
		{`"open string`, []Token{{`"open string`, S}}},
		{`"ends in escape\`, []Token{{`"ends in escape\`, S}}},
		{`nullx tru é`, []Token{{"nullx tru é", X}}},
		{``, nil},
	}
	for _, tt := range tests {
		got := TokenizeJSONLine([]byte(tt.line))
		if !slices.Equal(got, tt.want) {
			t.Errorf("TokenizeJSONLine(%q) =\n%v\nwant\n%v", tt.line, got, tt.want)
		}
	}
}

func FuzzTokenizeJSONLine(f *testing.F) {
	for _, s := range []string{`  "k": "v",`, `[1, -2e5, true]`, `"\`, "\xff\x00\"", "é:é"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var b strings.Builder
		for _, tok := range TokenizeJSONLine(line) {
			if tok.Text == "" {
				t.Fatal("empty token")
			}
			b.WriteString(tok.Text)
		}
		if b.String() != string(line) {
			t.Fatalf("tokens %q do not rejoin to %q", b.String(), line)
		}
	})
}
