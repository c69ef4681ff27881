// This file tests captures: the file format round trip over every answer
// the fake server gives, a server that echoes the password, replaying a
// capture through collectssltest, masking, and files that do not read.

package collectssl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
	"github.com/google/go-cmp/cmp"
)

// TestCaptureRoundTrip: for every state, format, response type and encoding
// the fake server produces, the capture of the answer, written and read
// back, parses to the Result (or the error) of the live call.
func TestCaptureRoundTrip(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	var last *collectssl.Capture
	c := srv.Client()
	c.Capture = func(cp *collectssl.Capture) { last = cp }
	runs := 0
	for _, st := range []collectssltest.State{collectssltest.StateIssued, collectssltest.StateProcessing, collectssltest.StateRejected} {
		o := srv.AddOrder(collectssltest.Order{State: st})
		for qt := collectssl.QueryStatus; qt <= collectssl.QueryChain; qt++ {
			for rt := collectssl.ResponseZIP; rt <= collectssl.ResponseIndividual; rt++ {
				for enc := collectssl.EncodingBase64; enc <= collectssl.EncodingBinary; enc++ {
					for f := collectssl.FormatLines; f <= collectssl.FormatURLEncoded; f++ {
						req := &collectssl.Request{OrderNumber: o.OrderNumber, QueryType: qt, ResponseType: rt, ResponseEncoding: enc, ResponseFormat: f,
							ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true, ShowMDCDomainDetails: true, ShowStatusDetails: true}
						if req.Validate() != nil {
							continue
						}
						name := fmt.Sprintf("%v/qt%d/rt%d/enc%d/f%d", st, qt, rt, enc, f)
						last = nil
						live, liveErr := c.Collect(context.Background(), req)
						if last == nil {
							t.Fatalf("%s: no capture", name)
						}
						file, err := last.MarshalText()
						if err != nil {
							t.Fatalf("%s: MarshalText: %v", name, err)
						}
						back, err := collectssl.ReadCapture(file)
						if err != nil {
							t.Fatalf("%s: ReadCapture: %v\n%s", name, err, file)
						}
						got, gotErr := back.Parse()
						if diff := cmp.Diff(live, got, resultOpts); diff != "" {
							t.Errorf("%s: live and replayed Result differ (-live +capture):\n%s", name, diff)
						}
						if fmt.Sprint(liveErr) != fmt.Sprint(gotErr) {
							t.Errorf("%s: live error %v, from the capture %v", name, liveErr, gotErr)
						}
						if back.Form.Has("loginName") || back.Form.Has("loginPassword") || back.Form.Get("orderNumber") != o.OrderNumber {
							t.Errorf("%s: form %v; want the order number and no credentials", name, back.Form)
						}
						runs++
					}
				}
			}
		}
	}
	if runs < 40 {
		t.Errorf("only %d cases", runs)
	}
}

// TestCaptureNeverHoldsThePassword: whatever the server echoes, the capture
// file holds no password, and the login name only when asked.
func TestCaptureNeverHoldsThePassword(t *testing.T) {
	ts, _ := loopbackServer(t, echoPassword)
	var files [][]byte
	c := loopbackClient(ts)
	c.Capture = func(cp *collectssl.Capture) {
		b, err := cp.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	for range 3 {
		c.Collect(context.Background(), loopbackReq)
	}
	c.CaptureLoginName = true
	c.Collect(context.Background(), loopbackReq)
	if len(files) != 4 {
		t.Fatalf("%d captures, want 4", len(files))
	}
	for i, f := range files {
		if bytes.Contains(f, []byte(testPassword)) || bytes.Contains(f, []byte(url.QueryEscape(testPassword))) {
			t.Errorf("capture %d holds the password:\n%s", i, f)
		}
		if got, want := bytes.Contains(f, []byte("loginName="+testCreds.LoginName)), i == 3; got != want {
			t.Errorf("capture %d: login name there %v, want %v", i, got, want)
		}
	}
}

// TestCaptureReplay: a capture replayed by collectssltest gives the Client
// the same Result as the call it was taken from.
func TestCaptureReplay(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	o := srv.AddOrder(collectssltest.Order{State: collectssltest.StateIssued})
	var cp *collectssl.Capture
	c := srv.Client()
	c.Capture = func(x *collectssl.Capture) { cp = x }
	req := &collectssl.Request{OrderNumber: o.OrderNumber, QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponsePKCS7, ShowFQDN: true, ShowExtStatus: true}
	live, err := c.Collect(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	other := newServer(t, collectssltest.Options{})
	replayed := other.AddOrder(collectssltest.Order{Replay: cp})
	got, err := other.Client().Collect(context.Background(), &collectssl.Request{OrderNumber: replayed.OrderNumber, QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponsePKCS7, ShowFQDN: true, ShowExtStatus: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(live, got, resultOpts); diff != "" {
		t.Errorf("replayed Result differs (-live +replayed):\n%s", diff)
	}
}

// TestCaptureMask: identifiers and the domains of the status lines are
// masked, in the form and in the body; the certificates are untouched.
func TestCaptureMask(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	o := srv.AddOrder(collectssltest.Order{Domains: []string{"shop.example.org", "www.shop.example.org"}})
	var cp *collectssl.Capture
	c := srv.Client()
	c.Capture = func(x *collectssl.Capture) { cp = x }
	req := &collectssl.Request{OrderNumber: o.OrderNumber, QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual, ShowFQDN: true}
	live, err := c.Collect(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.Mask(false); err != nil {
		t.Fatal(err)
	}
	got, err := cp.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if got.FQDN != "masked-1.example" || cp.Form.Get("orderNumber") != "masked" || strings.Contains(string(cp.Body), o.OrderNumber) {
		t.Errorf("masked: FQDN %q, orderNumber %q; want both masked", got.FQDN, cp.Form.Get("orderNumber"))
	}
	if !got.Certificate.Equal(live.Certificate) || len(got.CACertificates) != len(live.CACertificates) {
		t.Errorf("the certificates changed")
	}
}

// TestReadCaptureErrors: files that are not captures, or over the bound,
// give a clear error.
func TestReadCaptureErrors(t *testing.T) {
	good := "collectssl-capture 1\ntime 2026-11-30T12:00:00Z\nendpoint https://x\nform orderNumber=1\nhttp-status 200\ncontent-type text/plain\nbody text 2\n\n0\n"
	if _, err := collectssl.ReadCapture([]byte(good)); err != nil {
		t.Fatalf("a good capture: %v", err)
	}
	for name, in := range map[string]string{
		"empty":              "",
		"not a capture":      "0\nhello\n",
		"other version":      strings.Replace(good, "capture 1", "capture 2", 1),
		"unknown line":       strings.Replace(good, "http-status", "colour blue\nhttp-status", 1),
		"line twice":         strings.Replace(good, "endpoint", "form a=b\nendpoint", 1),
		"length differs":     strings.Replace(good, "body text 2", "body text 3", 1),
		"bad base64":         strings.Replace(good, "body text 2\n\n0\n", "body base64 2\n\n!!!!\n", 1),
		"with a password":    strings.Replace(good, "form orderNumber=1", "form orderNumber=1&loginPassword=x", 1),
		"no body line":       strings.Replace(good, "body text 2\n", "", 1),
		"negative length":    strings.Replace(good, "body text 2", "body text -1", 1),
		"no blank line":      strings.ReplaceAll(good, "\n\n", "\n"),
		"status not integer": strings.Replace(good, "http-status 200", "http-status ok", 1),
	} {
		_, err := collectssl.ReadCapture([]byte(in))
		if !errors.Is(err, collectssl.ErrMalformedResponse) || !strings.Contains(err.Error(), "capture") {
			t.Errorf("%s: %v; want a ParseError about the capture", name, err)
		}
	}
	huge := good + strings.Repeat("x", 8<<20)
	if _, err := collectssl.ReadCapture([]byte(huge)); !errors.Is(err, collectssl.ErrTooLarge) {
		t.Errorf("an 8 MiB capture: %v; want ErrTooLarge", err)
	}
}

// TestCaptureMaskDropsCertificates: asked to, Mask drops the certificate
// data from either format, and the rest of the answer reads as before.
func TestCaptureMaskDropsCertificates(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	o := srv.AddOrder(collectssltest.Order{})
	var cp *collectssl.Capture
	c := srv.Client()
	c.Capture = func(x *collectssl.Capture) { cp = x }
	for _, req := range []*collectssl.Request{
		{OrderNumber: o.OrderNumber, QueryType: 1, ResponseType: 3, ShowFQDN: true, ShowExtStatus: true},
		{OrderNumber: o.OrderNumber, QueryType: 1, ResponseType: 2, ShowFQDN: true, ShowExtStatus: true},
		{OrderNumber: o.OrderNumber, QueryType: 1, ResponseType: 3, ResponseFormat: 1, ShowFQDN: true, ShowExtStatus: true},
	} {
		live, err := c.Collect(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if err := cp.Mask(true); err != nil {
			t.Fatalf("%+v: Mask(true): %v", req, err)
		}
		got, err := cp.Parse()
		if err != nil {
			t.Fatalf("%+v: %v\n%s", req, err, cp.Body)
		}
		if got.Certificate != nil || got.CACertificates != nil || got.Container != nil || strings.Contains(string(cp.Body), "MII") {
			t.Errorf("%+v: certificates left after Mask(true):\n%s", req, cp.Body)
		}
		wantStatus := live.Status
		if req.ResponseFormat == collectssl.FormatLines {
			wantStatus = collectssl.StatusAvailable
		}
		if got.Status != wantStatus || got.CertificateStatus != live.CertificateStatus || got.ValidationStatus != live.ValidationStatus || got.FQDN != "masked-1.example" {
			t.Errorf("%+v: the rest changed: %+v", req, got)
		}
	}
	c.Collect(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber, QueryType: 1, ResponseType: 2, ResponseEncoding: 1})
	if err := cp.Mask(true); err == nil {
		t.Error("Mask(true) of a binary answer: nil error")
	}
}
