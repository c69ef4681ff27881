// This file tests the demo command (files written, subjects printed) and the
// serve command (a client collects from it with the printed endpoint,
// credentials and CA file; it stops when its context ends).

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	got := runCmd(t, nil, "", "demo", "-out", dir)
	if got.code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", got.code, got.stderr)
	}
	if got.stderr != "" {
		t.Errorf("stderr = %q, want nothing", got.stderr)
	}
	for _, c := range demoCases() {
		t.Run(c.name, func(t *testing.T) {
			leaf := readPEMFile(t, filepath.Join(dir, c.name, "cert.pem"))
			full := readPEMFile(t, filepath.Join(dir, c.name, "fullchain.pem"))
			if len(leaf) != 1 || len(full) < 1 {
				t.Fatalf("cert.pem holds %d certificates, fullchain.pem %d; want 1 and at least 1", len(leaf), len(full))
			}
			if !full[0].Equal(leaf[0]) {
				t.Errorf("fullchain.pem does not start with cert.pem")
			}
			if diff := cmp.Diff(c.order.Domains, leaf[0].DNSNames); diff != "" {
				t.Errorf("leaf names (-want +got):\n%s", diff)
			}
			if want := "Subject:    " + leaf[0].Subject.String() + "\n"; !strings.Contains(got.stdout, want) {
				t.Errorf("stdout does not contain %q", want)
			}
			files := []string{"cert.pem", "fullchain.pem", "chain.p7b", "root.pem"}
			if c.order.ExpiredCross {
				// The expired cross-certificate is dropped, and with it the
				// way to the delivered root: no root.pem.
				files = files[:3]
				if _, err := os.Stat(filepath.Join(dir, c.name, "root.pem")); err == nil {
					t.Errorf("root.pem written although the path to the root was dropped")
				}
			}
			for _, name := range files {
				fi, err := os.Stat(filepath.Join(dir, c.name, name))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o644 {
					t.Errorf("%s: mode %v, want 0644", name, fi.Mode().Perm())
				}
			}
		})
	}
	for _, want := range []string{"collected as zip, binary", "collected as netscape, urlencoded", "collected as pkcs7, lines",
		"Status:       0 (processing)", "collectssl: note: expired-dropped:"} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, got.stdout)
		}
	}

	again := runCmd(t, nil, "", "demo", "-out", dir)
	if again.code != exitOK {
		t.Errorf("a second demo into the same directory: exit code %d, want 0; stderr:\n%s", again.code, again.stderr)
	}
}

// startServe runs serve with args until the returned stop is called, and
// returns the manifest it wrote.
func startServe(t *testing.T, args ...string) (serveManifest, func() outcome) {
	t.Helper()
	manifest := filepath.Join(t.TempDir(), "manifest.json")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "-manifest", manifest}, args...), strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
	}()
	stop := func() outcome {
		cancel()
		code := <-done
		return outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
	}
	// Wait for the ready line (or for serve to end early); no time limit
	// but the test's own.
	for !strings.Contains(stdout.String(), readyPrefix) {
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve ended with %d before it was ready; stderr:\n%s", code, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var m serveManifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"endpoint:  " + m.Endpoint, "trust:     " + m.CAFile, "login:     " + m.Login} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout does not contain %q:\n%s", want, stdout.String())
		}
	}
	return m, stop
}

func TestServe(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"default address", nil},
		{"given address", []string{"-addr", "127.0.0.1:0", "-ca-file", filepath.Join(t.TempDir(), "ca.pem")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, stop := startServe(t, tt.args...)
			if len(m.Orders) != len(serveOrders()) {
				t.Fatalf("%d orders in the manifest, want %d", len(m.Orders), len(serveOrders()))
			}
			vars := map[string]string{envLogin: m.Login, envPassword: m.Password}
			flags := []string{"-endpoint", m.Endpoint, "-cacert", m.CAFile}
			byDesc := map[string]string{}
			for _, o := range m.Orders {
				byDesc[o.Description] = o.OrderNumber
			}

			dir := t.TempDir()
			got := runCmd(t, vars, "", append([]string{"collect", "-out", dir, "-type", "pkcs7", "-order", byDesc["issued, 2025 chain, RSA"]}, flags...)...)
			if got.code != exitOK {
				t.Errorf("collect: exit code %d, want 0; stderr:\n%s", got.code, got.stderr)
			} else if certs := readPEMFile(t, filepath.Join(dir, "fullchain.pem")); len(certs) != 3 {
				t.Errorf("fullchain.pem holds %d certificates, want 3", len(certs))
			}

			got = runCmd(t, vars, "", append([]string{"status", "-json", "-order", byDesc["being processed"]}, flags...)...)
			if got.code != exitOK || decodeView(t, got.stdout).Status != 0 {
				t.Errorf("status: exit code %d, output %s; want 0 and status 0", got.code, got.stdout)
			}
			got = runCmd(t, vars, "", append([]string{"collect", "-order", byDesc["revoked (-21)"]}, flags...)...)
			if got.code != exitRefused {
				t.Errorf("collect a revoked order: exit code %d, want %d", got.code, exitRefused)
			}

			end := stop()
			if end.code != exitOK || !strings.Contains(end.stderr, "collectssl: serve: stopping") {
				t.Errorf("serve ended with %d, stderr %q; want 0 and a stop message", end.code, end.stderr)
			}
			// startServe gives -manifest: the CA file and the keys stay.
			if _, err := os.Stat(m.CAFile); err != nil {
				t.Errorf("after serve: %v", err)
			}
		})
	}
}
