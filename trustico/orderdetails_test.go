// This file holds the tests of collection (GetOrderDetails to a
// collectssl.Bundle for each encoding and chain shape), of the lenient date
// reader, of the envelope decoder's leniencies and of the tables.

package trustico_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/trustico"
	"github.com/collectssl/collectssl/trusticotest"
)

func pemOf(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

func TestOrderDetailsToBundle(t *testing.T) {
	s, c := newServer(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		encoding trusticotest.Encoding
		shape    trusticotest.Shape
	}{
		{"PEM/2025", trusticotest.PEM, trusticotest.Shape2025},
		{"base64/2025", trusticotest.Base64, trusticotest.Shape2025},
		{"PKCS#7/2025", trusticotest.PKCS7, trusticotest.Shape2025},
		{"PEM/pre-2025", trusticotest.PEM, trusticotest.Pre2025},
		{"PKCS#7/test root", trusticotest.PKCS7, trusticotest.TestRoot},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := s.AddOrder(trusticotest.Order{Encoding: tc.encoding, Shape: tc.shape, Domains: []string{"shop.example.test"}})
			d, err := c.GetOrderDetails(ctx, o.Reference)
			if err != nil {
				t.Fatal(err)
			}
			if d.CertificateStatus != "Active" || d.TestMode {
				t.Errorf("CertificateStatus %q, TestMode %v", d.CertificateStatus, d.TestMode)
			}
			if !d.NotBefore.Equal(o.Leaf.NotBefore) || !d.NotAfter.Equal(o.Leaf.NotAfter) {
				t.Errorf("dates %v %v (raw %q %q), want %v %v", d.NotBefore, d.NotAfter, d.CertificateStartDate, d.CertificateExpiryDate, o.Leaf.NotBefore, o.Leaf.NotAfter)
			}
			b, err := d.Bundle()
			if err != nil {
				t.Fatal(err)
			}
			// The same files a CollectSSL collection writes.
			wantIntermediates := o.CAs
			var wantRoot *x509.Certificate
			if last := o.CAs[len(o.CAs)-1]; bytes.Equal(last.RawIssuer, last.RawSubject) {
				wantIntermediates, wantRoot = o.CAs[:len(o.CAs)-1], last
			}
			if !bytes.Equal(b.CertPEM(), pemOf(o.Leaf)) {
				t.Errorf("CertPEM is not the order's leaf")
			}
			if !bytes.Equal(b.ChainPEM(), pemOf(wantIntermediates...)) {
				t.Errorf("ChainPEM: %d intermediates, want %d", len(b.Intermediates), len(wantIntermediates))
			}
			if !bytes.Equal(b.FullChainPEM(), append(pemOf(o.Leaf), pemOf(wantIntermediates...)...)) {
				t.Errorf("FullChainPEM differs")
			}
			if wantRoot != nil && !bytes.Equal(b.RootPEM(), pemOf(wantRoot)) {
				t.Errorf("RootPEM differs")
			}
			if _, err := b.PKCS7(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestOrderDetailsBeforeIssue(t *testing.T) {
	s, c := newServer(t)
	o := s.AddOrder(trusticotest.Order{Status: trustico.StatusProcessing})
	d, err := c.GetOrderDetails(context.Background(), o.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Bundle(); !errors.Is(err, collectssl.ErrNoCertificates) {
		t.Errorf("Bundle of an order in processing: %v, want ErrNoCertificates", err)
	}
	s.SetOrderStatus(o.Reference, trustico.StatusCompleted)
	if d, err = c.GetOrderDetails(context.Background(), o.Reference); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Bundle(); err != nil {
		t.Errorf("Bundle once completed: %v", err)
	}
}

func TestOrderDetailsFieldForms(t *testing.T) {
	s, c := newServer(t)
	ref := s.AddOrder(trusticotest.Order{}).Reference
	issued, _ := s.Order(ref)
	leafPEM, casPEM := string(pemOf(issued.Leaf)), string(pemOf(issued.CAs...))
	escaped := func(p string) string { return string(bytes.ReplaceAll([]byte(p), []byte("\n"), []byte(`\n`))) }
	for name, raw := range map[string]trusticotest.RawDetails{
		"PEM with CRLF":             {Certificate: string(bytes.ReplaceAll([]byte(leafPEM), []byte("\n"), []byte("\r\n"))), IntermediateCAs: casPEM},
		"escaped line breaks":       {Certificate: escaped(leafPEM), IntermediateCAs: escaped(casPEM)},
		"everything in Certificate": {Certificate: leafPEM + casPEM},
		"base64 leaf, PEM CAs":      {Certificate: base64.StdEncoding.EncodeToString(issued.Leaf.Raw), IntermediateCAs: casPEM},
	} {
		o := s.AddOrder(trusticotest.Order{Details: &raw, Status: trustico.StatusCompleted, Leaf: issued.Leaf})
		d, err := c.GetOrderDetails(context.Background(), o.Reference)
		if err != nil {
			t.Fatal(err)
		}
		b, err := d.Bundle()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !b.Leaf.Equal(issued.Leaf) || len(b.Intermediates) != len(issued.CAs)-1 {
			t.Errorf("%s: leaf %v, %d intermediates", name, b.Leaf.Subject, len(b.Intermediates))
		}
	}
	bad := s.AddOrder(trusticotest.Order{Details: &trusticotest.RawDetails{Certificate: "not a certificate"}, Leaf: issued.Leaf})
	d, err := c.GetOrderDetails(context.Background(), bad.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Certificates(); !errors.Is(err, collectssl.ErrMalformedContainer) {
		t.Errorf("garbage: %v, want ErrMalformedContainer", err)
	}
}

func TestParseDate(t *testing.T) {
	utc := func(y int, m time.Month, d, hh, mm, ss int) time.Time {
		return time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
	}
	for in, want := range map[string]time.Time{
		"2025-03-04":                utc(2025, 3, 4, 0, 0, 0),
		"2025-03-04 23:59:59":       utc(2025, 3, 4, 23, 59, 59),
		"2025-03-04T10:00:00Z":      utc(2025, 3, 4, 10, 0, 0),
		"2025-03-04T12:00:00+02:00": utc(2025, 3, 4, 10, 0, 0),
		"25/03/2025":                utc(2025, 3, 25, 0, 0, 0),
		"03/25/2025":                utc(2025, 3, 25, 0, 0, 0),
		"25/03/2025 08:30":          utc(2025, 3, 25, 8, 30, 0),
		"25.03.2025":                utc(2025, 3, 25, 0, 0, 0),
		"04/04/2025":                utc(2025, 4, 4, 0, 0, 0),
		"4 Mar 2025":                utc(2025, 3, 4, 0, 0, 0),
		"Mar 4, 2025":               utc(2025, 3, 4, 0, 0, 0),
		" 1741046400 ":              utc(2025, 3, 4, 0, 0, 0),
	} {
		got, ok := trustico.ParseDate(in)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "03/04/2025", "13/13/2025", "soon", "2025-02-30", "1/2/25"} {
		if got, ok := trustico.ParseDate(in); ok {
			t.Errorf("ParseDate(%q) = %v, want no date", in, got)
		}
	}
}

func TestDecodeResponseLeniency(t *testing.T) {
	var b trustico.Balance
	for _, body := range []string{
		`{"SuccessCode":1,"CurrentBalance":"$5"}`,
		`[{"SuccessCode":1,"CurrentBalance":"$5"}]`,
		`{"SuccessCode":"1","CurrentBalance":"$5"}`,
		"\ufeff {\"successcode\":1,\"currentbalance\":\"$5\"}",
	} {
		b = trustico.Balance{}
		if err := trustico.DecodeResponse("GetBalance", []byte(body), &b); err != nil || b.CurrentBalance != "$5" || b.SuccessCode != 1 {
			t.Errorf("%s: %+v, %v", body, b, err)
		}
	}
	for body, want := range map[string]error{
		`{"SuccessCode":0,"ErrorMsg":"1009 Certificate not found"}`: trustico.ErrCertificateNotFound,
		`[{"SuccessCode":0,"Errormsg":["x","1002"]}]`:               trustico.ErrExecution,
		`{"SuccessCode":0,"ErrorMSG":null}`:                         nil,
		`{"SuccessCode":0,"ErrorMsg":[1003]}`:                       trustico.ErrMalformedResponse,
		`{"SuccessCode":2}`:                                         trustico.ErrMalformedResponse,
		`{"SuccessCode":true}`:                                      trustico.ErrMalformedResponse,
		`{}`:                                                        trustico.ErrMalformedResponse,
		`[]`:                                                        trustico.ErrMalformedResponse,
		`[{"SuccessCode":1},{"SuccessCode":1}]`:                     trustico.ErrMalformedResponse,
		`"SuccessCode"`:                                             trustico.ErrMalformedResponse,
		`{"SuccessCode":1,"CurrentBalance":5}`:                      trustico.ErrMalformedResponse,
		`{"SuccessCode":1,"successCode":1}`:                         trustico.ErrMalformedResponse,
		`<html>`:                                                    trustico.ErrMalformedResponse,
		`{"SuccessCode":0,"ErrorMsg":["API working in test mode.","x"]}`: nil,
	} {
		err := trustico.DecodeResponse("GetBalance", []byte(body), &trustico.Balance{})
		var e *trustico.Error
		switch {
		case err == nil:
			t.Errorf("%s: no error", body)
		case want == nil && !errors.As(err, &e):
			t.Errorf("%s: %v, want an *Error", body, err)
		case want != nil && !errors.Is(err, want):
			t.Errorf("%s: %v, want %v", body, err, want)
		}
	}
	// The marker wherever it is, escaped or nested.
	for _, body := range []string{
		`{"SuccessCode":1,"Mode":"API working in test mode."}`,
		`{"SuccessCode":1,"Notes":{"x":["Note: API working in test mode. Orders are frozen"]}}`,
		`{"SuccessCode":1,"Mode":"API\u0020working in test mode\u002e"}`,
		`{"SuccessCode":1,"API working in test mode.":true}`,
	} {
		var r trustico.Result
		if err := trustico.DecodeResponse("Hello", []byte(body), &r); err != nil || !r.TestMode {
			t.Errorf("%s: TestMode %v, %v", body, r.TestMode, err)
		}
	}
}

func TestTables(t *testing.T) {
	for _, s := range []string{"Partially paid", "Partially Paid", " partially PAID "} {
		if got, ok := trustico.ParseOrderStatus(s); !ok || got != trustico.StatusPartiallyPaid {
			t.Errorf("ParseOrderStatus(%q) = %q, %v", s, got, ok)
		}
	}
	if len(trustico.OrderStatuses) != 8 {
		t.Errorf("%d statuses, want 8", len(trustico.OrderStatuses))
	}
	if len(trustico.Products) != 18 {
		t.Errorf("%d products, want 18", len(trustico.Products))
	}
	p, ok := trustico.LookupProduct(1022)
	if !ok || p.Name != "Comodo SSL MultiDomain" || p.Reissuance != "YES" || p.FreeSANs != 2 || p.MaxSANIndividual != 248 || !p.SANWildcard || p.SANPack {
		t.Errorf("product 1022 = %+v", p)
	}
	if p, _ := trustico.LookupProduct(1041); p.MinMonths != 1 || p.MaxMonths != 1 || p.Validation != "EV" {
		t.Errorf("product 1041 = %+v", p)
	}
	var live []string
	for _, m := range trustico.Methods {
		if !m.TestMode {
			live = append(live, m.Name)
		}
	}
	if len(trustico.Methods) != 17 || len(live) != 4 {
		t.Errorf("%d methods, LIVE only %v; want 17 and ResendEmail, ChangeApproverEmail, Reissue, CancelOrder", len(trustico.Methods), live)
	}
}
