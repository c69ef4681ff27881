// This file holds the benchmarks: AddOrder against issuing a leaf alone, and
// a call answered by the server against a handler that writes the same body.

package collectssltest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/floor"
)

// BenchmarkAddOrder: an order of a cached chain shape costs about one leaf.
func BenchmarkAddOrder(b *testing.B) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025}) // makes the chain
	b.ReportAllocs()
	for b.Loop() {
		srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025})
	}
}

// BenchmarkAddOrderFloor is the unavoidable work: issuing the leaf.
func BenchmarkAddOrderFloor(b *testing.B) {
	chain := certgen.MustNew(certgen.Options{Shape: certgen.Pre2025})
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := chain.IssueLeaf(certgen.LeafOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

var benchReq = func(orderNumber string) *collectssl.Request {
	return &collectssl.Request{OrderNumber: orderNumber, QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual, ResponseFormat: collectssl.FormatURLEncoded}
}

// BenchmarkServe is one raw POST answered by the server (checks, lookup,
// rendering).
func BenchmarkServe(b *testing.B) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025})
	form, err := benchReq(o.OrderNumber).Form(srv.Credentials())
	if err != nil {
		b.Fatal(err)
	}
	benchPost(b, srv.HTTPServer().Client(), srv.URL(), form.Encode())
}

// BenchmarkServeFloor is the same POST to a TLS handler that reads the form
// and writes the same body, prepared in advance.
func BenchmarkServeFloor(b *testing.B) {
	srv := collectssltest.NewServer()
	o := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025})
	form, err := benchReq(o.OrderNumber).Form(srv.Credentials())
	if err != nil {
		b.Fatal(err)
	}
	resp, err := srv.HTTPServer().Client().Post(srv.URL(), formType, strings.NewReader(form.Encode()))
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	srv.Close()
	floor := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.Header().Set("Content-Type", formType)
		w.Write(body)
	}))
	defer floor.Close()
	benchPost(b, floor.Client(), floor.URL+collectssltest.Path, form.Encode())
}

func benchPost(b *testing.B, hc *http.Client, url, body string) {
	b.ReportAllocs()
	for b.Loop() {
		resp, err := hc.Post(url, formType, strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkCollect measures Client.Collect against the server, next to its
// floor BenchmarkCollectFloor: http.Client.PostForm of the same form to the
// same server over the same HTTP client, reading the body. The difference is
// the library's own work: validation, the account queue, the bounded read and
// ParseResponse (for "chain", decoding four certificates).
func BenchmarkCollect(b *testing.B) {
	for _, bc := range collectCases {
		b.Run(bc.name, func(b *testing.B) {
			srv, c, req := collectBench(b, bc.req)
			defer srv.Close()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Collect(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCollectFloor is the bare HTTP round trip of BenchmarkCollect plus
// reading the answer (readAnswer), the work no client can skip.
func BenchmarkCollectFloor(b *testing.B) {
	for _, bc := range collectCases {
		b.Run(bc.name, func(b *testing.B) {
			srv, c, req := collectBench(b, bc.req)
			defer srv.Close()
			bare := bareCollect(b, c, req, bc.certs)
			b.ReportAllocs()
			for b.Loop() {
				if err := bare(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// readAnswer is the unavoidable part of reading an answer to req, whose
// layout it knows: the status code, the validity period and the FQDN when
// req shows them (floor.Head), and the certificates (floor.PEM). It returns
// how many certificates it parsed.
func readAnswer(b *testing.B, req *collectssl.Request, body []byte) int {
	var f floor.Fields
	rest, err := floor.Head(body, req.ShowValidityPeriod, req.ShowFQDN, &f)
	if err != nil {
		b.Fatal(err)
	}
	floor.Sink = f
	n, _, err := floor.PEM(rest)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

var collectCases = []struct {
	name  string
	certs int // certificates in the answer
	req   func(order string) *collectssl.Request
}{
	{"status", 0, func(order string) *collectssl.Request {
		return &collectssl.Request{OrderNumber: order, ShowValidityPeriod: true, ShowFQDN: true}
	}},
	{"chain", 4, func(order string) *collectssl.Request {
		return &collectssl.Request{OrderNumber: order, QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual}
	}},
}

func collectBench(b *testing.B, mk func(string) *collectssl.Request) (*collectssltest.Server, *collectssl.Client, *collectssl.Request) {
	srv := collectssltest.NewServer()
	o := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025})
	c := srv.Client()
	req := mk(o.OrderNumber)
	if _, err := c.Collect(context.Background(), req); err != nil { // warm the connection
		b.Fatal(err)
	}
	return srv, c, req
}

// BenchmarkCollectPaired alternates Collect and its floor (see
// BenchmarkCollectFloor) in one loop, which runs first changing every
// iteration, and reports the ratio of their summed times as ours/floor.
func BenchmarkCollectPaired(b *testing.B) {
	for _, bc := range collectCases {
		b.Run(bc.name, func(b *testing.B) {
			srv, c, req := collectBench(b, bc.req)
			defer srv.Close()
			ctx := context.Background()
			floor.Paired(b, func() error {
				_, err := c.Collect(ctx, req)
				return err
			}, bareCollect(b, c, req, bc.certs))
		})
	}
}

// BenchmarkCollectPairedAA runs the floor of the status query on both sides
// of floor.Paired: its ratio is the noise of a round trip on this machine,
// the yardstick for BenchmarkCollectPaired.
func BenchmarkCollectPairedAA(b *testing.B) {
	bc := collectCases[0]
	srv, c, req := collectBench(b, bc.req)
	defer srv.Close()
	bare := bareCollect(b, c, req, bc.certs)
	floor.Paired(b, bare, bare)
}

// bareCollect returns the floor of c.Collect(req): a bare PostForm of the
// same form, the body read whole (floor.Body) and the answer read
// (readAnswer), which must hold certs certificates.
func bareCollect(b *testing.B, c *collectssl.Client, req *collectssl.Request, certs int) func() error {
	form, err := req.Form(c.Credentials)
	if err != nil {
		b.Fatal(err)
	}
	return func() error {
		resp, err := c.HTTPClient.PostForm(c.Endpoint, form)
		if err != nil {
			return err
		}
		body, err := floor.Body(resp)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if n := readAnswer(b, req, body); n != certs {
			return fmt.Errorf("%d certificates in the body, want %d", n, certs)
		}
		return nil
	}
}
