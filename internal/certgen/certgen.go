// Package certgen generates certificate chains shaped like the ones Sectigo's
// CollectSSL hands out, for tests: the test-mode chain (one self-signed test
// root and a leaf), the chain served before 2025 (AAA Certificate Services,
// USERTrust cross-signed by AAA, a Domain Validation CA, the leaf) and the
// chain served since 2025 (USERTrust, Root R46 or E46 cross-signed by
// USERTrust, CA DV R36 or E36, the leaf).
//
// Every certificate is marked as a test certificate: each common name starts
// with "Test ", each Organization is "collectssl test", and each
// OrganizationalUnit carries a tag unique to the chain, so that nobody
// mistakes one for a real certificate and so that the CAs of two chains never
// link to each other.
//
// Each call to [New] makes fresh CA certificates. Private keys, which are slow
// to generate (RSA above all), are reused: within one process every chain uses
// the same key for the same role and key type (see Key reuse below). That is
// fine for tests and wrong for anything else.
//
// # Key reuse
//
// Keys come from a per-process pool keyed by role and key type. Two chains
// made by New therefore share their keys, but never their subjects (the
// OrganizationalUnit tag differs), so a certificate of one chain does not
// chain to a CA of another.
package certgen

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// Shape is the kind of chain to generate.
type Shape int

// The chain shapes CollectSSL serves.
const (
	// TestMode is a test-mode order: one self-signed test root that issues the
	// leaf directly.
	TestMode Shape = iota
	// Pre2025 is AAA Certificate Services (self-signed), USERTrust RSA or ECC
	// cross-signed by AAA, "Sectigo RSA/ECC Domain Validation Secure Server CA"
	// issued by USERTrust, and the leaf.
	Pre2025
	// Shape2025 is USERTrust RSA or ECC (self-signed), "Sectigo Public Server
	// Authentication Root R46/E46" cross-signed by USERTrust, "Sectigo Public
	// Server Authentication CA DV R36/E36" issued by R46, and the leaf.
	Shape2025
)

func (s Shape) String() string {
	switch s {
	case TestMode:
		return "TestMode"
	case Pre2025:
		return "Pre2025"
	case Shape2025:
		return "Shape2025"
	}
	return fmt.Sprintf("Shape(%d)", int(s))
}

// KeyType is the public key algorithm of the chain's CAs and leaf.
type KeyType int

// The key types. AAA Certificate Services is RSA in every chain, as in the
// real world (it cross-signs USERTrust ECC too).
const (
	// ECDSA uses P-384 for the roots and the cross-signed CA, as USERTrust ECC
	// and E46 do, and P-256 for the DV CA and the leaf.
	ECDSA KeyType = iota
	// RSA uses 2048-bit keys everywhere (smaller than the real CAs', to keep
	// key generation affordable).
	RSA
)

func (k KeyType) String() string {
	switch k {
	case ECDSA:
		return "ECDSA"
	case RSA:
		return "RSA"
	}
	return fmt.Sprintf("KeyType(%d)", int(k))
}

// Serials says how serial numbers are chosen.
type Serials int

const (
	// RandomSerials gives each certificate a random 127-bit serial number.
	RandomSerials Serials = iota
	// SequentialSerials numbers the chain's certificates 1, 2, 3, ... in the
	// order they are made (roots first, leaves last, then each IssueLeaf).
	SequentialSerials
)

// Role names a certificate's place in a chain.
type Role int

// The roles. A chain of shape TestMode has only RoleRoot and RoleLeaf.
const (
	// RoleRoot is the self-signed root the chain is served with: the test
	// root, AAA Certificate Services (Pre2025) or USERTrust (Shape2025).
	RoleRoot Role = iota
	// RoleCross is the CA cross-signed by the root: USERTrust by AAA
	// (Pre2025) or R46/E46 by USERTrust (Shape2025).
	RoleCross
	// RoleTwin is the self-signed twin of RoleCross: same subject, key and
	// subject key identifier, different issuer. It is not served.
	RoleTwin
	// RoleIssuing is the CA that signs leaves: the DV CA, or the test root in
	// TestMode.
	RoleIssuing
	// RoleLeaf is the end-entity certificate.
	RoleLeaf
)

func (r Role) String() string {
	switch r {
	case RoleRoot:
		return "root"
	case RoleCross:
		return "cross"
	case RoleTwin:
		return "twin"
	case RoleIssuing:
		return "issuing"
	case RoleLeaf:
		return "leaf"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Options describe the chain New makes. The zero value is a valid TestMode
// ECDSA chain for "www.example.test" around the current time.
type Options struct {
	Shape   Shape
	KeyType KeyType

	// Domains are the leaf's DNS names; its common name is the first.
	// Empty means "www.example.test".
	Domains []string

	// Now is the time the chain is made for: every CA is valid for years on
	// both sides of it (unless ExpiredCross). Zero means time.Now().
	Now time.Time

	// LeafNotBefore and LeafNotAfter bound the leaf's validity. Zero means
	// Sectigo's style: from 00:00:00 UTC on the day of Now to 23:59:59 UTC on
	// the same day a year later.
	LeafNotBefore, LeafNotAfter time.Time

	// ExpiredCross makes the cross-certificate (RoleCross) expire one day
	// before Now, as the AAA-signed certificates do on 2028-12-31. Its
	// self-signed twin stays valid. It has no effect on TestMode.
	ExpiredCross bool

	// SHA1Root signs AAA Certificate Services (Pre2025 only) with
	// sha1WithRSAEncryption, as the real one is. crypto/x509 cannot check
	// that signature.
	SHA1Root bool

	Serials Serials

	// Padding, when positive, puts that many random bytes in a private
	// extension (PaddingOID) of every certificate the chain makes: large
	// certificates, whose bytes outweigh their parsed fields, for tests of
	// memory. Random, so that no encoding compresses them.
	Padding int
}

// PaddingOID is the extension that carries Options.Padding: an arc of the
// private enterprise number RFC 5612 sets aside for documentation.
var PaddingOID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 1}

// Chain is one generated chain. Its methods are safe for concurrent use.
type Chain struct {
	Shape   Shape
	KeyType KeyType

	Root    *x509.Certificate // RoleRoot; always set
	Cross   *x509.Certificate // RoleCross; nil in TestMode
	Twin    *x509.Certificate // RoleTwin; nil in TestMode
	Issuing *x509.Certificate // RoleIssuing; the same as Root in TestMode
	Leaf    *x509.Certificate // RoleLeaf
	LeafKey crypto.Signer     // the private key of Leaf

	keys    map[Role]crypto.Signer
	serials Serials
	tag     string
	padding int

	mu         sync.Mutex
	nextSerial int64
}

// Served returns the certificates in the order CollectSSL sends them: root
// first, leaf last. Pre2025: AAA, USERTrust by AAA, DV, leaf. Shape2025:
// USERTrust, R46 by USERTrust, DV R36, leaf. TestMode: root, leaf. The
// self-signed twin is not served.
func (c *Chain) Served() []*x509.Certificate {
	if c.Shape == TestMode {
		return []*x509.Certificate{c.Root, c.Leaf}
	}
	return []*x509.Certificate{c.Root, c.Cross, c.Issuing, c.Leaf}
}

// Key returns the private key of the certificate with the given role, or nil
// if the chain has no such role. RoleCross and RoleTwin share their key.
func (c *Chain) Key(r Role) crypto.Signer {
	if r == RoleLeaf {
		return c.LeafKey
	}
	return c.keys[r]
}

// Tag returns the chain's unique tag, the OrganizationalUnit of each of its
// certificates.
func (c *Chain) Tag() string { return c.tag }

// LeafOptions describe a further leaf for IssueLeaf.
type LeafOptions struct {
	// Domains as in Options; empty means "www.example.test".
	Domains []string
	// Now, LeafNotBefore and LeafNotAfter as in Options: zero LeafNotBefore
	// and LeafNotAfter mean Sectigo's style around Now, zero Now means
	// time.Now().
	Now                         time.Time
	LeafNotBefore, LeafNotAfter time.Time
	// FreshKey gives the leaf a newly generated key instead of the one
	// shared with the chain's other leaves (a renewal's new key).
	FreshKey bool
}

// IssueLeaf issues another leaf under the chain's issuing CA and returns it
// with its private key. The key is shared with the chain's other leaves of the
// same key type (see the package documentation) unless o.FreshKey.
func (c *Chain) IssueLeaf(o LeafOptions) (*x509.Certificate, crypto.Signer, error) {
	key, err := poolKey(RoleLeaf, c.KeyType)
	if o.FreshKey {
		key, err = newKey(RoleLeaf, c.KeyType)
	}
	if err != nil {
		return nil, nil, err
	}
	leaf, err := c.issueLeaf(o.Domains, o.Now, o.LeafNotBefore, o.LeafNotAfter, key)
	if err != nil {
		return nil, nil, err
	}
	return leaf, key, nil
}

// New generates a fresh chain.
func New(o Options) (*Chain, error) {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	c := &Chain{
		Shape:   o.Shape,
		KeyType: o.KeyType,
		keys:    make(map[Role]crypto.Signer),
		serials: o.Serials,
		padding: o.Padding,
	}
	var tag [6]byte
	if _, err := rand.Read(tag[:]); err != nil {
		return nil, err
	}
	c.tag = "chain " + hex.EncodeToString(tag[:])

	names, ok := chainNames(o.Shape, o.KeyType)
	if !ok {
		return nil, fmt.Errorf("certgen: unknown shape %v or key type %v", o.Shape, o.KeyType)
	}
	rootKeyType := o.KeyType
	if o.Shape == Pre2025 {
		rootKeyType = RSA // AAA Certificate Services is RSA in every chain
	}
	var err error
	for _, r := range []Role{RoleRoot, RoleCross, RoleIssuing} {
		if o.Shape == TestMode && r != RoleRoot {
			break
		}
		kt := o.KeyType
		if r == RoleRoot {
			kt = rootKeyType
		}
		if c.keys[r], err = poolKey(r, kt); err != nil {
			return nil, err
		}
	}
	year := 365 * 24 * time.Hour

	// The root.
	rootTmpl := c.caTemplate(names.root, now.Add(-10*year), now.Add(10*year), -1)
	if o.Shape == Pre2025 && o.SHA1Root {
		// crypto/x509 still signs with SHA-1 (it only refuses to verify it).
		rootTmpl.SignatureAlgorithm = x509.SHA1WithRSA
	}
	if c.Root, err = c.create(rootTmpl, rootTmpl, c.keys[RoleRoot].Public(), c.keys[RoleRoot]); err != nil {
		return nil, err
	}
	if o.Shape == TestMode {
		c.keys[RoleIssuing] = c.keys[RoleRoot]
		c.Issuing = c.Root
	} else {
		// The cross-signed CA and its self-signed twin.
		c.keys[RoleTwin] = c.keys[RoleCross]
		crossNotAfter := now.Add(3 * year)
		if o.ExpiredCross {
			crossNotAfter = endOfDay(now.AddDate(0, 0, -1))
		}
		crossTmpl := c.caTemplate(names.cross, now.Add(-5*year), crossNotAfter, -1)
		if c.Cross, err = c.create(crossTmpl, c.Root, c.keys[RoleCross].Public(), c.keys[RoleRoot]); err != nil {
			return nil, err
		}
		twinTmpl := c.caTemplate(names.cross, now.Add(-6*year), now.Add(15*year), -1)
		if c.Twin, err = c.create(twinTmpl, twinTmpl, c.keys[RoleTwin].Public(), c.keys[RoleTwin]); err != nil {
			return nil, err
		}
		// The DV CA, issued by the cross-signed CA (either twin verifies it).
		dvTmpl := c.caTemplate(names.issuing, now.Add(-2*year), now.Add(5*year), 0)
		dvTmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		if c.Issuing, err = c.create(dvTmpl, c.Cross, c.keys[RoleIssuing].Public(), c.keys[RoleCross]); err != nil {
			return nil, err
		}
	}

	if c.LeafKey, err = poolKey(RoleLeaf, o.KeyType); err != nil {
		return nil, err
	}
	if c.Leaf, err = c.issueLeaf(o.Domains, now, o.LeafNotBefore, o.LeafNotAfter, c.LeafKey); err != nil {
		return nil, err
	}
	return c, nil
}

// MustNew is New for tests: it panics on error.
func MustNew(o Options) *Chain {
	c, err := New(o)
	if err != nil {
		panic(err)
	}
	return c
}

type names struct{ root, cross, issuing string }

func chainNames(s Shape, k KeyType) (names, bool) {
	if k != RSA && k != ECDSA {
		return names{}, false
	}
	alg := map[KeyType]string{RSA: "RSA", ECDSA: "ECC"}[k]
	r46 := map[KeyType]string{RSA: "R46", ECDSA: "E46"}[k]
	r36 := map[KeyType]string{RSA: "R36", ECDSA: "E36"}[k]
	switch s {
	case TestMode:
		return names{root: "Test Sectigo Test Root CA " + alg}, true
	case Pre2025:
		return names{
			root:    "Test AAA Certificate Services",
			cross:   "Test USERTrust " + alg + " Certification Authority",
			issuing: "Test Sectigo " + alg + " Domain Validation Secure Server CA",
		}, true
	case Shape2025:
		return names{
			root:    "Test USERTrust " + alg + " Certification Authority",
			cross:   "Test Sectigo Public Server Authentication Root " + r46,
			issuing: "Test Sectigo Public Server Authentication CA DV " + r36,
		}, true
	}
	return names{}, false
}

// Organization is the Organization of every generated certificate.
const Organization = "collectssl test"

func (c *Chain) serial() (*big.Int, error) {
	if c.serials == SequentialSerials {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.nextSerial++
		return big.NewInt(c.nextSerial), nil
	}
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// caTemplate is a CA template; maxPathLen < 0 means no path length limit.
func (c *Chain) caTemplate(cn string, notBefore, notAfter time.Time, maxPathLen int) *x509.Certificate {
	t := &x509.Certificate{
		Subject: pkix.Name{
			Country:            []string{"GB"},
			Organization:       []string{Organization},
			OrganizationalUnit: []string{c.tag},
			CommonName:         cn,
		},
		NotBefore:             startOfDay(notBefore),
		NotAfter:              endOfDay(notAfter),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	if maxPathLen >= 0 {
		t.MaxPathLen = maxPathLen
		t.MaxPathLenZero = maxPathLen == 0
	}
	return t
}

func (c *Chain) issueLeaf(domains []string, now, notBefore, notAfter time.Time, key crypto.Signer) (*x509.Certificate, error) {
	if len(domains) == 0 {
		domains = []string{"www.example.test"}
	}
	if now.IsZero() {
		now = time.Now()
	}
	if notBefore.IsZero() {
		notBefore = startOfDay(now)
	}
	if notAfter.IsZero() {
		notAfter = endOfDay(startOfDay(notBefore).AddDate(1, 0, 0))
	}
	ku := x509.KeyUsageDigitalSignature
	if _, ok := key.(*rsa.PrivateKey); ok {
		ku |= x509.KeyUsageKeyEncipherment
	}
	t := &x509.Certificate{
		Subject: pkix.Name{
			Organization:       []string{Organization},
			OrganizationalUnit: []string{c.tag},
			CommonName:         domains[0],
		},
		DNSNames:              append([]string(nil), domains...),
		NotBefore:             notBefore.UTC(),
		NotAfter:              notAfter.UTC(),
		KeyUsage:              ku,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	return c.create(t, c.Issuing, key.Public(), c.keys[RoleIssuing])
}

// create signs template, whose subject key is pub, with parentKey. It sets
// the serial number, and for a CA the subject key identifier: the SHA-1 of
// the public key (RFC 5280 method 1), so twins share it.
func (c *Chain) create(template, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) (*x509.Certificate, error) {
	s, err := c.serial()
	if err != nil {
		return nil, err
	}
	template.SerialNumber = s
	if template.IsCA {
		ski, err := subjectKeyID(pub)
		if err != nil {
			return nil, err
		}
		template.SubjectKeyId = ski
	}
	if c.padding > 0 {
		pad := make([]byte, c.padding)
		if _, err := rand.Read(pad); err != nil {
			return nil, err
		}
		template.ExtraExtensions = append(template.ExtraExtensions, pkix.Extension{Id: PaddingOID, Value: pad})
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("certgen: %w", err)
	}
	return x509.ParseCertificate(der)
}

func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	h := sha1.Sum(spki.PublicKey.Bytes)
	return h[:], nil
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func endOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 23, 59, 59, 0, time.UTC)
}

// The key pool: one key per role and key type, generated on first use and
// reused for the life of the process. Distinct roles have distinct keys, so
// within one chain no CA can verify another's certificates by accident.
type poolID struct {
	role Role
	kt   KeyType
}

var (
	poolMu sync.Mutex
	pool   = map[poolID]crypto.Signer{}
)

func poolKey(r Role, kt KeyType) (crypto.Signer, error) {
	if r == RoleTwin {
		r = RoleCross
	}
	id := poolID{r, kt}
	poolMu.Lock()
	defer poolMu.Unlock()
	if k, ok := pool[id]; ok {
		return k, nil
	}
	k, err := newKey(r, kt)
	if err != nil {
		return nil, err
	}
	pool[id] = k
	return k, nil
}

// newKey generates a key of type kt for a certificate of role r: RSA 2048,
// or ECDSA P-384 for roots and cross-certificates and P-256 otherwise.
func newKey(r Role, kt KeyType) (crypto.Signer, error) {
	var (
		k   crypto.Signer
		err error
	)
	switch kt {
	case RSA:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case ECDSA:
		curve := elliptic.P256()
		if r == RoleRoot || r == RoleCross {
			curve = elliptic.P384()
		}
		k, err = ecdsa.GenerateKey(curve, rand.Reader)
	default:
		err = errors.New("certgen: unknown key type")
	}
	if err != nil {
		return nil, err
	}
	return k, nil
}
