// This file holds regression tests for inputs that a review of the parsers
// and containers found to fail: each pins the behaviour the fix gave.

package collectssl_test

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/url"
	"strings"
	"testing"
	"unsafe"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/wire"
	"github.com/google/go-cmp/cmp"
)

const namedDetails = "csrStatus=1\ndcvStatus=1\novCallbackStatus=-1\norganizationValidationStatus=-1\n" +
	"freeDVUPStatus=-1\nevClickThroughStatus=-1\nbrandValStatus=-1\n"

// A base64 container whose last line is a full 64 characters (no padding),
// lines ending in spaces, then status details named "name=value": the
// details' '=' must not be read as the blob's padding.
func TestBase64ContainerThenNamedDetails(t *testing.T) {
	ch := sharedChain(t, certgen.TestMode, certgen.ECDSA)
	der, leaf := containerOfLength(t, ch, 0)
	for _, trail := range []string{"", " ", "\t "} {
		var body strings.Builder
		body.WriteString("2\n")
		for b64 := base64.StdEncoding.EncodeToString(der); len(b64) > 0; {
			n := min(len(b64), 64)
			body.WriteString(b64[:n] + trail + "\n")
			b64 = b64[n:]
		}
		body.WriteString(namedDetails)
		r, err := collectssl.ParseLines(&collectssl.Request{ShowStatusDetails: true}, []byte(body.String()))
		if err != nil {
			t.Fatalf("trailing %q: %v", trail, err)
		}
		if r.Certificate == nil || !r.Certificate.Equal(leaf) || !bytes.Equal(r.Container, der) {
			t.Errorf("trailing %q: leaf or container not read back", trail)
		}
		want := &collectssl.StatusDetails{CSR: 1, DCV: 1, OVCallback: -1, OrganizationValidation: -1, FreeDVUP: -1, EVClickThrough: -1, BrandValidation: -1}
		if diff := cmp.Diff(want, r.StatusDetails); diff != "" {
			t.Errorf("trailing %q: StatusDetails (-want +got):\n%s", trail, diff)
		}
	}
}

// The '+' that ends the last base64 value of a format 1 body, turned into a
// space by a careless form encoder, is still a '+'.
func TestURLEncodedLastValueEndsInLostPlus(t *testing.T) {
	ch := sharedChain(t, certgen.TestMode, certgen.ECDSA)
	var leaf *x509.Certificate
	for i := 0; leaf == nil; i++ {
		if i == 2000 {
			t.Fatal("no leaf whose base64 ends in '+'")
		}
		l, _, err := ch.IssueLeaf(certgen.LeafOptions{Now: protoNow})
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(base64.StdEncoding.EncodeToString(l.Raw), "+") {
			leaf = l
		}
	}
	b64 := strings.ReplaceAll(base64.StdEncoding.EncodeToString(leaf.Raw), "+", " ")
	for _, end := range []string{"", "\n", "\r\n"} {
		r, err := collectssl.ParseURLEncoded([]byte("errorCode=2&certificate=" + b64 + end))
		if err != nil {
			t.Fatalf("ending %q: %v", end, err)
		}
		if r.Certificate == nil || !r.Certificate.Equal(leaf) {
			t.Errorf("ending %q: leaf not read back", end)
		}
	}
	// A text value at the end still loses its trailing blanks.
	r, err := collectssl.ParseURLEncoded([]byte("errorCode=1&caaStatus=Authorized  \r\n"))
	if err != nil || r.CAAStatus != "Authorized" {
		t.Errorf("caaStatus = %q, %v; want Authorized", r.CAAStatus, err)
	}
}

// A ZIP entry holding DER or text that is no certificate (a CRL, a CSR, a
// readme that starts with "0") is skipped like a readme.
func TestZIPSkipsEntriesThatAreNotCertificates(t *testing.T) {
	c := getChain(t)
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}}, c.leafKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, other := range map[string][]byte{
		"ca.crl":     c.crl,
		"x.csr":      csr,
		"readme.txt": []byte("0 Thank you for choosing us.\n"),
	} {
		z := makeZIP(t, zipEntry{name: "leaf.crt", data: pemCerts(c.leaf)}, zipEntry{name: name, data: other})
		certs, err := collectssl.DecodeCertificates(z)
		if err != nil || len(certs) != 1 || !certs[0].Equal(c.leaf) {
			t.Errorf("with %s: got %d certificates, %v; want the leaf", name, len(certs), err)
		}
		// Alone, the entry is why the archive holds no certificate.
		if _, err := collectssl.DecodeCertificates(makeZIP(t, zipEntry{name: name, data: other})); !errors.Is(err, collectssl.ErrMalformedContainer) {
			t.Errorf("%s alone: %v, want a container error", name, err)
		}
	}
}

// PEM in a format 0 body the way files hold it: blocks glued on one line,
// indented lines.
func TestLinesLenientPEM(t *testing.T) {
	c := getChain(t)
	glued := strings.TrimSuffix(string(pemCerts(c.inter)), "\n") + string(pemCerts(c.leaf))
	indented := "  " + strings.ReplaceAll(strings.TrimSuffix(string(pemCerts(c.inter, c.leaf)), "\n"), "\n", "\n  ") + "\n"
	for name, pemText := range map[string]string{"glued": glued, "indented": indented} {
		r, err := collectssl.ParseLines(&collectssl.Request{ShowExtStatus: true}, []byte("2\n"+pemText+"Issued\nComplete\n"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Certificate == nil || !r.Certificate.Equal(c.leaf) || len(r.CACertificates) != 1 || !r.CACertificates[0].Equal(c.inter) {
			t.Errorf("%s: certificates not read back", name)
		}
		if r.CertificateStatus != "Issued" || r.ValidationStatus != "Complete" {
			t.Errorf("%s: ext status = %q, %q; want Issued, Complete", name, r.CertificateStatus, r.ValidationStatus)
		}
	}
}

// The PEM text of a format 0 body ends at the last END line that closes a
// block: an END line after it (a stray one) is a line of the body, kept in
// Extra, not swallowed into the text.
func TestLinesPEMTextEnd(t *testing.T) {
	c := getChain(t)
	const stray = "-----END CERTIFICATE-----"
	body := "2\n" + string(pemCerts(c.inter, c.leaf)) + stray + "\nIssued\nComplete\n"
	r, err := collectssl.ParseLines(&collectssl.Request{ShowExtStatus: true}, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if r.Certificate == nil || !r.Certificate.Equal(c.leaf) || len(r.CACertificates) != 1 {
		t.Errorf("certificates not read back")
	}
	if got := r.Extra["line"]; len(got) != 1 || got[0] != stray {
		t.Errorf("Extra = %q, want the stray END line", r.Extra)
	}
	if r.CertificateStatus != "Issued" || r.ValidationStatus != "Complete" {
		t.Errorf("ext status = %q, %q; want Issued, Complete", r.CertificateStatus, r.ValidationStatus)
	}
}

// Standard CERTIFICATE blocks are decoded where format 0's line parser
// found them; a block that does not decode there is still an error, the
// one DecodeCertificates gives for the same text, and a leaf before it
// does not make it pass.
func TestLinesPEMBlocksThatFail(t *testing.T) {
	c := getChain(t)
	leaf := string(pemCerts(c.leaf))
	block := func(der []byte) string { return string(pemBlock("CERTIFICATE", der)) }
	for _, tt := range []struct {
		name string
		text string
		want error
	}{
		{"a PKCS#7 of no certificate", block(encPKCS7(p7opts{})), collectssl.ErrNoCertificates},
		{"a ZIP archive under CERTIFICATE", leaf + block(makeZIP(t, zipEntry{name: "a.crt", data: c.leaf.Raw})), collectssl.ErrUnknownFormat},
		{"a SET", leaf + block([]byte{0x31, 0x00}), collectssl.ErrUnknownFormat},
		{"a certificate cut short", leaf + block(c.root.Raw[:len(c.root.Raw)-1]), collectssl.ErrMalformedContainer},
	} {
		_, err := collectssl.ParseLines(nil, []byte("2\n"+tt.text))
		var pe *collectssl.ParseError
		if !errors.As(err, &pe) || !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want a *ParseError matching %v", tt.name, err, tt.want)
		}
		if _, derr := collectssl.DecodeCertificates([]byte(tt.text)); !errors.Is(derr, tt.want) {
			t.Errorf("%s: DecodeCertificates: %v, want %v", tt.name, derr, tt.want)
		}
	}
}

// A PEM text indented by tabs where the FQDN would be is certificate data
// (a server that leaves the FQDN out), not an FQDN.
func TestLinesTabIndentedPEM(t *testing.T) {
	c := getChain(t)
	text := "\t" + strings.ReplaceAll(strings.TrimSuffix(string(pemCerts(c.leaf)), "\n"), "\n", "\n\t") + "\n"
	r, err := collectssl.ParseLines(&collectssl.Request{ShowFQDN: true}, []byte("2\n"+text))
	if err != nil {
		t.Fatal(err)
	}
	if r.Certificate == nil || !r.Certificate.Equal(c.leaf) || r.FQDN != "" {
		t.Errorf("certificate %v, FQDN %q; want the leaf and no FQDN", r.Certificate != nil, r.FQDN)
	}
}

// Bodies of line endings or of '&' are refused before they cost a hundred
// times their size in bookkeeping.
func TestLineAndFieldCounts(t *testing.T) {
	tests := []struct {
		name  string
		parse func([]byte) (*collectssl.Result, error)
		body  []byte
		ok    bool
	}{
		{"lines at the limit", func(b []byte) (*collectssl.Result, error) { return collectssl.ParseLines(nil, b) },
			append([]byte("7"), bytes.Repeat([]byte("\n"), collectssl.MaxResponseLines)...), true},
		{"lines over the limit", func(b []byte) (*collectssl.Result, error) { return collectssl.ParseLines(nil, b) },
			append([]byte("7"), bytes.Repeat([]byte("\n"), collectssl.MaxResponseLines+1)...), false},
		{"fields at the limit", collectssl.ParseURLEncoded,
			append([]byte("errorCode=1"), bytes.Repeat([]byte("&a"), collectssl.MaxResponseFields-1)...), true},
		{"fields over the limit", collectssl.ParseURLEncoded,
			append([]byte("errorCode=1"), bytes.Repeat([]byte("&a"), collectssl.MaxResponseFields)...), false},
	}
	for _, tt := range tests {
		_, err := tt.parse(tt.body)
		if tt.ok && err != nil {
			t.Errorf("%s: %v, want success", tt.name, err)
		}
		if !tt.ok && (!errors.Is(err, collectssl.ErrTooLarge) || !errors.Is(err, collectssl.ErrMalformedResponse)) {
			t.Errorf("%s: %v, want a ParseError matching ErrTooLarge", tt.name, err)
		}
	}
}

// A UTF-16 body that its Content-Type declares, with or without a byte order
// mark.
func TestUTF16Body(t *testing.T) {
	msg := "The 'orderNumber' argument is missing!"
	var le []byte
	for _, c := range []byte("-3\n" + msg + "\n") {
		le = append(le, c, 0)
	}
	for name, body := range map[string][]byte{"no BOM": le, "BOM": append([]byte{0xff, 0xfe}, le...)} {
		_, err := collectssl.ParseResponse(nil, "text/plain; charset=utf-16le", body)
		var se *collectssl.StatusError
		if !errors.As(err, &se) || se.Code != collectssl.StatusArgumentMissing || se.Message != msg || se.Argument != "orderNumber" {
			t.Errorf("%s: %v, want the -3 StatusError", name, err)
		}
	}
}

// errorItem names the argument when the message quotes none.
func TestURLEncodedErrorItem(t *testing.T) {
	_, err := collectssl.ParseURLEncoded([]byte("errorCode=-3&errorItem=orderNumber&errorMessage=Missing+argument"))
	var se *collectssl.StatusError
	if !errors.As(err, &se) || se.Argument != "orderNumber" || se.Message != "Missing argument" {
		t.Errorf("got %v, want a -3 StatusError with Argument orderNumber", err)
	}
	_, err = collectssl.ParseURLEncoded([]byte("errorCode=-4&errorItem=other&errorMessage=The+value+of+the+%27queryType%27+argument+is+invalid%21"))
	if !errors.As(err, &se) || se.Argument != "queryType" {
		t.Errorf("got %v, want the quoted name to win over errorItem", err)
	}
}

// BER allows a long-form length with leading zero octets, more than four of
// them included.
func TestBERLengthWithLeadingZeros(t *testing.T) {
	c := getChain(t)
	der := netscape(ders(c.inter, c.leaf)...)
	if der[1] != 0x82 {
		t.Fatalf("outer length form %#x, want 0x82", der[1])
	}
	// 30 82 HH LL  ->  30 87 00 00 00 00 00 HH LL
	ber := append([]byte{0x30, 0x87, 0, 0, 0, 0, 0}, der[2:]...)
	certs, err := collectssl.DecodeCertificates(ber)
	if err != nil || len(certs) != 2 || !certs[1].Equal(c.leaf) {
		t.Fatalf("got %d certificates, %v; want the intermediate and the leaf", len(certs), err)
	}
	if n, complete, err := collectssl.ContainerLen(ber); err != nil || !complete || n != len(ber) {
		t.Errorf("containerLen = %d, %v, %v; want %d, true, nil", n, complete, err, len(ber))
	}
	// Five significant octets are still too large.
	huge := append([]byte{0x30, 0x85, 1, 0, 0, 0, 0}, der[4:]...)
	if _, err := collectssl.DecodeCertificates(huge); !errors.Is(err, collectssl.ErrTooLarge) {
		t.Errorf("a 5-octet length: %v, want ErrTooLarge", err)
	}
}

// With showFQDN, a server that leaves the FQDN line out (rather than sending
// it empty) before an unarmoured base64 container: the blob is certificate
// data, not the FQDN.
func TestMissingFQDNBeforeBase64(t *testing.T) {
	ch := sharedChain(t, certgen.TestMode, certgen.ECDSA)
	der, leaf := containerOfLength(t, ch, 0)
	b64 := base64.StdEncoding.EncodeToString(der)
	for name, body := range map[string]string{
		"one line":   "2\n" + b64 + "\n",
		"wrapped":    "2\n" + wrap(b64, 64, "\n") + "\n",
		"empty FQDN": "2\n\n" + wrap(b64, 64, "\n") + "\n",
		"with FQDN":  "2\nwww.example.test\n" + wrap(b64, 64, "\n") + "\n",
	} {
		r, err := collectssl.ParseLines(&collectssl.Request{ShowFQDN: true}, []byte(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Certificate == nil || !r.Certificate.Equal(leaf) {
			t.Errorf("%s: leaf not read (FQDN %.20q)", name, r.FQDN)
		}
		if want := map[bool]string{true: "www.example.test"}[name == "with FQDN"]; r.FQDN != want {
			t.Errorf("%s: FQDN = %.30q, want %q", name, r.FQDN, want)
		}
	}
}

// A ZIP whose end record counts its entries modulo 65536 (65,736 central
// headers declared as 200) is refused before archive/zip allocates a
// *zip.File per header.
func TestZIPEntryCountWraps(t *testing.T) {
	z := makeZIP(t, zipEntry{name: "", data: getChain(t).leaf.Raw, store: true})
	eocd := bytes.LastIndex(z, []byte(collectssl.ZipEOCDSig))
	cdOff := int(binary.LittleEndian.Uint32(z[eocd+16:]))
	central := z[cdOff:eocd]
	const count = 65536 + 200
	out := append([]byte{}, z[:cdOff]...)
	for range count {
		out = append(out, central...)
	}
	end := make([]byte, 22)
	copy(end, collectssl.ZipEOCDSig)
	binary.LittleEndian.PutUint16(end[8:], uint16(count%65536))
	binary.LittleEndian.PutUint16(end[10:], uint16(count%65536))
	binary.LittleEndian.PutUint32(end[12:], uint32(count*len(central)))
	binary.LittleEndian.PutUint32(end[16:], uint32(cdOff))
	out = append(out, end...)

	var err error
	allocs := testing.AllocsPerRun(1, func() { _, err = collectssl.DecodeCertificates(out) })
	if !errors.Is(err, collectssl.ErrTooLarge) {
		t.Fatalf("DecodeCertificates = %v, want ErrTooLarge", err)
	}
	if allocs > 100 {
		t.Errorf("%v allocations before refusing, want the count checked before archive/zip reads the directory", allocs)
	}
}

// TestCertificateCountBeforeParsing: a container with more certificates than
// allowed is refused before any of them is parsed. The elements here are
// SEQUENCEs that are no certificates: a decoder that parsed before counting
// would fail on the first with "invalid certificate", not ErrTooLarge.
func TestCertificateCountBeforeParsing(t *testing.T) {
	junk := func(n int) [][]byte {
		out := make([][]byte, n)
		for i := range out {
			out[i] = []byte{0x30, 0x05, 0x30, 0x03, 0x02, 0x01, byte(i)}
		}
		return out
	}
	var concat []byte
	for _, j := range junk(collectssl.MaxCertificates + 1) {
		concat = append(concat, j...)
	}
	for name, in := range map[string][]byte{
		"PKCS#7":        encPKCS7(p7opts{}, junk(collectssl.MaxCertificates+1)...),
		"BER PKCS#7":    encPKCS7(p7opts{indef: true}, junk(collectssl.MaxCertificates+1)...),
		"Netscape":      netscape(junk(collectssl.MaxCertificates + 1)...),
		"concatenated":  concat,
		"base64 PKCS#7": []byte(b64(encPKCS7(p7opts{}, junk(collectssl.MaxCertificates+1)...))),
	} {
		_, err := collectssl.DecodeCertificates(in)
		if !errors.Is(err, collectssl.ErrTooLarge) || strings.Contains(err.Error(), "invalid certificate") {
			t.Errorf("%s of %d non-certificates: %v; want ErrTooLarge before any is parsed", name, collectssl.MaxCertificates+1, err)
		}
	}
	// A response allows 32: the 33rd is refused before parsing too.
	p7 := encPKCS7(p7opts{}, junk(33)...)
	for name, body := range map[string][]byte{
		"binary":   p7,
		"format 0": []byte("2\n" + wrap(b64(p7), 64, "\n")),
		"format 1": []byte("errorCode=2&pkcs7=" + url.QueryEscape(b64(p7))),
	} {
		_, err := collectssl.ParseResponse(&collectssl.Request{QueryType: 1, ResponseType: 2}, "", body)
		if !errors.Is(err, collectssl.ErrTooLarge) || strings.Contains(err.Error(), "invalid certificate") {
			t.Errorf("%s response of 33 non-certificates: %v; want ErrTooLarge before any is parsed", name, err)
		}
	}
}

// TestResultSharesItsContainer: the certificates of a Result alias its
// Container, so a Result keeps one copy of the decoded container, not two.
func TestResultSharesItsContainer(t *testing.T) {
	ch := sharedChain(t, certgen.Shape2025, certgen.RSA)
	leaf, cas := certsDER(ch)
	st := wire.State{Status: 2, Leaf: leaf, CAs: cas}
	for _, tt := range []struct {
		name string
		req  collectssl.Request
	}{
		{"binary PKCS#7", collectssl.Request{QueryType: 1, ResponseType: 2, ResponseEncoding: 1}},
		{"format 0 PKCS#7", collectssl.Request{QueryType: 1, ResponseType: 2}},
		{"format 0 Netscape", collectssl.Request{QueryType: 1, ResponseType: 1}},
		{"format 1 PKCS#7", collectssl.Request{QueryType: 1, ResponseType: 2, ResponseFormat: 1}},
	} {
		ct, body := render(t, &tt.req, st)
		r, err := collectssl.ParseResponse(&tt.req, ct, body)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		within := func(c *x509.Certificate) bool {
			start := uintptr(unsafe.Pointer(unsafe.SliceData(r.Container)))
			p := uintptr(unsafe.Pointer(unsafe.SliceData(c.Raw)))
			return p >= start && p+uintptr(len(c.Raw)) <= start+uintptr(len(r.Container))
		}
		for _, c := range append([]*x509.Certificate{r.Certificate}, r.CACertificates...) {
			if !within(c) {
				t.Errorf("%s: certificate %q is a copy, not a slice of Container", tt.name, c.Subject.CommonName)
			}
		}
	}
}

// TestURLEncodedCertificateCapBeforeParsing: the 33rd certificate value of
// a format 1 body is refused before it is parsed (it is no certificate
// here: parsing it would fail otherwise).
func TestURLEncodedCertificateCapBeforeParsing(t *testing.T) {
	leaf := url.QueryEscape(b64(sharedChain(t, certgen.TestMode, certgen.ECDSA).Leaf.Raw))
	body := "errorCode=2" + strings.Repeat("&caCertificate="+leaf, 32) + "&certificate=AAAA"
	_, err := collectssl.ParseURLEncoded([]byte(body))
	if !errors.Is(err, collectssl.ErrTooLarge) {
		t.Errorf("ParseURLEncoded of 33 certificate values = %v; want ErrTooLarge before the 33rd is parsed", err)
	}
}

// TestPKCS7SkipsNilIntermediates: a hand-built Bundle with a nil
// intermediate encodes, as its PEM outputs do, instead of panicking.
func TestPKCS7SkipsNilIntermediates(t *testing.T) {
	ch := sharedChain(t, certgen.Shape2025, certgen.ECDSA)
	der, err := (&collectssl.Bundle{Leaf: ch.Leaf, Intermediates: []*x509.Certificate{nil, ch.Issuing}}).PKCS7()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := collectssl.DecodeCertificates(der); err != nil || len(got) != 2 {
		t.Errorf("PKCS7 decodes to %d certificates, %v; want 2", len(got), err)
	}
}
