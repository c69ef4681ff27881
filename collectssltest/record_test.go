// This file tests what issue 10 asked of the server in Go: the call log and
// counters exact when Collect returns; waits (Hold, Delay, Latency) that end
// when the client goes away and on Close; one shared HTTP client; a TLS
// certificate for every loopback name; the new faults; SetState, Orders,
// renewals and the certificate order inside containers.

package collectssltest_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
)

// TestCallsExactWhenCollectReturns: every call is in the log, counted and
// out of the in-flight count by the time the client has its answer.
func TestCallsExactWhenCollectReturns(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	c := srv.Client()
	req := &collectssl.Request{OrderNumber: o.OrderNumber}
	for i := range 1000 {
		if _, err := c.Collect(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		calls := srv.Calls()
		if n := srv.CallCount(); n != i+1 || len(calls) != i+1 {
			t.Fatalf("after Collect %d: CallCount %d, len(Calls) %d; want %d", i+1, n, len(calls), i+1)
		}
		if last := calls[i]; last.Status != collectssl.StatusAvailable || last.HTTPStatus != http.StatusOK {
			t.Fatalf("after Collect %d: last call status %d, HTTP %d; want 1 and 200", i+1, last.Status, last.HTTPStatus)
		}
		if n := srv.InFlight(); n != 0 {
			t.Fatalf("after Collect %d: InFlight %d, want 0", i+1, n)
		}
	}
	if got := [2]int{srv.Overlap(), srv.MaxInFlight()}; got != [2]int{0, 1} {
		t.Errorf("Overlap, MaxInFlight = %v, want [0 1]", got)
	}
	if ua := srv.Calls()[0].UserAgent; !strings.Contains(ua, "collectssl-go/") {
		t.Errorf("Call.UserAgent = %q, want the client's", ua)
	}
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting after 10s for %s", what)
		}
	}
}

// TestWaitsEndWhenTheClientGoes: a POST held by a fault or by latency ends
// in the server when the client gives up (the server has read the body, so
// net/http notices), without any release.
func TestWaitsEndWhenTheClientGoes(t *testing.T) {
	for _, tt := range []struct {
		name  string
		opts  collectssltest.Options
		fault collectssltest.Fault
	}{
		{"Hold never released", collectssltest.Options{}, collectssltest.Hold(nil)},
		{"Delay of an hour", collectssltest.Options{}, collectssltest.Delay(time.Hour)},
		{"Latency of an hour", collectssltest.Options{Latency: time.Hour}, collectssltest.Fault{}},
		{"StalledBody never released", collectssltest.Options{}, collectssltest.StalledBody(nil)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := collectssltest.NewServerWith(tt.opts)
			defer srv.Close()
			o := srv.AddOrder(collectssltest.Order{})
			srv.FailNext(1, tt.fault)
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() {
				_, err := srv.Client().Collect(ctx, &collectssl.Request{OrderNumber: o.OrderNumber})
				errc <- err
			}()
			if tt.name == "StalledBody never released" {
				// The stalled call has left InFlight (its answer started).
				waitUntil(t, "the stalled call", func() bool { return srv.CallCount() == 1 })
			} else {
				waitInFlight(srv, 1)
			}
			cancel()
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Errorf("Collect() = %v, want context.Canceled", err)
			}
			waitUntil(t, "the server to let the call go", func() bool { return srv.InFlight() == 0 && srv.CallCount() == 1 })
		})
	}
}

// TestCloseReleasesHeldCalls: Close returns although a Hold is never
// released and its client still waits.
func TestCloseReleasesHeldCalls(t *testing.T) {
	srv := collectssltest.NewServer()
	o := srv.AddOrder(collectssltest.Order{})
	srv.FailNext(1, collectssltest.Hold(nil))
	errc := make(chan error, 1)
	go func() {
		c := srv.Client()
		c.Retry = collectssl.RetryPolicy{MaxAttempts: 1}
		_, err := c.Collect(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber})
		errc <- err
	}()
	waitInFlight(srv, 1)
	srv.Close() // hangs (and the test times out) if Close waits for the hold
	<-errc      // the call ends one way or the other
	if n := srv.CallCount(); n != 1 {
		t.Errorf("CallCount = %d, want 1", n)
	}
}

func TestSharedClientAndTLSNames(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	if a, b := srv.Client(), srv.Client(); a == b || a.HTTPClient != b.HTTPClient {
		t.Errorf("Client(): want new Clients sharing one HTTP client")
	}
	roots := x509.NewCertPool()
	roots.AddCert(srv.CACertificate())
	leaf, err := x509.ParseCertificate(srv.HTTPServer().TLS.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"127.0.0.1", "::1", "localhost"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots}); err != nil {
			t.Errorf("the server's certificate for %s: %v", name, err)
		}
	}
}

func TestMoreFaults(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	hc := srv.HTTPServer().Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	body := validForm(srv, o.OrderNumber).Encode()
	for _, tt := range []struct {
		name        string
		fault       collectssltest.Fault
		wantStatus  int
		wantHeader  [2]string
		wantBody    string
		wantFault   string
		wantReadErr bool
	}{
		{"HTML 503", collectssltest.HTTPErrorPage(503, "text/html", []byte("<html>down</html>")), 503, [2]string{"Content-Type", "text/html"}, "<html>down</html>", "HTTPErrorPage(503)", false},
		{"429", collectssltest.TooManyRequests(1500 * time.Millisecond), 429, [2]string{"Retry-After", "2"}, "Too Many Requests\n", "TooManyRequests(1.5s)", false},
		{"redirect", collectssltest.Redirect(302, "https://elsewhere.invalid/x"), 302, [2]string{"Location", "https://elsewhere.invalid/x"}, "", "Redirect(302)", false},
		{"stalled body released", collectssltest.StalledBody(closed()), 200, [2]string{"Content-Type", "text/plain"}, "", "StalledBody", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv.FailNext(1, tt.fault)
			resp, err := hc.Post(srv.URL(), formType, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if (err != nil) != tt.wantReadErr {
				t.Errorf("reading the body: %v, want an error: %v", err, tt.wantReadErr)
			}
			if resp.StatusCode != tt.wantStatus || resp.Header.Get(tt.wantHeader[0]) != tt.wantHeader[1] {
				t.Errorf("got HTTP %d %s %q, want %d %q", resp.StatusCode, tt.wantHeader[0], resp.Header.Get(tt.wantHeader[0]), tt.wantStatus, tt.wantHeader[1])
			}
			if tt.wantBody != "" && string(got) != tt.wantBody {
				t.Errorf("body %q, want %q", got, tt.wantBody)
			}
			calls := srv.Calls()
			if last := calls[len(calls)-1]; last.Fault != tt.wantFault || last.HTTPStatus != tt.wantStatus {
				t.Errorf("Call: fault %q, HTTP %d; want %q, %d", last.Fault, last.HTTPStatus, tt.wantFault, tt.wantStatus)
			}
		})
	}
}

func closed() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

func TestSetStateOrdersAndRenewals(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	first := srv.AddOrder(collectssltest.Order{Domains: []string{"a.example.test", "b.example.test"}, State: collectssltest.StateProcessing, IssueAfterPolls: 5,
		NotBefore: time.Now().UTC().AddDate(0, -1, 0).Truncate(24 * time.Hour)})
	renewal := srv.AddOrder(collectssltest.Order{Renews: first.OrderNumber})
	if renewal.BaseOrderNumber != first.BaseOrderNumber || strings.Join(renewal.Domains, ",") != "a.example.test,b.example.test" {
		t.Errorf("renewal: base %s, domains %v; want %s and the renewed order's", renewal.BaseOrderNumber, renewal.Domains, first.BaseOrderNumber)
	}
	if !renewal.NotBefore.After(first.NotBefore) {
		t.Errorf("renewal NotBefore %v is not after %v", renewal.NotBefore, first.NotBefore)
	}
	if renewal.Leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(first.Leaf.PublicKey) {
		t.Errorf("the renewal has the renewed order's key")
	}
	if orders := srv.Orders(); len(orders) != 2 || orders[0].OrderNumber != first.OrderNumber || orders[1].Renews != first.OrderNumber {
		t.Errorf("Orders() = %d orders, want the two in order, the second renewing the first", len(orders))
	}
	// baseOrderNumber names the renewal (added last).
	res, err := srv.Client().Collect(context.Background(), &collectssl.Request{BaseOrderNumber: first.BaseOrderNumber, QueryType: collectssl.QueryCertificate, ResponseType: collectssl.ResponseIndividual})
	if err != nil || !res.Certificate.Equal(renewal.Leaf) {
		t.Errorf("by baseOrderNumber: %v, want the renewal's leaf", err)
	}

	c := srv.Client()
	req := &collectssl.Request{OrderNumber: first.OrderNumber}
	for _, tt := range []struct {
		st   collectssltest.State
		want error
	}{
		{collectssltest.StateIssued, nil},
		{collectssltest.StateRevoked, collectssl.ErrRevoked},
		{collectssltest.StateProcessing, nil},
	} {
		o, ok := srv.SetState(first.OrderNumber, tt.st)
		if !ok || o.State != tt.st || o.IssueAfterPolls != 0 {
			t.Fatalf("SetState(%v) = %v, %v, %v", tt.st, o.State, o.IssueAfterPolls, ok)
		}
		_, err := c.Collect(context.Background(), req)
		if !errors.Is(err, tt.want) && !(tt.want == nil && err == nil) {
			t.Errorf("state %v: Collect() = %v, want %v", tt.st, err, tt.want)
		}
	}
	if _, ok := srv.SetState("no-such-order", collectssltest.StateIssued); ok {
		t.Errorf("SetState of an unknown order reported success")
	}
}

func TestCertOrderInsideContainers(t *testing.T) {
	for _, tt := range []struct {
		name      string
		server    collectssltest.CertOrder
		order     collectssltest.CertOrder
		leafFirst bool
	}{
		{"default", 0, 0, false},
		{"order leaf-first", 0, collectssltest.CertOrderLeafFirst, true},
		{"server leaf-first", collectssltest.CertOrderLeafFirst, 0, true},
		{"server leaf-first, order root-first", collectssltest.CertOrderLeafFirst, collectssltest.CertOrderRootFirst, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := collectssltest.NewServerWith(collectssltest.Options{CertOrder: tt.server})
			defer srv.Close()
			o := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025, CertOrder: tt.order})
			want := o.Chain // root first
			if tt.leafFirst {
				want = reversed(o.Chain)
			}
			for _, rt := range []collectssl.ResponseType{collectssl.ResponsePKCS7, collectssl.ResponseNetscapeSequence, collectssl.ResponseZIP} {
				res, err := srv.Client().Collect(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber, QueryType: collectssl.QueryCertificateAndChain, ResponseType: rt})
				if err != nil {
					t.Fatal(err)
				}
				got, err := containerOrder(res.Container)
				if err != nil {
					t.Fatal(err)
				}
				if !sameCerts(got, want) {
					t.Errorf("responseType %d: certificates not in the %s order", rt, map[bool]string{true: "leaf-first", false: "root-first"}[tt.leafFirst])
				}
			}
			// Individually encoded certificates keep the service's order.
			res, err := srv.Client().Collect(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber, QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual})
			if err != nil || !sameCerts(res.CACertificates, o.CACertificates) {
				t.Errorf("responseType 3: %v, want the CAs root first", err)
			}
		})
	}
}

// containerOrder returns the certificates of a container in their order;
// for a ZIP, the .crt entries in archive order.
func containerOrder(b []byte) ([]*x509.Certificate, error) {
	if !bytes.HasPrefix(b, []byte("PK")) {
		return collectssl.DecodeCertificates(b)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".crt") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		certs, err := collectssl.DecodeCertificates(data)
		if err != nil {
			return nil, err
		}
		out = append(out, certs...)
	}
	return out, nil
}

func reversed(c []*x509.Certificate) []*x509.Certificate {
	out := make([]*x509.Certificate, len(c))
	for i, x := range c {
		out[len(c)-1-i] = x
	}
	return out
}

func sameCerts(a, b []*x509.Certificate) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}
