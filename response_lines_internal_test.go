// This file tests the parts of the responseFormat=0 parser that no Result
// shows: parseDate against time.Parse, and the fast path of base64
// containers (wrappedBlob) against the general one (anyBlob).

package collectssl

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/collectssl/collectssl/internal/certgen"
)

// dateOracle is what parseDate must agree with: the time layout it stands
// for.
func dateOracle(s string) (time.Time, bool) {
	t, err := time.Parse("2/1/2006", s)
	return t, err == nil
}

func TestParseDate(t *testing.T) {
	for _, s := range []string{
		"14/03/2025", "1/3/2025", "01/3/2025", "31/12/9999", "29/02/2024", "29/02/2025", "31/04/2025",
		"00/01/2025", "01/00/2025", "01/13/2025", "1/1/25", "1/1/02025", "001/1/2025", "1/001/2025",
		"1-1-2025", "1/1/2025 ", " 1/1/2025", "+1/1/2025", "1/1/-202", "1/1/0000", "", "/", "//", "1//2025",
		"32/01/2025", "99/99/9999", "1/1/2025x", "1/1", "01/01/0001",
	} {
		got, ok := parseDate([]byte(s))
		want, wantOK := dateOracle(s)
		if ok != wantOK || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v; time.Parse says %v, %v", s, got, ok, want, wantOK)
		}
		if ok && got.Location() != time.UTC {
			t.Errorf("parseDate(%q) is in %v, not UTC", s, got.Location())
		}
	}
}

// FuzzParseDate checks parseDate against time.Parse on any input.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"14/03/2025", "1/3/2025", "29/02/2024", "31/04/2025", "1/1/0000", "00/1/2025"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseDate([]byte(s))
		want, wantOK := dateOracle(s)
		if ok != wantOK || !got.Equal(want) {
			t.Fatalf("parseDate(%q) = %v, %v; time.Parse says %v, %v", s, got, ok, want, wantOK)
		}
	})
}

// blobContainer is a DER SEQUENCE of size bytes with arbitrary contents:
// containerLen reads only its header.
func blobContainer(rng *rand.Rand, size int) []byte {
	var head []byte
	switch n := size - 2; {
	case n < 0x80:
		head = []byte{0x30, byte(n)}
	case n-1 < 0x100:
		head = []byte{0x30, 0x81, byte(n - 1)}
	default:
		head = []byte{0x30, 0x82, byte((n - 2) >> 8), byte(n - 2)}
	}
	b := append(head, make([]byte, size-len(head))...)
	for i := len(head); i < len(b); i++ {
		b[i] = byte(rng.IntN(256))
	}
	return b
}

// wrapBase64 is the base64 of b in lines of width characters ended by eol,
// padded or not.
func wrapBase64(b []byte, width int, eol string, padded bool) string {
	s := base64.RawStdEncoding.EncodeToString(b)
	if padded {
		s = base64.StdEncoding.EncodeToString(b)
	}
	var sb strings.Builder
	for len(s) > width {
		sb.WriteString(s[:width] + eol)
		s = s[width:]
	}
	sb.WriteString(s)
	return sb.String()
}

// blobsAgree reads the container at line 1 of body both ways and reports
// whether the fast path took it; where it did, the general path must find
// the same container and go on at the same place.
func blobsAgree(t *testing.T, body []byte) bool {
	t.Helper()
	parser := func() *lineParser {
		p := &lineParser{body: bytes.TrimRight(body, " \t\r\n")}
		p.next = 1
		return p
	}
	fast := parser()
	if !fast.has(1) || !isBase64Line(fast.line(1)) {
		return false
	}
	c1, after1, ok := fast.wrappedBlob(1)
	if !ok {
		return false
	}
	general := parser()
	general.has(1)
	c2, after2, err := general.anyBlob(1)
	if err != nil || !bytes.Equal(c1, c2) || after1 != after2 {
		t.Fatalf("wrappedBlob: %d bytes, next line at %d; anyBlob: %d bytes, next line at %d, %v\n%q",
			len(c1), after1, len(c2), after2, err, body)
	}
	return true
}

// TestWrappedBlob: wherever the fast path reads a container, the general
// path reads the same, and it reads every layout encoders write.
func TestWrappedBlob(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	trailers := []string{"", "\n", "\nIssued\nComplete\n", "\n" + strings.Repeat("A", 64) + "\n", "\n\nAuthorized", "\r\nIssued\r\n"}
	for _, size := range []int{40, 127, 129, 300, 3301} {
		c := blobContainer(rng, size)
		for _, width := range []int{8, 12, 63, 64, 76, 1 << 16} {
			for _, eol := range []string{"\n", "\r\n"} {
				for _, padded := range []bool{true, false} {
					for _, trailer := range trailers {
						name := fmt.Sprintf("%d bytes, width %d, eol %q, padded %v, then %q", size, width, eol, padded, trailer)
						body := []byte("2\n" + wrapBase64(c, width, eol, padded) + trailer)
						if !blobsAgree(t, body) && (trailer == "" || trailer[0] == eol[0]) {
							t.Errorf("%s: not read by the fast path", name)
						}
					}
				}
			}
		}
	}
	// What the fast path leaves to the general one.
	c := blobContainer(rng, 300)
	blob := wrapBase64(c, 64, "\n", true)
	crlf := wrapBase64(c, 64, "\r\n", true)
	for name, body := range map[string]string{
		"a first line under 8 characters": "2\n" + wrapBase64(c, 4, "\n", true),
		"trailing spaces":                 "2\n" + strings.ReplaceAll(blob, "\n", " \n"),
		"line endings that change":        "2\n" + strings.Replace(blob, "\n", "\r\n", 2),
		"a ragged line":                   "2\n" + blob[:70] + blob[71:],
		"cut short":                       "2\n" + blob[:len(blob)-10],
		"a character outside base64":      "2\n" + blob[:100] + "*" + blob[101:],
		"more on the last line":           "2\n" + blob + "QUFB",
		"padding in a full line":          "2\n" + blob[:60] + "AA==" + blob[64:],
		"a CR inside a full line":         "2\n" + blob[:60] + "\r" + blob[61:],
		"a line ending that is base64":    "2\n" + blob[:129] + "A" + blob[130:],
		"a CR for a line ending":          "2\n" + blob[:129] + "\r" + blob[130:],
		"a CRLF whose LF is base64":       "2\n" + crlf[:131] + "A" + crlf[132:],
		"a length of four octets":         "2\n" + wrapBase64(append([]byte{0x30, 0x84, 0, 0, 1, 0}, make([]byte, 256)...), 64, "\n", true),
		"an indefinite length":            "2\n" + wrapBase64(append([]byte{0x30, 0x80, 4, 0}, make([]byte, 200)...), 64, "\n", true),
		"a SET, not a SEQUENCE":           "2\n" + wrapBase64(append([]byte{0x31, 0x7e}, make([]byte, 126)...), 64, "\n", true),
	} {
		if blobsAgree(t, []byte(body)) {
			t.Errorf("%s: read by the fast path", name)
		}
	}
}

// FuzzWrappedBlob: on any body, where the fast path reads a container the
// general path reads the same.
func FuzzWrappedBlob(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	c := blobContainer(rng, 300)
	f.Add([]byte("2\n" + wrapBase64(c, 64, "\n", true) + "\nIssued\nComplete\n"))
	f.Add([]byte("2\n" + wrapBase64(c, 76, "\r\n", false)))
	f.Add([]byte("2\n" + wrapBase64(blobContainer(rng, 60), 1<<10, "\n", true) + "\nAuthorized\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > maxResponseBytes {
			return
		}
		blobsAgree(t, body)
	})
}

// pemExtent finds the bodies of the blocks encoders write between their
// marker lines, and only of those: there, decodeCertBodies reads the
// certificates that decodePEMText reads, without searching the text again.
func TestPEMExtent(t *testing.T) {
	chain := certgen.MustNew(certgen.Options{Shape: certgen.TestMode, KeyType: certgen.ECDSA})
	var ders [][]byte
	var blocks []string
	for _, c := range []*x509.Certificate{chain.Leaf, chain.Root} {
		ders = append(ders, c.Raw)
		blocks = append(blocks, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})))
	}
	lf := blocks[0] + blocks[1]
	nBlocks := func(n int) (text string) { // n blocks, alternately of each certificate
		for i := range n {
			text += blocks[i%2]
		}
		return text
	}
	// extent finds the PEM text at line 1 of "2\n"+text+after, which must
	// end where after starts.
	extent := func(text, after string) (bodies [][2]int, p *lineParser) {
		t.Helper()
		body := "2\n" + text + after
		p = &lineParser{body: []byte(body)}
		p.has(1)
		var room [maxCertBodies][2]int
		textEnd, resume, bodies, err := p.pemExtent(p.start(1), room[:0])
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if got := body[textEnd:resume]; strings.Trim(got, " \t\r\n") != "" || body[resume:] != after {
			t.Fatalf("%q: the text ends at %d and the next line starts at %d", text, textEnd, resume)
		}
		return bodies, p
	}
	for name, text := range map[string]string{
		"LF":                           lf,
		"CRLF":                         strings.ReplaceAll(lf, "\n", "\r\n"),
		"blank lines":                  "\n" + strings.ReplaceAll(lf, "-----\n-----", "-----\n\n\n-----"),
		"as many blocks as it locates": nBlocks(maxCertBodies),
		"a trailing space":             strings.ReplaceAll(lf, "-----\n", "----- \n"), // cut drops it
	} {
		bodies, p := extent(text, "Issued\n")
		if len(bodies) != strings.Count(text, "BEGIN") {
			t.Fatalf("%s: %d bodies, want %d", name, len(bodies), strings.Count(text, "BEGIN"))
		}
		certs, _, ok := decodeCertBodies(p.body, bodies)
		want, _, err := decodePEMText([]byte(text))
		if !ok || err != nil || len(certs) != len(want) {
			t.Fatalf("%s: decodeCertBodies: %d certificates, %v; decodePEMText: %d, %v", name, len(certs), ok, len(want), err)
		}
		for i := range certs {
			if !bytes.Equal(certs[i].Raw, want[i].Raw) || !bytes.Equal(certs[i].Raw, ders[i%2]) {
				t.Errorf("%s: certificate %d differs", name, i)
			}
		}
	}
	// What follows the text may hold a '-' (a status detail, a domain).
	for _, after := range []string{"-1\n", "www.example-shop.com\n"} {
		if bodies, _ := extent(lf, after); len(bodies) != 2 {
			t.Errorf("followed by %q: %d bodies, want 2", after, len(bodies))
		}
	}
	for name, text := range map[string]string{
		"one block more":         nBlocks(maxCertBodies + 1),
		"indented":               "  " + strings.ReplaceAll(strings.TrimSuffix(lf, "\n"), "\n", "\n  ") + "\n",
		"glued":                  strings.Replace(lf, "-----\n-----BEGIN", "----------BEGIN", 1),
		"a BEGIN inside a block": strings.Replace(lf, "-----END CERTIFICATE-----\n", "", 1),
		"another label":          strings.ReplaceAll(lf, " CERTIFICATE-----", " X509 CERTIFICATE-----"),
	} {
		if bodies, _ := extent(text, "Issued\n"); bodies != nil {
			t.Errorf("%s: %d bodies found by their marker lines, want none", name, len(bodies))
		}
	}
}

// TestLinesGrowOnce: a body of many lines (a ZIP archive's base64, wrapped)
// gets room for all of them once, not a slice grown a quarter at a time
// past them (about five times their size allocated), and the lines are the
// same.
func TestLinesGrowOnce(t *testing.T) {
	// 4097 lines: room for one line fewer would be a size class exactly.
	for _, n := range []int{1, linesBeforeCount - 1, linesBeforeCount, linesBeforeCount + 1, 4097, 5000} {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "line %d\r\n", i)
		}
		// As parseLinesSpan hands it over: the last line without its break.
		p := &lineParser{body: bytes.TrimRight([]byte(b.String()), "\r\n"), lines: make([]lineSpan, 0, 16)}
		if p.has(n) {
			t.Fatalf("%d lines: has(%d) is true", n, n)
		}
		if len(p.lines) != n {
			t.Fatalf("%d lines: split %d", n, len(p.lines))
		}
		for i := range n {
			if got, want := string(p.line(i)), fmt.Sprintf("line %d", i); got != want {
				t.Fatalf("%d lines: line %d is %q, want %q", n, i, got, want)
			}
		}
		// From 16 lines, twofold up to linesBeforeCount, then once. (The
		// slice's moves are counted, not allocations, which -race adds to.)
		p = &lineParser{body: p.body, lines: make([]lineSpan, 0, 16)}
		moves, at := 0, unsafe.SliceData(p.lines)
		for i := range n {
			p.has(i)
			if d := unsafe.SliceData(p.lines); d != at {
				moves, at = moves+1, d
			}
		}
		if want := int(math.Ceil(math.Log2(float64(linesBeforeCount)/16))) + 1; moves > want {
			t.Errorf("%d lines: the slice moved %d times, want at most %d", n, moves, want)
		}
	}
}
