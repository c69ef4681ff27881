// This file tests streamPEM, which decodes a ZIP entry of PEM text as it
// inflates, against reading every entry whole: the same certificates, in
// the same order, the same error, the same count of inflated bytes, and no
// certificate sharing the buffer streamPEM reuses.

package collectssl

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/collectssl/collectssl/internal/certgen"
	"go.mozilla.org/pkcs7"
)

// streamLimits are the limits the comparisons run under: the defaults, and
// limits small enough that the test's entries meet them part way.
var streamLimits = []limits{
	defaultLimits,
	func() limits { l := defaultLimits; l.certs = 2; return l }(),
	func() limits { l := defaultLimits; l.zipEntry = 3000; return l }(),
	func() limits { l := defaultLimits; l.zipInflated = 5000; return l }(),
	func() limits { l := defaultLimits; l.decoded = 700; return l }(),
}

// zipOf builds an archive of deflated entries named e0, e1, ...
func zipOf(t testing.TB, entries ...[]byte) []byte {
	t.Helper()
	return zipWith(t, zip.Deflate, entries...)
}

// zipWith is zipOf with entries compressed by method; a method archive/zip
// does not know is deflate under its number.
func zipWith(t testing.TB, method uint16, entries ...[]byte) []byte {
	t.Helper()
	headers := make([]*zip.FileHeader, len(entries))
	for i := range entries {
		headers[i] = &zip.FileHeader{Name: fmt.Sprintf("e%d", i), Method: method}
	}
	return zipHeaders(t, headers, entries, false)
}

// zipHeaders builds an archive of data[i] under headers[i]. raw writes
// the data as it is, already compressed, with the headers' sizes and CRC
// (zip.Writer.CreateRaw).
func zipHeaders(t testing.TB, headers []*zip.FileHeader, data [][]byte, raw bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, fh := range headers {
		if fh.Method != zip.Store && fh.Method != zip.Deflate {
			zw.RegisterCompressor(fh.Method, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
		}
		create := zw.CreateHeader
		if raw {
			create = zw.CreateRaw
		}
		w, err := create(fh)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// streamAgrees decodes archive as decodeWith does, once with streamPEM
// (whatever the entries' sizes) and once reading every entry whole, and
// fails t where the two differ. It returns how many entries streamPEM
// decoded to their end.
func streamAgrees(t testing.TB, archive []byte, lim limits) (streamed int) {
	t.Helper()
	lim.zipStream = 0
	stream, whole := decoder{lim: lim}, decoder{lim: lim}
	whole.lim.zipStream = math.MaxInt
	errS, errW := stream.decode(archive, true), whole.decode(archive, true)
	if fmt.Sprint(errS) != fmt.Sprint(errW) {
		t.Fatalf("streamed: %v\nwhole:    %v", errS, errW)
	}
	if len(stream.certs) != len(whole.certs) {
		t.Fatalf("streamed %d certificates, whole %d", len(stream.certs), len(whole.certs))
	}
	for i := range stream.certs {
		if !bytes.Equal(stream.certs[i].Raw, whole.certs[i].Raw) {
			t.Fatalf("certificate %d differs", i)
		}
		if aliases(stream.certs[i].Raw, stream.der) {
			t.Fatalf("certificate %d shares the reused buffer", i)
		}
	}
	if stream.inflated != whole.inflated {
		t.Fatalf("streamed inflated %d bytes, whole %d", stream.inflated, whole.inflated)
	}
	if (stream.container == nil) != (whole.container == nil) || !bytes.Equal(stream.container, whole.container) {
		t.Fatalf("containers differ: %d and %d bytes", len(stream.container), len(whole.container))
	}
	if aliases(stream.container, stream.der) {
		t.Fatal("the container shares the reused buffer")
	}
	if len(stream.seen) != len(whole.seen) {
		t.Fatalf("seen holds %d hashes streamed, %d whole", len(stream.seen), len(whole.seen))
	}
	return stream.streamed
}

// aliases reports whether a and b share memory.
func aliases(a, b []byte) bool {
	if cap(a) == 0 || cap(b) == 0 {
		return false
	}
	a0, b0 := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return a0 < b0+uintptr(cap(b)) && b0 < a0+uintptr(cap(a))
}

// streamPieces are the parts entries are made of: certificate files as
// encoders write them, and each thing streamPEM leaves to the whole read.
func streamPieces(t testing.TB) [][]byte {
	c, err := certgen.New(certgen.Options{Shape: certgen.Pre2025, KeyType: certgen.ECDSA})
	if err != nil {
		t.Fatal(err)
	}
	big, err := certgen.New(certgen.Options{Shape: certgen.Pre2025, KeyType: certgen.ECDSA, Padding: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	certs := c.Served()
	leaf, root := certs[len(certs)-1], certs[0]
	block := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	crlf := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }
	wrap := func(der []byte, width int, eol string) []byte {
		return []byte(pemBeginCert + eol + wrapBase64(der, width, eol, true) + eol + pemEndCert + eol)
	}
	p7, err := pkcs7.DegenerateCertificate(append(bytes.Clone(leaf.Raw), root.Raw...))
	if err != nil {
		t.Fatal(err)
	}
	leafPEM := block("CERTIFICATE", leaf.Raw)
	pieces := [][]byte{
		leafPEM,
		block("CERTIFICATE", root.Raw),
		block("CERTIFICATE", certs[1].Raw),
		crlf(block("CERTIFICATE", certs[1].Raw)),
		wrap(leaf.Raw, 76, "\n"),
		wrap(root.Raw, 4, "\r\n"),
		wrap(leaf.Raw, 1<<20, "\n"),                       // one line
		wrap(big.Served()[0].Raw, 1<<20, "\n"),            // one line longer than the buffer
		bytes.TrimSuffix(leafPEM, []byte("\n")),           // no final line break
		block("CERTIFICATE", p7),                          // PKCS#7, as OpenSSL labels it at times
		block("CERTIFICATE", []byte{0x30, 0x03, 2, 1, 1}), // DER that is no certificate
		block("CERTIFICATE", leaf.Raw[:len(leaf.Raw)/2]),
		block("PRIVATE KEY", []byte{0x30, 0}),
		block("X509 CERTIFICATE", root.Raw),
		[]byte("Bag Attributes\n    friendlyName: leaf\nsubject=/CN=www.example.test\n"),
		[]byte("\n\n  \r\n"),
		[]byte(pemBeginCert + "\nProc-Type: 4,ENCRYPTED\n\n" + base64.StdEncoding.EncodeToString(leaf.Raw) + "\n" + pemEndCert + "\n"),
		[]byte(pemBeginCert + "\n" + base64.StdEncoding.EncodeToString(leaf.Raw[:31]) + "\n\n" + base64.StdEncoding.EncodeToString(leaf.Raw[31:]) + "\n" + pemEndCert + "\n"), // padding mid-block
		[]byte(pemBeginCert + "\nQUJD\r\nQU\rJD\n" + pemEndCert + "\n"),
		[]byte(pemBeginCert + "\nQUJD*UJD\n" + pemEndCert + "\n"),
		[]byte(pemBeginCert + "\n" + base64.StdEncoding.EncodeToString(leaf.Raw) + "\n"), // no END line
		[]byte(pemBeginCert + "\n" + base64.StdEncoding.EncodeToString(leaf.Raw) + "\n-----END X509 CERTIFICATE-----\n"),
		[]byte(pemEndCert + pemBeginCert + "\n" + base64.StdEncoding.EncodeToString(root.Raw) + "\n" + pemEndCert + "\n"),
		[]byte(pemBeginCert + " \n" + base64.StdEncoding.EncodeToString(root.Raw) + "\n" + pemEndCert + "\n"),
		[]byte("text " + pemBeginCert + "\n" + base64.StdEncoding.EncodeToString(root.Raw) + "\n" + pemEndCert + "\n"),
		[]byte(pemEndCert + "\n"),
		// A BEGIN line across the end of the line buffer.
		[]byte(strings.Repeat("x", pemLineBuffer-6) + pemBeginCert + "\n" + base64.StdEncoding.EncodeToString(root.Raw) + "\n" + pemEndCert + "\n"),
		append([]byte("\xef\xbb\xbf"), leafPEM...),
		leaf.Raw,
		[]byte(base64.StdEncoding.EncodeToString(root.Raw)),
	}
	return pieces
}

// TestStreamPEMAgrees compares streamPEM with the whole read on archives
// of one to four entries, each of one to three pieces, under every one of
// streamLimits, and checks that it streams the entries Sectigo sends.
func TestStreamPEMAgrees(t *testing.T) {
	pieces := streamPieces(t)
	// Sectigo's shape: each certificate, then a bundle repeating the CAs.
	sectigo := zipOf(t, pieces[1], pieces[2], pieces[0], append(bytes.Clone(pieces[2]), pieces[1]...))
	if n := streamAgrees(t, sectigo, defaultLimits); n != 4 {
		t.Fatalf("streamPEM decoded %d of the 4 entries of Sectigo's archive", n)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	entry := func() []byte {
		var e []byte
		for range 1 + rng.IntN(3) {
			e = append(e, pieces[rng.IntN(len(pieces))]...)
		}
		if rng.IntN(8) == 0 && len(e) > 0 {
			e[rng.IntN(len(e))] ^= byte(1 + rng.IntN(255)) // a byte changed
		}
		return e
	}
	streamed := 0
	for i := range 3000 {
		entries := make([][]byte, 1+rng.IntN(4))
		for j := range entries {
			entries[j] = entry()
		}
		archive := zipOf(t, entries...)
		lim := streamLimits[i%len(streamLimits)]
		streamed += streamAgrees(t, archive, lim)
	}
	// Most entries hold something streamPEM leaves to the whole read;
	// enough hold nothing else for the comparison to mean something.
	if streamed < 500 {
		t.Errorf("streamPEM decoded %d entries to the end, want at least 500", streamed)
	}
}

// FuzzStreamPEM: on any entry, alone or after a certificate file, streamPEM
// and the whole read agree.
func FuzzStreamPEM(f *testing.F) {
	pieces := streamPieces(f)
	for _, p := range pieces {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, entry []byte) {
		if len(entry) > 16<<10 {
			return
		}
		// Alone, and twice after a certificate file, so that what one
		// entry leaves (the hashes seen, the reused buffer) meets the next.
		for _, archive := range [][]byte{zipOf(t, entry), zipOf(t, pieces[0], entry, entry)} {
			for _, lim := range streamLimits {
				streamAgrees(t, archive, lim)
			}
		}
	})
}

// TestStreamPEMDecodedLimit: streamPEM reads a block whose text, as
// decodePEM measures it, may decode to the decoded limit, gives up on one
// that may decode to more (where the whole read decides, on the base64
// characters alone), and both refuse a certificate over the limit. Blank
// lines before the END line give the text every length modulo 4.
func TestStreamPEMDecodedLimit(t *testing.T) {
	block, _ := pem.Decode(streamPieces(t)[0])
	lines := wrapBase64(block.Bytes, 64, "\n", true) + "\n"
	for blanks := range 4 {
		text := pemBeginCert + "\n" + lines + strings.Repeat("\n", blanks) + pemEndCert + "\n"
		body := len(text) - len(pemBeginCert) - len(pemEndCert+"\n")
		archive := zipOf(t, []byte(text))
		for _, tt := range []struct {
			decoded  int
			streamed int
			wantErr  bool
		}{
			{base64.StdEncoding.DecodedLen(body), 1, false},
			{base64.StdEncoding.DecodedLen(body) - 1, 0, false},
			{len(block.Bytes) - 1, 0, true},
		} {
			lim := defaultLimits
			lim.decoded = tt.decoded
			streamed := streamAgrees(t, archive, lim)
			d := decoder{lim: lim}
			err := d.decode(archive, true)
			if (err != nil) != tt.wantErr || streamed != tt.streamed {
				t.Errorf("%d blank lines, decoded limit %d: %v, streamed %d entries; want an error: %v, %d streamed",
					blanks, tt.decoded, err, streamed, tt.wantErr, tt.streamed)
			}
		}
	}
}

// countedMethod is a ZIP compression method of our own, deflate under
// another number, whose readers count how often they are opened and
// closed.
const countedMethod = 0x9c

var (
	registerCounted sync.Once
	countedOpened   atomic.Int64
	countedClosed   atomic.Int64
)

type countedReader struct{ io.ReadCloser }

func (r countedReader) Close() error {
	countedClosed.Add(1)
	return r.ReadCloser.Close()
}

// TestStreamPEMClosesEntries: every reader of an entry is closed, the one
// streamPEM gave up on and the one that read the entry again included.
func TestStreamPEMClosesEntries(t *testing.T) {
	registerCounted.Do(func() {
		zip.RegisterDecompressor(countedMethod, func(r io.Reader) io.ReadCloser {
			countedOpened.Add(1)
			return countedReader{flate.NewReader(r)}
		})
	})
	pieces := streamPieces(t)
	entries := [][]byte{
		pieces[0],  // streamed
		pieces[16], // RFC 1421 headers: given up on, read again
		pieces[28], // DER
		append(bytes.Clone(pieces[1]), pieces[0]...),
	}
	if !bytes.Contains(pieces[16], []byte("Proc-Type")) || pieces[28][0] != 0x30 {
		t.Fatal("the pieces are not where this test expects them")
	}
	archive := zipWith(t, countedMethod, entries...)
	for _, zipStream := range []int{0, math.MaxInt} {
		opened0, closed0 := countedOpened.Load(), countedClosed.Load()
		lim := defaultLimits
		lim.zipStream = zipStream
		d := decoder{lim: lim}
		if err := d.decode(archive, true); err != nil {
			t.Fatal(err)
		}
		opened, closed := countedOpened.Load()-opened0, countedClosed.Load()-closed0
		want := int64(len(entries))
		if zipStream == 0 {
			want++ // the entry given up on, read again
			if d.streamed != 2 {
				t.Errorf("streamed %d entries, want 2", d.streamed)
			}
		}
		if opened != want || closed != want {
			t.Errorf("streaming from %d bytes: opened %d readers and closed %d, want %d", zipStream, opened, closed, want)
		}
	}
}

// TestStreamPEMBelievesDataNotDeclaredSize: an entry that declares 1 MiB
// but holds a few bytes costs what it holds, not a buffer of its declared
// size (870 KB allocated when streamPEM sized its buffer from the word of
// the entry).
func TestStreamPEMBelievesDataNotDeclaredSize(t *testing.T) {
	data := []byte(pemBeginCert + "\n!!!!\n" + pemEndCert + "\n")
	archive := zipHeaders(t, []*zip.FileHeader{{
		Name: "liar.crt", Method: zip.Store,
		CompressedSize64: uint64(len(data)), UncompressedSize64: 1 << 20, CRC32: crc32.ChecksumIEEE(data),
	}}, [][]byte{data}, true)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, err := decodeCertificates(archive, defaultLimits)
	runtime.ReadMemStats(&m1)
	if err == nil {
		t.Fatal("an entry of invalid base64 decoded")
	}
	if allocated := m1.TotalAlloc - m0.TotalAlloc; allocated > 256<<10 {
		t.Errorf("an entry of %d bytes declaring 1 MiB: %d bytes allocated, want at most 256 KiB", len(data), allocated)
	}
}
