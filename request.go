// This file holds the request side: Request and its four enums, Credentials,
// Validate (every rule of the v1.18 specification) and Form (the exact POST
// body the API expects).

package collectssl

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
)

// DefaultEndpoint is the CollectSSL endpoint Client uses when Endpoint is "".
// Older clients use https://secure.comodo.net/products/download/CollectSSL,
// which serves the same API.
const DefaultEndpoint = "https://secure.trust-provider.com/products/download/CollectSSL"

// QueryType selects what the API returns (the queryType parameter).
type QueryType int

// The query types of the specification.
const (
	QueryStatus              QueryType = 0 // status only
	QueryCertificateAndChain QueryType = 1 // status, certificate and its CA certificates
	QueryCertificate         QueryType = 2 // status and the end-entity certificate only
	QueryChain               QueryType = 3 // status and the CA certificates only
)

// ResponseType selects the container the certificates arrive in (the
// responseType parameter). ZIP, Netscape sequence and PKCS#7 need
// QueryCertificateAndChain.
type ResponseType int

// The response types of the specification.
const (
	ResponseZIP              ResponseType = 0
	ResponseNetscapeSequence ResponseType = 1
	ResponsePKCS7            ResponseType = 2
	ResponseIndividual       ResponseType = 3 // each certificate encoded on its own
)

// ResponseEncoding selects base64 text or the bare binary container (the
// responseEncoding parameter). Binary needs QueryCertificateAndChain and
// ResponseZIP or ResponsePKCS7.
type ResponseEncoding int

// The response encodings of the specification.
const (
	EncodingBase64 ResponseEncoding = 0
	EncodingBinary ResponseEncoding = 1
)

// ResponseFormat selects how a text response is laid out (the responseFormat
// parameter). It only matters with EncodingBase64, or for an error answer.
type ResponseFormat int

// The response formats of the specification.
const (
	FormatLines      ResponseFormat = 0 // newline-delimited, positional
	FormatURLEncoded ResponseFormat = 1 // application/x-www-form-urlencoded
)

func (q QueryType) String() string {
	switch q {
	case QueryStatus:
		return "status"
	case QueryCertificateAndChain:
		return "certificate+chain"
	case QueryCertificate:
		return "certificate"
	case QueryChain:
		return "chain"
	}
	return "queryType(" + strconv.Itoa(int(q)) + ")"
}

func (t ResponseType) String() string {
	switch t {
	case ResponseZIP:
		return "zip"
	case ResponseNetscapeSequence:
		return "netscape"
	case ResponsePKCS7:
		return "pkcs7"
	case ResponseIndividual:
		return "individual"
	}
	return "responseType(" + strconv.Itoa(int(t)) + ")"
}

func (e ResponseEncoding) String() string {
	switch e {
	case EncodingBase64:
		return "base64"
	case EncodingBinary:
		return "binary"
	}
	return "responseEncoding(" + strconv.Itoa(int(e)) + ")"
}

func (f ResponseFormat) String() string {
	switch f {
	case FormatLines:
		return "lines"
	case FormatURLEncoded:
		return "urlencoded"
	}
	return "responseFormat(" + strconv.Itoa(int(f)) + ")"
}

// Credentials are a CollectSSL account's login. The password never appears in
// the output of any fmt verb, of log/slog or of encoding/json, nor in any
// error of this package. (fmt cannot call the methods of a value held in an
// unexported struct field: such a holder must redact it itself.)
type Credentials struct {
	LoginName     string
	LoginPassword string
}

const redacted = "[REDACTED]"

// String returns the login name with the password redacted.
func (c Credentials) String() string {
	return fmt.Sprintf("{LoginName:%q LoginPassword:%s}", c.LoginName, c.redactedPassword())
}

// GoString is String for %#v.
func (c Credentials) GoString() string {
	return fmt.Sprintf("collectssl.Credentials{LoginName:%q, LoginPassword:%q}", c.LoginName, c.redactedPassword())
}

// Format makes every verb (%v, %+v, %s, %q, %x, ...) print the redacted form.
func (c Credentials) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v':
		if f.Flag('#') {
			fmt.Fprint(f, c.GoString())
			return
		}
		fmt.Fprint(f, c.String())
	case 'q':
		fmt.Fprint(f, strconv.Quote(c.String()))
	default:
		fmt.Fprint(f, c.String())
	}
}

// LogValue makes log/slog print the redacted form, whatever the handler.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("LoginName", c.LoginName), slog.String("LoginPassword", c.redactedPassword()))
}

// MarshalJSON encodes the redacted form: a Credentials in a configuration
// struct that gets logged or dumped as JSON does not carry the password.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ LoginName, LoginPassword string }{c.LoginName, c.redactedPassword()})
}

func (c Credentials) redactedPassword() string {
	if c.LoginPassword == "" {
		return ""
	}
	return redacted
}

// Request is one CollectSSL call, without the account's credentials (a Client
// holds those: one account, many orders). The zero value asks for the status of
// nothing and does not validate: set at least one of the three identifiers.
//
// The zero value of every other field works, by one rule for every query
// type: a zero ResponseType is the specification's default where it is
// allowed (ResponseZIP, with QueryCertificateAndChain) and otherwise the one
// value that is (ResponseIndividual, with QueryStatus, QueryCertificate and
// QueryChain), which is what Form then sends. So Request{OrderNumber: "1"} is
// a status query, and Request{OrderNumber: "1", QueryType: QueryCertificate}
// asks for the certificate, individually encoded. A combination the
// specification forbids, set explicitly, is refused by Validate with a
// *RequestError: ResponseNetscapeSequence or ResponsePKCS7 with any query
// type but QueryCertificateAndChain; EncodingBinary with anything but
// QueryCertificateAndChain and ResponseZIP or ResponsePKCS7.
//
// The show flags are always allowed, even where the chosen query cannot carry
// their output (ShowMDCDomainDetails on an issued order, for example): the
// server ignores them, and so do the parsers.
type Request struct {
	OrderNumber     string // at most 128 characters
	CertificateID   string // decimal digits, at most 16
	BaseOrderNumber string // decimal digits

	QueryType        QueryType
	ResponseType     ResponseType
	ResponseEncoding ResponseEncoding
	ResponseFormat   ResponseFormat

	ShowValidityPeriod    bool
	ShowFQDN              bool
	ShowExtStatus         bool
	ShowMDCDomainDetails  bool
	ShowMDCDomainDetails2 bool
	ShowStatusDetails     bool

	// CollectionCode and ResponseMIMEType exist since v1.06 but v1.18 does not
	// describe them; they are sent as given when not "".
	CollectionCode   string
	ResponseMIMEType string
}

// Length limits of the specification, section 1.
const (
	maxLoginName     = 64
	maxLoginPassword = 128
	maxOrderNumber   = 128
	maxCertificateID = 16 // digits
	// maxBaseOrderNumber is not in the specification ("integer"); 20 digits
	// hold any 64-bit integer.
	maxBaseOrderNumber = 20
	// maxFreeText bounds the two undocumented pass-through strings.
	maxFreeText = 256
)

// Validate checks every rule of the specification that can be checked before
// sending: an identifier is present, lengths and digits, enum ranges, and the
// combination rules (responseType 0, 1 and 2 need queryType 1; binary encoding
// needs queryType 1 and responseType 0 or 2), with the zero ResponseType read
// as the Request doc says. It also refuses control characters in any field.
// The error is a *RequestError for the first violation found; it matches
// ErrInvalidRequest.
func (r *Request) Validate() error {
	if r == nil {
		return &RequestError{Field: "request", Reason: "nil request"}
	}
	if r.OrderNumber == "" && r.CertificateID == "" && r.BaseOrderNumber == "" {
		return &RequestError{Field: "orderNumber", Reason: "one of orderNumber, certificateID or baseOrderNumber is required"}
	}
	if err := checkText("orderNumber", r.OrderNumber, maxOrderNumber); err != nil {
		return err
	}
	if err := checkDigits("certificateID", r.CertificateID, maxCertificateID); err != nil {
		return err
	}
	if err := checkDigits("baseOrderNumber", r.BaseOrderNumber, maxBaseOrderNumber); err != nil {
		return err
	}
	if err := checkText("collectionCode", r.CollectionCode, maxFreeText); err != nil {
		return err
	}
	if err := checkText("responseMimeType", r.ResponseMIMEType, maxFreeText); err != nil {
		return err
	}
	if r.QueryType < QueryStatus || r.QueryType > QueryChain {
		return &RequestError{Field: "queryType", Reason: fmt.Sprintf("%d is not 0, 1, 2 or 3", int(r.QueryType))}
	}
	if r.ResponseType < ResponseZIP || r.ResponseType > ResponseIndividual {
		return &RequestError{Field: "responseType", Reason: fmt.Sprintf("%d is not 0, 1, 2 or 3", int(r.ResponseType))}
	}
	if r.ResponseEncoding != EncodingBase64 && r.ResponseEncoding != EncodingBinary {
		return &RequestError{Field: "responseEncoding", Reason: fmt.Sprintf("%d is not 0 or 1", int(r.ResponseEncoding))}
	}
	if r.ResponseFormat != FormatLines && r.ResponseFormat != FormatURLEncoded {
		return &RequestError{Field: "responseFormat", Reason: fmt.Sprintf("%d is not 0 or 1", int(r.ResponseFormat))}
	}
	rt := r.responseType()
	if rt != ResponseIndividual && r.QueryType != QueryCertificateAndChain {
		return &RequestError{Field: "responseType", Reason: fmt.Sprintf("responseType %d (%s) needs queryType 1, not %d", int(rt), rt, int(r.QueryType))}
	}
	if r.ResponseEncoding == EncodingBinary {
		if r.QueryType != QueryCertificateAndChain {
			return &RequestError{Field: "responseEncoding", Reason: fmt.Sprintf("binary encoding needs queryType 1, not %d", int(r.QueryType))}
		}
		if rt != ResponseZIP && rt != ResponsePKCS7 {
			return &RequestError{Field: "responseEncoding", Reason: fmt.Sprintf("binary encoding needs responseType 0 or 2, not %d", int(rt))}
		}
	}
	return nil
}

// responseType is the responseType the request sends: ResponseType, except
// that the zero value means ResponseIndividual for the query types that may
// not have a ZIP (see Request).
func (r *Request) responseType() ResponseType {
	if r.ResponseType == ResponseZIP && r.QueryType != QueryCertificateAndChain {
		return ResponseIndividual
	}
	return r.ResponseType
}

// validate checks the credentials' lengths and characters. The password's
// content never reaches the error.
func (c Credentials) validate() error {
	if c.LoginName == "" {
		return &RequestError{Field: "loginName", Reason: "empty"}
	}
	if err := checkText("loginName", c.LoginName, maxLoginName); err != nil {
		return err
	}
	if c.LoginPassword == "" {
		return &RequestError{Field: "loginPassword", Reason: "empty"}
	}
	if n := len([]rune(c.LoginPassword)); n > maxLoginPassword {
		return &RequestError{Field: "loginPassword", Reason: fmt.Sprintf("longer than %d characters", maxLoginPassword)}
	}
	if strings.ContainsFunc(c.LoginPassword, isControl) {
		return &RequestError{Field: "loginPassword", Reason: "contains a control character"}
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// checkText refuses a value longer than max characters or holding a control
// character (a newline would corrupt the positional response, a NUL the form).
// The reason gives the length or the control character and its offset, never
// the value itself.
func checkText(field, v string, max int) error {
	if n := len([]rune(v)); n > max {
		return &RequestError{Field: field, Reason: fmt.Sprintf("%d characters, more than %d", n, max)}
	}
	if i := strings.IndexFunc(v, isControl); i >= 0 {
		return &RequestError{Field: field, Reason: fmt.Sprintf("control character %U at byte %d", []rune(v[i:])[0], i)}
	}
	return nil
}

// checkDigits refuses anything but 1 to max decimal digits ("" passes: the
// field is then not sent).
func checkDigits(field, v string, max int) error {
	if v == "" {
		return nil
	}
	if len(v) > max {
		return &RequestError{Field: field, Reason: fmt.Sprintf("%d digits, more than %d", len(v), max)}
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return &RequestError{Field: field, Reason: fmt.Sprintf("not decimal digits (byte %d)", i)}
		}
	}
	return nil
}

// Form validates the request and the credentials and returns the POST form:
// the parameter names exactly as the specification spells them, identifiers
// and strings only when set, the four enums always (a zero ResponseType as
// the Request doc says), and only the show flags that are set (as "Y").
func (r *Request) Form(c Credentials) (url.Values, error) {
	if err := r.validateWith(c); err != nil {
		return nil, err
	}
	f := url.Values{}
	r.params(c, func(k, v string) { f.Set(k, v) })
	return f, nil
}

// encodedForm is Form(c).Encode(), without building the url.Values.
func (r *Request) encodedForm(c Credentials) (string, error) {
	if err := r.validateWith(c); err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(formPrealloc)
	r.params(c, func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	})
	return b.String(), nil
}

// formPrealloc is room for a typical encoded form (about 200 bytes), so
// that encodedForm's builder does not regrow while it writes one.
const formPrealloc = 256

func (r *Request) validateWith(c Credentials) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return c.validate()
}

// params hands add every parameter Form sends, in the order of
// requestParams (the order url.Values.Encode writes them in).
func (r *Request) params(c Credentials, add func(k, v string)) {
	for _, p := range requestParams {
		if v := p.get(r, c); v != "" {
			add(p.name, v)
		}
	}
}

// requestParam is one parameter of the API (see requestParams).
type requestParam struct {
	name string
	get  func(r *Request, c Credentials) string
	set  func(r *Request, v string) error
}

// requestParams are the parameters of the API, in the order of their names:
// get is the value Form sends ("" means none: the parameter is left out),
// set reads one back (requestFromForm; nil for the credentials, which a
// Request does not hold). The one list of names and how each maps to a
// field.
var requestParams = []requestParam{
	{"baseOrderNumber", func(r *Request, _ Credentials) string { return r.BaseOrderNumber }, func(r *Request, v string) error { r.BaseOrderNumber = v; return nil }},
	{"certificateID", func(r *Request, _ Credentials) string { return r.CertificateID }, func(r *Request, v string) error { r.CertificateID = v; return nil }},
	{"collectionCode", func(r *Request, _ Credentials) string { return r.CollectionCode }, func(r *Request, v string) error { r.CollectionCode = v; return nil }},
	{"loginName", func(_ *Request, c Credentials) string { return c.LoginName }, nil},
	{"loginPassword", func(_ *Request, c Credentials) string { return c.LoginPassword }, nil},
	{"orderNumber", func(r *Request, _ Credentials) string { return r.OrderNumber }, func(r *Request, v string) error { r.OrderNumber = v; return nil }},
	{"queryType", func(r *Request, _ Credentials) string { return strconv.Itoa(int(r.QueryType)) }, setEnum("queryType", func(r *Request) *QueryType { return &r.QueryType })},
	{"responseEncoding", func(r *Request, _ Credentials) string { return strconv.Itoa(int(r.ResponseEncoding)) }, setEnum("responseEncoding", func(r *Request) *ResponseEncoding { return &r.ResponseEncoding })},
	{"responseFormat", func(r *Request, _ Credentials) string { return strconv.Itoa(int(r.ResponseFormat)) }, setEnum("responseFormat", func(r *Request) *ResponseFormat { return &r.ResponseFormat })},
	{"responseMimeType", func(r *Request, _ Credentials) string { return r.ResponseMIMEType }, func(r *Request, v string) error { r.ResponseMIMEType = v; return nil }},
	{"responseType", func(r *Request, _ Credentials) string { return strconv.Itoa(int(r.responseType())) }, setEnum("responseType", func(r *Request) *ResponseType { return &r.ResponseType })},
	{"showExtStatus", showGet(func(r *Request) *bool { return &r.ShowExtStatus }), showSet(func(r *Request) *bool { return &r.ShowExtStatus })},
	{"showFQDN", showGet(func(r *Request) *bool { return &r.ShowFQDN }), showSet(func(r *Request) *bool { return &r.ShowFQDN })},
	{"showMDCDomainDetails", showGet(func(r *Request) *bool { return &r.ShowMDCDomainDetails }), showSet(func(r *Request) *bool { return &r.ShowMDCDomainDetails })},
	{"showMDCDomainDetails2", showGet(func(r *Request) *bool { return &r.ShowMDCDomainDetails2 }), showSet(func(r *Request) *bool { return &r.ShowMDCDomainDetails2 })},
	{"showStatusDetails", showGet(func(r *Request) *bool { return &r.ShowStatusDetails }), showSet(func(r *Request) *bool { return &r.ShowStatusDetails })},
	{"showValidityPeriod", showGet(func(r *Request) *bool { return &r.ShowValidityPeriod }), showSet(func(r *Request) *bool { return &r.ShowValidityPeriod })},
}

// setEnum reads an enum parameter, an integer, into the field at points to.
func setEnum[E ~int](name string, at func(*Request) *E) func(*Request, string) error {
	return func(r *Request, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return &RequestError{Field: name, Reason: fmt.Sprintf("%.20q is not an integer", v)}
		}
		*at(r) = E(n)
		return nil
	}
}

// showGet and showSet are a show flag's two sides: "Y" when set.
func showGet(at func(*Request) *bool) func(*Request, Credentials) string {
	return func(r *Request, _ Credentials) string {
		if *at(r) {
			return "Y"
		}
		return ""
	}
}

func showSet(at func(*Request) *bool) func(*Request, string) error {
	return func(r *Request, v string) error { *at(r) = v == "Y"; return nil }
}
