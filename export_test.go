// This file exposes to the external tests (package collectssl_test) the few
// internals they check directly: the limits, the BER walker's header reader,
// containerLen, the leaf rule and the status-code mapping.

package collectssl

import "crypto/x509"

// The limits, so that tests can build inputs just under and just over them.
const (
	MaxBundleCertificates = maxBundleCertificates
	MaxCertificates       = maxCertificates
	MaxInputSize          = maxInputSize
	MaxNestingDepth       = maxNestingDepth
	MaxResponseBytes      = maxResponseBytes
	MaxResponseFields     = maxResponseFields
	MaxResponseLines      = maxResponseLines
	MaxZipEntries         = maxZipEntries
)

// Constants of the formats, for tests that build containers by hand.
var (
	OidNetscapeSeq = oidNetscapeSeq
	OidSignedData  = oidSignedData
	Utf8BOM        = utf8BOM
	ZipEOCDSig     = zipEOCDSig
)

var (
	Classify     = classify
	ClassifySet  = classifySet
	ContainerLen = containerLen
	SelfSigned   = selfSigned
	StatusErr    = statusErr
)

// BERHeader is berHdr with exported fields.
type BERHeader struct {
	Body, Length            int
	Constructed, Indef, EOC bool
}

// ReadBERHeader reads the BER header at off in b.
func ReadBERHeader(b []byte, off int) (BERHeader, error) {
	var h berHdr
	err := berHeader(b, off, &h)
	return BERHeader{Body: h.body, Length: h.length, Constructed: h.constructed, Indef: h.indef, EOC: h.eoc}, err
}

// DecodeCertificatesWithCertLimit is DecodeCertificates with the cap on
// certificates raised (or lowered) to maxCerts, for the linearity benchmark.
func DecodeCertificatesWithCertLimit(data []byte, maxCerts int) ([]*x509.Certificate, error) {
	lim := defaultLimits
	lim.certs = maxCerts
	return decodeCertificates(data, lim)
}

var (
	LooksLikeHTML  = looksLikeHTML
	LibraryVersion = libraryVersion // a func() string
)

// QueuedCallers returns how many calls wait for c's account lock, and false
// when no call holds it.
func QueuedCallers(c *Client) (int, bool) {
	ep, err := c.endpoint()
	if err != nil {
		return 0, false
	}
	locks.Lock()
	defer locks.Unlock()
	l := locks.m[lockKey(ep.raw, c.Credentials.LoginName)]
	if l == nil {
		return 0, false
	}
	return len(l.waiters), true
}

// AccountLocks returns the number of account locks in the registry: one per
// account with a call in flight or queued.
func AccountLocks() int { return registrySize() }

// MaxBytes is the response size limit c applies.
func (c *Client) MaxBytes() int64 { return c.maxBytes() }

// EncodedForm is the body Collect sends for r.
func EncodedForm(r *Request, c Credentials) (string, error) { return r.encodedForm(c) }

// QueuedOn returns how many calls wait for account a's lock.
func QueuedOn(a Account) int {
	locks.Lock()
	defer locks.Unlock()
	if l := locks.m[a.Key()]; l != nil {
		return len(l.waiters)
	}
	return 0
}
