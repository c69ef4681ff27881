// This file holds the benchmarks of DecodeCertificates, each beside a floor
// that does only the unavoidable work on the same input (parse each
// certificate once; base64-decode or pem.Decode where the input is text;
// inflate where it is a ZIP), and the linearity benchmarks of the BER walker.
// Compare ours/floor within one run:
//
//	go test -run '^$' -bench 'Decode|FlatBER' -benchmem -count 5 .

package collectssl

import (
	"archive/zip"
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"testing"
)

// benchCerts returns four certificates (three ECDSA, one RSA) and their DER.
func benchCerts(b *testing.B) [][]byte {
	c := getChain(b)
	return ders(c.root, c.inter, c.leaf, c.rsaLeaf)
}

func parseAll(b *testing.B, raws [][]byte) {
	for _, r := range raws {
		if _, err := x509.ParseCertificate(r); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecode(b *testing.B, in []byte, want int) {
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		certs, err := DecodeCertificates(in)
		if err != nil || len(certs) != want {
			b.Fatalf("got %d certificates, %v", len(certs), err)
		}
	}
}

func BenchmarkDecodePEM(b *testing.B) {
	raws := benchCerts(b)
	var in []byte
	for _, r := range raws {
		in = append(in, pemOf("CERTIFICATE", r)...)
	}
	b.Run("ours", func(b *testing.B) { benchDecode(b, in, 4) })
	b.Run("floor", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			rest := in
			for {
				var blk *pem.Block
				blk, rest = pem.Decode(rest)
				if blk == nil {
					break
				}
				if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// benchDERFloor parses the certificates, which sit in der at known places.
func benchDERFloor(b *testing.B, size int, raws [][]byte) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		parseAll(b, raws)
	}
}

func BenchmarkDecodeBase64PKCS7(b *testing.B) {
	raws := benchCerts(b)
	p7 := encPKCS7(p7opts{}, raws...)
	in := []byte(wrap(b64(p7), 64, "\n"))
	b.Run("ours", func(b *testing.B) { benchDecode(b, in, 4) })
	b.Run("floor", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		// Where the certificates sit in the decoded PKCS#7.
		offs := make([]int, len(raws))
		for i, r := range raws {
			offs[i] = bytes.Index(p7, r)
		}
		for b.Loop() {
			der := make([]byte, base64.StdEncoding.DecodedLen(len(in)))
			n, err := base64.StdEncoding.Decode(der, in)
			if err != nil || n != len(p7) {
				b.Fatal(err)
			}
			for i, r := range raws {
				if _, err := x509.ParseCertificate(der[offs[i] : offs[i]+len(r)]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func BenchmarkDecodeBER(b *testing.B) {
	raws := benchCerts(b)
	in := encPKCS7(p7opts{indef: true, emptyIndefSet: true, octetContent: true}, raws...)
	b.Run("ours", func(b *testing.B) { benchDecode(b, in, 4) })
	b.Run("floor", func(b *testing.B) { benchDERFloor(b, len(in), raws) })
}

func BenchmarkDecodeNetscape(b *testing.B) {
	raws := benchCerts(b)
	in := netscape(raws...)
	b.Run("ours", func(b *testing.B) { benchDecode(b, in, 4) })
	b.Run("floor", func(b *testing.B) { benchDERFloor(b, len(in), raws) })
}

func BenchmarkDecodeZIP(b *testing.B) {
	raws := benchCerts(b)
	var entries []zipEntry
	for i, r := range raws {
		entries = append(entries, zipEntry{name: fmt.Sprintf("cert%d.crt", i), data: r})
	}
	in := makeZIP(b, entries...)
	b.Run("ours", func(b *testing.B) { benchDecode(b, in, 4) })
	b.Run("floor", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			zr, err := zip.NewReader(bytes.NewReader(in), int64(len(in)))
			if err != nil {
				b.Fatal(err)
			}
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					b.Fatal(err)
				}
				data, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := x509.ParseCertificate(data); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
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
	lim := defaultLimits
	lim.certs = 1 << 20
	for _, size := range []int{64 << 10, 1 << 20} {
		in, n := flatBER(b, size)
		b.Run(fmt.Sprintf("decode/%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				certs, err := decodeCertificates(in, lim)
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
				if m, ok, err := containerLen(in); m != len(in) || !ok || err != nil {
					b.Fatalf("got (%d, %v, %v)", m, ok, err)
				}
			}
		})
	}
}

// benchSink keeps benchmark results alive, as a decode's caller would.
var benchSink []*x509.Certificate
