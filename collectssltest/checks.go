// This file holds the checks of a request's form, in the order the package
// documentation lists them (parameter names, credentials, identifiers, enums
// and flags and their combinations, the order and its state), the
// specification's parameter names, limits and messages, and the rendering of
// the order's answer.

package collectssltest

import (
	"crypto/subtle"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/wire"
)

// Parameter is one parameter of the CollectSSL call, as the server reads it.
type Parameter struct {
	Name    string // as the specification spells it (the server ignores case)
	Values  string // what the server accepts
	Meaning string
}

// Parameters returns every parameter the server accepts, in the
// specification's order: the table `collectssl serve -h` and the README
// print.
func Parameters() []Parameter {
	return []Parameter{
		{pLoginName, "at most 64 characters; required", "the account's login name"},
		{pLoginPassword, "at most 128 characters; required", "the account's password"},
		{pOrderNumber, "at most 128 characters", "the order (one of the three identifiers is required)"},
		{pCertificateID, "1 to 16 digits", "the order, by its certificate ID"},
		{pBaseOrderNumber, "1 to 20 digits", "the order, by its first order number (names the latest renewal)"},
		{pQueryType, "0 (default), 1, 2, 3", "0 status only, 1 certificate and chain, 2 certificate, 3 chain"},
		{pResponseType, "0, 1, 2, 3 (default)", "0 ZIP, 1 Netscape sequence, 2 PKCS#7 (these three need queryType 1), 3 each certificate on its own"},
		{pResponseEncoding, "0 (default), 1", "0 base64, 1 binary (queryType 1 with responseType 0 or 2)"},
		{pResponseFormat, "0 (default), 1", "0 lines, 1 URL-encoded fields"},
		{pResponseMimeType, "a media type, at most 256 characters", "the Content-Type of an answer with a positive status"},
		{pCollectionCode, "at most 256 characters", "accepted, not checked"},
		{pShowValidityPeriod, "Y or N (default)", "add the not-before and not-after dates"},
		{pShowFQDN, "Y or N (default)", "add the FQDN"},
		{pShowExtStatus, "Y or N (default)", "add the certificate and validation status lines"},
		{pShowMDCDomainDetails, "Y or N (default)", "add each domain's validation status (while processing)"},
		{pShowMDCDomainDetails2, "Y or N (default)", "the same, with AWAITINGBRAND"},
		{pShowStatusDetails, "Y or N (default)", "add the seven status details (csr, dcv, ...)"},
	}
}

// The parameters of the specification, by lower-case name.
var params = func() map[string]string {
	m := map[string]string{}
	for _, p := range Parameters() {
		m[strings.ToLower(p.Name)] = p.Name
	}
	return m
}()

// Parameter names as the specification spells them.
const (
	pLoginName             = "loginName"
	pLoginPassword         = "loginPassword"
	pOrderNumber           = "orderNumber"
	pCertificateID         = "certificateID"
	pBaseOrderNumber       = "baseOrderNumber"
	pQueryType             = "queryType"
	pResponseType          = "responseType"
	pResponseEncoding      = "responseEncoding"
	pResponseFormat        = "responseFormat"
	pResponseMimeType      = "responseMimeType"
	pCollectionCode        = "collectionCode"
	pShowValidityPeriod    = "showValidityPeriod"
	pShowFQDN              = "showFQDN"
	pShowExtStatus         = "showExtStatus"
	pShowMDCDomainDetails  = "showMDCDomainDetails"
	pShowMDCDomainDetails2 = "showMDCDomainDetails2"
	pShowStatusDetails     = "showStatusDetails"
)

// Length limits of the specification, section 1.
const (
	maxLoginName           = 64
	maxLoginPassword       = 128
	maxOrderNumber         = 128
	maxCertificateIDDigits = 16
	maxBaseOrderDigits     = 20 // "integer": 20 digits hold any 64-bit one
)

// The messages of the specification, section 2.1.
const (
	msgNotHTTPS     = "Request was not made over https!"
	msgUnrecognised = "Unrecognised argument!"
	msgUnknownError = "An unknown error occurred!"
	msgDenied       = "Permission denied!"
	msgGET          = "Request used GET rather than POST!"
	msgRejected     = "The certificate request has been rejected!"
	msgRevoked      = "The certificate has been revoked!"
	msgAwaitingPay  = "Still awaiting payment!"
)

func msgMissing(name string) string { return "The '" + name + "' argument is missing!" }
func msgInvalid(name string) string { return "The value of the '" + name + "' argument is invalid!" }

// check applies the checks of the package documentation that read the form
// (from the parameter names on), in order, and answers: with the first
// failure, or with the order rendered for the request.
func (s *Server) check(form url.Values) answer {
	format := formatOf(form)
	fail := func(code collectssl.StatusCode, msg string) answer { return failure(code, msg, format) }

	// Names: case-insensitive, known, given once.
	p := map[string]string{}
	for k, vs := range form {
		name, ok := params[strings.ToLower(k)]
		if !ok {
			return fail(collectssl.StatusUnrecognisedArgument, msgUnrecognised)
		}
		if _, dup := p[name]; dup || len(vs) != 1 {
			return fail(collectssl.StatusArgumentInvalid, msgInvalid(name))
		}
		p[name] = vs[0]
	}

	// Credentials.
	for _, c := range []struct {
		name string
		max  int
	}{{pLoginName, maxLoginName}, {pLoginPassword, maxLoginPassword}} {
		v := p[c.name]
		if v == "" {
			return fail(collectssl.StatusArgumentMissing, msgMissing(c.name))
		}
		if len([]rune(v)) > c.max {
			return fail(collectssl.StatusArgumentInvalid, msgInvalid(c.name))
		}
	}
	creds := s.Credentials()
	nameOK := subtle.ConstantTimeCompare([]byte(p[pLoginName]), []byte(creds.LoginName)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(p[pLoginPassword]), []byte(creds.LoginPassword)) == 1
	if !nameOK || !passOK {
		return fail(collectssl.StatusPermissionDenied, msgDenied)
	}

	// Identifiers.
	if p[pOrderNumber] == "" && p[pCertificateID] == "" && p[pBaseOrderNumber] == "" {
		return fail(collectssl.StatusArgumentMissing, msgMissing(pOrderNumber))
	}
	if len([]rune(p[pOrderNumber])) > maxOrderNumber {
		return fail(collectssl.StatusArgumentInvalid, msgInvalid(pOrderNumber))
	}
	if v := p[pCertificateID]; v != "" && !isDigits(v, maxCertificateIDDigits) {
		return fail(collectssl.StatusArgumentInvalid, msgInvalid(pCertificateID))
	}
	if v := p[pBaseOrderNumber]; v != "" && !isDigits(v, maxBaseOrderDigits) {
		return fail(collectssl.StatusArgumentInvalid, msgInvalid(pBaseOrderNumber))
	}

	// Enums and flags.
	var queryType, responseType, responseEncoding, responseFormat int
	for _, e := range []struct {
		name     string
		dst      *int
		def, max int
	}{
		{pQueryType, &queryType, int(collectssl.QueryStatus), int(collectssl.QueryChain)},
		{pResponseType, &responseType, int(collectssl.ResponseIndividual), int(collectssl.ResponseIndividual)},
		{pResponseEncoding, &responseEncoding, int(collectssl.EncodingBase64), int(collectssl.EncodingBinary)},
		{pResponseFormat, &responseFormat, int(collectssl.FormatLines), int(collectssl.FormatURLEncoded)},
	} {
		v, ok := p[e.name]
		if !ok || v == "" {
			*e.dst = e.def
			continue
		}
		if len(v) != 1 || v[0] < '0' || int(v[0]-'0') > e.max {
			return fail(collectssl.StatusArgumentInvalid, msgInvalid(e.name))
		}
		*e.dst = int(v[0] - '0')
	}
	req := &collectssl.Request{
		QueryType:        collectssl.QueryType(queryType),
		ResponseType:     collectssl.ResponseType(responseType),
		ResponseEncoding: collectssl.ResponseEncoding(responseEncoding),
		ResponseFormat:   collectssl.ResponseFormat(responseFormat),
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{
		{pShowValidityPeriod, &req.ShowValidityPeriod},
		{pShowFQDN, &req.ShowFQDN},
		{pShowExtStatus, &req.ShowExtStatus},
		{pShowMDCDomainDetails, &req.ShowMDCDomainDetails},
		{pShowMDCDomainDetails2, &req.ShowMDCDomainDetails2},
		{pShowStatusDetails, &req.ShowStatusDetails},
	} {
		switch p[f.name] {
		case "", "N":
		case "Y":
			*f.dst = true
		default:
			return fail(collectssl.StatusArgumentInvalid, msgInvalid(f.name))
		}
	}
	if req.ResponseType != collectssl.ResponseIndividual && req.QueryType != collectssl.QueryCertificateAndChain {
		return fail(collectssl.StatusArgumentInvalid, msgInvalid(pResponseType))
	}
	if req.ResponseEncoding == collectssl.EncodingBinary &&
		(req.QueryType != collectssl.QueryCertificateAndChain || (req.ResponseType != collectssl.ResponseZIP && req.ResponseType != collectssl.ResponsePKCS7)) {
		return fail(collectssl.StatusArgumentInvalid, msgInvalid(pResponseEncoding))
	}
	for _, name := range []string{pCollectionCode, pResponseMimeType} {
		if len([]rune(p[name])) > maxFreeText {
			return fail(collectssl.StatusArgumentInvalid, msgInvalid(name))
		}
	}
	if v := p[pResponseMimeType]; v != "" {
		if _, _, err := mime.ParseMediaType(v); err != nil {
			return fail(collectssl.StatusArgumentInvalid, msgInvalid(pResponseMimeType))
		}
		req.ResponseMIMEType = v
	}

	// The order.
	o, bad := s.poll(p)
	if o == nil {
		return fail(collectssl.StatusArgumentInvalid, msgInvalid(bad))
	}
	if c := o.Replay; c != nil {
		a := answer{httpStatus: c.HTTPStatus, contentType: c.ContentType, body: c.Body}
		if a.httpStatus == http.StatusOK {
			a.httpStatus = 0
		}
		if r, err := c.Parse(); err == nil {
			a.status = r.Status
		} else if se := (*collectssl.StatusError)(nil); errors.As(err, &se) {
			a.status = se.Code
		}
		return a
	}
	var status collectssl.StatusCode
	switch o.State {
	case StateIssued:
		status = collectssl.StatusAttached
		if req.QueryType == collectssl.QueryStatus {
			status = collectssl.StatusAvailable
		}
	case StateProcessing:
		status = collectssl.StatusProcessing
	case StateRejected:
		return fail(collectssl.StatusRejected, msgRejected)
	case StateRevoked:
		return fail(collectssl.StatusRevoked, msgRevoked)
	case StateAwaitingPayment:
		return fail(collectssl.StatusAwaitingPayment, msgAwaitingPay)
	default:
		return fail(collectssl.StatusUnknownError, msgUnknownError)
	}
	ct, body, err := wire.Render(req, o.wireState(status, s.certOrder))
	if err != nil {
		return httpError(http.StatusInternalServerError, "collectssltest: rendering: "+err.Error())
	}
	return answer{status: status, contentType: ct, body: body}
}

// poll finds the order the identifiers in p name, counts the call, moves the
// order along IssueAfterPolls, and returns a snapshot of it. When no single
// order is named it returns nil and the identifier at fault.
func (s *Server) poll(p map[string]string) (*Order, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found *Order
	for _, id := range []struct {
		name string
		m    map[string]*Order
	}{{pOrderNumber, s.byNumber}, {pCertificateID, s.byCertID}, {pBaseOrderNumber, s.byBase}} {
		v := p[id.name]
		if v == "" {
			continue
		}
		o := id.m[v]
		if o == nil || (found != nil && o != found) {
			return nil, id.name
		}
		found = o
	}
	if found.State == StateProcessing && found.IssueAfterPolls > 0 && found.Polls >= found.IssueAfterPolls {
		found.State = StateIssued
	}
	found.Polls++
	snap := found.clone()
	return &snap, ""
}

// isDigits reports whether v is 1 to max ASCII digits.
func isDigits(v string, max int) bool {
	if v == "" || len(v) > max {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}
