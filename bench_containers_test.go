// This file holds the benchmarks of DecodeCertificates, each beside a floor
// that does only the unavoidable work on the same input (parse each
// certificate once; base64-decode or pem.Decode where the input is text;
// inflate where it is a ZIP), and the linearity benchmarks of the BER walker.
// Compare ours/floor within one run:
//
//	go test -run '^$' -bench 'Decode|FlatBER' -benchmem -count 5 .
//
// The machine this was written on is shared, so BenchmarkDecodePaired also
// alternates the two in one loop and reports their ratio directly.

package collectssl_test

import (
	"archive/zip"
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
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
	parse := func(raws [][]byte) error {
		for _, r := range raws {
			if _, err := x509.ParseCertificate(r); err != nil {
				return err
			}
		}
		return nil
	}

	var pemIn []byte
	for _, r := range raws {
		pemIn = append(pemIn, pemBlock("CERTIFICATE", r)...)
	}
	pemFloor := func() error {
		rest := pemIn
		for {
			var blk *pem.Block
			if blk, rest = pem.Decode(rest); blk == nil {
				return nil
			}
			if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
				return err
			}
		}
	}

	p7 := encPKCS7(p7opts{}, raws...)
	b64In := []byte(wrap(b64(p7), 64, "\n"))
	offs := make([]int, len(raws)) // where the certificates sit in the decoded PKCS#7
	for i, r := range raws {
		offs[i] = bytes.Index(p7, r)
	}
	b64Floor := func() error {
		der := make([]byte, base64.StdEncoding.DecodedLen(len(b64In)))
		n, err := base64.StdEncoding.Decode(der, b64In)
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
		{"BER", encPKCS7(p7opts{indef: true, emptyIndefSet: true, octetContent: true}, raws...), func() error { return parse(raws) }},
		{"Netscape", netscape(raws...), func() error { return parse(raws) }},
		{"ZIP", zipIn, zipFloor},
	}
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
			runPaired(b, func() error {
				certs, err := collectssl.DecodeCertificates(bc.in)
				if err == nil && len(certs) != 4 {
					err = fmt.Errorf("got %d certificates", len(certs))
				}
				return err
			}, bc.floor)
		})
	}
}

// runPaired runs ours then floor in every iteration and reports the ratio of
// their summed times as the metric ours/floor.
func runPaired(b *testing.B, ours, floor func() error) {
	var tOurs, tFloor time.Duration
	for b.Loop() {
		t0 := time.Now()
		err := ours()
		t1 := time.Now()
		ferr := floor()
		t2 := time.Now()
		if err != nil || ferr != nil {
			b.Fatalf("ours: %v, floor: %v", err, ferr)
		}
		tOurs += t1.Sub(t0)
		tFloor += t2.Sub(t1)
	}
	b.ReportMetric(float64(tOurs)/float64(tFloor), "ours/floor")
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
		b.Run(fmt.Sprintf("decode/%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				certs, err := collectssl.DecodeCertificatesWithCertLimit(in, 1<<20)
				if err != nil || len(certs) != n {
					b.Fatalf("got %d certificates, %v", len(certs), err)
				}
			}
		})
		b.Run(fmt.Sprintf("floor/%dKiB", size>>10), func(b *testing.B) {
			// Parse (and keep, as a decode does) the same certificates.
			leaf := getChain(b).leaf.Raw
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				certs := make([]*x509.Certificate, 0, n)
				for range n {
					c, err := x509.ParseCertificate(leaf)
					if err != nil {
						b.Fatal(err)
					}
					certs = append(certs, c)
				}
				benchSink = certs
			}
		})
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

// benchSink keeps benchmark results alive, as a decode's caller would.
var benchSink []*x509.Certificate
