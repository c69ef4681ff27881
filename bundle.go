// This file holds Bundle: the delivered certificates ordered into leaf,
// intermediates and root (NewBundle, NewBundleAt), the findings that explain
// what was left out and why, and the files servers want (PEM and PKCS#7).

package collectssl

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Limits of NewBundle. Every one of them is far above what CollectSSL
// delivers (two to four certificates, a path of at most four) and low enough
// that a hostile set of certificates cannot make NewBundle work for long.
const (
	// maxBundleCertificates caps the certificates NewBundle accepts, counted
	// before duplicates are removed. (DecodeCertificates has its own cap,
	// maxCertificates in containers.go; this one guards callers who build the
	// slice themselves.)
	maxBundleCertificates = 64

	// maxBundlePathLength caps a chain's length, leaf and root included: the
	// loop guard of the path search, together with never visiting a
	// certificate twice on one path.
	maxBundlePathLength = 8

	// maxBundleSearchSteps caps the candidate paths the search extends: a set
	// of cross-signed CAs can offer exponentially many.
	maxBundleSearchSteps = 4096
)

// FindingCode says what a Finding reports. The values are stable: callers may
// store and compare them.
type FindingCode string

// The findings NewBundle reports.
const (
	// FindingDuplicate: the certificate was delivered more than once (same
	// DER); the copies were dropped.
	FindingDuplicate FindingCode = "duplicate"

	// FindingExpiredDropped: the certificate had expired and was left out,
	// because a path without it exists.
	FindingExpiredDropped FindingCode = "expired-dropped"

	// FindingNotYetValidDropped: like FindingExpiredDropped, for a
	// certificate whose validity has not begun.
	FindingNotYetValidDropped FindingCode = "not-yet-valid-dropped"

	// FindingExpiredKept: a member of the chain has expired, but no path
	// without an expired member exists.
	FindingExpiredKept FindingCode = "expired-kept"

	// FindingNotYetValidKept: like FindingExpiredKept, for a member whose
	// validity has not begun.
	FindingNotYetValidKept FindingCode = "not-yet-valid-kept"

	// FindingCrossSignedTwinDropped: the certificate has the subject and key
	// of a chain member but another issuer (one of the two twins of a
	// cross-signed CA); the chosen path uses the other twin.
	FindingCrossSignedTwinDropped FindingCode = "cross-signed-twin-dropped"

	// FindingStray: the certificate links to nothing in the chosen chain
	// (for example a root whose only child was dropped, or a CA of another
	// chain); it was left out.
	FindingStray FindingCode = "stray"

	// FindingMissingIssuer: the chain ends at a certificate that is not
	// self-signed and whose issuer is not in the bundle, so Root is nil. Not
	// an error: servers serve leaf and intermediates, and clients hold the
	// roots. When the chain is the leaf alone, though, the leaf's issuer was
	// not delivered.
	FindingMissingIssuer FindingCode = "missing-issuer"
)

// Finding is one remark of NewBundle about the certificates it was given:
// what it left out of the chain and why, or what is missing.
type Finding struct {
	Code    FindingCode
	Subject string // the subject of the certificate concerned (RFC 2253 form)
	Text    string // a human-readable explanation

	// Certificate is the certificate concerned (for FindingDuplicate, the
	// copy that was dropped).
	Certificate *x509.Certificate
}

func (f Finding) String() string {
	return string(f.Code) + ": " + strconv.Quote(f.Subject) + ": " + f.Text
}

// Bundle is a leaf certificate and the chain above it.
type Bundle struct {
	Leaf          *x509.Certificate
	Intermediates []*x509.Certificate // the leaf's issuer first; never a self-signed root
	Root          *x509.Certificate   // the self-signed anchor of the chosen path, if delivered; else nil

	// Findings explain every delivered certificate that is not in Leaf,
	// Intermediates or Root, every member kept although outside its
	// validity, and a chain that does not end at a delivered root. Sorted by
	// Code, then Subject, then Text, then the certificate's DER.
	Findings []Finding
}

// NewBundle orders certs (any order, duplicates allowed) into a Bundle,
// judging validity at the current time. See NewBundleAt.
func NewBundle(certs []*x509.Certificate) (*Bundle, error) {
	return NewBundleAt(certs, time.Now())
}

// NewBundleAt orders certs (any order, duplicates allowed; nil entries are
// ignored) into a Bundle, judging validity at now. It does not verify the
// chain against any trust store: it finds the chain the certificates describe.
//
// The rules:
//
//   - Certificates are deduplicated by their DER (FindingDuplicate).
//   - A certificate P issued C when C's issuer name equals P's subject name
//     (byte for byte), P may issue certificates (basic constraints with
//     cA=TRUE, or a version 1 or 2 certificate, which has none; key usage
//     allowing certificate signing when present), and P's key verifies C's
//     signature (SHA-1 signatures accepted). Key identifiers that disagree
//     (C's authority key identifier is not P's subject key identifier) do not
//     exclude P, as in crypto/x509; such a link ranks a path lower (below).
//   - A certificate is self-signed when its subject and issuer names are
//     equal and its key identifiers agree when both are present. Its
//     signature is not checked: Go cannot check the SHA-1 self-signature of
//     AAA Certificate Services, and nothing hinges on it.
//   - A certificate is a CA when its basic constraints say cA=TRUE, or when
//     it may issue and is self-signed (a version 1 root) or issued another
//     certificate of the set. The leaf is the one certificate that is not a
//     CA. None, or more than one, is a *BundleError matching ErrNoLeaf or
//     ErrSeveralLeaves. ParseResponse applies the same rule to fill
//     Result.Certificate.
//   - From the leaf, the search follows issuers upwards; a path ends at a
//     self-signed certificate (the root: it is Root, never an
//     intermediate), at a certificate with no issuer in the set, or, when
//     its next issuer is outside its validity period at now, just before that
//     issuer (provided the path holds at least one intermediate: the leaf's
//     own issuer is never given up).
//   - Among the paths, NewBundleAt picks the one with the fewest members
//     outside their validity period (the leaf does not count); then the one
//     with the fewest links whose key identifiers disagree; then one that
//     ends at a delivered self-signed root; then the shortest; then, to be
//     independent of the input order, the one whose members' SHA-256 sort
//     first. So an expired cross-certificate is dropped when its self-signed
//     twin is delivered or when the chain works without it, and when both
//     twins of a cross-signed CA lead to a delivered root, the self-signed
//     twin is the root and the cross-certificate is dropped.
//   - Every delivered certificate left out is reported in Findings, as is a
//     chain that ends below its root (FindingMissingIssuer) and a member
//     kept outside its validity period.
//
// More than 64 certificates, or a set whose search exceeds its bounds (a
// path of 8 certificates, 100 signature checks, 4096 candidate paths), is an
// error matching ErrTooLarge.
func NewBundleAt(certs []*x509.Certificate, now time.Time) (*Bundle, error) {
	if len(certs) > maxBundleCertificates {
		return nil, fmt.Errorf("%w: bundle of %d certificates, more than %d", ErrTooLarge, len(certs), maxBundleCertificates)
	}
	set := newCertSet(certs)
	leaf, err := set.leaf()
	if err != nil {
		return nil, err
	}
	return set.bundle(leaf, now)
}

// bundle finds the chain above the leaf, the certificate at index leaf.
func (s *certSet) bundle(leaf int, now time.Time) (*Bundle, error) {
	b := &bundler{certSet: s, now: now, hashes: make([][sha256.Size]byte, len(s.certs))}
	for i, c := range s.certs {
		b.hashes[i] = sha256.Sum256(c.Raw)
	}
	for _, c := range s.dups {
		b.findings = append(b.findings, Finding{FindingDuplicate, c.Subject.String(), "delivered more than once; the copies were dropped", c})
	}
	b.path = make([]int, 0, maxBundlePathLength)
	b.path = append(b.path, leaf)
	if err := b.search(); err != nil {
		return nil, err
	}
	return b.result(), nil
}

// bundler holds the state of one search for a chain.
type bundler struct {
	*certSet
	now      time.Time
	hashes   [][sha256.Size]byte // SHA-256 of each certificate's DER, for the tie-break
	findings []Finding

	path  []int // the path being extended, leaf first
	steps int   // paths extended
	best  []int // the best complete path so far
	bestR rank
}

// rank is what paths are compared by, best first.
type rank struct {
	outside    int  // members outside their validity period, the leaf excepted
	mismatches int  // links whose key identifiers disagree
	root       bool // ends at a self-signed root
}

// validity returns "" when c is valid at now, else "expired" or "not yet valid".
func (b *bundler) validity(c int) string {
	switch cert := b.certs[c]; {
	case b.now.After(cert.NotAfter):
		return "expired"
	case b.now.Before(cert.NotBefore):
		return "not yet valid"
	}
	return ""
}

// onPath reports whether c, or a twin of c (same subject and key), is on the
// path being extended: going through both twins of a CA never helps, and this
// is the search's loop guard.
func (b *bundler) onPath(c int) bool {
	for _, x := range b.path {
		if x == c || b.twins(x, c) {
			return true
		}
	}
	return false
}

// twins reports whether certificates x and y have the same subject and key.
func (b *bundler) twins(x, y int) bool {
	return bytes.Equal(b.certs[x].RawSubject, b.certs[y].RawSubject) &&
		bytes.Equal(b.certs[x].RawSubjectPublicKeyInfo, b.certs[y].RawSubjectPublicKeyInfo)
}

// search extends b.path (the leaf and what lies above it) by every issuer of
// its top, depth first, and offers each complete path to consider. It
// terminates: the path never holds a certificate twice (nor two twins) nor grows beyond
// maxBundlePathLength, and the steps are counted against
// maxBundleSearchSteps.
func (b *bundler) search() error {
	b.steps++
	if b.steps > maxBundleSearchSteps {
		return fmt.Errorf("%w: bundle offers more than %d candidate paths", ErrTooLarge, maxBundleSearchSteps)
	}
	top := b.path[len(b.path)-1]
	if len(b.path) > 1 && selfSigned(b.certs[top]) {
		b.consider(true)
		return nil
	}
	if len(b.path) == maxBundlePathLength {
		b.consider(false)
		return nil
	}
	extended := false
	for p := range b.certs {
		if b.onPath(p) {
			continue
		}
		ok, err := b.issued(p, top)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if len(b.path) > 1 && b.validity(p) != "" {
			b.consider(false) // the path may stop below an issuer outside its validity
		}
		extended = true
		b.path = append(b.path, p)
		err = b.search()
		b.path = b.path[:len(b.path)-1]
		if err != nil {
			return err
		}
	}
	if !extended {
		b.consider(false)
	}
	return nil
}

// consider keeps b.path if it is better than the best path so far.
func (b *bundler) consider(root bool) {
	r := rank{root: root}
	for i, c := range b.path[1:] {
		if b.validity(c) != "" {
			r.outside++
		}
		if !keyIDsAgree(b.certs[b.path[i]], b.certs[c]) {
			r.mismatches++
		}
	}
	if b.best != nil && !b.better(r, b.path, b.bestR, b.best) {
		return
	}
	b.best = append(b.best[:0], b.path...)
	b.bestR = r
}

// better reports whether path x (ranked rx) beats path y (ranked ry).
func (b *bundler) better(rx rank, x []int, ry rank, y []int) bool {
	switch {
	case rx.outside != ry.outside:
		return rx.outside < ry.outside
	case rx.mismatches != ry.mismatches:
		return rx.mismatches < ry.mismatches
	case rx.root != ry.root:
		return rx.root
	case len(x) != len(y):
		return len(x) < len(y)
	}
	for i := range x {
		if c := bytes.Compare(b.hashes[x[i]][:], b.hashes[y[i]][:]); c != 0 {
			return c < 0
		}
	}
	return false
}

// result turns the best path into a Bundle with its findings.
func (b *bundler) result() *Bundle {
	path := b.best
	bundle := &Bundle{Leaf: b.certs[path[0]]}
	members := path[1:]
	if b.bestR.root {
		bundle.Root = b.certs[path[len(path)-1]]
		members = path[1 : len(path)-1]
	}
	for _, c := range members {
		bundle.Intermediates = append(bundle.Intermediates, b.certs[c])
	}

	inPath := make([]bool, len(b.certs))
	for _, c := range path {
		inPath[c] = true
	}
	for _, c := range path[1:] {
		switch b.validity(c) {
		case "expired":
			b.findings = append(b.findings, Finding{FindingExpiredKept, b.certs[c].Subject.String(),
				"expired " + b.certs[c].NotAfter.UTC().Format(time.RFC3339) + "; kept: no path without an expired member", b.certs[c]})
		case "not yet valid":
			b.findings = append(b.findings, Finding{FindingNotYetValidKept, b.certs[c].Subject.String(),
				"valid from " + b.certs[c].NotBefore.UTC().Format(time.RFC3339) + "; kept: no path without such a member", b.certs[c]})
		}
	}
	top := b.certs[path[len(path)-1]]
	if !b.bestR.root && !selfSigned(top) {
		b.findings = append(b.findings, Finding{FindingMissingIssuer, top.Subject.String(),
			"the chain ends here: its issuer " + strconv.Quote(top.Issuer.String()) + " is not in the bundle", top})
	}
	for c, cert := range b.certs {
		if inPath[c] {
			continue
		}
		f := Finding{Subject: cert.Subject.String(), Certificate: cert}
		switch v := b.validity(c); {
		case v == "expired":
			f.Code, f.Text = FindingExpiredDropped, "expired "+cert.NotAfter.UTC().Format(time.RFC3339)+"; dropped"
		case v != "":
			f.Code, f.Text = FindingNotYetValidDropped, "valid from "+cert.NotBefore.UTC().Format(time.RFC3339)+"; dropped"
		case b.twinOnPath(c):
			f.Code, f.Text = FindingCrossSignedTwinDropped, "the chain uses its twin with the same subject and key, issued by another CA; dropped (issuer "+strconv.Quote(cert.Issuer.String())+")"
		default:
			f.Code, f.Text = FindingStray, "links to nothing in the chain; dropped"
		}
		b.findings = append(b.findings, f)
	}
	sort.Slice(b.findings, func(i, j int) bool {
		x, y := b.findings[i], b.findings[j]
		if x.Code != y.Code {
			return x.Code < y.Code
		}
		if x.Subject != y.Subject {
			return x.Subject < y.Subject
		}
		if x.Text != y.Text {
			return x.Text < y.Text
		}
		return bytes.Compare(x.Certificate.Raw, y.Certificate.Raw) < 0 // twins share subject and text
	})
	bundle.Findings = b.findings
	return bundle
}

// twinOnPath reports whether a certificate on the chosen path has c's subject
// and public key.
func (b *bundler) twinOnPath(c int) bool {
	for _, x := range b.best {
		if b.twins(x, c) {
			return true
		}
	}
	return false
}

// appendPEM appends the canonical PEM encoding of each certificate's DER:
// "CERTIFICATE" blocks, 64 columns, LF line endings, nothing between blocks.
func appendPEM(dst []byte, certs ...*x509.Certificate) []byte {
	for _, c := range certs {
		if c != nil {
			dst = append(dst, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
	}
	return dst
}

// CertPEM returns the leaf in PEM, or nil if there is none.
func (b *Bundle) CertPEM() []byte {
	return appendPEM(nil, b.Leaf)
}

// ChainPEM returns the intermediates in PEM, the leaf's issuer first, or nil
// if there are none.
func (b *Bundle) ChainPEM() []byte {
	return appendPEM(nil, b.Intermediates...)
}

// FullChainPEM returns the leaf then the intermediates in PEM: what nginx,
// Apache and HAProxy serve.
func (b *Bundle) FullChainPEM() []byte {
	return appendPEM(appendPEM(nil, b.Leaf), b.Intermediates...)
}

// RootPEM returns the root in PEM, or nil when no root was delivered.
func (b *Bundle) RootPEM() []byte {
	return appendPEM(nil, b.Root)
}

// PKCS7 returns a DER certs-only PKCS#7 SignedData holding the leaf and the
// intermediates (the leaf first), the form IIS and Java keystores import.
func (b *Bundle) PKCS7() ([]byte, error) {
	if b.Leaf == nil {
		return nil, fmt.Errorf("%w: PKCS#7 of a bundle without a leaf", ErrNoLeaf)
	}
	return certsOnlyPKCS7(append([]*x509.Certificate{b.Leaf}, b.Intermediates...)), nil
}

// certsOnlyPKCS7 encodes certs as a degenerate ("certs-only") PKCS#7
// SignedData, RFC 2315 section 9.1 with no signers:
//
//	ContentInfo ::= SEQUENCE { contentType signedData, [0] EXPLICIT SignedData }
//	SignedData ::= SEQUENCE { version 1, digestAlgorithms SET {},
//	    contentInfo SEQUENCE { data }, certificates [0] IMPLICIT SET OF Certificate,
//	    signerInfos SET {} }
//
// The certificates keep their order, as OpenSSL's crl2pkcs7 does, rather than
// the byte order a canonical DER SET OF would impose: readers take them as a
// set, and people read the leaf first.
func certsOnlyPKCS7(certs []*x509.Certificate) []byte {
	var set []byte
	for _, c := range certs {
		if c != nil {
			set = append(set, c.Raw...)
		}
	}
	signedData := derElement(0x30,
		[]byte{0x02, 0x01, 0x01}, // version 1
		[]byte{0x31, 0x00},       // digestAlgorithms: none
		derElement(0x30, derElement(0x06, oidData)),
		derElement(0xa0, set), // [0] IMPLICIT certificates
		[]byte{0x31, 0x00},    // signerInfos: none
	)
	return derElement(0x30, derElement(0x06, oidSignedData), derElement(0xa0, signedData))
}

// derElement encodes one DER element of the given (one-byte) tag whose
// contents are the concatenation of parts, with a definite length in the
// shortest form.
func derElement(tag byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, 6+n)
	out = append(out, tag)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	default:
		var l []byte
		for v := n; v > 0; v >>= 8 {
			l = append([]byte{byte(v)}, l...)
		}
		out = append(out, 0x80|byte(len(l)))
		out = append(out, l...)
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
