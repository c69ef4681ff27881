// This file holds the parser benchmarks, each next to a floor that does only
// the unavoidable work on the same answer (package internal/floor: read its
// fields at their known places, find and decode each certificate, parse
// it), in the same run. Compare ratios, not absolute times;
// BenchmarkProtocolPaired alternates the two in one loop and reports the
// ratio directly, which holds up on a loaded machine:
//
//	go test -run '^$' -bench 'ProtocolPaired' -count 8 .
package collectssl_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/floor"
	"github.com/collectssl/collectssl/internal/wire"
)

// protocolCase is one response body, our parse of it and its floor.
type protocolCase struct {
	name        string
	body        []byte
	ours, floor func() error
}

// protocolCases are the three answers of a typical poller (validity period,
// FQDN and extended status shown) to a four-certificate order. Each floor
// reads the same fields from its body the cheapest way, knowing the layout
// in advance: no line or field is recognised by content, the leaf is known,
// the certificates are parsed once.
func protocolCases(b *testing.B) []protocolCase {
	leaf, cas := certsDER(sharedChain(b, certgen.Pre2025, certgen.RSA))
	all := append(append([][]byte{}, cas...), leaf)
	state := wire.State{Status: 2, Leaf: leaf, CAs: cas, FQDN: "*.example.com", CertificateStatus: "Issued", ValidationStatus: "Complete",
		NotBefore: time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2026, 3, 14, 23, 59, 59, 0, time.UTC)}
	parse := func(req *collectssl.Request, body []byte) func() error {
		return func() error {
			r, err := collectssl.ParseResponse(req, "", body)
			if err == nil && (r.Certificate == nil || len(r.CACertificates) != 3 || r.NotAfter.IsZero() || r.FQDN == "" || r.ValidationStatus == "") {
				err = errors.New("not four certificates and every field")
			}
			return err
		}
	}
	show := collectssl.Request{QueryType: 1, ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true}

	// Format 0, four PEM certificates. The floor finds the armour of each
	// block, base64-decodes it into a new buffer and parses it (floor.PEM).
	pemReq := show
	pemReq.ResponseType = 3
	_, pemBody := render(b, &pemReq, state)
	pemFloor := func() error {
		var f floor.Fields
		rest, err := floor.Head(pemBody, true, true, &f)
		if err != nil {
			return err
		}
		n, end, err := floor.PEM(rest)
		if err == nil && n != 4 {
			err = fmt.Errorf("%d certificates", n)
		}
		floor.Tail(rest[end+1:], &f)
		floor.Sink = f
		return err
	}

	// Format 1, three caCertificate and a certificate. The floor splits the
	// fields once; each certificate value is unescaped into a scratch buffer
	// (floor.Unescape), base64-decoded into a buffer of its own and parsed.
	urlReq := show
	urlReq.ResponseType, urlReq.ResponseFormat = 3, 1
	_, urlBody := render(b, &urlReq, state)
	urlFloor := func() error {
		var f floor.Fields
		scratch := make([]byte, 0, len(urlBody))
		n := 0
		for rest := urlBody; len(rest) > 0; {
			var field, k, v []byte
			field, rest, _ = bytes.Cut(rest, []byte{'&'})
			k, v, _ = bytes.Cut(field, []byte{'='})
			var err error
			switch string(k) {
			case "errorCode":
				f.Status, err = strconv.Atoi(string(v))
			case "notBefore", "notAfter":
				var t int64
				t, err = strconv.ParseInt(string(v), 10, 64)
				if string(k) == "notBefore" {
					f.NotBefore = time.Unix(t, 0).UTC()
				} else {
					f.NotAfter = time.Unix(t, 0).UTC()
				}
			case "fqdn":
				scratch, err = floor.Unescape(scratch[:0], v)
				f.FQDN = string(scratch)
			case "certificateStatus":
				f.CertStatus = string(v)
			case "validationStatus":
				f.Validation = string(v)
			case "caCertificate", "certificate":
				if scratch, err = floor.Unescape(scratch[:0], v); err != nil {
					return err
				}
				der := make([]byte, base64.StdEncoding.DecodedLen(len(scratch)))
				m, err := base64.StdEncoding.Decode(der, scratch)
				if err != nil {
					return err
				}
				if _, err := x509.ParseCertificate(der[:m]); err != nil {
					return err
				}
				n++
			}
			if err != nil {
				return err
			}
		}
		floor.Sink = f
		if n != 4 {
			return fmt.Errorf("%d certificates", n)
		}
		return nil
	}

	// Format 0, a base64 PKCS#7 of four certificates wrapped at 64 columns.
	// The floor decodes the blob, whose end and width it knows, line by line
	// (floor.Lines), and parses the certificates at offsets found in
	// advance: it does not walk the ASN.1.
	p7Req := show
	p7Req.ResponseType = 2
	_, p7Body := render(b, &p7Req, state)
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
		var f floor.Fields
		rest, err := floor.Head(p7Body, true, true, &f)
		if err != nil {
			return err
		}
		dst := make([]byte, base64.StdEncoding.DecodedLen(len(blob)))
		n, err := floor.Lines(dst, rest[:len(blob)], 64)
		if err != nil {
			return err
		}
		dst = dst[:n]
		for j, der := range all {
			if _, err := x509.ParseCertificate(dst[offs[j] : offs[j]+len(der)]); err != nil {
				return err
			}
		}
		floor.Tail(rest[len(blob):], &f)
		floor.Sink = f
		return nil
	}
	if !bytes.Contains(p7Body, blob) {
		b.Fatal("the PKCS#7 body does not hold the blob the floor decodes")
	}

	return []protocolCase{
		{"LinesPEM4", pemBody, parse(&pemReq, pemBody), pemFloor},
		{"URLEncoded4", urlBody, parse(&urlReq, urlBody), urlFloor},
		{"LinesPKCS7", p7Body, parse(&p7Req, p7Body), p7Floor},
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

// BenchmarkProtocolPaired alternates ours and the floor (see floor.Paired).
func BenchmarkProtocolPaired(b *testing.B) {
	for _, pc := range protocolCases(b) {
		b.Run(pc.name, func(b *testing.B) { floor.Paired(b, pc.ours, pc.floor) })
	}
}

// BenchmarkRetained measures what a parsed Result keeps alive, per body byte
// (metric retained/body), next to a floor that keeps only what a Result
// must: the container, decoded once, and its certificates parsed from it
// (metric floor/body); and what parsing allocated, per body byte
// (alloc/body), a bound on the heap it needs beside the body. It does so
// for a real-sized chain, whose certificates' parsed fields (names, keys,
// extensions) make retained/body and floor/body exceed 1, and for the
// large chain of TestLargeAnswerMemory (large-), where they weigh little.
//
//	go test -run '^$' -bench Retained -benchtime 200x .
func BenchmarkRetained(b *testing.B) {
	realLeaf, realCAs := certsDER(sharedChain(b, certgen.Pre2025, certgen.RSA))
	largeLeaf, largeCAs := largeChain(b, 128<<10)
	for _, chain := range []struct {
		prefix string
		state  wire.State
	}{
		{"", wire.State{Status: 2, Leaf: realLeaf, CAs: realCAs}},
		{"large-", wire.State{Status: 2, Leaf: largeLeaf, CAs: largeCAs}},
	} {
		retained(b, chain.prefix, chain.state)
	}
}

func retained(b *testing.B, prefix string, state wire.State) {
	for _, tt := range []struct {
		name string
		req  collectssl.Request
	}{
		{"binary-PKCS7", collectssl.Request{QueryType: 1, ResponseType: 2, ResponseEncoding: 1}},
		{"binary-ZIP", collectssl.Request{QueryType: 1, ResponseType: 0, ResponseEncoding: 1}},
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
			// certificates' own bytes), and the certificates parsed from
			// it; a ZIP archive's certificates are inflated, so beside
			// the archive they need a buffer of their own.
			var buf, kept []byte
			switch {
			case first.Container == nil:
				buf = bytes.Join(ders, nil)
			case bytes.Contains(first.Container, ders[0]):
				buf = bytes.Clone(first.Container)
			default:
				kept, buf = bytes.Clone(first.Container), bytes.Join(ders, nil)
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
			return []any{out, kept}
		}
		ours := func() any {
			r, err := collectssl.ParseResponse(&tt.req, ct, body)
			if err != nil {
				b.Fatal(err)
			}
			return r
		}
		b.Run(prefix+tt.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				n++
			}
			n = max(n, 50)
			size := float64(len(body))
			allocated, kept := heapCost(n, ours)
			_, floorKept := heapCost(n, floor)
			b.ReportMetric(kept/size, "retained/body")
			b.ReportMetric(floorKept/size, "floor/body")
			b.ReportMetric(allocated/size, "alloc/body")
		})
	}
}

// BenchmarkLargeAnswer times ParseResponse on the answers of
// TestLargeAnswerMemory (a ZIP's certificates a little smaller, so that its
// .ca-bundle fits an entry), with -benchmem for what each allocates:
//
//	go test -run '^$' -bench LargeAnswer -benchmem -count 6 .
func BenchmarkLargeAnswer(b *testing.B) {
	leaf, cas := largeChain(b, 256<<10)
	zipLeaf, zipCAs := largeChain(b, 200<<10)
	for _, tt := range largeAnswers {
		req := tt.req
		req.QueryType = collectssl.QueryCertificateAndChain
		state := wire.State{Status: 2, Leaf: leaf, CAs: cas}
		if req.ResponseType == collectssl.ResponseZIP {
			state.Leaf, state.CAs = zipLeaf, zipCAs
		}
		ct, body := render(b, &req, state)
		b.Run(strings.ReplaceAll(tt.name, " ", "-"), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := collectssl.ParseResponse(&req, ct, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
