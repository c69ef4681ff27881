// This file holds the tests of ParseURLEncoded: every key, repeated and
// duplicate keys, unknown keys, and base64 values that survived (or not)
// careless URL encoding.

package collectssl_test

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/wire"
	"github.com/google/go-cmp/cmp"
)

func TestParseURLEncoded(t *testing.T) {
	nb := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	na := time.Date(2026, 3, 14, 23, 59, 59, 0, time.UTC)
	details := &collectssl.StatusDetails{CSR: 1, DCV: 1, OVCallback: -1, OrganizationValidation: 2, FreeDVUP: -1, EVClickThrough: -1, BrandValidation: 1}
	const allDetails = "&csrStatus=1&dcvStatus=1&ovCallBackStatus=-1&organizationValidationStatus=2&freeDVUPStatus=-1&evClickThroughStatus=-1&brandValStatus=1"
	tests := []struct {
		name string
		body string
		want *collectssl.Result
	}{
		{"status only", "errorCode=0", &collectssl.Result{Status: 0}},
		{"every text key", "errorCode=1&notBefore=1741910400&notAfter=1773532799&fqdn=www.example.com" +
			"&certificateStatus=Issued&validationStatus=Awaiting+Legal%20Documents&mdcDomainDetails=a.example+VALIDATED%2C+b.example+NOTVALIDATED" +
			"&mdcDomainDetails2=c.example+AWAITINGBRAND" + allDetails + "&caaStatus=Not+Authorized",
			&collectssl.Result{Status: 1, NotBefore: nb, NotAfter: na, FQDN: "www.example.com", CertificateStatus: "Issued",
				ValidationStatus: "Awaiting Legal Documents", MDCDomainDetails: []collectssl.DomainStatus{{"a.example", "VALIDATED"}, {"b.example", "NOTVALIDATED"}},
				MDCDomainDetails2: []collectssl.DomainStatus{{"c.example", "AWAITINGBRAND"}}, StatusDetails: details, CAAStatus: "Not Authorized"}},
		{"macDomainDetails typo", "errorCode=0&macDomainDetails=a.example+VALIDATED",
			&collectssl.Result{Status: 0, MDCDomainDetails: []collectssl.DomainStatus{{"a.example", "VALIDATED"}}}},
		{"ovCallbackStatus with a small b, keys in other case", "ERRORCODE=0&ovCallbackStatus=2&CsrStatus=1",
			&collectssl.Result{Status: 0, StatusDetails: &collectssl.StatusDetails{CSR: 1, DCV: -1, OVCallback: 2, OrganizationValidation: -1, FreeDVUP: -1, EVClickThrough: -1, BrandValidation: -1}}},
		{"errorItem, orderNumber, certificateID and unknown keys to Extra", "errorCode=0&errorItem=x&orderNumber=1234&certificateID=5678&newKey%21=v+w",
			&collectssl.Result{Status: 0, Extra: url.Values{"errorItem": {"x"}, "orderNumber": {"1234"}, "certificateID": {"5678"}, "newKey!": {"v w"}}}},
		{"duplicate scalar: the first wins, the rest to Extra", "errorCode=1&fqdn=a.example&fqdn=b.example&errorCode=2",
			&collectssl.Result{Status: 1, FQDN: "a.example", Extra: url.Values{"fqdn": {"b.example"}, "errorCode": {"2"}}}},
		{"errorMessage with a non-negative code kept", "errorCode=0&errorMessage=odd",
			&collectssl.Result{Status: 0, Extra: url.Values{"errorMessage": {"odd"}}}},
		{"unparseable integers to Extra", "errorCode=1&notBefore=yesterday&csrStatus=done",
			&collectssl.Result{Status: 1, Extra: url.Values{"notBefore": {"yesterday"}, "csrStatus": {"done"}}}},
		{"broken escape in a text value kept as sent", "errorCode=1&fqdn=a%zz.example", &collectssl.Result{Status: 1, FQDN: "a%zz.example"}},
		{"trailing newline, empty pairs, BOM", "\ufefferrorCode=1&&fqdn=a.example&\r\n", &collectssl.Result{Status: 1, FQDN: "a.example"}},
		{"errorCode with spaces", "errorCode=+2+", &collectssl.Result{Status: 2}},
		{"unknown status 3 still read", "errorCode=3&fqdn=a.example", &collectssl.Result{Status: 3, FQDN: "a.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collectssl.ParseURLEncoded([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, resultOpts); diff != "" {
				t.Errorf("Result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseURLEncodedErrors(t *testing.T) {
	tests := []struct {
		name, body, field string
	}{
		{"empty", "", "errorCode"},
		{"no errorCode", "fqdn=a.example", "errorCode"},
		{"errorCode not an integer", "errorCode=two", "errorCode"},
		{"certificate not base64", "errorCode=2&certificate=%%%", "certificate"},
		{"certificate base64 of junk", "errorCode=2&certificate=QUFBQQ%3D%3D", "certificate"},
		{"pkcs7 of junk", "errorCode=2&pkcs7=QUFBQQ", "pkcs7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collectssl.ParseURLEncoded([]byte(tt.body))
			var pe *collectssl.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, %v; want a *ParseError", got, err)
			}
			checkErrorKind(t, err)
			if pe.Field != tt.field {
				t.Errorf("Field: got %q, want %q", pe.Field, tt.field)
			}
		})
	}
	// A negative status wins over certificate data that would not decode.
	_, err := collectssl.ParseURLEncoded([]byte("certificate=%%%&errorCode=-16&errorMessage=Permission+denied%21"))
	if !errors.Is(err, collectssl.ErrPermissionDenied) {
		t.Errorf("got %v, want ErrPermissionDenied", err)
	}
}

// TestParseURLEncodedBase64Survives: a '+' of base64 sent as %2B, raw, as a
// space, or as %20 decodes to the same certificate.
func TestParseURLEncodedBase64Survives(t *testing.T) {
	c := sharedChain(t, certgen.Pre2025, certgen.RSA)
	leaf, cas := certsDER(c)
	if !strings.Contains(base64.StdEncoding.EncodeToString(leaf), "+") {
		t.Skip("generated leaf has no '+' in its base64")
	}
	req := &collectssl.Request{QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual, ResponseFormat: collectssl.FormatURLEncoded}
	want := &collectssl.Result{Status: 2, Certificate: c.Leaf, CACertificates: []*x509.Certificate{c.Root, c.Cross, c.Issuing}}
	for _, plus := range []string{"", "+", " ", "%20"} {
		t.Run("plus as "+plus, func(t *testing.T) {
			_, body := render(t, req, wire.State{Status: 2, Leaf: leaf, CAs: cas, Layout: wire.Layout{PlusAs: plus}})
			got, err := collectssl.ParseURLEncoded(body)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, resultOpts); diff != "" {
				t.Errorf("Result (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unpadded, unescaped slashes, line breaks", func(t *testing.T) {
		s := base64.StdEncoding.EncodeToString(leaf)
		s = strings.TrimRight(s, "=")
		s = s[:100] + "%0D%0A" + s[100:]
		got, err := collectssl.ParseURLEncoded([]byte("errorCode=2&certificate=" + s))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&collectssl.Result{Status: 2, Certificate: c.Leaf}, got, resultOpts); diff != "" {
			t.Errorf("Result (-want +got):\n%s", diff)
		}
	})
	t.Run("leaf sent as caCertificate: found by content", func(t *testing.T) {
		esc := func(der []byte) string { return url.QueryEscape(base64.StdEncoding.EncodeToString(der)) }
		body := "errorCode=2&caCertificate=" + esc(leaf) + "&caCertificate=" + esc(cas[2]) + "&certificate=" + esc(cas[0])
		got, err := collectssl.ParseURLEncoded([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		want := &collectssl.Result{Status: 2, Certificate: c.Leaf, CACertificates: []*x509.Certificate{c.Issuing, c.Root}}
		if diff := cmp.Diff(want, got, resultOpts); diff != "" {
			t.Errorf("Result (-want +got):\n%s", diff)
		}
	})
}

// TestParseURLEncodedContainers: zipFile, netscapeCertificateSequence and
// pkcs7 values; a second container is kept in Extra.
func TestParseURLEncodedContainers(t *testing.T) {
	c := sharedChain(t, certgen.Shape2025, certgen.ECDSA)
	leaf, cas := certsDER(c)
	for _, rt := range []collectssl.ResponseType{collectssl.ResponseZIP, collectssl.ResponseNetscapeSequence, collectssl.ResponsePKCS7} {
		t.Run(rt.String(), func(t *testing.T) {
			req := &collectssl.Request{QueryType: collectssl.QueryCertificateAndChain, ResponseType: rt, ResponseFormat: collectssl.FormatURLEncoded}
			_, body := render(t, req, wire.State{Status: 2, Leaf: leaf, CAs: cas})
			got, err := collectssl.ParseURLEncoded(body)
			if err != nil {
				t.Fatal(err)
			}
			container, err := wireContainer(rt, append(append([][]byte{}, cas...), leaf))
			if err != nil {
				t.Fatal(err)
			}
			want := &collectssl.Result{Status: 2, Certificate: c.Leaf, CACertificates: []*x509.Certificate{c.Root, c.Cross, c.Issuing}, Container: container}
			if diff := cmp.Diff(want, got, resultOpts); diff != "" {
				t.Errorf("Result (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("second container kept", func(t *testing.T) {
		p7, _ := wire.PKCS7([][]byte{leaf})
		v := url.QueryEscape(base64.StdEncoding.EncodeToString(p7))
		got, err := collectssl.ParseURLEncoded([]byte("errorCode=2&pkcs7=" + v + "&zipFile=abc"))
		if err != nil {
			t.Fatal(err)
		}
		want := &collectssl.Result{Status: 2, Certificate: c.Leaf, Container: p7, Extra: url.Values{"zipFile": {"abc"}}}
		if diff := cmp.Diff(want, got, resultOpts); diff != "" {
			t.Errorf("Result (-want +got):\n%s", diff)
		}
	})
}

// TestParseURLEncodedFieldRules: one rule for every field of format 1. A
// trailing encoded space is layout wherever the field stands; errorItem is
// matched in any case, like every other key; a second container is kept in
// Extra decoded, like every other value; a UTF-16 charset in the
// Content-Type is honoured as in format 0.
func TestParseURLEncodedFieldRules(t *testing.T) {
	for _, body := range []string{
		"errorCode=0&validationStatus=Validated+&x=1",
		"errorCode=0&validationStatus=Validated+",
		"errorCode=0&validationStatus=Validated%20&x=1",
		"errorCode=0&validationStatus=Validated%20",
		"validationStatus=Validated+%09&errorCode=0",
	} {
		r, err := collectssl.ParseURLEncoded([]byte(body))
		if err != nil || r.ValidationStatus != "Validated" {
			t.Errorf("%q: ValidationStatus %q, %v; want \"Validated\"", body, r.ValidationStatus, err)
		}
	}
	if r, err := collectssl.ParseURLEncoded([]byte("errorCode=0&x=a+&y=b")); err != nil || r.Extra.Get("x") != "a" || r.Extra.Get("y") != "b" {
		t.Errorf("unknown keys: %v, %v; want x=a and y=b", r.Extra, err)
	}

	for _, key := range []string{"errorItem", "ERRORITEM", "erroritem"} {
		_, err := collectssl.ParseURLEncoded([]byte("errorCode=-3&errorMessage=Argument+missing!&" + key + "=orderNumber"))
		var se *collectssl.StatusError
		if !errors.As(err, &se) || se.Argument != "orderNumber" {
			t.Errorf("%s: got %v, want a StatusError with Argument orderNumber", key, err)
		}
	}

	tm := sharedChain(t, certgen.TestMode, certgen.ECDSA)
	p7 := base64.StdEncoding.EncodeToString(encPKCS7(p7opts{}, tm.Root.Raw, tm.Leaf.Raw))
	second := "AB%2BCD EF%3D"
	r, err := collectssl.ParseURLEncoded([]byte("errorCode=2&pkcs7=" + url.QueryEscape(p7) + "&PKCS7=" + second))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Extra["PKCS7"]; len(got) != 1 || got[0] != "AB+CD+EF=" {
		t.Errorf("second container in Extra = %q, want the base64 text \"AB+CD+EF=\"", got)
	}

	utf16le := func(s string) []byte {
		var b []byte
		for _, u := range utf16.Encode([]rune(s)) {
			b = append(b, byte(u), byte(u>>8))
		}
		return b
	}
	body := utf16le("errorCode=0&fqdn=www.example.com&caaStatus=Autoris%C3%A9")
	for _, req := range []*collectssl.Request{nil, {OrderNumber: "1", ResponseFormat: collectssl.FormatURLEncoded}} {
		r, err := collectssl.ParseResponse(req, "application/x-www-form-urlencoded; charset=utf-16le", body)
		if err != nil || r.FQDN != "www.example.com" || r.CAAStatus != "Autorisé" {
			t.Errorf("UTF-16LE body: %+v, %v; want the fqdn and caaStatus read", r, err)
		}
	}
}
