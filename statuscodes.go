// This file holds the error model: StatusCode and the one function that turns a
// negative status code into an error (statusErr), StatusError for a well-formed
// answer that says "no", ParseError for a body that is not a valid answer, and
// the sentinels callers match with errors.Is.

package collectssl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// StatusCode is the status code CollectSSL returns on the first line of a
// responseFormat=0 body or in the errorCode field of a responseFormat=1 body.
//
// Codes not listed below (real clients report -26 from this family of APIs) are
// valid status codes, not parse errors: they print as status(N) and become a
// *StatusError like any other negative code.
type StatusCode int

// The status codes of the v1.18 specification, section 2.1.
const (
	StatusAttached             StatusCode = 2   // certificates attached
	StatusAvailable            StatusCode = 1   // certificates available, not attached (e.g. queryType=0)
	StatusProcessing           StatusCode = 0   // being processed by Sectigo
	StatusNotHTTPS             StatusCode = -1  // request was not made over https
	StatusUnrecognisedArgument StatusCode = -2  // unrecognised argument
	StatusArgumentMissing      StatusCode = -3  // the 'xxxx' argument is missing
	StatusArgumentInvalid      StatusCode = -4  // the value of the 'xxxx' argument is invalid
	StatusUnknownError         StatusCode = -14 // an unknown error occurred
	StatusPermissionDenied     StatusCode = -16 // permission denied
	StatusGETNotPOST           StatusCode = -17 // request used GET rather than POST
	StatusRejected             StatusCode = -20 // the certificate request has been rejected
	StatusRevoked              StatusCode = -21 // the certificate has been revoked
	StatusAwaitingPayment      StatusCode = -22 // still awaiting payment
)

// statusInfo is what the package knows about one status code: its name and,
// for negative codes, the sentinel a *StatusError of that code matches.
type statusInfo struct {
	name     string
	sentinel error
}

// Sentinels matched by a *StatusError of the corresponding code, through errors.Is.
var (
	ErrNotHTTPS             = errors.New("collectssl: request was not made over https")
	ErrUnrecognisedArgument = errors.New("collectssl: unrecognised argument")
	ErrArgumentMissing      = errors.New("collectssl: argument missing")
	ErrArgumentInvalid      = errors.New("collectssl: argument invalid")
	ErrUnknownError         = errors.New("collectssl: unknown error at the server")
	ErrPermissionDenied     = errors.New("collectssl: permission denied")
	ErrGETNotPOST           = errors.New("collectssl: request used GET rather than POST")
	ErrRejected             = errors.New("collectssl: certificate request rejected")
	ErrRevoked              = errors.New("collectssl: certificate revoked")
	ErrAwaitingPayment      = errors.New("collectssl: still awaiting payment")
)

// Sentinels for the other kinds of failure.
var (
	// ErrMalformedResponse is matched by every *ParseError: the body is not a
	// valid CollectSSL response.
	ErrMalformedResponse = errors.New("collectssl: malformed response")

	// ErrTooLarge is matched when an input exceeds one of the limits listed in
	// the package documentation.
	ErrTooLarge = errors.New("collectssl: input too large")

	// ErrInvalidRequest is matched by every error Request.Validate returns; such
	// a request is never sent.
	ErrInvalidRequest = errors.New("collectssl: invalid request")
)

var statusTable = map[StatusCode]statusInfo{
	StatusAttached:             {"attached", nil},
	StatusAvailable:            {"available", nil},
	StatusProcessing:           {"processing", nil},
	StatusNotHTTPS:             {"not https", ErrNotHTTPS},
	StatusUnrecognisedArgument: {"unrecognised argument", ErrUnrecognisedArgument},
	StatusArgumentMissing:      {"argument missing", ErrArgumentMissing},
	StatusArgumentInvalid:      {"argument invalid", ErrArgumentInvalid},
	StatusUnknownError:         {"unknown error", ErrUnknownError},
	StatusPermissionDenied:     {"permission denied", ErrPermissionDenied},
	StatusGETNotPOST:           {"GET not POST", ErrGETNotPOST},
	StatusRejected:             {"rejected", ErrRejected},
	StatusRevoked:              {"revoked", ErrRevoked},
	StatusAwaitingPayment:      {"awaiting payment", ErrAwaitingPayment},
}

// String returns a short name for the code, or "status(N)" for a code the
// specification does not list. It never fails.
func (c StatusCode) String() string {
	if info, ok := statusTable[c]; ok {
		return info.name
	}
	return "status(" + strconv.Itoa(int(c)) + ")"
}

// Known reports whether the code is one the v1.18 specification lists.
func (c StatusCode) Known() bool {
	_, ok := statusTable[c]
	return ok
}

// StatusError is a well-formed CollectSSL answer whose status code is negative:
// the server understood the request and said no. Compare ParseError, which
// means the answer itself could not be read.
type StatusError struct {
	Code    StatusCode
	Message string // the server's message, e.g. "The 'orderNumber' argument is missing!"
	// Argument is the parameter name quoted in the message ("orderNumber" in
	// the example above), or "" when the message quotes none.
	Argument string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("collectssl: status %d (%s)", int(e.Code), e.Code)
	if e.Message != "" {
		s += ": " + strconv.Quote(e.Message)
	}
	return s
}

// Is reports whether target is the sentinel for e.Code (ErrRejected for -20,
// and so on), so that errors.Is(err, ErrRejected) works through wrapping.
func (e *StatusError) Is(target error) bool {
	info, ok := statusTable[e.Code]
	return ok && info.sentinel != nil && target == info.sentinel
}

// statusErr is the one place where status codes become errors: nil for a
// status >= 0, a *StatusError otherwise.
func statusErr(code StatusCode, message string) error {
	if code >= 0 {
		return nil
	}
	return &StatusError{Code: code, Message: message, Argument: quotedArgument(message)}
}

// quotedArgument returns the first single-quoted name in msg, as in
// "The 'orderNumber' argument is missing!" or "'responseFormat' is an
// unrecognised argument!", or "" when there is none.
func quotedArgument(msg string) string {
	start := strings.IndexByte(msg, '\'')
	if start < 0 {
		return ""
	}
	end := strings.IndexByte(msg[start+1:], '\'')
	if end <= 0 {
		return ""
	}
	return msg[start+1 : start+1+end]
}

// ParseError reports a body that is not a valid CollectSSL response: where it
// failed (a 1-based line of a responseFormat=0 body, or a field name of a
// responseFormat=1 body) and why (Err). Every *ParseError matches
// ErrMalformedResponse; Err may also match ErrTooLarge or a container error.
type ParseError struct {
	Line  int    // 1-based line number in a responseFormat=0 body; 0 if not applicable
	Field string // field name in a responseFormat=1 body, or the part of the body; "" if not applicable
	Err   error  // why; never nil
}

func (e *ParseError) Error() string {
	var where string
	switch {
	case e.Line > 0 && e.Field != "":
		where = fmt.Sprintf(" at line %d (%s)", e.Line, e.Field)
	case e.Line > 0:
		where = fmt.Sprintf(" at line %d", e.Line)
	case e.Field != "":
		where = " in " + strconv.Quote(e.Field)
	}
	return "collectssl: malformed response" + where + ": " + strings.TrimPrefix(e.Err.Error(), "collectssl: ")
}

func (e *ParseError) Unwrap() error { return e.Err }

// Is makes every *ParseError match ErrMalformedResponse.
func (e *ParseError) Is(target error) bool { return target == ErrMalformedResponse }
