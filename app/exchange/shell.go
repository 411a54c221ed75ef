package exchange

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/shlex"
)

// Shell text is split in two steps. shellCommands does what shlex cannot:
// it drops line continuations and comments, splits commands at unquoted
// newlines and semicolons and pipelines at unquoted "|", and rewrites
// bash's $'...' and POSIX "..." quoting (shlex would keep the backslash of
// "\n" out of "a\nb", which POSIX keeps) into plain single quotes. shlex
// then splits each stage into words, and only ever sees unquoted text and
// single quotes, whose meaning every shell agrees on.

// shellCommands returns the commands in src, each as its pipeline stages,
// each stage as words.
func shellCommands(src string) ([][][]string, error) {
	n := &normalizer{src: src, wordStart: true}
	if err := n.run(); err != nil {
		return nil, err
	}
	var out [][][]string
	for _, cmd := range n.cmds {
		stages := make([][]string, 0, len(cmd))
		for _, stage := range cmd {
			words, err := shlex.Split(stage)
			if err != nil {
				return nil, fmt.Errorf("shell words: %w", err)
			}
			stages = append(stages, words)
		}
		out = append(out, stages)
	}
	return out, nil
}

// normalizer rewrites shell text for shlex; see shellCommands.
type normalizer struct {
	src       string
	i         int
	cur       strings.Builder // the stage being built
	stages    []string        // the command being built
	cmds      [][]string
	wordStart bool // whether a '#' here would start a comment
}

func (n *normalizer) run() error {
	for n.i < len(n.src) {
		if err := n.step(); err != nil {
			return err
		}
	}
	n.endCommand()
	return nil
}

func (n *normalizer) step() error {
	c := n.src[n.i]
	switch {
	case c == '\\':
		n.backslash()
	case c == '\'':
		return n.singleQuoted()
	case c == '$' && n.peek(1) == '\'':
		return n.ansiQuoted()
	case c == '$' && n.peek(1) == '"':
		n.i++ // $"..." is a translatable string; no translation here
	case c == '"':
		return n.doubleQuoted()
	case c == '#' && n.wordStart:
		n.comment()
	case c == '\n' || c == ';':
		n.endCommand()
		n.i++
	case c == '&' && n.peek(1) == '&':
		n.endCommand()
		n.i += 2
	case c == '|':
		n.endStage()
		n.i++
	case c == ' ' || c == '\t' || c == '\r':
		n.cur.WriteByte(' ')
		n.wordStart = true
		n.i++
	default:
		n.cur.WriteByte(c)
		n.wordStart = false
		n.i++
	}
	return nil
}

func (n *normalizer) peek(k int) byte {
	if n.i+k < len(n.src) {
		return n.src[n.i+k]
	}
	return 0
}

// backslash drops a line continuation (also before CRLF) and passes any
// other escape on to shlex, which takes the next character literally.
func (n *normalizer) backslash() {
	switch {
	case n.peek(1) == '\n':
		n.i += 2
	case n.peek(1) == '\r' && n.peek(2) == '\n':
		n.i += 3
	case n.i+1 < len(n.src):
		n.cur.WriteString(n.src[n.i : n.i+2])
		n.wordStart = false
		n.i += 2
	default:
		n.i++
	}
}

func (n *normalizer) singleQuoted() error {
	end := strings.IndexByte(n.src[n.i+1:], '\'')
	if end < 0 {
		return errors.New("a single quote is not closed")
	}
	n.cur.WriteString(n.src[n.i : n.i+end+2])
	n.i += end + 2
	n.wordStart = false
	return nil
}

// doubleQuoted applies POSIX rules: a backslash escapes only $ ` " \ and
// newline, and is kept before anything else.
func (n *normalizer) doubleQuoted() error {
	var b strings.Builder
	for j := n.i + 1; j < len(n.src); j++ {
		c := n.src[j]
		switch {
		case c == '"':
			n.emitQuoted(b.String(), j+1)
			return nil
		case c == '\\' && j+1 < len(n.src) && strings.IndexByte("$`\"\\\n", n.src[j+1]) >= 0:
			if n.src[j+1] != '\n' {
				b.WriteByte(n.src[j+1])
			}
			j++
		default:
			b.WriteByte(c)
		}
	}
	return errors.New("a double quote is not closed")
}

// ansiQuoted decodes bash's $'...', which browsers' "Copy as cURL" uses
// for values holding quotes or control characters.
func (n *normalizer) ansiQuoted() error {
	var b strings.Builder
	for j := n.i + 2; j < len(n.src); j++ {
		switch c := n.src[j]; c {
		case '\'':
			n.emitQuoted(b.String(), j+1)
			return nil
		case '\\':
			j = ansiEscape(n.src, j+1, &b)
		default:
			b.WriteByte(c)
		}
	}
	return errors.New("a $' quote is not closed")
}

func (n *normalizer) emitQuoted(s string, next int) {
	n.cur.WriteString(singleQuote(s))
	n.i = next
	n.wordStart = false
}

func (n *normalizer) comment() {
	end := strings.IndexByte(n.src[n.i:], '\n')
	if end < 0 {
		n.i = len(n.src)
		return
	}
	n.i += end
}

func (n *normalizer) endStage() {
	n.stages = append(n.stages, n.cur.String())
	n.cur.Reset()
	n.wordStart = true
}

func (n *normalizer) endCommand() {
	n.endStage()
	blank := true
	for _, s := range n.stages {
		if strings.TrimSpace(s) != "" {
			blank = false
		}
	}
	if !blank {
		n.cmds = append(n.cmds, n.stages)
	}
	n.stages = nil
}

var ansiSimple = map[byte]string{
	'a': "\a", 'b': "\b", 'e': "\x1b", 'E': "\x1b", 'f': "\f", 'n': "\n", 'r': "\r",
	't': "\t", 'v': "\v", '\\': "\\", '\'': "'", '"': "\"", '?': "?",
}

// ansiEscape decodes the escape whose letter is at s[j] and returns the
// index of its last byte.
func ansiEscape(s string, j int, b *strings.Builder) int {
	if j >= len(s) {
		b.WriteByte('\\')
		return j - 1
	}
	c := s[j]
	if r, ok := ansiSimple[c]; ok {
		b.WriteString(r)
		return j
	}
	switch {
	case c >= '0' && c <= '7':
		v, end := digits(s, j, 3, 8)
		b.WriteByte(byte(v))
		return end
	case c == 'x', c == 'u', c == 'U':
		width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		v, end := digits(s, j+1, width, 16)
		if end < j+1 {
			b.WriteString("\\" + string(c))
			return j
		}
		if c == 'x' {
			b.WriteByte(byte(v))
		} else if utf8.ValidRune(rune(v)) {
			b.WriteRune(rune(v))
		}
		return end
	case c == 'c' && j+1 < len(s):
		b.WriteByte(s[j+1] & 0x1f)
		return j + 1
	}
	b.WriteString("\\" + string(c))
	return j
}

// digits reads up to max digits in base from s[j:] and returns the value
// and the index of the last digit (j-1 when there is none).
func digits(s string, j, max, base int) (uint64, int) {
	end := j
	for end < len(s) && end-j < max && isDigit(s[end], base) {
		end++
	}
	v, _ := strconv.ParseUint(s[j:end], base, 64)
	return v, end - 1
}

func isDigit(c byte, base int) bool {
	if base == 8 {
		return c >= '0' && c <= '7'
	}
	return (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

// singleQuote quotes s for any POSIX shell.
func singleQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
