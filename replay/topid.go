package replay

import (
	"encoding/json"
)

// topLevelID returns what json.Unmarshal(body, &struct{ ID string
// `json:"id"` }{}) leaves in ID, and whether it succeeded, without
// decoding the body: one pass that validates the whole document as
// encoding/json's scanner does and looks only at the top-level keys.
// It runs on every capture whose body mentions "evt_", where Unmarshal
// (a validation pass, then a decoding pass allocating the skipped values)
// was 5 % of the server's CPU under scripts/bench.sh. Whatever it does
// not model exactly (escapes or non-ASCII in a top-level key or the id,
// nesting deeper than its stack) goes to json.Unmarshal, so the answer is
// always Unmarshal's; FuzzTopLevelID holds it to that.
func topLevelID(body []byte) (string, bool) {
	id, ok, exact := scanTopLevelID(body)
	if exact {
		return id, ok
	}
	var ev struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(body, &ev) != nil {
		return "", false
	}
	return ev.ID, true
}

// maxScanDepth bounds the scanner's own stack; deeper documents go to
// json.Unmarshal (which allows 10,000 levels).
const maxScanDepth = 64

// scanTopLevelID is topLevelID's single pass. exact is false when the
// answer must come from json.Unmarshal instead.
func scanTopLevelID(b []byte) (id string, ok, exact bool) {
	i := skipSpace(b, 0)
	if i == len(b) {
		return "", false, true
	}
	if b[i] != '{' {
		// A valid non-object top level is a type error for Unmarshal
		// (null is not, and leaves the ID empty).
		end, valid := skipValue(b, i)
		if !valid || skipSpace(b, end) != len(b) {
			return "", false, true
		}
		return "", string(b[i:end]) == "null", true
	}
	i = skipSpace(b, i+1)
	var typeErr bool
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '"' {
				return "", false, true
			}
			kEnd, valid, plain := scanString(b, i)
			if !valid {
				return "", false, true
			}
			if !plain {
				return "", false, false // escapes or non-ASCII: Unmarshal folds keys its own way
			}
			key := b[i+1 : kEnd-1]
			i = skipSpace(b, kEnd)
			if i >= len(b) || b[i] != ':' {
				return "", false, true
			}
			i = skipSpace(b, i+1)
			vStart := i
			end, valid := skipValue(b, i)
			if !valid {
				if end < 0 {
					return "", false, false // too deep for the stack
				}
				return "", false, true
			}
			if len(key) == 2 && key[0]|0x20 == 'i' && key[1]|0x20 == 'd' {
				switch v := b[vStart:end]; {
				case v[0] == '"':
					if _, _, plain := scanString(b, vStart); !plain {
						return "", false, false // Unmarshal unescapes and repairs UTF-8
					}
					id = string(v[1 : len(v)-1])
				case string(v) == "null":
					// null leaves the field as it was
				default:
					typeErr = true // Unmarshal goes on, then reports it
				}
			}
			i = skipSpace(b, end)
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			return "", false, true
		}
	}
	if skipSpace(b, i) != len(b) || typeErr {
		return "", false, true
	}
	return id, true, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString checks the string starting at b[i] == '"' and returns the
// index after its closing quote. plain means it holds only printable ASCII
// with no escapes, so its bytes are its value.
func scanString(b []byte, i int) (end int, valid, plain bool) {
	plain = true
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, true, plain
		case c < 0x20:
			return 0, false, false
		case c == '\\':
			plain = false
			i++
			if i >= len(b) {
				return 0, false, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) {
					return 0, false, false
				}
				for _, h := range b[i+1 : i+5] {
					if !isHex(h) {
						return 0, false, false
					}
				}
				i += 4
			default:
				return 0, false, false
			}
		case c >= 0x80:
			plain = false // kept valid: encoding/json accepts any bytes here
		}
	}
	return 0, false, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// skipValue checks the JSON value starting at b[i] and returns the index
// after it. A document nested deeper than maxScanDepth returns (-1, false).
func skipValue(b []byte, i int) (int, bool) {
	var stack [maxScanDepth]byte // the open containers, '{' or '['
	depth := 0
	for {
		// A value starts at i.
		i = skipSpace(b, i)
		if i >= len(b) {
			return 0, false
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if depth == maxScanDepth {
				return -1, false
			}
			stack[depth] = c
			depth++
			i = skipSpace(b, i+1)
			if i < len(b) && (c == '{' && b[i] == '}' || c == '[' && b[i] == ']') {
				depth--
				i++
				break // an empty container is a whole value
			}
			if c == '{' {
				var ok bool
				if i, ok = skipKey(b, i); !ok {
					return 0, false
				}
			}
			continue
		case c == '"':
			end, ok, _ := scanString(b, i)
			if !ok {
				return 0, false
			}
			i = end
		case c == '-' || '0' <= c && c <= '9':
			end, ok := skipNumber(b, i)
			if !ok {
				return 0, false
			}
			i = end
		case c == 't':
			if !hasAt(b, i, "true") {
				return 0, false
			}
			i += 4
		case c == 'f':
			if !hasAt(b, i, "false") {
				return 0, false
			}
			i += 5
		case c == 'n':
			if !hasAt(b, i, "null") {
				return 0, false
			}
			i += 4
		default:
			return 0, false
		}
		// A value ended at i: close containers, or go to the next element.
		for {
			if depth == 0 {
				return i, true
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return 0, false
			}
			open := stack[depth-1]
			if b[i] == ',' {
				i = skipSpace(b, i+1)
				if open == '{' {
					var ok bool
					if i, ok = skipKey(b, i); !ok {
						return 0, false
					}
				}
				break
			}
			if open == '{' && b[i] == '}' || open == '[' && b[i] == ']' {
				depth--
				i++
				continue
			}
			return 0, false
		}
	}
}

// skipKey checks `"key" :` at b[i] and returns the index after the colon.
func skipKey(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	end, ok, _ := scanString(b, i)
	if !ok {
		return 0, false
	}
	i = skipSpace(b, end)
	if i >= len(b) || b[i] != ':' {
		return 0, false
	}
	return i + 1, true
}

func skipNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = skipDigits(b, i)
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

func hasAt(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}
