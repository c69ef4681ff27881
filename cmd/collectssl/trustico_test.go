// This file tests the trustico command: status against the fake Trustico
// server, for humans and as JSON, in LIVE and TEST mode, an order the API
// does not know, and credentials from the environment or a file, never
// printed.

package main

import (
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
