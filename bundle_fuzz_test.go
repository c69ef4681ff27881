// This file holds FuzzNewBundle: each fuzz input picks and orders
// certificates from a pool of generated chains (with twins, an expired
// cross-certificate, a SHA-1 root, extra leaves), and the result must be a
// well-formed chain that does not depend on the input order.

package collectssl

import (
	"bytes"
	"crypto/x509"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/google/go-cmp/cmp"
)

var (
	fuzzPoolOnce sync.Once
	fuzzPool     []*x509.Certificate
)

// bundlePool returns the certificates fuzz inputs choose from.
func bundlePool(t testing.TB) []*x509.Certificate {
	fuzzPoolOnce.Do(func() {
		add := func(ch *certgen.Chain) {
			fuzzPool = append(fuzzPool, ch.Root, ch.Leaf)
			if ch.Cross != nil {
				fuzzPool = append(fuzzPool, ch.Cross, ch.Twin, ch.Issuing)
			}
		}
		for _, o := range []certgen.Options{
			{Shape: certgen.Pre2025, KeyType: certgen.RSA, SHA1Root: true},
			{Shape: certgen.Pre2025, KeyType: certgen.ECDSA, ExpiredCross: true},
			{Shape: certgen.Shape2025, KeyType: certgen.ECDSA},
			{Shape: certgen.TestMode, KeyType: certgen.ECDSA},
		} {
			o.Now = testNow
			ch, err := certgen.New(o)
			if err != nil {
				panic(err)
			}
			add(ch)
			if o.Shape == certgen.Shape2025 {
				leaf, _, err := ch.IssueLeaf(certgen.LeafOptions{Now: testNow, Domains: []string{"second.example.test"}})
				if err != nil {
					panic(err)
				}
				fuzzPool = append(fuzzPool, leaf)
			}
		}
	})
	return fuzzPool
}

func FuzzNewBundle(f *testing.F) {
	pool := bundlePool(f)
	// Seeds: the served orders (root first) and their reverses, by index
	// into the pool (see bundlePool: root, leaf, cross, twin, issuing).
	f.Add([]byte{0, 2, 4, 1})
	f.Add([]byte{1, 4, 2, 0})
	f.Add([]byte{5, 7, 9, 6})
	f.Add([]byte{5, 7, 8, 9, 6, 6})
	f.Add([]byte{10, 12, 14, 11, 13})
	f.Add([]byte{12, 13, 14, 11, 15})
	f.Add([]byte{16, 17})
	f.Add([]byte{17})
	f.Add([]byte{0, 2, 3, 4, 1, 11})
	f.Add(bytes.Repeat([]byte{1}, maxBundleCertificates+1))
	f.Fuzz(func(t *testing.T, picks []byte) {
		in := make([]*x509.Certificate, len(picks))
		for i, p := range picks {
			in[i] = pool[int(p)%len(pool)]
		}
		b, err := NewBundleAt(in, testNow)
		if err != nil {
			if b != nil {
				t.Fatalf("bundle and error %v", err)
			}
			if !errors.Is(err, ErrNoLeaf) && !errors.Is(err, ErrSeveralLeaves) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		checkBundle(t, in, b)

		// The input order does not matter.
		rev := slices.Clone(in)
		slices.Reverse(rev)
		b2, err := NewBundleAt(rev, testNow)
		if err != nil {
			t.Fatalf("reversed input: %v", err)
		}
		if diff := cmp.Diff(rawsOf(b), rawsOf(b2)); diff != "" {
			t.Errorf("reversed input gives another bundle (-in +reversed):\n%s", diff)
		}
		if diff := cmp.Diff(findingsOf(b), findingsOf(b2)); diff != "" {
			t.Errorf("reversed input gives other findings (-in +reversed):\n%s", diff)
		}
	})
}

func rawsOf(b *Bundle) [][]byte {
	r := [][]byte{b.Leaf.Raw}
	for _, c := range b.Intermediates {
		r = append(r, c.Raw)
	}
	if b.Root != nil {
		r = append(r, b.Root.Raw)
	}
	return r
}

// findingsOf returns b's findings with their certificates' DER in place of
// the certificates.
func findingsOf(b *Bundle) []any {
	var fs []any
	for _, f := range b.Findings {
		fs = append(fs, []any{f.Code, f.Subject, f.Text, f.Certificate.Raw})
	}
	return fs
}

// checkBundle asserts the properties of every successful NewBundle result.
func checkBundle(t *testing.T, in []*x509.Certificate, b *Bundle) {
	t.Helper()
	isIn := func(c *x509.Certificate) bool {
		return slices.ContainsFunc(in, func(x *x509.Certificate) bool { return x != nil && x.Equal(c) })
	}
	if b.Leaf == nil || !isIn(b.Leaf) {
		t.Fatalf("leaf %v not in the input", b.Leaf)
	}
	if b.Leaf.IsCA {
		t.Errorf("leaf %q is a CA", b.Leaf.Subject)
	}
	prev := b.Leaf
	chain := []*x509.Certificate{b.Leaf}
	for i, c := range b.Intermediates {
		if !isIn(c) {
			t.Errorf("intermediate %d not in the input", i)
		}
		if bytes.Equal(c.RawSubject, c.RawIssuer) {
			t.Errorf("intermediate %d (%q) is self-signed", i, c.Subject)
		}
		if !bytes.Equal(prev.RawIssuer, c.RawSubject) {
			t.Errorf("intermediate %d (%q) is not the issuer of %q", i, c.Subject, prev.Subject)
		}
		if err := c.CheckSignature(prev.SignatureAlgorithm, prev.RawTBSCertificate, prev.Signature); err != nil {
			t.Errorf("intermediate %d (%q) did not sign %q: %v", i, c.Subject, prev.Subject, err)
		}
		prev = c
		chain = append(chain, c)
	}
	if r := b.Root; r != nil {
		if !isIn(r) {
			t.Errorf("root not in the input")
		}
		if !bytes.Equal(r.RawSubject, r.RawIssuer) {
			t.Errorf("root %q is not self-signed", r.Subject)
		}
		if !bytes.Equal(prev.RawIssuer, r.RawSubject) {
			t.Errorf("root %q is not the issuer of %q", r.Subject, prev.Subject)
		}
		if err := r.CheckSignature(prev.SignatureAlgorithm, prev.RawTBSCertificate, prev.Signature); err != nil {
			t.Errorf("root %q did not sign %q: %v", r.Subject, prev.Subject, err)
		}
		chain = append(chain, r)
	}
	for i := range chain {
		for j := range i {
			if chain[i].Equal(chain[j]) {
				t.Errorf("%q twice in the chain", chain[i].Subject)
			}
		}
	}
	// Every certificate delivered is in the chain or explained by a finding.
	distinct := map[string]bool{}
	nonNil := 0
	for _, c := range in {
		if c != nil {
			distinct[string(c.Raw)] = true
			nonNil++
		}
	}
	codes := map[FindingCode]int{}
	for _, f := range b.Findings {
		codes[f.Code]++
		if f.Certificate == nil || !isIn(f.Certificate) || f.Certificate.Subject.String() != f.Subject {
			t.Errorf("finding %v: Certificate not in the input or not of Subject", f)
		}
	}
	if got, want := codes[FindingDuplicate], nonNil-len(distinct); got != want {
		t.Errorf("%d duplicate findings, want %d", got, want)
	}
	left := codes[FindingStray] + codes[FindingCrossSignedTwinDropped] + codes[FindingExpiredDropped] + codes[FindingNotYetValidDropped]
	if got, want := len(chain)+left, len(distinct); got != want {
		t.Errorf("%d in the chain + %d left out = %d, want the %d distinct certificates", len(chain), left, got, want)
	}
	if (b.Root == nil) != (codes[FindingMissingIssuer] == 1 && !bytes.Equal(prev.RawIssuer, prev.RawSubject)) {
		t.Errorf("Root %v but %d missing-issuer findings", b.Root != nil, codes[FindingMissingIssuer])
	}
}
