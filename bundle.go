// This file holds Bundle: the delivered certificates ordered into leaf,
// intermediates and root, and the files servers want.

package collectssl

import (
	"crypto/x509"
	"errors"
)

// Bundle is a leaf certificate and the chain above it.
type Bundle struct {
	Leaf          *x509.Certificate
	Intermediates []*x509.Certificate // the leaf's issuer first; never a self-signed root
	Root          *x509.Certificate   // the self-signed anchor of the chosen path, if delivered; else nil
}

// NewBundle orders certs (any order, duplicates allowed) into a Bundle.
func NewBundle(certs []*x509.Certificate) (*Bundle, error) {
	return nil, errors.New("collectssl: NewBundle: not implemented yet")
}
