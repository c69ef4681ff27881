// This file tests the generated chains: issuer and subject links, signatures,
// twins, the served order, validity times, serial numbers and the SHA-1 root.

package certgen

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var now = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func subjects(certs []*x509.Certificate) []string {
	var s []string
	for _, c := range certs {
		s = append(s, c.Subject.CommonName)
	}
	return s
}

// linked reports whether parent issued child: names, key identifiers and signature.
func linked(t *testing.T, child, parent *x509.Certificate) {
	t.Helper()
	if !bytes.Equal(child.RawIssuer, parent.RawSubject) {
		t.Errorf("%q: issuer %q, want %q", child.Subject.CommonName, child.Issuer, parent.Subject)
	}
	if !bytes.Equal(child.AuthorityKeyId, parent.SubjectKeyId) {
		t.Errorf("%q: AuthorityKeyId %x, want %x", child.Subject.CommonName, child.AuthorityKeyId, parent.SubjectKeyId)
	}
	if err := child.CheckSignatureFrom(parent); err != nil {
		t.Errorf("%q.CheckSignatureFrom(%q) = %v", child.Subject.CommonName, parent.Subject.CommonName, err)
	}
}

func TestShapes(t *testing.T) {
	tests := []struct {
		shape  Shape
		kt     KeyType
		served []string
		twin   string
	}{
		{TestMode, ECDSA, []string{"Test Sectigo Test Root CA ECC", "www.example.test"}, ""},
		{TestMode, RSA, []string{"Test Sectigo Test Root CA RSA", "www.example.test"}, ""},
		{Pre2025, RSA, []string{"Test AAA Certificate Services", "Test USERTrust RSA Certification Authority", "Test Sectigo RSA Domain Validation Secure Server CA", "www.example.test"}, "Test USERTrust RSA Certification Authority"},
		{Pre2025, ECDSA, []string{"Test AAA Certificate Services", "Test USERTrust ECC Certification Authority", "Test Sectigo ECC Domain Validation Secure Server CA", "www.example.test"}, "Test USERTrust ECC Certification Authority"},
		{Shape2025, RSA, []string{"Test USERTrust RSA Certification Authority", "Test Sectigo Public Server Authentication Root R46", "Test Sectigo Public Server Authentication CA DV R36", "www.example.test"}, "Test Sectigo Public Server Authentication Root R46"},
		{Shape2025, ECDSA, []string{"Test USERTrust ECC Certification Authority", "Test Sectigo Public Server Authentication Root E46", "Test Sectigo Public Server Authentication CA DV E36", "www.example.test"}, "Test Sectigo Public Server Authentication Root E46"},
	}
	for _, tt := range tests {
		t.Run(tt.shape.String()+"/"+tt.kt.String(), func(t *testing.T) {
			c, err := New(Options{Shape: tt.shape, KeyType: tt.kt, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			served := c.Served()
			if diff := cmp.Diff(tt.served, subjects(served)); diff != "" {
				t.Errorf("Served() subjects (-want +got):\n%s", diff)
			}
			// Root first and self-signed; each next one issued by the previous.
			root := served[0]
			if !bytes.Equal(root.RawIssuer, root.RawSubject) {
				t.Errorf("root %q is not self-signed", root.Subject)
			}
			if err := root.CheckSignatureFrom(root); err != nil {
				t.Errorf("root self-signature: %v", err)
			}
			for i := 1; i < len(served); i++ {
				linked(t, served[i], served[i-1])
			}
			for i, cert := range served {
				isLeaf := i == len(served)-1
				if cert.IsCA == isLeaf || !cert.BasicConstraintsValid {
					t.Errorf("%q: IsCA = %v, BasicConstraintsValid = %v", cert.Subject.CommonName, cert.IsCA, cert.BasicConstraintsValid)
				}
				if got := cert.Subject.Organization; len(got) != 1 || got[0] != Organization {
					t.Errorf("%q: Organization %q, want %q", cert.Subject.CommonName, got, Organization)
				}
				if got := cert.Subject.OrganizationalUnit; len(got) != 1 || got[0] != c.Tag() {
					t.Errorf("%q: OrganizationalUnit %q, want %q", cert.Subject.CommonName, got, c.Tag())
				}
				if !isLeaf && !strings.HasPrefix(cert.Subject.CommonName, "Test ") {
					t.Errorf("CA %q has no Test prefix", cert.Subject.CommonName)
				}
			}
			if c.Leaf != served[len(served)-1] || c.Root != served[0] {
				t.Errorf("Leaf/Root fields differ from Served()")
			}
			if tt.twin == "" {
				if c.Twin != nil || c.Cross != nil || c.Issuing != c.Root {
					t.Errorf("TestMode: Twin %v, Cross %v, Issuing == Root %v", c.Twin != nil, c.Cross != nil, c.Issuing == c.Root)
				}
				return
			}
			// The twin: same subject, key and key identifier as the cross, self-signed.
			tw, cr := c.Twin, c.Cross
			if tw.Subject.CommonName != tt.twin {
				t.Errorf("twin CN %q, want %q", tw.Subject.CommonName, tt.twin)
			}
			if !bytes.Equal(tw.RawSubject, cr.RawSubject) {
				t.Errorf("twin subject %q, cross subject %q", tw.Subject, cr.Subject)
			}
			if !bytes.Equal(tw.RawSubjectPublicKeyInfo, cr.RawSubjectPublicKeyInfo) {
				t.Errorf("twin and cross have different keys")
			}
			if len(tw.SubjectKeyId) == 0 || !bytes.Equal(tw.SubjectKeyId, cr.SubjectKeyId) {
				t.Errorf("twin SKI %x, cross SKI %x", tw.SubjectKeyId, cr.SubjectKeyId)
			}
			if !bytes.Equal(tw.RawIssuer, tw.RawSubject) || bytes.Equal(cr.RawIssuer, cr.RawSubject) {
				t.Errorf("twin issuer %q, cross issuer %q", tw.Issuer, cr.Issuer)
			}
			if err := tw.CheckSignatureFrom(tw); err != nil {
				t.Errorf("twin self-signature: %v", err)
			}
			// Either twin verifies the DV CA.
			linked(t, c.Issuing, tw)
			// Keys match their certificates.
			for _, r := range []struct {
				role Role
				cert *x509.Certificate
			}{{RoleRoot, c.Root}, {RoleCross, c.Cross}, {RoleTwin, c.Twin}, {RoleIssuing, c.Issuing}, {RoleLeaf, c.Leaf}} {
				k := c.Key(r.role)
				if k == nil {
					t.Errorf("Key(%v) = nil", r.role)
					continue
				}
				if !k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(r.cert.PublicKey) {
					t.Errorf("Key(%v) does not match %q", r.role, r.cert.Subject.CommonName)
				}
			}
			// Key types: AAA is RSA in every Pre2025 chain.
			_, leafRSA := c.LeafKey.(*rsa.PrivateKey)
			_, leafEC := c.LeafKey.(*ecdsa.PrivateKey)
			if leafRSA != (tt.kt == RSA) || leafEC != (tt.kt == ECDSA) {
				t.Errorf("leaf key %T for %v", c.LeafKey, tt.kt)
			}
			if tt.shape == Pre2025 {
				if _, ok := c.Root.PublicKey.(*rsa.PublicKey); !ok {
					t.Errorf("AAA key %T, want RSA", c.Root.PublicKey)
				}
			}
		})
	}
}

func TestFreshCAs(t *testing.T) {
	a := MustNew(Options{Shape: Pre2025, KeyType: ECDSA, Now: now})
	b := MustNew(Options{Shape: Pre2025, KeyType: ECDSA, Now: now})
	if bytes.Equal(a.Root.Raw, b.Root.Raw) || bytes.Equal(a.Root.RawSubject, b.Root.RawSubject) {
		t.Errorf("two chains share a root (raw %v, subject %v)", bytes.Equal(a.Root.Raw, b.Root.Raw), bytes.Equal(a.Root.RawSubject, b.Root.RawSubject))
	}
	if bytes.Equal(a.Leaf.RawIssuer, b.Issuing.RawSubject) {
		t.Errorf("a's leaf names b's issuing CA as its issuer")
	}
}

func TestValidity(t *testing.T) {
	c := MustNew(Options{Shape: Shape2025, KeyType: ECDSA, Now: now})
	wantLeaf := [2]time.Time{
		time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC),
		time.Date(2027, 3, 14, 23, 59, 59, 0, time.UTC),
	}
	if got := [2]time.Time{c.Leaf.NotBefore, c.Leaf.NotAfter}; got != wantLeaf {
		t.Errorf("leaf validity %v, want %v", got, wantLeaf)
	}
	for _, ca := range []*x509.Certificate{c.Root, c.Cross, c.Twin, c.Issuing} {
		if !ca.NotBefore.Before(now) || !ca.NotAfter.After(now) {
			t.Errorf("%q valid %v to %v, not around %v", ca.Subject.CommonName, ca.NotBefore, ca.NotAfter, now)
		}
		if h, m, s := ca.NotBefore.Clock(); h+m+s != 0 {
			t.Errorf("%q NotBefore %v, want 00:00:00", ca.Subject.CommonName, ca.NotBefore)
		}
		if h, m, s := ca.NotAfter.Clock(); h != 23 || m != 59 || s != 59 {
			t.Errorf("%q NotAfter %v, want 23:59:59", ca.Subject.CommonName, ca.NotAfter)
		}
	}

	nb := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	na := time.Date(2025, 4, 2, 23, 59, 59, 0, time.UTC)
	c = MustNew(Options{Now: now, LeafNotBefore: nb, LeafNotAfter: na, Domains: []string{"a.example.test", "b.example.test"}})
	if got, want := [2]time.Time{c.Leaf.NotBefore, c.Leaf.NotAfter}, [2]time.Time{nb, na}; got != want {
		t.Errorf("leaf validity %v, want %v", got, want)
	}
	if got, want := c.Leaf.Subject.CommonName, "a.example.test"; got != want {
		t.Errorf("leaf CN %q, want %q", got, want)
	}
	if diff := cmp.Diff([]string{"a.example.test", "b.example.test"}, c.Leaf.DNSNames); diff != "" {
		t.Errorf("leaf DNSNames (-want +got):\n%s", diff)
	}
}

func TestExpiredCross(t *testing.T) {
	for _, shape := range []Shape{Pre2025, Shape2025} {
		c := MustNew(Options{Shape: shape, KeyType: ECDSA, Now: now, ExpiredCross: true})
		want := time.Date(2026, 3, 13, 23, 59, 59, 0, time.UTC)
		if got := c.Cross.NotAfter; !got.Equal(want) {
			t.Errorf("%v: cross NotAfter %v, want %v", shape, got, want)
		}
		for _, ca := range []*x509.Certificate{c.Root, c.Twin, c.Issuing, c.Leaf} {
			if !ca.NotAfter.After(now) {
				t.Errorf("%v: %q expired too (%v)", shape, ca.Subject.CommonName, ca.NotAfter)
			}
		}
	}
}

func TestSHA1Root(t *testing.T) {
	c := MustNew(Options{Shape: Pre2025, KeyType: ECDSA, Now: now, SHA1Root: true})
	if got, want := c.Root.SignatureAlgorithm, x509.SHA1WithRSA; got != want {
		t.Fatalf("root signature algorithm %v, want %v", got, want)
	}
	// Go refuses to check it, as it refuses the real AAA Certificate Services.
	if err := c.Root.CheckSignatureFrom(c.Root); err == nil {
		t.Errorf("CheckSignatureFrom accepted a SHA-1 self-signature")
	}
	if !bytes.Equal(c.Root.RawIssuer, c.Root.RawSubject) {
		t.Errorf("SHA-1 root is not self-issued")
	}
	linked(t, c.Cross, c.Root) // the cross-certificate itself is SHA-256
}

func TestSerials(t *testing.T) {
	c := MustNew(Options{Shape: Pre2025, KeyType: ECDSA, Now: now, Serials: SequentialSerials})
	var got []int64
	for _, cert := range []*x509.Certificate{c.Root, c.Cross, c.Twin, c.Issuing, c.Leaf} {
		got = append(got, cert.SerialNumber.Int64())
	}
	if diff := cmp.Diff([]int64{1, 2, 3, 4, 5}, got); diff != "" {
		t.Errorf("sequential serials (-want +got):\n%s", diff)
	}
	leaf, _, err := c.IssueLeaf(LeafOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := leaf.SerialNumber, big.NewInt(6); got.Cmp(want) != 0 {
		t.Errorf("next serial %v, want %v", got, want)
	}

	r := MustNew(Options{Shape: TestMode, Now: now})
	if r.Root.SerialNumber.Cmp(r.Leaf.SerialNumber) == 0 || r.Leaf.SerialNumber.BitLen() < 64 {
		t.Errorf("random serials %v, %v", r.Root.SerialNumber, r.Leaf.SerialNumber)
	}
}

func TestIssueLeaf(t *testing.T) {
	for _, kt := range []KeyType{ECDSA, RSA} {
		c := MustNew(Options{Shape: Shape2025, KeyType: kt, Now: now})
		leaf, key, err := c.IssueLeaf(LeafOptions{Domains: []string{"second.example.test"}, Now: now.AddDate(0, 1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		linked(t, leaf, c.Issuing)
		if got, want := leaf.Subject.CommonName, "second.example.test"; got != want {
			t.Errorf("CN %q, want %q", got, want)
		}
		if got, want := leaf.NotBefore, time.Date(2026, 4, 14, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("NotBefore %v, want %v", got, want)
		}
		if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(leaf.PublicKey) {
			t.Errorf("IssueLeaf key does not match the leaf")
		}
		if bytes.Equal(leaf.Raw, c.Leaf.Raw) {
			t.Errorf("IssueLeaf returned the chain's leaf")
		}
		if leaf.IsCA {
			t.Errorf("leaf is a CA")
		}
	}
}

func TestUnknownShape(t *testing.T) {
	if _, err := New(Options{Shape: Shape(9)}); err == nil {
		t.Errorf("New(Shape(9)) succeeded")
	}
	if _, err := New(Options{KeyType: KeyType(9)}); err == nil {
		t.Errorf("New(KeyType(9)) succeeded")
	}
}

// TestConcurrentIssue issues leaves from many goroutines (run with -race):
// sequential serial numbers stay unique.
func TestConcurrentIssue(t *testing.T) {
	c := MustNew(Options{Shape: TestMode, Now: now, Serials: SequentialSerials})
	const n = 16
	serials := make(chan int64, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			leaf, _, err := c.IssueLeaf(LeafOptions{Now: now})
			if err != nil {
				errs <- err
				return
			}
			serials <- leaf.SerialNumber.Int64()
		}()
	}
	seen := map[int64]bool{}
	for range n {
		select {
		case err := <-errs:
			t.Fatal(err)
		case s := <-serials:
			if seen[s] {
				t.Errorf("serial %d issued twice", s)
			}
			seen[s] = true
		}
	}
	for s := int64(3); s < 3+n; s++ { // 1 and 2 are the root and the first leaf
		if !seen[s] {
			t.Errorf("serial %d missing", s)
		}
	}
}

// TestPadding: every certificate of a padded chain carries the padding,
// and the chain still verifies.
func TestPadding(t *testing.T) {
	const pad = 4096
	c := MustNew(Options{Shape: Pre2025, KeyType: ECDSA, Padding: pad})
	for _, cert := range append(c.Served(), c.Twin) {
		n := 0
		for _, ext := range cert.Extensions {
			if ext.Id.Equal(PaddingOID) {
				n = len(ext.Value)
			}
		}
		if n != pad {
			t.Errorf("%s: %d bytes of padding, want %d", cert.Subject.CommonName, n, pad)
		}
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(c.Root)
	inter.AddCert(c.Cross)
	inter.AddCert(c.Issuing)
	if _, err := c.Leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: "www.example.test"}); err != nil {
		t.Errorf("the padded chain does not verify: %v", err)
	}
}
