// This file holds the fuzz targets of the response parsers. Each checks a
// property, not just "no panic": every error is a *StatusError, a *ParseError
// or matches ErrTooLarge; every Result, re-rendered as responseFormat=1 by
// internal/wire, parses back to the same Result. The corpus is seeded from
// every file in testdata/.

package collectssl

import (
	"bytes"
	"encoding/asn1"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/collectssl/collectssl/internal/wire"
	"github.com/google/go-cmp/cmp"
)

// seedFiles returns the contents of every file under testdata/ but the fuzz
// corpora.
func seedFiles(f *testing.F) [][]byte {
	var out [][]byte
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "fuzz" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out = append(out, b)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	return out
}

// requestFromFlags spreads 12 bits over a Request: the six show flags, then
// queryType, responseType (2 bits each), responseEncoding and responseFormat.
func requestFromFlags(flags uint16) *Request {
	return &Request{
		ShowValidityPeriod: flags&1 != 0, ShowFQDN: flags&2 != 0, ShowExtStatus: flags&4 != 0,
		ShowMDCDomainDetails: flags&8 != 0, ShowMDCDomainDetails2: flags&16 != 0, ShowStatusDetails: flags&32 != 0,
		QueryType:        QueryType(flags >> 6 & 3),
		ResponseType:     ResponseType(flags >> 8 & 3),
		ResponseEncoding: ResponseEncoding(flags >> 10 & 1),
		ResponseFormat:   ResponseFormat(flags >> 11 & 1),
	}
}

// seedFlags are request shapes worth starting from.
var seedFlags = []uint16{0, 0x3f, 1<<6 | 3<<8 | 0x3, 1<<6 | 3<<8 | 0x4, 1<<6 | 2<<8 | 0x4, 1<<6 | 0x4, 1<<6 | 1<<8, 3<<6 | 3<<8, 1<<11 | 0x3f, 1<<6 | 1<<10}

var oidNetscapeDER, _ = asn1.Marshal(asn1.ObjectIdentifier{2, 16, 840, 1, 113730, 2, 5})

// reRender renders r as responseFormat=1 with every field it holds.
func reRender(t *testing.T, r *Result) []byte {
	t.Helper()
	st := wire.State{Status: int(r.Status), NotBefore: r.NotBefore, NotAfter: r.NotAfter, FQDN: r.FQDN,
		CertificateStatus: r.CertificateStatus, ValidationStatus: r.ValidationStatus, CAAStatus: r.CAAStatus,
		Layout: wire.Layout{EveryField: true}}
	req := wire.Request{QueryType: wire.QueryCertificateAndChain, ResponseType: wire.ResponseIndividual, ResponseFormat: wire.FormatURLEncoded}
	if r.Certificate != nil {
		st.Leaf = r.Certificate.Raw
	}
	for _, c := range r.CACertificates {
		st.CAs = append(st.CAs, c.Raw)
	}
	if r.Container != nil {
		st.Container = r.Container
		switch {
		case bytes.HasPrefix(r.Container, []byte("PK")):
			req.ResponseType = wire.ResponseZIP
		case bytes.Contains(r.Container[:min(len(r.Container), 32)], oidNetscapeDER):
			req.ResponseType = wire.ResponseNetscapeSequence
		default:
			req.ResponseType = wire.ResponsePKCS7
		}
	}
	for _, d := range r.MDCDomainDetails {
		st.MDCDomainDetails = append(st.MDCDomainDetails, wire.Domain{Name: d.Domain, Status: d.Status})
	}
	if r.MDCDomainDetails != nil && st.MDCDomainDetails == nil {
		st.MDCDomainDetails = []wire.Domain{}
	}
	for _, d := range r.MDCDomainDetails2 {
		st.MDCDomainDetails2 = append(st.MDCDomainDetails2, wire.Domain{Name: d.Domain, Status: d.Status})
	}
	if r.MDCDomainDetails2 != nil && st.MDCDomainDetails2 == nil {
		st.MDCDomainDetails2 = []wire.Domain{}
	}
	if d := r.StatusDetails; d != nil {
		st.StatusDetails = &[7]int{int(d.CSR), int(d.DCV), int(d.OVCallback), int(d.OrganizationValidation), int(d.FreeDVUP), int(d.EVClickThrough), int(d.BrandValidation)}
	}
	_, body, err := wire.Render(req, st)
	if err != nil {
		t.Fatalf("wire.Render of a parsed Result: %v", err)
	}
	return body
}

// checkRoundTrip asserts the property every successful parse must have.
func checkRoundTrip(t *testing.T, r *Result) {
	t.Helper()
	if r == nil {
		t.Fatal("nil Result without an error")
	}
	opts := cmp.Options{resultOpts, noExtra}
	if r.Container != nil {
		// A container next to PEM certificates (format 0 allows a PKCS7 block
		// and CERTIFICATE blocks together) re-renders as the container alone.
		certs, err := DecodeCertificates(r.Container)
		if err != nil {
			t.Fatalf("Container does not decode: %v", err)
		}
		leaf, cas := classify(certs)
		if !cmp.Equal(leaf, r.Certificate, sameCert) || !cmp.Equal(cas, r.CACertificates, sameCert, sameBytes) {
			c := *r
			c.Container = nil
			r = &c
		}
	}
	body := reRender(t, r)
	back, err := ParseURLEncoded(body)
	if err != nil {
		t.Fatalf("re-rendered Result does not parse: %v\n%s", err, body)
	}
	if diff := cmp.Diff(r, back, opts); diff != "" {
		t.Fatalf("round trip through format 1 (-parsed +reparsed):\n%s\n%s", diff, body)
	}
}

func FuzzParseLines(f *testing.F) {
	for _, b := range seedFiles(f) {
		for _, fl := range seedFlags {
			f.Add(fl, b)
		}
	}
	f.Add(uint16(0x3f), []byte("1\n14/03/2025\n14/03/2026\nwww.example.com\nIssued\nComplete\n1\n1\n-1\n2\n-1\n-1\n1\nAuthorized\n"))
	f.Fuzz(func(t *testing.T, flags uint16, body []byte) {
		r, err := ParseLines(requestFromFlags(flags), body)
		if err != nil {
			checkErrorKind(t, err)
			if r != nil {
				t.Fatal("a Result with an error")
			}
			return
		}
		checkRoundTrip(t, r)
	})
}

func FuzzParseURLEncoded(f *testing.F) {
	for _, b := range seedFiles(f) {
		f.Add(b)
	}
	f.Add([]byte("errorCode=0&mdcDomainDetails=a+VALIDATED%2C+b&csrStatus=1&notBefore=1&fqdn=%E9"))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseURLEncoded(body)
		if err != nil {
			checkErrorKind(t, err)
			if r != nil {
				t.Fatal("a Result with an error")
			}
			return
		}
		checkRoundTrip(t, r)
	})
}

func FuzzParseResponse(f *testing.F) {
	cts := []string{"", "text/plain; charset=iso-8859-1", "application/x-www-form-urlencoded; charset=koi8-r", "text/plain; charset=utf-16"}
	for i, b := range seedFiles(f) {
		f.Add(seedFlags[i%len(seedFlags)]|1<<6|1<<10, cts[i%len(cts)], b)
		f.Add(seedFlags[(i+3)%len(seedFlags)], "", b)
	}
	f.Fuzz(func(t *testing.T, flags uint16, contentType string, body []byte) {
		r, err := ParseResponse(requestFromFlags(flags), contentType, body)
		if err != nil {
			checkErrorKind(t, err)
			if r != nil {
				t.Fatal("a Result with an error")
			}
			return
		}
		if strings.HasPrefix(string(body), "PK\x03\x04") && r.Status != StatusAttached {
			t.Fatalf("a ZIP body read as status %v", r.Status)
		}
		checkRoundTrip(t, r)
	})
}
