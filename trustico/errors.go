// This file holds the error model, every error type and sentinel of the
// package: Error (a well-formed answer that says no, SuccessCode 0) with one
// sentinel per documented error code; ResponseError (an answer that cannot be
// read); HTTPError (a failure below the API: the network, the token endpoint,
// an HTTP status other than 200).
//
// Every message starts with "trustico: " exactly once.

package trustico

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

const errPrefix = "trustico: "

// Sentinels matched by an *Error whose Code is the documented code, through
// errors.Is. The texts are the vendor overview's (error code table).
var (
	ErrInvalidValue            = errors.New("trustico: 1001: wrong value in field or validation fails")
	ErrExecution               = errors.New("trustico: 1002: error occurred during function execution")
	ErrNotFound                = errors.New("trustico: 1003: not found")
	ErrAPIDisabled             = errors.New("trustico: 1004: API is disabled for reseller account")
	ErrRequestLimit            = errors.New("trustico: 1005: user request limit reached")
	ErrNotAllowedInTestMode    = errors.New("trustico: 1006: method is not allowed in TEST mode")
	ErrGETNotSupported         = errors.New("trustico: 1007: API does not support GET method")
	ErrCertificateNotGenerated = errors.New("trustico: 1008: certificate not generated")
	ErrCertificateNotFound     = errors.New("trustico: 1009: certificate not found")
	ErrOrderNotProcessed       = errors.New("trustico: 1010: order not processed yet")
	ErrFileValidationRequired  = errors.New("trustico: 1011: validation method must be file based")
	ErrDNSValidationRequired   = errors.New("trustico: 1012: validation method must be DNS based")
	ErrCouponNotApplicable     = errors.New("trustico: 1016: coupon code not applicable")
)

// Sentinels for the other kinds of failure.
var (
	// ErrMalformedResponse is matched by every *ResponseError: the body is
	// not a JSON answer of the API's envelope.
	ErrMalformedResponse = errors.New("trustico: malformed response")

	// ErrTooLarge is matched when a response body exceeds the Client's
	// MaxResponseBytes (see the package documentation's Limits).
	ErrTooLarge = errors.New("trustico: response too large")

	// ErrInvalidEndpoint: Endpoint or TokenURL is not a usable URL, or not
	// https while its host is not a loopback address.
	ErrInvalidEndpoint = errors.New("trustico: invalid endpoint")

	// ErrInvalidRequest: the call was refused before anything was sent (an
	// invalid method name, a request that does not encode as a JSON
	// object, a field given twice, missing client credentials).
	ErrInvalidRequest = errors.New("trustico: invalid request")

	// ErrHTTPStatus is matched by an *HTTPError for an HTTP status other
	// than 200.
	ErrHTTPStatus = errors.New("trustico: unexpected HTTP status")
)

// Error is a well-formed answer that says no: SuccessCode 0 and the error
// strings of the answer (under whichever spelling of the key the server used:
// Errormsg, ErrorMsg or ErrorMSG). Where the numeric code travels is not
// documented (ASSUMPTION, see the package documentation): Code is the first
// documented code (1001 to 1012, 1016) that one of the Messages carries as a
// four-digit number of its own, and 0 when none does. errors.Is matches the
// sentinel of Code (ErrNotFound for 1003, and so on).
type Error struct {
	Method   string   // the API method called, e.g. "GetOrderDetails"
	Code     int      // a documented error code found in Messages, or 0
	Messages []string // the server's error strings, in order; secrets scrubbed
	TestMode bool     // the answer carried the TEST-mode marker
}

// maxMessageInError bounds how much of the server's messages an error string
// (and so a log line) quotes.
const maxMessageInError = 256

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(errPrefix)
	b.WriteString(e.Method)
	b.WriteString(": ")
	if e.Code != 0 {
		b.WriteString("error ")
		b.WriteString(strconv.Itoa(e.Code))
	} else {
		b.WriteString("error")
	}
	if len(e.Messages) > 0 {
		b.WriteString(": ")
		b.WriteString(quoteCapped(strings.Join(e.Messages, "; "), maxMessageInError))
	}
	return b.String()
}

// Is reports whether target is the sentinel of e.Code.
func (e *Error) Is(target error) bool {
	s := sentinel(e.Code)
	return s != nil && s == target
}

// ResponseError is an answer that is not the API's JSON envelope: not JSON,
// not an object, no SuccessCode, or a field of the wrong type. It matches
// ErrMalformedResponse. Its message never quotes the body.
type ResponseError struct {
	Method string
	Err    error // why; never nil
}

func (e *ResponseError) Error() string {
	return errPrefix + e.Method + ": malformed response: " + strings.TrimPrefix(e.Err.Error(), errPrefix)
}

func (e *ResponseError) Unwrap() error { return e.Err }

// Is makes every *ResponseError match ErrMalformedResponse.
func (e *ResponseError) Is(target error) bool { return target == ErrMalformedResponse }

// HTTPError is a failure below the API: the call or the token request did not
// reach the server, the server answered with an HTTP status other than 200
// (StatusCode, Err matching ErrHTTPStatus), or the body could not be read. It
// is distinct from Error (the API said no) and ResponseError (the API's
// answer could not be read). It never holds the client secret or a token,
// nor the body of the answer.
type HTTPError struct {
	// Op is the API method, or "token" for the token request.
	Op string
	// StatusCode is the HTTP status, 0 if no response arrived.
	StatusCode int
	Err        error
}

func (e *HTTPError) Error() string {
	return errPrefix + e.Op + ": " + strings.TrimPrefix(e.Err.Error(), errPrefix)
}

func (e *HTTPError) Unwrap() error { return e.Err }

// statusError is the reason of an HTTPError for an unexpected HTTP status:
// our text, not the server's.
func statusError(code int) error {
	return fmt.Errorf("%w %d %s", ErrHTTPStatus, code, httpStatusText(code))
}

// quoteCapped quotes s, or, when it is longer than max bytes, its first max
// bytes (whole characters) and how long it was.
func quoteCapped(s string, max int) string {
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("... (%d bytes in all)", len(s))
}

// scrubbedError is an error whose message was scrubbed of a secret. It
// matches the sentinels the original matches through errors.Is, but neither
// unwraps to it nor lets errors.As reach it: the original's message (and
// perhaps its fields) still hold the secret.
type scrubbedError struct {
	msg  string
	orig error
}

func (e *scrubbedError) Error() string        { return e.msg }
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.orig, target) }
