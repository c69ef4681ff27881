// This file holds the golden tests of the renderers: hand-written expected
// bodies for each format and the quirks of Layout.

package wire

import (
	"archive/zip"
	"bytes"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/google/go-cmp/cmp"
	"go.mozilla.org/pkcs7"
)

var (
	nb = time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	na = time.Date(2026, 3, 14, 23, 59, 59, 0, time.UTC)
)

func TestRenderGolden(t *testing.T) {
	details := collectssl.StatusDetails{CSR: 1, DCV: 1, OVCallback: -1, OrganizationValidation: 2,
		FreeDVUP: -1, EVClickThrough: -1, BrandValidation: 1}
	tests := []struct {
		name     string
		req      collectssl.Request
		st       State
		wantType string
		want     string
	}{
		{
			name:     "lines error",
			req:      collectssl.Request{ShowExtStatus: true, ShowFQDN: true},
			st:       State{Status: -3, ErrorMessage: "The 'orderNumber' argument is missing!", CertificateStatus: "Issued"},
			wantType: "text/plain",
			want:     "-3\nThe 'orderNumber' argument is missing!\n",
		},
		{
			name: "lines status 1 every flag",
			req: collectssl.Request{ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true, ShowMDCDomainDetails: true,
				ShowMDCDomainDetails2: true, ShowStatusDetails: true},
			st: State{Status: 1, NotBefore: nb, NotAfter: na, FQDN: "www.example.com", CertificateStatus: "Issued",
				ValidationStatus: "Complete", MDCDomainDetails: []collectssl.DomainStatus{{Domain: "a.example", Status: "VALIDATED"}},
				StatusDetails: &details, CAAStatus: "Authorized"},
			wantType: "text/plain",
			want:     "1\n14/03/2025 14/03/2026\nwww.example.com\nIssued\nComplete\n1\n1\n-1\n2\n-1\n-1\n1\nAuthorized\n",
		},
		{
			name: "lines status 0 mdc details, no validity or fqdn",
			req: collectssl.Request{ShowValidityPeriod: true, ShowFQDN: true, ShowMDCDomainDetails: true,
				ShowMDCDomainDetails2: true, ShowStatusDetails: true},
			st: State{Status: 0, NotBefore: nb, NotAfter: na, FQDN: "x",
				MDCDomainDetails:  []collectssl.DomainStatus{{Domain: "a.example", Status: "VALIDATED"}, {Domain: "b.example", Status: "NOTVALIDATED"}},
				MDCDomainDetails2: []collectssl.DomainStatus{{Domain: "c.example", Status: "AWAITINGBRAND"}},
				StatusDetails:     &details},
			wantType: "text/plain",
			want:     "0\na.example VALIDATED, b.example NOTVALIDATED\n1\n1\n-1\n2\n-1\n-1\n1\nc.example AWAITINGBRAND\n",
		},
		{
			name: "lines quirks: CRLF, BOM, split validity, names, trailing spaces, no final newline",
			req:  collectssl.Request{ShowValidityPeriod: true, ShowStatusDetails: true, ResponseMIMEType: "text/x-custom"},
			st: State{Status: 1, NotBefore: nb, NotAfter: na, StatusDetails: &details,
				Layout: Layout{CRLF: true, BOM: true, SplitValidity: true, StatusDetailSep: "=", NoFinalNewline: true}},
			wantType: "text/x-custom",
			want: "\ufeff1\r\n14/03/2025\r\n14/03/2026\r\ncsrStatus=1\r\ndcvStatus=1\r\novCallbackStatus=-1\r\n" +
				"organizationValidationStatus=2\r\nfreeDVUPStatus=-1\r\nevClickThroughStatus=-1\r\nbrandValStatus=1",
		},
		{
			name:     "urlencoded error",
			req:      collectssl.Request{ResponseFormat: collectssl.FormatURLEncoded},
			st:       State{Status: -20, ErrorMessage: "The certificate request has been rejected!"},
			wantType: "application/x-www-form-urlencoded",
			want:     "errorCode=-20&errorMessage=The+certificate+request+has+been+rejected%21",
		},
		{
			name: "urlencoded status 0 every flag",
			req: collectssl.Request{ResponseFormat: collectssl.FormatURLEncoded, ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true,
				ShowMDCDomainDetails: true, ShowMDCDomainDetails2: true, ShowStatusDetails: true},
			st: State{Status: 0, CertificateStatus: "Awaiting Validation", ValidationStatus: "Awaiting Brand Validation",
				MDCDomainDetails: []collectssl.DomainStatus{{Domain: "a.example", Status: "VALIDATED"}}, StatusDetails: &details,
				CAAStatus: "Error '12'", Extra: []Field{{"orderNumber", "1234"}}},
			wantType: "application/x-www-form-urlencoded",
			want: "errorCode=0&certificateStatus=Awaiting+Validation&validationStatus=Awaiting+Brand+Validation" +
				"&mdcDomainDetails=a.example+VALIDATED&csrStatus=1&dcvStatus=1&ovCallBackStatus=-1" +
				"&organizationValidationStatus=2&freeDVUPStatus=-1&evClickThroughStatus=-1&brandValStatus=1" +
				"&mdcDomainDetails2=&caaStatus=Error+%2712%27&orderNumber=1234",
		},
		{
			name:     "urlencoded validity in unix seconds",
			req:      collectssl.Request{ResponseFormat: collectssl.FormatURLEncoded, ShowValidityPeriod: true, ShowFQDN: true},
			st:       State{Status: 1, NotBefore: nb, NotAfter: na, FQDN: "*.example.com"},
			wantType: "application/x-www-form-urlencoded",
			want:     "errorCode=1&notBefore=1741910400&notAfter=1773532799&fqdn=%2A.example.com",
		},
		{
			name:     "latin-1 message",
			req:      collectssl.Request{},
			st:       State{Status: -4, ErrorMessage: "Valeur invalide pour 'é'", Layout: Layout{Charset: "iso-8859-1"}},
			wantType: "text/plain; charset=iso-8859-1",
			want:     "-4\nValeur invalide pour '\xe9'\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, body, err := Render(&tt.req, tt.st)
			if err != nil {
				t.Fatal(err)
			}
			if ct != tt.wantType {
				t.Errorf("content type: got %q, want %q", ct, tt.wantType)
			}
			if diff := cmp.Diff(tt.want, string(body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func chainDER(t testing.TB, shape certgen.Shape) (leaf []byte, cas [][]byte) {
	t.Helper()
	c := certgen.MustNew(certgen.Options{Shape: shape, KeyType: certgen.RSA, Domains: []string{"*.example.com"}, Now: nb})
	served := c.Served()
	for _, s := range served[:len(served)-1] {
		cas = append(cas, s.Raw)
	}
	return served[len(served)-1].Raw, cas
}

func pemOf(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestRenderCertificatesGolden(t *testing.T) {
	leaf, cas := chainDER(t, certgen.Pre2025)
	b64 := base64.StdEncoding.EncodeToString
	esc := func(der []byte) string {
		return strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(b64(der))
	}
	tests := []struct {
		name string
		req  collectssl.Request
		st   State
		want string
	}{
		{
			name: "lines rt3 qt1 with fqdn and validity: root-first PEM, leaf last",
			req:  collectssl.Request{QueryType: 1, ResponseType: 3, ShowFQDN: true, ShowValidityPeriod: true, ShowExtStatus: true},
			st:   State{Status: 2, NotBefore: nb, NotAfter: na, FQDN: "*.example.com", Leaf: leaf, CAs: cas, CertificateStatus: "Issued", ValidationStatus: "Complete"},
			want: "2\n14/03/2025 14/03/2026\n*.example.com\n" + pemOf(cas[0]) + pemOf(cas[1]) + pemOf(cas[2]) + pemOf(leaf) + "Issued\nComplete\n",
		},
		{
			name: "lines rt3 qt2: the leaf only",
			req:  collectssl.Request{QueryType: 2, ResponseType: 3},
			st:   State{Status: 2, Leaf: leaf, CAs: cas},
			want: "2\n" + pemOf(leaf),
		},
		{
			name: "lines rt3 qt3: the CAs only, blank line after them",
			req:  collectssl.Request{QueryType: 3, ResponseType: 3, ShowExtStatus: true},
			st:   State{Status: 2, Leaf: leaf, CAs: cas, CertificateStatus: "Issued", ValidationStatus: "Complete", Layout: Layout{BlankAfterCertificates: true}},
			want: "2\n" + pemOf(cas[0]) + pemOf(cas[1]) + pemOf(cas[2]) + "\nIssued\nComplete\n",
		},
		{
			name: "urlencoded rt3 qt1: caCertificate repeated root-first, then certificate",
			req:  collectssl.Request{QueryType: 1, ResponseType: 3, ResponseFormat: 1},
			st:   State{Status: 2, Leaf: leaf, CAs: cas},
			want: "errorCode=2&caCertificate=" + esc(cas[0]) + "&caCertificate=" + esc(cas[1]) + "&caCertificate=" + esc(cas[2]) + "&certificate=" + esc(leaf),
		},
		{
			name: "urlencoded rt3 plus sent raw",
			req:  collectssl.Request{QueryType: 2, ResponseType: 3, ResponseFormat: 1},
			st:   State{Status: 2, Leaf: leaf, Layout: Layout{PlusAs: "+"}},
			want: "errorCode=2&certificate=" + strings.NewReplacer("/", "%2F", "=", "%3D").Replace(b64(leaf)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body, err := Render(&tt.req, tt.st)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRenderContainers checks the containers by taking them apart with other
// code: archive/zip, encoding/asn1, go.mozilla.org/pkcs7.
func TestRenderContainers(t *testing.T) {
	leaf, cas := chainDER(t, certgen.Pre2025)
	all := append(append([][]byte{}, cas...), leaf)

	t.Run("netscape", func(t *testing.T) {
		b, err := NetscapeSequence(all)
		if err != nil {
			t.Fatal(err)
		}
		var seq struct {
			Type  asn1.ObjectIdentifier
			Certs []asn1.RawValue `asn1:"explicit,tag:0"`
		}
		if rest, err := asn1.Unmarshal(b, &seq); err != nil || len(rest) != 0 {
			t.Fatalf("asn1.Unmarshal: %v, %d bytes left", err, len(rest))
		}
		if !seq.Type.Equal(oidNetscapeCertSequence) {
			t.Errorf("OID: got %v, want %v", seq.Type, oidNetscapeCertSequence)
		}
		var got [][]byte
		for _, c := range seq.Certs {
			got = append(got, c.FullBytes)
		}
		if diff := cmp.Diff(all, got); diff != "" {
			t.Errorf("certificates (-want +got):\n%s", diff)
		}
	})
	t.Run("pkcs7", func(t *testing.T) {
		b, err := PKCS7(all)
		if err != nil {
			t.Fatal(err)
		}
		p, err := pkcs7.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		var got [][]byte
		for _, c := range p.Certificates {
			got = append(got, c.Raw)
		}
		if diff := cmp.Diff(all, got); diff != "" {
			t.Errorf("certificates (-want +got):\n%s", diff)
		}
	})
	t.Run("zip", func(t *testing.T) {
		_, body, err := Render(&collectssl.Request{QueryType: 1, ResponseType: 0, ResponseEncoding: collectssl.EncodingBinary}, State{Status: 2, Leaf: leaf, CAs: cas})
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		var names []string
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			got[f.Name] = string(b)
			names = append(names, f.Name)
		}
		wantNames := []string{"TestAAACertificateServices.crt", "TestUSERTrustRSACertificationAuthority.crt",
			"TestSectigoRSADomainValidationSecureServerCA.crt", "STAR_example_com.crt", "STAR_example_com.ca-bundle"}
		if diff := cmp.Diff(wantNames, names); diff != "" {
			t.Errorf("entry names (-want +got):\n%s", diff)
		}
		want := map[string]string{
			wantNames[0]: pemOf(cas[0]), wantNames[1]: pemOf(cas[1]), wantNames[2]: pemOf(cas[2]),
			wantNames[3]: pemOf(leaf), wantNames[4]: pemOf(cas[0]) + pemOf(cas[1]) + pemOf(cas[2]),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("entries (-want +got):\n%s", diff)
		}
	})
	t.Run("base64 wrap widths", func(t *testing.T) {
		p7, err := PKCS7(all)
		if err != nil {
			t.Fatal(err)
		}
		s := base64.StdEncoding.EncodeToString(p7)
		for _, w := range []int{0, 76, 70, -1} {
			_, body, err := Render(&collectssl.Request{QueryType: 1, ResponseType: 2}, State{Status: 2, Container: p7, Layout: Layout{Wrap: w}})
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
			if lines[0] != "2" {
				t.Fatalf("wrap %d: status line %q", w, lines[0])
			}
			width := map[int]int{0: 64, -1: len(s)}[w]
			if width == 0 {
				width = w
			}
			for i, l := range lines[1 : len(lines)-1] {
				if len(l) != width {
					t.Errorf("wrap %d: line %d is %d characters, want %d", w, i+2, len(l), width)
				}
			}
			if got := strings.Join(lines[1:], ""); got != s {
				t.Errorf("wrap %d: base64 differs", w)
			}
		}
	})
}

func TestRenderInvalid(t *testing.T) {
	leaf, _ := chainDER(t, certgen.TestMode)
	tests := []struct {
		name string
		req  *collectssl.Request
		st   State
	}{
		{"status 2 with queryType 0", &collectssl.Request{}, State{Status: 2, Leaf: leaf}},
		{"binary netscape", &collectssl.Request{QueryType: 1, ResponseType: 1, ResponseEncoding: 1}, State{Status: 2, Leaf: leaf}},
		{"enum out of range", &collectssl.Request{QueryType: 4}, State{Status: 1}},
		{"unknown charset", &collectssl.Request{}, State{Status: 1, Layout: Layout{Charset: "no-such-charset"}}},
		{"nil request", nil, State{Status: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Render(tt.req, tt.st)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
		})
	}
}
