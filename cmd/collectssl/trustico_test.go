// This file tests the trustico command: status against the fake Trustico
// server, for humans and as JSON, in LIVE and TEST mode, an order the API
// does not know, and credentials from the environment or a file, never
// printed.

package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/collectssl/collectssl/trustico"
	"github.com/collectssl/collectssl/trusticotest"
)

// trusticoSetup starts the fake and returns it with the flags that point the
// command at it.
func trusticoSetup(t *testing.T) (*trusticotest.Server, []string) {
	t.Helper()
	s := trusticotest.NewServer()
	t.Cleanup(s.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return s, []string{"-endpoint", s.URL(), "-token-url", s.TokenURL(), "-cacert", ca}
}

func trusticoEnv() map[string]string {
	return map[string]string{"TRUSTICO_CLIENT_ID": trusticotest.DefaultClientID, "TRUSTICO_CLIENT_SECRET": trusticotest.DefaultClientSecret}
}

func checkNoTrusticoSecret(t *testing.T, o outcome) {
	t.Helper()
	if strings.Contains(o.stdout+o.stderr, trusticotest.DefaultClientSecret) || strings.Contains(o.stdout+o.stderr, "tok-") {
		t.Errorf("a secret or a token is printed:\n%s\n%s", o.stdout, o.stderr)
	}
}

func TestTrusticoStatus(t *testing.T) {
	s, flags := trusticoSetup(t)
	o := s.AddOrder(trusticotest.Order{})
	ref := strconv.Itoa(o.Reference)

	out := runCmd(t, trusticoEnv(), "", append([]string{"trustico", "status", "-order", ref, "-json"}, flags...)...)
	checkNoTrusticoSecret(t, out)
	if out.code != exitOK {
		t.Fatalf("exit %d: %s", out.code, out.stderr)
	}
	var v trusticoStatusView
	if err := json.Unmarshal([]byte(out.stdout), &v); err != nil {
		t.Fatal(err)
	}
	if v.Order != o.Reference || v.Status != "Completed" || !v.StatusKnown || !v.Issued || v.TestMode || v.CertificateStatus != "Active" ||
		v.NotAfter == nil || !v.NotAfter.Equal(o.Leaf.NotAfter) {
		t.Errorf("JSON = %+v", v)
	}

	human := runCmd(t, trusticoEnv(), "", append([]string{"trustico", "status", "-order", ref}, flags...)...)
	checkNoTrusticoSecret(t, human)
	if human.code != exitOK || !strings.Contains(human.stdout, "status:             Completed") || !strings.Contains(human.stdout, "certificate issued: yes") {
		t.Errorf("exit %d:\n%s%s", human.code, human.stdout, human.stderr)
	}

	s.SetTestMode(true)
	test := runCmd(t, trusticoEnv(), "", append([]string{"trustico", "status", "-order", ref, "-json"}, flags...)...)
	v = trusticoStatusView{}
	if err := json.Unmarshal([]byte(test.stdout), &v); err != nil || v.Status != string(trustico.StatusUnpaid) || !v.TestMode {
		t.Errorf("TEST mode: %+v, %v (%s)", v, err, test.stderr)
	}
	s.SetTestMode(false)

	// An order the API does not know: exit 1, the code in the JSON.
	unknown := runCmd(t, trusticoEnv(), "", append([]string{"trustico", "status", "-order", "12", "-json"}, flags...)...)
	v = trusticoStatusView{}
	if unknown.code != exitRefused || json.Unmarshal([]byte(unknown.stdout), &v) != nil || v.Error == nil || v.Error.Code != 1003 {
		t.Errorf("unknown order: exit %d, %+v, stderr %s", unknown.code, v, unknown.stderr)
	}
	if !strings.Contains(unknown.stderr, "error 1003") {
		t.Errorf("stderr %q does not name the code", unknown.stderr)
	}
}

func TestTrusticoCredentials(t *testing.T) {
	s, flags := trusticoSetup(t)
	ref := strconv.Itoa(s.AddOrder(trusticotest.Order{}).Reference)
	args := append([]string{"trustico", "status", "-order", ref}, flags...)

	if o := runCmd(t, map[string]string{}, "", args...); o.code != exitUsage || !strings.Contains(o.stderr, "TRUSTICO_CLIENT_ID") {
		t.Errorf("no credentials: exit %d, %s", o.code, o.stderr)
	}
	file := filepath.Join(t.TempDir(), "trustico.conf")
	os.WriteFile(file, []byte("# the reseller's API credentials\nclient_id="+trusticotest.DefaultClientID+"\nclient_secret="+trusticotest.DefaultClientSecret+"\n"), 0o600)
	o := runCmd(t, map[string]string{}, "", append(args, "-credentials", file)...)
	checkNoTrusticoSecret(t, o)
	if o.code != exitOK {
		t.Errorf("credentials file: exit %d, %s", o.code, o.stderr)
	}
	bad := trusticoEnv()
	bad["TRUSTICO_CLIENT_SECRET"] = "wrong-secret-value"
	o = runCmd(t, bad, "", args...)
	if o.code != exitFailure || strings.Contains(o.stderr, "wrong-secret-value") || !strings.Contains(o.stderr, "token") {
		t.Errorf("a wrong secret: exit %d, %s", o.code, o.stderr)
	}
	for _, a := range [][]string{
		{"trustico", "status"},
		{"trustico", "status", "-order", "x"},
		{"trustico", "nosuch"},
		{"trustico"},
	} {
		if o := runCmd(t, trusticoEnv(), "", a...); o.code != exitUsage {
			t.Errorf("%v: exit %d, want 2", a, o.code)
		}
	}
	if o := runCmd(t, trusticoEnv(), "", append(args, "-endpoint", "http://example.test")...); o.code != exitUsage {
		t.Errorf("plain http endpoint: exit %d, want 2 (%s)", o.code, o.stderr)
	}
}

func TestTrusticoCollectToFiles(t *testing.T) {
	s, flags := trusticoSetup(t)
	for _, tc := range []struct {
		name string
		enc  trusticotest.Encoding
	}{{"pem", trusticotest.PEM}, {"base64", trusticotest.Base64}, {"pkcs7", trusticotest.PKCS7}} {
		t.Run(tc.name, func(t *testing.T) {
			o := s.AddOrder(trusticotest.Order{Encoding: tc.enc, Domains: []string{tc.name + ".example.test"}})
			dir := filepath.Join(t.TempDir(), "live")
			args := append([]string{"trustico", "collect", "-order", strconv.Itoa(o.Reference), "-out", dir}, flags...)
			got := runCmd(t, trusticoEnv(), "", args...)
			checkNoTrusticoSecret(t, got)
			if got.code != exitOK {
				t.Fatalf("exit %d: %s", got.code, got.stderr)
			}
			// The CAs are sent leaf's issuer first; the last is the root.
			inter := o.CAs[:len(o.CAs)-1]
			want := map[string][]byte{
				"cert.pem":      pemCerts(o.Leaf),
				"chain.pem":     pemCerts(inter...),
				"fullchain.pem": append(pemCerts(o.Leaf), pemCerts(inter...)...),
				"root.pem":      pemCerts(o.CAs[len(o.CAs)-1]),
			}
			for name, w := range want {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil || string(b) != string(w) {
					t.Errorf("%s: %v, or not the order's certificates", name, err)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "chain.p7b")); err != nil {
				t.Error(err)
			}
			if again := runCmd(t, trusticoEnv(), "", args...); again.code != exitSame {
				t.Errorf("the same certificate again: exit %d, want %d", again.code, exitSame)
			}
		})
	}

	// Not issued yet: exit 4, nothing written; once issued, collected.
	o := s.AddOrder(trusticotest.Order{Status: trustico.StatusProcessing})
	dir := filepath.Join(t.TempDir(), "live")
	args := append([]string{"trustico", "collect", "-order", strconv.Itoa(o.Reference), "-out", dir}, flags...)
	if got := runCmd(t, trusticoEnv(), "", args...); got.code != exitNotReady {
		t.Errorf("an order in processing: exit %d, want %d (%s)", got.code, exitNotReady, got.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "cert.pem")); err == nil {
		t.Error("cert.pem written for an order not issued")
	}
	s.Fail("GetOrderDetails", trusticotest.Fault{Code: 1010})
	if got := runCmd(t, trusticoEnv(), "", args...); got.code != exitNotReady {
		t.Errorf("error 1010: exit %d, want %d", got.code, exitNotReady)
	}
	s.SetOrderStatus(o.Reference, trustico.StatusCompleted)
	if got := runCmd(t, trusticoEnv(), "", append(args, "-json")...); got.code != exitOK || !strings.HasPrefix(strings.TrimSpace(got.stdout), "{") {
		t.Errorf("once completed: exit %d, %s %s", got.code, got.stdout, got.stderr)
	}
}

func pemCerts(certs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

func TestDemoTrusticoStep(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr syncBuffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	if err := demoTrustico(context.Background(), e, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "trustico", "fullchain.pem"))
	if err != nil || !strings.Contains(string(b), "BEGIN CERTIFICATE") {
		t.Fatalf("fullchain.pem: %v", err)
	}
	if !strings.Contains(stdout.String(), "reseller.example.test") || !strings.Contains(stdout.String(), "== Trustico order") {
		t.Errorf("demo output:\n%s", stdout.String())
	}
}
