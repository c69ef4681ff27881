// This file holds the tests of ParseLines: every status code, every line the
// show flags add, the layout quirks, certificate data of every response type,
// and where a base64 blob ends when the next line is valid base64 too.

package collectssl_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/wire"
	"github.com/google/go-cmp/cmp"
)

func TestParseLinesStatusCodes(t *testing.T) {
	for _, tt := range specStatusCases {
		for _, format := range []collectssl.ResponseFormat{collectssl.FormatLines, collectssl.FormatURLEncoded} {
			t.Run(fmt.Sprintf("%d/%v", tt.code, format), func(t *testing.T) {
				req := &collectssl.Request{ResponseFormat: format, ShowExtStatus: true, ShowStatusDetails: true}
				_, body := render(t, req, wire.State{Status: tt.code, ErrorMessage: tt.message})
				got, err := collectssl.ParseResponse(req, "", body)
				if got != nil {
					t.Errorf("got a Result with status %d", tt.code)
				}
				var se *collectssl.StatusError
				if !errors.As(err, &se) {
					t.Fatalf("got %v, want a *StatusError", err)
				}
				want := &collectssl.StatusError{Code: tt.code, Message: tt.message, Argument: tt.argument}
				if diff := cmp.Diff(want, se); diff != "" {
					t.Errorf("StatusError (-want +got):\n%s", diff)
				}
				if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
					t.Errorf("errors.Is(%v, %v) = false", err, tt.sentinel)
				}
				if errors.Is(err, collectssl.ErrMalformedResponse) {
					t.Errorf("a StatusError matches ErrMalformedResponse")
				}
			})
		}
	}
}

func TestParseLines(t *testing.T) {
	all := collectssl.Request{ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true, ShowMDCDomainDetails: true,
		ShowMDCDomainDetails2: true, ShowStatusDetails: true}
	nb := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	na := time.Date(2026, 3, 14, 23, 59, 59, 0, time.UTC)
	details := &collectssl.StatusDetails{CSR: 1, DCV: 1, OVCallback: -1, OrganizationValidation: 2, FreeDVUP: -1, EVClickThrough: -1, BrandValidation: 1}
	lines := func(ls ...string) url.Values { return url.Values{collectssl.ExtraLineKey: ls} }
	tests := []struct {
		name string
		req  collectssl.Request
		body string
		want *collectssl.Result
	}{
		{"status 0, no flags", collectssl.Request{}, "0\n", &collectssl.Result{Status: 0}},
		{"status 1, no flags, no final newline", collectssl.Request{}, "1", &collectssl.Result{Status: 1}},
		{"status 2 without certificate data", collectssl.Request{}, "2\n", &collectssl.Result{Status: 2}},
		{"status 1 every flag", all,
			"1\n14/03/2025 14/03/2026\nwww.example.com\nIssued\nComplete\n1\n1\n-1\n2\n-1\n-1\n1\nAuthorized\n",
			&collectssl.Result{Status: 1, NotBefore: nb, NotAfter: na, FQDN: "www.example.com", CertificateStatus: "Issued",
				ValidationStatus: "Complete", StatusDetails: details, CAAStatus: "Authorized"}},
		{"status 0 every flag: no validity, no FQDN, MDC details", all,
			"0\nAwaiting Validation\nAwaiting Brand Validation\na.example VALIDATED, b.example NOTVALIDATED\n1\n1\n-1\n2\n-1\n-1\n1\nc.example AWAITINGBRAND\nAwaiting Completion\n",
			&collectssl.Result{Status: 0, CertificateStatus: "Awaiting Validation", ValidationStatus: "Awaiting Brand Validation",
				MDCDomainDetails:  []collectssl.DomainStatus{{"a.example", "VALIDATED"}, {"b.example", "NOTVALIDATED"}},
				MDCDomainDetails2: []collectssl.DomainStatus{{"c.example", "AWAITINGBRAND"}},
				StatusDetails:     details, CAAStatus: "Awaiting Completion"}},
		{"CRLF, BOM, trailing spaces", collectssl.Request{ShowValidityPeriod: true, ShowFQDN: true},
			"\ufeff1  \r\n14/03/2025 14/03/2026 \r\nwww.example.com\t\r\n",
			&collectssl.Result{Status: 1, NotBefore: nb, NotAfter: na, FQDN: "www.example.com"}},
		{"validity split over two lines", collectssl.Request{ShowValidityPeriod: true, ShowFQDN: true},
			"1\n14/03/2025\n14/03/2026\nwww.example.com\n",
			&collectssl.Result{Status: 1, NotBefore: nb, NotAfter: na, FQDN: "www.example.com"}},
		{"validity with one-digit day and month", collectssl.Request{ShowValidityPeriod: true},
			"1\n4/3/2025 4/3/2026\n",
			&collectssl.Result{Status: 1, NotBefore: time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2026, 3, 4, 23, 59, 59, 0, time.UTC)}},
		{"validity that does not parse goes to Extra", collectssl.Request{ShowValidityPeriod: true, ShowFQDN: true},
			"1\n2025-03-14 2026-03-14\nwww.example.com\n",
			&collectssl.Result{Status: 1, FQDN: "www.example.com", Extra: lines("2025-03-14 2026-03-14")}},
		{"validity ignored when status is 0", collectssl.Request{ShowValidityPeriod: true, ShowExtStatus: true},
			"0\nIssued\nComplete\n", &collectssl.Result{Status: 0, CertificateStatus: "Issued", ValidationStatus: "Complete"}},
		{"empty FQDN", collectssl.Request{ShowFQDN: true, ShowExtStatus: true},
			"1\n\nIssued\nComplete\n", &collectssl.Result{Status: 1, CertificateStatus: "Issued", ValidationStatus: "Complete"}},
		{"status details name=value", collectssl.Request{ShowStatusDetails: true},
			"1\ncsrStatus=1\ndcvStatus=1\novCallbackStatus=-1\norganizationValidationStatus=2\nfreeDVUPStatus=-1\nevClickThroughStatus=-1\nbrandValStatus=1\n",
			&collectssl.Result{Status: 1, StatusDetails: details}},
		{"status details name value, shuffled by name", collectssl.Request{ShowStatusDetails: true},
			"1\nbrandValStatus 1\ndcvStatus 1\novCallBackStatus -1\norganizationValidationStatus 2\nfreeDVUPStatus -1\nevClickThroughStatus -1\ncsrStatus 1\n",
			&collectssl.Result{Status: 1, StatusDetails: details}},
		{"status details name: value", collectssl.Request{ShowStatusDetails: true},
			"1\ncsrStatus: 1\ndcvStatus: 1\novCallbackStatus: -1\norganizationValidationStatus: 2\nfreeDVUPStatus: -1\nevClickThroughStatus: -1\nbrandValStatus: 1\n",
			&collectssl.Result{Status: 1, StatusDetails: details}},
		{"status detail that does not parse: all seven to Extra", collectssl.Request{ShowStatusDetails: true},
			"1\n1\n1\n-1\nmaybe\n-1\n-1\n1\n",
			&collectssl.Result{Status: 1, Extra: lines("1", "1", "-1", "maybe", "-1", "-1", "1")}},
		{"status details cut short", collectssl.Request{ShowStatusDetails: true},
			"1\n1\n1\n", &collectssl.Result{Status: 1, Extra: lines("1", "1")}},
		{"MDC details empty", collectssl.Request{ShowMDCDomainDetails: true, ShowStatusDetails: true},
			"0\n\n1\n1\n-1\n2\n-1\n-1\n1\n", &collectssl.Result{Status: 0, StatusDetails: details}},
		{"MDC details without a status", collectssl.Request{ShowMDCDomainDetails: true},
			"0\na.example, b.example NOTVALIDATED,\n", &collectssl.Result{Status: 0, MDCDomainDetails: []collectssl.DomainStatus{{"a.example", ""}, {"b.example", "NOTVALIDATED"}}}},
		{"MDC details ignored when status is 1", collectssl.Request{ShowMDCDomainDetails: true},
			"1\nAuthorized\n", &collectssl.Result{Status: 1, CAAStatus: "Authorized"}},
		{"CAA Error 'NNN'", collectssl.Request{}, "1\nError '12'\n", &collectssl.Result{Status: 1, CAAStatus: "Error '12'"}},
		{"lines after the CAA status go to Extra, in order", collectssl.Request{}, "1\nAuthorized\nfoo\n\nbar\n",
			&collectssl.Result{Status: 1, CAAStatus: "Authorized", Extra: lines("foo", "", "bar")}},
		{"blank lines before the CAA status skipped", collectssl.Request{}, "1\n\n\nAuthorized\n", &collectssl.Result{Status: 1, CAAStatus: "Authorized"}},
		{"unknown status 3: every line to Extra", all, "3\n14/03/2025 14/03/2026\nwhatever\n",
			&collectssl.Result{Status: 3, Extra: lines("14/03/2025 14/03/2026", "whatever")}},
		{"unknown status 7, nothing else", collectssl.Request{}, "7\n", &collectssl.Result{Status: 7}},
		// Optional lines left out: each line is recognised by its content.
		{"status details asked for but left out", all,
			"0\na.example VALIDATED\nb.example AWAITINGBRAND\nAuthorized\n",
			&collectssl.Result{Status: 0, MDCDomainDetails: []collectssl.DomainStatus{{"a.example", "VALIDATED"}},
				MDCDomainDetails2: []collectssl.DomainStatus{{"b.example", "AWAITINGBRAND"}}, CAAStatus: "Authorized"}},
		{"first MDC details left out (one domain), the second after the status details", all,
			"0\n1\n1\n-1\n2\n-1\n-1\n1\nc.example AWAITINGBRAND\n",
			&collectssl.Result{Status: 0, StatusDetails: details, MDCDomainDetails2: []collectssl.DomainStatus{{"c.example", "AWAITINGBRAND"}}}},
		{"extended status left out, CAA status kept", collectssl.Request{ShowExtStatus: true}, "1\nAuthorized\n",
			&collectssl.Result{Status: 1, CAAStatus: "Authorized"}},
		{"FQDN left out before the extended status", collectssl.Request{ShowFQDN: true, ShowExtStatus: true}, "1\nIssued\nComplete\n",
			&collectssl.Result{Status: 1, CertificateStatus: "Issued", ValidationStatus: "Complete"}},
		{"validity left out before the FQDN", collectssl.Request{ShowValidityPeriod: true, ShowFQDN: true}, "1\nwww.example.com\n",
			&collectssl.Result{Status: 1, FQDN: "www.example.com"}},
		{"a PEM line is no CAA status", collectssl.Request{}, "1\n-----BEGIN CERTIFICATE-----\n",
			&collectssl.Result{Status: 1, Extra: lines("-----BEGIN CERTIFICATE-----")}},
		{"a line that fits nothing goes to Extra, later lines still typed", collectssl.Request{ShowExtStatus: true, ShowStatusDetails: true},
			"1\nIssued\nComplete\n#### junk ####\n1\n1\n-1\n2\n-1\n-1\n1\nTimeout\n",
			&collectssl.Result{Status: 1, CertificateStatus: "Issued", ValidationStatus: "Complete", StatusDetails: details,
				CAAStatus: "Timeout", Extra: lines("#### junk ####")}},
		{"some named status details: the others are not required", collectssl.Request{ShowStatusDetails: true},
			"1\ndcvStatus=1\ncsrStatus=2\nAuthorized\n",
			&collectssl.Result{Status: 1, StatusDetails: &collectssl.StatusDetails{CSR: 2, DCV: 1, OVCallback: -1, OrganizationValidation: -1,
				FreeDVUP: -1, EVClickThrough: -1, BrandValidation: -1}, CAAStatus: "Authorized"}},
		{"named status details where the extended status was left out", collectssl.Request{ShowExtStatus: true, ShowStatusDetails: true},
			"0\ncsrStatus: 1\ndcvStatus 2\n",
			&collectssl.Result{Status: 0, StatusDetails: &collectssl.StatusDetails{CSR: 1, DCV: 2, OVCallback: -1, OrganizationValidation: -1,
				FreeDVUP: -1, EVClickThrough: -1, BrandValidation: -1}}},
		{"a CAA status where the extended status was left out", collectssl.Request{ShowExtStatus: true},
			"0\nNot Authorized\nsomething else\n",
			&collectssl.Result{Status: 0, CAAStatus: "Not Authorized", Extra: lines("something else")}},
		{"unnamed status detail out of range: no status details", collectssl.Request{ShowStatusDetails: true},
			"1\n1\n1\n-1\n7\n-1\n-1\n1\n",
			&collectssl.Result{Status: 1, Extra: lines("1", "1", "-1", "7", "-1", "-1", "1")}},
		{"status with a plus sign and spaces", collectssl.Request{}, " +1 \n", &collectssl.Result{Status: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collectssl.ParseLines(&tt.req, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, resultOpts); diff != "" {
				t.Errorf("Result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseLinesMalformed(t *testing.T) {
	c := sharedChain(t, certgen.Pre2025, certgen.ECDSA)
	leaf, cas := certsDER(c)
	_, pemBody := render(t, &collectssl.Request{QueryType: 1, ResponseType: 3}, wire.State{Status: 2, Leaf: leaf, CAs: cas})
	p7Req := &collectssl.Request{QueryType: 1, ResponseType: 2}
	_, p7Body := render(t, p7Req, wire.State{Status: 2, Leaf: leaf, CAs: cas})
	p7Lines := strings.Split(strings.TrimSuffix(string(p7Body), "\n"), "\n")
	tests := []struct {
		name     string
		req      *collectssl.Request
		body     string
		wantLine int
	}{
		{"empty body", &collectssl.Request{}, "", 1},
		{"status not an integer", &collectssl.Request{}, "two\n", 1},
		{"status with junk", &collectssl.Request{}, "2 certificates\n", 1},
		{"PEM cut before its END", &collectssl.Request{}, strings.Join(strings.Split(string(pemBody), "\n")[:20], "\n"), 2},
		{"PEM labels differ", &collectssl.Request{}, "2\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END PKCS7-----\n", 4},
		{"PEM base64 broken", &collectssl.Request{}, "2\n-----BEGIN CERTIFICATE-----\nA*AA\n-----END CERTIFICATE-----\n", 3},
		{"PEM not a certificate", &collectssl.Request{}, "2\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", 2},
		{"base64 container cut short", p7Req, strings.Join(p7Lines[:len(p7Lines)-2], "\n") + "\n", len(p7Lines) - 2},
		{"base64 container cut short, then a status line", &collectssl.Request{ShowExtStatus: true}, strings.Join(p7Lines[:len(p7Lines)-2], "\n") + "\nIssued\nComplete\n", len(p7Lines) - 1},
		{"certificate data neither PEM nor base64", &collectssl.Request{}, "2\nhello world\n", 2},
		{"base64 that is no container", &collectssl.Request{}, "2\nSXNzdWVk\n", 2},
		{"base64 going on after the container", p7Req, strings.Join(p7Lines[:len(p7Lines)-1], "\n") + "\n" + strings.TrimRight(p7Lines[len(p7Lines)-1], "=") + "QUFB\n", len(p7Lines)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collectssl.ParseLines(tt.req, []byte(tt.body))
			var pe *collectssl.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, %v; want a *ParseError", got, err)
			}
			checkErrorKind(t, err)
			if pe.Line != tt.wantLine {
				t.Errorf("ParseError.Line: got %d, want %d (%v)", pe.Line, tt.wantLine, err)
			}
		})
	}
}

// TestParseLinesCertificates renders every response type and layout quirk
// around the certificate data, with status lines before and after it.
func TestParseLinesCertificates(t *testing.T) {
	req := func(qt collectssl.QueryType, rt collectssl.ResponseType) *collectssl.Request {
		return &collectssl.Request{QueryType: qt, ResponseType: rt, ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true,
			ShowStatusDetails: true}
	}
	layouts := map[string]wire.Layout{
		"default":             {},
		"CRLF":                {CRLF: true},
		"BOM, trailing space": {BOM: true, TrailingSpaces: true},
		"wrap 76":             {Wrap: 76},
		"wrap 70":             {Wrap: 70},
		"one line":            {Wrap: -1},
		"blank after certs":   {BlankAfterCertificates: true, NoFinalNewline: true},
		"PEM armour":          {PEMContainer: true},
		"split validity":      {SplitValidity: true, StatusDetailSep: " "},
	}
	type tc struct {
		name string
		req  *collectssl.Request
	}
	var cases []tc
	for _, rt := range []collectssl.ResponseType{collectssl.ResponseZIP, collectssl.ResponseNetscapeSequence, collectssl.ResponsePKCS7, collectssl.ResponseIndividual} {
		cases = append(cases, tc{rt.String(), req(collectssl.QueryCertificateAndChain, rt)})
	}
	cases = append(cases, tc{"individual/certificate", req(collectssl.QueryCertificate, collectssl.ResponseIndividual)},
		tc{"individual/chain", req(collectssl.QueryChain, collectssl.ResponseIndividual)})
	for _, shape := range []certgen.Shape{certgen.TestMode, certgen.Pre2025, certgen.Shape2025} {
		for _, kt := range []certgen.KeyType{certgen.ECDSA, certgen.RSA} {
			c := sharedChain(t, shape, kt)
			leaf, cas := certsDER(c)
			served := c.Served()
			for _, cs := range cases {
				for lname, layout := range layouts {
					t.Run(fmt.Sprintf("%v/%v/%s/%s", shape, kt, cs.name, lname), func(t *testing.T) {
						st := wire.State{Status: 2, NotBefore: c.Leaf.NotBefore, NotAfter: c.Leaf.NotAfter, FQDN: "*.example.com",
							Leaf: leaf, CAs: cas, CertificateStatus: "Issued", ValidationStatus: "Complete",
							StatusDetails: &collectssl.StatusDetails{CSR: 1, DCV: 1, OVCallback: -1, OrganizationValidation: -1,
								FreeDVUP: -1, EVClickThrough: -1, BrandValidation: -1}, CAAStatus: "Authorized", Layout: layout}
						_, body := render(t, cs.req, st)
						got, err := collectssl.ParseLines(cs.req, body)
						if err != nil {
							t.Fatalf("%v\n%s", err, body)
						}
						want := &collectssl.Result{Status: 2, NotBefore: c.Leaf.NotBefore, NotAfter: c.Leaf.NotAfter, FQDN: "*.example.com",
							CertificateStatus: "Issued", ValidationStatus: "Complete",
							StatusDetails: &collectssl.StatusDetails{1, 1, -1, -1, -1, -1, -1}, CAAStatus: "Authorized"}
						if cs.req.QueryType != collectssl.QueryChain {
							want.Certificate = c.Leaf
						}
						if cs.req.QueryType != collectssl.QueryCertificate {
							want.CACertificates = served[:len(served)-1]
						}
						if diff := cmp.Diff(want, got, resultOpts, noExtra, ignoreContainer); diff != "" {
							t.Errorf("Result (-want +got):\n%s", diff)
						}
						if (cs.req.ResponseType == collectssl.ResponseIndividual) != (got.Container == nil) {
							t.Errorf("Container: got %d bytes for %v", len(got.Container), cs.req.ResponseType)
						}
						if got.Extra != nil {
							t.Errorf("Extra: got %v, want none", got.Extra)
						}
					})
				}
			}
		}
	}
}

// containerOfLength returns a PKCS#7 container of n bytes with n%48 == mod48,
// so that its base64 fills whole 64-character lines when mod48 is 0, by
// issuing leaves with names of growing length.
func containerOfLength(t testing.TB, c *certgen.Chain, mod48 int) (der []byte, leaf *x509.Certificate) {
	t.Helper()
	_, cas := certsDER(c)
	for i := 1; i < 400; i++ {
		l, _, err := c.IssueLeaf(certgen.LeafOptions{Domains: []string{strings.Repeat("a", 1+i%60) + ".example.com"}, Now: protoNow})
		if err != nil {
			t.Fatal(err)
		}
		der, err := wireContainer(collectssl.ResponsePKCS7, append(append([][]byte{}, cas...), l.Raw))
		if err != nil {
			t.Fatal(err)
		}
		if len(der)%48 == mod48 {
			return der, l
		}
	}
	t.Fatalf("no container of length %% 48 == %d", mod48)
	return nil, nil
}

func wireContainer(rt collectssl.ResponseType, certs [][]byte) ([]byte, error) {
	switch rt {
	case collectssl.ResponseNetscapeSequence:
		return wire.NetscapeSequence(certs)
	case collectssl.ResponseZIP:
		return wire.ZIP(certs[:len(certs)-1], certs[len(certs)-1], nil)
	}
	return wire.PKCS7(certs)
}

// TestParseLinesBase64NextLine covers the hard case of the base64 container:
// the line after the blob is valid base64 too, as long as a full line.
func TestParseLinesBase64NextLine(t *testing.T) {
	c := sharedChain(t, certgen.TestMode, certgen.ECDSA)
	full, fullLeaf := containerOfLength(t, c, 0)                                  // base64 ends exactly at a line end, no padding
	padded, paddedLeaf := containerOfLength(t, c, 47)                             // the last line ends with "="
	b64line := "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB" // 64 characters
	if len(b64line) != 64 {
		t.Fatal("b64line must be 64 characters")
	}
	tests := []struct {
		name      string
		container []byte
		leaf      *x509.Certificate
		req       collectssl.Request
		layout    wire.Layout
		st        wire.State
	}{
		{"full lines, then two 64-char ext status lines", full, fullLeaf, collectssl.Request{ShowExtStatus: true}, wire.Layout{},
			wire.State{CertificateStatus: b64line, ValidationStatus: b64line}},
		{"full lines, then a 64-char base64 line where the CAA status goes", full, fullLeaf, collectssl.Request{}, wire.Layout{}, wire.State{CAAStatus: b64line}},
		{"full lines, then Issued and Complete (short base64)", full, fullLeaf, collectssl.Request{ShowExtStatus: true}, wire.Layout{},
			wire.State{CertificateStatus: "Issued", ValidationStatus: "Complete"}},
		{"full lines, then 7 status details and a 64-char base64 line", full, fullLeaf, collectssl.Request{ShowStatusDetails: true, ShowExtStatus: true}, wire.Layout{},
			wire.State{CertificateStatus: "Issued", ValidationStatus: "Complete", StatusDetails: &collectssl.StatusDetails{CSR: 1, DCV: 1, OVCallback: 1, OrganizationValidation: 1,
				FreeDVUP: 1, EVClickThrough: 1, BrandValidation: 1}, CAAStatus: b64line}},
		{"padded, then a 64-char line", padded, paddedLeaf, collectssl.Request{ShowExtStatus: true}, wire.Layout{},
			wire.State{CertificateStatus: b64line, ValidationStatus: "Complete"}},
		{"one line, then a line as long", full, fullLeaf, collectssl.Request{ShowExtStatus: true}, wire.Layout{Wrap: -1},
			wire.State{CertificateStatus: strings.Repeat("A", len(base64.StdEncoding.EncodeToString(full))), ValidationStatus: "Complete"}},
		{"one line, then a short base64 line", full, fullLeaf, collectssl.Request{ShowExtStatus: true}, wire.Layout{Wrap: -1},
			wire.State{CertificateStatus: "Issued", ValidationStatus: "Complete"}},
		{"wrap 76 CRLF, then a 76-char line", padded, paddedLeaf, collectssl.Request{ShowExtStatus: true}, wire.Layout{Wrap: 76, CRLF: true},
			wire.State{CertificateStatus: strings.Repeat("B", 76), ValidationStatus: "Complete"}},
		{"blank line, then a 64-char line", full, fullLeaf, collectssl.Request{ShowExtStatus: true}, wire.Layout{BlankAfterCertificates: true},
			wire.State{CertificateStatus: b64line, ValidationStatus: b64line}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.QueryType, req.ResponseType = collectssl.QueryCertificateAndChain, collectssl.ResponsePKCS7
			st := tt.st
			st.Status, st.Container, st.Layout = 2, tt.container, tt.layout
			_, body := render(t, &req, st)
			got, err := collectssl.ParseLines(&req, body)
			if err != nil {
				t.Fatalf("%v\n%s", err, body)
			}
			want := &collectssl.Result{Status: 2, Certificate: tt.leaf, CACertificates: []*x509.Certificate{c.Root}, Container: tt.container,
				CertificateStatus: st.CertificateStatus, ValidationStatus: st.ValidationStatus, CAAStatus: st.CAAStatus}
			if st.StatusDetails != nil {
				want.StatusDetails = &collectssl.StatusDetails{1, 1, 1, 1, 1, 1, 1}
			}
			if st.CAAStatus == b64line {
				// Not a CAA status of the specification: kept in Extra, and
				// not swallowed by the container either.
				want.CAAStatus, want.Extra = "", url.Values{collectssl.ExtraLineKey: {b64line}}
			}
			if diff := cmp.Diff(want, got, resultOpts); diff != "" {
				t.Errorf("Result (-want +got):\n%s\n%s", diff, body)
			}
			if !bytes.Equal(got.Container, tt.container) {
				t.Errorf("Container differs")
			}
		})
	}
}

// A status detail may end in blanks other than spaces and tabs (a no-break
// space, a vertical tab): it is still a status detail, not an extended
// status.
func TestParseLinesStatusDetailUnicodeBlank(t *testing.T) {
	req := &collectssl.Request{ShowExtStatus: true, ShowStatusDetails: true}
	body := "0\ncsrStatus 1\u00a0\ndcvStatus 1\v\novCallbackStatus 1\norganizationValidationStatus 1\nfreeDVUPStatus 1\nevClickThroughStatus 1\nbrandValStatus 1\n"
	got, err := collectssl.ParseLines(req, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if got.CertificateStatus != "" || got.StatusDetails == nil || *got.StatusDetails != (collectssl.StatusDetails{1, 1, 1, 1, 1, 1, 1}) {
		t.Errorf("CertificateStatus %q, StatusDetails %+v; want none and all 1", got.CertificateStatus, got.StatusDetails)
	}
}
