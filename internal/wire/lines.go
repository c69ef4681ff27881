// This file holds the responseFormat=0 renderer: the newline-delimited,
// positional body, with the Layout knobs that bend it.

package wire

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"

	"github.com/collectssl/collectssl"
	"golang.org/x/text/encoding"
)

// dateLayout is how format 0 writes the dates of the validity period.
const dateLayout = "02/01/2006"

// renderLines renders the responseFormat=0 body of st for req, its text in
// enc when not nil.
func renderLines(req *collectssl.Request, st State, certs certData, enc encoding.Encoding) ([]byte, error) {
	l := st.Layout
	eol := "\n"
	if l.CRLF {
		eol = "\r\n"
	}
	var b bytes.Buffer
	text := func(s string) error {
		if enc != nil {
			encoded, err := enc.NewEncoder().String(s)
			if err != nil {
				return fmt.Errorf("%w: %q in %s: %w", ErrInvalid, s, l.Charset, err)
			}
			s = encoded
		}
		b.WriteString(s)
		if l.TrailingSpaces {
			b.WriteString("  ")
		}
		b.WriteString(eol)
		return nil
	}
	var err error
	add := func(s string) {
		if err == nil {
			err = text(s)
		}
	}
	add(strconv.Itoa(int(st.Status)))
	if st.Status < 0 {
		add(st.ErrorMessage)
		return finish(b.Bytes(), l, eol), err
	}
	if st.Status > 0 && req.ShowValidityPeriod {
		nb, na := st.NotBefore.UTC().Format(dateLayout), st.NotAfter.UTC().Format(dateLayout)
		if l.SplitValidity {
			add(nb)
			add(na)
		} else {
			add(nb + " " + na)
		}
	}
	if st.Status > 0 && req.ShowFQDN && !(l.OmitEmpty && st.FQDN == "") {
		add(st.FQDN)
	}
	if st.Status == collectssl.StatusAttached {
		if certs.container != nil {
			s := base64.StdEncoding.EncodeToString(certs.container)
			if l.PEMContainer {
				b.WriteString("-----BEGIN " + certs.label + "-----" + eol)
				wrapTo(&b, s, 64, eol)
				b.WriteString("-----END " + certs.label + "-----" + eol)
			} else {
				wrapTo(&b, s, l.Wrap, eol)
			}
		} else {
			for _, der := range certs.cas {
				pemTo(&b, der, eol)
			}
			if certs.leaf != nil {
				pemTo(&b, certs.leaf, eol)
			}
		}
		if l.BlankAfterCertificates {
			b.WriteString(eol)
		}
	}
	if req.ShowExtStatus && !(l.OmitEmpty && st.CertificateStatus == "" && st.ValidationStatus == "") {
		add(st.CertificateStatus)
		add(st.ValidationStatus)
	}
	if st.Status == collectssl.StatusProcessing && req.ShowMDCDomainDetails && !(l.OmitEmpty && len(st.MDCDomainDetails) == 0) {
		add(domains(st.MDCDomainDetails))
	}
	if req.ShowStatusDetails && st.StatusDetails != nil {
		for _, sd := range statusDetails {
			s := strconv.Itoa(int(*sd.field(st.StatusDetails)))
			if l.StatusDetailSep != "" {
				s = sd.name + l.StatusDetailSep + s
			}
			add(s)
		}
	}
	if st.Status == collectssl.StatusProcessing && req.ShowMDCDomainDetails2 && !(l.OmitEmpty && len(st.MDCDomainDetails2) == 0) {
		add(domains(st.MDCDomainDetails2))
	}
	if st.CAAStatus != "" {
		add(st.CAAStatus)
	}
	for _, f := range st.Extra {
		add(f.Value)
	}
	return finish(b.Bytes(), l, eol), err
}

func finish(b []byte, l Layout, eol string) []byte {
	if l.NoFinalNewline {
		b = bytes.TrimSuffix(b, []byte(eol))
	}
	return b
}

// wrapTo writes s in lines of width characters (one line if width < 0, 64 if
// width == 0).
func wrapTo(b *bytes.Buffer, s string, width int, eol string) {
	if width == 0 {
		width = 64
	}
	if width < 0 {
		width = len(s)
	}
	for len(s) > width {
		b.WriteString(s[:width])
		b.WriteString(eol)
		s = s[width:]
	}
	b.WriteString(s)
	b.WriteString(eol)
}

func pemTo(b *bytes.Buffer, der []byte, eol string) {
	b.WriteString("-----BEGIN CERTIFICATE-----" + eol)
	wrapTo(b, base64.StdEncoding.EncodeToString(der), 64, eol)
	b.WriteString("-----END CERTIFICATE-----" + eol)
}
