// This file tests what the decoder does out of sight: how it finds the
// certificates a ZIP archive repeats (isSeen), and its line-by-line base64
// fast path (decodeLines).

package collectssl

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"runtime"
	"strings"
	"testing"
)

// isSeen compares certificates whose hashes collide byte by byte, and only
// with those returned since the first ZIP.
func TestIsSeenCollision(t *testing.T) {
	a, b, c := &x509.Certificate{Raw: []byte("certificate A")}, &x509.Certificate{Raw: []byte("certificate B")}, &x509.Certificate{Raw: []byte("certificate C")}
	const h = 42 // the hash of all three, as if they collided
	d := decoder{certs: []*x509.Certificate{c, a, b}, seen: map[uint64]int{h: 1}, seenFrom: 1}
	for _, tt := range []struct {
		raw  []byte
		want bool
	}{
		{a.Raw, true},                    // the one the map points to
		{b.Raw, true},                    // found by comparing
		{c.Raw, false},                   // returned before the ZIP
		{[]byte("certificate D"), false}, // never returned
		{[]byte("certificate A, longer"), false},
	} {
		if got := d.isSeen(h, tt.raw); got != tt.want {
			t.Errorf("isSeen(%q) = %v, want %v", tt.raw, got, tt.want)
		}
	}
	if d.isSeen(h+1, a.Raw) {
		t.Error("isSeen of an unknown hash = true")
	}
}

// linesAgree checks decodeLines against one encoding/base64 call over the
// same text: where decodeLines reads the text, the call reads it too, to
// the same bytes. It returns whether decodeLines read it.
func linesAgree(t *testing.T, text []byte) bool {
	t.Helper()
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, ok := decodeLines(dst, text)
	if !ok {
		return false
	}
	want := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	m, err := base64.StdEncoding.Decode(want, text)
	if err != nil || !bytes.Equal(dst[:n], want[:m]) {
		t.Fatalf("decodeLines(%q) = %x, but one call gives %x, %v", text, dst[:n], want[:m], err)
	}
	return true
}

// decodeLines reads what encoders write (any width of whole quanta, LF or
// CRLF, a line break before and after) and leaves the rest to one call.
func TestDecodeLines(t *testing.T) {
	data := make([]byte, 301)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for size := range len(data) {
		enc := base64.StdEncoding.EncodeToString(data[:size])
		for _, width := range []int{4, 64, 76, 1000} {
			for _, eol := range []string{"\n", "\r\n"} {
				var b strings.Builder
				for s := enc; len(s) > 0; s = s[min(width, len(s)):] {
					b.WriteString(eol + s[:min(width, len(s))])
				}
				b.WriteString(eol)
				if !linesAgree(t, []byte(b.String())) {
					t.Fatalf("decodeLines refused %d bytes at width %d with %q line breaks", size, width, eol)
				}
			}
		}
	}
	for _, text := range []string{
		"QUJD\nRA",         // a quantum across a line break: one call reads it
		"QUI=\nQUJD",       // padding before the last line
		"QU\r\nJD",         // quanta across a CRLF
		"QUJD\nQU!D",       // not base64
		"QUJD\nQUJ\rD\n",   // a CR inside a line
		"QUJDRA==\n\nQUJD", // padding, a blank line, more data
	} {
		if linesAgree(t, []byte(text)) {
			t.Errorf("decodeLines read %q, which one call must decide", text)
		}
	}
	// Where the line before ends says where to look for the next LF; a
	// guess that lands on a later LF than the first holds a line break, and
	// its line is refused, or read to the bytes of one call if it is last.
	for _, text := range []string{
		"QUJDQUJD\nQUJD\n\n\n\n\nQUJD", // the guess spans four blank lines
		"QUJDQUJD\nQUJD\n\n\n\n\n",     // ... and ends the text
		"QUJDQUJD\nQU\nJD\n\nQUJD",     // ... spans a quantum split in two
		"QUJD\r\nQUJ\nD\r\nQUJD",       // ... spans an LF inside a CRLF text
	} {
		linesAgree(t, []byte(text))
	}
}

// FuzzDecodeLines: on any text, where decodeLines reads it, one call reads
// the same bytes.
func FuzzDecodeLines(f *testing.F) {
	f.Add([]byte("\nQUJD\nRA==\n"))
	f.Add([]byte("QUJDRA==\r\nQUJD"))
	f.Add([]byte("QUJD\r\n\r\nQUI=\n"))
	f.Fuzz(func(t *testing.T, text []byte) { linesAgree(t, text) })
}

// TestZIPEntryReadOnce: a large entry is inflated into a buffer of its
// declared size after the first zipEntryPrealloc bytes, not into one that
// doubles from there (which allocated 3.8 times the entry).
func TestZIPEntryReadOnce(t *testing.T) {
	entry := make([]byte, 600<<10)
	rand.Read(entry) // incompressible
	archive := zipOf(t, entry)
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	read := func(d *decoder) ([]byte, error) {
		rc, err := zr.File[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		return d.readEntry(rc, zr.File[0].UncompressedSize64, min(d.lim.zipEntry, d.lim.zipInflated-d.inflated))
	}
	d := decoder{lim: responseLimits}
	var got []byte
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	got, err = read(&d)
	runtime.ReadMemStats(&m1)
	if err != nil || !bytes.Equal(got, entry) {
		t.Fatalf("readEntry = %d bytes, %v; want the %d bytes written", len(got), err, len(entry))
	}
	// The entry, the first buffer and the inflater's own state come to
	// about 1.2 times the entry; doubling cost 3.8 times it.
	if allocated, limit := m1.TotalAlloc-m0.TotalAlloc, uint64(len(entry))*3/2; allocated > limit {
		t.Errorf("reading an entry of %d bytes allocated %d bytes, want at most %d", len(entry), allocated, limit)
	}

	// With less left of the archive's budget than the entry holds, the
	// read stops one byte past the budget: it does not grow its buffer
	// to read on.
	const budget = 300 << 10
	d = decoder{lim: responseLimits}
	d.inflated = d.lim.zipInflated - budget
	runtime.ReadMemStats(&m0)
	_, err = read(&d)
	runtime.ReadMemStats(&m1)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("readEntry over the archive's budget: %v, want ErrTooLarge", err)
	}
	if allocated, limit := m1.TotalAlloc-m0.TotalAlloc, uint64(budget)*3/2; allocated > limit {
		t.Errorf("reading an entry over a budget of %d bytes allocated %d bytes, want at most %d", budget, allocated, limit)
	}
}
