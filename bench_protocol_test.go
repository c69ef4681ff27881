// This file holds the parser benchmarks, each next to a floor that does only
// the unavoidable work on the same certificates (pem.Decode or base64-decode,
// parse each certificate), in the same run. Compare ratios, not absolute
// times; BenchmarkProtocolPaired alternates the two in one loop and reports
// the ratio directly, which holds up on a loaded machine:
//
//	go test -run '^$' -bench 'Protocol' -benchmem -count 5 .
package collectssl_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/wire"
)

// protocolCase is one response body, our parse of it and its floor.
type protocolCase struct {
	name        string
	body        []byte
	ours, floor func() error
}

func protocolCases(b *testing.B) []protocolCase {
	leaf, cas := certsDER(sharedChain(b, certgen.Pre2025, certgen.RSA))
	all := append(append([][]byte{}, cas...), leaf)
	parseAll := func(ders ...[]byte) error {
		for _, der := range ders {
			if _, err := x509.ParseCertificate(der); err != nil {
				return err
			}
		}
		return nil
	}
	state := wire.State{Status: 2, Leaf: leaf, CAs: cas, FQDN: "*.example.com", CertificateStatus: "Issued", ValidationStatus: "Complete"}
	parse := func(req *collectssl.Request, body []byte) func() error {
		return func() error {
			r, err := collectssl.ParseResponse(req, "", body)
			if err == nil && (r.Certificate == nil || len(r.CACertificates) != 3) {
				err = errors.New("not four certificates")
			}
			return err
		}
	}

	// Format 0, four PEM certificates, the show flags of a typical poller.
	pemReq := &collectssl.Request{QueryType: 1, ResponseType: 3, ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true}
	_, pemBody := render(b, pemReq, state)
	pemFloor := func() error {
		n, err := tightPEM(pemBody)
		if err == nil && n != 4 {
			err = fmt.Errorf("%d certificates", n)
		}
		return err
	}

	// Format 1, three caCertificate and a certificate. The floor splits the
	// body, URL-unescapes the four certificate values, base64-decodes and
	// parses them.
	urlReq := &collectssl.Request{QueryType: 1, ResponseType: 3, ResponseFormat: 1, ShowExtStatus: true}
	_, urlBody := render(b, urlReq, state)
	urlFloor := func() error {
		// One pass over the fields; each certificate value is unescaped
		// into a scratch buffer, then base64-decoded into its own.
		scratch := make([]byte, 0, len(urlBody))
		n := 0
		for rest := urlBody; len(rest) > 0; {
			field := rest
			if i := bytes.IndexByte(rest, '&'); i >= 0 {
				field, rest = rest[:i], rest[i+1:]
			} else {
				rest = nil
			}
			k, v, _ := bytes.Cut(field, []byte{'='})
			if string(k) != "caCertificate" && string(k) != "certificate" {
				continue
			}
			scratch = scratch[:0]
			for i := 0; i < len(v); i++ {
				if v[i] == '%' && i+2 < len(v) {
					h, err := strconv.ParseUint(string(v[i+1:i+3]), 16, 8)
					if err != nil {
						return err
					}
					scratch = append(scratch, byte(h))
					i += 2
					continue
				}
				scratch = append(scratch, v[i])
			}
			der := make([]byte, base64.StdEncoding.DecodedLen(len(scratch)))
			m, err := base64.StdEncoding.Decode(der, scratch)
			if err != nil {
				return err
			}
			if err := parseAll(der[:m]); err != nil {
				return err
			}
			n++
		}
		if n != 4 {
			return fmt.Errorf("%d certificates", n)
		}
		return nil
	}

	// Format 0, a base64 PKCS#7 of four certificates wrapped at 64 columns,
	// then the ext status lines. The floor decodes the base64 blob and parses
	// the certificates at offsets found in advance: it does not walk the
	// ASN.1.
	p7Req := &collectssl.Request{QueryType: 1, ResponseType: 2, ShowExtStatus: true}
	_, p7Body := render(b, p7Req, state)
	p7, err := wire.PKCS7(all)
	if err != nil {
		b.Fatal(err)
	}
	var blob []byte
	for s := base64.StdEncoding.EncodeToString(p7); len(s) > 0; {
		n := min(len(s), 64)
		blob = append(append(blob, s[:n]...), '\n')
		s = s[n:]
	}
	var offs []int
	for _, der := range all {
		offs = append(offs, bytes.Index(p7, der))
	}
	p7Floor := func() error {
		dst := make([]byte, base64.StdEncoding.DecodedLen(len(blob)))
		n, err := base64.StdEncoding.Decode(dst, blob)
		if err != nil {
			return err
		}
		dst = dst[:n]
		for j, der := range all {
			if err := parseAll(dst[offs[j] : offs[j]+len(der)]); err != nil {
				return err
			}
		}
		return nil
	}

	return []protocolCase{
		{"LinesPEM4", pemBody, parse(pemReq, pemBody), pemFloor},
		{"URLEncoded4", urlBody, parse(urlReq, urlBody), urlFloor},
		{"LinesPKCS7", p7Body, parse(p7Req, p7Body), p7Floor},
	}
}

// BenchmarkProtocol runs each case (ours) beside its floor.
func BenchmarkProtocol(b *testing.B) {
	for _, pc := range protocolCases(b) {
		for _, side := range []struct {
			name string
			run  func() error
		}{{"ours", pc.ours}, {"floor", pc.floor}} {
			b.Run(pc.name+"/"+side.name, func(b *testing.B) {
				b.SetBytes(int64(len(pc.body)))
				b.ReportAllocs()
				for b.Loop() {
					if err := side.run(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkProtocolPaired alternates ours and the floor (see runPaired).
func BenchmarkProtocolPaired(b *testing.B) {
	for _, pc := range protocolCases(b) {
		b.Run(pc.name, func(b *testing.B) { runPaired(b, pc.ours, pc.floor) })
	}
}

// BenchmarkRetained measures what a parsed Result keeps alive, per body byte
// (metric retained/body), next to a floor that keeps only what a Result
// must: the container, decoded once, and its certificates parsed from it
// (metric floor/body). The certificates' parsed fields (names, keys,
// extensions) make both exceed 1: compare the two.
//
//	go test -run '^$' -bench Retained -benchtime 200x .
func BenchmarkRetained(b *testing.B) {
	leaf, cas := certsDER(sharedChain(b, certgen.Pre2025, certgen.RSA))
	state := wire.State{Status: 2, Leaf: leaf, CAs: cas}
	for _, tt := range []struct {
		name string
		req  collectssl.Request
	}{
		{"binary-PKCS7", collectssl.Request{QueryType: 1, ResponseType: 2, ResponseEncoding: 1}},
		{"lines-PKCS7", collectssl.Request{QueryType: 1, ResponseType: 2}},
		{"urlencoded-PKCS7", collectssl.Request{QueryType: 1, ResponseType: 2, ResponseFormat: 1}},
		{"lines-PEM", collectssl.Request{QueryType: 1, ResponseType: 3}},
		{"urlencoded-individual", collectssl.Request{QueryType: 1, ResponseType: 3, ResponseFormat: 1}},
	} {
		ct, body := render(b, &tt.req, state)
		first, err := collectssl.ParseResponse(&tt.req, ct, body)
		if err != nil {
			b.Fatal(err)
		}
		ders := [][]byte{first.Certificate.Raw}
		for _, c := range first.CACertificates {
			ders = append(ders, c.Raw)
		}
		floor := func() any {
			// One buffer of all the DER (the container, or the
			// certificates' own bytes), and the certificates parsed from it.
			var buf []byte
			if first.Container != nil {
				buf = bytes.Clone(first.Container)
			} else {
				buf = bytes.Join(ders, nil)
			}
			var out []*x509.Certificate
			for _, der := range ders {
				i := bytes.Index(buf, der)
				c, err := x509.ParseCertificate(buf[i : i+len(der)])
				if err != nil {
					b.Fatal(err)
				}
				out = append(out, c)
			}
			return out
		}
		ours := func() any {
			r, err := collectssl.ParseResponse(&tt.req, ct, body)
			if err != nil {
				b.Fatal(err)
			}
			return r
		}
		b.Run(tt.name, func(b *testing.B) {
			perBody := func(run func() any, n int) float64 {
				kept := make([]any, 0, n)
				runtime.GC()
				var m0, m1 runtime.MemStats
				runtime.ReadMemStats(&m0)
				for range n {
					kept = append(kept, run())
				}
				runtime.GC()
				runtime.ReadMemStats(&m1)
				runtime.KeepAlive(kept)
				return float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc)) / float64(n) / float64(len(body))
			}
			var n int
			for b.Loop() {
				n++
			}
			b.ReportMetric(perBody(ours, max(n, 50)), "retained/body")
			b.ReportMetric(perBody(floor, max(n, 50)), "floor/body")
		})
	}
}
