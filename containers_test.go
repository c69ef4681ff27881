// This file holds the tests of DecodeCertificates and containerLen: a small
// certificate generator, our own encoders for PKCS#7 (DER and BER variants),
// the Netscape sequence and ZIP archives, table tests over every container
// and quirk, hostile inputs, and the committed OpenSSL/zip fixtures.

package collectssl_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/collectssl/collectssl"
	"github.com/google/go-cmp/cmp"
)

// ---- certificate generator ----

// testChain is a generated root, intermediate and leaf (ECDSA P-256), and
// one RSA leaf, shared by all tests of the package (generated once).
type testChain struct {
	root, inter, leaf, rsaLeaf *x509.Certificate
	leafKey                    *ecdsa.PrivateKey
	crl                        []byte // a CRL signed by the root
}

var (
	chainOnce sync.Once
	chain     testChain
)

// fixedNow is the notional time of every generated certificate: nothing
// here depends on the clock.
var fixedNow = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// genCert makes a certificate of cn signed by parent (self-signed when
// parent is nil), through bundle_test.go's issue.
func genCert(t testing.TB, cn string, isCA bool, pub any, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"collectssl test"}},
		NotBefore:             fixedNow.AddDate(-1, 0, 0),
		NotAfter:              fixedNow.AddDate(10, 0, 0),
		BasicConstraintsValid: true,
		IsCA:                  isCA,
	}
	if isCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.DNSNames = []string{cn}
	}
	if parent == nil {
		parent = tmpl
	}
	return issue(t, tmpl, parent, pub, parentKey)
}

func ctrECKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func getChain(t testing.TB) testChain {
	t.Helper()
	chainOnce.Do(func() {
		rootKey, interKey, leafKey := ctrECKey(t), ctrECKey(t), ctrECKey(t)
		chain.root = genCert(t, "Test Root", true, &rootKey.PublicKey, nil, rootKey)
		chain.inter = genCert(t, "Test Intermediate", true, &interKey.PublicKey, chain.root, rootKey)
		chain.leaf = genCert(t, "www.example.test", false, &leafKey.PublicKey, chain.inter, interKey)
		chain.leafKey = leafKey
		rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		// The "lost plus" cases need a '+' that is not the last character:
		// a space at the very end of the text cannot be told from layout.
		for chain.rsaLeaf == nil || strings.HasSuffix(b64(chain.rsaLeaf.Raw), "+") {
			chain.rsaLeaf = genCert(t, "rsa.example.test", false, &rsaKey.PublicKey, chain.inter, interKey)
		}
		chain.crl, err = x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
			Number: big.NewInt(1), ThisUpdate: fixedNow, NextUpdate: fixedNow.AddDate(1, 0, 0),
		}, chain.root, rootKey)
		if err != nil {
			t.Fatal(err)
		}
	})
	if chain.root == nil {
		t.Fatal("certificate generation failed")
	}
	return chain
}

// ders returns the raw DER of certs.
func ders(certs ...*x509.Certificate) [][]byte {
	out := make([][]byte, len(certs))
	for i, c := range certs {
		out[i] = c.Raw
	}
	return out
}

// ---- encoders ----

// tlv encodes a DER element with a definite length.
func tlv(tag byte, content ...[]byte) []byte {
	body := bytes.Join(content, nil)
	n := len(body)
	var hdr []byte
	switch {
	case n < 0x80:
		hdr = []byte{tag, byte(n)}
	case n < 0x100:
		hdr = []byte{tag, 0x81, byte(n)}
	case n < 0x10000:
		hdr = []byte{tag, 0x82, byte(n >> 8), byte(n)}
	default:
		hdr = []byte{tag, 0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return append(hdr, body...)
}

// indef encodes a constructed element with an indefinite length.
func indef(tag byte, content ...[]byte) []byte {
	out := []byte{tag, 0x80}
	out = append(out, bytes.Join(content, nil)...)
	return append(out, 0, 0)
}

// cons encodes a constructed element, indefinite or not.
func cons(ind bool, tag byte, content ...[]byte) []byte {
	if ind {
		return indef(tag, content...)
	}
	return tlv(tag, content...)
}

var (
	derOIDSignedData = tlv(0x06, collectssl.OidSignedData)
	derOIDData       = tlv(0x06, []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01})
	derOIDNetscape   = tlv(0x06, collectssl.OidNetscapeSeq)
	derSHA256Alg     = tlv(0x30, tlv(0x06, []byte{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}), []byte{0x05, 0x00})
)

// p7opts selects the variants of a PKCS#7 SignedData our encoder writes.
type p7opts struct {
	indef         bool   // indefinite lengths on every constructed wrapper
	emptyIndefSet bool   // empty SETs written 31 80 00 00
	octetContent  bool   // encapContentInfo carries content as a constructed, indefinite OCTET STRING
	signer        bool   // a (dummy) SignerInfo and a digest algorithm
	crl           []byte // a CRL in the crls field
	noCertsField  bool
	noSignerInfos bool
}

func encPKCS7(o p7opts, certs ...[]byte) []byte {
	emptySet := tlv(0x31)
	if o.emptyIndefSet {
		emptySet = indef(0x31)
	}
	digestAlgs := emptySet
	signerInfos := emptySet
	if o.signer {
		digestAlgs = cons(o.indef, 0x31, derSHA256Alg)
		issuerAndSerial := tlv(0x30, tlv(0x30), tlv(0x02, []byte{0x03}))
		si := cons(o.indef, 0x30, tlv(0x02, []byte{1}), issuerAndSerial, derSHA256Alg,
			tlv(0x30, tlv(0x06, []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02})), tlv(0x04, []byte("sig")))
		signerInfos = cons(o.indef, 0x31, si)
	}
	encap := cons(o.indef, 0x30, derOIDData)
	if o.octetContent {
		encap = cons(o.indef, 0x30, derOIDData, indef(0xa0, indef(0x24, tlv(0x04, []byte("hel")), tlv(0x04, []byte("lo")))))
	}
	fields := [][]byte{tlv(0x02, []byte{1}), digestAlgs, encap}
	if !o.noCertsField {
		fields = append(fields, cons(o.indef, 0xa0, certs...))
	}
	if o.crl != nil {
		fields = append(fields, cons(o.indef, 0xa1, o.crl))
	}
	if !o.noSignerInfos {
		fields = append(fields, signerInfos)
	}
	sd := cons(o.indef, 0x30, fields...)
	return cons(o.indef, 0x30, derOIDSignedData, cons(o.indef, 0xa0, sd))
}

func netscape(certs ...[]byte) []byte {
	return tlv(0x30, derOIDNetscape, tlv(0xa0, tlv(0x30, certs...)))
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pemCerts(certs ...*x509.Certificate) []byte {
	ders := make([][]byte, len(certs))
	for i, c := range certs {
		ders[i] = c.Raw
	}
	return pemDER(ders...)
}

// pemDER is pemCerts of certificates' DER.
func pemDER(ders ...[]byte) []byte {
	var b []byte
	for _, der := range ders {
		b = append(b, pemBlock("CERTIFICATE", der)...)
	}
	return b
}

// zipEntry is one entry of a test archive.
type zipEntry struct {
	name    string
	data    []byte
	store   bool   // stored, not deflated
	flags   uint16 // extra general-purpose flags (1 = encrypted)
	rawSize uint64 // when non-zero: write data as already-deflated bytes declaring this size
}

func makeZIP(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: fixedNow}
		if e.store {
			fh.Method = zip.Store
		}
		var err error
		if e.rawSize != 0 {
			fh.CompressedSize64 = uint64(len(e.data))
			fh.UncompressedSize64 = e.rawSize
			fh.Flags |= e.flags
			w, err := zw.CreateRaw(fh)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(e.data); err != nil {
				t.Fatal(err)
			}
			continue
		}
		fh.Flags |= e.flags
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		if _, err = w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// deflatedZeros returns a raw deflate stream of n zero bytes, cheaply even
// for a 200 MB bomb: after a sync flush the stream is byte-aligned and the
// window holds only zeros, so the block that encodes the second MiB decodes
// to one more MiB of zeros wherever it is repeated.
func deflatedZeros(t testing.TB, n int) []byte {
	t.Helper()
	const mib = 1 << 20
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, mib)
	write := func(k int) {
		if _, err := fw.Write(zeros[:k]); err != nil {
			t.Fatal(err)
		}
	}
	first := min(n, mib)
	write(first)
	n -= first
	if n >= mib {
		if err := fw.Flush(); err != nil {
			t.Fatal(err)
		}
		mark := buf.Len()
		write(mib)
		if err := fw.Flush(); err != nil {
			t.Fatal(err)
		}
		block := append([]byte{}, buf.Bytes()[mark:]...)
		n -= mib
		for ; n >= mib; n -= mib {
			buf.Write(block)
		}
	}
	write(n)
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDeflatedZeros(t *testing.T) {
	for _, n := range []int{0, 1000, 1 << 20, 3<<20 + 5} {
		got, err := io.Copy(io.Discard, flate.NewReader(bytes.NewReader(deflatedZeros(t, n))))
		if err != nil || got != int64(n) {
			t.Errorf("deflatedZeros(%d) inflates to %d bytes, %v", n, got, err)
		}
	}
}

func utf16Bytes(s string, bigEndian, bom bool) []byte {
	u := utf16.Encode([]rune(s))
	if bom {
		u = append([]uint16{0xfeff}, u...)
	}
	out := make([]byte, 2*len(u))
	for i, v := range u {
		if bigEndian {
			binary.BigEndian.PutUint16(out[2*i:], v)
		} else {
			binary.LittleEndian.PutUint16(out[2*i:], v)
		}
	}
	return out
}

func wrap(s string, width int, eol string) string {
	var sb strings.Builder
	for len(s) > width {
		sb.WriteString(s[:width] + eol)
		s = s[width:]
	}
	sb.WriteString(s + eol)
	return sb.String()
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// withPlus returns the base64 of der, checking that it holds a '+' (so the
// lost-plus case really tests something).
func withPlus(t testing.TB, der []byte) string {
	s := b64(der)
	if !strings.Contains(s, "+") {
		t.Fatal("test certificate's base64 holds no '+'")
	}
	return s
}

// ---- table tests ----

type decodeCase struct {
	name    string
	in      []byte
	want    [][]byte // raw DER, in order
	wantErr []error  // each must match with errors.Is
	notErr  []error  // none may match
}

func runDecodeCases(t *testing.T, cases []decodeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := collectssl.DecodeCertificates(tc.in)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("DecodeCertificates: got %d certificates, want an error", len(got))
				}
				for _, w := range tc.wantErr {
					if !errors.Is(err, w) {
						t.Errorf("DecodeCertificates: got error %q, want it to match %q", err, w)
					}
				}
				for _, w := range tc.notErr {
					if errors.Is(err, w) {
						t.Errorf("DecodeCertificates: got error %q, want it not to match %q", err, w)
					}
				}
				checkErrorHygiene(t, err)
				return
			}
			if err != nil {
				t.Fatalf("DecodeCertificates: got error %q, want %d certificates", err, len(tc.want))
			}
			if diff := cmp.Diff(tc.want, ders(got...)); diff != "" {
				t.Errorf("DecodeCertificates: certificates differ (-want +got):\n%s", diff)
			}
		})
	}
}

// checkErrorHygiene checks what every decoding error must be: a
// *ContainerError matching ErrMalformedContainer, prefixed "collectssl:".
func checkErrorHygiene(t *testing.T, err error) {
	t.Helper()
	var ce *collectssl.ContainerError
	if !errors.As(err, &ce) {
		t.Errorf("error %q (%T) is not a *ContainerError", err, err)
	}
	if !errors.Is(err, collectssl.ErrMalformedContainer) {
		t.Errorf("error %q does not match ErrMalformedContainer", err)
	}
	if !strings.HasPrefix(err.Error(), "collectssl: ") || strings.Count(err.Error(), "collectssl:") != 1 {
		t.Errorf("error %q: want exactly one \"collectssl: \" prefix", err)
	}
}

func TestDecodePEM(t *testing.T) {
	c := getChain(t)
	all := []*x509.Certificate{c.root, c.inter, c.leaf}
	allPEM := string(pemCerts(all...))
	crlf := strings.ReplaceAll(allPEM, "\n", "\r\n")
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.leafKey)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := string(pemBlock("PRIVATE KEY", keyDER))
	var indented strings.Builder
	for _, line := range strings.SplitAfter(allPEM, "\n") {
		if line != "" {
			indented.WriteString("    " + line)
		}
	}
	glued := strings.ReplaceAll(strings.TrimSuffix(allPEM, "\n"), "-----\n-----BEGIN", "----------BEGIN")
	if strings.Count(glued, "----------BEGIN") != 2 {
		t.Fatal("glued PEM not built")
	}

	runDecodeCases(t, []decodeCase{
		{name: "one certificate", in: pemCerts(c.leaf), want: ders(c.leaf)},
		{name: "chain in order", in: []byte(allPEM), want: ders(all...)},
		{name: "RSA leaf", in: pemCerts(c.rsaLeaf), want: ders(c.rsaLeaf)},
		{name: "text around blocks", in: []byte("2\nhere you go:\n" + strings.ReplaceAll(allPEM, "-----\n-----", "-----\nnext one\n\n-----") + "Issued\nComplete\n"), want: ders(all...)},
		{name: "CRLF", in: []byte(crlf), want: ders(all...)},
		{name: "UTF-8 BOM", in: append(append([]byte{}, collectssl.Utf8BOM...), allPEM...), want: ders(all...)},
		{name: "UTF-16LE with BOM", in: utf16Bytes(crlf, false, true), want: ders(all...)},
		{name: "UTF-16BE with BOM", in: utf16Bytes(crlf, true, true), want: ders(all...)},
		{name: "UTF-16LE without BOM", in: utf16Bytes(crlf, false, false), want: ders(all...)},
		{name: "UTF-16BE without BOM", in: utf16Bytes(allPEM, true, false), want: ders(all...)},
		{name: "indented", in: []byte(indented.String()), want: ders(all...)},
		{name: "END and BEGIN glued", in: []byte(glued), want: ders(all...)},
		{name: "no final newline", in: []byte(strings.TrimSuffix(allPEM, "\n")), want: ders(all...)},
		{name: "one unwrapped line", in: []byte("-----BEGIN CERTIFICATE-----" + b64(c.leaf.Raw) + "-----END CERTIFICATE-----"), want: ders(c.leaf)},
		{name: "private key skipped", in: []byte(keyPEM + allPEM + keyPEM), want: ders(all...)},
		{name: "X509 CERTIFICATE label", in: pemBlock("X509 CERTIFICATE", c.leaf.Raw), want: ders(c.leaf)},
		{name: "TRUSTED CERTIFICATE with aux", in: pemBlock("TRUSTED CERTIFICATE", append(append([]byte{}, c.root.Raw...), tlv(0x30, tlv(0x30, tlv(0x06, []byte{0x2b, 6, 1, 5, 5, 7, 3, 1})))...)), want: ders(c.root)},
		{name: "CERTIFICATE holding PKCS#7", in: pemBlock("CERTIFICATE", encPKCS7(p7opts{}, c.leaf.Raw, c.inter.Raw)), want: ders(c.leaf, c.inter)},
		{name: "CERTIFICATE holding Netscape", in: pemBlock("CERTIFICATE", netscape(c.inter.Raw, c.leaf.Raw)), want: ders(c.inter, c.leaf)},
		{name: "PKCS7 label", in: pemBlock("PKCS7", encPKCS7(p7opts{}, c.root.Raw, c.leaf.Raw)), want: ders(c.root, c.leaf)},
		{name: "PKCS #7 SIGNED DATA label", in: pemBlock("PKCS #7 SIGNED DATA", encPKCS7(p7opts{indef: true}, c.leaf.Raw)), want: ders(c.leaf)},
		{name: "CMS label", in: pemBlock("CMS", encPKCS7(p7opts{signer: true}, c.leaf.Raw)), want: ders(c.leaf)},
		{name: "PKCS7 label holding a certificate", in: pemBlock("PKCS7", c.leaf.Raw), want: ders(c.leaf)},
		{name: "headers skipped", in: []byte("-----BEGIN CERTIFICATE-----\nComment: test\n\n" + wrap(b64(c.leaf.Raw), 64, "\n") + "-----END CERTIFICATE-----\n"), want: ders(c.leaf)},
		{name: "PEM and other blocks mixed", in: []byte(keyPEM + string(pemBlock("CERTIFICATE REQUEST", []byte{0x30, 0})) + string(pemCerts(c.leaf))), want: ders(c.leaf)},

		{name: "only a private key", in: []byte(keyPEM), wantErr: []error{collectssl.ErrNoCertificates}},
		{name: "bad base64", in: []byte("-----BEGIN CERTIFICATE-----\nMII*\n-----END CERTIFICATE-----\n"), wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "no END", in: []byte("-----BEGIN CERTIFICATE-----\n" + b64(c.leaf.Raw) + "\n"), wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "END of another type", in: []byte("-----BEGIN CERTIFICATE-----\n" + b64(c.leaf.Raw) + "\n-----END PKCS7-----\n"), wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "CERTIFICATE holding junk", in: pemBlock("CERTIFICATE", []byte("hello")), wantErr: []error{collectssl.ErrUnknownFormat}},
		{name: "CERTIFICATE holding a truncated certificate", in: pemBlock("CERTIFICATE", c.leaf.Raw[:100]), wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "CERTIFICATE with trailing junk", in: pemBlock("CERTIFICATE", append(append([]byte{}, c.leaf.Raw...), 1, 2)), wantErr: []error{collectssl.ErrTrailingData}},
		{name: "CERTIFICATE holding an empty PKCS#7", in: pemBlock("CERTIFICATE", encPKCS7(p7opts{})), wantErr: []error{collectssl.ErrNoCertificates}},
	})
}

func TestDecodeNeverEchoesKey(t *testing.T) {
	c := getChain(t)
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.leafKey)
	if err != nil {
		t.Fatal(err)
	}
	keyB64 := b64(keyDER)
	inputs := map[string][]byte{
		"PEM key":             pemBlock("EC PRIVATE KEY", keyDER),
		"PEM key no END":      []byte("-----BEGIN PRIVATE KEY-----\n" + keyB64 + "\n"),
		"DER key":             keyDER,
		"base64 key":          []byte(keyB64),
		"key in CERTIFICATE":  pemBlock("CERTIFICATE", keyDER),
		"key in ZIP":          makeZIP(t, zipEntry{name: "key.pem", data: pemBlock("PRIVATE KEY", keyDER)}),
		"key with bad base64": []byte("-----BEGIN PRIVATE KEY-----\n" + keyB64[:20] + "*\n-----END PRIVATE KEY-----\n"),
	}
	for name, in := range inputs {
		_, err := collectssl.DecodeCertificates(in)
		if err == nil {
			t.Errorf("%s: got no error, want one", name)
			continue
		}
		msg := err.Error()
		for _, secret := range []string{keyB64[:16], keyB64[len(keyB64)-16:], "PRIVATE", string(keyDER[8:24])} {
			if strings.Contains(msg, secret) {
				t.Errorf("%s: error %q echoes the key", name, msg)
			}
		}
	}
}

func TestDecodeBase64(t *testing.T) {
	c := getChain(t)
	all := []*x509.Certificate{c.root, c.inter, c.leaf}
	p7 := encPKCS7(p7opts{}, ders(all...)...)
	ber := encPKCS7(p7opts{indef: true, emptyIndefSet: true}, ders(all...)...)
	zipData := makeZIP(t, zipEntry{name: "a.crt", data: pemCerts(c.leaf)})
	leaf64 := b64(c.leaf.Raw)
	rsa64 := withPlus(t, c.rsaLeaf.Raw) // over 1000 characters: a '+' is all but certain
	p764 := withPlus(t, p7)
	runDecodeCases(t, []decodeCase{
		{name: "certificate", in: []byte(leaf64), want: ders(c.leaf)},
		{name: "certificate unpadded", in: []byte(strings.TrimRight(b64(c.root.Raw)+b64([]byte{}), "=")), want: ders(c.root)},
		{name: "PKCS#7 wrapped LF", in: []byte(wrap(b64(p7), 64, "\n")), want: ders(all...)},
		{name: "PKCS#7 wrapped CRLF 76", in: []byte(wrap(b64(p7), 76, "\r\n")), want: ders(all...)},
		{name: "BER PKCS#7", in: []byte(b64(ber)), want: ders(all...)},
		{name: "Netscape", in: []byte(b64(netscape(ders(all...)...))), want: ders(all...)},
		{name: "ZIP", in: []byte(wrap(b64(zipData), 64, "\n")), want: ders(c.leaf)},
		{name: "lost plus", in: []byte(strings.ReplaceAll(rsa64, "+", " ")), want: ders(c.rsaLeaf)},
		{name: "lost plus, padded PKCS#7", in: []byte(strings.ReplaceAll(p764, "+", " ")), want: ders(all...)},
		{name: "URL alphabet", in: []byte(base64.RawURLEncoding.EncodeToString(p7)), want: ders(all...)},
		{name: "surrounding blanks", in: []byte("  \n" + leaf64 + "\n\n"), want: ders(c.leaf)},
		{name: "UTF-16 base64", in: utf16Bytes(leaf64, false, true), want: ders(c.leaf)},

		{name: "not base64", in: []byte("The 'orderNumber' argument is missing!"), wantErr: []error{collectssl.ErrUnknownFormat}},
		{name: "base64 of text", in: []byte(b64([]byte("hello, world"))), wantErr: []error{collectssl.ErrUnknownFormat}},
		{name: "blank", in: []byte(" \r\n"), wantErr: []error{collectssl.ErrNoCertificates}},
		{name: "empty", in: []byte{}, wantErr: []error{collectssl.ErrNoCertificates}},
		{name: "base64 of truncated PKCS#7", in: []byte(b64(p7[:len(p7)-10])), wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "bad length", in: []byte(b64(c.leaf.Raw) + "A"), wantErr: []error{collectssl.ErrMalformedContainer}},
	})
}

func TestDecodeDERAndPKCS7(t *testing.T) {
	c := getChain(t)
	all := []*x509.Certificate{c.root, c.inter, c.leaf}
	raw := ders(all...)
	concat := bytes.Join(raw, nil)
	p7 := encPKCS7(p7opts{}, raw...)
	runDecodeCases(t, []decodeCase{
		{name: "DER certificate", in: c.leaf.Raw, want: ders(c.leaf)},
		{name: "DER RSA certificate", in: c.rsaLeaf.Raw, want: ders(c.rsaLeaf)},
		{name: "DER concatenated", in: concat, want: raw},
		{name: "PKCS#7 DER", in: p7, want: raw},
		{name: "PKCS#7 unsorted set", in: encPKCS7(p7opts{}, c.leaf.Raw, c.root.Raw, c.inter.Raw), want: ders(c.leaf, c.root, c.inter)},
		{name: "PKCS#7 with CRL", in: encPKCS7(p7opts{crl: c.crl}, raw...), want: raw},
		{name: "PKCS#7 with signer", in: encPKCS7(p7opts{signer: true, octetContent: true}, raw...), want: raw},
		{name: "PKCS#7 without signerInfos", in: encPKCS7(p7opts{noSignerInfos: true}, raw...), want: raw},
		{name: "BER indefinite everywhere", in: encPKCS7(p7opts{indef: true}, raw...), want: raw},
		{name: "BER empty indefinite SETs", in: encPKCS7(p7opts{indef: true, emptyIndefSet: true}, raw...), want: raw},
		{name: "BER empty indefinite SETs only", in: encPKCS7(p7opts{emptyIndefSet: true}, raw...), want: raw},
		{name: "BER constructed OCTET STRING", in: encPKCS7(p7opts{indef: true, octetContent: true}, raw...), want: raw},
		{name: "BER signer and CRL", in: encPKCS7(p7opts{indef: true, signer: true, crl: c.crl, emptyIndefSet: true}, raw...), want: raw},
		{name: "BER long-form short length", in: append([]byte{0x30, 0x81, 0x03}, tlv(0x06, []byte{1})...), wantErr: []error{collectssl.ErrUnknownFormat}},
		{name: "PKCS#7 with another certificate choice", in: encPKCS7(p7opts{}, tlv(0xa1, []byte{1}), c.leaf.Raw), want: ders(c.leaf)},
		{name: "Netscape DER", in: netscape(raw...), want: raw},
		{name: "Netscape inside BER wrapper", in: indef(0x30, derOIDNetscape, indef(0xa0, indef(0x30, raw...))), want: raw},

		{name: "PKCS#7 empty", in: encPKCS7(p7opts{}), wantErr: []error{collectssl.ErrNoCertificates}},
		{name: "PKCS#7 no certificates field", in: encPKCS7(p7opts{noCertsField: true, crl: c.crl}), wantErr: []error{collectssl.ErrNoCertificates}},
		{name: "PKCS#7 BER empty", in: encPKCS7(p7opts{indef: true, emptyIndefSet: true}), wantErr: []error{collectssl.ErrNoCertificates}},
		{name: "Netscape empty", in: tlv(0x30, derOIDNetscape), wantErr: []error{collectssl.ErrNoCertificates}},
		{name: "Netscape empty sequence", in: netscape(), wantErr: []error{collectssl.ErrNoCertificates}},
		{name: "PKCS#7 trailing junk", in: append(append([]byte{}, p7...), 0, 0), wantErr: []error{collectssl.ErrTrailingData}},
		{name: "BER trailing junk", in: append(encPKCS7(p7opts{indef: true}, raw...), 0x30, 0x00), wantErr: []error{collectssl.ErrTrailingData}},
		{name: "DER trailing junk", in: append(append([]byte{}, c.leaf.Raw...), '\n'), wantErr: []error{collectssl.ErrTrailingData}},
		{name: "PKCS#7 truncated", in: p7[:len(p7)-1], wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "PKCS#7 enveloped data", in: tlv(0x30, tlv(0x06, []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03}), tlv(0xa0, tlv(0x30))), wantErr: []error{collectssl.ErrUnknownFormat}},
		{name: "Netscape OID wrong", in: tlv(0x30, tlv(0x06, []byte{0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x02, 0x06}), tlv(0xa0, tlv(0x30, raw...))), wantErr: []error{collectssl.ErrUnknownFormat}},
		{name: "PKCS#7 content not [0]", in: tlv(0x30, derOIDSignedData, tlv(0xa1, tlv(0x30))), wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "PKCS#7 bad SignedData", in: tlv(0x30, derOIDSignedData, tlv(0xa0, tlv(0x30, tlv(0x02, []byte{1})))), wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "PKCS#7 certificate with indefinite length", in: encPKCS7(p7opts{}, indef(0x30, c.leaf.Raw[4:])), wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "PKCS#7 fields after certificates not interpreted", in: tlv(0x30, derOIDSignedData, tlv(0xa0, tlv(0x30, tlv(0x02, []byte{1}), tlv(0x31), tlv(0x30, derOIDData), tlv(0xa0, c.leaf.Raw), tlv(0x04), tlv(0x90, []byte{1, 2})))), want: ders(c.leaf)},
		{name: "PKCS#7 malformed field after certificates", in: tlv(0x30, derOIDSignedData, tlv(0xa0, tlv(0x30, tlv(0x02, []byte{1}), tlv(0x31), tlv(0x30, derOIDData), tlv(0xa0, c.leaf.Raw), []byte{0x31, 0x80, 0x00}))), wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "PKCS#7 unexpected field before certificates", in: tlv(0x30, derOIDSignedData, tlv(0xa0, tlv(0x30, tlv(0x02, []byte{1}), tlv(0x04), tlv(0x30, derOIDData), tlv(0xa0, c.leaf.Raw)))), wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "PKCS#7 BER EOC in definite content", in: tlv(0x30, derOIDSignedData, tlv(0xa0, []byte{0, 0})), wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "BER unterminated", in: []byte{0x30, 0x80, 0x06, 0x01, 0x01}, wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "DER private key", in: tlv(0x30, tlv(0x02, []byte{0}), derSHA256Alg, tlv(0x04, []byte("secret"))), wantErr: []error{collectssl.ErrUnknownFormat}},
		{name: "DER second element not a certificate", in: append(append([]byte{}, c.leaf.Raw...), tlv(0x30, tlv(0x30))...), wantErr: []error{collectssl.ErrMalformedContainer}},
	})
}

func TestDecodeZIP(t *testing.T) {
	c := getChain(t)
	all := []*x509.Certificate{c.root, c.inter, c.leaf}
	caBundle := pemCerts(c.inter, c.root)
	crlfPEM := bytes.ReplaceAll(pemCerts(c.leaf), []byte("\n"), []byte("\r\n"))
	readme := []byte("Thank you for your order.\r\nInstall the .crt files on your server.\r\n")
	comment := func(z []byte, s string) []byte { // set an archive comment
		z = append([]byte{}, z...)
		binary.LittleEndian.PutUint16(z[len(z)-2:], uint16(len(s)))
		return append(z, s...)
	}
	sectigo := makeZIP(t,
		zipEntry{name: "www_example_test.crt", data: pemCerts(c.leaf)},
		zipEntry{name: "www_example_test.ca-bundle", data: caBundle},
		zipEntry{name: "readme.txt", data: readme},
	)
	runDecodeCases(t, []decodeCase{
		{name: "Sectigo shape", in: sectigo, want: ders(c.leaf, c.inter, c.root)},
		{name: "single .crt files, then bundle repeating them", in: makeZIP(t,
			zipEntry{name: "Root.crt", data: pemCerts(c.root)},
			zipEntry{name: "Intermediate.crt", data: c.inter.Raw},
			zipEntry{name: "leaf.crt", data: bytes.TrimSuffix(pemCerts(c.leaf), []byte("\n"))},
			zipEntry{name: "bundle.ca-bundle", data: pemCerts(c.inter, c.root)},
		), want: ders(all...)},
		{name: "sub-folders and CRLF", in: makeZIP(t,
			zipEntry{name: "certs/"},
			zipEntry{name: "certs/leaf.crt", data: crlfPEM},
			zipEntry{name: "certs/ca/", store: true},
			zipEntry{name: "certs/ca/root.crt", data: pemCerts(c.root), store: true},
			zipEntry{name: "docs/readme.txt", data: readme},
		), want: ders(c.leaf, c.root)},
		{name: "insecure names are harmless", in: makeZIP(t,
			zipEntry{name: "../../etc/passwd", data: pemCerts(c.leaf)},
			zipEntry{name: "/abs/root.crt", data: pemCerts(c.root)},
		), want: ders(c.leaf, c.root)},
		{name: "PKCS#7 and base64 entries", in: makeZIP(t,
			zipEntry{name: "chain.p7b", data: encPKCS7(p7opts{indef: true}, ders(all...)...)},
			zipEntry{name: "leaf.b64", data: []byte(b64(c.leaf.Raw))},
		), want: ders(all...)},
		{name: "archive comment", in: comment(sectigo, "made by a test"), want: ders(c.leaf, c.inter, c.root)},
		{name: "empty entry and key entry ignored", in: makeZIP(t,
			zipEntry{name: "empty.txt"},
			zipEntry{name: "key.pem", data: pemBlock("PRIVATE KEY", []byte{0x30, 0})},
			zipEntry{name: "leaf.crt", data: pemCerts(c.leaf)},
		), want: ders(c.leaf)},

		{name: "readme only", in: makeZIP(t, zipEntry{name: "readme.txt", data: readme}), wantErr: []error{collectssl.ErrNoCertificates}},
		{name: "empty archive", in: makeZIP(t), wantErr: []error{collectssl.ErrNoCertificates}},
		{name: "encrypted entry", in: makeZIP(t, zipEntry{name: "leaf.crt", data: pemCerts(c.leaf), flags: 1}), wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "trailing junk", in: append(append([]byte{}, sectigo...), "junk"...), wantErr: []error{collectssl.ErrTrailingData}},
		{name: "truncated", in: sectigo[:len(sectigo)-30], wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "ZIP inside ZIP ignored", in: makeZIP(t, zipEntry{name: "inner.zip", data: sectigo}), wantErr: []error{collectssl.ErrNoCertificates}},
		{name: "corrupt certificate entry", in: makeZIP(t, zipEntry{name: "leaf.crt", data: pemBlock("CERTIFICATE", c.leaf.Raw[:200])}), wantErr: []error{collectssl.ErrMalformedContainer}},
	})
}

func TestDecodeZIPEncryptedFlagSurvives(t *testing.T) {
	// The writer must keep our flag, or the encrypted-entry case tests nothing.
	z := makeZIP(t, zipEntry{name: "x", data: []byte("x"), flags: 1})
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	if got := zr.File[0].Flags & 1; got != 1 {
		t.Fatalf("encrypted flag: got %d, want 1", got)
	}
}

// TestDecodeHostile feeds inputs built to exhaust time or memory, and tiny
// malformed headers: each must give a clear error without panicking.
func TestDecodeHostile(t *testing.T) {
	c := getChain(t)
	bomb := deflatedZeros(t, 200<<20)
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb is %d bytes compressed, want it small", len(bomb))
	}
	nest := func(depth int) []byte {
		b := bytes.Repeat([]byte{0x30, 0x80}, depth)
		return append(b, bytes.Repeat([]byte{0, 0}, depth)...)
	}
	honest := func(n int) zipEntry { // n zero bytes, declared honestly
		return zipEntry{name: fmt.Sprintf("z%d", n), data: deflatedZeros(t, n), rawSize: uint64(n)}
	}
	manyEntries := make([]zipEntry, collectssl.MaxZipEntries+1)
	for i := range manyEntries {
		manyEntries[i] = zipEntry{name: fmt.Sprintf("e%d", i), store: true}
	}
	var tooMany [][]byte
	for range collectssl.MaxCertificates + 1 {
		tooMany = append(tooMany, c.leaf.Raw)
	}
	runDecodeCases(t, []decodeCase{
		{name: "16 MiB of 30 80", in: bytes.Repeat([]byte{0x30, 0x80}, 8<<20), wantErr: []error{collectssl.ErrTooLarge}},
		{name: "30 80 just under the input limit", in: bytes.Repeat([]byte{0x30, 0x80}, collectssl.MaxInputSize/2), wantErr: []error{collectssl.ErrTooLarge}},
		{name: "depth 17", in: nest(17), wantErr: []error{collectssl.ErrTooLarge}},
		{name: "depth 16 is structure, not depth", in: nest(16), wantErr: []error{collectssl.ErrMalformedContainer}, notErr: []error{collectssl.ErrTooLarge}},
		{name: "ZIP bomb declared", in: makeZIP(t, zipEntry{name: "bomb.crt", data: bomb, rawSize: 200 << 20}), wantErr: []error{collectssl.ErrTooLarge}},
		{name: "ZIP bomb under-declared", in: makeZIP(t, zipEntry{name: "bomb.crt", data: bomb, rawSize: 1000}), wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "ZIP entries inflating past the total", in: makeZIP(t, honest(1<<20-1), honest(1<<20-2), honest(1<<20-3), honest(1<<20-4), honest(1<<20-5), honest(1<<20-6), honest(1<<20-7), honest(1<<20-8), honest(1<<20-9)), wantErr: []error{collectssl.ErrTooLarge}},
		{name: "too many ZIP entries", in: makeZIP(t, manyEntries...), wantErr: []error{collectssl.ErrTooLarge}},
		{name: "too many certificates", in: encPKCS7(p7opts{}, tooMany...), wantErr: []error{collectssl.ErrTooLarge}},
		{name: "huge declared length", in: []byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff}, wantErr: []error{collectssl.ErrTooLarge}},
		{name: "1f 80", in: []byte{0x1f, 0x80}, wantErr: []error{collectssl.ErrUnknownFormat}},
		{name: "1f 05", in: []byte{0x1f, 0x05}, wantErr: []error{collectssl.ErrUnknownFormat}},
		{name: "30 81", in: []byte{0x30, 0x81}, wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "30 84 01", in: []byte{0x30, 0x84, 0x01}, wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "30 82 06", in: []byte{0x30, 0x82, 0x06}, wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "5f 4d", in: []byte{0x5f, 0x4d}, wantErr: []error{collectssl.ErrUnknownFormat}},
		{name: "30 1f 80 in a SEQUENCE", in: []byte{0x30, 0x02, 0x1f, 0x80}, wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "30 80 1f 05", in: []byte{0x30, 0x80, 0x1f, 0x05, 0x00, 0x00, 0x00}, wantErr: []error{collectssl.ErrMalformedContainer}},
		{name: "PK alone", in: []byte("PK\x03\x04"), wantErr: []error{collectssl.ErrMalformedContainer}},
	})
}

// TestDecodeErrorFields checks where errors point, through errors.As.
func TestDecodeErrorFields(t *testing.T) {
	c := getChain(t)
	p7 := encPKCS7(p7opts{}, c.leaf.Raw)
	tests := []struct {
		name string
		in   []byte
		want collectssl.ContainerError // Err compared with errors.Is
	}{
		{"PKCS#7 trailing", append(append([]byte{}, p7...), 0x30, 0x00), collectssl.ContainerError{Format: "DER", Offset: len(p7), Err: collectssl.ErrTrailingData}},
		{"DER trailing", append(append([]byte{}, c.leaf.Raw...), 0xff), collectssl.ContainerError{Format: "DER", Offset: len(c.leaf.Raw), Err: collectssl.ErrTrailingData}},
		{"input too large", make([]byte, collectssl.MaxInputSize+1), collectssl.ContainerError{Format: "", Offset: -1, Err: collectssl.ErrTooLarge}},
		{"depth", bytes.Repeat([]byte{0x30, 0x80}, 17), collectssl.ContainerError{Format: "BER", Offset: 32, Err: collectssl.ErrTooLarge}},
		{"depth just under the input limit", bytes.Repeat([]byte{0x30, 0x80}, collectssl.MaxInputSize/2), collectssl.ContainerError{Format: "BER", Offset: 32, Err: collectssl.ErrTooLarge}},
		{"truncated", []byte{0x30, 0x82, 0x06}, collectssl.ContainerError{Format: "BER", Offset: 0, Err: collectssl.ErrMalformedContainer}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := collectssl.DecodeCertificates(tc.in)
			var ce *collectssl.ContainerError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *ContainerError", err)
			}
			if ce.Format != tc.want.Format || ce.Offset != tc.want.Offset || !errors.Is(ce.Err, tc.want.Err) {
				t.Errorf("got {%q %d %v}, want {%q %d %v}", ce.Format, ce.Offset, ce.Err, tc.want.Format, tc.want.Offset, tc.want.Err)
			}
		})
	}
}

// TestDecodeDoesNotAlias checks that the certificates do not share memory
// with the caller's buffer.
func TestDecodeDoesNotAlias(t *testing.T) {
	c := getChain(t)
	in := encPKCS7(p7opts{}, c.leaf.Raw)
	got, err := collectssl.DecodeCertificates(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 0
	}
	if !bytes.Equal(got[0].Raw, c.leaf.Raw) {
		t.Error("certificate changed when the input buffer was overwritten")
	}
}

// ---- containerLen ----

func TestContainerLen(t *testing.T) {
	c := getChain(t)
	raw := ders(c.root, c.inter, c.leaf)
	z := makeZIP(t, zipEntry{name: "a.crt", data: pemCerts(c.leaf)}, zipEntry{name: "b.crt", data: c.root.Raw, store: true})
	zc := append(append([]byte{}, z...), "comment"...)
	binary.LittleEndian.PutUint16(zc[len(z)-2:], 7)
	// A stored entry whose content is an end record pointing nowhere: must not end the archive.
	fakeEOCD := []byte("PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	zf := makeZIP(t, zipEntry{name: "fake", data: fakeEOCD, store: true})
	containers := map[string][]byte{
		"DER certificate":   c.leaf.Raw,
		"PKCS#7 DER":        encPKCS7(p7opts{}, raw...),
		"PKCS#7 BER":        encPKCS7(p7opts{indef: true, emptyIndefSet: true, octetContent: true, signer: true}, raw...),
		"Netscape":          netscape(raw...),
		"empty indefinite":  {0x30, 0x80, 0x00, 0x00},
		"ZIP":               z,
		"ZIP with comment":  zc,
		"ZIP with fake end": zf,
		"empty ZIP":         makeZIP(t),
	}
	for name, b := range containers {
		t.Run(name, func(t *testing.T) {
			for i := range len(b) {
				n, complete, err := collectssl.ContainerLen(b[:i])
				if err != nil || complete {
					t.Fatalf("prefix of %d/%d bytes: got (%d, %v, %v), want incomplete", i, len(b), n, complete, err)
				}
			}
			for _, junk := range []string{"", "x", "PK\x05\x06", "\x30\x80", "\x00\x00"} {
				n, complete, err := collectssl.ContainerLen(append(append([]byte{}, b...), junk...))
				if err != nil || !complete || n != len(b) {
					t.Errorf("with junk %q: got (%d, %v, %v), want (%d, true, nil)", junk, n, complete, err, len(b))
				}
			}
		})
	}
	bad := map[string][]byte{
		"text":      []byte("2\n-----BEGIN"),
		"1f 80":     {0x1f, 0x80},
		"SET":       {0x31, 0x80, 0x00, 0x00},
		"depth 17":  bytes.Repeat([]byte{0x30, 0x80}, 17),
		"huge":      {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff},
		"bad tag":   {0x30, 0x80, 0x1f, 0x05},
		"PKX":       []byte("PKX"),
		"stray EOC": {0x30, 0x80, 0x00, 0x01},
	}
	for name, b := range bad {
		if n, complete, err := collectssl.ContainerLen(b); err == nil {
			t.Errorf("%s: got (%d, %v, nil), want an error", name, n, complete)
		}
	}
}

// ---- committed fixtures ----

// TestFixtures decodes the files OpenSSL and zip made (see
// testdata/README.md). They share one chain, so each positive fixture must
// give the same certificates as chain.pem, in its own order.
func TestFixtures(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	want, err := collectssl.DecodeCertificates(read("openssl-chain.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 3 {
		t.Fatalf("openssl-chain.pem: got %d certificates, want 3", len(want))
	}
	root, inter, leaf := want[0], want[1], want[2]
	tests := []struct {
		file    string
		want    []*x509.Certificate
		wantErr error
	}{
		{"openssl-chain.der", []*x509.Certificate{root, inter, leaf}, nil},
		{"openssl-pkcs7.der", []*x509.Certificate{root, inter, leaf}, nil},
		{"openssl-pkcs7.pem", []*x509.Certificate{root, inter, leaf}, nil},
		{"openssl-pkcs7-crl.der", []*x509.Certificate{root, inter, leaf}, nil},
		{"openssl-nseq.pem", []*x509.Certificate{root, inter, leaf}, nil},
		{"openssl-nseq.der", []*x509.Certificate{root, inter, leaf}, nil},
		{"openssl-cms-signed.der", []*x509.Certificate{leaf, inter}, nil},
		{"openssl-smime-signed.pem", []*x509.Certificate{inter, leaf}, nil},
		{"openssl-cms-signed-ber.der", []*x509.Certificate{leaf, inter}, nil},
		{"zip-sectigo-shape.zip", []*x509.Certificate{leaf, inter, root}, nil},
		{"zip-crlf-pem.zip", []*x509.Certificate{leaf, inter, root}, nil},
		{"openssl-chain-utf16le.pem", []*x509.Certificate{root, inter, leaf}, nil},
		{"openssl-pkcs7.b64", []*x509.Certificate{root, inter, leaf}, nil},
		{"pkcs7-trailing-junk.der", nil, collectssl.ErrTrailingData},
		{"pkcs7-empty.der", nil, collectssl.ErrNoCertificates},
		{"zip-readme-only.zip", nil, collectssl.ErrNoCertificates},
		{"zip-encrypted.zip", nil, collectssl.ErrMalformedContainer},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, err := collectssl.DecodeCertificates(read(tc.file))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got (%d certificates, %v), want an error matching %v", len(got), err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ders(tc.want...), ders(got...)); diff != "" {
				t.Errorf("certificates differ (-want +got):\n%s", diff)
			}
		})
	}
}
