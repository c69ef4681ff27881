// This file tests serve as other languages use it: the manifest (renewals,
// key files), the -v log, the parameter table of -h, and the built binary
// driven over plain HTTP (its ready line, the control API, faults, counters)
// and by a Python script using only the standard library.

package main

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/collectssl/collectssl/collectssltest"
)

func TestServeManifestAndLog(t *testing.T) {
	m, stop := startServe(t, "-v", "-addr", "localhost:0")
	if !strings.HasPrefix(m.Endpoint, "https://localhost:") || !strings.HasPrefix(m.Control.URL, "https://localhost:") || len(m.Control.Token) != 32 {
		t.Errorf("endpoint %q, control %q, token of %d characters; want localhost URLs and 32 hex digits", m.Endpoint, m.Control.URL, len(m.Control.Token))
	}
	var first, renewal serveOrder
	for _, o := range m.Orders {
		if o.Renews != "" {
			renewal = o
		}
	}
	for _, o := range m.Orders {
		if o.OrderNumber == renewal.Renews {
			first = o
		}
	}
	if first.OrderNumber == "" || strings.Join(first.Domains, ",") != strings.Join(renewal.Domains, ",") || first.BaseOrderNumber != renewal.BaseOrderNumber {
		t.Fatalf("no renewal of an order with the same domains and base order in the manifest: %+v / %+v", first, renewal)
	}
	vars := map[string]string{envLogin: m.Login, envPassword: m.Password}
	leaves := map[string]*x509.Certificate{}
	for _, o := range []serveOrder{first, renewal} {
		fi, err := os.Stat(o.KeyFile)
		if err != nil || fi.Mode().Perm() != 0o600 || filepath.Dir(o.KeyFile) != filepath.Dir(m.CAFile) {
			t.Fatalf("key file %s: %v, mode %v; want mode 0600 beside the manifest", o.KeyFile, err, fi.Mode().Perm())
		}
		dir := t.TempDir()
		got := runCmd(t, vars, "", "collect", "-out", dir, "-order", o.OrderNumber, "-endpoint", m.Endpoint, "-cacert", m.CAFile)
		if got.code != exitOK {
			t.Fatalf("collect %s: exit %d: %s", o.OrderNumber, got.code, got.stderr)
		}
		leaf := readPEMFile(t, filepath.Join(dir, "cert.pem"))[0]
		if !publicKey(t, o.KeyFile).(interface{ Equal(crypto.PublicKey) bool }).Equal(leaf.PublicKey) {
			t.Errorf("order %s: the key file does not match the leaf", o.OrderNumber)
		}
		leaves[o.OrderNumber] = leaf
	}
	a, b := leaves[first.OrderNumber], leaves[renewal.OrderNumber]
	if !b.NotBefore.After(a.NotBefore) || publicKey(t, first.KeyFile).(interface{ Equal(crypto.PublicKey) bool }).Equal(b.PublicKey) {
		t.Errorf("renewal: notBefore %v (renewed %v), want later, and a new key", b.NotBefore, a.NotBefore)
	}
	end := stop()
	lines := 0
	for _, l := range strings.Split(end.stderr, "\n") {
		if strings.Contains(l, " POST /products/download/CollectSSL ") {
			lines++
			if !strings.Contains(l, "loginPassword=[REDACTED]") || !strings.Contains(l, "-> HTTP 200 status 2") {
				t.Errorf("log line %q: want the password redacted and the status", l)
			}
		}
	}
	if lines != 2 || strings.Contains(end.stderr, m.Password) {
		t.Errorf("-v logged %d calls, want 2, and never the password:\n%s", lines, end.stderr)
	}
}

// publicKey reads the public key of a PKCS#8 PEM key file.
func publicKey(t *testing.T, name string) crypto.PublicKey {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("%s: no PRIVATE KEY block", name)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key.(crypto.Signer).Public()
}

func TestServeHelpListsParameters(t *testing.T) {
	got := runCmd(t, nil, "", "serve", "-h")
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range collectssltest.Parameters() {
		if !strings.Contains(got.stdout, p.Name) || !strings.Contains(got.stdout, p.Meaning) {
			t.Errorf("serve -h does not list %s (%s)", p.Name, p.Meaning)
		}
		if row := "| `" + p.Name + "` | " + p.Values + " | " + p.Meaning + " |"; !bytes.Contains(readme, []byte(row)) {
			t.Errorf("README.md lacks the row %s", row)
		}
	}
}

// buildCommand builds the command into dir (with -race when the tests run
// with it) and returns the binary's path.
func buildCommand(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go") // go test puts GOROOT/bin first in PATH
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "collectssl")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	if out, err := exec.Command(goTool, append(args, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveBinary builds the command into a temporary directory and starts
// "serve -manifest FILE"; it returns the manifest once the ready line is
// out, and a stop function that interrupts the process and returns its
// stderr.
func serveBinary(t *testing.T) (serveManifest, string, func() string) {
	t.Helper()
	dir := t.TempDir()
	bin := buildCommand(t, dir)
	manifestFile := filepath.Join(dir, "manifest.json")
	cmd := exec.Command(bin, "serve", "-manifest", manifestFile, "-v")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := func() string {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		return stderr.String()
	}
	// Wait for the ready line: the scanner ends if the process does.
	sc := bufio.NewScanner(stdout)
	var ready string
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), readyPrefix) {
			ready = sc.Text()
			break
		}
	}
	if ready == "" {
		t.Fatalf("serve ended without a ready line; stderr:\n%s", stop())
	}
	go io.Copy(io.Discard, stdout)
	data, err := os.ReadFile(manifestFile)
	if err != nil {
		stop()
		t.Fatal(err)
	}
	var m serveManifest
	if err := json.Unmarshal(data, &m); err != nil {
		stop()
		t.Fatal(err)
	}
	if want := readyPrefix + "endpoint=" + m.Endpoint + " control=" + m.Control.URL + " token=" + m.Control.Token; ready != want {
		t.Errorf("ready line %q, want %q", ready, want)
	}
	return m, manifestFile, stop
}

// TestServeBinaryControlAPI drives the built binary the way a test suite in
// another language would: plain HTTP and JSON, the CA file and the token
// from the manifest.
func TestServeBinaryControlAPI(t *testing.T) {
	m, _, stop := serveBinary(t)
	defer stop()
	pemCA, err := os.ReadFile(m.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pemCA)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	defer hc.CloseIdleConnections()

	do := func(method, u string, header http.Header, body string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, u, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = header
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, data
	}
	auth := http.Header{"Authorization": {"Bearer " + m.Control.Token}}
	control := func(method, path, body string, out any) int {
		t.Helper()
		resp, data := do(method, m.Control.URL+path, auth, body)
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				t.Fatalf("%s %s: %v in %s", method, path, err, data)
			}
		}
		return resp.StatusCode
	}
	collect := func(orderNumber string) (*http.Response, []byte) {
		form := url.Values{"loginName": {m.Login}, "loginPassword": {m.Password}, "orderNumber": {orderNumber}, "queryType": {"1"}}
		return do("POST", m.Endpoint, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, form.Encode())
	}

	var order struct{ OrderNumber, CertificatePEM string }
	if code := control("POST", "orders", `{"domains": ["bin.example.test"], "shape": "Shape2025"}`, &order); code != http.StatusCreated {
		t.Fatalf("add order: HTTP %d", code)
	}
	if resp, body := collect(order.OrderNumber); resp.StatusCode != 200 || !strings.HasPrefix(string(body), "2\n") || !strings.Contains(string(body), order.CertificatePEM) {
		t.Errorf("collect: HTTP %d %.40q; want status 2 with the order's certificate", resp.StatusCode, body)
	}
	control("POST", "faults", `{"kind": "httpError", "status": 503}`, nil)
	control("POST", "faults", `{"kind": "tooManyRequests", "retryAfterSeconds": 7}`, nil)
	if resp, _ := collect(order.OrderNumber); resp.StatusCode != 503 {
		t.Errorf("after a 503 fault: HTTP %d", resp.StatusCode)
	}
	if resp, _ := collect(order.OrderNumber); resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("after a 429 fault: HTTP %d, Retry-After %q; want 429, 7", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	type counters struct{ CallCount, Overlap, MaxInFlight, InFlight, ConnCount, QueuedFaults int }
	var c counters
	control("GET", "counters", "", &c)
	if c != (counters{CallCount: 3, MaxInFlight: 1, ConnCount: 1}) {
		t.Errorf("counters = %+v; want 3 calls on 1 connection, no overlap", c)
	}
	var calls struct {
		Calls []struct {
			HTTPStatus int
			Form       map[string][]string
		}
	}
	control("GET", "calls", "", &calls)
	if len(calls.Calls) != 3 || calls.Calls[1].HTTPStatus != 503 || calls.Calls[2].HTTPStatus != 429 || calls.Calls[0].Form["loginPassword"][0] != "[REDACTED]" {
		t.Errorf("calls = %+v", calls.Calls)
	}
	if code := control("POST", "reset", "", &c); code != 200 || c != (counters{}) {
		t.Errorf("reset: HTTP %d, counters %+v; want all zero", code, c)
	}
	if resp, _ := do("GET", m.Control.URL+"counters", http.Header{}, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the token: HTTP %d, want 401", resp.StatusCode)
	}
	stderr := stop()
	if strings.Contains(stderr, m.Password) || strings.Count(stderr, "loginPassword=[REDACTED]") != 3 {
		t.Errorf("stderr: want 3 call lines, the password redacted:\n%s", stderr)
	}
}

// TestServePython runs testdata/serve_client.py (standard library only)
// against the built binary.
func TestServePython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: skipping the Python client of serve")
	}
	_, manifest, stop := serveBinary(t)
	defer stop()
	out, err := exec.Command(python, "testdata/serve_client.py", manifest).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Errorf("serve_client.py: %v\n%s", err, out)
	}
}
