// This file holds the fuzz targets: the envelope decoder and
// OrderDetails.Certificates, each checking properties, not only the absence
// of a panic.

package trustico_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/trustico"
)

func FuzzDecodeResponse(f *testing.F) {
	for _, s := range []string{
		`{"SuccessCode":1,"CurrentBalance":"$5","DueAmmount":"$0","OverdraftLimit":"$1"}`,
		`[{"SuccessCode":1}]`,
		`{"SuccessCode":"0","Errormsg":["1003: Not found"]}`,
		`{"SuccessCode":0,"ErrorMSG":"1006","Message":"API working in test mode."}`,
		`{"SuccessCode":0,"ErrorMsg":["a","b 1016"],"errormsg":["c"]}`,
		`{"SuccessCode":1,"X":"API\u0020working in test mode."}`,
		`{"SuccessCode":1,"Certificate":5}`,
		`[[[[{}]]]]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var b trustico.Balance
		err := trustico.DecodeResponse("GetBalance", body, &b)
		var (
			e  *trustico.Error
			re *trustico.ResponseError
		)
		switch {
		case err == nil:
			if b.SuccessCode != 1 || b.Fields == nil {
				t.Fatalf("success with %+v", b)
			}
			if bytes.Contains(body, []byte(trustico.TestModeMarker)) && !b.TestMode {
				t.Fatal("marker in the body, TestMode false")
			}
		case errors.As(err, &e):
			if e.Code != 0 {
				found := false
				for _, c := range trustico.ErrorCodes {
					if c.Code == e.Code {
						found = errors.Is(err, c.Err)
					}
				}
				if !found {
					t.Fatalf("code %d is no documented code, or its sentinel does not match", e.Code)
				}
			}
			if bytes.Contains(body, []byte(trustico.TestModeMarker)) && !e.TestMode {
				t.Fatal("marker in the body, TestMode false")
			}
		case errors.As(err, &re):
			if !errors.Is(err, trustico.ErrMalformedResponse) {
				t.Fatal("a *ResponseError that does not match ErrMalformedResponse")
			}
			if len(body) > 0 && bytes.Contains([]byte(err.Error()), body) && len(body) > 16 {
				t.Fatalf("the error quotes the body: %v", err)
			}
		default:
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
		// Decoding without a result agrees on success and failure.
		if err2 := trustico.DecodeResponse("GetBalance", body, nil); (err2 == nil) != (err == nil) && !errors.As(err, &re) {
			t.Fatalf("with a result: %v; without: %v", err, err2)
		}
	})
}

func FuzzOrderDetailsCertificates(f *testing.F) {
	ch := certgen.MustNew(certgen.Options{Shape: certgen.TestMode})
	leafPEM := string(pemOf(ch.Leaf))
	f.Add(leafPEM, string(pemOf(ch.Root)))
	f.Add(base64.StdEncoding.EncodeToString(ch.Leaf.Raw), base64.StdEncoding.EncodeToString(ch.Root.Raw))
	f.Add(leafPEM+string(pemOf(ch.Root)), "")
	f.Add("", "")
	f.Add(`-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----`, "garbage")
	f.Fuzz(func(t *testing.T, cert, cas string) {
		d := trustico.OrderDetails{Certificate: cert, IntermediateCAs: cas}
		certs, err := d.Certificates()
		if err != nil {
			if certs != nil {
				t.Fatal("certificates with an error")
			}
			if !errors.Is(err, collectssl.ErrNoCertificates) && !errors.Is(err, collectssl.ErrMalformedContainer) {
				t.Fatalf("error %v matches neither ErrNoCertificates nor ErrMalformedContainer", err)
			}
			return
		}
		if len(certs) == 0 {
			t.Fatal("no certificate and no error")
		}
		for _, c := range certs {
			if c == nil || len(c.Raw) == 0 {
				t.Fatal("a nil or empty certificate")
			}
		}
		// Each field on its own decodes to its part, in order.
		n := 0
		for _, part := range []string{cert, cas} {
			one := trustico.OrderDetails{Certificate: part}
			cs, err := one.Certificates()
			if err != nil {
				continue // empty
			}
			for _, c := range cs {
				if n >= len(certs) || !c.Equal(certs[n]) {
					t.Fatal("the fields decoded together differ from each decoded alone")
				}
				n++
			}
		}
		if n != len(certs) {
			t.Fatalf("%d certificates together, %d apart", len(certs), n)
		}
		// Round trip: the same certificates, as PEM, decode the same.
		var again trustico.OrderDetails
		again.Certificate = string(pemOf(certs...))
		cs2, err := again.Certificates()
		if err != nil || len(cs2) != len(certs) {
			t.Fatalf("the PEM of the result does not decode the same: %v", err)
		}
	})
}
