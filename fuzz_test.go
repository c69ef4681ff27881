// This file holds the fuzz targets, one per parser plus cross-format
// properties; each checks a property, not just "no panic":
//   - DecodeCertificates against its error contract, then NewBundle on what
//     it decoded; a differential test against go.mozilla.org/pkcs7; and
//     containerLen's own properties;
//   - FuzzNewBundle: each input picks and orders certificates from a pool of
//     generated chains (twins, an expired cross-certificate, a SHA-1 root,
//     extra leaves); the result must be a well-formed chain that does not
//     depend on the input order;
//   - the response parsers: every error is a *StatusError, a *ParseError or
//     matches ErrTooLarge, and every Result, re-rendered as responseFormat=1
//     by internal/wire, parses back to the same Result.
//
// The corpora are seeded from every file under testdata/ and from our
// encoders; regressions live under testdata/fuzz/.

package collectssl_test

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/wire"
	"github.com/google/go-cmp/cmp"
	"go.mozilla.org/pkcs7"
)

// addSeeds adds every file under testdata/ (but testdata/fuzz, which go
// test runs itself) and inputs from our own encoders.
func addSeeds(f *testing.F) {
	for _, b := range seedFiles(f) {
		if len(b) <= collectssl.MaxInputSize {
			f.Add(b)
		}
	}
	c := getChain(f)
	raw := ders(c.root, c.inter, c.leaf)
	for _, o := range []p7opts{
		{}, {indef: true}, {indef: true, emptyIndefSet: true}, {emptyIndefSet: true},
		{indef: true, octetContent: true, signer: true}, {crl: c.crl}, {indef: true, crl: c.crl},
		{noSignerInfos: true},
	} {
		f.Add(encPKCS7(o, raw...))
		f.Add(encPKCS7(o, c.leaf.Raw))
	}
	f.Add(encPKCS7(p7opts{}))
	f.Add(netscape(raw...))
	f.Add(pemCerts(c.root, c.leaf))
	f.Add([]byte(b64(encPKCS7(p7opts{indef: true}, raw...))))
	f.Add(makeZIP(f, zipEntry{name: "a.crt", data: pemCerts(c.leaf)}, zipEntry{name: "b.crt", data: c.root.Raw, store: true}))
	for _, tiny := range []string{"\x1f\x80", "\x1f\x05", "\x30\x81", "\x30\x84\x01", "\x30\x82\x06", "\x5f\x4d", "\x30\x80\x00\x00", "\x31\x80\x00\x00"} {
		f.Add([]byte(tiny))
	}
}

// FuzzDecodeCertificates checks the contract of DecodeCertificates: no
// panic; a success is a non-empty list of certificates that re-parse from
// their Raw; a failure is a *ContainerError matching ErrMalformedContainer
// (and ErrTooLarge only alongside it). What decodes is then bundled, and the
// bundle must have the properties checkBundle asserts.
func FuzzDecodeCertificates(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := collectssl.DecodeCertificates(data)
		if err != nil {
			if certs != nil {
				t.Errorf("got %d certificates with error %v", len(certs), err)
			}
			var ce *collectssl.ContainerError
			if !errors.As(err, &ce) || !errors.Is(err, collectssl.ErrMalformedContainer) {
				t.Fatalf("error %q (%T) is not a *ContainerError matching ErrMalformedContainer", err, err)
			}
			return
		}
		if len(certs) == 0 {
			t.Fatal("no error and no certificates")
		}
		for i, c := range certs {
			again, err := x509.ParseCertificate(c.Raw)
			if err != nil {
				t.Fatalf("certificate %d does not re-parse: %v", i, err)
			}
			if !bytes.Equal(again.Raw, c.Raw) {
				t.Fatalf("certificate %d re-parses differently", i)
			}
		}
		// Whatever decodes goes on to NewBundle, as Result.Bundle does.
		b, err := collectssl.NewBundle(certs)
		if err != nil {
			var be *collectssl.BundleError
			if !errors.As(err, &be) && !errors.Is(err, collectssl.ErrTooLarge) {
				t.Fatalf("NewBundle: error %q (%T) is neither a *BundleError nor ErrTooLarge", err, err)
			}
			return
		}
		checkBundle(t, certs, b)
	})
}

// oracleMaxInput bounds what the oracle is given: it converts BER to DER by
// recursion and in quadratic time.
const oracleMaxInput = 64 << 10

// FuzzDecodeCertificatesPKCS7Oracle compares DecodeCertificates with
// pkcs7.Parse. pkcs7.Parse ignores bytes after the first element, so only
// inputs that are exactly one BER element (containerLen says so) count as
// "without trailing data"; it re-encodes BER to DER, so it may return
// certificates that were BER in the input, which we refuse on purpose: only
// results whose certificates all occur verbatim in the input are compared.
// Wherever the oracle then returns at least one certificate, we must return
// the same DER list.
func FuzzDecodeCertificatesPKCS7Oracle(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > oracleMaxInput {
			return
		}
		if n, complete, err := collectssl.ContainerLen(data); err != nil || !complete || n != len(data) {
			return
		}
		if !shallow(data, collectssl.MaxNestingDepth) {
			return // the oracle recurses; keep it away from deep input
		}
		var want []*x509.Certificate
		func() {
			defer func() { _ = recover() }() // the oracle's panics are not ours
			p7, err := pkcs7.Parse(data)
			if err == nil && p7 != nil {
				want = p7.Certificates
			}
		}()
		if len(want) == 0 {
			return
		}
		for _, c := range want {
			if !bytes.Contains(data, c.Raw) {
				return
			}
		}
		got, err := collectssl.DecodeCertificates(data)
		if err != nil {
			t.Fatalf("pkcs7.Parse found %d certificates, DecodeCertificates failed: %v", len(want), err)
		}
		if diff := cmp.Diff(ders(want...), ders(got...)); diff != "" {
			t.Fatalf("certificates differ from pkcs7.Parse (-oracle +ours):\n%s", diff)
		}
	})
}

// shallow reports whether every constructed element of b, definite or
// indefinite, is nested at most limit deep and the whole of b is well-formed
// BER. It walks iteratively.
func shallow(b []byte, limit int) bool {
	type frame struct {
		end   int
		indef bool
	}
	var stack []frame
	off := 0
	for off < len(b) || len(stack) > 0 {
		for len(stack) > 0 && !stack[len(stack)-1].indef && off >= stack[len(stack)-1].end {
			if off > stack[len(stack)-1].end {
				return false // a child ran past its parent
			}
			stack = stack[:len(stack)-1]
		}
		if off >= len(b) {
			return len(stack) == 0
		}
		end := len(b)
		if len(stack) > 0 && !stack[len(stack)-1].indef {
			end = stack[len(stack)-1].end
		}
		h, err := collectssl.ReadBERHeader(b[:end], off)
		if err != nil {
			return false
		}
		if h.EOC {
			if len(stack) == 0 || !stack[len(stack)-1].indef {
				return false
			}
			stack = stack[:len(stack)-1]
			off = h.Body
			continue
		}
		if !h.Constructed {
			off = h.Body + h.Length
			continue
		}
		stack = append(stack, frame{h.Body + h.Length, h.Indef})
		if len(stack) > limit {
			return false
		}
		off = h.Body
	}
	return true
}

// FuzzContainerLen checks containerLen: no panic, n within b, and a
// complete container is still complete, with the same length, on its own.
func FuzzContainerLen(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		n, complete, err := collectssl.ContainerLen(b)
		if n < 0 || n > len(b) {
			t.Fatalf("n = %d outside [0, %d]", n, len(b))
		}
		if err != nil && complete {
			t.Fatalf("complete with error %v", err)
		}
		if !complete {
			return
		}
		n2, complete2, err2 := collectssl.ContainerLen(b[:n])
		if n2 != n || !complete2 || err2 != nil {
			t.Fatalf("containerLen(b[:%d]) = (%d, %v, %v), want (%d, true, nil)", n, n2, complete2, err2, n)
		}
	})
}

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
	f.Add(bytes.Repeat([]byte{1}, collectssl.MaxBundleCertificates+1))
	f.Fuzz(func(t *testing.T, picks []byte) {
		in := make([]*x509.Certificate, len(picks))
		for i, p := range picks {
			in[i] = pool[int(p)%len(pool)]
		}
		b, err := collectssl.NewBundleAt(in, testNow)
		if err != nil {
			if b != nil {
				t.Fatalf("bundle and error %v", err)
			}
			if !errors.Is(err, collectssl.ErrNoLeaf) && !errors.Is(err, collectssl.ErrSeveralLeaves) && !errors.Is(err, collectssl.ErrTooLarge) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		checkBundle(t, in, b)

		// The input order does not matter.
		rev := slices.Clone(in)
		slices.Reverse(rev)
		b2, err := collectssl.NewBundleAt(rev, testNow)
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

func rawsOf(b *collectssl.Bundle) [][]byte {
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
func findingsOf(b *collectssl.Bundle) []any {
	var fs []any
	for _, f := range b.Findings {
		fs = append(fs, []any{f.Code, f.Subject, f.Text, f.Certificate.Raw})
	}
	return fs
}

// checkBundle asserts the properties of every successful NewBundle result.
func checkBundle(t *testing.T, in []*x509.Certificate, b *collectssl.Bundle) {
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
		if collectssl.SelfSigned(c) {
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
		if !collectssl.SelfSigned(r) {
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
	// The PKCS#7 output holds leaf and intermediates, in order.
	der, err := b.PKCS7()
	if err != nil {
		t.Fatalf("PKCS7: %v", err)
	}
	if back, err := collectssl.DecodeCertificates(der); err != nil || !slices.EqualFunc(back, chain[:1+len(b.Intermediates)], (*x509.Certificate).Equal) {
		t.Errorf("PKCS7 decodes to %d certificates (%v), want leaf and %d intermediates", len(back), err, len(b.Intermediates))
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
	codes := map[collectssl.FindingCode]int{}
	for _, f := range b.Findings {
		codes[f.Code]++
		if f.Certificate == nil || !isIn(f.Certificate) || f.Certificate.Subject.String() != f.Subject {
			t.Errorf("finding %v: Certificate not in the input or not of Subject", f)
		}
	}
	if got, want := codes[collectssl.FindingDuplicate], nonNil-len(distinct); got != want {
		t.Errorf("%d duplicate findings, want %d", got, want)
	}
	left := codes[collectssl.FindingStray] + codes[collectssl.FindingCrossSignedTwinDropped] + codes[collectssl.FindingExpiredDropped] + codes[collectssl.FindingNotYetValidDropped]
	if got, want := len(chain)+left, len(distinct); got != want {
		t.Errorf("%d in the chain + %d left out = %d, want the %d distinct certificates", len(chain), left, got, want)
	}
	// An issuer is missing exactly when the chain ends below a root: not
	// at a delivered root, and not at a self-signed certificate (a
	// self-signed leaf alone needs none).
	if wantMissing := b.Root == nil && !collectssl.SelfSigned(prev); (codes[collectssl.FindingMissingIssuer] == 1) != wantMissing {
		t.Errorf("Root %v, top self-signed %v, but %d missing-issuer findings", b.Root != nil, collectssl.SelfSigned(prev), codes[collectssl.FindingMissingIssuer])
	}
}

// seedFiles returns the contents of every file under testdata/ but the fuzz
// corpora.
func seedFiles(f *testing.F) [][]byte {
	var out [][]byte
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "fuzz" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out = append(out, b)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	return append(out, corpusBodies(f)...)
}

// corpusBodies returns the bodies of the captures in the directory that
// COLLECTSSL_CORPUS names (see collectssl collect -capture), so that the
// fuzz targets start from a user's own traffic:
//
//	COLLECTSSL_CORPUS=$HOME/captures go test -run '^$' -fuzz FuzzParseResponse .
//
// A file there that is not a capture is used as it is.
func corpusBodies(f *testing.F) [][]byte {
	dir := os.Getenv("COLLECTSSL_CORPUS")
	if dir == "" {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Fatalf("COLLECTSSL_CORPUS: %v", err)
	}
	var out [][]byte
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		if c, err := collectssl.ReadCapture(b); err == nil {
			b = c.Body
		}
		out = append(out, b)
	}
	f.Logf("COLLECTSSL_CORPUS: %d seeds from %s", len(out), dir)
	return out
}

// FuzzReadCapture checks ReadCapture against its contract (a capture or a
// *ParseError, never a panic) and that what it reads writes back to a file
// that reads the same.
func FuzzReadCapture(f *testing.F) {
	f.Add([]byte("collectssl-capture 1\ntime 2026-11-30T12:00:00Z\nendpoint https://x\nform orderNumber=1\nhttp-status 200\ncontent-type text/plain\nbody text 2\n\n0\n"))
	f.Add([]byte("collectssl-capture 1\ntime 2026-11-30T12:00:00Z\nendpoint https://x\nform a=b\nhttp-status 200\ncontent-type application/pkcs7-mime\nbody base64 3\n\nMIIA\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := collectssl.ReadCapture(data)
		if err != nil {
			var pe *collectssl.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			return
		}
		out, err := c.MarshalText()
		if err != nil {
			return // a header value with a line break cannot be written back
		}
		back, err := collectssl.ReadCapture(out)
		if err != nil {
			t.Fatalf("a capture read does not read again: %v\n%q", err, out)
		}
		if diff := cmp.Diff(c, back); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

// requestFromFlags spreads 12 bits over a Request: the six show flags, then
// queryType, responseType (2 bits each), responseEncoding and responseFormat.
func requestFromFlags(flags uint16) *collectssl.Request {
	return &collectssl.Request{
		ShowValidityPeriod: flags&1 != 0, ShowFQDN: flags&2 != 0, ShowExtStatus: flags&4 != 0,
		ShowMDCDomainDetails: flags&8 != 0, ShowMDCDomainDetails2: flags&16 != 0, ShowStatusDetails: flags&32 != 0,
		QueryType:        collectssl.QueryType(flags >> 6 & 3),
		ResponseType:     collectssl.ResponseType(flags >> 8 & 3),
		ResponseEncoding: collectssl.ResponseEncoding(flags >> 10 & 1),
		ResponseFormat:   collectssl.ResponseFormat(flags >> 11 & 1),
	}
}

// seedFlags are request shapes worth starting from.
var seedFlags = []uint16{0, 0x3f, 1<<6 | 3<<8 | 0x3, 1<<6 | 3<<8 | 0x4, 1<<6 | 2<<8 | 0x4, 1<<6 | 0x4, 1<<6 | 1<<8, 3<<6 | 3<<8, 1<<11 | 0x3f, 1<<6 | 1<<10}

var oidNetscapeDER, _ = asn1.Marshal(asn1.ObjectIdentifier{2, 16, 840, 1, 113730, 2, 5})

// reRender renders r as responseFormat=1 with every field it holds.
func reRender(t *testing.T, r *collectssl.Result) []byte {
	t.Helper()
	st := wire.State{Status: r.Status, NotBefore: r.NotBefore, NotAfter: r.NotAfter, FQDN: r.FQDN,
		CertificateStatus: r.CertificateStatus, ValidationStatus: r.ValidationStatus, CAAStatus: r.CAAStatus,
		MDCDomainDetails: r.MDCDomainDetails, MDCDomainDetails2: r.MDCDomainDetails2, StatusDetails: r.StatusDetails,
		Layout: wire.Layout{EveryField: true}}
	req := &collectssl.Request{QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual,
		ResponseFormat: collectssl.FormatURLEncoded}
	if r.Certificate != nil {
		st.Leaf = r.Certificate.Raw
	}
	for _, c := range r.CACertificates {
		st.CAs = append(st.CAs, c.Raw)
	}
	if r.Container != nil {
		st.Container = r.Container
		switch {
		case bytes.HasPrefix(r.Container, []byte("PK")):
			req.ResponseType = collectssl.ResponseZIP
		case bytes.Contains(r.Container[:min(len(r.Container), 32)], oidNetscapeDER):
			req.ResponseType = collectssl.ResponseNetscapeSequence
		default:
			req.ResponseType = collectssl.ResponsePKCS7
		}
	}
	_, body, err := wire.Render(req, st)
	if err != nil {
		t.Fatalf("wire.Render of a parsed Result: %v", err)
	}
	return body
}

// checkRoundTrip asserts the property every successful parse must have.
func checkRoundTrip(t *testing.T, r *collectssl.Result) {
	t.Helper()
	if r == nil {
		t.Fatal("nil Result without an error")
	}
	opts := cmp.Options{resultOpts, noExtra}
	if r.Container != nil {
		// A container next to PEM certificates (format 0 allows a PKCS7 block
		// and CERTIFICATE blocks together) re-renders as the container alone.
		certs, err := collectssl.DecodeCertificates(r.Container)
		if err != nil {
			t.Fatalf("Container does not decode: %v", err)
		}
		leaf, cas, err := collectssl.Classify(certs)
		if err != nil || !cmp.Equal(leaf, r.Certificate, sameCert) || !cmp.Equal(cas, r.CACertificates, sameCert, sameBytes) {
			c := *r
			c.Container = nil
			r = &c
		}
	}
	body := reRender(t, r)
	back, err := collectssl.ParseURLEncoded(body)
	if err != nil {
		t.Fatalf("re-rendered Result does not parse: %v\n%s", err, body)
	}
	if diff := cmp.Diff(r, back, opts); diff != "" {
		t.Fatalf("round trip through format 1 (-parsed +reparsed):\n%s\n%s", diff, body)
	}
}

func FuzzParseLines(f *testing.F) {
	for _, b := range seedFiles(f) {
		for _, fl := range seedFlags {
			f.Add(fl, b)
		}
	}
	f.Add(uint16(0x3f), []byte("1\n14/03/2025\n14/03/2026\nwww.example.com\nIssued\nComplete\n1\n1\n-1\n2\n-1\n-1\n1\nAuthorized\n"))
	f.Fuzz(func(t *testing.T, flags uint16, body []byte) {
		r, err := collectssl.ParseLines(requestFromFlags(flags), body)
		if err != nil {
			checkErrorKind(t, err)
			checkPrefixOnce(t, err, body)
			if r != nil {
				t.Fatal("a Result with an error")
			}
			return
		}
		checkRoundTrip(t, r)
	})
}

func FuzzParseURLEncoded(f *testing.F) {
	for _, b := range seedFiles(f) {
		f.Add(b)
	}
	f.Add([]byte("errorCode=0&mdcDomainDetails=a+VALIDATED%2C+b&csrStatus=1&notBefore=1&fqdn=%E9"))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := collectssl.ParseURLEncoded(body)
		if err != nil {
			checkErrorKind(t, err)
			checkPrefixOnce(t, err, body)
			if r != nil {
				t.Fatal("a Result with an error")
			}
			return
		}
		checkRoundTrip(t, r)
	})
}

func FuzzParseResponse(f *testing.F) {
	cts := []string{"", "text/plain; charset=iso-8859-1", "application/x-www-form-urlencoded; charset=koi8-r", "text/plain; charset=utf-16"}
	for i, b := range seedFiles(f) {
		f.Add(seedFlags[i%len(seedFlags)]|1<<6|1<<10, cts[i%len(cts)], b)
		f.Add(seedFlags[(i+3)%len(seedFlags)], "", b)
	}
	f.Fuzz(func(t *testing.T, flags uint16, contentType string, body []byte) {
		r, err := collectssl.ParseResponse(requestFromFlags(flags), contentType, body)
		if err != nil {
			checkErrorKind(t, err)
			checkPrefixOnce(t, err, body)
			if r != nil {
				t.Fatal("a Result with an error")
			}
			return
		}
		if strings.HasPrefix(string(body), "PK\x03\x04") && r.Status != collectssl.StatusAttached {
			t.Fatalf("a ZIP body read as status %v", r.Status)
		}
		checkRoundTrip(t, r)
	})
}

// checkPrefixOnce checks that a parse error says "collectssl: " once, at its
// start, unless the body itself holds the word (an error may quote it, or a
// status message may be anything).
func checkPrefixOnce(t *testing.T, err error, body []byte) {
	t.Helper()
	var se *collectssl.StatusError
	if errors.As(err, &se) || bytes.Contains(bytes.ToLower(body), []byte("collectssl")) {
		return
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "collectssl: ") || strings.Count(msg, "collectssl:") != 1 {
		t.Fatalf("error %q: want exactly one \"collectssl: \" prefix", msg)
	}
}

// FuzzFormatsAgree renders a random subset of the optional lines (what a
// server that leaves out what it does not have sends), for random show
// flags, statuses, containers and layout quirks, and checks that format 0
// and format 1 both parse to the state that was rendered.
func FuzzFormatsAgree(f *testing.F) {
	ch := sharedChain(f, certgen.TestMode, certgen.ECDSA)
	f.Add(uint8(2), uint8(0x3f), uint8(0x3f), uint8(0), uint8(0))
	f.Add(uint8(0), uint8(0x3c), uint8(0x38), uint8(3), uint8(1))
	f.Add(uint8(1), uint8(0x07), uint8(0x22), uint8(8), uint8(6))
	f.Fuzz(func(t *testing.T, status, flags, present, caa, quirks uint8) {
		st := optionalState(ch, collectssl.StatusCode(status%3), int(present%64), caaSamples[int(caa)%len(caaSamples)])
		rt := collectssl.ResponseIndividual
		if quirks&1 != 0 && st.Status == 2 {
			rt = collectssl.ResponsePKCS7
		}
		st.Layout.CRLF = quirks&2 != 0
		st.Layout.TrailingSpaces = quirks&4 != 0
		st.Layout.BlankAfterCertificates = quirks&8 != 0
		if quirks&16 != 0 {
			st.Layout.StatusDetailSep = "="
		}
		st.Layout.SplitValidity = quirks&32 != 0
		req := &collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryCertificateAndChain, ResponseType: rt,
			ShowValidityPeriod: flags&1 != 0, ShowFQDN: flags&2 != 0, ShowExtStatus: flags&4 != 0,
			ShowMDCDomainDetails: flags&8 != 0, ShowMDCDomainDetails2: flags&16 != 0, ShowStatusDetails: flags&32 != 0}
		checkAgree(t, "fuzz", req, st)
	})
}
