// This file tests how collect -wait reads the end of a wait: only the wait's
// own context running out (with -timeout) is "not issued yet" (exit 4); a
// timeout of the HTTP client is a transport failure (exit 3) even though
// net/http makes it match context.DeadlineExceeded.

package main

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
)

// httpClientTimeout returns the error of a call whose HTTP client timed out:
// the fake server holds the call until the test ends, so the client's own
// Timeout is what ends it, whatever its value.
func httpClientTimeout(t *testing.T) error {
	t.Helper()
	srv := collectssltest.NewServer()
	t.Cleanup(srv.Close)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv.SetCredentials(collectssl.Credentials{LoginName: testLogin, LoginPassword: testPassword})
	o := srv.AddOrder(collectssltest.Order{})
	srv.FailNext(1, collectssltest.Hold(release))
	hc := srv.HTTPServer().Client()
	hc.Timeout = 100 * time.Millisecond
	c := &collectssl.Client{
		Credentials: collectssl.Credentials{LoginName: testLogin, LoginPassword: testPassword},
		Endpoint:    srv.URL(),
		HTTPClient:  hc,
		Retry:       collectssl.RetryPolicy{MaxAttempts: 1},
	}
	_, err := c.Collect(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber, QueryType: collectssl.QueryCertificateAndChain})
	// The premise of the test: the library's error matches both.
	var te *collectssl.TransportError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("HTTP client timeout: err = %v, want a *collectssl.TransportError matching context.DeadlineExceeded", err)
	}
	return err
}

func TestWaitErr(t *testing.T) {
	live := context.Background()
	longWait, cancelLong := context.WithTimeout(live, time.Hour)
	defer cancelLong()
	expired, cancelExpired := context.WithDeadline(live, time.Unix(0, 0))
	defer cancelExpired()
	interrupted, interrupt := context.WithCancel(live)
	interruptedWait, cancelIW := context.WithTimeout(interrupted, time.Hour)
	defer cancelIW()
	interrupt()

	realTimeout := httpClientTimeout(t)
	// What ResponseHeaderTimeout and friends give: a TransportError around
	// an error that matches context.DeadlineExceeded.
	headerTimeout := &collectssl.TransportError{Err: &url.Error{Op: "Post", URL: "https://127.0.0.1/x", Err: context.DeadlineExceeded}}
	refused := &collectssl.StatusError{Code: collectssl.StatusRejected, Message: "rejected"}

	tests := []struct {
		name      string
		ctx, wctx context.Context
		timeout   time.Duration
		err       error
		code      int
		stderr    string
	}{
		{"issued", live, live, 0, nil, exitOK, ""},
		{"HTTP client timeout, no -timeout", live, live, 0, realTimeout, exitFailure, "collectssl: transport:"},
		{"HTTP client timeout, -timeout not reached", live, longWait, time.Hour, realTimeout, exitFailure, "collectssl: transport:"},
		{"response header timeout, no -timeout", live, live, 0, headerTimeout, exitFailure, "collectssl: transport:"},
		{"response header timeout, -timeout not reached", live, longWait, time.Hour, headerTimeout, exitFailure, "collectssl: transport:"},
		{"-timeout ran out between polls", live, expired, 50 * time.Millisecond, context.DeadlineExceeded, exitNotReady, "collectssl: order 7 still not issued after 50ms; nothing written"},
		{"-timeout ran out during a call", live, expired, 50 * time.Millisecond, headerTimeout, exitNotReady, "still not issued after 50ms"},
		{"refused as -timeout ran out", live, expired, 50 * time.Millisecond, refused, exitRefused, "status -20 (rejected)"},
		{"interrupted with -timeout", interrupted, interruptedWait, time.Hour, context.Canceled, exitInterrupted, "collectssl: interrupted"},
		{"interrupted without -timeout", interrupted, interrupted, 0, context.Canceled, exitInterrupted, "collectssl: interrupted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := exitCode(&stderr, waitErr(tt.ctx, tt.wctx, tt.timeout, "order 7", tt.err))
			if code != tt.code {
				t.Errorf("exit code = %d, want %d; stderr %q", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.stderr)
			}
			if strings.Contains(stderr.String(), testPassword) {
				t.Errorf("the password appears on stderr: %q", stderr.String())
			}
		})
	}
}
