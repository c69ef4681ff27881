package collectssl

import (
	"errors"
	"fmt"
	"testing"
)

// statusCase is one status code with a message as the server sends it, the
// sentinel its *StatusError must match (nil: none) and the quoted argument.
type statusCase struct {
	code     StatusCode
	message  string
	sentinel error
	argument string
}

// specStatusCases has every negative code of the specification with its
// message, plus codes it does not list.
var specStatusCases = []statusCase{
	{-1, "Request was not made over https!", ErrNotHTTPS, ""},
	{-2, "'responseFormatt' is an unrecognised argument!", ErrUnrecognisedArgument, "responseFormatt"},
	{-3, "The 'orderNumber' argument is missing!", ErrArgumentMissing, "orderNumber"},
	{-4, "The value of the 'queryType' argument is invalid!", ErrArgumentInvalid, "queryType"},
	{-14, "An unknown error occurred!", ErrUnknownError, ""},
	{-16, "Permission denied!", ErrPermissionDenied, ""},
	{-17, "Request used GET rather than POST!", ErrGETNotPOST, ""},
	{-20, "The certificate request has been rejected!", ErrRejected, ""},
	{-21, "The certificate has been revoked!", ErrRevoked, ""},
	{-22, "Still awaiting payment!", ErrAwaitingPayment, ""},
	{-26, "Certificate is being issued", nil, ""},
	{-99, "", nil, ""},
}

func TestStatusErrSentinels(t *testing.T) {
	sentinels := []error{ErrNotHTTPS, ErrUnrecognisedArgument, ErrArgumentMissing, ErrArgumentInvalid, ErrUnknownError,
		ErrPermissionDenied, ErrGETNotPOST, ErrRejected, ErrRevoked, ErrAwaitingPayment}
	tests := append(specStatusCases[:len(specStatusCases):len(specStatusCases)],
		statusCase{-3, "The '' argument is missing!", ErrArgumentMissing, ""},
		statusCase{-3, "unterminated 'quote", ErrArgumentMissing, ""},
	)
	for _, tt := range tests {
		t.Run(fmt.Sprint(int(tt.code)), func(t *testing.T) {
			err := statusErr(tt.code, tt.message)
			var se *StatusError
			if !errors.As(fmt.Errorf("wrapped: %w", err), &se) {
				t.Fatalf("statusErr(%d) = %v, want a *StatusError", tt.code, err)
			}
			if se.Code != tt.code || se.Message != tt.message || se.Argument != tt.argument {
				t.Errorf("got {%d %q %q}, want {%d %q %q}", se.Code, se.Message, se.Argument, tt.code, tt.message, tt.argument)
			}
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tt.sentinel) {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, got, !got)
				}
			}
			if errors.Is(err, ErrMalformedResponse) {
				t.Errorf("a StatusError matches ErrMalformedResponse")
			}
		})
	}
	for _, c := range []StatusCode{0, 1, 2, 3} {
		if err := statusErr(c, "x"); err != nil {
			t.Errorf("statusErr(%d) = %v, want nil", c, err)
		}
	}
}

func TestStatusCodeString(t *testing.T) {
	tests := []struct {
		code  StatusCode
		want  string
		known bool
	}{
		{StatusAttached, "attached", true},
		{StatusAvailable, "available", true},
		{StatusProcessing, "processing", true},
		{StatusRejected, "rejected", true},
		{StatusAwaitingPayment, "awaiting payment", true},
		{-26, "status(-26)", false},
		{7, "status(7)", false},
	}
	for _, tt := range tests {
		if got := tt.code.String(); got != tt.want {
			t.Errorf("StatusCode(%d).String() = %q, want %q", int(tt.code), got, tt.want)
		}
		if got := tt.code.Known(); got != tt.known {
			t.Errorf("StatusCode(%d).Known() = %v, want %v", int(tt.code), got, tt.known)
		}
	}
	if got, want := statusErr(-26, "Being issued").Error(), `collectssl: status -26 (status(-26)): "Being issued"`; got != want {
		t.Errorf("Error() = %s, want %s", got, want)
	}
}

func TestParseErrorMessage(t *testing.T) {
	reason := errors.New("collectssl: status line is not an integer")
	tests := []struct {
		err  *ParseError
		want string
	}{
		{&ParseError{Line: 1, Err: reason}, "collectssl: malformed response at line 1: status line is not an integer"},
		{&ParseError{Field: "zipFile", Err: reason}, `collectssl: malformed response in "zipFile": status line is not an integer`},
		{&ParseError{Line: 3, Field: "certificate data", Err: reason}, "collectssl: malformed response at line 3 (certificate data): status line is not an integer"},
		{&ParseError{Err: ErrTooLarge}, "collectssl: malformed response: input too large"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if !errors.Is(tt.err, ErrMalformedResponse) || !errors.Is(tt.err, tt.err.Err) {
			t.Errorf("%v does not match ErrMalformedResponse and its reason", tt.err)
		}
	}
	if !errors.Is(&ParseError{Err: ErrTooLarge}, ErrTooLarge) {
		t.Error("ParseError{Err: ErrTooLarge} does not match ErrTooLarge")
	}
}
