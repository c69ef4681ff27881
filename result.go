// This file holds Result, the small typed values it carries, and
// ParseResponse, the dispatcher that picks a parser by the request and by the
// body's content.

package collectssl

import (
	"crypto/x509"
	"net/url"
	"time"
)

// Progress is one step of an order's validation, as reported by
// showStatusDetails.
type Progress int

// The values of the specification's status details.
const (
	ProgressNotRequired  Progress = -1 // not required, or not applicable
	ProgressNotCompleted Progress = 0
	ProgressCompleted    Progress = 1
	ProgressInProgress   Progress = 2
)

// StatusDetails are the seven lines (or fields) of showStatusDetails=Y.
type StatusDetails struct {
	CSR, DCV, OVCallback, OrganizationValidation, FreeDVUP, EVClickThrough, BrandValidation Progress
}

// DomainStatus is one "domain STATUS" pair of the MDC domain details.
type DomainStatus struct {
	Domain string
	Status string // VALIDATED, NOTVALIDATED, AWAITINGBRAND, or whatever the server sent
}

// Result is one CollectSSL answer whose status is not negative, read from
// either response format or from a binary body.
type Result struct {
	Status StatusCode

	NotBefore, NotAfter time.Time // zero unless the validity period was returned; UTC
	FQDN                string

	Certificate    *x509.Certificate   // the end-entity certificate, found by content; nil if none was delivered
	CACertificates []*x509.Certificate // every CA certificate delivered, in the order delivered
	Container      []byte              // the raw ZIP / Netscape sequence / PKCS#7 bytes when one was delivered

	CertificateStatus string // showExtStatus
	ValidationStatus  string // showExtStatus
	MDCDomainDetails  []DomainStatus
	MDCDomainDetails2 []DomainStatus
	StatusDetails     *StatusDetails // nil unless returned
	CAAStatus         string         // "" when absent

	Extra url.Values // fields or lines the parser did not recognise, kept, never dropped
}

// Bundle orders the delivered certificates into leaf, intermediates and root
// (see NewBundle).
func (r *Result) Bundle() (*Bundle, error) {
	certs := make([]*x509.Certificate, 0, len(r.CACertificates)+1)
	certs = append(certs, r.CACertificates...)
	if r.Certificate != nil {
		certs = append(certs, r.Certificate)
	}
	return NewBundle(certs)
}
