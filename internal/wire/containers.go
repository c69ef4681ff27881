// This file holds the certificate containers Render builds: the ZIP archive
// of responseType 0 (and how Sectigo names its entries), the Netscape
// certificate sequence of responseType 1 and the certs-only PKCS#7 of
// responseType 2. The PKCS#7 comes from go.mozilla.org/pkcs7, an encoder
// independent of the collectssl package's.

package wire

import (
	"archive/zip"
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.mozilla.org/pkcs7"
)

// oidNetscapeCertSequence is 2.16.840.1.113730.2.5.
var oidNetscapeCertSequence = asn1.ObjectIdentifier{2, 16, 840, 1, 113730, 2, 5}

// NetscapeSequence encodes certs (DER) as a Netscape certificate sequence:
// SEQUENCE { OID 2.16.840.1.113730.2.5, [0] EXPLICIT SEQUENCE OF Certificate }.
func NetscapeSequence(certs [][]byte) ([]byte, error) {
	raws := make([]asn1.RawValue, len(certs))
	for i, c := range certs {
		raws[i] = asn1.RawValue{FullBytes: c}
	}
	seq := struct {
		Type  asn1.ObjectIdentifier
		Certs []asn1.RawValue `asn1:"explicit,tag:0"`
	}{oidNetscapeCertSequence, raws}
	b, err := asn1.Marshal(seq)
	if err != nil {
		return nil, fmt.Errorf("%w: netscape sequence: %v", ErrInvalid, err)
	}
	return b, nil
}

// PKCS7 encodes certs (DER) as a DER certs-only PKCS#7 SignedData, in the
// order given.
func PKCS7(certs [][]byte) ([]byte, error) {
	b, err := pkcs7.DegenerateCertificate(bytes.Join(certs, nil))
	if err != nil {
		return nil, fmt.Errorf("%w: pkcs7: %v", ErrInvalid, err)
	}
	return b, nil
}

// ZIP builds the archive Sectigo sends for responseType 0: one PEM .crt entry
// per CA certificate (root-first), the leaf's .crt, and a .ca-bundle repeating
// the CA certificates. names is as State.ZIPNames.
func ZIP(cas [][]byte, leaf []byte, names []string) ([]byte, error) {
	return zipArchive(cas, leaf, names, false)
}

// zipArchive is ZIP, with the leaf's entry first and the CAs (entries and
// bundle) from the leaf's issuer to the root when leafFirst.
func zipArchive(cas [][]byte, leaf []byte, names []string, leafFirst bool) ([]byte, error) {
	if names != nil && len(names) != len(cas)+1 {
		return nil, fmt.Errorf("%w: %d ZIP names for %d CAs and a leaf", ErrInvalid, len(names), len(cas))
	}
	if names == nil {
		used := map[string]bool{}
		for _, der := range cas {
			names = append(names, uniqueName(used, caFileName(der)))
		}
		names = append(names, uniqueName(used, leafFileName(leaf)))
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	type entry struct {
		name   string
		der    []byte
		isLeaf bool
	}
	entries := make([]entry, 0, len(cas)+1)
	for i, der := range cas {
		entries = append(entries, entry{names[i], der, false})
	}
	if leaf != nil {
		entries = append(entries, entry{names[len(cas)], leaf, true})
	}
	if leafFirst {
		slices.Reverse(entries)
	}
	var bundle []byte
	for _, e := range entries {
		p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.der})
		if !e.isLeaf {
			bundle = append(bundle, p...)
		}
		if err := add(e.name, p); err != nil {
			return nil, fmt.Errorf("%w: zip: %v", ErrInvalid, err)
		}
	}
	if len(cas) > 0 {
		if err := add(strings.TrimSuffix(names[len(cas)], ".crt")+".ca-bundle", bundle); err != nil {
			return nil, fmt.Errorf("%w: zip: %v", ErrInvalid, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("%w: zip: %v", ErrInvalid, err)
	}
	return buf.Bytes(), nil
}

// uniqueName returns name, or when used has it name with _2, _3, ... before
// ".crt", and marks the result used.
func uniqueName(used map[string]bool, name string) string {
	base := strings.TrimSuffix(name, ".crt")
	for i := 2; used[name]; i++ {
		name = base + "_" + strconv.Itoa(i) + ".crt"
	}
	used[name] = true
	return name
}

// caFileName is the CA's common name without anything but letters and digits,
// as in SectigoRSADomainValidationSecureServerCA.crt.
func caFileName(der []byte) string {
	c, err := x509.ParseCertificate(der)
	if err != nil || c.Subject.CommonName == "" {
		return "CA.crt"
	}
	name := strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return -1
	}, c.Subject.CommonName)
	return name + ".crt"
}

// leafFileName is the leaf's domain with '*' as STAR and '.' as '_', as in
// STAR_example_com.crt.
func leafFileName(der []byte) string {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return "certificate.crt"
	}
	name := c.Subject.CommonName
	if name == "" && len(c.DNSNames) > 0 {
		name = c.DNSNames[0]
	}
	if name == "" {
		return "certificate.crt"
	}
	name = strings.NewReplacer("*", "STAR", ".", "_", "/", "_").Replace(name)
	return name + ".crt"
}
