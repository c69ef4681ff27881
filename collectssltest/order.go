// This file holds Order (what an order on the fake server looks like: its
// numbers, state, domains, validity, statuses and the chain it is issued
// under), its enums, Quirks (the public knobs for how answers are laid out),
// and how an order and its quirks become the state and layout wire renders.

package collectssltest

import (
	"crypto"
	"crypto/x509"
	"strconv"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/wire"
)

// State is the state of an order, which decides the status code the server
// answers with.
type State int

// The order states. The zero value is StateIssued, so that Order{} is an
// issued order.
const (
	// StateIssued answers status 2 (certificates attached) or, for
	// queryType 0, status 1 (available).
	StateIssued State = iota
	// StateProcessing answers status 0 (being processed), with the MDC domain
	// details and the status details when asked for.
	StateProcessing
	// StateRejected answers -20, "The certificate request has been rejected!".
	StateRejected
	// StateRevoked answers -21, "The certificate has been revoked!".
	StateRevoked
	// StateAwaitingPayment answers -22, "Still awaiting payment!".
	StateAwaitingPayment
	// StateUnknownError answers -14, "An unknown error occurred!", as the
	// service does when something breaks on its side.
	StateUnknownError
)

func (s State) String() string {
	switch s {
	case StateIssued:
		return "issued"
	case StateProcessing:
		return "processing"
	case StateRejected:
		return "rejected"
	case StateRevoked:
		return "revoked"
	case StateAwaitingPayment:
		return "awaiting payment"
	case StateUnknownError:
		return "unknown error"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Shape is the shape of the chain an order is issued under, as CollectSSL
// serves it (root first, leaf last).
type Shape int

// The chain shapes. Every certificate is generated per server: its common
// names start with "Test " and it chains to nothing real.
const (
	// ShapeTestMode is a test-mode order: one self-signed test root that
	// issues the leaf.
	ShapeTestMode Shape = iota
	// ShapePre2025 is AAA Certificate Services, USERTrust cross-signed by
	// AAA, the Sectigo Domain Validation Secure Server CA, the leaf.
	ShapePre2025
	// Shape2025 is USERTrust, Root R46 (E46) cross-signed by USERTrust,
	// CA DV R36 (E36), the leaf.
	Shape2025
)

func (s Shape) String() string { return s.certgen().String() }

func (s Shape) certgen() certgen.Shape {
	switch s {
	case ShapeTestMode:
		return certgen.TestMode
	case ShapePre2025:
		return certgen.Pre2025
	case Shape2025:
		return certgen.Shape2025
	}
	return certgen.Shape(-1 - int(s)) // never valid: certgen.New refuses it
}

// KeyType is the public key algorithm of the leaf and its CAs.
type KeyType int

// The key types. The zero value is KeyECDSA.
const (
	KeyECDSA KeyType = iota // P-256 leaf and issuing CA, P-384 roots
	KeyRSA                  // 2048-bit RSA throughout
)

func (k KeyType) String() string { return k.certgen().String() }

func (k KeyType) certgen() certgen.KeyType {
	switch k {
	case KeyECDSA:
		return certgen.ECDSA
	case KeyRSA:
		return certgen.RSA
	}
	return certgen.KeyType(-1 - int(k))
}

// CertOrder is the order of the certificates inside a container (the ZIP of
// responseType 0, the Netscape sequence of 1, the PKCS#7 of 2).
// Individually encoded certificates (responseType 3) always come root
// first, leaf last, as CollectSSL sends them.
type CertOrder int

// The certificate orders. The zero value defers to the server.
const (
	// CertOrderDefault is, for an order, the server's Options.CertOrder;
	// for the server, CertOrderRootFirst.
	CertOrderDefault CertOrder = iota
	// CertOrderRootFirst is the root first, the leaf last: the order of
	// CollectSSL's text formats.
	CertOrderRootFirst
	// CertOrderLeafFirst is the leaf first, then its issuer, up to the root.
	CertOrderLeafFirst
)

func (c CertOrder) String() string {
	switch c {
	case CertOrderDefault:
		return "default"
	case CertOrderRootFirst:
		return "root-first"
	case CertOrderLeafFirst:
		return "leaf-first"
	}
	return "CertOrder(" + strconv.Itoa(int(c)) + ")"
}

// Order is one order on the fake server. Fill in what the test cares about
// and pass it to Server.AddOrder, which fills in the rest and returns it; the
// zero value is an issued test-mode order for www.example.test.
//
// The fields under "Filled in by AddOrder" are outputs: AddOrder ignores what
// they hold.
type Order struct {
	// OrderNumber, CertificateID and BaseOrderNumber identify the order; a
	// request may name it by any of them. AddOrder fills the empty ones with
	// unique generated decimal numbers. CertificateID and BaseOrderNumber
	// must be decimal digits (at most 16 and 20). Several orders may share a
	// BaseOrderNumber (renewals): a request by baseOrderNumber finds the one
	// added last.
	OrderNumber     string
	CertificateID   string
	BaseOrderNumber string

	State State
	// IssueAfterPolls, when > 0, moves a StateProcessing order to
	// StateIssued after that many calls for it: the first IssueAfterPolls
	// calls answer status 0, the ones after answer as issued.
	IssueAfterPolls int

	// Domains are the leaf's DNS names; the first is its common name.
	// Empty means "www.example.test".
	Domains []string
	// FQDN is what showFQDN returns; "" means Domains[0], unless EmptyFQDN
	// is set (some real issued orders return an empty FQDN).
	FQDN      string
	EmptyFQDN bool

	// NotBefore and NotAfter are the leaf's validity period; zero means
	// Sectigo's style: 00:00:00 UTC today (by the server's clock) to 23:59:59
	// UTC on the same day a year later.
	NotBefore, NotAfter time.Time

	// Shape and KeyType choose the chain the leaf is issued under.
	Shape   Shape
	KeyType KeyType
	// ExpiredCross serves a cross-certificate that expired yesterday (as
	// AddTrust's did in 2020, and AAA's will on 2028-12-31); not for
	// ShapeTestMode.
	ExpiredCross bool
	// SHA1Root signs the AAA root with SHA-1, as the real one is
	// (ShapePre2025 only).
	SHA1Root bool

	// CertificateStatus and ValidationStatus are the two showExtStatus
	// lines. "" means "Issued" and "Complete" for an issued order,
	// "Awaiting Validation" and "Awaiting Legal Documents" for one being
	// processed.
	CertificateStatus, ValidationStatus string
	// MDCDomainDetails and MDCDomainDetails2 are what showMDCDomainDetails
	// and showMDCDomainDetails2 return while the order is being processed;
	// nil means every domain of Domains with status NOTVALIDATED.
	MDCDomainDetails, MDCDomainDetails2 []collectssl.DomainStatus
	// StatusDetails is what showStatusDetails returns; nil means CSR
	// completed, DCV completed (issued) or in progress (processing), and
	// every other step not required.
	StatusDetails *collectssl.StatusDetails
	// CAAStatus is sent when not "" (Authorized, Not Authorized, Timeout,
	// Error 'NNN', ...).
	CAAStatus string

	// ZIPNames, when not nil, names the ZIP entries of responseType 0: one
	// name per CA certificate (root first), then the leaf's. Nil picks the
	// names the way Sectigo does (SectigoRSADomainValidationSecureServerCA.crt,
	// www_example_test.crt, ...), plus a .ca-bundle.
	ZIPNames []string
	// Container, when not nil, is sent as is for responseType 0, 1 and 2
	// instead of the container built from the chain (a BER PKCS#7 or a ZIP
	// made by another tool, say).
	Container []byte

	// Quirks lay out this order's answers the way some real servers and
	// proxies do; the zero value is what the production service sends.
	Quirks Quirks
	// CertOrder is the order of the certificates inside its containers.
	CertOrder CertOrder

	// Renews, when not "", is the order number of the order this one
	// renews: the leaf gets a new key (not the one shared by the server's
	// other leaves), and empty Domains, BaseOrderNumber and NotBefore
	// default to the renewed order's domains, its base order number, and
	// 00:00 UTC today or, when that is not later, an hour after the renewed
	// order's NotBefore.
	Renews string

	// Replay, when not nil, is answered to every valid call for the order,
	// whatever it asks: the captured answer's HTTP status, Content-Type and
	// body, byte for byte (see collectssl.Client.Capture and
	// collectssl.ReadCapture). An answer seen once in production becomes a
	// regression test: AddOrder(Order{Replay: capture}), then Collect.
	Replay *collectssl.Capture

	// Filled in by AddOrder.

	// Chain is the chain as CollectSSL serves it: CA certificates root
	// first, the leaf last.
	Chain []*x509.Certificate
	// CACertificates is Chain without the leaf.
	CACertificates []*x509.Certificate
	// Leaf is the end-entity certificate (issued even while the order is in
	// another state, so that tests can compare) and LeafKey its private key
	// (shared by the server's leaves of the same key type).
	Leaf    *x509.Certificate
	LeafKey crypto.Signer
	// Polls is how many calls have named this order (Server.Order reports
	// it).
	Polls int
}

// Quirks are the layout deviations real servers and proxies show, for
// testing a client's parser against them. The zero value is what the
// production service sends.
type Quirks struct {
	CRLF                   bool   // format 0 lines end in "\r\n"
	BOM                    bool   // a UTF-8 byte order mark starts a text body
	NoFinalNewline         bool   // format 0 has no line ending after its last line
	TrailingSpaces         bool   // format 0 text lines end in spaces
	BlankAfterCertificates bool   // an empty line follows the certificate data in format 0
	SplitValidity          bool   // the two dates of format 0 on two lines
	StatusDetailSep        string // when not "": format 0 status details as "name" + sep + "value" ("=" or " ")
	PEMContainer           bool   // format 0 base64 containers inside PEM armour
	Wrap                   int    // base64 line width of format 0 containers: 0 means 64, < 0 one line
	PlusAs                 string // how format 1 sends a base64 '+': "" means "%2B", or "+" or " " (careless servers)
	Charset                string // when not "": the text is in this charset (e.g. "windows-1252"), named in the Content-Type
}

func (q Quirks) layout() wire.Layout {
	return wire.Layout{
		Wrap:                   q.Wrap,
		CRLF:                   q.CRLF,
		BOM:                    q.BOM,
		NoFinalNewline:         q.NoFinalNewline,
		TrailingSpaces:         q.TrailingSpaces,
		BlankAfterCertificates: q.BlankAfterCertificates,
		SplitValidity:          q.SplitValidity,
		StatusDetailSep:        q.StatusDetailSep,
		PEMContainer:           q.PEMContainer,
		PlusAs:                 q.PlusAs,
		Charset:                q.Charset,
	}
}

// clone returns a copy of o that shares no slice or pointer with it (the
// certificates themselves are immutable and shared).
func (o Order) clone() Order {
	o.Domains = append([]string(nil), o.Domains...)
	o.MDCDomainDetails = cloneDomains(o.MDCDomainDetails)
	o.MDCDomainDetails2 = cloneDomains(o.MDCDomainDetails2)
	if o.StatusDetails != nil {
		sd := *o.StatusDetails
		o.StatusDetails = &sd
	}
	if o.ZIPNames != nil {
		o.ZIPNames = append([]string(nil), o.ZIPNames...)
	}
	if o.Container != nil {
		o.Container = append([]byte(nil), o.Container...)
	}
	o.Chain = append([]*x509.Certificate(nil), o.Chain...)
	o.CACertificates = append([]*x509.Certificate(nil), o.CACertificates...)
	return o
}

func cloneDomains(d []collectssl.DomainStatus) []collectssl.DomainStatus {
	if d == nil {
		return nil
	}
	return append([]collectssl.DomainStatus(nil), d...)
}

// wireState is the order as wire renders it, for a call whose status is
// status (>= 0), on a server whose default certificate order is def. It
// shares the order's slices: o is a snapshot (see Server.poll).
func (o *Order) wireState(status collectssl.StatusCode, def CertOrder) wire.State {
	st := wire.State{
		Status:            status,
		NotBefore:         o.NotBefore,
		NotAfter:          o.NotAfter,
		FQDN:              o.FQDN,
		Leaf:              o.Leaf.Raw,
		CAs:               make([][]byte, len(o.CACertificates)),
		Container:         o.Container,
		ZIPNames:          o.ZIPNames,
		CertificateStatus: o.CertificateStatus,
		ValidationStatus:  o.ValidationStatus,
		MDCDomainDetails:  domainsOr(o.MDCDomainDetails, o.Domains),
		MDCDomainDetails2: domainsOr(o.MDCDomainDetails2, o.Domains),
		StatusDetails:     o.StatusDetails,
		CAAStatus:         o.CAAStatus,
		Layout:            o.Quirks.layout(),
	}
	co := o.CertOrder
	if co == CertOrderDefault {
		co = def
	}
	st.Layout.LeafFirst = co == CertOrderLeafFirst
	for i, c := range o.CACertificates {
		st.CAs[i] = c.Raw
	}
	issued := o.State == StateIssued
	if st.CertificateStatus == "" && st.ValidationStatus == "" {
		if issued {
			st.CertificateStatus, st.ValidationStatus = "Issued", "Complete"
		} else {
			st.CertificateStatus, st.ValidationStatus = "Awaiting Validation", "Awaiting Legal Documents"
		}
	}
	if st.StatusDetails == nil {
		st.StatusDetails = &collectssl.StatusDetails{
			CSR:                    collectssl.ProgressCompleted,
			DCV:                    collectssl.ProgressInProgress,
			OVCallback:             collectssl.ProgressNotRequired,
			OrganizationValidation: collectssl.ProgressNotRequired,
			FreeDVUP:               collectssl.ProgressNotRequired,
			EVClickThrough:         collectssl.ProgressNotRequired,
			BrandValidation:        collectssl.ProgressNotRequired,
		}
		if issued {
			st.StatusDetails.DCV = collectssl.ProgressCompleted
		}
	}
	return st
}

// domainsOr returns d, or when d is nil every domain of domains as
// NOTVALIDATED.
func domainsOr(d []collectssl.DomainStatus, domains []string) []collectssl.DomainStatus {
	if d != nil {
		return d
	}
	out := make([]collectssl.DomainStatus, len(domains))
	for i, name := range domains {
		out[i] = collectssl.DomainStatus{Domain: name, Status: "NOTVALIDATED"}
	}
	return out
}
