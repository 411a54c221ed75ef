package bodyfmt

import "math"

const (
	hexPerLine = 16
	hexLineLen = 78 // "%08x  " + 16 "xx " + gap + " |" + 16 chars + "|"
	hexDigits  = "0123456789abcdef"
)

// HexDump renders data like `hexdump -C`: an offset, 16 bytes in two groups
// of eight and their printable ASCII. Unlike hexdump it never collapses
// repeated lines, so display line i always covers bytes 16*i..16*i+15.
func HexDump(data []byte) (*Lines, error) {
	if len(data)/hexPerLine > math.MaxInt32/(hexLineLen+1)-1 {
		return nil, ErrTooLarge
	}
	text := hexText(data)
	starts := make([]int32, 0, len(text)/hexLineLen+1)
	for off := 0; off < len(text); off += hexLineLen + 1 {
		starts = append(starts, int32(off))
	}
	return &Lines{Text: text, Starts: starts, longest: hexLineLen}, nil
}

// hexText writes into one exactly sized buffer with table lookups; fmt would
// be ~20x slower on megabyte bodies.
func hexText(data []byte) []byte {
	full := len(data) / hexPerLine
	size := full * (hexLineLen + 1)
	if rest := len(data) % hexPerLine; rest > 0 {
		size += hexLineLen - hexPerLine + rest + 1
	}
	out := make([]byte, size)
	pos := 0
	for off := 0; off < len(data); off += hexPerLine {
		pos += putHexLine(out[pos:], off, data[off:min(off+hexPerLine, len(data))])
	}
	return out
}

// putHexLine writes one line (with its newline) at the start of out and
// returns its length.
func putHexLine(out []byte, off int, chunk []byte) int {
	line := out[:hexLineLen-hexPerLine+len(chunk)+1]
	for i := 7; i >= 0; i-- {
		line[i] = hexDigits[off&0xf]
		off >>= 4
	}
	hex := line[8:60]
	for i := range hex {
		hex[i] = ' '
	}
	for i, c := range chunk {
		p := 2 + 3*i
		if i >= 8 {
			p++
		}
		hex[p] = hexDigits[c>>4]
		hex[p+1] = hexDigits[c&0xf]
	}
	line[60] = '|'
	for i, c := range chunk {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		line[61+i] = c
	}
	line[61+len(chunk)] = '|'
	line[62+len(chunk)] = '\n'
	return len(line)
}
