// This file holds the error model, every error type and sentinel of the
// package: StatusError (a well-formed answer that says no) and statusErr, the
// one place where status codes become errors; ParseError (an answer that
// cannot be read); RequestError; TransportError; ContainerError; BundleError.
//
// Every message starts with "collectssl: " exactly once. Sentinels carry the
// prefix, since callers may print them on their own; reasons internal to the
// package carry none; each error type adds it and renders the error it wraps
// through reason, which drops the prefix of a nested error of this package.

package collectssl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const errPrefix = "collectssl: "

// reason is err's message without the package prefix, for an error type that
// wraps err and adds the prefix itself.
func reason(err error) string { return strings.TrimPrefix(err.Error(), errPrefix) }

// within says where err happened, in front of its reason: its message is the
// place, ": ", and reason(err); it unwraps to err.
func within(err error, format string, args ...any) error {
	return &placedError{where: fmt.Sprintf(format, args...), err: err}
}

type placedError struct {
	where string
	err   error
}

func (e *placedError) Error() string { return e.where + ": " + reason(e.err) }
func (e *placedError) Unwrap() error { return e.err }

// Reasons both response parsers give, wrapped in a *ParseError.
var (
	errStatusNotInteger      = errors.New("status code is not an integer")
	errTruncatedCertificates = errors.New("certificate data ends before its container or PEM block does")
)

// Sentinels matched by a *StatusError of the corresponding code, through
// errors.Is: the four answers that say something about the order rather
// than about the request. For any other code, read StatusError.Code.
var (
	ErrPermissionDenied = errors.New("collectssl: permission denied")
	ErrRejected         = errors.New("collectssl: certificate request rejected")
	ErrRevoked          = errors.New("collectssl: certificate revoked")
	ErrAwaitingPayment  = errors.New("collectssl: still awaiting payment")
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

	// ErrInvalidEndpoint: the endpoint is not a usable URL, or not https
	// while its host is not a loopback address.
	ErrInvalidEndpoint = errors.New("collectssl: invalid endpoint")

	// ErrAccountLock: the Client's Locker could not hold the account (its
	// database is unreachable, say), so nothing was sent. The error wraps
	// the Locker's own error too.
	ErrAccountLock = errors.New("collectssl: account lock failed")
)

// Reasons of a *TransportError, matched with errors.Is.
var (
	// ErrHTTPStatus: the server answered with an HTTP status other than 200.
	ErrHTTPStatus = errors.New("collectssl: unexpected HTTP status")
	// ErrEmptyBody: the server answered 200 with no body.
	ErrEmptyBody = errors.New("collectssl: empty response body")
	// ErrTruncatedBody: the connection ended before the body was complete.
	ErrTruncatedBody = errors.New("collectssl: response body cut short")
	// ErrNotCollectSSL: the body is an HTML page (a proxy's or a portal's),
	// not a CollectSSL answer.
	ErrNotCollectSSL = errors.New("collectssl: response is an HTML page, not a CollectSSL answer")
)

// Reasons a certificate container could not be decoded, matched with
// errors.Is against the error DecodeCertificates returns.
var (
	// ErrMalformedContainer is matched by every *ContainerError: the data is
	// not a valid certificate container.
	ErrMalformedContainer = errors.New("collectssl: malformed certificate container")

	// ErrNoCertificates means the container is valid but holds no
	// certificate (an empty PKCS#7, a PEM file with only a private key, a
	// ZIP of readme files).
	ErrNoCertificates = errors.New("collectssl: no certificate in container")

	// ErrTrailingData means bytes follow a complete DER, BER or ZIP
	// structure.
	ErrTrailingData = errors.New("collectssl: trailing data after container")

	// ErrUnknownFormat means the data is none of the containers this
	// package reads.
	ErrUnknownFormat = errors.New("collectssl: unknown container format")
)

// Reasons of a *BundleError, matched with errors.Is.
var (
	// ErrNoLeaf means no delivered certificate is an end-entity certificate:
	// each is a CA or issued another one in the set.
	ErrNoLeaf = errors.New("collectssl: no end-entity certificate")

	// ErrSeveralLeaves means more than one delivered certificate could be
	// the end-entity certificate.
	ErrSeveralLeaves = errors.New("collectssl: several end-entity certificates")
)

// StatusError is a well-formed CollectSSL answer whose status code is negative:
// the server understood the request and said no. Compare ParseError, which
// means the answer itself could not be read.
type StatusError struct {
	Code    StatusCode
	Message string // the server's message, e.g. "The 'orderNumber' argument is missing!"
	// Argument is the parameter name quoted in the message ("orderNumber" in
	// the example above), or the errorItem a responseFormat=1 body names when
	// the message quotes none, or "".
	Argument string
}

// maxMessageInError bounds how much of a server's message an error string
// (and so a log line) quotes: a real message is one short sentence, and a
// hostile server could send megabytes.
const maxMessageInError = 256

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%sstatus %d (%s)", errPrefix, int(e.Code), e.Code)
	if e.Message != "" {
		s += ": " + quoteCapped(e.Message, maxMessageInError)
	}
	return s
}

// quoteCapped quotes s, or, when it is longer than limit bytes, its first
// limit bytes (whole characters) and how long it was.
func quoteCapped(s string, limit int) string {
	if len(s) <= limit {
		return strconv.Quote(s)
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("... (%d bytes in all)", len(s))
}

// Is reports whether target is the sentinel for e.Code (ErrRejected for -20,
// ErrRevoked for -21, ErrAwaitingPayment for -22, ErrPermissionDenied for
// -16), so that errors.Is(err, ErrRejected) works through wrapping.
func (e *StatusError) Is(target error) bool {
	switch e.Code {
	case StatusPermissionDenied:
		return target == ErrPermissionDenied
	case StatusRejected:
		return target == ErrRejected
	case StatusRevoked:
		return target == ErrRevoked
	case StatusAwaitingPayment:
		return target == ErrAwaitingPayment
	}
	return false
}

// statusErr is the one place where status codes become errors: nil for a
// status >= 0, a *StatusError otherwise. Its Argument is the name the message
// quotes, else argHint (the errorItem of a responseFormat=1 body; "" when
// there is none).
func statusErr(code StatusCode, message, argHint string) error {
	if code >= 0 {
		return nil
	}
	arg := quotedArgument(message)
	if arg == "" {
		arg = argHint
	}
	return &StatusError{Code: code, Message: message, Argument: arg}
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
	return errPrefix + "malformed response" + where + ": " + reason(e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Is makes every *ParseError match ErrMalformedResponse.
func (e *ParseError) Is(target error) bool { return target == ErrMalformedResponse }

// RequestError is one violated rule: which field and why. It matches
// ErrInvalidRequest and never contains the password.
type RequestError struct {
	Field  string // the API parameter name, e.g. "certificateID"
	Reason string
}

func (e *RequestError) Error() string {
	return errPrefix + "invalid request: " + e.Field + ": " + e.Reason
}

// Is makes every *RequestError match ErrInvalidRequest.
func (e *RequestError) Is(target error) bool { return target == ErrInvalidRequest }

// TransportError is a failure below the CollectSSL protocol: the call did not
// reach the server, or the answer was not a CollectSSL body at all (an HTTP
// error, an HTML page, an empty or truncated body). It is distinct from
// StatusError (the API said no) and ParseError (the API's answer could not be
// read), and never contains the password.
//
// A timeout of the HTTP client (not of the caller's context, which gives
// ctx.Err() itself) is a TransportError that net/http makes match
// context.DeadlineExceeded too: to ask whether your own context ended, look at
// ctx.Err().
type TransportError struct {
	StatusCode int // the HTTP status, 0 if no response arrived
	Attempts   int // how many attempts were made
	// RetryAfter is how long the server asked the client to wait (the
	// Retry-After header of the last answer, seconds or an HTTP date), or 0.
	RetryAfter time.Duration
	Err        error
}

func (e *TransportError) Error() string {
	s := errPrefix + "transport: " + reason(e.Err)
	if e.StatusCode != 0 && !errors.Is(e.Err, ErrHTTPStatus) {
		s += " (HTTP " + strconv.Itoa(e.StatusCode) + ")"
	}
	if e.Attempts > 1 {
		s += " after " + strconv.Itoa(e.Attempts) + " attempts"
	}
	return s
}

func (e *TransportError) Unwrap() error { return e.Err }

// ContainerError reports a certificate container that could not be decoded:
// in which format, where, and why. It matches ErrMalformedContainer; Err
// matches one of ErrNoCertificates, ErrTrailingData, ErrUnknownFormat,
// ErrTooLarge, or says what else is wrong. Its message never contains bytes
// of the input.
type ContainerError struct {
	// Format is the container being decoded when the error occurred: "PEM",
	// "base64", "UTF-16", "DER", "BER", "PKCS#7", "Netscape", "ZIP", or ""
	// when the format was not known yet.
	Format string
	// Offset is the byte offset of the problem within the data being
	// decoded at that level (the input, a PEM block's contents, a ZIP
	// entry's contents), or -1 when no offset is meaningful.
	Offset int
	// Err is the reason; never nil.
	Err error
}

func (e *ContainerError) Error() string {
	var sb strings.Builder
	sb.WriteString(errPrefix)
	if e.Format == "" {
		sb.WriteString("certificate container")
	} else {
		sb.WriteString(e.Format)
	}
	if e.Offset >= 0 {
		sb.WriteString(" at offset ")
		sb.WriteString(strconv.Itoa(e.Offset))
	}
	sb.WriteString(": ")
	sb.WriteString(reason(e.Err))
	return sb.String()
}

func (e *ContainerError) Unwrap() error { return e.Err }

// Is makes every *ContainerError match ErrMalformedContainer.
func (e *ContainerError) Is(target error) bool { return target == ErrMalformedContainer }

// BundleError is the error NewBundle returns when the certificates do not
// hold exactly one end-entity certificate. Err matches ErrNoLeaf or
// ErrSeveralLeaves (errors.Is).
type BundleError struct {
	Err error
	// Subjects are the subjects of the candidate end-entity certificates
	// (ErrSeveralLeaves) or of every certificate delivered (ErrNoLeaf), in
	// the order delivered, duplicates removed.
	Subjects []string
}

func (e *BundleError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	for i, s := range e.Subjects {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(s))
	}
	return b.String()
}

func (e *BundleError) Unwrap() error { return e.Err }
