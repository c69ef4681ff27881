// This file tests the collect command against the fake server: every
// container, format and encoding writes the right files with the right
// modes, a different certificate is never replaced without -force, an
// identical one is left alone, -wait polls, and credentials come from a file.

package main

import (
	"crypto/x509"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/collectssl/collectssl/collectssltest"
	"github.com/google/go-cmp/cmp"
	"go.mozilla.org/pkcs7"
)

// wantBundle is what the files of an order must hold. For the chains the
// fake server issues (none with an expired member), CollectSSL serves the
// root first and the leaf's issuer last, so the intermediates are the CA
// certificates after the root, reversed.
func wantBundle(o collectssltest.Order) (intermediates []*x509.Certificate, root *x509.Certificate) {
	cas := o.CACertificates
	for i := len(cas) - 1; i >= 1; i-- {
		intermediates = append(intermediates, cas[i])
	}
	return intermediates, cas[0]
}

func sameCerts(t *testing.T, what string, got, want []*x509.Certificate) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d certificates, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if !got[i].Equal(want[i]) {
			t.Errorf("%s[%d] = %s, want %s", what, i, got[i].Subject, want[i].Subject)
		}
	}
}

// checkFiles checks the bundle files in dir against the order, and their
// modes.
func checkFiles(t *testing.T, dir string, o collectssltest.Order) {
	t.Helper()
	inter, root := wantBundle(o)
	sameCerts(t, "cert.pem", readPEMFile(t, filepath.Join(dir, "cert.pem")), []*x509.Certificate{o.Leaf})
	sameCerts(t, "fullchain.pem", readPEMFile(t, filepath.Join(dir, "fullchain.pem")), append([]*x509.Certificate{o.Leaf}, inter...))
	sameCerts(t, "root.pem", readPEMFile(t, filepath.Join(dir, "root.pem")), []*x509.Certificate{root})
	if len(inter) > 0 {
		sameCerts(t, "chain.pem", readPEMFile(t, filepath.Join(dir, "chain.pem")), inter)
	} else if _, err := os.Stat(filepath.Join(dir, "chain.pem")); err == nil {
		t.Errorf("chain.pem written for a chain without intermediates")
	}
	der, err := os.ReadFile(filepath.Join(dir, "chain.p7b"))
	if err != nil {
		t.Fatal(err)
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		t.Fatalf("chain.p7b: %v", err)
	}
	sameCerts(t, "chain.p7b", p7.Certificates, append([]*x509.Certificate{o.Leaf}, inter...))

	// The version's files are regular, mode 0644; the stable names are
	// links through current; no temporary entry is left anywhere.
	// dir is a lineage, or one of its version directories.
	_, err = os.Lstat(filepath.Join(dir, "current"))
	lineage := err == nil
	files := dir
	if lineage {
		files = filepath.Join(dir, "current")
	}
	entries, err := os.ReadDir(files)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode(); got != 0o644 && e.Name() != "privkey.pem" && e.Name() != "combined.pem" && e.Name() != "cert.p12" {
			t.Errorf("%s: mode %v, want -rw-r--r--", e.Name(), got)
		}
	}
	for _, n := range []string{"cert.pem", "fullchain.pem", "chain.p7b"} {
		if !lineage {
			break
		}
		if target, err := os.Readlink(filepath.Join(dir, n)); err != nil || target != "current/"+n {
			t.Errorf("%s: link to %q (%v), want current/%s", n, target, err, n)
		}
	}
	noTemporary(t, dir)
}

// noTemporary fails if a temporary entry is left under dir.
func noTemporary(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err == nil && strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary entry %s left behind", path)
		}
		return nil
	})
}

func TestCollectWritesFiles(t *testing.T) {
	srv, flags := testServer(t)
	tests := []struct {
		name  string
		order collectssltest.Order
		args  []string
	}{
		{"individual lines", collectssltest.Order{Shape: collectssltest.ShapeTestMode}, []string{"-type", "individual"}},
		{"individual urlencoded", collectssltest.Order{Shape: collectssltest.Shape2025}, []string{"-type", "individual", "-format", "urlencoded"}},
		{"zip lines", collectssltest.Order{Shape: collectssltest.ShapePre2025}, []string{"-type", "zip"}},
		{"zip urlencoded", collectssltest.Order{Shape: collectssltest.Shape2025, KeyType: collectssltest.KeyRSA}, []string{"-type", "zip", "-format", "urlencoded"}},
		{"zip binary", collectssltest.Order{Shape: collectssltest.ShapePre2025, KeyType: collectssltest.KeyRSA}, []string{"-type", "0", "-binary"}},
		{"netscape lines", collectssltest.Order{Shape: collectssltest.Shape2025}, []string{"-type", "netscape"}},
		{"netscape urlencoded", collectssltest.Order{Shape: collectssltest.ShapeTestMode, KeyType: collectssltest.KeyRSA}, []string{"-type", "1", "-format", "1"}},
		{"pkcs7 lines", collectssltest.Order{Shape: collectssltest.ShapePre2025}, []string{"-type", "pkcs7"}},
		{"pkcs7 urlencoded", collectssltest.Order{Shape: collectssltest.Shape2025}, []string{"-type", "pkcs7", "-format", "urlencoded"}},
		{"pkcs7 binary", collectssltest.Order{Shape: collectssltest.Shape2025, KeyType: collectssltest.KeyRSA}, []string{"-type", "pkcs7", "-binary"}},
		{"by certificate id", collectssltest.Order{}, nil},
		{"by base order", collectssltest.Order{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := srv.AddOrder(tt.order)
			dir := filepath.Join(t.TempDir(), "new", "certs")
			id := []string{"-order", o.OrderNumber}
			switch tt.name {
			case "by certificate id":
				id = []string{"-certificate-id", o.CertificateID}
			case "by base order":
				id = []string{"-base-order", o.BaseOrderNumber}
			}
			args := append(append(append([]string{"collect", "-out", dir}, id...), tt.args...), flags...)
			got := runCmd(t, testEnv(), "", args...)
			if got.code != exitOK {
				t.Fatalf("exit code = %d, want 0; stderr:\n%s", got.code, got.stderr)
			}
			checkFiles(t, dir, o)
			fi, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o755 {
				t.Errorf("directory mode %v, want 0755", fi.Mode().Perm())
			}
			for _, want := range []string{"Subject:    " + o.Leaf.Subject.String(), "Live set in " + dir + " created: " + dir + "/versions/0001 is live"} {
				if !strings.Contains(got.stdout, want) {
					t.Errorf("stdout does not contain %q:\n%s", want, got.stdout)
				}
			}
		})
	}
}

func TestCollectWait(t *testing.T) {
	srv, flags := testServer(t)
	o := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing, IssueAfterPolls: 2})
	dir := t.TempDir()
	got := runCmd(t, testEnv(), "", append([]string{"collect", "-out", dir, "-order", o.OrderNumber, "-wait", "-interval", "1ms"}, flags...)...)
	if got.code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", got.code, got.stderr)
	}
	checkFiles(t, dir, o)
	now, _ := srv.Order(o.OrderNumber)
	if now.Polls != 3 {
		t.Errorf("the server saw %d calls, want 3 (two answered 0, then the certificate)", now.Polls)
	}
}

func TestCollectWaitTimeout(t *testing.T) {
	srv, flags := testServer(t)
	o := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing})
	dir := t.TempDir()
	got := runCmd(t, testEnv(), "", append([]string{"collect", "-out", dir, "-order", o.OrderNumber, "-wait", "-interval", "1ms", "-timeout", "50ms"}, flags...)...)
	if got.code != exitNotReady {
		t.Errorf("exit code %d, want %d; stderr:\n%s", got.code, exitNotReady, got.stderr)
	}
	if want := "collectssl: order " + o.OrderNumber + " still not issued after 50ms; nothing written\n"; !strings.HasSuffix(got.stderr, want) {
		t.Errorf("stderr = %q, want it to end with %q", got.stderr, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files written, want none", len(entries))
	}
}

func TestCollectCredentialsFile(t *testing.T) {
	srv, flags := testServer(t)
	o := srv.AddOrder(collectssltest.Order{})
	tests := []struct {
		name string
		mode os.FileMode
		vars map[string]string
		warn bool
	}{
		{"private file, no environment", 0o600, nil, false},
		{"file wins over a wrong environment", 0o600, map[string]string{envLogin: "wrong", envPassword: "wrong"}, false},
		{"readable by others", 0o644, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeCredentials(t, "login="+testLogin+"\npassword="+testPassword+"\n", tt.mode)
			dir := t.TempDir()
			got := runCmd(t, tt.vars, "", append([]string{"collect", "-credentials", file, "-out", dir, "-order", o.OrderNumber}, flags...)...)
			if got.code != exitOK {
				t.Fatalf("exit code %d, want 0; stderr:\n%s", got.code, got.stderr)
			}
			checkFiles(t, dir, o)
			if warned := strings.Contains(got.stderr, "readable by others"); warned != tt.warn {
				t.Errorf("warned = %v, want %v; stderr %q", warned, tt.warn, got.stderr)
			}
		})
	}
}

func TestCollectFindingsAreNotes(t *testing.T) {
	srv, flags := testServer(t)
	o := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025, ExpiredCross: true})
	got := runCmd(t, testEnv(), "", append([]string{"collect", "-out", t.TempDir(), "-order", o.OrderNumber}, flags...)...)
	if got.code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", got.code, got.stderr)
	}
	want := "collectssl: note: expired-dropped: " + `"` + o.CACertificates[1].Subject.String() + `"`
	if !strings.Contains(got.stderr, want) {
		t.Errorf("stderr = %q, want a note %q", got.stderr, want)
	}
	if strings.Contains(got.stdout, "note:") {
		t.Errorf("notes on stdout:\n%s", got.stdout)
	}
}

// TestRequestForm checks the form each command sends for its flags, as the
// fake server received it (password redacted by the server).
func TestRequestForm(t *testing.T) {
	srv, flags := testServer(t)
	o := srv.AddOrder(collectssltest.Order{})
	base := func(kv ...string) url.Values {
		v := url.Values{"loginName": {testLogin}, "loginPassword": {"[REDACTED]"}, "responseEncoding": {"0"}, "responseFormat": {"0"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name string
		args []string
		want url.Values
	}{
		{"collect defaults", []string{"collect", "-order", o.OrderNumber},
			base("orderNumber", o.OrderNumber, "queryType", "1", "responseType", "3")},
		{"collect zip binary", []string{"collect", "-order", o.OrderNumber, "-type", "zip", "-binary", "-format", "urlencoded"},
			base("orderNumber", o.OrderNumber, "queryType", "1", "responseType", "0", "responseEncoding", "1", "responseFormat", "1")},
		{"collect by certificate ID", []string{"collect", "-certificate-id", o.CertificateID, "-type", "netscape"},
			base("certificateID", o.CertificateID, "queryType", "1", "responseType", "1")},
		{"status", []string{"status", "-base-order", o.BaseOrderNumber, "-format", "urlencoded"},
			base("baseOrderNumber", o.BaseOrderNumber, "queryType", "0", "responseType", "3", "responseFormat", "1",
				"showValidityPeriod", "Y", "showFQDN", "Y", "showExtStatus", "Y", "showMDCDomainDetails", "Y",
				"showMDCDomainDetails2", "Y", "showStatusDetails", "Y")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append(append([]string(nil), tt.args...), "-out", t.TempDir()), flags...)
			if tt.args[0] == "status" {
				args = append(append([]string(nil), tt.args...), flags...)
			}
			got := runCmd(t, testEnv(), "", args...)
			if got.code != exitOK {
				t.Fatalf("exit code %d, want 0; stderr:\n%s", got.code, got.stderr)
			}
			calls := srv.Calls()
			if len(calls) == 0 {
				t.Fatal("the server saw no call")
			}
			if diff := cmp.Diff(tt.want, calls[len(calls)-1].Form); diff != "" {
				t.Errorf("form (-want +got):\n%s", diff)
			}
		})
	}
}
