package exchange

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// Shell text is read with mvdan.cc/sh's parser (the one shfmt uses), so
// quoting, comments, line continuations and where commands and pipelines
// end are bash's own. Nothing is run and nothing is expanded: an import
// has no environment, so $VAR, ${VAR}, $(cmd), `cmd` and $((...)) are kept
// as written, and so are ~, globs and braces.
//
// Quoted text is taken from the source between the quotes the parser
// found, not from the parser's values: the parser reads every CRLF as LF,
// and a body the curl export wrote in single quotes keeps its CRs.

// shellCommands returns the commands in src, each as its pipeline stages,
// each stage as words. Commands end at a newline, ";", "&", "&&" and "||",
// stages at "|" and "|&". A stage whose input is redirected gets a stage
// before it that pipeStage emulates: "< FILE" is cat FILE, "<<< WORD" and
// a here-document are printf '%s' TEXT. Output redirections do not change
// the request and are left out.
func shellCommands(src string) ([][][]string, error) {
	f, err := syntax.NewParser().Parse(strings.NewReader(src), "")
	if err != nil {
		return nil, err
	}
	r := shellReader{src: src}
	for _, st := range f.Stmts {
		r.stmt(st)
	}
	return r.cmds, nil
}

// ShellWords splits the filter bar's text into words with a shell's
// quoting: '...', "...", $'...' and backslashes. Unlike in a command, the
// shell's operators (| & ; < > ( )) are ordinary characters, and $VAR and
// $(...) are kept as written.
func ShellWords(text string) ([]string, error) {
	r := shellReader{src: text}
	// Each round quotes the operator the parser stopped at, so it reads on
	// as part of a word; every round adds one backslash to the text.
	for range len(text) + 1 {
		words, err := r.words()
		var perr syntax.ParseError
		if !errors.As(err, &perr) {
			return words, err
		}
		off := int(perr.Pos.Offset())
		if perr.Incomplete || off >= len(r.src) || strings.IndexByte("|&;<>()", r.src[off]) < 0 {
			return nil, errors.New(perr.Text)
		}
		r.src = r.src[:off] + `\` + r.src[off:]
	}
	return nil, errors.New("too many shell operators")
}

func (r *shellReader) words() ([]string, error) {
	var out []string
	for w, err := range syntax.NewParser().WordsSeq(strings.NewReader(r.src)) {
		if err != nil {
			return nil, err
		}
		out = append(out, r.word(w))
	}
	return out, nil
}

// shellReader turns the parser's nodes into words, reading quoted text
// from src.
type shellReader struct {
	src  string
	cmds [][][]string
}

func (r *shellReader) stmt(st *syntax.Stmt) {
	if c, ok := st.Cmd.(*syntax.BinaryCmd); ok && (c.Op == syntax.AndStmt || c.Op == syntax.OrStmt) {
		r.stmt(c.X)
		r.stmt(c.Y)
		return
	}
	stages := r.pipeline(st)
	if len(stages) == 1 && len(stages[0]) == 0 {
		return // only a redirection, like "> file"
	}
	r.cmds = append(r.cmds, stages)
}

// pipeline returns the stages of st, a pipeline or a single command.
func (r *shellReader) pipeline(st *syntax.Stmt) [][]string {
	if c, ok := st.Cmd.(*syntax.BinaryCmd); ok && (c.Op == syntax.Pipe || c.Op == syntax.PipeAll) {
		return append(r.pipeline(c.X), r.pipeline(c.Y)...)
	}
	words := r.command(st.Cmd)
	if len(words) == 0 {
		return [][]string{nil}
	}
	return append(r.stdin(st.Redirs), words)
}

// command returns the words of a simple command. Any other command (if,
// for, a function, a subshell...) is named by its first word, enough for
// the import to say it is not curl.
func (r *shellReader) command(cmd syntax.Command) []string {
	var words []string
	switch c := cmd.(type) {
	case nil:
	case *syntax.CallExpr:
		for _, a := range c.Assigns {
			words = append(words, r.assign(a))
		}
		for _, w := range c.Args {
			words = append(words, r.word(w))
		}
	case *syntax.DeclClause: // export, declare, local, readonly...
		words = append(words, c.Variant.Value)
		for _, a := range c.Args {
			words = append(words, r.assign(a))
		}
	default:
		first, _, _ := strings.Cut(strings.TrimSpace(r.raw(c)), " ")
		words = append(words, first)
	}
	return words
}

func (r *shellReader) assign(a *syntax.Assign) string {
	switch {
	case a.Naked && a.Value != nil: // an option of export or declare
		return r.word(a.Value)
	case a.Naked:
		return a.Name.Value
	case a.Array != nil || a.Index != nil || a.Value == nil:
		return r.raw(a)
	case a.Append:
		return a.Name.Value + "+=" + r.word(a.Value)
	}
	return a.Name.Value + "=" + r.word(a.Value)
}

// stdin returns the stages that stand for redirections of standard input.
func (r *shellReader) stdin(redirs []*syntax.Redirect) [][]string {
	var stages [][]string
	for _, rd := range redirs {
		if rd.N != nil && rd.N.Value != "0" {
			continue
		}
		switch rd.Op {
		case syntax.RdrIn, syntax.RdrInOut:
			stages = append(stages, []string{"cat", r.word(rd.Word)})
		case syntax.WordHdoc:
			stages = append(stages, []string{"printf", "%s", r.word(rd.Word) + "\n"})
		case syntax.Hdoc, syntax.DashHdoc:
			stages = append(stages, []string{"printf", "%s", r.heredoc(rd)})
		}
	}
	return stages
}

// word is the text a shell would pass for w, with expansions as written.
func (r *shellReader) word(w *syntax.Word) string {
	var b strings.Builder
	for _, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			unescape(&b, p.Value, "")
		case *syntax.SglQuoted:
			if !p.Dollar {
				b.WriteString(r.src[p.Left.Offset()+1 : p.Right.Offset()])
				continue
			}
			// bash's $'...', which browsers' "Copy as cURL" uses for
			// values holding quotes or control characters. bash ends
			// the string at a \0, which no argument can hold.
			s, _, _ := expand.Format(nil, r.src[p.Left.Offset()+2:p.Right.Offset()], nil)
			s, _, _ = strings.Cut(s, "\x00")
			b.WriteString(s)
		case *syntax.DblQuoted:
			start := p.Left.Offset() + 1
			if p.Dollar { // $"...", a string for translation
				start++
			}
			unescape(&b, r.src[start:p.Right.Offset()], "$`\"\\\n")
		default: // $VAR, $(cmd) and the like
			b.WriteString(r.raw(p))
		}
	}
	return b.String()
}

// unescape writes s less the backslashes that quote a character: any
// character when only is empty (unquoted text), else those in only (in
// double quotes, POSIX's $ ` " \ and newline), the others staying as
// written. A backslash before a newline is a line continuation, and
// leaves nothing.
func unescape(b *strings.Builder, s, only string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && strings.HasPrefix(s[i+1:], "\r\n") {
			i += 2
			continue
		}
		if c == '\\' && i+1 < len(s) && (only == "" || strings.IndexByte(only, s[i+1]) >= 0) {
			i++
			if s[i] == '\n' {
				continue
			}
			c = s[i]
		}
		b.WriteByte(c)
	}
}

// heredoc is the text of a here-document. Unless its delimiter is quoted,
// a backslash quotes $ ` and \, and expansions are kept as written. The
// parser has read its line ends as LF and kept <<-'s leading tabs.
func (r *shellReader) heredoc(rd *syntax.Redirect) string {
	if rd.Hdoc == nil {
		return ""
	}
	quoted := false
	for _, p := range rd.Word.Parts {
		lit, ok := p.(*syntax.Lit)
		quoted = quoted || !ok || strings.Contains(lit.Value, `\`)
	}
	var b strings.Builder
	for _, part := range rd.Hdoc.Parts {
		switch lit, ok := part.(*syntax.Lit); {
		case ok && quoted:
			b.WriteString(lit.Value)
		case ok:
			unescape(&b, lit.Value, "$`\\")
		default:
			b.WriteString(r.raw(part))
		}
	}
	if rd.Op != syntax.DashHdoc {
		return b.String()
	}
	lines := strings.SplitAfter(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, "\t")
	}
	return strings.Join(lines, "")
}

// raw is n as written. The parser counts a CR it skipped before an LF
// into the end of a node that ends the line, so a trailing CR is dropped.
func (r *shellReader) raw(n syntax.Node) string {
	end := min(int(n.End().Offset()), len(r.src))
	return strings.TrimSuffix(r.src[n.Pos().Offset():end], "\r")
}

// The escapes of printf's format, which pipeStage emulates.

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
