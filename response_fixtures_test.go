// This file holds the committed response fixtures under testdata/ (lines-*,
// urlencoded-*, binary-*): what each one must parse to, and the generator
// that writes them (go test -run TestResponseFixtures -update-response-fixtures .),
// which uses internal/wire and certgen and, for the files named *-openssl* and
// *-infozip*, the openssl and zip commands. The expectations do not depend on
// the time: the certificates are checked by subject, not by validity.

package collectssl_test

import (
	"crypto/x509"
	"encoding/pem"
	"flag"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/wire"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var updateResponseFixtures = flag.Bool("update-response-fixtures", false, "rewrite the response fixtures under testdata/")

// fixtureNow is the time the fixtures' chain was made for.
var fixtureNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// responseFixture is one committed response and what it must parse to.
type responseFixture struct {
	file        string
	contentType string
	req         collectssl.Request
	// gen renders the body; nil for fixtures made by external tools.
	gen func(t *testing.T, fx *fixtureChain) []byte

	want       *collectssl.Result // compared without certificates and Container
	wantErr    error              // a sentinel the error must match
	wantMsg    string             // the StatusError's message
	wantLeaf   string             // the leaf's common name, or its end; "" for none
	wantCAs    []string
	wantContnr bool
}

type fixtureChain struct {
	c        *certgen.Chain
	leaf     []byte
	cas      [][]byte
	full     []byte // a PKCS#7 whose base64 fills whole 64-character lines
	fullLeaf *x509.Certificate
}

func renderFixture(t *testing.T, req collectssl.Request, st wire.State) []byte {
	t.Helper()
	_, body := render(t, &req, st)
	return body
}

var (
	pre2025CAs = []string{"Test AAA Certificate Services", "Test USERTrust ECC Certification Authority", "Test Sectigo ECC Domain Validation Secure Server CA"}
	b64line64  = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
	nbFixture  = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	naFixture  = time.Date(2026, 6, 1, 23, 59, 59, 0, time.UTC)
)

func responseFixtures() []responseFixture {
	details := &collectssl.StatusDetails{CSR: 1, DCV: 2, OVCallback: -1, OrganizationValidation: 0,
		FreeDVUP: -1, EVClickThrough: -1, BrandValidation: 2}
	wantDetails := &collectssl.StatusDetails{1, 2, -1, 0, -1, -1, 2}
	full := func(fx *fixtureChain) wire.State {
		return wire.State{Status: 2, NotBefore: fx.c.Leaf.NotBefore, NotAfter: fx.c.Leaf.NotAfter, FQDN: "*.example.com", Leaf: fx.leaf, CAs: fx.cas}
	}
	return []responseFixture{
		{file: "lines-error-26.txt", req: collectssl.Request{},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return renderFixture(t, collectssl.Request{}, wire.State{Status: -26, ErrorMessage: "The certificate is being issued!"})
			},
			wantErr: &collectssl.StatusError{Code: -26}, wantMsg: "The certificate is being issued!"},
		{file: "lines-error-3-argument-missing.txt", req: collectssl.Request{},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return renderFixture(t, collectssl.Request{}, wire.State{Status: -3, ErrorMessage: "The 'orderNumber' argument is missing!"})
			},
			wantErr: &collectssl.StatusError{Code: -3}, wantMsg: "The 'orderNumber' argument is missing!"},
		{file: "lines-latin1-message.txt", contentType: "text/plain", req: collectssl.Request{},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return renderFixture(t, collectssl.Request{}, wire.State{Status: -4, ErrorMessage: "La valeur de l'argument 'queryType' est invalide (é)!",
					Layout: wire.Layout{Charset: "iso-8859-1", HideCharset: true}})
			},
			wantErr: &collectssl.StatusError{Code: -4}, wantMsg: "La valeur de l'argument 'queryType' est invalide (é)!"},
		{file: "lines-crlf-bom.txt", req: collectssl.Request{ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return renderFixture(t, collectssl.Request{ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true},
					wire.State{Status: 1, NotBefore: nbFixture, NotAfter: naFixture, FQDN: "www.example.com", CertificateStatus: "Issued",
						ValidationStatus: "Complete", Layout: wire.Layout{CRLF: true, BOM: true, TrailingSpaces: true}})
			},
			want: &collectssl.Result{Status: 1, NotBefore: nbFixture, NotAfter: naFixture, FQDN: "www.example.com", CertificateStatus: "Issued", ValidationStatus: "Complete"}},
		{file: "lines-validity-split.txt", req: collectssl.Request{ShowValidityPeriod: true, ShowFQDN: true},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return renderFixture(t, collectssl.Request{ShowValidityPeriod: true, ShowFQDN: true},
					wire.State{Status: 1, NotBefore: nbFixture, NotAfter: naFixture, FQDN: "www.example.com", Layout: wire.Layout{SplitValidity: true, NoFinalNewline: true}})
			},
			want: &collectssl.Result{Status: 1, NotBefore: nbFixture, NotAfter: naFixture, FQDN: "www.example.com"}},
		{file: "lines-status0-every-flag-named-details.txt",
			req: collectssl.Request{ShowExtStatus: true, ShowMDCDomainDetails: true, ShowMDCDomainDetails2: true, ShowStatusDetails: true, ShowFQDN: true, ShowValidityPeriod: true},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return renderFixture(t, collectssl.Request{ShowExtStatus: true, ShowMDCDomainDetails: true, ShowMDCDomainDetails2: true, ShowStatusDetails: true},
					wire.State{Status: 0, CertificateStatus: "Awaiting Validation", ValidationStatus: "Awaiting private WHOIS entry release",
						MDCDomainDetails:  []collectssl.DomainStatus{{Domain: "example.com", Status: "VALIDATED"}, {Domain: "www.example.com", Status: "NOTVALIDATED"}},
						MDCDomainDetails2: []collectssl.DomainStatus{{Domain: "shop.example.com", Status: "AWAITINGBRAND"}},
						StatusDetails:     details, CAAStatus: "Error '12'", Layout: wire.Layout{StatusDetailSep: "="}})
			},
			want: &collectssl.Result{Status: 0, CertificateStatus: "Awaiting Validation", ValidationStatus: "Awaiting private WHOIS entry release",
				MDCDomainDetails:  []collectssl.DomainStatus{{"example.com", "VALIDATED"}, {"www.example.com", "NOTVALIDATED"}},
				MDCDomainDetails2: []collectssl.DomainStatus{{"shop.example.com", "AWAITINGBRAND"}}, StatusDetails: wantDetails, CAAStatus: "Error '12'"}},
		{file: "lines-unknown-status-7.txt", req: collectssl.Request{ShowFQDN: true},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return []byte("7\nsomething new\nand more\n")
			},
			want: &collectssl.Result{Status: 7}},
		{file: "lines-rt3-fqdn-validity.txt", req: collectssl.Request{QueryType: 1, ResponseType: 3, ShowValidityPeriod: true, ShowFQDN: true},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return renderFixture(t, collectssl.Request{QueryType: 1, ResponseType: 3, ShowValidityPeriod: true, ShowFQDN: true}, full(fx))
			},
			want: &collectssl.Result{Status: 2, NotBefore: nbFixture, NotAfter: naFixture, FQDN: "*.example.com"}, wantLeaf: "*.example.com", wantCAs: pre2025CAs},
		{file: "lines-rt3-blank-before-ext-status.txt", req: collectssl.Request{QueryType: 1, ResponseType: 3, ShowExtStatus: true},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				st := full(fx)
				st.CertificateStatus, st.ValidationStatus, st.Layout = "Issued", "Complete", wire.Layout{BlankAfterCertificates: true}
				return renderFixture(t, collectssl.Request{QueryType: 1, ResponseType: 3, ShowExtStatus: true}, st)
			},
			want: &collectssl.Result{Status: 2, CertificateStatus: "Issued", ValidationStatus: "Complete"}, wantLeaf: "*.example.com", wantCAs: pre2025CAs},
		{file: "lines-rt3-chain-only.txt", req: collectssl.Request{QueryType: 3, ResponseType: 3},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return renderFixture(t, collectssl.Request{QueryType: 3, ResponseType: 3}, full(fx))
			},
			want: &collectssl.Result{Status: 2}, wantCAs: pre2025CAs},
		{file: "lines-rt2-base64-next-line-64-chars.txt", req: collectssl.Request{QueryType: 1, ResponseType: 2, ShowExtStatus: true},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return renderFixture(t, collectssl.Request{QueryType: 1, ResponseType: 2, ShowExtStatus: true},
					wire.State{Status: 2, Container: fx.full, CertificateStatus: "Issued", ValidationStatus: "Complete", CAAStatus: b64line64})
			},
			want: &collectssl.Result{Status: 2, CertificateStatus: "Issued", ValidationStatus: "Complete",
				Extra: url.Values{collectssl.ExtraLineKey: {b64line64}}}, // no CAA status of the specification
			wantLeaf: "a.example.com", wantCAs: pre2025CAs, wantContnr: true},
		{file: "lines-rt0-zip-one-line.txt", req: collectssl.Request{QueryType: 1, ResponseType: 0, ShowExtStatus: true},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				st := full(fx)
				st.CertificateStatus, st.ValidationStatus, st.Layout = "Issued", "Complete", wire.Layout{Wrap: -1}
				return renderFixture(t, collectssl.Request{QueryType: 1, ResponseType: 0, ShowExtStatus: true}, st)
			},
			want: &collectssl.Result{Status: 2, CertificateStatus: "Issued", ValidationStatus: "Complete"}, wantLeaf: "*.example.com", wantCAs: pre2025CAs, wantContnr: true},
		{file: "lines-rt1-netscape-wrap76-crlf.txt", req: collectssl.Request{QueryType: 1, ResponseType: 1},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				st := full(fx)
				st.Layout = wire.Layout{Wrap: 76, CRLF: true}
				return renderFixture(t, collectssl.Request{QueryType: 1, ResponseType: 1}, st)
			},
			want: &collectssl.Result{Status: 2}, wantLeaf: "*.example.com", wantCAs: pre2025CAs, wantContnr: true},
		{file: "lines-rt1-netscape-openssl.txt", req: collectssl.Request{QueryType: 1, ResponseType: 1},
			want: &collectssl.Result{Status: 2}, wantLeaf: "*.example.com", wantCAs: pre2025CAs, wantContnr: true},
		{file: "urlencoded-error-21.txt", req: collectssl.Request{ResponseFormat: 1},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return renderFixture(t, collectssl.Request{ResponseFormat: 1}, wire.State{Status: -21, ErrorMessage: "The certificate has been revoked!"})
			},
			wantErr: collectssl.ErrRevoked, wantMsg: "The certificate has been revoked!"},
		{file: "urlencoded-status0-every-key.txt", req: collectssl.Request{ResponseFormat: 1},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return []byte("errorCode=0&errorItem=&orderNumber=1234567&certificateID=7654321&certificateStatus=Awaiting+Validation" +
					"&validationStatus=Awaiting+Brand+Validation&macDomainDetails=example.com+VALIDATED%2C+www.example.com+NOTVALIDATED" +
					"&mdcDomainDetails2=shop.example.com+AWAITINGBRAND&csrStatus=1&dcvStatus=2&ovCallbackStatus=-1" +
					"&organizationValidationStatus=0&freeDVUPStatus=-1&evClickThroughStatus=-1&brandValStatus=2&caaStatus=Awaiting+Completion\n")
			},
			want: &collectssl.Result{Status: 0, CertificateStatus: "Awaiting Validation", ValidationStatus: "Awaiting Brand Validation",
				MDCDomainDetails:  []collectssl.DomainStatus{{"example.com", "VALIDATED"}, {"www.example.com", "NOTVALIDATED"}},
				MDCDomainDetails2: []collectssl.DomainStatus{{"shop.example.com", "AWAITINGBRAND"}}, StatusDetails: wantDetails, CAAStatus: "Awaiting Completion"}},
		{file: "urlencoded-caCertificate-plus-as-space.txt", req: collectssl.Request{QueryType: 1, ResponseType: 3, ResponseFormat: 1, ShowValidityPeriod: true, ShowFQDN: true},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				st := full(fx)
				st.Layout = wire.Layout{PlusAs: " "}
				return renderFixture(t, collectssl.Request{QueryType: 1, ResponseType: 3, ResponseFormat: 1, ShowValidityPeriod: true, ShowFQDN: true}, st)
			},
			want: &collectssl.Result{Status: 2, NotBefore: nbFixture, NotAfter: naFixture, FQDN: "*.example.com"}, wantLeaf: "*.example.com", wantCAs: pre2025CAs},
		{file: "urlencoded-caCertificate-raw-plus.txt", req: collectssl.Request{QueryType: 1, ResponseType: 3, ResponseFormat: 1},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				st := full(fx)
				st.Layout = wire.Layout{PlusAs: "+"}
				return renderFixture(t, collectssl.Request{QueryType: 1, ResponseType: 3, ResponseFormat: 1}, st)
			},
			want: &collectssl.Result{Status: 2}, wantLeaf: "*.example.com", wantCAs: pre2025CAs},
		{file: "urlencoded-pkcs7.txt", req: collectssl.Request{QueryType: 1, ResponseType: 2, ResponseFormat: 1},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return renderFixture(t, collectssl.Request{QueryType: 1, ResponseType: 2, ResponseFormat: 1}, full(fx))
			},
			want: &collectssl.Result{Status: 2}, wantLeaf: "*.example.com", wantCAs: pre2025CAs, wantContnr: true},
		{file: "binary-zip.bin", req: collectssl.Request{QueryType: 1, ResponseType: 0, ResponseEncoding: 1},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return renderFixture(t, collectssl.Request{QueryType: 1, ResponseType: 0, ResponseEncoding: 1}, full(fx))
			},
			want: &collectssl.Result{Status: 2}, wantLeaf: "*.example.com", wantCAs: pre2025CAs, wantContnr: true},
		{file: "binary-pkcs7.bin", req: collectssl.Request{QueryType: 1, ResponseType: 2, ResponseEncoding: 1},
			gen: func(t *testing.T, fx *fixtureChain) []byte {
				return renderFixture(t, collectssl.Request{QueryType: 1, ResponseType: 2, ResponseEncoding: 1}, full(fx))
			},
			want: &collectssl.Result{Status: 2}, wantLeaf: "*.example.com", wantCAs: pre2025CAs, wantContnr: true},
		{file: "binary-pkcs7-openssl.bin", req: collectssl.Request{QueryType: 1, ResponseType: 2, ResponseEncoding: 1},
			want: &collectssl.Result{Status: 2}, wantLeaf: "*.example.com", wantCAs: pre2025CAs, wantContnr: true},
		{file: "binary-zip-infozip.bin", req: collectssl.Request{QueryType: 1, ResponseType: 0, ResponseEncoding: 1},
			want: &collectssl.Result{Status: 2}, wantLeaf: "*.example.com", wantCAs: pre2025CAs, wantContnr: true},
	}
}

func TestResponseFixtures(t *testing.T) {
	fixtures := responseFixtures()
	if *updateResponseFixtures {
		writeResponseFixtures(t, fixtures)
	}
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", fx.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := collectssl.ParseResponse(&fx.req, fx.contentType, body)
			if fx.wantErr != nil {
				checkStatusError(t, err, fx.wantErr, fx.wantMsg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(fx.want, got, resultOpts, ignoreContainer, noExtra,
				cmpopts.IgnoreFields(collectssl.Result{}, "Certificate", "CACertificates")); diff != "" {
				t.Errorf("Result (-want +got):\n%s", diff)
			}
			var leaf string
			if got.Certificate != nil {
				leaf = got.Certificate.Subject.CommonName
			}
			if leaf != fx.wantLeaf && (fx.wantLeaf == "" || !strings.HasSuffix(leaf, fx.wantLeaf)) {
				t.Errorf("leaf: got %q, want %q", leaf, fx.wantLeaf)
			}
			var cas []string
			for _, c := range got.CACertificates {
				cas = append(cas, c.Subject.CommonName)
			}
			if diff := cmp.Diff(fx.wantCAs, cas); diff != "" {
				t.Errorf("CAs (-want +got):\n%s", diff)
			}
			if (got.Container != nil) != fx.wantContnr {
				t.Errorf("Container: got %d bytes, want one: %v", len(got.Container), fx.wantContnr)
			}
		})
	}
}

// writeResponseFixtures regenerates every fixture: ours through wire, the
// others with openssl and zip run on the same chain.
func writeResponseFixtures(t *testing.T, fixtures []responseFixture) {
	c, err := certgen.New(certgen.Options{Shape: certgen.Pre2025, KeyType: certgen.ECDSA, Now: fixtureNow,
		Domains: []string{"*.example.com", "example.com"}, Serials: certgen.SequentialSerials})
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixtureChain{c: c}
	fx.leaf, fx.cas = certsDER(c)
	fx.full, fx.fullLeaf = fullLinesPKCS7(t, c)
	for _, f := range fixtures {
		if f.gen == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join("testdata", f.file), f.gen(t, fx), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The external producers work on the chain as PEM files, root-first.
	dir := t.TempDir()
	var chainPEM []byte
	names := []string{"AAACertificateServices.crt", "USERTrustECCAAACA.crt", "SectigoECCDomainValidationSecureServerCA.crt", "STAR_example_com.crt"}
	for i, c := range c.Served() {
		p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
		chainPEM = append(chainPEM, p...)
		if err := os.WriteFile(filepath.Join(dir, names[i]), p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	chainFile := filepath.Join(dir, "chain.pem")
	if err := os.WriteFile(chainFile, chainPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) []byte {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
		}
		return out
	}
	nseq := run("openssl", "nseq", "-toseq", "-in", "chain.pem")
	write := func(file string, b []byte) {
		if err := os.WriteFile(filepath.Join("testdata", file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("lines-rt1-netscape-openssl.txt", append([]byte("2\n"), nseq...))
	write("binary-pkcs7-openssl.bin", run("openssl", "crl2pkcs7", "-nocrl", "-certfile", "chain.pem", "-outform", "DER"))
	run("zip", "-X", "-q", "STAR_example_com.zip", names[0], names[1], names[2], names[3])
	b, err := os.ReadFile(filepath.Join(dir, "STAR_example_com.zip"))
	if err != nil {
		t.Fatal(err)
	}
	write("binary-zip-infozip.bin", b)
}

// fullLinesPKCS7 returns a PKCS#7 of the chain with a further leaf
// (a.example.com, a.a.example.com, ...) whose DER length is a multiple of 48,
// so its base64 fills whole 64-character lines.
func fullLinesPKCS7(t *testing.T, c *certgen.Chain) ([]byte, *x509.Certificate) {
	_, cas := certsDER(c)
	name := "a.example.com"
	for i := 0; i < 400; i++ {
		l, _, err := c.IssueLeaf(certgen.LeafOptions{Domains: []string{name}, Now: fixtureNow})
		if err != nil {
			t.Fatal(err)
		}
		der, err := wire.PKCS7(append(append([][]byte{}, cas...), l.Raw))
		if err != nil {
			t.Fatal(err)
		}
		if len(der)%48 == 0 {
			return der, l
		}
		if i%2 == 1 {
			name = "a" + name
		}
	}
	t.Fatal("no PKCS#7 of a length that is a multiple of 48")
	return nil, nil
}
