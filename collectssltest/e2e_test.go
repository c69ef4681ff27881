// This file tests the server end to end with the Client: every combination
// of query type, response type, encoding and format that Request.Validate
// accepts, for issued orders of every chain shape and key type; every order
// state as the right typed error; IssueAfterPolls with Client.Wait; the
// layout quirks.

package collectssltest_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
	"github.com/google/go-cmp/cmp"
)

// raws returns the DER of certs, deduplicated in order of first appearance
// (a ZIP repeats its CA certificates in the .ca-bundle).
func raws(certs []*x509.Certificate) [][]byte {
	var out [][]byte
	for _, c := range certs {
		dup := false
		for _, r := range out {
			if bytes.Equal(r, c.Raw) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c.Raw)
		}
	}
	return out
}

// combinations returns every request shape Validate accepts, for orderNumber.
func combinations(orderNumber string, flags bool) []*collectssl.Request {
	var out []*collectssl.Request
	for qt := collectssl.QueryStatus; qt <= collectssl.QueryChain; qt++ {
		for rt := collectssl.ResponseZIP; rt <= collectssl.ResponseIndividual; rt++ {
			for enc := collectssl.EncodingBase64; enc <= collectssl.EncodingBinary; enc++ {
				for f := collectssl.FormatLines; f <= collectssl.FormatURLEncoded; f++ {
					r := &collectssl.Request{
						OrderNumber: orderNumber,
						QueryType:   qt, ResponseType: rt, ResponseEncoding: enc, ResponseFormat: f,
						ShowValidityPeriod: flags, ShowFQDN: flags, ShowExtStatus: flags,
						ShowMDCDomainDetails: flags, ShowMDCDomainDetails2: flags, ShowStatusDetails: flags,
					}
					if r.Validate() == nil {
						out = append(out, r)
					}
				}
			}
		}
	}
	return out
}

func name(r *collectssl.Request) string {
	return fmt.Sprintf("q%d_t%d_e%d_f%d", r.QueryType, r.ResponseType, r.ResponseEncoding, r.ResponseFormat)
}

func TestCollectMatrix(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	if n := len(combinations("1", false)); n != 24 {
		t.Fatalf("Validate accepts %d combinations, want 24 (8 for queryType 0, 12 for 1, 2 each for 2 and 3)", n)
	}
	for _, shape := range []collectssltest.Shape{collectssltest.ShapeTestMode, collectssltest.ShapePre2025, collectssltest.Shape2025} {
		for _, kt := range []collectssltest.KeyType{collectssltest.KeyECDSA, collectssltest.KeyRSA} {
			o := srv.AddOrder(collectssltest.Order{
				Shape: shape, KeyType: kt,
				Domains:   []string{"www.example.test", "example.test"},
				CAAStatus: "Authorized",
			})
			want := 4
			if shape == collectssltest.ShapeTestMode {
				want = 2
			}
			if got := len(o.Chain); got != want || !o.Chain[got-1].Equal(o.Leaf) || len(o.CACertificates) != want-1 {
				t.Fatalf("%v %v: chain of %d certificates, want %d ending in the leaf", shape, kt, got, want)
			}
			for _, flags := range []bool{false, true} {
				for _, req := range combinations(o.OrderNumber, flags) {
					t.Run(fmt.Sprintf("%v/%v/flags=%v/%s", shape, kt, flags, name(req)), func(t *testing.T) {
						res, err := client.Collect(ctx, req)
						if err != nil {
							t.Fatalf("Collect: %v", err)
						}
						checkIssued(t, req, o, res)
						if req.QueryType == collectssl.QueryCertificateAndChain {
							checkBundle(t, o, res)
						}
					})
				}
			}
		}
	}
	if n := srv.Overlap(); n != 0 {
		t.Errorf("Overlap() = %d, want 0", n)
	}
}

// checkIssued compares res with what an issued order must give for req.
func checkIssued(t *testing.T, req *collectssl.Request, o collectssltest.Order, res *collectssl.Result) {
	t.Helper()
	wantStatus := collectssl.StatusAttached
	if req.QueryType == collectssl.QueryStatus {
		wantStatus = collectssl.StatusAvailable
	}
	if res.Status != wantStatus {
		t.Errorf("Status = %v, want %v", res.Status, wantStatus)
	}

	var wantLeaf []byte
	var wantCAs [][]byte
	switch req.QueryType {
	case collectssl.QueryCertificateAndChain:
		wantLeaf, wantCAs = o.Leaf.Raw, raws(o.CACertificates)
	case collectssl.QueryCertificate:
		wantLeaf = o.Leaf.Raw
	case collectssl.QueryChain:
		wantCAs = raws(o.CACertificates)
	}
	var gotLeaf []byte
	if res.Certificate != nil {
		gotLeaf = res.Certificate.Raw
	}
	if !bytes.Equal(gotLeaf, wantLeaf) {
		t.Errorf("Certificate: got %d bytes, want the order's leaf (%d bytes)", len(gotLeaf), len(wantLeaf))
	}
	if diff := cmp.Diff(wantCAs, raws(res.CACertificates)); diff != "" {
		t.Errorf("CACertificates (-want +got):\n%s", diff)
	}
	container := req.QueryType == collectssl.QueryCertificateAndChain && req.ResponseType != collectssl.ResponseIndividual
	if got := res.Container != nil; got != container {
		t.Errorf("Container present = %v, want %v", got, container)
	}

	type shown struct {
		NotBefore, NotAfter                 time.Time
		FQDN, CertStatus, ValStatus, CAA    string
		StatusDetails                       *collectssl.StatusDetails
		MDCDomainDetails, MDCDomainDetails2 []collectssl.DomainStatus
	}
	got := shown{res.NotBefore, res.NotAfter, res.FQDN, res.CertificateStatus, res.ValidationStatus, res.CAAStatus,
		res.StatusDetails, res.MDCDomainDetails, res.MDCDomainDetails2}
	// A binary answer is the bare container: nothing else is shown.
	binary := req.ResponseEncoding == collectssl.EncodingBinary
	want := shown{}
	if !binary {
		want.CAA = "Authorized"
	}
	if req.ShowValidityPeriod && !binary {
		want.NotBefore, want.NotAfter = o.NotBefore, o.NotAfter
		want.FQDN = "www.example.test"
		want.CertStatus, want.ValStatus = "Issued", "Complete"
		want.StatusDetails = &collectssl.StatusDetails{
			CSR: collectssl.ProgressCompleted, DCV: collectssl.ProgressCompleted,
			OVCallback: -1, OrganizationValidation: -1, FreeDVUP: -1, EVClickThrough: -1, BrandValidation: -1,
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("shown fields (-want +got):\n%s", diff)
	}
	if len(res.Extra) != 0 {
		t.Errorf("Extra = %v, want none", res.Extra)
	}
}

// checkBundle checks that the delivered certificates make the served chain:
// the leaf, the intermediates leaf side first, the served root.
func checkBundle(t *testing.T, o collectssltest.Order, res *collectssl.Result) {
	t.Helper()
	b, err := res.Bundle()
	if err != nil {
		t.Fatalf("Bundle: %v", err)
	}
	var wantInter [][]byte
	for i := len(o.CACertificates) - 1; i >= 1; i-- {
		wantInter = append(wantInter, o.CACertificates[i].Raw)
	}
	got := struct{ Leaf, Root []byte }{b.Leaf.Raw, nil}
	if b.Root != nil {
		got.Root = b.Root.Raw
	}
	want := struct{ Leaf, Root []byte }{o.Leaf.Raw, o.Chain[0].Raw}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Bundle leaf and root (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantInter, raws(b.Intermediates)); diff != "" {
		t.Errorf("Bundle intermediates (-want +got):\n%s", diff)
	}
}

func TestProcessing(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	details := &collectssl.StatusDetails{CSR: 1, DCV: 2, OVCallback: 0, OrganizationValidation: 2, FreeDVUP: -1, EVClickThrough: 0, BrandValidation: 2}
	o := srv.AddOrder(collectssltest.Order{
		State:             collectssltest.StateProcessing,
		Domains:           []string{"a.example.test", "b.example.test", "c.example.test"},
		CertificateStatus: "Awaiting Validation", ValidationStatus: "Awaiting Brand Validation",
		MDCDomainDetails:  []collectssl.DomainStatus{{Domain: "a.example.test", Status: "VALIDATED"}, {Domain: "b.example.test", Status: "NOTVALIDATED"}},
		MDCDomainDetails2: []collectssl.DomainStatus{{Domain: "a.example.test", Status: "VALIDATED"}, {Domain: "c.example.test", Status: "AWAITINGBRAND"}},
		StatusDetails:     details,
		CAAStatus:         "Error '42'",
	})
	defaults := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing, Domains: []string{"x.example.test", "y.example.test"}})
	for _, f := range []collectssl.ResponseFormat{collectssl.FormatLines, collectssl.FormatURLEncoded} {
		for _, q := range []collectssl.QueryType{collectssl.QueryStatus, collectssl.QueryCertificateAndChain} {
			req := &collectssl.Request{
				OrderNumber: o.OrderNumber, QueryType: q, ResponseFormat: f,
				ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true,
				ShowMDCDomainDetails: true, ShowMDCDomainDetails2: true, ShowStatusDetails: true,
			}
			res, err := srv.Client().Collect(context.Background(), req)
			if err != nil {
				t.Fatalf("format %v query %v: %v", f, q, err)
			}
			want := &collectssl.Result{
				Status:            collectssl.StatusProcessing,
				CertificateStatus: "Awaiting Validation", ValidationStatus: "Awaiting Brand Validation",
				MDCDomainDetails:  o.MDCDomainDetails,
				MDCDomainDetails2: o.MDCDomainDetails2,
				StatusDetails:     details,
				CAAStatus:         "Error '42'",
			}
			if diff := cmp.Diff(want, res, cmpResult); diff != "" {
				t.Errorf("format %v query %v (-want +got):\n%s", f, q, diff)
			}

			req.OrderNumber = defaults.OrderNumber
			res, err = srv.Client().Collect(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			want = &collectssl.Result{
				Status:            collectssl.StatusProcessing,
				CertificateStatus: "Awaiting Validation", ValidationStatus: "Awaiting Legal Documents",
				MDCDomainDetails:  []collectssl.DomainStatus{{Domain: "x.example.test", Status: "NOTVALIDATED"}, {Domain: "y.example.test", Status: "NOTVALIDATED"}},
				MDCDomainDetails2: []collectssl.DomainStatus{{Domain: "x.example.test", Status: "NOTVALIDATED"}, {Domain: "y.example.test", Status: "NOTVALIDATED"}},
				StatusDetails:     &collectssl.StatusDetails{CSR: 1, DCV: 2, OVCallback: -1, OrganizationValidation: -1, FreeDVUP: -1, EVClickThrough: -1, BrandValidation: -1},
			}
			if diff := cmp.Diff(want, res, cmpResult); diff != "" {
				t.Errorf("defaults, format %v query %v (-want +got):\n%s", f, q, diff)
			}
		}
	}
}

// cmpResult compares Results field by field, certificates by DER, an empty
// Extra like a nil one.
var cmpResult = cmp.Options{
	cmp.Comparer(func(a, b *x509.Certificate) bool {
		if a == nil || b == nil {
			return a == b
		}
		return a.Equal(b)
	}),
	cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Extra" }, cmp.Comparer(func(a, b any) bool {
		return fmt.Sprint(a) == fmt.Sprint(b) || (fmt.Sprint(a) == "map[]" && fmt.Sprint(b) == "map[]")
	})),
}

func TestOrderStatesAsErrors(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	tests := []struct {
		state    collectssltest.State
		sentinel error
		code     collectssl.StatusCode
	}{
		{collectssltest.StateRejected, collectssl.ErrRejected, collectssl.StatusRejected},
		{collectssltest.StateRevoked, collectssl.ErrRevoked, collectssl.StatusRevoked},
		{collectssltest.StateAwaitingPayment, collectssl.ErrAwaitingPayment, collectssl.StatusAwaitingPayment},
		{collectssltest.StateUnknownError, nil, collectssl.StatusUnknownError},
	}
	for _, tt := range tests {
		o := srv.AddOrder(collectssltest.Order{State: tt.state})
		for _, f := range []collectssl.ResponseFormat{collectssl.FormatLines, collectssl.FormatURLEncoded} {
			for _, enc := range []collectssl.ResponseEncoding{collectssl.EncodingBase64, collectssl.EncodingBinary} {
				req := &collectssl.Request{OrderNumber: o.OrderNumber, QueryType: collectssl.QueryCertificateAndChain,
					ResponseType: collectssl.ResponsePKCS7, ResponseEncoding: enc, ResponseFormat: f}
				res, err := srv.Client().Collect(context.Background(), req)
				var se *collectssl.StatusError
				if res != nil || tt.sentinel != nil && !errors.Is(err, tt.sentinel) || !errors.As(err, &se) || se.Code != tt.code {
					t.Errorf("%v, format %v, encoding %v: got %v, %v; want a *StatusError %d matching %v", tt.state, f, enc, res, err, tt.code, tt.sentinel)
				}
			}
		}
	}

	// Wrong credentials, and an order the server does not know.
	o := srv.AddOrder(collectssltest.Order{})
	c := srv.Client()
	c.Credentials.LoginPassword = "not the password"
	_, err := c.Collect(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber})
	if !errors.Is(err, collectssl.ErrPermissionDenied) {
		t.Errorf("wrong password: got %v, want ErrPermissionDenied", err)
	}
	_, err = srv.Client().Collect(context.Background(), &collectssl.Request{CertificateID: "123"})
	var se *collectssl.StatusError
	if !errors.As(err, &se) || se.Code != collectssl.StatusArgumentInvalid || se.Argument != "certificateID" {
		t.Errorf("unknown certificateID: got %v, want -4 naming certificateID", err)
	}
}

func TestSetCredentials(t *testing.T) {
	srv := collectssltest.NewServerWith(collectssltest.Options{
		Credentials: collectssl.Credentials{LoginName: "alice", LoginPassword: "first"},
	})
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	old := srv.Client()
	if old.Credentials.LoginName != "alice" {
		t.Fatalf("Client().Credentials.LoginName = %q, want alice", old.Credentials.LoginName)
	}
	srv.SetCredentials(collectssl.Credentials{LoginName: "alice", LoginPassword: "second"})
	if _, err := old.Collect(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber}); !errors.Is(err, collectssl.ErrPermissionDenied) {
		t.Errorf("old password: got %v, want ErrPermissionDenied", err)
	}
	res, err := srv.Client().Collect(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber})
	if err != nil || res.Status != collectssl.StatusAvailable {
		t.Errorf("new password: got %v, %v; want status 1", res, err)
	}
}

func TestIssueAfterPollsWithWait(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing, IssueAfterPolls: 3})
	req := &collectssl.Request{OrderNumber: o.OrderNumber, QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual}
	res, err := srv.Client().Wait(context.Background(), req, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != collectssl.StatusAttached || !res.Certificate.Equal(o.Leaf) {
		t.Errorf("got status %v, leaf %v; want status 2 and the order's leaf", res.Status, res.Certificate != nil)
	}
	var got []collectssl.StatusCode
	for _, c := range srv.Calls() {
		got = append(got, c.Status)
	}
	want := []collectssl.StatusCode{0, 0, 0, 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses of the calls (-want +got):\n%s", diff)
	}
	now, ok := srv.Order(o.OrderNumber)
	if !ok || now.State != collectssltest.StateIssued || now.Polls != 4 {
		t.Errorf("Order(): got %v, %v polls, %v; want issued, 4 polls", now.State, now.Polls, ok)
	}
	// Processing without IssueAfterPolls stays processing.
	p := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing})
	for range 3 {
		res, err := srv.Client().Collect(context.Background(), &collectssl.Request{OrderNumber: p.OrderNumber})
		if err != nil || res.Status != collectssl.StatusProcessing {
			t.Fatalf("got %v, %v; want status 0", res, err)
		}
	}
}

func TestQuirks(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	quirks := map[string]collectssltest.Quirks{
		"CRLF":                   {CRLF: true},
		"BOM":                    {BOM: true},
		"NoFinalNewline":         {NoFinalNewline: true},
		"TrailingSpaces":         {TrailingSpaces: true},
		"BlankAfterCertificates": {BlankAfterCertificates: true},
		"SplitValidity":          {SplitValidity: true},
		"StatusDetailSep=":       {StatusDetailSep: "="},
		"StatusDetailSep space":  {StatusDetailSep: " "},
		"PEMContainer":           {PEMContainer: true},
		"Wrap76":                 {Wrap: 76},
		"Wrap one line":          {Wrap: -1},
		"PlusAs+":                {PlusAs: "+"},
		"PlusAs space":           {PlusAs: " "},
		"Charset windows-1252":   {Charset: "windows-1252"},
		"everything":             {CRLF: true, BOM: true, TrailingSpaces: true, BlankAfterCertificates: true, SplitValidity: true, StatusDetailSep: "=", PlusAs: " "},
	}
	for qname, q := range quirks {
		o := srv.AddOrder(collectssltest.Order{Quirks: q, Shape: collectssltest.ShapePre2025, CAAStatus: "Authorized"})
		for _, req := range combinations(o.OrderNumber, true) {
			if req.ResponseEncoding == collectssl.EncodingBinary {
				continue // no text to lay out
			}
			t.Run(qname+"/"+name(req), func(t *testing.T) {
				res, err := srv.Client().Collect(context.Background(), req)
				if err != nil {
					t.Fatalf("Collect: %v", err)
				}
				checkIssued(t, req, o, res)
			})
		}
	}
}

func TestZIPNamesAndContainer(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	names := []string{"root.crt", "cross.crt", "dv.crt", "leaf.crt"}
	o := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025, ZIPNames: names})
	req := &collectssl.Request{OrderNumber: o.OrderNumber, QueryType: collectssl.QueryCertificateAndChain,
		ResponseType: collectssl.ResponseZIP, ResponseEncoding: collectssl.EncodingBinary}
	res, err := srv.Client().Collect(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(res.Container), int64(len(res.Container)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range zr.File {
		got = append(got, f.Name)
	}
	if diff := cmp.Diff(append(names, "leaf.ca-bundle"), got); diff != "" {
		t.Errorf("ZIP entries (-want +got):\n%s", diff)
	}

	// A container made elsewhere is sent as is: here a PKCS#7 without the root.
	b, err := res.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	p7, err := b.PKCS7()
	if err != nil {
		t.Fatal(err)
	}
	c := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025, Container: p7})
	for _, enc := range []collectssl.ResponseEncoding{collectssl.EncodingBase64, collectssl.EncodingBinary} {
		req := &collectssl.Request{OrderNumber: c.OrderNumber, QueryType: collectssl.QueryCertificateAndChain,
			ResponseType: collectssl.ResponsePKCS7, ResponseEncoding: enc}
		res, err := srv.Client().Collect(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(res.Container, p7) || len(res.CACertificates) != 2 || !res.Certificate.Equal(o.Leaf) {
			t.Errorf("encoding %v: got container of %d bytes, %d CAs; want the given PKCS#7 (%d bytes) with 2 CAs and the first order's leaf",
				enc, len(res.Container), len(res.CACertificates), len(p7))
		}
	}
}
