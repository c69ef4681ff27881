// This file holds the parser benchmarks, each next to a floor that does only
// the unavoidable work on the same certificates (decode the base64, parse
// each certificate), in the same run. Compare ratios, not absolute times:
//
//	go test -run '^$' -bench 'Protocol' -benchmem -count 5 .
package collectssl

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/url"
	"strings"
	"testing"

	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/wire"
)

func benchChain(b *testing.B) (c *certgen.Chain, leaf []byte, cas [][]byte) {
	c = sharedChain(b, certgen.Pre2025, certgen.RSA)
	leaf, cas = certsDER(c)
	return c, leaf, cas
}

// BenchmarkProtocolLinesPEM4: format 0, four PEM certificates, the show
// flags of a typical poller.
func BenchmarkProtocolLinesPEM4(b *testing.B) {
	_, leaf, cas := benchChain(b)
	req := &Request{QueryType: 1, ResponseType: 3, ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true}
	_, body := render(b, req, wire.State{Status: 2, Leaf: leaf, CAs: cas, FQDN: "*.example.com",
		CertificateStatus: "Issued", ValidationStatus: "Complete"})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := ParseLines(req, body)
		if err != nil || r.Certificate == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProtocolLinesPEM4Floor(b *testing.B) {
	_, leaf, cas := benchChain(b)
	req := &Request{QueryType: 1, ResponseType: 3, ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true}
	_, body := render(b, req, wire.State{Status: 2, Leaf: leaf, CAs: cas, FQDN: "*.example.com",
		CertificateStatus: "Issued", ValidationStatus: "Complete"})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rest := body
		n := 0
		for {
			var blk *pem.Block
			blk, rest = pem.Decode(rest)
			if blk == nil {
				break
			}
			if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 4 {
			b.Fatalf("%d certificates", n)
		}
	}
}

// BenchmarkProtocolURLEncoded4: format 1, three caCertificate and a
// certificate.
func BenchmarkProtocolURLEncoded4(b *testing.B) {
	_, leaf, cas := benchChain(b)
	req := &Request{QueryType: 1, ResponseType: 3, ResponseFormat: 1, ShowExtStatus: true}
	_, body := render(b, req, wire.State{Status: 2, Leaf: leaf, CAs: cas, CertificateStatus: "Issued", ValidationStatus: "Complete"})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := ParseURLEncoded(body)
		if err != nil || r.Certificate == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProtocolURLEncoded4Floor(b *testing.B) {
	_, leaf, cas := benchChain(b)
	var values []string // already URL-unescaped: the floor only decodes and parses
	for _, der := range append(append([][]byte{}, cas...), leaf) {
		values = append(values, base64.StdEncoding.EncodeToString(der))
	}
	b.SetBytes(int64(len(url.Values{"c": values}.Encode())))
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range values {
			der, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := x509.ParseCertificate(der); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkProtocolLinesPKCS7: format 0, a base64 PKCS#7 of four
// certificates wrapped at 64 columns, then the ext status lines.
func BenchmarkProtocolLinesPKCS7(b *testing.B) {
	_, leaf, cas := benchChain(b)
	req := &Request{QueryType: 1, ResponseType: 2, ShowExtStatus: true}
	_, body := render(b, req, wire.State{Status: 2, Leaf: leaf, CAs: cas, CertificateStatus: "Issued", ValidationStatus: "Complete"})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := ParseLines(req, body)
		if err != nil || r.Certificate == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProtocolLinesPKCS7Floor(b *testing.B) {
	_, leaf, cas := benchChain(b)
	all := append(append([][]byte{}, cas...), leaf)
	p7, err := wire.PKCS7(all)
	if err != nil {
		b.Fatal(err)
	}
	// The offsets of the certificates inside the PKCS#7: the floor does not
	// walk the ASN.1.
	var spans [][2]int
	for _, der := range all {
		i := bytes.Index(p7, der)
		spans = append(spans, [2]int{i, i + len(der)})
	}
	var sb strings.Builder
	s := base64.StdEncoding.EncodeToString(p7)
	for len(s) > 64 {
		sb.WriteString(s[:64] + "\n")
		s = s[64:]
	}
	sb.WriteString(s + "\n")
	blob := []byte(sb.String())
	b.SetBytes(int64(len(blob)))
	b.ReportAllocs()
	for b.Loop() {
		dst := make([]byte, base64.StdEncoding.DecodedLen(len(blob)))
		n, err := base64.StdEncoding.Decode(dst, blob)
		if err != nil {
			b.Fatal(err)
		}
		dst = dst[:n]
		for _, sp := range spans {
			if _, err := x509.ParseCertificate(dst[sp[0]:sp[1]]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
