// This file holds StatusCode: the status codes of the specification and
// their names. errors.go turns a negative code into an error.

package collectssl

import (
	"strconv"
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

// statusNames are the short names String gives the codes the specification
// lists.
var statusNames = map[StatusCode]string{
	StatusAttached:             "attached",
	StatusAvailable:            "available",
	StatusProcessing:           "processing",
	StatusNotHTTPS:             "not https",
	StatusUnrecognisedArgument: "unrecognised argument",
	StatusArgumentMissing:      "argument missing",
	StatusArgumentInvalid:      "argument invalid",
	StatusUnknownError:         "unknown error",
	StatusPermissionDenied:     "permission denied",
	StatusGETNotPOST:           "GET not POST",
	StatusRejected:             "rejected",
	StatusRevoked:              "revoked",
	StatusAwaitingPayment:      "awaiting payment",
}

// String returns a short name for the code, or "status(N)" for a code the
// specification does not list. It never fails.
func (c StatusCode) String() string {
	if name, ok := statusNames[c]; ok {
		return name
	}
	return "status(" + strconv.Itoa(int(c)) + ")"
}

// Known reports whether the code is one the v1.18 specification lists.
func (c StatusCode) Known() bool {
	_, ok := statusNames[c]
	return ok
}
