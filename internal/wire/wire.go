// Package wire renders CollectSSL responses: the state of one order on the
// server and the options of one request in, the exact response body out, in
// both response formats and as a bare binary container.
//
// It is the other half of the collectssl parsers: the protocol tests render a
// state, parse it back and compare, and the fake server (collectssltest)
// answers with it. It takes the collectssl package's own types (Request,
// StatusCode, DomainStatus, StatusDetails), so the collectssl package's tests
// that use it must be external (package collectssl_test).
//
// What it renders follows the specification (v1.18) and what real responses
// show, as the sections "Response, responseFormat=0", "Response,
// responseFormat=1" and "Certificate containers" of the project's protocol
// notes (shared/spec/NOTES.md, beside the repository) record them:
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
//
// The files: wire.go holds State, Layout, Render and the choice of the
// certificate data; lines.go the responseFormat=0 renderer; urlencoded.go the
// responseFormat=1 renderer; statusdetails.go the names of the seven status
// details; containers.go the ZIP, Netscape sequence and PKCS#7 encoders.
package wire

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/collectssl/collectssl"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
)

// Field is one extra line (format 0: Value only) or key=value pair (format 1)
// appended at the end of a text body, for tests of unknown lines and keys.
type Field struct{ Key, Value string }

// State is one order as the server sees it at the time of the call.
type State struct {
	Status       collectssl.StatusCode
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
	MDCDomainDetails, MDCDomainDetails2 []collectssl.DomainStatus
	// StatusDetails are the seven status details; nil sends none even when
	// showStatusDetails=Y (a server that omits them).
	StatusDetails *collectssl.StatusDetails
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
	// OmitEmpty leaves out the optional lines and fields a server does not
	// have, as real servers do: an empty FQDN, an extended status whose two
	// values are empty, MDC domain details without a domain. (Nil
	// StatusDetails and an empty CAAStatus are always left out.)
	OmitEmpty bool
	// LeafFirst puts the certificates inside a container (the ZIP's
	// entries and CA bundle, the Netscape sequence, the PKCS#7) leaf first,
	// then the CAs from the leaf's issuer to the root; false keeps the order
	// CollectSSL sends its text formats in: root first, leaf last.
	// Individually encoded certificates (responseType 3) keep that order
	// either way.
	LeafFirst bool
	// EveryField renders every non-empty field of the state whatever the
	// status and the show flags (format 1 only): tests use it to re-render a
	// parsed result faithfully.
	EveryField bool
}

// ErrInvalid is returned by Render for a state or request it cannot render:
// a nil request, an enum value out of range, certificates asked for with
// queryType 0, a binary answer other than a ZIP or a PKCS#7, ZIPNames of the
// wrong length, an unknown charset or text the charset cannot encode.
// Certificates are never refused: bytes that are not a certificate go out as
// given (a ZIP names them CA.crt and certificate.crt).
var ErrInvalid = errors.New("wire: cannot render")

// Content types of the bodies Render produces.
const (
	ContentTypeText       = "text/plain"
	ContentTypeURLEncoded = "application/x-www-form-urlencoded"
	ContentTypeZIP        = "application/zip"
	ContentTypePKCS7      = "application/pkcs7-mime"
)

// Render returns the Content-Type and the body the service sends for req
// when the order is in state st. It reads only req's four enums, its show
// flags and ResponseMIMEType (the Content-Type of an answer whose status is
// positive, when not ""). req is the request as the server receives it: its
// ResponseType is the value sent (Request.Form sends a zero ResponseType as
// 3 for the query types that may not have a ZIP).
func Render(req *collectssl.Request, st State) (contentType string, body []byte, err error) {
	if req == nil {
		return "", nil, fmt.Errorf("%w: nil request", ErrInvalid)
	}
	if req.QueryType < collectssl.QueryStatus || req.QueryType > collectssl.QueryChain ||
		req.ResponseType < collectssl.ResponseZIP || req.ResponseType > collectssl.ResponseIndividual ||
		req.ResponseEncoding < collectssl.EncodingBase64 || req.ResponseEncoding > collectssl.EncodingBinary ||
		req.ResponseFormat < collectssl.FormatLines || req.ResponseFormat > collectssl.FormatURLEncoded {
		return "", nil, fmt.Errorf("%w: request enums out of range: queryType %d, responseType %d, responseEncoding %d, responseFormat %d",
			ErrInvalid, req.QueryType, req.ResponseType, req.ResponseEncoding, req.ResponseFormat)
	}
	var certs certData
	if st.Status == collectssl.StatusAttached || (st.Layout.EveryField && hasCerts(st)) {
		certs, err = buildCerts(req, st)
		if err != nil {
			return "", nil, err
		}
	}
	if st.Status == collectssl.StatusAttached && req.ResponseEncoding == collectssl.EncodingBinary {
		switch req.ResponseType {
		case collectssl.ResponseZIP:
			return mimeOr(req, ContentTypeZIP), certs.container, nil
		case collectssl.ResponsePKCS7:
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
	if req.ResponseFormat == collectssl.FormatURLEncoded {
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

func mimeOr(req *collectssl.Request, def string) string {
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

// buildCerts picks the certificates the query asks for and puts them in the
// container of the response type.
func buildCerts(req *collectssl.Request, st State) (certData, error) {
	var d certData
	var cas [][]byte
	var leaf []byte
	switch req.QueryType {
	case collectssl.QueryCertificateAndChain:
		cas, leaf = st.CAs, st.Leaf
	case collectssl.QueryCertificate:
		leaf = st.Leaf
	case collectssl.QueryChain:
		cas = st.CAs
	default:
		if !st.Layout.EveryField {
			return d, fmt.Errorf("%w: status 2 (certificates attached) with queryType 0", ErrInvalid)
		}
		cas, leaf = st.CAs, st.Leaf
	}
	if req.ResponseType == collectssl.ResponseIndividual {
		d.cas, d.leaf = cas, leaf
		return d, nil
	}
	all := make([][]byte, 0, len(cas)+1)
	all = append(all, cas...)
	if leaf != nil {
		all = append(all, leaf)
	}
	if st.Layout.LeafFirst {
		slices.Reverse(all)
	}
	var err error
	switch req.ResponseType {
	case collectssl.ResponseZIP:
		d.key, d.label = "zipFile", "ZIP"
		d.container = st.Container
		if d.container == nil {
			d.container, err = zipArchive(cas, leaf, st.ZIPNames, st.Layout.LeafFirst)
		}
	case collectssl.ResponseNetscapeSequence:
		d.key, d.label = "netscapeCertificateSequence", "CERTIFICATE"
		d.container = st.Container
		if d.container == nil {
			d.container, err = NetscapeSequence(all)
		}
	case collectssl.ResponsePKCS7:
		d.key, d.label = "pkcs7", "PKCS7"
		d.container = st.Container
		if d.container == nil {
			d.container, err = PKCS7(all)
		}
	}
	return d, err
}

// domains renders "domain1.com VALIDATED, domain2.com NOTVALIDATED", the MDC
// domain details of both formats.
func domains(ds []collectssl.DomainStatus) string {
	var sb strings.Builder
	for i, d := range ds {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(d.Domain)
		sb.WriteByte(' ')
		sb.WriteString(d.Status)
	}
	return sb.String()
}
