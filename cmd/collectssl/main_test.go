// This file holds the test harness (run the command in-process, check that
// the password never shows) and the tests of usage errors and exit codes.

package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
)

// testPassword is the password of every test account: distinctive, so that
// finding it in any output is a failure.
const testPassword = "Pa55-w0rd+not/for=printing"

const testLogin = "cmdtester"

// outcome is what one run of the command gave.
type outcome struct {
	code           int
	stdout, stderr string
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two
// goroutines (serve).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runCmd runs the command with args, the environment vars (nothing else is
// visible) and stdin, and fails the test if the password shows anywhere.
func runCmd(t *testing.T, vars map[string]string, stdin string, args ...string) outcome {
	t.Helper()
	return runCmdCtx(context.Background(), t, vars, stdin, args...)
}

func runCmdCtx(ctx context.Context, t *testing.T, vars map[string]string, stdin string, args ...string) outcome {
	t.Helper()
	var stdout, stderr syncBuffer
	getenv := func(k string) string { return vars[k] }
	code := run(ctx, args, strings.NewReader(stdin), &stdout, &stderr, getenv)
	o := outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
	checkNoPassword(t, o)
	return o
}

func checkNoPassword(t *testing.T, o outcome) {
	t.Helper()
	for name, s := range map[string]string{"stdout": o.stdout, "stderr": o.stderr} {
		if strings.Contains(s, testPassword) {
			t.Errorf("the password appears on %s:\n%s", name, s)
		}
	}
}

// testEnv is the environment that holds the test account.
func testEnv() map[string]string {
	return map[string]string{envLogin: testLogin, envPassword: testPassword}
}

// testServer starts a fake server for the test account and writes its TLS
// certificate to a file. It returns the server and the flags that point
// collect and status at it.
func testServer(t *testing.T) (*collectssltest.Server, []string) {
	t.Helper()
	srv := collectssltest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetCredentials(collectssl.Credentials{LoginName: testLogin, LoginPassword: testPassword})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.HTTPServer().Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	return srv, []string{"-endpoint", srv.URL(), "-cacert", ca}
}

// closedEndpoint returns an https URL on a loopback port nobody listens on.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "https://" + addr + collectssltest.Path
}

// readPEMFile decodes every certificate of a PEM file.
func readPEMFile(t *testing.T, name string) []*x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		certs = append(certs, c)
	}
	if len(bytes.TrimSpace(data)) != 0 {
		t.Errorf("%s: trailing data %q", name, data)
	}
	return certs
}

func TestUsageErrors(t *testing.T) {
	credFile := writeCredentials(t, "login="+testLogin+"\npassword="+testPassword+"\n", 0o600)
	tests := []struct {
		name    string
		vars    map[string]string
		args    []string
		stderr  string // a part of the one-line message
		wantOut string // a part of stdout, when not ""
		code    int
	}{
		{"no command", nil, nil, "Usage:", "", exitUsage},
		{"top help", nil, []string{"-h"}, "", "The commands:", exitOK},
		{"help command", nil, []string{"help", "collect"}, "", "usage: collectssl collect", exitOK},
		{"unknown command", nil, []string{"fetch"}, `collectssl: unknown command "fetch"`, "", exitUsage},
		{"collect help", nil, []string{"collect", "-h"}, "", "-certificate-id", exitOK},
		{"status help", nil, []string{"status", "-help"}, "", "usage: collectssl status", exitOK},
		{"parse help", nil, []string{"parse", "-h"}, "", "-show-validity", exitOK},
		{"demo help", nil, []string{"demo", "-h"}, "", "usage: collectssl demo", exitOK},
		{"serve help", nil, []string{"serve", "-h"}, "", "-addr", exitOK},
		{"unknown flag", testEnv(), []string{"collect", "-order", "1", "-bogus"}, "collectssl: collect: flag provided but not defined: -bogus", "", exitUsage},
		{"missing id", testEnv(), []string{"collect"}, "collectssl: collect: name the order with -order", "", exitUsage},
		{"status missing id", testEnv(), []string{"status", "-json"}, "collectssl: status: name the order", "", exitUsage},
		{"positional argument", testEnv(), []string{"collect", "-order", "1", "extra"}, `unexpected argument "extra"`, "", exitUsage},
		{"bad type", testEnv(), []string{"collect", "-order", "1", "-type", "jks"}, `invalid value "jks" for flag -type: want one of zip (0), netscape (1), pkcs7 (2), individual (3)`, "", exitUsage},
		{"binary netscape", testEnv(), []string{"collect", "-order", "1", "-type", "netscape", "-binary"}, "collectssl: invalid request: responseEncoding", "", exitUsage},
		{"certificate id not digits", testEnv(), []string{"collect", "-certificate-id", "12a"}, "collectssl: invalid request: certificateID", "", exitUsage},
		{"no credentials", nil, []string{"collect", "-order", "1"}, "collectssl: no credentials: set COLLECTSSL_LOGIN and COLLECTSSL_PASSWORD", "", exitUsage},
		{"no password", map[string]string{envLogin: "x"}, []string{"status", "-order", "1"}, "collectssl: COLLECTSSL_PASSWORD is not set", "", exitUsage},
		{"missing credentials file", nil, []string{"collect", "-order", "1", "-credentials", filepath.Join(t.TempDir(), "nope")}, "no such file", "", exitUsage},
		{"bad interval", testEnv(), []string{"collect", "-order", "1", "-interval", "0s", "-credentials", credFile}, "-interval must be positive", "", exitUsage},
		{"timeout without wait", testEnv(), []string{"collect", "-order", "1", "-timeout", "1m"}, "-timeout needs -wait", "", exitUsage},
		{"parse without file", nil, []string{"parse"}, "collectssl: parse: want 1 argument(s), got 0", "", exitUsage},
		{"parse missing file", nil, []string{"parse", filepath.Join(t.TempDir(), "nope")}, "no such file", "", exitFailure},
		{"serve on a public address", nil, []string{"serve", "-addr", "0.0.0.0:0"}, "only a loopback address", "", exitUsage},
		{"demo positional", nil, []string{"demo", "now"}, `unexpected argument "now"`, "", exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runCmd(t, tt.vars, "", tt.args...)
			if got.code != tt.code {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", got.code, tt.code, got.stderr)
			}
			if !strings.Contains(got.stderr, tt.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", got.stderr, tt.stderr)
			}
			if !strings.Contains(got.stdout, tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", got.stdout, tt.wantOut)
			}
			if tt.code != exitOK && tt.name != "no command" {
				if lines := strings.Count(got.stderr, "\n"); lines != 1 {
					t.Errorf("stderr has %d lines, want 1: %q", lines, got.stderr)
				}
				if !strings.HasPrefix(got.stderr, "collectssl: ") {
					t.Errorf("stderr = %q, want the prefix collectssl:", got.stderr)
				}
			}
		})
	}
}

func TestExitCodesAgainstServer(t *testing.T) {
	srv, flags := testServer(t)
	order := func(o collectssltest.Order) string { return srv.AddOrder(o).OrderNumber }
	rejected := order(collectssltest.Order{State: collectssltest.StateRejected})
	revoked := order(collectssltest.Order{State: collectssltest.StateRevoked})
	unpaid := order(collectssltest.Order{State: collectssltest.StateAwaitingPayment})
	processing := order(collectssltest.Order{State: collectssltest.StateProcessing})
	issued := order(collectssltest.Order{})
	wrongPassword := map[string]string{envLogin: testLogin, envPassword: testPassword + "x"}

	tests := []struct {
		name   string
		vars   map[string]string
		args   []string
		code   int
		stderr string
	}{
		{"rejected", testEnv(), []string{"collect", "-order", rejected}, exitRefused, `collectssl: status -20 (rejected): "The certificate request has been rejected!"`},
		{"revoked", testEnv(), []string{"collect", "-order", revoked}, exitRefused, "status -21 (revoked)"},
		{"awaiting payment", testEnv(), []string{"status", "-order", unpaid}, exitRefused, "status -22 (awaiting payment)"},
		{"unknown order", testEnv(), []string{"collect", "-order", "nope"}, exitRefused, "status -4 (argument invalid)"},
		{"wrong password", wrongPassword, []string{"collect", "-order", issued}, exitRefused, "status -16 (permission denied)"},
		{"processing", testEnv(), []string{"collect", "-order", processing, "-out", t.TempDir()}, exitNotReady, "is still being processed (status 0); nothing written"},
		{"unreachable", testEnv(), []string{"collect", "-order", issued, "-endpoint", closedEndpoint(t)}, exitFailure, "collectssl: transport:"},
		{"status unreachable", testEnv(), []string{"status", "-order", issued, "-endpoint", closedEndpoint(t)}, exitFailure, "collectssl: transport:"},
		{"untrusted server", testEnv(), []string{"collect", "-order", issued, "-endpoint", srv.URL(), "-out", t.TempDir()}, exitFailure, "certificate"},
		{"plain http to a public host", testEnv(), []string{"collect", "-order", issued, "-endpoint", "http://example.com/x"}, exitUsage, "collectssl: invalid endpoint"},
		{"status: ftp endpoint", testEnv(), []string{"status", "-order", issued, "-endpoint", "ftp://127.0.0.1/x"}, exitUsage, "collectssl: invalid endpoint"},
		{"endpoint without a host", testEnv(), []string{"collect", "-order", issued, "-endpoint", "https:///x"}, exitUsage, "collectssl: invalid endpoint: https:///x has no host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if !strings.Contains(strings.Join(args, " "), "-endpoint") {
				args = append(append([]string(nil), args...), flags...)
			}
			got := runCmd(t, tt.vars, "", args...)
			if got.code != tt.code {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", got.code, tt.code, got.stderr)
			}
			if !strings.Contains(got.stderr, tt.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", got.stderr, tt.stderr)
			}
			if lines := strings.Count(got.stderr, "\n"); lines != 1 {
				t.Errorf("stderr has %d lines, want 1: %q", lines, got.stderr)
			}
			if got.stdout != "" {
				t.Errorf("stdout = %q, want nothing", got.stdout)
			}
		})
	}
}
