// This file holds the executed examples: decoding containers, bundling,
// parsing both response formats, and matching a status code.

package collectssl_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
)

// selfSigned makes a throwaway certificate for the example.
func selfSigned(cn string) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return der
}

func ExampleDecodeCertificates() {
	// A responseFormat=0 style body: PEM blocks, text around them, CRLF.
	body := []byte("2\r\n")
	for _, cn := range []string{"Example Root", "www.example.com"} {
		body = append(body, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: selfSigned(cn)})...)
	}
	certs, err := collectssl.DecodeCertificates(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range certs {
		fmt.Println(c.Subject.CommonName)
	}

	// A container that holds no certificate is an error, not an empty list.
	_, err = collectssl.DecodeCertificates([]byte("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n"))
	fmt.Println(err)
	// Output:
	// Example Root
	// www.example.com
	// collectssl: certificate container: no certificate in container
}

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

func ExampleParseResponse_lines() {
	req := &collectssl.Request{
		OrderNumber:        "1234567",
		ShowValidityPeriod: true,
		ShowFQDN:           true,
		ShowExtStatus:      true,
	}
	body := []byte("1\n14/03/2025 14/03/2026\nwww.example.com\nIssued\nComplete\n")
	r, err := collectssl.ParseResponse(req, "text/plain", body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Status)
	fmt.Println(r.NotBefore, "to", r.NotAfter)
	fmt.Println(r.FQDN, "-", r.CertificateStatus, "-", r.ValidationStatus)
	// Output:
	// available
	// 2025-03-14 00:00:00 +0000 UTC to 2026-03-14 23:59:59 +0000 UTC
	// www.example.com - Issued - Complete
}

func ExampleParseResponse_urlEncoded() {
	req := &collectssl.Request{
		OrderNumber:          "1234567",
		ResponseFormat:       collectssl.FormatURLEncoded,
		ShowMDCDomainDetails: true,
		ShowStatusDetails:    true,
	}
	body := []byte("errorCode=0&mdcDomainDetails=example.com+VALIDATED%2C+www.example.com+NOTVALIDATED" +
		"&csrStatus=1&dcvStatus=2&ovCallBackStatus=-1&organizationValidationStatus=-1" +
		"&freeDVUPStatus=-1&evClickThroughStatus=-1&brandValStatus=-1&orderNumber=1234567")
	r, err := collectssl.ParseResponse(req, "application/x-www-form-urlencoded", body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Status)
	for _, d := range r.MDCDomainDetails {
		fmt.Println(d.Domain, d.Status)
	}
	fmt.Println("DCV in progress:", r.StatusDetails.DCV == collectssl.ProgressInProgress)
	fmt.Println("kept:", r.Extra.Get("orderNumber"))
	// Output:
	// processing
	// example.com VALIDATED
	// www.example.com NOTVALIDATED
	// DCV in progress: true
	// kept: 1234567
}

func ExampleStatusError() {
	req := &collectssl.Request{OrderNumber: "1234567", QueryType: collectssl.QueryCertificateAndChain}
	for _, body := range []string{
		"-20\nThe certificate request has been rejected!\n",
		"-3\nThe 'orderNumber' argument is missing!\n",
		"-26\nThe certificate is being issued\n",
	} {
		_, err := collectssl.ParseResponse(req, "text/plain", []byte(body))
		var se *collectssl.StatusError
		switch {
		case errors.Is(err, collectssl.ErrRejected):
			fmt.Println("rejected:", err)
		case errors.As(err, &se) && se.Argument != "":
			fmt.Printf("code %d about %q\n", se.Code, se.Argument)
		case errors.As(err, &se):
			fmt.Printf("code %d (%v): %s\n", se.Code, se.Code, se.Message)
		}
	}
	// Output:
	// rejected: collectssl: status -20 (rejected): "The certificate request has been rejected!"
	// code -3 about "orderNumber"
	// code -26 (status(-26)): The certificate is being issued
}
