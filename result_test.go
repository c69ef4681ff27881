// This file holds the tests of ParseResponse (dispatch by content, binary
// bodies, charsets, the size limit), of classify, and the helpers the
// protocol tests share: generated chains, render (wire.Render that fails the
// test), and the cmp options that compare certificates by DER.

package collectssl_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/wire"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// protoNow is the fixed time the protocol tests' chains are made for.
var protoNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

var (
	chainsMu sync.Mutex
	chains   = map[[2]int]*certgen.Chain{}
)

// sharedChain returns a chain of the given shape and key type, generated once
// per test binary.
func sharedChain(t testing.TB, shape certgen.Shape, kt certgen.KeyType) *certgen.Chain {
	t.Helper()
	chainsMu.Lock()
	defer chainsMu.Unlock()
	k := [2]int{int(shape), int(kt)}
	if c := chains[k]; c != nil {
		return c
	}
	c, err := certgen.New(certgen.Options{Shape: shape, KeyType: kt, Now: protoNow, Domains: []string{"*.example.com", "example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	chains[k] = c
	return c
}

// certsDER returns the chain as wire wants it: the leaf, and the CAs root-first.
func certsDER(c *certgen.Chain) (leaf []byte, cas [][]byte) {
	s := c.Served()
	for _, ca := range s[:len(s)-1] {
		cas = append(cas, ca.Raw)
	}
	return s[len(s)-1].Raw, cas
}

// sameCert compares certificates by their DER.
var sameCert = cmp.Comparer(func(a, b *x509.Certificate) bool {
	if a == nil || b == nil {
		return a == b
	}
	return bytes.Equal(a.Raw, b.Raw)
})

// sameBytes compares byte slices with bytes.Equal rather than element by
// element (reflection over a ZIP is slow), leaving empty ones to EquateEmpty.
var sameBytes = cmp.FilterValues(func(a, b []byte) bool { return len(a) > 0 || len(b) > 0 }, cmp.Comparer(bytes.Equal))

// resultOpts compares Results: certificates by DER, nil and empty alike.
var resultOpts = cmp.Options{sameCert, sameBytes, cmpopts.EquateEmpty()}

// noExtra also ignores Result.Extra.
var noExtra = cmpopts.IgnoreFields(collectssl.Result{}, "Extra")

func render(t testing.TB, req *collectssl.Request, st wire.State) (string, []byte) {
	t.Helper()
	ct, body, err := wire.Render(req, st)
	if err != nil {
		t.Fatalf("wire.Render: %v", err)
	}
	return ct, body
}

func mustParse(t testing.TB, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkErrorKind fails unless err is one of the kinds the parsers may return.
func checkErrorKind(t testing.TB, err error) {
	t.Helper()
	var se *collectssl.StatusError
	var pe *collectssl.ParseError
	if !errors.As(err, &se) && !errors.As(err, &pe) && !errors.Is(err, collectssl.ErrTooLarge) {
		t.Fatalf("error %v (%T) is neither a *StatusError, a *ParseError nor ErrTooLarge", err, err)
	}
	if pe != nil && !errors.Is(err, collectssl.ErrMalformedResponse) {
		t.Fatalf("*ParseError %v does not match ErrMalformedResponse", err)
	}
	if !strings.HasPrefix(err.Error(), "collectssl: ") {
		t.Fatalf("error %q lacks the collectssl: prefix", err)
	}
}

func TestClassify(t *testing.T) {
	pre := sharedChain(t, certgen.Pre2025, certgen.ECDSA)
	tm := sharedChain(t, certgen.TestMode, certgen.ECDSA)
	root, cross, issuing, leaf := pre.Root, pre.Cross, pre.Issuing, pre.Leaf
	type C = []*x509.Certificate
	tests := []struct {
		name     string
		in       C
		wantLeaf *x509.Certificate
		wantCAs  C
	}{
		{"served order", C{root, cross, issuing, leaf}, leaf, C{root, cross, issuing}},
		{"leaf first", C{leaf, root, cross, issuing}, leaf, C{root, cross, issuing}},
		{"shuffled", C{issuing, leaf, root, cross}, leaf, C{issuing, root, cross}},
		{"chain only", C{root, cross, issuing}, nil, C{root, cross, issuing}},
		{"leaf only", C{leaf}, leaf, nil},
		{"test mode", C{tm.Root, tm.Leaf}, tm.Leaf, C{tm.Root}},
		{"duplicates dropped", C{root, cross, root, issuing, leaf, leaf, issuing}, leaf, C{root, cross, issuing}},
		{"twin and cross both kept", C{pre.Twin, root, cross, issuing, leaf}, leaf, C{pre.Twin, root, cross, issuing}},
		{"two leaves: neither is the leaf, both are kept", C{tm.Leaf, root, cross, issuing, leaf}, nil, C{tm.Leaf, root, cross, issuing, leaf}},
		{"nil entries skipped", C{nil, root, nil, leaf}, leaf, C{root}},
		{"empty", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotLeaf, gotCAs, err := collectssl.Classify(tt.in)
			if err != nil {
				t.Fatalf("classify: %v", err)
			}
			if diff := cmp.Diff(tt.wantLeaf, gotLeaf, sameCert); diff != "" {
				t.Errorf("leaf (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCAs, gotCAs, sameCert); diff != "" {
				t.Errorf("CAs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestClassifyAloneAgrees: classify's path for sets whose certificates
// decide alone (classifyAlone) gives what the set's rule (classifySet)
// gives, the same leaf and the same CAs in the same order, nil or not, in a
// slice of their own, on every sequence of up to four of twelve
// certificates: the ones it takes (a chain, a CA whose key usage forbids
// signing, a self-signed version 3 certificate without basic constraints,
// which may not issue) and the ones it hands on (version 1 certificates
// without key usage, which only the set decides: a root, and a leaf that
// issued nothing;
// duplicates, nil entries, two leaves, no leaf). And it takes the typical
// chain without the set.
func TestClassifyAloneAgrees(t *testing.T) {
	pre := sharedChain(t, certgen.Pre2025, certgen.ECDSA)
	tm := sharedChain(t, certgen.TestMode, certgen.ECDSA)
	v1 := *pre.Root
	v1.Version, v1.BasicConstraintsValid, v1.IsCA = 1, false, false
	bare := *tm.Root
	bare.BasicConstraintsValid, bare.IsCA = false, false
	v1Leaf := *pre.Leaf
	v1Leaf.Version, v1Leaf.BasicConstraintsValid, v1Leaf.IsCA, v1Leaf.KeyUsage = 1, false, false, 0
	noSign := *pre.Issuing
	noSign.KeyUsage = x509.KeyUsageDigitalSignature
	pool := []*x509.Certificate{pre.Root, pre.Cross, pre.Issuing, pre.Leaf, pre.Twin, tm.Root, tm.Leaf, &v1, &v1Leaf, &bare, &noSign, nil}
	type C = []*x509.Certificate
	var sets []C
	var grow func(set C)
	grow = func(set C) {
		sets = append(sets, set)
		if len(set) == 4 {
			return
		}
		for _, c := range pool {
			grow(append(set[:len(set):len(set)], c))
		}
	}
	grow(nil)
	withLeaf := 0
	for _, set := range sets {
		wantLeaf, wantCAs, wantErr := collectssl.ClassifySet(set)
		gotLeaf, gotCAs, gotErr := collectssl.Classify(set)
		if gotLeaf != wantLeaf || !slices.Equal(gotCAs, wantCAs) || (gotCAs == nil) != (wantCAs == nil) || (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%s: classify = %s, %s, %v; the set's rule gives %s, %s, %v",
				names(set), names(C{gotLeaf}), names(gotCAs), gotErr, names(C{wantLeaf}), names(wantCAs), wantErr)
		}
		for i := range set {
			if len(gotCAs) > 0 && &gotCAs[0] == &set[i] {
				t.Fatalf("%s: the CAs share the caller's slice", names(set))
			}
		}
		if gotLeaf != nil && len(set) > 0 && !slices.Contains(set, nil) {
			withLeaf++
		}
	}
	if withLeaf == 0 {
		t.Fatal("no set had a leaf")
	}
	chain := C{pre.Root, pre.Cross, pre.Issuing, pre.Leaf}
	fast := testing.AllocsPerRun(100, func() { collectssl.Classify(chain) })
	general := testing.AllocsPerRun(100, func() { collectssl.ClassifySet(chain) })
	if fast >= general {
		t.Errorf("a typical chain: classify allocates %v times, the general rule %v: it did not take the short path", fast, general)
	}
}

// names lists certificates by subject common name, for failures.
func names(cs []*x509.Certificate) string {
	var out []string
	for _, c := range cs {
		if c == nil {
			out = append(out, "nil")
			continue
		}
		out = append(out, fmt.Sprintf("%s(v%d)", c.Subject.CommonName, c.Version))
	}
	return "[" + strings.Join(out, " ") + "]"
}

// Without one leaf, classify returns every certificate in a slice of its
// own, not in the room of its working set (which the Result would keep).
func TestClassifyNoLeafCopies(t *testing.T) {
	pre := sharedChain(t, certgen.Pre2025, certgen.ECDSA)
	tm := sharedChain(t, certgen.TestMode, certgen.ECDSA)
	leaf, cas, err := collectssl.Classify([]*x509.Certificate{tm.Leaf, pre.Leaf})
	if err != nil || leaf != nil || len(cas) != 2 {
		t.Fatalf("classify = %v, %d CAs, %v; want no leaf and both", leaf != nil, len(cas), err)
	}
	if cap(cas) != len(cas) {
		t.Errorf("cap(CAs) = %d for %d certificates: the set's room", cap(cas), len(cas))
	}
}

// TestClassifySelfSignedWithoutBasicConstraints: a self-signed version 1
// certificate (which has no basic constraints: old roots) is a CA, even when
// it issues nothing in the set; a self-signed version 3 certificate without
// basic constraints may not issue (RFC 5280, as crypto/x509 reads it) and is
// an end-entity certificate. classify and NewBundle agree on both.
func TestClassifySelfSignedWithoutBasicConstraints(t *testing.T) {
	tm := sharedChain(t, certgen.TestMode, certgen.ECDSA)
	for _, tt := range []struct {
		version  int
		wantLeaf bool
	}{{1, false}, {3, true}} {
		c := *tm.Root
		c.Version, c.BasicConstraintsValid, c.IsCA = tt.version, false, false
		leaf, cas, err := collectssl.Classify([]*x509.Certificate{&c})
		if err != nil || (leaf != nil) != tt.wantLeaf || len(cas) != map[bool]int{true: 0, false: 1}[tt.wantLeaf] {
			t.Errorf("version %d: got leaf %v, %d CAs, %v; want leaf %v", tt.version, leaf != nil, len(cas), err, tt.wantLeaf)
		}
		b, err := collectssl.NewBundleAt([]*x509.Certificate{&c}, testNow)
		if tt.wantLeaf && (err != nil || b.Leaf != &c) || !tt.wantLeaf && !errors.Is(err, collectssl.ErrNoLeaf) {
			t.Errorf("version %d: NewBundle = %v, %v; want leaf %v", tt.version, b, err, tt.wantLeaf)
		}
	}
}

func TestParseResponseStatusBodies(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		req                     collectssl.Request
		want                    *collectssl.Result
		wantErr                 error
		wantMessage             string
	}{
		{name: "lines status 0", body: "0\n", want: &collectssl.Result{Status: collectssl.StatusProcessing}},
		{name: "a lone 0 is text, not a DER SEQUENCE", body: "0", req: collectssl.Request{ResponseEncoding: collectssl.EncodingBinary, QueryType: 1}, want: &collectssl.Result{Status: collectssl.StatusProcessing}},
		{name: "0 and a line feed looks like DER 30 0a: still text", body: "0\nIssued\nComplete\n", req: collectssl.Request{ShowExtStatus: true},
			want: &collectssl.Result{Status: collectssl.StatusProcessing, CertificateStatus: "Issued", ValidationStatus: "Complete"}},
		{name: "urlencoded asked", body: "errorCode=1&fqdn=a.example", req: collectssl.Request{ResponseFormat: collectssl.FormatURLEncoded, ShowFQDN: true},
			want: &collectssl.Result{Status: collectssl.StatusAvailable, FQDN: "a.example"}},
		{name: "urlencoded sent when lines were asked", body: "errorCode=1&fqdn=a.example", req: collectssl.Request{ShowFQDN: true},
			want: &collectssl.Result{Status: collectssl.StatusAvailable, FQDN: "a.example"}},
		{name: "lines sent when urlencoded was asked", body: "1\na.example\n", req: collectssl.Request{ResponseFormat: collectssl.FormatURLEncoded, ShowFQDN: true},
			want: &collectssl.Result{Status: collectssl.StatusAvailable, FQDN: "a.example"}},
		{name: "binary asked, text error", body: "-21\nThe certificate has been revoked!\n", req: collectssl.Request{QueryType: 1, ResponseEncoding: collectssl.EncodingBinary},
			wantErr: collectssl.ErrRevoked, wantMessage: "The certificate has been revoked!"},
		{name: "binary asked, urlencoded error", body: "errorCode=-22&errorMessage=Still+awaiting+payment%21", req: collectssl.Request{QueryType: 1, ResponseEncoding: collectssl.EncodingBinary, ResponseFormat: collectssl.FormatURLEncoded},
			wantErr: collectssl.ErrAwaitingPayment, wantMessage: "Still awaiting payment!"},
		{name: "latin-1 charset from the content type", contentType: "text/plain; charset=ISO-8859-1", body: "-4\nLa valeur de l'argument 'orderNumber' est invalide, d\xe9sol\xe9!\n",
			wantErr: &collectssl.StatusError{Code: -4}, wantMessage: "La valeur de l'argument 'orderNumber' est invalide, désolé!"},
		{name: "no charset: windows-1252", body: "-14\nErreur inconnue \x80 \xe9t\xe9\n",
			wantErr: &collectssl.StatusError{Code: -14}, wantMessage: "Erreur inconnue € été"},
		{name: "koi8-r charset from the content type", contentType: "text/plain;charset=koi8-r", body: "-14\n\xf7\xc1\xd2\n",
			wantErr: &collectssl.StatusError{Code: -14}, wantMessage: "Вар"},
		{name: "utf-8 is kept even when the label says latin-1", contentType: "text/plain; charset=iso-8859-1", body: "-14\nErreur: désolé\n",
			wantErr: &collectssl.StatusError{Code: -14}, wantMessage: "Erreur: désolé"},
		{name: "urlencoded latin-1 percent-escaped", contentType: "application/x-www-form-urlencoded; charset=iso-8859-1", body: "errorCode=0&validationStatus=Valid%E9",
			req: collectssl.Request{ResponseFormat: collectssl.FormatURLEncoded, ShowExtStatus: true}, want: &collectssl.Result{Status: collectssl.StatusProcessing, ValidationStatus: "Validé"}},
		{name: "urlencoded latin-1 raw byte", body: "errorCode=0&certificateStatus=\xc9mis",
			req: collectssl.Request{ResponseFormat: collectssl.FormatURLEncoded, ShowExtStatus: true}, want: &collectssl.Result{Status: collectssl.StatusProcessing, CertificateStatus: "Émis"}},
		{name: "nil request reads as the zero request", body: "1\n", want: &collectssl.Result{Status: collectssl.StatusAvailable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &tt.req
			if tt.name == "nil request reads as the zero request" {
				req = nil
			}
			got, err := collectssl.ParseResponse(req, tt.contentType, []byte(tt.body))
			if tt.wantErr != nil {
				checkStatusError(t, err, tt.wantErr, tt.wantMessage)
				if got != nil {
					t.Errorf("got a Result %+v with a StatusError, want nil", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, resultOpts); diff != "" {
				t.Errorf("Result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseResponseMalformed(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		req  collectssl.Request
	}{
		{"empty", nil, collectssl.Request{}},
		{"only blank lines", []byte("\n\r\n  \n"), collectssl.Request{}},
		{"html error page", []byte("<html><body>502 Bad Gateway</body></html>"), collectssl.Request{}},
		{"urlencoded without errorCode", []byte("fqdn=a.example"), collectssl.Request{ResponseFormat: collectssl.FormatURLEncoded}},
		{"binary garbage", []byte{0xff, 0xfe, 0x00, 0x01}, collectssl.Request{QueryType: 1, ResponseEncoding: collectssl.EncodingBinary}},
		{"status too big for an int", []byte("99999999999999999999999\n"), collectssl.Request{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collectssl.ParseResponse(&tt.req, "", tt.body)
			var pe *collectssl.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, collectssl.ErrMalformedResponse) {
				t.Fatalf("got %v, %v; want a *ParseError", got, err)
			}
			if got != nil {
				t.Errorf("got a Result with an error")
			}
		})
	}
}

func TestParseResponseTooLarge(t *testing.T) {
	body := append([]byte("2\n"), bytes.Repeat([]byte("A"), collectssl.MaxResponseBytes)...)
	for name, parse := range map[string]func([]byte) (*collectssl.Result, error){
		"ParseResponse": func(b []byte) (*collectssl.Result, error) {
			return collectssl.ParseResponse(&collectssl.Request{}, "", b)
		},
		"ParseLines":      func(b []byte) (*collectssl.Result, error) { return collectssl.ParseLines(&collectssl.Request{}, b) },
		"ParseURLEncoded": collectssl.ParseURLEncoded,
		"ParseResponse/PK": func(b []byte) (*collectssl.Result, error) {
			return collectssl.ParseResponse(&collectssl.Request{}, "", append([]byte("PK\x03\x04"), b...))
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parse(body)
			var pe *collectssl.ParseError
			if !errors.Is(err, collectssl.ErrTooLarge) || !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError matching ErrTooLarge", err)
			}
		})
	}
	// Exactly at the limit is not too large.
	atLimit := append([]byte("1\n"), bytes.Repeat([]byte("x"), collectssl.MaxResponseBytes-2)...)
	if _, err := collectssl.ParseLines(&collectssl.Request{}, atLimit); err != nil {
		t.Errorf("a body of exactly maxResponseBytes: %v", err)
	}
}

// TestParseResponseBinary: a ZIP or DER body is a successful collection,
// whatever the Content-Type says.
func TestParseResponseBinary(t *testing.T) {
	c := sharedChain(t, certgen.Pre2025, certgen.RSA)
	leaf, cas := certsDER(c)
	for _, rt := range []collectssl.ResponseType{collectssl.ResponseZIP, collectssl.ResponsePKCS7} {
		for _, ct := range []string{"", "text/plain", "application/octet-stream"} {
			t.Run(fmt.Sprintf("%v/%q", rt, ct), func(t *testing.T) {
				req := &collectssl.Request{QueryType: collectssl.QueryCertificateAndChain, ResponseType: rt, ResponseEncoding: collectssl.EncodingBinary}
				_, body := render(t, req, wire.State{Status: 2, Leaf: leaf, CAs: cas})
				got, err := collectssl.ParseResponse(req, ct, body)
				if err != nil {
					t.Fatal(err)
				}
				want := &collectssl.Result{Status: collectssl.StatusAttached, Certificate: c.Leaf, CACertificates: []*x509.Certificate{c.Root, c.Cross, c.Issuing}, Container: body}
				if diff := cmp.Diff(want, got, resultOpts); diff != "" {
					t.Errorf("Result (-want +got):\n%s", diff)
				}
				if len(body) > 0 && &got.Container[0] == &body[0] {
					t.Errorf("Container aliases the body")
				}
			})
		}
	}
	t.Run("truncated", func(t *testing.T) {
		req := &collectssl.Request{QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponsePKCS7, ResponseEncoding: collectssl.EncodingBinary}
		_, body := render(t, req, wire.State{Status: 2, Leaf: leaf, CAs: cas})
		_, err := collectssl.ParseResponse(req, "", body[:len(body)-10])
		var pe *collectssl.ParseError
		if !errors.As(err, &pe) || pe.Field != "container" {
			t.Fatalf("got %v, want a *ParseError in the container", err)
		}
	})
}

// ignoreContainer also ignores Result.Container.
var ignoreContainer = cmpopts.IgnoreFields(collectssl.Result{}, "Container")

// TestResultKeepsOneCopy: the certificates of a container answer are parsed
// from Result.Container itself, so that a Result keeps one copy of its DER,
// in every format and layout that carries a PKCS#7 or a Netscape sequence.
func TestResultKeepsOneCopy(t *testing.T) {
	leaf, cas := certsDER(sharedChain(t, certgen.Pre2025, certgen.RSA))
	spaced := func(body []byte) []byte { return bytes.ReplaceAll(body, []byte("\n"), []byte(" \n")) }
	for _, tt := range []struct {
		name   string
		req    collectssl.Request
		layout wire.Layout
		mangle func([]byte) []byte // nil, or what to change in the rendered body
	}{
		{"binary PKCS#7", collectssl.Request{ResponseType: collectssl.ResponsePKCS7, ResponseEncoding: collectssl.EncodingBinary}, wire.Layout{}, nil},
		{"format 0 PKCS#7, wrapped at 64", collectssl.Request{ResponseType: collectssl.ResponsePKCS7}, wire.Layout{}, nil},
		{"format 0 PKCS#7, wrapped at 76 with CRLF", collectssl.Request{ResponseType: collectssl.ResponsePKCS7}, wire.Layout{Wrap: 76, CRLF: true}, nil},
		{"format 0 PKCS#7, one line", collectssl.Request{ResponseType: collectssl.ResponsePKCS7}, wire.Layout{Wrap: -1}, nil},
		{"format 0 PKCS#7, trailing spaces (the general path)", collectssl.Request{ResponseType: collectssl.ResponsePKCS7}, wire.Layout{}, spaced},
		{"format 0 Netscape sequence", collectssl.Request{ResponseType: collectssl.ResponseNetscapeSequence}, wire.Layout{}, nil},
		{"format 1 PKCS#7", collectssl.Request{ResponseType: collectssl.ResponsePKCS7, ResponseFormat: collectssl.FormatURLEncoded}, wire.Layout{}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.QueryType = collectssl.QueryCertificateAndChain
			_, body := render(t, &req, wire.State{Status: 2, Leaf: leaf, CAs: cas, Layout: tt.layout})
			if tt.mangle != nil {
				body = tt.mangle(body)
			}
			got, err := collectssl.ParseResponse(&req, "", body)
			if err != nil {
				t.Fatal(err)
			}
			if got.Container == nil || got.Certificate == nil {
				t.Fatalf("Container %d bytes, Certificate %v", len(got.Container), got.Certificate)
			}
			for _, c := range append([]*x509.Certificate{got.Certificate}, got.CACertificates...) {
				off := bytes.Index(got.Container, c.Raw)
				if off < 0 {
					t.Fatalf("%s is not in the Container", c.Subject)
				}
				// Flip a byte of the Container: a certificate that shares
				// its memory sees the change.
				got.Container[off] ^= 0xff
				shared := c.Raw[0] == got.Container[off]
				got.Container[off] ^= 0xff
				if !shared {
					t.Errorf("%s keeps a copy of its own", c.Subject)
				}
			}
		})
	}
}
