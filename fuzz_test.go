// This file holds the fuzz targets of the certificate containers:
// DecodeCertificates against its error contract, a differential test against
// go.mozilla.org/pkcs7, and containerLen's own properties. The corpus is
// seeded from every file under testdata/ and from our encoders.

package collectssl

import (
	"bytes"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mozilla.org/pkcs7"
)

// addSeeds adds every file under testdata/ (but testdata/fuzz, which go
// test runs itself) and inputs from our own encoders.
func addSeeds(f *testing.F) {
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path == filepath.Join("testdata", "fuzz") {
			return fs.SkipDir // go test runs that corpus itself, in its own format
		}
		if d.IsDir() || filepath.Ext(path) == ".sh" || filepath.Base(path) == "README.md" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err == nil && len(b) <= maxInputSize {
			f.Add(b)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
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
// (and ErrTooLarge only alongside it).
func FuzzDecodeCertificates(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := DecodeCertificates(data)
		if err != nil {
			if certs != nil {
				t.Errorf("got %d certificates with error %v", len(certs), err)
			}
			var ce *ContainerError
			if !errors.As(err, &ce) || !errors.Is(err, ErrMalformedContainer) {
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
		if n, complete, err := containerLen(data); err != nil || !complete || n != len(data) {
			return
		}
		if !shallow(data, maxNestingDepth) {
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
		got, err := DecodeCertificates(data)
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
		h, err := berHeader(b[:end], off)
		if err != nil {
			return false
		}
		if h.eoc {
			if len(stack) == 0 || !stack[len(stack)-1].indef {
				return false
			}
			stack = stack[:len(stack)-1]
			off = h.body
			continue
		}
		if !h.constructed {
			off = h.body + h.length
			continue
		}
		stack = append(stack, frame{h.body + h.length, h.indef})
		if len(stack) > limit {
			return false
		}
		off = h.body
	}
	return true
}

// FuzzContainerLen checks containerLen: no panic, n within b, and a
// complete container is still complete, with the same length, on its own.
func FuzzContainerLen(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		n, complete, err := containerLen(b)
		if n < 0 || n > len(b) {
			t.Fatalf("n = %d outside [0, %d]", n, len(b))
		}
		if err != nil && complete {
			t.Fatalf("complete with error %v", err)
		}
		if !complete {
			return
		}
		n2, complete2, err2 := containerLen(b[:n])
		if n2 != n || !complete2 || err2 != nil {
			t.Fatalf("containerLen(b[:%d]) = (%d, %v, %v), want (%d, true, nil)", n, n2, complete2, err2, n)
		}
	})
}
