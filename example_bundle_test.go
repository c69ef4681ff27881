// This file holds the executable examples of Bundle.

package collectssl_test

import (
	"fmt"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
)

// A pre-2025 chain as CollectSSL delivers it (AAA Certificate Services first,
// the leaf last), plus the self-signed twin of USERTrust that a ZIP's
// .ca-bundle may add: NewBundle finds the leaf by content and prefers the
// shorter path to a delivered root, so the cross-certificate signed by AAA
// and AAA itself are left out, and reported. (The example generates its
// certificates with the module's internal test package; real callers get
// theirs from Result.Bundle or DecodeCertificates.)
func ExampleNewBundle() {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	chain, err := certgen.New(certgen.Options{Shape: certgen.Pre2025, KeyType: certgen.ECDSA, Now: now})
	if err != nil {
		panic(err)
	}
	delivered := append(chain.Served(), chain.Twin)

	b, err := collectssl.NewBundleAt(delivered, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("leaf:", b.Leaf.Subject.CommonName)
	for _, c := range b.Intermediates {
		fmt.Println("intermediate:", c.Subject.CommonName)
	}
	fmt.Println("root:", b.Root.Subject.CommonName)
	for _, f := range b.Findings {
		fmt.Printf("%s: %s (issued by %s)\n", f.Code, f.Certificate.Subject.CommonName, f.Certificate.Issuer.CommonName)
	}
	// Output:
	// leaf: www.example.test
	// intermediate: Test Sectigo ECC Domain Validation Secure Server CA
	// root: Test USERTrust ECC Certification Authority
	// cross-signed-twin-dropped: Test USERTrust ECC Certification Authority (issued by Test AAA Certificate Services)
	// stray: Test AAA Certificate Services (issued by Test AAA Certificate Services)
}
