// This file holds Result, the small typed values it carries, and
// ParseResponse, the dispatcher that picks a parser by the request and by the
// body's content.

package collectssl

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
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

// statusDetailNames are the names of the seven status details, in the order
// the fields of StatusDetails and the lines of format 0 follow, lower-cased:
// both parsers match them in any case, since the specification spells
// ovCallbackStatus with a small b in one format and a capital B in the
// other. Format 0 lines may carry them as a prefix; format 1 has them as keys.
var statusDetailNames = [7]string{
	"csrstatus", "dcvstatus", "ovcallbackstatus", "organizationvalidationstatus",
	"freedvupstatus", "evclickthroughstatus", "brandvalstatus",
}

// set sets the status detail at index i of statusDetailNames.
func (d *StatusDetails) set(i int, v Progress) {
	switch i {
	case 0:
		d.CSR = v
	case 1:
		d.DCV = v
	case 2:
		d.OVCallback = v
	case 3:
		d.OrganizationValidation = v
	case 4:
		d.FreeDVUP = v
	case 5:
		d.EVClickThrough = v
	case 6:
		d.BrandValidation = v
	}
}

// DomainStatus is one "domain STATUS" pair of the MDC domain details.
type DomainStatus struct {
	Domain string
	Status string // VALIDATED, NOTVALIDATED, AWAITINGBRAND, or whatever the server sent
}

// parseDomains reads "domain1.com VALIDATED, domain2.com NOTVALIDATED"; an
// item without a space is a domain with an empty status.
func parseDomains(s string) []DomainStatus {
	var out []DomainStatus
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		d := DomainStatus{Domain: item}
		if i := strings.LastIndexAny(item, " \t"); i >= 0 {
			d.Domain, d.Status = strings.TrimSpace(item[:i]), item[i+1:]
		}
		out = append(out, d)
	}
	return out
}

// Result is one CollectSSL answer whose status is not negative, read from
// either response format or from a binary body.
type Result struct {
	Status StatusCode

	NotBefore, NotAfter time.Time // zero unless the validity period was returned; UTC
	FQDN                string

	// Certificate is the end-entity certificate, found by content (the rule
	// of NewBundle); nil if none was delivered, or if several were.
	Certificate *x509.Certificate
	// CACertificates are the other certificates delivered, in the order
	// delivered, duplicates dropped: the CA certificates; and, when
	// Certificate is nil because several end-entity certificates were
	// delivered, those too, so that nothing delivered is lost.
	CACertificates []*x509.Certificate
	// Container is the raw ZIP, Netscape sequence or PKCS#7 when one was
	// delivered. The certificates parsed from it share its memory: treat it
	// as read-only (copy it to change it).
	Container []byte

	CertificateStatus string // showExtStatus
	ValidationStatus  string // showExtStatus
	MDCDomainDetails  []DomainStatus
	MDCDomainDetails2 []DomainStatus
	StatusDetails     *StatusDetails // nil unless returned
	CAAStatus         string         // "" when absent

	Extra url.Values // fields or lines the parser did not recognise, kept, never dropped
}

// Bundle orders the delivered certificates into leaf, intermediates and root
// (see NewBundle), starting from r.Certificate, so that Bundle.Leaf is always
// r.Certificate. When the answer carries no certificate at all (a status
// query, an order not issued yet), the error is a *BundleError matching
// ErrNoLeaf that says so. When r.Certificate is nil but CA certificates were
// delivered, they did not hold exactly one end-entity certificate, and the
// error is the *BundleError NewBundle gives for them (ErrNoLeaf or
// ErrSeveralLeaves).
func (r *Result) Bundle() (*Bundle, error) {
	if r.Certificate == nil && len(r.CACertificates) == 0 {
		return nil, &BundleError{Err: fmt.Errorf("%w: the answer (status %d, %s) carries no certificates", ErrNoLeaf, int(r.Status), r.Status)}
	}
	if r.Certificate == nil {
		return NewBundle(r.CACertificates)
	}
	certs := make([]*x509.Certificate, 0, len(r.CACertificates)+1)
	certs = append(certs, r.Certificate)
	certs = append(certs, r.CACertificates...)
	if len(certs) > maxBundleCertificates {
		return nil, fmt.Errorf("%w: bundle of %d certificates, more than %d", ErrTooLarge, len(certs), maxBundleCertificates)
	}
	return newCertSet(certs).bundle(0, time.Now())
}

// maxResponseBytes bounds every response body the parsers accept. A
// CollectSSL answer carries at most a handful of certificates (about 2 KiB of
// DER each), so even a ZIP of them in base64 with a CA bundle stays under
// 64 KiB; 4 MiB leaves room for odd chains and verbose servers while keeping a
// hostile or broken server from making us buffer and parse without bound.
const maxResponseBytes = DefaultMaxResponseBytes

// maxResponseCertificates bounds the certificates one response may deliver:
// Sectigo sends at most four (root, cross-certificate, intermediate, leaf),
// and classifying them is quadratic in their number.
const maxResponseCertificates = 32

// maxResponseLines bounds the lines of a responseFormat=0 body, and
// maxResponseFields the fields of a responseFormat=1 body. A real answer has
// a few dozen lines (four PEM certificates are about 120) and at most thirty
// fields; a 4 MiB container in base64 wrapped at 64 columns is 66,000 lines.
// Without these, a body of 4 MiB of line endings or of "&" would cost a
// hundred times its size in bookkeeping (every unexpected line or field is
// kept in Result.Extra).
const (
	maxResponseLines  = 1 << 17
	maxResponseFields = 1 << 12
)

// ParseResponse reads the body of one CollectSSL answer to req, whatever its
// form: responseFormat=0 lines (ParseLines), responseFormat=1 URL-encoded
// fields (ParseURLEncoded), or the bare ZIP or PKCS#7 of a successful binary
// collection. A nil req reads as the zero Request (no show flags).
//
// The form is decided by content, never by contentType: a body starting
// "PK\x03\x04" or with a DER/BER SEQUENCE of long form length (0x30 then a
// byte >= 0x80; a text status "0" is 0x30 followed by a line ending) is a
// binary container and a successful collection (status 2, no status line,
// Container = a copy of body); a body that starts with a digit, '-' or '+'
// is read as lines, one that starts with a key and '=' as URL-encoded fields,
// whatever req.ResponseFormat asked for (the specification says
// responseFormat only matters with base64 encoding, so an error to a binary
// request may come either way); anything else as the requested format. The
// charset parameter of contentType is used to decode text that is not UTF-8
// (Windows-1252 when there is none).
//
// The error is a *StatusError if the answer carries a negative status code
// (the Result is then nil), a *ParseError (matching ErrMalformedResponse, and
// ErrTooLarge when body is over the limit) if body is not a valid answer, and
// nil otherwise.
func ParseResponse(req *Request, contentType string, body []byte) (*Result, error) {
	if err := checkSize(body); err != nil {
		return nil, err
	}
	if req == nil {
		req = &Request{}
	}
	if isBinaryContainer(body) {
		return parseBinary(body)
	}
	enc := charsetOf(contentType)
	if enc != defaultCharset && isUTF16Charset(enc) {
		// UTF-16's ASCII is ASCII with NUL bytes: decode the whole body
		// before anything looks at it, whichever format it is in.
		body, enc = fromUTF16(body, enc), defaultCharset
	}
	text := bytes.TrimPrefix(body, utf8BOM)
	switch {
	case len(text) > 0 && (text[0] >= '0' && text[0] <= '9' || text[0] == '-' || text[0] == '+'):
		return parseLines(req, body, enc)
	case looksURLEncoded(text):
		return parseURLEncoded(body, enc)
	case req.ResponseFormat == FormatURLEncoded:
		return parseURLEncoded(body, enc)
	}
	return parseLines(req, body, enc)
}

func checkSize(body []byte) error {
	if len(body) > maxResponseBytes {
		return &ParseError{Field: "body", Err: fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, len(body), maxResponseBytes)}
	}
	return nil
}

// isBinaryContainer reports whether body starts like a ZIP archive or like a
// DER/BER SEQUENCE big enough to hold a certificate (long-form or indefinite
// length): see ParseResponse for why a short-form 0x30 is text.
func isBinaryContainer(body []byte) bool {
	if bytes.HasPrefix(body, []byte(zipLocalSig)) {
		return true
	}
	return len(body) >= 2 && body[0] == 0x30 && body[1] >= 0x80
}

// looksURLEncoded reports whether text starts with a key (letters, digits,
// '_', '%') followed by '='.
func looksURLEncoded(text []byte) bool {
	for i, c := range text {
		switch {
		case c == '=':
			return i > 0
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '%':
		default:
			return false
		}
	}
	return false
}

// parseBinary reads the body of a successful binary collection: one ZIP or
// PKCS#7 container and nothing else.
func parseBinary(body []byte) (*Result, error) {
	container := bytes.Clone(body)
	certs, err := decodeResponseContainer(container)
	if err != nil {
		return nil, &ParseError{Field: "container", Err: err}
	}
	r := &Result{Status: StatusAttached, Container: container}
	if err := r.setCertificates(certs); err != nil {
		return nil, &ParseError{Field: "container", Err: err}
	}
	return r, nil
}

// setCertificates classifies certs (delivered order) into r.Certificate and
// r.CACertificates.
func (r *Result) setCertificates(certs []*x509.Certificate) error {
	if len(certs) > maxResponseCertificates {
		return fmt.Errorf("%w: %d certificates, more than %d", ErrTooLarge, len(certs), maxResponseCertificates)
	}
	var err error
	r.Certificate, r.CACertificates, err = classify(certs)
	return err
}

// classify finds the end-entity certificate among certs by the rule
// NewBundle uses (see certSet.leaf) and returns it with every other
// certificate, in delivered order, duplicates (same DER) dropped. When no
// certificate, or more than one, is an end-entity certificate, leaf is nil
// and cas holds every certificate: nothing delivered is lost. The error
// matches ErrTooLarge when the rule needs more than maxSignatureChecks.
func classify(certs []*x509.Certificate) (leaf *x509.Certificate, cas []*x509.Certificate, err error) {
	if leaf, cas, ok := classifyAlone(certs); ok {
		return leaf, cas, nil
	}
	return classifySet(certs)
}

// classifySet is classify by the rule of certSet.leaf, for any set.
func classifySet(certs []*x509.Certificate) (leaf *x509.Certificate, cas []*x509.Certificate, err error) {
	set := newCertSet(certs)
	at, err := set.leaf()
	if err != nil {
		// be is declared here: its address escapes, and a variable
		// declared at the top would be allocated on every call.
		var be *BundleError
		if errors.As(err, &be) {
			// A copy: set.certs may lie in the set's own room, which
			// the Result would otherwise keep and share.
			return nil, nilIfEmpty(slices.Clone(set.certs)), nil
		}
		return nil, nil, err
	}
	cas = make([]*x509.Certificate, 0, len(set.certs)-1)
	cas = append(cas, set.certs[:at]...)
	cas = append(cas, set.certs[at+1:]...)
	return set.certs[at], nilIfEmpty(cas), nil
}

func nilIfEmpty(cs []*x509.Certificate) []*x509.Certificate {
	if len(cs) == 0 {
		return nil
	}
	return cs
}
