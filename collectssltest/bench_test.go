// This file holds the benchmarks: AddOrder against issuing a leaf alone, and
// a call answered by the server against a handler that writes the same body.

package collectssltest_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
	"github.com/collectssl/collectssl/internal/certgen"
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
// parsing the certificates the body carries, the work no client can skip.
func BenchmarkCollectFloor(b *testing.B) {
	for _, bc := range collectCases {
		b.Run(bc.name, func(b *testing.B) {
			srv, c, req := collectBench(b, bc.req)
			defer srv.Close()
			form, err := req.Form(c.Credentials)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				resp, err := c.HTTPClient.PostForm(c.Endpoint, form)
				if err != nil {
					b.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if n := parsePEM(b, body); n != bc.certs {
					b.Fatalf("%d certificates in the body, want %d", n, bc.certs)
				}
			}
		})
	}
}

// parsePEM is the unavoidable part of reading certificates from a body:
// pem.Decode and x509.ParseCertificate of each block.
func parsePEM(b *testing.B, body []byte) int {
	n := 0
	for {
		var block *pem.Block
		block, body = pem.Decode(body)
		if block == nil {
			return n
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			b.Fatal(err)
		}
		n++
	}
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
			form, err := req.Form(c.Credentials)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			ours := func() {
				if _, err := c.Collect(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			floor := func() {
				resp, err := c.HTTPClient.PostForm(c.Endpoint, form)
				if err != nil {
					b.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					b.Fatal(err)
				}
				if n := parsePEM(b, body); n != bc.certs {
					b.Fatalf("%d certificates in the body, want %d", n, bc.certs)
				}
			}
			var tOurs, tFloor time.Duration
			for i := 0; b.Loop(); i++ {
				first, second := ours, floor
				if i%2 == 1 {
					first, second = floor, ours
				}
				t0 := time.Now()
				first()
				t1 := time.Now()
				second()
				t2 := time.Now()
				if i%2 == 0 {
					tOurs, tFloor = tOurs+t1.Sub(t0), tFloor+t2.Sub(t1)
				} else {
					tFloor, tOurs = tFloor+t1.Sub(t0), tOurs+t2.Sub(t1)
				}
			}
			b.ReportMetric(float64(tOurs)/float64(tFloor), "ours/floor")
		})
	}
}
