package bodyfmt

import (
	"strconv"
	"strings"
)

// JSONValueRange finds the value an RFC 6901 JSON pointer names in a JSON
// text (compact or indented) and returns its byte range, so a viewer can
// mark the place a contract violation names. The empty pointer is the
// whole text. ok is false when the text is not JSON or nothing is there.
func JSONValueRange(text []byte, pointer string) (start, end int, ok bool) {
	var path []string
	if pointer != "" {
		if !strings.HasPrefix(pointer, "/") {
			return 0, 0, false
		}
		for _, p := range strings.Split(pointer[1:], "/") {
			path = append(path, strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~"))
		}
	}
	s := &jsonScan{text: text}
	s.skipSpace()
	start = s.pos
	for _, key := range path {
		if !s.enter(key) {
			return 0, 0, false
		}
		start = s.pos
	}
	if !s.skipValue() {
		return 0, 0, false
	}
	return start, s.pos, true
}

// jsonScan walks a JSON text without building values; pos is always at
// a value's first byte or past its end.
type jsonScan struct {
	text []byte
	pos  int
}

func (s *jsonScan) skipSpace() {
	for s.pos < len(s.text) {
		switch s.text[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *jsonScan) peek() byte {
	if s.pos < len(s.text) {
		return s.text[s.pos]
	}
	return 0
}

// enter moves from the start of an object or array to the start of its
// member key (or element index key).
func (s *jsonScan) enter(key string) bool {
	switch s.peek() {
	case '{':
		s.pos++
		for {
			s.skipSpace()
			if s.peek() == '}' {
				return false
			}
			name, ok := s.readString()
			if !ok {
				return false
			}
			s.skipSpace()
			if s.peek() != ':' {
				return false
			}
			s.pos++
			s.skipSpace()
			if name == key {
				return true
			}
			if !s.skipValue() || !s.comma() {
				return false
			}
		}
	case '[':
		n, err := strconv.Atoi(key)
		if err != nil || n < 0 || (len(key) > 1 && key[0] == '0') {
			return false
		}
		s.pos++
		for i := 0; ; i++ {
			s.skipSpace()
			if s.peek() == ']' {
				return false
			}
			if i == n {
				return true
			}
			if !s.skipValue() || !s.comma() {
				return false
			}
		}
	}
	return false
}

// comma consumes the separator after a member; false at the closing
// bracket (the key was not found) or on anything else.
func (s *jsonScan) comma() bool {
	s.skipSpace()
	if s.peek() == ',' {
		s.pos++
		return true
	}
	return false
}

// readString reads a string at pos and returns it unescaped.
func (s *jsonScan) readString() (string, bool) {
	begin := s.pos
	if !s.skipString() {
		return "", false
	}
	v, err := strconv.Unquote(string(s.text[begin:s.pos]))
	if err != nil {
		// JSON escapes strconv does not know (\/): compare them raw.
		return strings.ReplaceAll(string(s.text[begin+1:s.pos-1]), `\/`, "/"), true
	}
	return v, true
}

func (s *jsonScan) skipString() bool {
	if s.peek() != '"' {
		return false
	}
	for s.pos++; s.pos < len(s.text); s.pos++ {
		switch s.text[s.pos] {
		case '\\':
			s.pos++
		case '"':
			s.pos++
			return true
		}
	}
	return false
}

// skipValue moves past the value at pos.
func (s *jsonScan) skipValue() bool {
	switch c := s.peek(); {
	case c == '"':
		return s.skipString()
	case c == '{' || c == '[':
		depth := 0
		for s.pos < len(s.text) {
			switch s.text[s.pos] {
			case '"':
				if !s.skipString() {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.pos++
					return true
				}
			}
			s.pos++
		}
		return false
	case c == 0:
		return false
	default: // number, true, false, null
		begin := s.pos
		for s.pos < len(s.text) && !strings.ContainsRune(",}] \t\r\n", rune(s.text[s.pos])) {
			s.pos++
		}
		return s.pos > begin
	}
}
