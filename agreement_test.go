// This file holds the property that proves the two parsers agree: the same
// server state, rendered by internal/wire in both formats (and as binary), for
// every valid request, parses to the same Result, and that Result is the state
// that was rendered.

package collectssl_test

import (
	"fmt"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/wire"
	"github.com/google/go-cmp/cmp"
)

// expectedResult is the Result a correct parser reads from st rendered for
// req: what the specification says the server sends, and nothing else.
func expectedResult(t testing.TB, req *collectssl.Request, st wire.State) *collectssl.Result {
	t.Helper()
	binary := st.Status == 2 && req.ResponseEncoding == collectssl.EncodingBinary // the container and nothing else
	r := &collectssl.Result{Status: st.Status}
	if st.Status > 0 && req.ShowValidityPeriod && !binary {
		r.NotBefore, r.NotAfter = st.NotBefore, st.NotAfter
	}
	if st.Status > 0 && req.ShowFQDN && !binary {
		r.FQDN = st.FQDN
	}
	if st.Status == 2 {
		var certs [][]byte
		if req.QueryType == collectssl.QueryCertificateAndChain || req.QueryType == collectssl.QueryChain {
			for _, der := range st.CAs {
				r.CACertificates = append(r.CACertificates, mustParse(t, der))
			}
			certs = append(certs, st.CAs...)
		}
		if req.QueryType == collectssl.QueryCertificateAndChain || req.QueryType == collectssl.QueryCertificate {
			r.Certificate = mustParse(t, st.Leaf)
			certs = append(certs, st.Leaf)
		}
		if req.ResponseType != collectssl.ResponseIndividual {
			var err error
			r.Container, err = wireContainer(req.ResponseType, certs)
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if binary {
		return r
	}
	if req.ShowExtStatus {
		r.CertificateStatus, r.ValidationStatus = st.CertificateStatus, st.ValidationStatus
	}
	if st.Status == 0 && req.ShowMDCDomainDetails {
		r.MDCDomainDetails = st.MDCDomainDetails
	}
	if st.Status == 0 && req.ShowMDCDomainDetails2 {
		r.MDCDomainDetails2 = st.MDCDomainDetails2
	}
	if req.ShowStatusDetails && st.StatusDetails != nil {
		d := *st.StatusDetails
		r.StatusDetails = &d
	}
	r.CAAStatus = st.CAAStatus
	return r
}

func TestFormatsAgree(t *testing.T) {
	type chain struct {
		name string
		c    *certgen.Chain
	}
	chainsUnderTest := []chain{
		{"pre2025-rsa", sharedChain(t, certgen.Pre2025, certgen.RSA)},
		{"testmode-ecdsa", sharedChain(t, certgen.TestMode, certgen.ECDSA)},
	}
	if !testing.Short() {
		chainsUnderTest = append(chainsUnderTest, chain{"2025-ecdsa", sharedChain(t, certgen.Shape2025, certgen.ECDSA)})
	}
	runs := 0
	for _, ch := range chainsUnderTest {
		leaf, cas := certsDER(ch.c)
		for qt := collectssl.QueryStatus; qt <= collectssl.QueryChain; qt++ {
			for rt := collectssl.ResponseZIP; rt <= collectssl.ResponseIndividual; rt++ {
				for enc := collectssl.EncodingBase64; enc <= collectssl.EncodingBinary; enc++ {
					for flags := 0; flags < 64; flags++ {
						req := &collectssl.Request{OrderNumber: "1234", QueryType: qt, ResponseType: rt, ResponseEncoding: enc,
							ShowValidityPeriod: flags&1 != 0, ShowFQDN: flags&2 != 0, ShowExtStatus: flags&4 != 0,
							ShowMDCDomainDetails: flags&8 != 0, ShowMDCDomainDetails2: flags&16 != 0, ShowStatusDetails: flags&32 != 0}
						if req.Validate() != nil {
							continue
						}
						if rt == collectssl.ResponseZIP && qt != collectssl.QueryCertificateAndChain {
							continue // the zero ResponseType, sent as 3: the case rt=3 covers it
						}
						for _, status := range []collectssl.StatusCode{0, 1, 2} {
							if status == 2 && qt == collectssl.QueryStatus {
								continue // a status query is answered with 1, never 2
							}
							st := wire.State{
								Status:    status,
								NotBefore: ch.c.Leaf.NotBefore, NotAfter: ch.c.Leaf.NotAfter,
								FQDN: "*.example.com", Leaf: leaf, CAs: cas,
								CertificateStatus: "Issued", ValidationStatus: "Awaiting Brand Validation",
								MDCDomainDetails:  []collectssl.DomainStatus{{Domain: "example.com", Status: "VALIDATED"}, {Domain: "www.example.com", Status: "NOTVALIDATED"}},
								MDCDomainDetails2: []collectssl.DomainStatus{{Domain: "shop.example.com", Status: "AWAITINGBRAND"}},
								StatusDetails: &collectssl.StatusDetails{CSR: 1, DCV: 2, OVCallback: -1, OrganizationValidation: 0,
									FreeDVUP: -1, EVClickThrough: -1, BrandValidation: 2},
								CAAStatus: "Authorized",
							}
							name := fmt.Sprintf("%s/qt%d/rt%d/enc%d/flags%02x/status%d", ch.name, qt, rt, enc, flags, status)
							checkAgree(t, name, req, st)
							runs++
						}
					}
				}
			}
		}
	}
	// 9 request shapes as sent (queryType 1: zip and pkcs7 in both encodings,
	// netscape and individual in base64; queryType 0, 2 and 3: individual in
	// base64) x 64 flag sets x 3 statuses, less status 2 for the status
	// query, per chain.
	if want := len(chainsUnderTest) * (9*64*3 - 1*64); runs != want {
		t.Errorf("ran %d cases, want %d", runs, want)
	}
}

// TestFormatsAgreeQuirks: the layout quirks change nothing either.
func TestFormatsAgreeQuirks(t *testing.T) {
	c := sharedChain(t, certgen.Pre2025, certgen.ECDSA)
	leaf, cas := certsDER(c)
	req := &collectssl.Request{QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual, ShowValidityPeriod: true,
		ShowFQDN: true, ShowExtStatus: true, ShowStatusDetails: true}
	st := wire.State{Status: 2, NotBefore: c.Leaf.NotBefore, NotAfter: c.Leaf.NotAfter, FQDN: "*.example.com",
		Leaf: leaf, CAs: cas, CertificateStatus: "Émis", ValidationStatus: "Validé", StatusDetails: &collectssl.StatusDetails{CSR: 1, DCV: 1, OVCallback: 1, OrganizationValidation: 1,
			FreeDVUP: 1, EVClickThrough: 1, BrandValidation: 1},
		CAAStatus: "Error '12'"}
	want := expectedResult(t, req, st)
	for name, l := range map[string]wire.Layout{
		"windows-1252":           {Charset: "windows-1252"},
		"latin-1 hidden":         {Charset: "iso-8859-1", HideCharset: true},
		"CRLF BOM no final EOL":  {CRLF: true, BOM: true, NoFinalNewline: true},
		"split, names, blank":    {SplitValidity: true, StatusDetailSep: "=", BlankAfterCertificates: true},
		"names with a colon":     {StatusDetailSep: ": "},
		"names with a space":     {StatusDetailSep: " "},
		"raw plus, spaces after": {PlusAs: "+", TrailingSpaces: true},
		"space plus":             {PlusAs: " "},
	} {
		for _, format := range []collectssl.ResponseFormat{collectssl.FormatLines, collectssl.FormatURLEncoded} {
			t.Run(fmt.Sprintf("%s/%v", name, format), func(t *testing.T) {
				r := *req
				r.ResponseFormat = format
				st := st
				st.Layout = l
				ct, body := render(t, &r, st)
				got, err := collectssl.ParseResponse(&r, ct, body)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got, resultOpts); diff != "" {
					t.Errorf("(-rendered +parsed):\n%s", diff)
				}
			})
		}
	}
}

// caaSamples are CAA check statuses of the specification, to vary.
var caaSamples = []string{"Authorized", "Not Authorized", "Unrecognized Critical Tag", "Empty",
	"Malformed Response", "Timeout", "ERROR", "Awaiting Completion", "Error '12'"}

// optionalState is the state of an order for the optional lines test: each
// bit of present keeps one optional line (or run of lines), and the server
// leaves out the others, as real servers leave out what they do not have.
func optionalState(ch *certgen.Chain, status collectssl.StatusCode, present int, caa string) wire.State {
	leaf, cas := certsDER(ch)
	st := wire.State{Status: status, NotBefore: ch.Leaf.NotBefore, NotAfter: ch.Leaf.NotAfter, Leaf: leaf, CAs: cas,
		Layout: wire.Layout{OmitEmpty: true}}
	if present&1 != 0 {
		st.FQDN = "*.example.com"
	}
	if present&2 != 0 {
		st.CertificateStatus, st.ValidationStatus = "Awaiting Validation", "Awaiting Brand Validation"
	}
	if present&4 != 0 {
		st.MDCDomainDetails = []collectssl.DomainStatus{{Domain: "example.com", Status: "VALIDATED"}, {Domain: "www.example.com", Status: "NOTVALIDATED"}}
	}
	if present&8 != 0 {
		st.StatusDetails = &collectssl.StatusDetails{CSR: 1, DCV: 2, OVCallback: -1, OrganizationValidation: 0,
			FreeDVUP: -1, EVClickThrough: -1, BrandValidation: 2}
	}
	if present&16 != 0 {
		// The second list has AWAITINGBRAND, which the first cannot: that
		// tells it from the first when the first is left out.
		st.MDCDomainDetails2 = []collectssl.DomainStatus{{Domain: "shop.example.com", Status: "AWAITINGBRAND"}}
	}
	if present&32 != 0 {
		st.CAAStatus = caa
	}
	return st
}

// checkAgree renders st for req in both formats, parses both, and checks
// that each parses to expectedResult (and so that they agree).
func checkAgree(t *testing.T, name string, req *collectssl.Request, st wire.State) {
	t.Helper()
	want := expectedResult(t, req, st)
	for _, format := range []collectssl.ResponseFormat{collectssl.FormatLines, collectssl.FormatURLEncoded} {
		r := *req
		r.ResponseFormat = format
		ct, body := render(t, &r, st)
		res, err := collectssl.ParseResponse(&r, ct, body)
		if err != nil {
			t.Fatalf("%s/%v: %v\n%s", name, format, err, body)
		}
		if diff := cmp.Diff(want, res, resultOpts); diff != "" {
			t.Fatalf("%s/%v: (-rendered +parsed):\n%s\n%s", name, format, diff, body)
		}
	}
}

// TestFormatsAgreeOptionalLines: a server leaves out every optional line it
// does not have. For every subset of the optional lines present, every show
// flag, statuses 0, 1 and 2, and certificates as PEM and as a base64
// container, both formats parse to the state that was rendered: format 0
// recognises each line by its content, not by its position.
func TestFormatsAgreeOptionalLines(t *testing.T) {
	ch := sharedChain(t, certgen.TestMode, certgen.ECDSA)
	runs := 0
	for _, status := range []collectssl.StatusCode{0, 1, 2} {
		for _, rt := range []collectssl.ResponseType{collectssl.ResponseIndividual, collectssl.ResponsePKCS7} {
			if status != 2 && rt != collectssl.ResponseIndividual {
				continue
			}
			for flags := range 64 {
				for present := range 64 {
					req := &collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryCertificateAndChain, ResponseType: rt,
						ShowValidityPeriod: flags&1 != 0, ShowFQDN: flags&2 != 0, ShowExtStatus: flags&4 != 0,
						ShowMDCDomainDetails: flags&8 != 0, ShowMDCDomainDetails2: flags&16 != 0, ShowStatusDetails: flags&32 != 0}
					st := optionalState(ch, status, present, caaSamples[(flags+present)%len(caaSamples)])
					checkAgree(t, fmt.Sprintf("status%d/rt%d/flags%02x/present%02x", status, rt, flags, present), req, st)
					runs++
				}
			}
		}
	}
	if want := 4 * 64 * 64; runs != want {
		t.Errorf("ran %d cases, want %d", runs, want)
	}
}
