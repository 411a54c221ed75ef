package bodyfmt

// TokenType is the highlighting class of a JSON token.
type TokenType int

// Token types for JSON highlighting.
const (
	TokenPlain   TokenType = iota // whitespace and anything unrecognised
	TokenKey                      // an object key, quotes included
	TokenString                   // a string value, quotes included
	TokenNumber                   // a number
	TokenLiteral                  // true, false or null
	TokenPunct                    // { } [ ] : ,
)

// Token is a piece of a line with its highlighting class.
type Token struct {
	Text string
	Type TokenType
}

// TokenizeJSONLine splits one line of (usually pretty-printed) JSON into
// tokens. It never fails: any bytes are accepted and the token texts always
// concatenate back to line, so a viewer can trust it with invalid JSON or a
// fragment of a wrapped line. A string left open at the end of the line
// stays a string, and it is a key when a ':' follows its closing quote.
func TokenizeJSONLine(line []byte) []Token {
	var toks []Token
	plain := -1 // start of the pending run of plain bytes, merged into one token
	for i := 0; i < len(line); {
		end, typ := scanToken(line, i)
		switch {
		case typ == TokenPlain && plain < 0:
			plain = i
		case typ != TokenPlain:
			if plain >= 0 {
				toks = append(toks, Token{Text: string(line[plain:i]), Type: TokenPlain})
				plain = -1
			}
			toks = append(toks, Token{Text: string(line[i:end]), Type: typ})
		}
		i = end
	}
	if plain >= 0 {
		toks = append(toks, Token{Text: string(line[plain:]), Type: TokenPlain})
	}
	return toks
}

// scanToken returns the end of the token starting at i and its type.
func scanToken(line []byte, i int) (int, TokenType) {
	c := line[i]
	switch {
	case c == '"':
		end := scanString(line, i)
		if isKey(line, end) {
			return end, TokenKey
		}
		return end, TokenString
	case c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',':
		return i + 1, TokenPunct
	case c == '-' || isDigit(c):
		return scanNumber(line, i), TokenNumber
	case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		return scanWhile(line, i, isSpace), TokenPlain
	case isLetter(c):
		end := scanWhile(line, i, isLetter)
		switch string(line[i:end]) {
		case "true", "false", "null":
			return end, TokenLiteral
		}
		return end, TokenPlain
	}
	return i + 1, TokenPlain
}

// scanString returns the offset after the closing quote, or len(line) for
// an unterminated string.
func scanString(line []byte, i int) int {
	for j := i + 1; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(line)
}

func isKey(line []byte, end int) bool {
	j := scanWhile(line, end, isSpace)
	return j < len(line) && line[j] == ':'
}

func scanNumber(line []byte, i int) int {
	return scanWhile(line, i+1, func(c byte) bool {
		return isDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
	})
}

func scanWhile(line []byte, i int, ok func(byte) bool) int {
	for i < len(line) && ok(line[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isSpace(c byte) bool  { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
