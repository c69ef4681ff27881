// Package wire renders CollectSSL responses: the state of one order on the
// server and the options of one request in, the exact response body out, in
// both response formats and as a bare binary container.
//
// It is the other half of the collectssl parsers: the protocol tests render a
// state, parse it back and compare, and the fake server (collectssltest)
// answers with it. It uses plain types only and does not import the
// collectssl package (whose tests import this one).
//
// What it renders follows the project's protocol notes ("Response,
// responseFormat=0", "Response, responseFormat=1", "Certificate containers"):
//
//   - responseFormat=0: the status line; the error message when the status is
//     negative (and nothing else); the validity period "DD/MM/YYYY DD/MM/YYYY"
//     and the FQDN when the status is positive and the flag is set; the
//     certificate data when the status is 2; the two extended status lines;
//     the MDC domain details when the status is 0; the seven status details;
//     the MDC domain details 2 when the status is 0; the CAA status when it is
//     not empty. CA certificates go root-first, the end-entity certificate last.
//   - responseFormat=1: the same facts as URL-encoded keys (errorCode,
//     errorMessage, notBefore/notAfter in Unix seconds, fqdn, zipFile,
//     netscapeCertificateSequence, pkcs7, caCertificate repeated, certificate,
//     certificateStatus, validationStatus, mdcDomainDetails, the seven status
//     keys, mdcDomainDetails2, caaStatus).
//   - responseEncoding=1 with status 2: only the binary ZIP or PKCS#7; any other
//     answer is text in the requested format.
//
// Layout holds the knobs for the quirks real servers and proxies show (CRLF,
// a BOM, other base64 wrap widths, a blank line after the certificates, the
// validity period split over two lines, a '+' sent raw, a legacy charset), so
// tests can exercise every one of them.
package wire

import (
	"archive/zip"
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.mozilla.org/pkcs7"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
)

// The values of the request parameters, as the specification numbers them.
const (
	QueryStatus              = 0
	QueryCertificateAndChain = 1
	QueryCertificate         = 2
	QueryChain               = 3

	ResponseZIP              = 0
	ResponseNetscapeSequence = 1
	ResponsePKCS7            = 2
	ResponseIndividual       = 3

	EncodingBase64 = 0
	EncodingBinary = 1

	FormatLines      = 0
	FormatURLEncoded = 1
)

// Request is what the renderer needs of a CollectSSL request: the four enums
// (with the values above), the show flags, and responseMimeType.
type Request struct {
	QueryType, ResponseType, ResponseEncoding, ResponseFormat int

	ShowValidityPeriod    bool
	ShowFQDN              bool
	ShowExtStatus         bool
	ShowMDCDomainDetails  bool
	ShowMDCDomainDetails2 bool
	ShowStatusDetails     bool

	// ResponseMIMEType is the Content-Type of an answer whose status is
	// positive, when not "" (the responseMimeType parameter).
	ResponseMIMEType string
}

// Domain is one "name STATUS" pair of the MDC domain details.
type Domain struct{ Name, Status string }

// Field is one extra line (format 0: Value only) or key=value pair (format 1)
// appended at the end of a text body, for tests of unknown lines and keys.
type Field struct{ Key, Value string }

// The indexes of State.StatusDetails, in the order the lines are sent.
const (
	CSRStatus = iota
	DCVStatus
	OVCallbackStatus
	OrganizationValidationStatus
	FreeDVUPStatus
	EVClickThroughStatus
	BrandValStatus
)

// StatusDetailNames are the names of the seven status details: as format 0
// spells them (Layout.StatusDetailSep) and, but for ovCallBackStatus with a
// capital B, as the keys of format 1.
var StatusDetailNames = [7]string{
	"csrStatus", "dcvStatus", "ovCallbackStatus", "organizationValidationStatus",
	"freeDVUPStatus", "evClickThroughStatus", "brandValStatus",
}

// State is one order as the server sees it at the time of the call.
type State struct {
	Status       int    // the status code
	ErrorMessage string // sent when Status < 0

	// NotBefore and NotAfter are the validity period; format 0 sends their UTC
	// dates only, format 1 their Unix seconds.
	NotBefore, NotAfter time.Time
	FQDN                string

	Leaf []byte   // the end-entity certificate, DER
	CAs  [][]byte // the CA certificates, DER, root-first as CollectSSL sends them

	// Container, when not nil, is sent as is for responseType 0, 1 and 2
	// instead of a container built from Leaf and CAs (a BER PKCS#7, a ZIP made
	// by another tool, ...).
	Container []byte
	// ZIPNames, when not nil, names the ZIP entries: one name per CA in the
	// order of CAs, then the leaf's. The CA bundle is the leaf's name with
	// ".crt" replaced by ".ca-bundle". Nil picks names from the certificates'
	// common names the way Sectigo does (STAR_example_com.crt,
	// SectigoRSADomainValidationSecureServerCA.crt, ...).
	ZIPNames []string

	CertificateStatus, ValidationStatus string // showExtStatus
	MDCDomainDetails, MDCDomainDetails2 []Domain
	// StatusDetails are the seven status details (see CSRStatus and the
	// following constants); nil sends none even when showStatusDetails=Y
	// (a server that omits them).
	StatusDetails *[7]int
	CAAStatus     string // sent when not ""

	Extra []Field // appended after everything else

	Layout Layout
}

// Layout holds the knobs for how the body is laid out. The zero value is what
// the production service sends.
type Layout struct {
	// Wrap is the width of the base64 lines of a container in format 0: 0
	// means 64, a negative value one line.
	Wrap int
	// CRLF ends the lines of a format 0 body with "\r\n" instead of "\n".
	CRLF bool
	// BOM starts a text body with a UTF-8 byte order mark.
	BOM bool
	// NoFinalNewline drops the line ending after the last line of format 0.
	NoFinalNewline bool
	// TrailingSpaces appends spaces to every text line of format 0 (not to
	// base64 or PEM lines).
	TrailingSpaces bool
	// BlankAfterCertificates puts an empty line after the certificate data of
	// format 0, as one real client shows.
	BlankAfterCertificates bool
	// SplitValidity sends the two dates of format 0 on two lines.
	SplitValidity bool
	// StatusDetailSep, when not "", prefixes each status detail line of
	// format 0 with its name and this separator ("=" or " ").
	StatusDetailSep string
	// PEMContainer sends the base64 container of format 0 inside PEM armour
	// (PKCS7 for PKCS#7, CERTIFICATE for the Netscape sequence, ZIP for ZIP).
	PEMContainer bool
	// PlusAs is how format 1 sends the '+' of base64 values: "" means "%2B"
	// (correct); "+" and " " are what careless servers and proxies send.
	PlusAs string
	// Charset, when not "", encodes the text of the body in this charset
	// (an IANA or WHATWG name such as "windows-1252") and names it in the
	// Content-Type unless HideCharset.
	Charset     string
	HideCharset bool
	// EveryField renders every non-empty field of the state whatever the
	// status and the show flags (format 1 only): tests use it to re-render a
	// parsed result faithfully.
	EveryField bool
}

// ErrInvalid is returned by Render for a state or request it cannot render:
// an unknown enum value, certificates asked for with queryType 0, a binary
// Netscape sequence, a certificate that does not parse.
var ErrInvalid = errors.New("wire: cannot render")

// Content types of the bodies Render produces.
const (
	ContentTypeText       = "text/plain"
	ContentTypeURLEncoded = "application/x-www-form-urlencoded"
	ContentTypeZIP        = "application/zip"
	ContentTypePKCS7      = "application/pkcs7-mime"
)

// Render returns the Content-Type and the body the service sends for req
// when the order is in state st.
func Render(req Request, st State) (contentType string, body []byte, err error) {
	if req.QueryType < QueryStatus || req.QueryType > QueryChain ||
		req.ResponseType < ResponseZIP || req.ResponseType > ResponseIndividual ||
		req.ResponseEncoding < EncodingBase64 || req.ResponseEncoding > EncodingBinary ||
		req.ResponseFormat < FormatLines || req.ResponseFormat > FormatURLEncoded {
		return "", nil, fmt.Errorf("%w: request enums out of range: %+v", ErrInvalid, req)
	}
	var certs certData
	if st.Status == 2 || (st.Layout.EveryField && hasCerts(st)) {
		certs, err = buildCerts(req, st)
		if err != nil {
			return "", nil, err
		}
	}
	if st.Status == 2 && req.ResponseEncoding == EncodingBinary {
		switch req.ResponseType {
		case ResponseZIP:
			return mimeOr(req, ContentTypeZIP), certs.container, nil
		case ResponsePKCS7:
			return mimeOr(req, ContentTypePKCS7), certs.container, nil
		}
		return "", nil, fmt.Errorf("%w: binary encoding needs responseType 0 or 2, not %d", ErrInvalid, req.ResponseType)
	}
	var enc encoding.Encoding
	if st.Layout.Charset != "" {
		enc, err = htmlindex.Get(st.Layout.Charset)
		if err != nil {
			return "", nil, fmt.Errorf("%w: charset %q: %v", ErrInvalid, st.Layout.Charset, err)
		}
	}
	if req.ResponseFormat == FormatURLEncoded {
		body, err = renderURLEncoded(req, st, certs, enc)
		contentType = ContentTypeURLEncoded
	} else {
		body, err = renderLines(req, st, certs, enc)
		contentType = ContentTypeText
		if st.Status > 0 {
			contentType = mimeOr(req, ContentTypeText)
		}
	}
	if err != nil {
		return "", nil, err
	}
	if enc != nil && !st.Layout.HideCharset {
		contentType += "; charset=" + st.Layout.Charset
	}
	if st.Layout.BOM {
		body = append([]byte("\ufeff"), body...)
	}
	return contentType, body, nil
}

func mimeOr(req Request, def string) string {
	if req.ResponseMIMEType != "" {
		return req.ResponseMIMEType
	}
	return def
}

func hasCerts(st State) bool { return st.Leaf != nil || len(st.CAs) > 0 || st.Container != nil }

// certData is the certificate part of a body: a container for responseType 0,
// 1 and 2, the individual certificates (CAs root-first, then the leaf) for 3.
type certData struct {
	container []byte
	label     string   // PEM label of the container
	key       string   // format 1 key of the container
	cas       [][]byte // responseType 3
	leaf      []byte   // responseType 3, nil when not sent
}

func buildCerts(req Request, st State) (certData, error) {
	var d certData
	var cas [][]byte
	var leaf []byte
	switch req.QueryType {
	case QueryCertificateAndChain:
		cas, leaf = st.CAs, st.Leaf
	case QueryCertificate:
		leaf = st.Leaf
	case QueryChain:
		cas = st.CAs
	default:
		if !st.Layout.EveryField {
			return d, fmt.Errorf("%w: status 2 (certificates attached) with queryType 0", ErrInvalid)
		}
		cas, leaf = st.CAs, st.Leaf
	}
	if req.ResponseType == ResponseIndividual {
		d.cas, d.leaf = cas, leaf
		return d, nil
	}
	all := make([][]byte, 0, len(cas)+1)
	all = append(all, cas...)
	if leaf != nil {
		all = append(all, leaf)
	}
	var err error
	switch req.ResponseType {
	case ResponseZIP:
		d.key, d.label = "zipFile", "ZIP"
		d.container = st.Container
		if d.container == nil {
			d.container, err = ZIP(cas, leaf, st.ZIPNames)
		}
	case ResponseNetscapeSequence:
		d.key, d.label = "netscapeCertificateSequence", "CERTIFICATE"
		d.container = st.Container
		if d.container == nil {
			d.container, err = NetscapeSequence(all)
		}
	case ResponsePKCS7:
		d.key, d.label = "pkcs7", "PKCS7"
		d.container = st.Container
		if d.container == nil {
			d.container, err = PKCS7(all)
		}
	}
	return d, err
}

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
	var bundle []byte
	for i, der := range cas {
		p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		bundle = append(bundle, p...)
		if err := add(names[i], p); err != nil {
			return nil, fmt.Errorf("%w: zip: %v", ErrInvalid, err)
		}
	}
	if leaf != nil {
		if err := add(names[len(cas)], pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf})); err != nil {
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

// Date formats of the two formats.
const dateLayout = "02/01/2006"

func renderLines(req Request, st State, certs certData, enc encoding.Encoding) ([]byte, error) {
	l := st.Layout
	eol := "\n"
	if l.CRLF {
		eol = "\r\n"
	}
	var b bytes.Buffer
	text := func(s string) error {
		if enc != nil {
			var err error
			s, err = enc.NewEncoder().String(s)
			if err != nil {
				return fmt.Errorf("%w: %q in %s: %v", ErrInvalid, s, l.Charset, err)
			}
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
	add(strconv.Itoa(st.Status))
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
	if st.Status > 0 && req.ShowFQDN {
		add(st.FQDN)
	}
	if st.Status == 2 {
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
	if req.ShowExtStatus {
		add(st.CertificateStatus)
		add(st.ValidationStatus)
	}
	if st.Status == 0 && req.ShowMDCDomainDetails {
		add(domains(st.MDCDomainDetails))
	}
	if req.ShowStatusDetails && st.StatusDetails != nil {
		for i, v := range st.StatusDetails {
			s := strconv.Itoa(v)
			if l.StatusDetailSep != "" {
				s = StatusDetailNames[i] + l.StatusDetailSep + s
			}
			add(s)
		}
	}
	if st.Status == 0 && req.ShowMDCDomainDetails2 {
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

// domains renders "domain1.com VALIDATED, domain2.com NOTVALIDATED".
func domains(ds []Domain) string {
	var sb strings.Builder
	for i, d := range ds {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(d.Name)
		sb.WriteByte(' ')
		sb.WriteString(d.Status)
	}
	return sb.String()
}

func renderURLEncoded(req Request, st State, certs certData, enc encoding.Encoding) ([]byte, error) {
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
	text("errorCode", strconv.Itoa(st.Status))
	if st.Status < 0 {
		text("errorMessage", st.ErrorMessage)
		return b.Bytes(), err
	}
	if (st.Status > 0 && req.ShowValidityPeriod && !every) || (every && (!st.NotBefore.IsZero() || !st.NotAfter.IsZero())) {
		text("notBefore", strconv.FormatInt(st.NotBefore.Unix(), 10))
		text("notAfter", strconv.FormatInt(st.NotAfter.Unix(), 10))
	}
	if (st.Status > 0 && req.ShowFQDN && !every) || (every && st.FQDN != "") {
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
	if (req.ShowExtStatus && !every) || (every && (st.CertificateStatus != "" || st.ValidationStatus != "")) {
		text("certificateStatus", st.CertificateStatus)
		text("validationStatus", st.ValidationStatus)
	}
	if (st.Status == 0 && req.ShowMDCDomainDetails && !every) || (every && st.MDCDomainDetails != nil) {
		text("mdcDomainDetails", domains(st.MDCDomainDetails))
	}
	if (req.ShowStatusDetails || every) && st.StatusDetails != nil {
		for i, v := range st.StatusDetails {
			k := StatusDetailNames[i]
			if i == OVCallbackStatus {
				k = "ovCallBackStatus"
			}
			text(k, strconv.Itoa(v))
		}
	}
	if (st.Status == 0 && req.ShowMDCDomainDetails2 && !every) || (every && st.MDCDomainDetails2 != nil) {
		text("mdcDomainDetails2", domains(st.MDCDomainDetails2))
	}
	if st.CAAStatus != "" {
		text("caaStatus", st.CAAStatus)
	}
	for _, f := range st.Extra {
		text(f.Key, f.Value)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: charset %s: %v", ErrInvalid, l.Charset, err)
	}
	return b.Bytes(), nil
}
