// This file holds the one rule of which delivered certificate issued which,
// and so which is the end-entity certificate: certSet, a deduplicated set of
// certificates with a cache of the signature checks made on it. ParseResponse
// uses it to fill Result.Certificate and Result.CACertificates, NewBundle to
// find the leaf and the chain above it, so the two cannot disagree.

package collectssl

import (
	"bytes"
	"crypto/x509"
	"fmt"
)

// maxSignatureChecks caps the signature checks made on one set of
// certificates (by ParseResponse's classification, or by one NewBundle
// call), as crypto/x509's Verify caps its own. Each (issuer, subject) pair is
// checked at most once; a real chain needs three.
const maxSignatureChecks = 100

// certSet is a set of certificates, deduplicated by their DER, in the order
// delivered.
type certSet struct {
	certs []*x509.Certificate
	dups  []*x509.Certificate // the copies dropped, in the order delivered

	sig    []int8 // sig[p*n+c]: 0 not checked yet, 1 p issued c, -1 it did not
	checks int    // signature checks done

	// room holds certs and sig for a chain of up to four certificates, so
	// that a typical set takes one allocation, not three.
	room struct {
		certs [4]*x509.Certificate
		sig   [4 * 4]int8
	}
}

// newCertSet deduplicates certs (nil entries are skipped). The comparison is
// quadratic, over at most maxBundleCertificates certificates, and cheap:
// certificates of different lengths differ, and others mostly differ early.
func newCertSet(certs []*x509.Certificate) *certSet {
	s := new(certSet)
	if len(certs) <= len(s.room.certs) {
		s.certs = s.room.certs[:0]
	} else {
		s.certs = make([]*x509.Certificate, 0, len(certs))
	}
	for _, c := range certs {
		if c == nil {
			continue
		}
		if s.index(c) >= 0 {
			s.dups = append(s.dups, c)
			continue
		}
		s.certs = append(s.certs, c)
	}
	if n := len(s.certs) * len(s.certs); n <= len(s.room.sig) {
		s.sig = s.room.sig[:n]
	} else {
		s.sig = make([]int8, n)
	}
	return s
}

// index returns the position of cert (by its DER) in the set, or -1.
func (s *certSet) index(cert *x509.Certificate) int {
	for i, c := range s.certs {
		if bytes.Equal(c.Raw, cert.Raw) {
			return i
		}
	}
	return -1
}

// mayIssue reports whether c may sign certificates at all: basic constraints
// with cA=TRUE, or a version 1 or 2 certificate, which has none (RFC 5280
// 4.2.1.9, as crypto/x509 reads it); and key usage allowing certificate
// signing when present. A version 3 certificate without basic constraints
// may not: it is an end-entity certificate, self-signed or not.
func mayIssue(c *x509.Certificate) bool {
	if c.Version == 3 && !c.BasicConstraintsValid || c.BasicConstraintsValid && !c.IsCA {
		return false
	}
	return c.KeyUsage == 0 || c.KeyUsage&x509.KeyUsageCertSign != 0
}

// keyIDsAgree reports whether a child's authority key identifier matches a
// parent's subject key identifier, when both are present.
func keyIDsAgree(child, parent *x509.Certificate) bool {
	return len(child.AuthorityKeyId) == 0 || len(parent.SubjectKeyId) == 0 ||
		bytes.Equal(child.AuthorityKeyId, parent.SubjectKeyId)
}

// selfSigned reports whether c names itself as its issuer, with agreeing key
// identifiers. Its signature is not checked: Go cannot check the SHA-1
// self-signature of AAA Certificate Services, and nothing hinges on it.
func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && keyIDsAgree(c, c)
}

// issued reports whether certificate p issued certificate c: c's issuer name
// is p's subject name (byte for byte), p may issue certificates, and p's key
// verifies c's signature (SHA-1 signatures accepted). Key identifiers that
// disagree do not exclude p, as in crypto/x509: the bundler ranks such a
// link last. Each pair's signature is checked at most once; past
// maxSignatureChecks the error matches ErrTooLarge.
func (s *certSet) issued(p, c int) (bool, error) {
	if p == c {
		return false, nil
	}
	parent, child := s.certs[p], s.certs[c]
	if !bytes.Equal(child.RawIssuer, parent.RawSubject) || !mayIssue(parent) {
		return false, nil
	}
	i := p*len(s.certs) + c
	if s.sig[i] == 0 {
		if s.checks >= maxSignatureChecks {
			return false, fmt.Errorf("%w: more than %d signature checks", ErrTooLarge, maxSignatureChecks)
		}
		s.checks++
		s.sig[i] = -1
		if parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature) == nil {
			s.sig[i] = 1
		}
	}
	return s.sig[i] == 1, nil
}

// caByItself is the part of isCA that a certificate decides alone: a CA
// when its basic constraints say cA=TRUE, an end-entity certificate when it
// may not issue at all (see mayIssue). decided is false when only the set
// can tell: a certificate that may issue without saying it is a CA (a
// version 1 root, say).
func caByItself(c *x509.Certificate) (ca, decided bool) {
	switch {
	case c.BasicConstraintsValid && c.IsCA:
		return true, true
	case !mayIssue(c):
		return false, true
	}
	return false, false
}

// maxClassifiedAlone bounds the sets classifyAlone takes: it looks for
// duplicates pair by pair, cheap for an answer's handful of certificates.
const maxClassifiedAlone = 8

// classifyAlone is classify (result.go) for the typical answer: distinct
// certificates that each decide alone (caByItself) whether they are a CA,
// exactly one of them not. Then certSet.leaf would make no signature check,
// and the set is not needed: the leaf is that one, the CAs the others in
// delivered order, in a slice of their own (nil when there are none). ok is
// false for anything else (duplicates, nil entries, no leaf or several, a
// certificate only the set can decide), which the set decides.
func classifyAlone(certs []*x509.Certificate) (leaf *x509.Certificate, cas []*x509.Certificate, ok bool) {
	if len(certs) > maxClassifiedAlone {
		return nil, nil, false
	}
	at := -1
	for i, c := range certs {
		if c == nil {
			return nil, nil, false
		}
		for _, prev := range certs[:i] {
			if bytes.Equal(prev.Raw, c.Raw) {
				return nil, nil, false
			}
		}
		ca, decided := caByItself(c)
		switch {
		case !decided:
			return nil, nil, false
		case ca:
		case at >= 0:
			return nil, nil, false // a second leaf
		default:
			at = i
		}
	}
	if at < 0 {
		return nil, nil, false
	}
	if len(certs) > 1 {
		cas = make([]*x509.Certificate, 0, len(certs)-1)
		cas = append(cas, certs[:at]...)
		cas = append(cas, certs[at+1:]...)
	}
	return certs[at], cas, true
}

// isCA reports whether certificate c acts as a CA: its basic constraints say
// cA=TRUE, or it may issue (see mayIssue) and is self-signed (a version 1
// root) or issued another certificate of the set. Every other certificate is
// an end-entity certificate.
func (s *certSet) isCA(c int) (bool, error) {
	cert := s.certs[c]
	if ca, decided := caByItself(cert); decided {
		return ca, nil
	}
	if selfSigned(cert) {
		return true, nil
	}
	for x := range s.certs {
		ok, err := s.issued(c, x)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// leaf returns the index of the one end-entity certificate of the set, or a
// *BundleError matching ErrNoLeaf (none) or ErrSeveralLeaves (more than one,
// naming them), or an error matching ErrTooLarge.
func (s *certSet) leaf() (int, error) {
	var room [4]int
	candidates := room[:0]
	for c := range s.certs {
		ca, err := s.isCA(c)
		if err != nil {
			return 0, err
		}
		if !ca {
			candidates = append(candidates, c)
		}
	}
	switch len(candidates) {
	case 1:
		return candidates[0], nil
	case 0:
		e := &BundleError{Err: ErrNoLeaf}
		for _, c := range s.certs {
			e.Subjects = append(e.Subjects, c.Subject.String())
		}
		return 0, e
	}
	e := &BundleError{Err: ErrSeveralLeaves}
	for _, c := range candidates {
		e.Subjects = append(e.Subjects, s.certs[c].Subject.String())
	}
	return 0, e
}
