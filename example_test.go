// This file holds the executable examples of the certificate containers.

package collectssl_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"github.com/collectssl/collectssl"
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
