// This file holds DecodeCertificates: content sniffing over every container
// CollectSSL can hand back.

package collectssl

import (
	"crypto/x509"
	"errors"
)

// DecodeCertificates decodes every certificate in data, sniffing the container.
func DecodeCertificates(data []byte) ([]*x509.Certificate, error) {
	return nil, errors.New("collectssl: DecodeCertificates: not implemented yet")
}
