// This file holds the benchmarks of DecodeCertificates, each beside a floor
// that does only the unavoidable work on the same input (parse each
// certificate once; base64-decode it line by line where the input is text
// (floor.Lines), finding the armour of PEM with floor.PEM; inflate where it
// is a ZIP), and the linearity benchmarks of the BER walker. Compare
// ours/floor within one run:
//
//	go test -run '^$' -bench 'Decode|FlatBER' -benchmem -count 8 .
//
// The machine this was written on is shared, so BenchmarkDecodePaired also
// alternates the two in one loop and reports their ratio directly.

package collectssl_test

import (
	"archive/zip"
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/floor"
)

// benchCerts returns four certificates (three ECDSA, one RSA) and their DER.
func benchCerts(b *testing.B) [][]byte {
	c := getChain(b)
	return ders(c.root, c.inter, c.leaf, c.rsaLeaf)
}

// benchCase is one input and its floor: the unavoidable work on it.
type benchCase struct {
	name  string
	in    []byte
	floor func() error
}

// benchCases builds the five inputs of four certificates each.
func benchCases(b *testing.B) []benchCase {
	raws := benchCerts(b)
	largeLeaf, largeCAs := largeChain(b, 128<<10)

	pemIn := pemDER(raws...)
	pemFloor := func() error {
		n, _, err := floor.PEM(pemIn)
		if err == nil && n != len(raws) {
			err = fmt.Errorf("%d certificates", n)
		}
		return err
	}

	p7 := encPKCS7(p7opts{}, raws...)
	b64In := []byte(wrap(b64(p7), 64, "\n"))
	offs := make([]int, len(raws)) // where the certificates sit in the decoded PKCS#7
	for i, r := range raws {
		offs[i] = bytes.Index(p7, r)
	}
	b64Floor := func() error {
		der := make([]byte, base64.StdEncoding.DecodedLen(len(b64In)))
		n, err := floor.Lines(der, b64In, 64)
		if err != nil || n != len(p7) {
			return fmt.Errorf("base64: %v", err)
		}
		for i, r := range raws {
			if _, err := x509.ParseCertificate(der[offs[i] : offs[i]+len(r)]); err != nil {
				return err
			}
		}
		return nil
	}

	// A binary container: the floor copies it once (the certificates may
	// not alias the caller's buffer, which is not the decoder's to keep:
	// that copy is part of the unavoidable work) and parses each
	// certificate from the copy, at offsets found in advance.
	berIn := encPKCS7(p7opts{indef: true, emptyIndefSet: true, octetContent: true}, raws...)
	netscapeIn := netscape(raws...)
	copyThenParse := func(in []byte) func() error {
		offs := make([]int, len(raws))
		for i, r := range raws {
			offs[i] = bytes.Index(in, r)
		}
		return func() error {
			buf := bytes.Clone(in)
			for i, r := range raws {
				if _, err := x509.ParseCertificate(buf[offs[i] : offs[i]+len(r)]); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var entries []zipEntry
	for i, r := range raws {
		entries = append(entries, zipEntry{name: fmt.Sprintf("cert%d.crt", i), data: r})
	}
	zipIn := makeZIP(b, entries...)
	zipFloor := func() error {
		zr, err := zip.NewReader(bytes.NewReader(zipIn), int64(len(zipIn)))
		if err != nil {
			return err
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				return err
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
			if _, err := x509.ParseCertificate(data); err != nil {
				return err
			}
		}
		return nil
	}

	return []benchCase{
		{"PEM", pemIn, pemFloor},
		{"Base64PKCS7", b64In, b64Floor},
		{"BER", berIn, copyThenParse(berIn)},
		{"Netscape", netscapeIn, copyThenParse(netscapeIn)},
		{"ZIP", zipIn, zipFloor},
		zipPEMCase(b, "ZIPPEM", raws),
		// Entries of 175 KiB, which DecodeCertificates reads as they inflate.
		zipPEMCase(b, "ZIPPEMLarge", append(largeCAs, largeLeaf)),
	}
}

// zipPEMCase is Sectigo's layout of raws: a PEM file per certificate and a
// .ca-bundle repeating the first two. The floor inflates every entry to its
// end (where archive/zip checks the CRC) into one buffer, decodes every
// block (floor.Lines) into another, and parses a certificate the first time
// it comes only, out of a copy of its own: the bundle's certificates are
// found again by comparing their DER.
func zipPEMCase(b *testing.B, name string, raws [][]byte) benchCase {
	var entries []zipEntry
	for i, r := range raws {
		entries = append(entries, zipEntry{name: fmt.Sprintf("cert%d.crt", i), data: pemDER(r)})
	}
	in := makeZIP(b, append(entries, zipEntry{name: "bundle.ca-bundle", data: pemDER(raws[1], raws[0])})...)
	begin, end := []byte("-----BEGIN CERTIFICATE-----"), []byte("-----END CERTIFICATE-----")
	return benchCase{name, in, func() error {
		zr, err := zip.NewReader(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			return err
		}
		var text, der []byte
		var kept [][]byte
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				return err
			}
			text = slices.Grow(text[:0], int(f.UncompressedSize64)+1)[:f.UncompressedSize64+1]
			n, err := io.ReadFull(rc, text)
			rc.Close()
			if err != io.ErrUnexpectedEOF || n != int(f.UncompressedSize64) {
				return fmt.Errorf("entry %s: %d bytes, %v", f.Name, n, err)
			}
			for rest := text[:n]; ; {
				i := bytes.Index(rest, begin)
				if i < 0 {
					break
				}
				rest = rest[i+len(begin):]
				j := bytes.Index(rest, end)
				der = slices.Grow(der[:0], base64.StdEncoding.DecodedLen(j))[:base64.StdEncoding.DecodedLen(j)]
				m, err := floor.Lines(der, rest[:j], 64)
				if err != nil {
					return err
				}
				rest = rest[j+len(end):]
				if slices.ContainsFunc(kept, func(k []byte) bool { return bytes.Equal(k, der[:m]) }) {
					continue
				}
				c := bytes.Clone(der[:m])
				if _, err := x509.ParseCertificate(c); err != nil {
					return err
				}
				kept = append(kept, c)
			}
		}
		if len(kept) != len(raws) {
			return fmt.Errorf("%d certificates", len(kept))
		}
		return nil
	}}
}

// BenchmarkDecode runs each case (ours) beside its floor.
func BenchmarkDecode(b *testing.B) {
	for _, bc := range benchCases(b) {
		b.Run(bc.name+"/ours", func(b *testing.B) {
			b.SetBytes(int64(len(bc.in)))
			b.ReportAllocs()
			for b.Loop() {
				certs, err := collectssl.DecodeCertificates(bc.in)
				if err != nil || len(certs) != 4 {
					b.Fatalf("got %d certificates, %v", len(certs), err)
				}
			}
		})
		b.Run(bc.name+"/floor", func(b *testing.B) {
			b.SetBytes(int64(len(bc.in)))
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.floor(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodePaired alternates ours and the floor in every iteration and
// reports the ratio of their summed times (ours/floor), so that load from
// other processes falls on both alike.
func BenchmarkDecodePaired(b *testing.B) {
	for _, bc := range benchCases(b) {
		b.Run(bc.name, func(b *testing.B) {
			floor.Paired(b, func() error {
				certs, err := collectssl.DecodeCertificates(bc.in)
				if err == nil && len(certs) != 4 {
					err = fmt.Errorf("got %d certificates", len(certs))
				}
				return err
			}, bc.floor)
		})
	}
}

// BenchmarkPairedAA runs the same work on both sides of floor.Paired: its
// ratio is the harness's own noise, the yardstick for the other ratios.
func BenchmarkPairedAA(b *testing.B) {
	in := benchCases(b)[0].in
	work := func() error {
		_, err := collectssl.DecodeCertificates(in)
		return err
	}
	floor.Paired(b, work, work)
}

// flatBER is a BER PKCS#7 of about size bytes: copies of one certificate in
// an indefinite-length [0], inside indefinite-length wrappers.
func flatBER(b *testing.B, size int) ([]byte, int) {
	leaf := getChain(b).leaf.Raw
	n := max(size/len(leaf), 1)
	certs := make([][]byte, n)
	for i := range certs {
		certs[i] = leaf
	}
	return encPKCS7(p7opts{indef: true, emptyIndefSet: true}, certs...), n
}

// BenchmarkFlatBER measures linearity: 1 MiB should cost about 16 times
// 64 KiB (the target is at most 20 times), both for a whole decode (under
// raised limits: 1 MiB holds more certificates than maxCertificates) and
// for containerLen's walk alone.
func BenchmarkFlatBER(b *testing.B) {
	for _, size := range []int{64 << 10, 1 << 20} {
		in, n := flatBER(b, size)
		for _, side := range []struct {
			name string
			work func() error
		}{
			{"decode", flatDecode(in, n)},
			{"floor", flatFloor(b, n)},
		} {
			b.Run(fmt.Sprintf("%s/%dKiB", side.name, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				for b.Loop() {
					if err := side.work(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("containerLen/%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if m, ok, err := collectssl.ContainerLen(in); m != len(in) || !ok || err != nil {
					b.Fatalf("got (%d, %v, %v)", m, ok, err)
				}
			}
		})
	}
}

// BenchmarkFlatBERGrowth is BenchmarkFlatBER's linearity measured in one
// loop (floor.Ratio): every iteration decodes 1 MiB and 64 KiB of flat BER,
// alternating which goes first, and the metric growth is the ratio of their
// summed times (16 for perfect linearity; the target is at most 20), so
// that the machine's drift between sub-benchmarks falls on both sizes
// alike. Its floor sub-benchmark does the same for parsing the
// certificates alone.
//
//	go test -run '^$' -bench FlatBERGrowth -benchtime 200x -count 6 .
func BenchmarkFlatBERGrowth(b *testing.B) {
	smallIn, nSmall := flatBER(b, 64<<10)
	bigIn, nBig := flatBER(b, 1<<20)
	b.Run("decode", func(b *testing.B) {
		floor.Ratio(b, "growth", flatDecode(bigIn, nBig), flatDecode(smallIn, nSmall))
	})
	b.Run("floor", func(b *testing.B) {
		floor.Ratio(b, "growth", flatFloor(b, nBig), flatFloor(b, nSmall))
	})
}

// flatDecode returns a decode of in, a flatBER of n certificates (under
// raised limits), that keeps its result as a caller would.
func flatDecode(in []byte, n int) func() error {
	return func() error {
		certs, err := collectssl.DecodeCertificatesWithCertLimit(in, 1<<20)
		if err != nil || len(certs) != n {
			return fmt.Errorf("got %d certificates, %v", len(certs), err)
		}
		benchSink = certs
		return nil
	}
}

// flatFloor returns flatDecode's floor: parsing n times (and keeping, as a
// decode does) the certificate a flatBER repeats.
func flatFloor(b *testing.B, n int) func() error {
	leaf := getChain(b).leaf.Raw
	return func() error {
		certs := make([]*x509.Certificate, 0, n)
		for range n {
			c, err := x509.ParseCertificate(leaf)
			if err != nil {
				return err
			}
			certs = append(certs, c)
		}
		benchSink = certs
		return nil
	}
}

// benchSink keeps benchmark results alive, as a decode's caller would.
var benchSink []*x509.Certificate
