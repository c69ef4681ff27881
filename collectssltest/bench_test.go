// This file holds the benchmarks: AddOrder against issuing a leaf alone, and
// a call answered by the server against a handler that writes the same body.

package collectssltest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
