// This file tests the one leaf rule that ParseResponse and NewBundle share: a
// property over generated chains of every shape and key type, shuffled, with
// extra certificates that make the leaf ambiguous or the set odd; and issuers
// whose key identifiers disagree, which are ranked last rather than excluded.

package collectssl_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
)

// selfSignedNoBasicConstraints returns a self-signed version 3 certificate
// without basic constraints, as a quick self-signed server certificate is.
func selfSignedNoBasicConstraints(t testing.TB) *x509.Certificate {
	t.Helper()
	key := ecKey(t)
	tmpl := &x509.Certificate{
		Subject:   pkix.Name{CommonName: "self-signed.example.test"},
		DNSNames:  []string{"self-signed.example.test"},
		NotBefore: testNow.AddDate(0, -1, 0),
		NotAfter:  testNow.AddDate(1, 0, 0),
		KeyUsage:  x509.KeyUsageDigitalSignature,
	}
	return issue(t, tmpl, tmpl, key.Public(), key)
}

// TestLeafRuleAgrees: over every chain shape and key type, served in a random
// order with any subset of a second leaf, a stray CA of another chain and a
// self-signed certificate without basic constraints, ParseResponse and
// NewBundle apply one rule. Whenever Result.Bundle succeeds, its Leaf is
// Result.Certificate, and NewBundle on the same certificates finds that leaf
// too; whenever it fails, NewBundle fails with the same kind of error, and
// Result.Certificate is nil with every certificate kept in CACertificates.
func TestLeafRuleAgrees(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	selfSigned := selfSignedNoBasicConstraints(t)
	stray := sharedChain(t, certgen.TestMode, certgen.RSA).Root
	shapes := []certgen.Shape{certgen.TestMode, certgen.Pre2025, certgen.Shape2025}
	keys := []certgen.KeyType{certgen.RSA, certgen.ECDSA}
	req := &collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual}
	checked := map[string]int{}
	for _, shape := range shapes {
		for _, kt := range keys {
			ch := sharedChain(t, shape, kt)
			second, _, err := ch.IssueLeaf(certgen.LeafOptions{Now: protoNow, Domains: []string{"second.example.test"}})
			if err != nil {
				t.Fatal(err)
			}
			extras := []*x509.Certificate{second, stray, selfSigned}
			for mask := range 1 << len(extras) {
				for trial := range 3 {
					certs := append([]*x509.Certificate(nil), ch.Served()...)
					for i, x := range extras {
						if mask&(1<<i) != 0 {
							certs = append(certs, x)
						}
					}
					rng.Shuffle(len(certs), func(i, j int) { certs[i], certs[j] = certs[j], certs[i] })
					name := fmt.Sprintf("%v/%v/extras=%03b/%d", shape, kt, mask, trial)
					res, err := collectssl.ParseResponse(req, "", append([]byte("2\n"), pemOf(certs...)...))
					if err != nil {
						t.Fatalf("%s: ParseResponse: %v", name, err)
					}
					got, gotErr := res.Bundle()
					want, wantErr := collectssl.NewBundleAt(certs, protoNow)
					switch {
					case gotErr == nil && wantErr == nil:
						if got.Leaf != res.Certificate || !want.Leaf.Equal(res.Certificate) {
							t.Errorf("%s: Result.Bundle().Leaf %q, Result.Certificate %q, NewBundle's leaf %q; want one certificate",
								name, got.Leaf.Subject, res.Certificate.Subject, want.Leaf.Subject)
						}
						checked["leaf"]++
					case gotErr != nil && wantErr != nil:
						for _, kind := range []error{collectssl.ErrNoLeaf, collectssl.ErrSeveralLeaves} {
							if errors.Is(gotErr, kind) != errors.Is(wantErr, kind) {
								t.Errorf("%s: Result.Bundle() = %v, NewBundle = %v; want the same kind of error", name, gotErr, wantErr)
							}
						}
						if res.Certificate != nil || len(res.CACertificates) != distinct(certs) {
							t.Errorf("%s: Result.Certificate %v and %d CACertificates with %v; want nil and all %d kept",
								name, res.Certificate != nil, len(res.CACertificates), gotErr, distinct(certs))
						}
						checked["error"]++
					default:
						t.Errorf("%s: Result.Bundle() = %v, NewBundle = %v; want both to succeed or both to fail", name, gotErr, wantErr)
					}
				}
			}
		}
	}
	// Both sides of the property were exercised.
	if checked["leaf"] == 0 || checked["error"] == 0 {
		t.Errorf("cases checked: %v; want some with a leaf and some without", checked)
	}
}

func distinct(certs []*x509.Certificate) int {
	seen := map[string]bool{}
	for _, c := range certs {
		seen[string(c.Raw)] = true
	}
	return len(seen)
}

// TestIssuerKeyIDsDisagree: a CA whose subject key identifier is not the
// child's authority key identifier, but whose key signed the child, is still
// the issuer (crypto/x509 ranks such a parent last and checks its signature);
// when a twin whose identifiers agree is delivered too, the bundle prefers it.
func TestIssuerKeyIDsDisagree(t *testing.T) {
	caKey, leafKey := ecKey(t), ecKey(t)
	ca := func(skid byte) *x509.Certificate {
		tmpl := caTemplate("Key ID Test Root")
		tmpl.SubjectKeyId = []byte{skid, skid, skid, skid}
		return issue(t, tmpl, tmpl, caKey.Public(), caKey)
	}
	agree, disagree := ca(0xaa), ca(0xbb)
	leaf := issue(t, &x509.Certificate{
		Subject:   pkix.Name{CommonName: "keyid.example.test"},
		DNSNames:  []string{"keyid.example.test"},
		NotBefore: testNow.AddDate(0, -1, 0),
		NotAfter:  testNow.AddDate(1, 0, 0),
		KeyUsage:  x509.KeyUsageDigitalSignature,
	}, agree, leafKey.Public(), caKey)
	if string(leaf.AuthorityKeyId) == string(disagree.SubjectKeyId) {
		t.Fatal("test setup: the key identifiers agree")
	}

	b, err := collectssl.NewBundleAt([]*x509.Certificate{leaf, disagree}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if b.Root != disagree || len(b.Intermediates) != 0 {
		t.Errorf("with only the disagreeing CA: Root %v, %d intermediates, findings %v; want that CA as the root", b.Root != nil, len(b.Intermediates), b.Findings)
	}

	for _, in := range [][]*x509.Certificate{{leaf, disagree, agree}, {agree, leaf, disagree}} {
		b, err = collectssl.NewBundleAt(in, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if b.Root != agree {
			t.Errorf("with both CAs: Root has key identifier %x, want %x (the one that agrees)", b.Root.SubjectKeyId, agree.SubjectKeyId)
		}
		if len(b.Findings) != 1 || b.Findings[0].Certificate != disagree || b.Findings[0].Code != collectssl.FindingCrossSignedTwinDropped {
			t.Errorf("with both CAs: findings %v; want the disagreeing twin dropped", b.Findings)
		}
	}
}
