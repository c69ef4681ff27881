// This file tests streamPEM, which decodes a ZIP entry of PEM text as it
// inflates, against reading every entry whole: the same certificates, in
// the same order, the same error, the same count of inflated bytes, and no
// certificate sharing the buffer streamPEM reuses.

package collectssl

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
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
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, data := range entries {
		w, err := zw.Create(fmt.Sprintf("e%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// streamAgrees decodes archive as decodeWith does, once with streamPEM
// and once reading every entry whole, and fails t where the two differ.
// It reports whether streamPEM decoded an entry to the end.
func streamAgrees(t testing.TB, archive []byte, lim limits) (streamed bool) {
	t.Helper()
	lim.streamFrom = 0
	stream, whole := decoder{lim: lim}, decoder{lim: lim}
	whole.lim.streamFrom = math.MaxInt
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
	if len(stream.seen) != len(whole.seen) {
		t.Fatalf("seen holds %d hashes streamed, %d whole", len(stream.seen), len(whole.seen))
	}
	return stream.der != nil && errS == nil
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
		s := base64.StdEncoding.EncodeToString(der)
		var b strings.Builder
		b.WriteString(pemBeginCert + eol)
		for len(s) > width {
			b.WriteString(s[:width] + eol)
			s = s[width:]
		}
		b.WriteString(s + eol + pemEndCert + eol)
		return []byte(b.String())
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
		[]byte(strings.Repeat("x", zipLineBuffer-6) + pemBeginCert + "\n" + base64.StdEncoding.EncodeToString(root.Raw) + "\n" + pemEndCert + "\n"),
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
	if !streamAgrees(t, sectigo, defaultLimits) {
		t.Fatal("Sectigo's archive was not streamed")
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
		if streamAgrees(t, archive, lim) {
			streamed++
		}
	}
	// Most archives hold something streamPEM leaves to the whole read;
	// enough hold nothing else for the comparison to mean something.
	if streamed < 300 {
		t.Errorf("streamPEM decoded %d archives of 3000 to the end, want at least 300", streamed)
	}
}

// FuzzStreamPEM: on any entry, alone or after a certificate file, streamPEM
// and the whole read agree.
func FuzzStreamPEM(f *testing.F) {
	for _, p := range streamPieces(f) {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, entry []byte) {
		if len(entry) > 16<<10 {
			return
		}
		archive := zipOf(t, entry)
		for _, lim := range streamLimits {
			streamAgrees(t, archive, lim)
		}
	})
}
