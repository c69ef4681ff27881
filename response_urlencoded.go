// This file holds the responseFormat=1 parser: ParseURLEncoded reads the
// URL-encoded fields, decoding base64 values so that a '+' sent raw, or
// turned into a space by someone's form decoding, survives.

package collectssl

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
)

// Why a responseFormat=1 body does not parse.
var (
	errNoErrorCode     = errors.New("no errorCode field")
	errBadPercent      = errors.New("invalid %-escape in a base64 value")
	errNotCertificates = errors.New("value is not base64")
)

// urlField identifies one known key of responseFormat=1.
type urlField int

const (
	fErrorCode urlField = iota
	fErrorMessage
	fNotBefore
	fNotAfter
	fFQDN
	fContainer // zipFile, netscapeCertificateSequence, pkcs7
	fCACertificate
	fCertificate
	fCertificateStatus
	fValidationStatus
	fMDCDomainDetails // and the spec's typo macDomainDetails
	fMDCDomainDetails2
	fStatusDetail0 // csrStatus; the six others follow in the order of StatusDetails
	fCAAStatus     = fStatusDetail0 + 7
	fCount         = fCAAStatus + 1
)

// urlFields maps lower-cased keys to fields: keys are matched in any case
// (the server treats parameter names that way, and the specification itself
// spells ovCallBackStatus with a capital B in one format and a small one in
// the other).
var urlFields = map[string]urlField{
	"errorcode":                   fErrorCode,
	"errormessage":                fErrorMessage,
	"notbefore":                   fNotBefore,
	"notafter":                    fNotAfter,
	"fqdn":                        fFQDN,
	"zipfile":                     fContainer,
	"netscapecertificatesequence": fContainer,
	"pkcs7":                       fContainer,
	"cacertificate":               fCACertificate,
	"certificate":                 fCertificate,
	"certificatestatus":           fCertificateStatus,
	"validationstatus":            fValidationStatus,
	"mdcdomaindetails":            fMDCDomainDetails,
	"macdomaindetails":            fMDCDomainDetails,
	"mdcdomaindetails2":           fMDCDomainDetails2,
	"caastatus":                   fCAAStatus,
}

func init() {
	for i, name := range statusDetailNames {
		urlFields[name] = fStatusDetail0 + urlField(i)
	}
}

// ParseURLEncoded reads a responseFormat=1 body. Text that is not UTF-8 is
// decoded from Windows-1252 (ParseResponse uses the Content-Type's charset
// instead).
//
// Keys are matched in any case; macDomainDetails (the specification's typo)
// is mdcDomainDetails. notBefore and notAfter are Unix seconds. Certificate
// values (zipFile, netscapeCertificateSequence, pkcs7, the repeated
// caCertificate, certificate) are read as base64 that survived URL encoding:
// only %XX escapes are undone, and both '+' and a space read as '+' (a '+'
// sent raw becomes a space under form decoding). Other values are
// form-decoded ('+' is a space; a value whose %-escapes are broken is kept
// as sent) and lose their trailing spaces and tabs, as format 0's lines do,
// wherever the field stands in the body. Certificates are classified by content, like ParseLines does:
// the caCertificate and certificate keys are hints.
//
// Kept in Result.Extra under their own key, never dropped: unknown keys
// (errorItem, orderNumber and certificateID, which real bodies carry, are
// among them), an errorMessage with a non-negative errorCode, the second and
// later values of a key that holds one value (the first wins), a second
// container (as base64 text, its escapes undone), and values that do not
// parse as the integer their key holds.
// When only some of the seven status detail keys are present, the missing ones
// read as ProgressNotRequired. With a negative errorCode, errorItem (in any
// case) is the StatusError's Argument when the message quotes none.
//
// The error is a *StatusError if errorCode is negative (the Result is then
// nil), a *ParseError if body cannot be a CollectSSL answer (no errorCode, an
// errorCode that is not an integer, certificate data that does not decode, a
// body over the size limit, which also matches ErrTooLarge), and nil
// otherwise.
func ParseURLEncoded(body []byte) (*Result, error) {
	if err := checkSize(body); err != nil {
		return nil, err
	}
	return parseURLEncoded(body, defaultCharset)
}

// certValue is a certificate-valued field, decoded once the status is known.
type certValue struct {
	rawKey []byte
	field  urlField
	raw    []byte
}

func parseURLEncoded(body []byte, enc encoding.Encoding) (*Result, error) {
	body = bytes.TrimPrefix(body, utf8BOM)
	// Only line endings are trimmed from the body: a space at its end may be
	// the '+' ending a base64 value (see decodeBase64Value).
	body = bytes.TrimRight(body, "\r\n")
	if n := bytes.Count(body, []byte{'&'}) + 1; n > maxResponseFields {
		return nil, &ParseError{Field: "body", Err: fmt.Errorf("%w: %d fields, more than %d", ErrTooLarge, n, maxResponseFields)}
	}
	var (
		r       Result
		seen    [fCount]bool
		code    string
		message string
		certs   []certValue
		extra   url.Values
	)
	keep := func(k, v string) {
		if extra == nil {
			extra = url.Values{}
		}
		extra.Add(k, v)
	}
	for len(body) > 0 {
		var pair []byte
		pair, body, _ = bytes.Cut(body, []byte{'&'})
		if len(pair) == 0 {
			continue
		}
		rawKey, rawVal, _ := bytes.Cut(pair, []byte{'='})
		f, known := fieldOf(rawKey, enc)
		if !known {
			keep(formText(rawKey, enc), textValue(rawVal, enc))
			continue
		}
		switch f {
		case fCACertificate, fCertificate:
			certs = append(certs, certValue{rawKey, f, rawVal})
			if len(certs) > maxResponseCertificates {
				return nil, &ParseError{Field: formText(rawKey, enc), Err: fmt.Errorf("%w: more than %d certificates", ErrTooLarge, maxResponseCertificates)}
			}
			continue
		case fContainer:
			if seen[f] {
				keep(formText(rawKey, enc), base64Text(rawVal))
				continue
			}
			seen[f] = true
			certs = append(certs, certValue{rawKey, f, rawVal})
			continue
		}
		val := textValue(rawVal, enc)
		if seen[f] {
			keep(formText(rawKey, enc), val)
			continue
		}
		seen[f] = true
		switch {
		case f == fErrorCode:
			code = val
		case f == fErrorMessage:
			message = val
		case f == fNotBefore || f == fNotAfter:
			n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
			if err != nil {
				keep(formText(rawKey, enc), val)
				seen[f] = false
				continue
			}
			if f == fNotBefore {
				r.NotBefore = time.Unix(n, 0).UTC()
			} else {
				r.NotAfter = time.Unix(n, 0).UTC()
			}
		case f == fFQDN:
			r.FQDN = val
		case f == fCertificateStatus:
			r.CertificateStatus = val
		case f == fValidationStatus:
			r.ValidationStatus = val
		case f == fMDCDomainDetails:
			r.MDCDomainDetails = parseDomains(val)
		case f == fMDCDomainDetails2:
			r.MDCDomainDetails2 = parseDomains(val)
		case f == fCAAStatus:
			r.CAAStatus = val
		case f >= fStatusDetail0 && f < fStatusDetail0+7:
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil {
				keep(formText(rawKey, enc), val)
				seen[f] = false
				continue
			}
			if r.StatusDetails == nil {
				r.StatusDetails = &StatusDetails{ProgressNotRequired, ProgressNotRequired, ProgressNotRequired,
					ProgressNotRequired, ProgressNotRequired, ProgressNotRequired, ProgressNotRequired}
			}
			r.StatusDetails.set(int(f-fStatusDetail0), Progress(n))
		}
	}
	if !seen[fErrorCode] {
		return nil, &ParseError{Field: "errorCode", Err: errNoErrorCode}
	}
	n, err := strconv.Atoi(strings.TrimSpace(code))
	if err != nil {
		return nil, &ParseError{Field: "errorCode", Err: fmt.Errorf("%w: %.40q", errStatusNotInteger, code)}
	}
	if n < 0 {
		// Real bodies name the argument of -2/-3/-4 in errorItem too.
		return nil, statusErr(StatusCode(n), message, getFold(extra, "errorItem"))
	}
	r.Status = StatusCode(n)
	if seen[fErrorMessage] {
		keep("errorMessage", message)
	}
	var all []*x509.Certificate
	var scratch []byte // the base64 text of each value in turn
	for _, cv := range certs {
		var der []byte
		scratch, der, err = decodeBase64Value(scratch[:0], cv.raw)
		if err != nil {
			return nil, &ParseError{Field: formText(cv.rawKey, enc), Err: err}
		}
		if cv.field == fContainer {
			list, err := decodeResponseContainer(der)
			if err != nil {
				return nil, &ParseError{Field: formText(cv.rawKey, enc), Err: err}
			}
			r.Container = der
			all = append(all, list...)
			continue
		}
		if len(all) >= maxResponseCertificates { // before parsing one more
			return nil, &ParseError{Field: formText(cv.rawKey, enc), Err: fmt.Errorf("%w: more than %d certificates", ErrTooLarge, maxResponseCertificates)}
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, &ParseError{Field: formText(cv.rawKey, enc), Err: err}
		}
		all = append(all, c)
	}
	if err := r.setCertificates(all); err != nil {
		return nil, &ParseError{Field: "certificates", Err: err}
	}
	r.Extra = extra
	return &r, nil
}

// textValue is the text of a value: form-decoded (see formText), its trailing
// spaces and tabs dropped. That is one rule for every field, wherever it
// stands in the body, and the rule of format 0, whose lines lose their
// trailing blanks: a trailing '+' or %20 is layout, not content.
func textValue(raw []byte, enc encoding.Encoding) string {
	return strings.TrimRight(formText(raw, enc), " \t")
}

// fieldOf returns the field a raw key names, in any case. A plain ASCII key
// (no escape, no '+', as real ones are) is lower-cased into a stack buffer;
// anything else is form-decoded first.
func fieldOf(rawKey []byte, enc encoding.Encoding) (urlField, bool) {
	var lower [32]byte
	if len(rawKey) <= len(lower) && !bytes.ContainsAny(rawKey, "%+") {
		ascii := true
		for i, c := range rawKey {
			ascii = ascii && c < utf8.RuneSelf
			lower[i] = lowerASCII(c)
		}
		if ascii {
			f, ok := urlFields[string(lower[:len(rawKey)])]
			return f, ok
		}
	}
	f, ok := urlFields[strings.ToLower(formText(rawKey, enc))]
	return f, ok
}

// getFold returns the first value of the key of v that equals key in any
// case, as every key of format 1 is matched, or "".
func getFold(v url.Values, key string) string {
	for k, vs := range v {
		if strings.EqualFold(k, key) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// base64Text is a base64 value as text, for Result.Extra: %XX escapes undone
// and spaces read as the '+' they were (see decodeBase64Value), or the value
// as sent when its escapes are broken.
func base64Text(raw []byte) string {
	b, err := unescapeBase64(nil, raw)
	if err != nil {
		return string(raw)
	}
	return string(b)
}

// formText form-decodes a text key or value ("+" is a space), keeping it as
// sent when its %-escapes are broken, and decodes it from enc when the result
// is not UTF-8.
func formText(raw []byte, enc encoding.Encoding) string {
	s, err := url.QueryUnescape(string(raw))
	if err != nil {
		s = string(raw)
	}
	if !utf8.ValidString(s) {
		s = string(toUTF8([]byte(s), enc))
	}
	return s
}

// decodeBase64Value decodes a base64 value that went through URL encoding,
// perhaps carelessly: %XX escapes are undone, '+' and ' ' (a '+' that a form
// decoder turned into a space, before or after escaping) both read as '+',
// line breaks are skipped, and '=' padding is optional.
//
// scratch is reused for the base64 text (and returned, perhaps grown); the
// DER is a buffer of its own, which the certificates keep.
func decodeBase64Value(scratch, raw []byte) (newScratch, der []byte, err error) {
	// Room for the whole text at once (unescaped, it is no longer): grown
	// by append, it would cost several times its size.
	if cap(scratch)-len(scratch) < len(raw) {
		scratch = append(make([]byte, 0, len(scratch)+len(raw)), scratch...)
	}
	buf, err := unescapeBase64(scratch, raw)
	if err != nil {
		return scratch, nil, err
	}
	// The decoder skips '\r' and '\n' itself.
	text := bytes.TrimRight(buf, "=")
	der = make([]byte, base64.RawStdEncoding.DecodedLen(len(text)))
	n, err := base64.RawStdEncoding.Decode(der, text)
	if err != nil {
		return buf, nil, fmt.Errorf("%w: %w", errNotCertificates, err)
	}
	return buf, der[:n], nil
}

// unescapeBase64 appends raw to buf with its %XX escapes undone and every
// space read as '+'.
func unescapeBase64(buf, raw []byte) ([]byte, error) {
	start := len(buf)
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '%')
		if i < 0 {
			buf = append(buf, raw...)
			break
		}
		buf = append(buf, raw[:i]...)
		if i+2 >= len(raw) {
			return nil, errBadPercent
		}
		hi, ok1 := unhex(raw[i+1])
		lo, ok2 := unhex(raw[i+2])
		if !ok1 || !ok2 {
			return nil, errBadPercent
		}
		buf = append(buf, hi<<4|lo)
		raw = raw[i+3:]
	}
	if bytes.IndexByte(buf[start:], ' ') >= 0 {
		for i, c := range buf[start:] {
			if c == ' ' {
				buf[start+i] = '+'
			}
		}
	}
	return buf, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
