// This file holds the responseFormat=1 renderer: the body as
// application/x-www-form-urlencoded keys, base64 values escaped as
// Layout.PlusAs says.

package wire

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/collectssl/collectssl"
	"golang.org/x/text/encoding"
)

// renderURLEncoded renders the responseFormat=1 body of st for req, its text
// values in enc when not nil.
func renderURLEncoded(req *collectssl.Request, st State, certs certData, enc encoding.Encoding) ([]byte, error) {
	l := st.Layout
	every := l.EveryField
	var b bytes.Buffer
	var err error
	text := func(k, v string) {
		if enc != nil && err == nil {
			v, err = enc.NewEncoder().String(v)
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	plus := "%2B"
	if l.PlusAs != "" {
		plus = l.PlusAs
	}
	escape := strings.NewReplacer("+", plus, "/", "%2F", "=", "%3D") // built once: it is not cheap
	b64 := func(k string, der []byte) {
		s := escape.Replace(base64.StdEncoding.EncodeToString(der))
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(s)
	}
	text("errorCode", strconv.Itoa(int(st.Status)))
	if st.Status < 0 {
		text("errorMessage", st.ErrorMessage)
		return b.Bytes(), err
	}
	if (st.Status > 0 && req.ShowValidityPeriod && !every) || (every && (!st.NotBefore.IsZero() || !st.NotAfter.IsZero())) {
		text("notBefore", strconv.FormatInt(st.NotBefore.Unix(), 10))
		text("notAfter", strconv.FormatInt(st.NotAfter.Unix(), 10))
	}
	if (st.Status > 0 && req.ShowFQDN && !every && !(l.OmitEmpty && st.FQDN == "")) || (every && st.FQDN != "") {
		text("fqdn", st.FQDN)
	}
	if certs.container != nil {
		b64(certs.key, certs.container)
	} else {
		for _, der := range certs.cas {
			b64("caCertificate", der)
		}
		if certs.leaf != nil {
			b64("certificate", certs.leaf)
		}
	}
	if (req.ShowExtStatus && !every && !(l.OmitEmpty && st.CertificateStatus == "" && st.ValidationStatus == "")) ||
		(every && (st.CertificateStatus != "" || st.ValidationStatus != "")) {
		text("certificateStatus", st.CertificateStatus)
		text("validationStatus", st.ValidationStatus)
	}
	if (st.Status == collectssl.StatusProcessing && req.ShowMDCDomainDetails && !every && !(l.OmitEmpty && len(st.MDCDomainDetails) == 0)) ||
		(every && st.MDCDomainDetails != nil) {
		text("mdcDomainDetails", domains(st.MDCDomainDetails))
	}
	if (req.ShowStatusDetails || every) && st.StatusDetails != nil {
		for _, sd := range statusDetails {
			text(sd.key, strconv.Itoa(int(*sd.field(st.StatusDetails))))
		}
	}
	if (st.Status == collectssl.StatusProcessing && req.ShowMDCDomainDetails2 && !every && !(l.OmitEmpty && len(st.MDCDomainDetails2) == 0)) ||
		(every && st.MDCDomainDetails2 != nil) {
		text("mdcDomainDetails2", domains(st.MDCDomainDetails2))
	}
	if st.CAAStatus != "" {
		text("caaStatus", st.CAAStatus)
	}
	for _, f := range st.Extra {
		text(f.Key, f.Value)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: charset %s: %w", ErrInvalid, l.Charset, err)
	}
	return b.Bytes(), nil
}
