// This file tests NewBundle on generated Sectigo-shaped chains in every input
// order, its errors and findings, the PEM and PKCS#7 outputs, and benchmarks
// it next to the floor of the signature checks its chain needs.

package collectssl_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"math/rand"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/floor"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.mozilla.org/pkcs7"
)

// testNow is the fixed time the test chains are made for and judged at.
var testNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// labeller names certificates by their DER, so that results can be compared
// exactly (by Raw) yet read easily in a diff.
type labeller map[string]string

func (l labeller) add(label string, c *x509.Certificate) {
	if c != nil {
		l[string(c.Raw)] = label
	}
}

// addChain labels a chain's certificates with prefix plus their role.
func (l labeller) addChain(prefix string, ch *certgen.Chain) {
	l.add(prefix+"issuing", ch.Issuing)
	l.add(prefix+"root", ch.Root) // after issuing: in TestMode they are one
	l.add(prefix+"cross", ch.Cross)
	l.add(prefix+"twin", ch.Twin)
	l.add(prefix+"leaf", ch.Leaf)
}

func (l labeller) label(c *x509.Certificate) string {
	if c == nil {
		return "<nil>"
	}
	if s, ok := l[string(c.Raw)]; ok {
		return s
	}
	return "<unknown " + c.Subject.CommonName + ">"
}

// shape is a Bundle by labels.
type shape struct {
	Leaf          string
	Intermediates []string
	Root          string
}

func (l labeller) shape(b *collectssl.Bundle) shape {
	s := shape{Leaf: l.label(b.Leaf), Root: l.label(b.Root)}
	for _, c := range b.Intermediates {
		s.Intermediates = append(s.Intermediates, l.label(c))
	}
	return s
}

// orders returns the orders to try certs in: every permutation when there
// are at most 5, else as delivered, reversed, and 30 seeded shuffles.
func orders(certs []*x509.Certificate) [][]*x509.Certificate {
	var out [][]*x509.Certificate
	if len(certs) <= 5 {
		var perm func(prefix, rest []*x509.Certificate)
		perm = func(prefix, rest []*x509.Certificate) {
			if len(rest) == 0 {
				out = append(out, slices.Clone(prefix))
				return
			}
			for i := range rest {
				r := slices.Concat(rest[:i], rest[i+1:])
				perm(append(prefix, rest[i]), r)
			}
		}
		perm(nil, certs)
		return out
	}
	out = append(out, slices.Clone(certs))
	rev := slices.Clone(certs)
	slices.Reverse(rev)
	out = append(out, rev)
	rng := rand.New(rand.NewSource(1))
	for range 30 {
		s := slices.Clone(certs)
		rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		out = append(out, s)
	}
	return out
}

func finding(code collectssl.FindingCode, c *x509.Certificate) collectssl.Finding {
	return collectssl.Finding{Code: code, Subject: c.Subject.String(), Certificate: c}
}

func gen(t testing.TB, o certgen.Options) *certgen.Chain {
	t.Helper()
	if o.Now.IsZero() {
		o.Now = testNow
	}
	ch, err := certgen.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestNewBundle(t *testing.T) {
	type want struct {
		shape    shape
		findings []collectssl.Finding
	}
	type tc struct {
		name  string
		certs []*x509.Certificate
		now   time.Time // zero means testNow
		want  want
	}
	l := labeller{}
	var tests []tc
	for _, kt := range []certgen.KeyType{certgen.ECDSA, certgen.RSA} {
		k := "/" + kt.String()
		o := func(s certgen.Shape) certgen.Options { return certgen.Options{Shape: s, KeyType: kt} }

		tm := gen(t, o(certgen.TestMode))
		l.addChain("test-", tm)
		tests = append(tests, tc{"test mode" + k, tm.Served(), time.Time{},
			want{shape{"test-leaf", nil, "test-root"}, nil}})
		tests = append(tests, tc{"test mode without root" + k, []*x509.Certificate{tm.Leaf}, time.Time{},
			want{shape{"test-leaf", nil, "<nil>"}, []collectssl.Finding{finding(collectssl.FindingMissingIssuer, tm.Leaf)}}})

		pre := gen(t, o(certgen.Pre2025))
		l.addChain("pre-", pre)
		tests = append(tests, tc{"pre2025 served" + k, pre.Served(), time.Time{},
			want{shape{"pre-leaf", []string{"pre-issuing", "pre-cross"}, "pre-root"}, nil}})
		tests = append(tests, tc{"pre2025 both twins and AAA" + k,
			[]*x509.Certificate{pre.Root, pre.Cross, pre.Twin, pre.Issuing, pre.Leaf}, time.Time{},
			want{shape{"pre-leaf", []string{"pre-issuing"}, "pre-twin"}, []collectssl.Finding{
				finding(collectssl.FindingCrossSignedTwinDropped, pre.Cross),
				finding(collectssl.FindingStray, pre.Root),
			}}})
		tests = append(tests, tc{"pre2025 both twins without AAA" + k,
			[]*x509.Certificate{pre.Cross, pre.Twin, pre.Issuing, pre.Leaf}, time.Time{},
			want{shape{"pre-leaf", []string{"pre-issuing"}, "pre-twin"}, []collectssl.Finding{
				finding(collectssl.FindingCrossSignedTwinDropped, pre.Cross),
			}}})
		tests = append(tests, tc{"pre2025 cross without AAA" + k,
			[]*x509.Certificate{pre.Cross, pre.Issuing, pre.Leaf}, time.Time{},
			want{shape{"pre-leaf", []string{"pre-issuing", "pre-cross"}, "<nil>"}, []collectssl.Finding{
				finding(collectssl.FindingMissingIssuer, pre.Cross),
			}}})
		tests = append(tests, tc{"pre2025 missing intermediate" + k,
			[]*x509.Certificate{pre.Root, pre.Cross, pre.Leaf}, time.Time{},
			want{shape{"pre-leaf", nil, "<nil>"}, []collectssl.Finding{
				finding(collectssl.FindingMissingIssuer, pre.Leaf),
				finding(collectssl.FindingStray, pre.Root),
				finding(collectssl.FindingStray, pre.Cross),
			}}})
		// Six years on, the DV CA (five years) and the cross-certificate
		// (three) have expired, AAA (ten) has not: the leaf's own issuer is
		// kept, the cross-certificate dropped.
		tests = append(tests, tc{"pre2025 expired issuer kept" + k, pre.Served(), testNow.AddDate(6, 0, 0),
			want{shape{"pre-leaf", []string{"pre-issuing"}, "<nil>"}, []collectssl.Finding{
				finding(collectssl.FindingExpiredDropped, pre.Cross),
				finding(collectssl.FindingExpiredKept, pre.Issuing),
				finding(collectssl.FindingMissingIssuer, pre.Issuing),
				finding(collectssl.FindingStray, pre.Root),
			}}})
		// Three years back, the DV CA (valid from two years before testNow)
		// has not begun; nothing else can issue the leaf.
		tests = append(tests, tc{"pre2025 not yet valid issuer kept" + k, pre.Served(), testNow.AddDate(-3, 0, 0),
			want{shape{"pre-leaf", []string{"pre-issuing", "pre-cross"}, "pre-root"}, []collectssl.Finding{
				finding(collectssl.FindingNotYetValidKept, pre.Issuing),
			}}})

		exp := gen(t, certgen.Options{Shape: certgen.Pre2025, KeyType: kt, ExpiredCross: true})
		l.addChain("exp-", exp)
		tests = append(tests, tc{"pre2025 expired cross served" + k, exp.Served(), time.Time{},
			want{shape{"exp-leaf", []string{"exp-issuing"}, "<nil>"}, []collectssl.Finding{
				finding(collectssl.FindingExpiredDropped, exp.Cross),
				finding(collectssl.FindingMissingIssuer, exp.Issuing),
				finding(collectssl.FindingStray, exp.Root),
			}}})
		tests = append(tests, tc{"pre2025 expired cross with twin" + k,
			[]*x509.Certificate{exp.Root, exp.Cross, exp.Twin, exp.Issuing, exp.Leaf}, time.Time{},
			want{shape{"exp-leaf", []string{"exp-issuing"}, "exp-twin"}, []collectssl.Finding{
				finding(collectssl.FindingExpiredDropped, exp.Cross),
				finding(collectssl.FindingStray, exp.Root),
			}}})
		tests = append(tests, tc{"pre2025 expired cross with twin, no AAA" + k,
			[]*x509.Certificate{exp.Cross, exp.Twin, exp.Issuing, exp.Leaf}, time.Time{},
			want{shape{"exp-leaf", []string{"exp-issuing"}, "exp-twin"}, []collectssl.Finding{
				finding(collectssl.FindingExpiredDropped, exp.Cross),
			}}})

		n := gen(t, o(certgen.Shape2025))
		l.addChain("2025-", n)
		tests = append(tests, tc{"2025 served" + k, n.Served(), time.Time{},
			want{shape{"2025-leaf", []string{"2025-issuing", "2025-cross"}, "2025-root"}, nil}})
		tests = append(tests, tc{"2025 both twins and USERTrust" + k,
			[]*x509.Certificate{n.Root, n.Cross, n.Twin, n.Issuing, n.Leaf}, time.Time{},
			want{shape{"2025-leaf", []string{"2025-issuing"}, "2025-twin"}, []collectssl.Finding{
				finding(collectssl.FindingCrossSignedTwinDropped, n.Cross),
				finding(collectssl.FindingStray, n.Root),
			}}})
		tests = append(tests, tc{"2025 R46 self-signed only" + k,
			[]*x509.Certificate{n.Twin, n.Issuing, n.Leaf}, time.Time{},
			want{shape{"2025-leaf", []string{"2025-issuing"}, "2025-twin"}, nil}})
		tests = append(tests, tc{"2025 stray CA of another chain" + k,
			[]*x509.Certificate{n.Root, n.Cross, n.Issuing, n.Leaf, tm.Root, pre.Issuing}, time.Time{},
			want{shape{"2025-leaf", []string{"2025-issuing", "2025-cross"}, "2025-root"}, []collectssl.Finding{
				finding(collectssl.FindingStray, pre.Issuing),
				finding(collectssl.FindingStray, tm.Root),
			}}})
		tests = append(tests, tc{"2025 duplicates" + k,
			[]*x509.Certificate{n.Root, n.Cross, n.Issuing, n.Leaf, n.Cross, n.Leaf, n.Leaf}, time.Time{},
			want{shape{"2025-leaf", []string{"2025-issuing", "2025-cross"}, "2025-root"}, []collectssl.Finding{
				finding(collectssl.FindingDuplicate, n.Leaf),
				finding(collectssl.FindingDuplicate, n.Leaf),
				finding(collectssl.FindingDuplicate, n.Cross),
			}}})
	}
	sha := gen(t, certgen.Options{Shape: certgen.Pre2025, KeyType: certgen.ECDSA, SHA1Root: true})
	l.addChain("sha1-", sha)
	tests = append(tests, tc{"pre2025 SHA-1 AAA", sha.Served(), time.Time{},
		want{shape{"sha1-leaf", []string{"sha1-issuing", "sha1-cross"}, "sha1-root"}, nil}})
	tests = append(tests, tc{"pre2025 SHA-1 AAA with nil entries", []*x509.Certificate{nil, sha.Root, nil, sha.Cross, sha.Issuing, sha.Leaf}, time.Time{},
		want{shape{"sha1-leaf", []string{"sha1-issuing", "sha1-cross"}, "sha1-root"}, nil}})

	// Findings sort by code, then subject, then text; the want lists above are
	// in that order for codes, and sorted here for subjects.
	sortFindings := cmpopts.SortSlices(func(a, b collectssl.Finding) bool {
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Subject < b.Subject
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now
			if now.IsZero() {
				now = testNow
			}
			for i, in := range orders(tt.certs) {
				got, err := collectssl.NewBundleAt(in, now)
				if err != nil {
					t.Fatalf("order %d: NewBundleAt: %v", i, err)
				}
				if diff := cmp.Diff(tt.want.shape, l.shape(got)); diff != "" {
					t.Fatalf("order %d (%v): bundle (-want +got):\n%s", i, labels(l, in), diff)
				}
				if diff := cmp.Diff(tt.want.findings, got.Findings, cmpopts.IgnoreFields(collectssl.Finding{}, "Text", "Certificate"), cmpopts.EquateEmpty(), sortFindings); diff != "" {
					t.Fatalf("order %d (%v): findings (-want +got):\n%s", i, labels(l, in), diff)
				}
				if !slices.IsSortedFunc(got.Findings, func(a, b collectssl.Finding) int {
					return cmp3(string(a.Code), string(b.Code), a.Subject, b.Subject, a.Text, b.Text)
				}) {
					t.Errorf("order %d: findings not sorted: %v", i, got.Findings)
				}
				for _, f := range got.Findings {
					if f.Text == "" {
						t.Errorf("order %d: finding %v has no text", i, f)
					}
					if f.Certificate == nil || f.Certificate.Subject.String() != f.Subject {
						t.Errorf("order %d: finding %v: Certificate does not match Subject", i, f)
					}
				}
			}
		})
	}
}

func cmp3(a1, b1, a2, b2, a3, b3 string) int {
	if c := strings.Compare(a1, b1); c != 0 {
		return c
	}
	if c := strings.Compare(a2, b2); c != 0 {
		return c
	}
	return strings.Compare(a3, b3)
}

func labels(l labeller, certs []*x509.Certificate) []string {
	var s []string
	for _, c := range certs {
		s = append(s, l.label(c))
	}
	return s
}

func TestNewBundleErrors(t *testing.T) {
	pre := gen(t, certgen.Options{Shape: certgen.Pre2025})
	second, _, err := pre.IssueLeaf(certgen.LeafOptions{Domains: []string{"second.example.test"}, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	other := gen(t, certgen.Options{Shape: certgen.TestMode, Domains: []string{"other.example.test"}})
	many := make([]*x509.Certificate, collectssl.MaxBundleCertificates+1)
	for i := range many {
		many[i] = pre.Leaf
	}
	subj := func(certs ...*x509.Certificate) []string {
		var s []string
		for _, c := range certs {
			s = append(s, c.Subject.String())
		}
		return s
	}
	tests := []struct {
		name     string
		certs    []*x509.Certificate
		want     error
		subjects []string // want, sorted; nil when the error is not a *BundleError
	}{
		{"two leaves of one chain", append(pre.Served(), second), collectssl.ErrSeveralLeaves, subj(pre.Leaf, second)},
		{"two leaves of two chains", []*x509.Certificate{pre.Leaf, other.Leaf, other.Root}, collectssl.ErrSeveralLeaves, subj(pre.Leaf, other.Leaf)},
		{"no leaf", []*x509.Certificate{pre.Root, pre.Cross, pre.Issuing}, collectssl.ErrNoLeaf, subj(pre.Root, pre.Cross, pre.Issuing)},
		{"only a twin", []*x509.Certificate{pre.Twin, pre.Twin}, collectssl.ErrNoLeaf, subj(pre.Twin)},
		{"empty", nil, collectssl.ErrNoLeaf, nil},
		{"only nil", []*x509.Certificate{nil}, collectssl.ErrNoLeaf, nil},
		{"too many", many, collectssl.ErrTooLarge, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, in := range orders(tt.certs)[:min(len(orders(tt.certs)), 10)] {
				b, err := collectssl.NewBundleAt(in, testNow)
				if !errors.Is(err, tt.want) {
					t.Fatalf("order %d: NewBundleAt = %v, %v; want error matching %v", i, b, err, tt.want)
				}
				if b != nil {
					t.Errorf("order %d: bundle %v with error", i, b)
				}
				if !strings.HasPrefix(err.Error(), "collectssl: ") {
					t.Errorf("order %d: error %q lacks the collectssl: prefix", i, err)
				}
				var be *collectssl.BundleError
				if !errors.As(err, &be) {
					if tt.want != collectssl.ErrTooLarge {
						t.Errorf("order %d: %v is not a *BundleError", i, err)
					}
					continue
				}
				got := slices.Clone(be.Subjects)
				slices.Sort(got)
				want := slices.Clone(tt.subjects)
				slices.Sort(want)
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("order %d: Subjects (-want +got):\n%s", i, diff)
				}
				for _, s := range want {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("order %d: error %q does not name %q", i, err, s)
					}
				}
			}
		})
	}
}

// issue signs a certificate for tmpl (its Subject, or RawSubject when set)
// and pub with parent and key.
func issue(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl.SerialNumber = big.NewInt(serial.Add(1))
	der, err := x509.CreateCertificate(crand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var serial atomic.Int64

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{certgen.Organization}, CommonName: cn},
		NotBefore:             testNow.AddDate(-1, 0, 0),
		NotAfter:              testNow.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
}

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestNewBundleReissuedIntermediate gives two issues of the DV CA (same
// subject and key, different serial numbers): the choice between the two
// equal paths must not depend on the input order, and the other issue is
// reported as a twin.
func TestNewBundleReissuedIntermediate(t *testing.T) {
	ch := gen(t, certgen.Options{Shape: certgen.Shape2025, KeyType: certgen.ECDSA})
	tmpl := *ch.Issuing
	dv2 := issue(t, &tmpl, ch.Cross, ch.Issuing.PublicKey, ch.Key(certgen.RoleCross))
	if !bytes.Equal(dv2.RawSubject, ch.Issuing.RawSubject) || bytes.Equal(dv2.Raw, ch.Issuing.Raw) {
		t.Fatal("the re-issued DV CA is not a twin")
	}
	in := []*x509.Certificate{ch.Root, ch.Cross, ch.Issuing, dv2, ch.Leaf}
	var first *collectssl.Bundle
	for i, o := range orders(in) {
		b, err := collectssl.NewBundleAt(o, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Intermediates) != 2 || !b.Intermediates[1].Equal(ch.Cross) || !b.Root.Equal(ch.Root) {
			t.Fatalf("order %d: intermediates %v root %v", i, labels(labeller{}, b.Intermediates), b.Root.Subject)
		}
		if first == nil {
			first = b
		}
		if !b.Intermediates[0].Equal(first.Intermediates[0]) {
			t.Fatalf("order %d chose the other DV issue than order 0", i)
		}
		want := []collectssl.Finding{finding(collectssl.FindingCrossSignedTwinDropped, ch.Issuing)}
		if diff := cmp.Diff(want, b.Findings, cmpopts.IgnoreFields(collectssl.Finding{}, "Text", "Certificate")); diff != "" {
			t.Fatalf("order %d: findings (-want +got):\n%s", i, diff)
		}
	}
}

// TestNewBundleCycle feeds CAs that issued each other: A by B and B by A. The
// search must end and keep each CA once.
func TestNewBundleCycle(t *testing.T) {
	ka, kb, kl := ecKey(t), ecKey(t), ecKey(t)
	ta, tb := caTemplate("Test cycle A"), caTemplate("Test cycle B")
	aByB := issue(t, ta, tb, &ka.PublicKey, kb)
	bByA := issue(t, tb, ta, &kb.PublicKey, ka)
	leaf := issue(t, &x509.Certificate{
		Subject:   pkix.Name{CommonName: "cycle.example.test"},
		NotBefore: testNow.AddDate(0, -1, 0), NotAfter: testNow.AddDate(0, 1, 0),
		BasicConstraintsValid: true,
	}, aByB, &kl.PublicKey, ka)
	l := labeller{}
	l.add("A", aByB)
	l.add("B", bByA)
	l.add("leaf", leaf)
	for i, in := range orders([]*x509.Certificate{aByB, bByA, leaf}) {
		b, err := collectssl.NewBundleAt(in, testNow)
		if err != nil {
			t.Fatalf("order %d: %v", i, err)
		}
		if diff := cmp.Diff(shape{"leaf", []string{"A", "B"}, "<nil>"}, l.shape(b)); diff != "" {
			t.Errorf("order %d: (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff([]collectssl.Finding{finding(collectssl.FindingMissingIssuer, bByA)}, b.Findings, cmpopts.IgnoreFields(collectssl.Finding{}, "Text", "Certificate")); diff != "" {
			t.Errorf("order %d: findings (-want +got):\n%s", i, diff)
		}
	}
}

// TestNewBundleBounds feeds sets of mutually cross-signed CAs whose paths
// explode: NewBundle must stop with ErrTooLarge, not search for ever.
func TestNewBundleBounds(t *testing.T) {
	ka, kb, kl := ecKey(t), ecKey(t), ecKey(t)
	ta, tb := caTemplate("Test ring A"), caTemplate("Test ring B")
	var as, bs []*x509.Certificate
	for range 30 {
		as = append(as, issue(t, ta, tb, &ka.PublicKey, kb))
		bs = append(bs, issue(t, tb, ta, &kb.PublicKey, ka))
	}
	leaf := issue(t, &x509.Certificate{
		Subject:   pkix.Name{CommonName: "ring.example.test"},
		NotBefore: testNow.AddDate(0, -1, 0), NotAfter: testNow.AddDate(0, 1, 0),
		BasicConstraintsValid: true,
	}, as[0], &kl.PublicKey, ka)
	in := slices.Concat(as, bs, []*x509.Certificate{leaf})
	if _, err := collectssl.NewBundleAt(in, testNow); !errors.Is(err, collectssl.ErrTooLarge) || !strings.Contains(err.Error(), "signature checks") {
		t.Errorf("30+30 cross-signed CAs: err = %v, want ErrTooLarge (signature checks)", err)
	}
	// Five of each stay within every bound: the path never holds two twins.
	b, err := collectssl.NewBundleAt(slices.Concat(as[:5], bs[:5], []*x509.Certificate{leaf}), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(b.Intermediates), 2; got != want {
		t.Errorf("%d intermediates, want %d", got, want)
	}
	codes := map[collectssl.FindingCode]int{}
	for _, f := range b.Findings {
		codes[f.Code]++
	}
	if diff := cmp.Diff(map[collectssl.FindingCode]int{collectssl.FindingCrossSignedTwinDropped: 8, collectssl.FindingMissingIssuer: 1}, codes); diff != "" {
		t.Errorf("finding codes (-want +got):\n%s", diff)
	}

	// Six layers of four interchangeable twins each (same subject and key,
	// different serial numbers): 4^6 paths, within the signature budget (84
	// checks), beyond the search budget.
	var layers [][]*x509.Certificate
	keys := []*ecdsa.PrivateKey{ecKey(t)}
	for range 6 {
		keys = append(keys, ecKey(t))
	}
	var all []*x509.Certificate
	for i := range 6 {
		self, up := caTemplate(fmt.Sprintf("Test layer %d", i)), caTemplate(fmt.Sprintf("Test layer %d", i+1))
		up.SubjectKeyId = []byte{byte(i + 1)}
		self.SubjectKeyId = []byte{byte(i)}
		var layer []*x509.Certificate
		for range 4 {
			layer = append(layer, issue(t, self, up, &keys[i].PublicKey, keys[i+1]))
		}
		layers = append(layers, layer)
		all = append(all, layer...)
	}
	deep := issue(t, &x509.Certificate{
		Subject:   pkix.Name{CommonName: "deep.example.test"},
		NotBefore: testNow.AddDate(0, -1, 0), NotAfter: testNow.AddDate(0, 1, 0),
		BasicConstraintsValid: true,
	}, layers[0][0], &kl.PublicKey, keys[0])
	all = append(all, deep)
	if _, err := collectssl.NewBundleAt(all, testNow); !errors.Is(err, collectssl.ErrTooLarge) || !strings.Contains(err.Error(), "candidate paths") {
		t.Errorf("6 layers of 4 twins: err = %v, want ErrTooLarge (search steps)", err)
	}
	// Three layers of them are fine.
	b, err = collectssl.NewBundleAt(slices.Concat(layers[0], layers[1], layers[2], []*x509.Certificate{deep}), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(b.Intermediates), 3; got != want {
		t.Errorf("3 layers: %d intermediates, want %d", got, want)
	}
}

func TestNewBundleUsesNow(t *testing.T) {
	// A chain made for today, with an expired cross-certificate: NewBundle
	// (time.Now) must drop it like NewBundleAt(time.Now()).
	ch := gen(t, certgen.Options{Shape: certgen.Pre2025, KeyType: certgen.ECDSA, ExpiredCross: true, Now: time.Now()})
	b, err := collectssl.NewBundle(ch.Served())
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Intermediates) != 1 || !b.Intermediates[0].Equal(ch.Issuing) {
		t.Errorf("Intermediates = %v, want the DV CA alone", labels(labeller{}, b.Intermediates))
	}
}

// pemOf is an encoding of certificates written independently of
// encoding/pem.Encode: armour, base64 at 64 columns, LF.
func pemOf(certs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, "-----BEGIN CERTIFICATE-----\n"...)
		s := base64.StdEncoding.EncodeToString(c.Raw)
		for len(s) > 64 {
			b = append(b, s[:64]+"\n"...)
			s = s[64:]
		}
		if s != "" {
			b = append(b, s+"\n"...)
		}
		b = append(b, "-----END CERTIFICATE-----\n"...)
	}
	return b
}

// checkCanonical asserts the properties of canonical PEM.
func checkCanonical(t *testing.T, name string, data []byte, want []*x509.Certificate) {
	t.Helper()
	if len(want) == 0 {
		if data != nil {
			t.Errorf("%s = %q, want nil", name, data)
		}
		return
	}
	if !bytes.HasSuffix(data, []byte("-----\n")) || bytes.HasSuffix(data, []byte("\n\n")) {
		t.Errorf("%s does not end with exactly one newline after the armour", name)
	}
	if bytes.ContainsAny(data, "\r\t ") && !bytes.Contains(data, []byte("BEGIN CERTIFICATE")) {
		t.Errorf("%s holds CR, tab or space", name)
	}
	if bytes.ContainsRune(data, '\r') {
		t.Errorf("%s holds CR", name)
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		switch {
		case line == "":
			t.Errorf("%s line %d is blank", name, i+1)
		case line == "-----BEGIN CERTIFICATE-----", line == "-----END CERTIFICATE-----":
		case len(line) > 64:
			t.Errorf("%s line %d is %d columns", name, i+1, len(line))
		case strings.Trim(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != "":
			t.Errorf("%s line %d is not base64: %q", name, i+1, line)
		}
	}
	rest := data
	var got [][]byte
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" || len(blk.Headers) != 0 {
			t.Errorf("%s block %q with headers %v", name, blk.Type, blk.Headers)
		}
		got = append(got, blk.Bytes)
	}
	if len(rest) != 0 {
		t.Errorf("%s: %q after the last block", name, rest)
	}
	var wantRaw [][]byte
	for _, c := range want {
		wantRaw = append(wantRaw, c.Raw)
	}
	if !slices.EqualFunc(got, wantRaw, bytes.Equal) {
		t.Errorf("%s decodes to %d certificates, not the %d wanted", name, len(got), len(wantRaw))
	}
}

func TestBundlePEM(t *testing.T) {
	for _, kt := range []certgen.KeyType{certgen.ECDSA, certgen.RSA} {
		pre := gen(t, certgen.Options{Shape: certgen.Pre2025, KeyType: kt, SHA1Root: kt == certgen.RSA})
		full, err := collectssl.NewBundleAt(pre.Served(), testNow)
		if err != nil {
			t.Fatal(err)
		}
		noRoot, err := collectssl.NewBundleAt([]*x509.Certificate{pre.Leaf}, testNow)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			got  []byte
			want []*x509.Certificate
		}{
			{"CertPEM", full.CertPEM(), []*x509.Certificate{pre.Leaf}},
			{"ChainPEM", full.ChainPEM(), []*x509.Certificate{pre.Issuing, pre.Cross}},
			{"FullChainPEM", full.FullChainPEM(), []*x509.Certificate{pre.Leaf, pre.Issuing, pre.Cross}},
			{"RootPEM", full.RootPEM(), []*x509.Certificate{pre.Root}},
			{"leaf alone: CertPEM", noRoot.CertPEM(), []*x509.Certificate{pre.Leaf}},
			{"leaf alone: ChainPEM", noRoot.ChainPEM(), nil},
			{"leaf alone: FullChainPEM", noRoot.FullChainPEM(), []*x509.Certificate{pre.Leaf}},
			{"leaf alone: RootPEM", noRoot.RootPEM(), nil},
		}
		for _, tt := range tests {
			t.Run(kt.String()+"/"+tt.name, func(t *testing.T) {
				if want := pemOf(tt.want...); !bytes.Equal(tt.got, want) && !(len(tt.want) == 0 && tt.got == nil) {
					t.Errorf("got\n%s\nwant\n%s", tt.got, want)
				}
				var viaStdlib []byte
				for _, c := range tt.want {
					viaStdlib = append(viaStdlib, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
				}
				if !bytes.Equal(tt.got, viaStdlib) {
					t.Errorf("differs from pem.EncodeToMemory of each Raw")
				}
				checkCanonical(t, tt.name, tt.got, tt.want)
			})
		}
	}
	var zero collectssl.Bundle
	if got := zero.FullChainPEM(); got != nil {
		t.Errorf("zero Bundle FullChainPEM = %q, want nil", got)
	}
}

func TestBundlePKCS7(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    certgen.Options
	}{
		{"pre2025 RSA", certgen.Options{Shape: certgen.Pre2025, KeyType: certgen.RSA}},
		{"2025 ECDSA", certgen.Options{Shape: certgen.Shape2025, KeyType: certgen.ECDSA}},
		{"test mode", certgen.Options{Shape: certgen.TestMode}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ch := gen(t, tt.o)
			b, err := collectssl.NewBundleAt(ch.Served(), testNow)
			if err != nil {
				t.Fatal(err)
			}
			der, err := b.PKCS7()
			if err != nil {
				t.Fatal(err)
			}
			want := append([]*x509.Certificate{b.Leaf}, b.Intermediates...)
			p7, err := pkcs7.Parse(der)
			if err != nil {
				t.Fatalf("pkcs7.Parse: %v", err)
			}
			if !slices.EqualFunc(p7.Certificates, want, (*x509.Certificate).Equal) {
				t.Errorf("pkcs7.Parse gives %d certificates, not the %d of leaf + intermediates", len(p7.Certificates), len(want))
			}
			if der[0] != 0x30 {
				t.Errorf("PKCS7() starts with %#x, not a SEQUENCE", der[0])
			}
			// Our decoder reads it back in order, strict about trailing data.
			back, err := collectssl.DecodeCertificates(der)
			if err != nil || !slices.EqualFunc(back, want, (*x509.Certificate).Equal) {
				t.Errorf("DecodeCertificates(PKCS7()) = %d certificates, %v; want the %d of leaf + intermediates in order", len(back), err, len(want))
			}

			openssl, err := exec.LookPath("openssl")
			if err != nil {
				t.Skip("openssl not installed; pkcs7.Parse checked it")
			}
			cmd := exec.Command(openssl, "pkcs7", "-inform", "DER", "-print_certs")
			cmd.Stdin = bytes.NewReader(der)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("openssl pkcs7: %v", err)
			}
			var got []*x509.Certificate
			for rest := out; ; {
				var blk *pem.Block
				if blk, rest = pem.Decode(rest); blk == nil {
					break
				}
				c, err := x509.ParseCertificate(blk.Bytes)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, c)
			}
			if !slices.EqualFunc(got, want, (*x509.Certificate).Equal) {
				t.Errorf("openssl reads %d certificates, not the %d of leaf + intermediates", len(got), len(want))
			}
		})
	}
	if _, err := (&collectssl.Bundle{}).PKCS7(); !errors.Is(err, collectssl.ErrNoLeaf) {
		t.Errorf("PKCS7 of an empty Bundle: %v, want ErrNoLeaf", err)
	}
}

// BenchmarkNewBundle measures NewBundle on the served pre-2025 RSA chain
// (SHA-1 AAA) next to its floor: the signature checks of the chain's edges,
// leaf <- DV <- USERTrust-by-AAA <- AAA (not AAA's own SHA-1 signature).
func BenchmarkNewBundle(b *testing.B) {
	for _, kt := range []certgen.KeyType{certgen.RSA, certgen.ECDSA} {
		ours, floor := newBundleBench(b, kt)
		for _, side := range []struct {
			name string
			run  func() error
		}{{"ours", ours}, {"floor", floor}} {
			b.Run(kt.String()+"/"+side.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := side.run(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkNewBundlePaired alternates ours and the floor (see floor.Paired).
func BenchmarkNewBundlePaired(b *testing.B) {
	for _, kt := range []certgen.KeyType{certgen.RSA, certgen.ECDSA} {
		ours, tight := newBundleBench(b, kt)
		b.Run(kt.String(), func(b *testing.B) { floor.Paired(b, ours, tight) })
	}
}

// newBundleBench returns NewBundle on the pre-2025 shape (with the SHA-1
// root) as served, and its floor: the signature checks of the path,
// leaf <- DV <- USERTrust by AAA <- AAA (the self-signed root is not checked).
func newBundleBench(b *testing.B, kt certgen.KeyType) (ours, floor func() error) {
	ch := gen(b, certgen.Options{Shape: certgen.Pre2025, KeyType: kt, SHA1Root: true})
	served := ch.Served()
	ours = func() error {
		_, err := collectssl.NewBundleAt(served, testNow)
		return err
	}
	floor = func() error {
		return errors.Join(ch.Leaf.CheckSignatureFrom(ch.Issuing), ch.Issuing.CheckSignatureFrom(ch.Cross),
			ch.Cross.CheckSignatureFrom(ch.Root))
	}
	return ours, floor
}
