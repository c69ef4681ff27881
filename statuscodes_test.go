// This file tests the status codes and the error model: which sentinel each
// *StatusError matches, the argument a message quotes or errorItem names,
// the names of the codes, and the messages of the error types.

package collectssl_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/collectssl/collectssl"
)

// statusCase is one status code with a message as the server sends it, the
// sentinel its *StatusError must match (nil: none) and the quoted argument.
type statusCase struct {
	code     collectssl.StatusCode
	message  string
	sentinel error
	argument string
}

// specStatusCases has every negative code of the specification with its
// message, plus codes it does not list.
var specStatusCases = []statusCase{
	{-1, "Request was not made over https!", nil, ""},
	{-2, "'responseFormatt' is an unrecognised argument!", nil, "responseFormatt"},
	{-3, "The 'orderNumber' argument is missing!", nil, "orderNumber"},
	{-4, "The value of the 'queryType' argument is invalid!", nil, "queryType"},
	{-14, "An unknown error occurred!", nil, ""},
	{-16, "Permission denied!", collectssl.ErrPermissionDenied, ""},
	{-17, "Request used GET rather than POST!", nil, ""},
	{-20, "The certificate request has been rejected!", collectssl.ErrRejected, ""},
	{-21, "The certificate has been revoked!", collectssl.ErrRevoked, ""},
	{-22, "Still awaiting payment!", collectssl.ErrAwaitingPayment, ""},
	{-26, "Certificate is being issued", nil, ""},
	{-99, "", nil, ""},
}

func TestStatusErrSentinels(t *testing.T) {
	sentinels := []error{collectssl.ErrPermissionDenied, collectssl.ErrRejected, collectssl.ErrRevoked, collectssl.ErrAwaitingPayment,
		collectssl.ErrMalformedResponse, collectssl.ErrTooLarge, collectssl.ErrInvalidRequest}
	tests := append(specStatusCases[:len(specStatusCases):len(specStatusCases)],
		statusCase{-3, "The '' argument is missing!", nil, ""},
		statusCase{-3, "unterminated 'quote", nil, ""},
	)
	for _, tt := range tests {
		t.Run(fmt.Sprint(int(tt.code)), func(t *testing.T) {
			err := collectssl.StatusErr(tt.code, tt.message, "")
			var se *collectssl.StatusError
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
		})
	}
	for _, c := range []collectssl.StatusCode{0, 1, 2, 3} {
		if err := collectssl.StatusErr(c, "x", ""); err != nil {
			t.Errorf("statusErr(%d) = %v, want nil", c, err)
		}
	}
}

// TestStatusErrArgumentHint: the errorItem of a format 1 body names the
// argument when the message quotes none; a quoted name wins.
func TestStatusErrArgumentHint(t *testing.T) {
	tests := []struct{ message, hint, want string }{
		{"Argument missing!", "orderNumber", "orderNumber"},
		{"The 'queryType' argument is invalid!", "orderNumber", "queryType"},
		{"Argument missing!", "", ""},
	}
	for _, tt := range tests {
		var se *collectssl.StatusError
		if err := collectssl.StatusErr(-3, tt.message, tt.hint); !errors.As(err, &se) || se.Argument != tt.want {
			t.Errorf("statusErr(-3, %q, %q) = %#v, want Argument %q", tt.message, tt.hint, err, tt.want)
		}
	}
}

func TestStatusCodeString(t *testing.T) {
	tests := []struct {
		code  collectssl.StatusCode
		want  string
		known bool
	}{
		{collectssl.StatusAttached, "attached", true},
		{collectssl.StatusAvailable, "available", true},
		{collectssl.StatusProcessing, "processing", true},
		{collectssl.StatusRejected, "rejected", true},
		{collectssl.StatusAwaitingPayment, "awaiting payment", true},
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
	if got, want := collectssl.StatusErr(-26, "Being issued", "").Error(), `collectssl: status -26 (status(-26)): "Being issued"`; got != want {
		t.Errorf("Error() = %s, want %s", got, want)
	}
}

func TestParseErrorMessage(t *testing.T) {
	reason := errors.New("status line is not an integer")
	tests := []struct {
		err  *collectssl.ParseError
		want string
	}{
		{&collectssl.ParseError{Line: 1, Err: reason}, "collectssl: malformed response at line 1: status line is not an integer"},
		{&collectssl.ParseError{Field: "zipFile", Err: reason}, `collectssl: malformed response in "zipFile": status line is not an integer`},
		{&collectssl.ParseError{Line: 3, Field: "certificate data", Err: reason}, "collectssl: malformed response at line 3 (certificate data): status line is not an integer"},
		{&collectssl.ParseError{Err: collectssl.ErrTooLarge}, "collectssl: malformed response: input too large"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if !errors.Is(tt.err, collectssl.ErrMalformedResponse) || !errors.Is(tt.err, tt.err.Err) {
			t.Errorf("%v does not match ErrMalformedResponse and its reason", tt.err)
		}
	}
	if !errors.Is(&collectssl.ParseError{Err: collectssl.ErrTooLarge}, collectssl.ErrTooLarge) {
		t.Error("ParseError{Err: ErrTooLarge} does not match ErrTooLarge")
	}
}

// checkStatusError checks that err is a *StatusError with the message
// wantMsg, matching want: a sentinel, or a *StatusError whose Code it must
// have.
func checkStatusError(t *testing.T, err, want error, wantMsg string) {
	t.Helper()
	var se *collectssl.StatusError
	if !errors.As(err, &se) || se.Message != wantMsg {
		t.Fatalf("got %v, want a *StatusError with message %q", err, wantMsg)
	}
	if w, ok := want.(*collectssl.StatusError); ok {
		if se.Code != w.Code {
			t.Errorf("code: got %d, want %d", se.Code, w.Code)
		}
	} else if !errors.Is(err, want) {
		t.Errorf("errors.Is(%v, %v) = false", err, want)
	}
}
