package bodyfmt

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// gzipBomb returns a valid gzip stream of mib MiB of zeros, about a
// thousandth of that long. Writing it through gzip.Writer costs 4.7 s per
// GiB (over two minutes under -race), so it is assembled instead: DEFLATE
// blocks ended by Flush are byte-aligned, and a block that encodes 1 MiB
// of zeros as back-references decodes the same after any earlier zeros,
// so one such block repeated is the stream the writer would have made.
// TestGzipBombIsValidGzip checks the result with the standard reader.
func gzipBomb(t testing.TB, mib int) []byte {
	t.Helper()
	var seg bytes.Buffer
	fw, err := flate.NewWriter(&seg, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	segment := func() []byte {
		fw.Write(zeros)
		fw.Flush()
		defer seg.Reset()
		return bytes.Clone(seg.Bytes())
	}
	first, next := segment(), segment()
	fw.Close()
	last := seg.Bytes()

	out := bytes.NewBuffer(make([]byte, 0, 10+len(first)+(mib-1)*len(next)+len(last)+8))
	out.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff}) // magic, deflate, no flags, no time, best, unknown OS
	out.Write(first)
	crc := crc32.Update(0, crc32.IEEETable, zeros)
	for range mib - 1 {
		out.Write(next)
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	out.Write(last)
	out.Write(binary.LittleEndian.AppendUint32(nil, crc))
	out.Write(binary.LittleEndian.AppendUint32(nil, uint32(uint64(mib)<<20))) // ISIZE is mod 2^32
	return out.Bytes()
}

func TestGzipBombIsValidGzip(t *testing.T) {
	bomb := gzipBomb(t, 5)
	zr, err := gzip.NewReader(bytes.NewReader(bomb))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr) // checks the CRC and the length
	if err != nil || len(got) != 5<<20 || !allZero(got) {
		t.Fatalf("%d bytes, %v", len(got), err)
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// decodeMeasured runs Decode and reports its time and what it allocated.
func decodeMeasured(t *testing.T, body []byte, enc string, limit int64) ([]byte, string, error, time.Duration, uint64) {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	out, note, err := Decode(body, enc, limit)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return out, note, err, took, after.TotalAlloc - before.TotalAlloc
}

func TestDecodeGzipBomb(t *testing.T) {
	const gib = 10
	bomb := gzipBomb(t, gib<<10)
	out, note, err, took, alloc := decodeMeasured(t, bomb, "gzip", DefaultDecodeLimit)
	t.Logf("%d GiB of zeros in %.1f MB of gzip: decoded %d bytes in %v, allocating %.1f MiB", gib, float64(len(bomb))/1e6, len(out), took, float64(alloc)/(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != DefaultDecodeLimit || !allZero(out) {
		t.Fatalf("%d bytes decoded, want the first %d", len(out), DefaultDecodeLimit)
	}
	if want := "decoded gzip: showing the first 32.0 MiB (the body expands further)"; note != want {
		t.Errorf("note %q, want %q", note, want)
	}
	// 50-200 ms here, under a second with -race on a busy machine; a
	// decoder that ignored the limit would take minutes on 10 GiB.
	if took > 10*time.Second {
		t.Errorf("took %v", took)
	}
	if alloc > 100<<20 {
		t.Errorf("allocated %.1f MiB decoding 32 MiB", float64(alloc)/(1<<20))
	}
}

// TestDecodeStackedBomb: a bomb inside a bomb ("gzip, gzip") is held to the
// same limit, however much the inner layer would expand.
func TestDecodeStackedBomb(t *testing.T) {
	inner := gzipBomb(t, 1<<10)
	var outer bytes.Buffer
	zw := gzip.NewWriter(&outer)
	zw.Write(inner)
	zw.Close()
	out, note, err, took, alloc := decodeMeasured(t, outer.Bytes(), "gzip, gzip", 4<<20)
	t.Logf("1 GiB in %d bytes of gzip in gzip: %d bytes in %v, allocating %.1f MiB", outer.Len(), len(out), took, float64(alloc)/(1<<20))
	if err != nil || len(out) != 4<<20 || !strings.Contains(note, "decoded gzip, then gzip: showing the first 4.0 MiB") {
		t.Fatalf("%d bytes, %q, %v", len(out), note, err)
	}
	if alloc > 32<<20 {
		t.Errorf("allocated %.1f MiB for a 4 MiB limit", float64(alloc)/(1<<20))
	}
}

func TestDecodeBrotliBomb(t *testing.T) {
	var b bytes.Buffer
	bw := brotli.NewWriterLevel(&b, brotli.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 64 {
		bw.Write(zeros)
	}
	bw.Close()
	out, note, err, took, alloc := decodeMeasured(t, b.Bytes(), "br", 8<<20)
	t.Logf("64 MiB of zeros in %d bytes of br: %d bytes in %v, allocating %.1f MiB", b.Len(), len(out), took, float64(alloc)/(1<<20))
	if err != nil || len(out) != 8<<20 || !allZero(out) || note != "decoded br: showing the first 8.0 MiB (the body expands further)" {
		t.Fatalf("%d bytes, %q, %v", len(out), note, err)
	}
}

// encode applies codings in the order given, as a sender would.
func encode(t *testing.T, data []byte, codings ...string) []byte {
	t.Helper()
	for _, c := range codings {
		var b bytes.Buffer
		var w io.WriteCloser
		switch c {
		case "gzip":
			w = gzip.NewWriter(&b)
		case "zlib":
			w = zlib.NewWriter(&b)
		case "raw-deflate":
			w, _ = flate.NewWriter(&b, flate.DefaultCompression)
		case "br":
			w = brotli.NewWriter(&b)
		default:
			t.Fatalf("no encoder for %s", c)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		data = b.Bytes()
	}
	return data
}

func TestDecodeRoundTrips(t *testing.T) {
	payload := []byte(strings.Repeat(`{"event":"order.paid","amount":1250,"currency":"eur"}`+"\n", 200))
	for _, tc := range []struct {
		header   string
		applied  []string
		wantNote string
	}{
		{"gzip", []string{"gzip"}, "decoded gzip ("},
		{"x-gzip", []string{"gzip"}, "decoded x-gzip ("},
		{"deflate", []string{"zlib"}, "decoded deflate ("},
		{"deflate", []string{"raw-deflate"}, "decoded deflate ("},
		{"br", []string{"br"}, "decoded br ("},
		{"gzip, br", []string{"gzip", "br"}, "decoded br, then gzip ("},
		{"deflate,gzip", []string{"zlib", "gzip"}, "decoded gzip, then deflate ("},
		{" GZIP , identity, Br ", []string{"gzip", "br"}, "decoded br, then gzip ("},
		{"br, br", []string{"br", "br"}, "decoded br, then br ("},
	} {
		body := encode(t, payload, tc.applied...)
		out, note, err := Decode(body, tc.header, 0)
		if err != nil || !bytes.Equal(out, payload) {
			t.Errorf("%q over %v: %d bytes, %v", tc.header, tc.applied, len(out), err)
			continue
		}
		if !strings.HasPrefix(note, tc.wantNote) || !strings.HasSuffix(note, " as sent)") {
			t.Errorf("%q: note %q, want it to start %q", tc.header, note, tc.wantNote)
		}
	}
}

func TestDecodeNothingToDo(t *testing.T) {
	body := []byte("plain")
	for _, enc := range []string{"", "identity", " , "} {
		out, note, err := Decode(body, enc, 0)
		if &out[0] != &body[0] || note != "" || err != nil {
			t.Errorf("%q: %q %q %v", enc, out, note, err)
		}
	}
	if out, note, err := Decode(nil, "gzip", 0); out != nil || note != "" || err != nil {
		t.Errorf("empty gzip body: %q %q %v", out, note, err)
	}
}

func TestDecodeLimitEdges(t *testing.T) {
	payload := bytes.Repeat([]byte("a"), 1000)
	body := encode(t, payload, "gzip")
	if out, note, err := Decode(body, "gzip", 1000); err != nil || len(out) != 1000 || strings.Contains(note, "expands") {
		t.Errorf("exactly at the limit: %d, %q, %v", len(out), note, err)
	}
	if out, note, err := Decode(body, "gzip", 999); err != nil || len(out) != 999 || !strings.Contains(note, "showing the first 999 B") {
		t.Errorf("one past the limit: %d, %q, %v", len(out), note, err)
	}
}

func TestDecodeCorrupt(t *testing.T) {
	payload := []byte(strings.Repeat("hello, webhook ", 500))
	gz := encode(t, payload, "gzip")
	flipped := bytes.Clone(gz)
	flipped[len(flipped)/2] ^= 0xff
	badCRC := bytes.Clone(gz)
	badCRC[len(badCRC)-6] ^= 1
	for _, tc := range []struct {
		name, enc string
		body      []byte
		want      string // in the note
	}{
		{"not gzip at all", "gzip", payload, "cannot decode gzip: invalid header: showing the bytes as sent"},
		{"flipped byte", "gzip", flipped, "cannot decode gzip: "},
		{"checksum", "gzip", badCRC, "cannot decode gzip: invalid checksum"},
		{"deflate garbage", "deflate", []byte("\xff\xff\xff\xff definitely not deflate"), "cannot decode deflate: "},
		{"br garbage", "br", bytes.Repeat([]byte{0xff}, 64), "cannot decode br: "},
		{"inner layer not gzip", "gzip, br", encode(t, payload, "br"), "cannot decode gzip: "},
		{"outer layer corrupt", "gzip, br", append(encode(t, gz, "br"), "trailing"...), "cannot decode br: "},
		{"outer layer garbage", "gzip, br", bytes.Repeat([]byte{0xff}, 64), "cannot decode br: "},
		{"outer layer garbage under deflate", "deflate, br", bytes.Repeat([]byte{0xff}, 64), "cannot decode br: "},
		{"short plain body", "gzip", []byte(`{"a":1}`), "cannot decode gzip: invalid header"},
		{"cut inside the header", "gzip", gz[:5], "cannot decode gzip: unexpected EOF"},
		{"unsupported", "zstd", payload, "Content-Encoding zstd is not decoded here: showing the bytes as sent"},
		{"unsupported inside", "compress, gzip", encode(t, payload, "gzip"), "Content-Encoding compress is not decoded here"},
	} {
		out, note, err := Decode(tc.body, tc.enc, 0)
		var de *DecodeError
		if !errors.As(err, &de) || !bytes.Equal(out, tc.body) || !strings.Contains(note, tc.want) {
			t.Errorf("%s: note %q (want %q), err %v, got the sent bytes back: %v", tc.name, note, tc.want, err, bytes.Equal(out, tc.body))
		}
	}
}

// TestDecodeCutStream is a body cut at the capture's body cap: what the
// stream holds is shown, and the note says it ends early.
func TestDecodeCutStream(t *testing.T) {
	var payload bytes.Buffer
	for i := range 20000 {
		payload.WriteString(strings.Repeat("x", i%37) + "\n")
	}
	for _, c := range []string{"gzip", "br", "zlib"} {
		enc := encode(t, payload.Bytes(), c)
		header := map[string]string{"zlib": "deflate"}[c]
		if header == "" {
			header = c
		}
		out, note, err := Decode(enc[:len(enc)/2], header, 0)
		if err != nil || len(out) == 0 || !bytes.HasPrefix(payload.Bytes(), out) || !strings.Contains(note, "the stream ends early") {
			t.Errorf("%s cut in half: %d bytes, %q, %v", c, len(out), note, err)
		}
	}
}

func TestCodings(t *testing.T) {
	if got := strings.Join(Codings(" gzip,Identity , BR,,"), "|"); got != "gzip|br" {
		t.Errorf("Codings = %q", got)
	}
}

// FuzzDecode: whatever the bytes and codings, Decode keeps to its limit,
// and an error always comes with the bytes as sent.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("plain"), "gzip")
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 3, 0}, "gzip")
	f.Add([]byte{0x78, 0x9c, 3, 0, 0, 0, 0, 1}, "deflate")
	f.Add([]byte{0x0b, 0x02, 0x80, 'h', 'i', 0x03}, "br")
	f.Add([]byte{0x1f, 0x8b}, "gzip, br")
	f.Fuzz(func(t *testing.T, body []byte, enc string) {
		const limit = 1 << 16
		out, note, err := Decode(body, enc, limit)
		if len(out) > limit && len(Codings(enc)) > 0 && err == nil {
			t.Fatalf("%d bytes past the limit", len(out))
		}
		if err != nil && (!bytes.Equal(out, body) || note == "") {
			t.Fatalf("error %v without the bytes as sent or a note", err)
		}
	})
}
