// This file holds the package's runnable examples.

package collectssltest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
)

// A test starts a server, adds an order and collects it with the Client the
// server configures.
func Example() {
	srv := collectssltest.NewServer()
	defer srv.Close()

	order := srv.AddOrder(collectssltest.Order{
		Domains: []string{"www.example.test", "example.test"},
		Shape:   collectssltest.Shape2025,
	})

	res, err := srv.Client().Collect(context.Background(), &collectssl.Request{
		OrderNumber:  order.OrderNumber,
		QueryType:    collectssl.QueryCertificateAndChain,
		ResponseType: collectssl.ResponseIndividual,
		ShowFQDN:     true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("status:", res.Status)
	fmt.Println("FQDN:", res.FQDN)
	fmt.Println("leaf is the order's:", res.Certificate.Equal(order.Leaf))
	for _, ca := range res.CACertificates {
		fmt.Println("CA:", ca.Subject.CommonName)
	}
	fmt.Println("overlapping calls:", srv.Overlap())
	// Output:
	// status: attached
	// FQDN: www.example.test
	// leaf is the order's: true
	// CA: Test USERTrust ECC Certification Authority
	// CA: Test Sectigo Public Server Authentication Root E46
	// CA: Test Sectigo Public Server Authentication CA DV E36
	// overlapping calls: 0
}

// An order being processed is issued after a number of polls; Client.Wait
// polls until then.
func ExampleOrder_issueAfterPolls() {
	srv := collectssltest.NewServer()
	defer srv.Close()

	order := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing, IssueAfterPolls: 2})
	res, err := srv.Client().Wait(context.Background(), &collectssl.Request{OrderNumber: order.OrderNumber}, time.Millisecond)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("status:", res.Status)
	for _, c := range srv.Calls() {
		fmt.Println("call answered", c.Status)
	}
	// Output:
	// status: available
	// call answered processing
	// call answered processing
	// call answered available
}

// Orders in a final state answer with a negative status code, which the
// Client returns as a *collectssl.StatusError.
func ExampleState() {
	srv := collectssltest.NewServer()
	defer srv.Close()

	order := srv.AddOrder(collectssltest.Order{State: collectssltest.StateRevoked})
	_, err := srv.Client().Collect(context.Background(), &collectssl.Request{OrderNumber: order.OrderNumber})
	fmt.Println(errors.Is(err, collectssl.ErrRevoked))
	fmt.Println(err)
	// Output:
	// true
	// collectssl: status -21 (revoked): "The certificate has been revoked!"
}

// FailNext injects transport failures; the Client retries what is safe to
// retry.
func ExampleServer_FailNext() {
	srv := collectssltest.NewServer()
	defer srv.Close()

	order := srv.AddOrder(collectssltest.Order{})
	srv.FailNext(2, collectssltest.HTTPError(503))
	res, err := srv.Client().Collect(context.Background(), &collectssl.Request{OrderNumber: order.OrderNumber})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("status:", res.Status)
	for _, c := range srv.Calls() {
		fmt.Printf("HTTP %d, fault %q\n", c.HTTPStatus, c.Fault)
	}
	// Output:
	// status: available
	// HTTP 503, fault "HTTPError(503)"
	// HTTP 503, fault "HTTPError(503)"
	// HTTP 200, fault ""
}
