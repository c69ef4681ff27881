// This file tests the status and parse commands: the JSON they print decodes
// to the order's values, with stable field names, in both response formats;
// parse reads captured bodies from a file or stdin, negative statuses and
// garbage.

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
	"github.com/google/go-cmp/cmp"
)

func decodeView(t *testing.T, stdout string) resultView {
	t.Helper()
	var v resultView
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding %q: %v", stdout, err)
	}
	return v
}

func timePtr(t time.Time) *time.Time { return &t }

func TestStatusJSON(t *testing.T) {
	srv, flags := testServer(t)
	processing := srv.AddOrder(collectssltest.Order{
		State:   collectssltest.StateProcessing,
		Domains: []string{"a.example.test", "b.example.test"},
		MDCDomainDetails: []collectssl.DomainStatus{
			{Domain: "a.example.test", Status: "VALIDATED"}, {Domain: "b.example.test", Status: "NOTVALIDATED"},
		},
		MDCDomainDetails2: []collectssl.DomainStatus{
			{Domain: "a.example.test", Status: "VALIDATED"}, {Domain: "b.example.test", Status: "AWAITINGBRAND"},
		},
		StatusDetails: &collectssl.StatusDetails{
			CSR: collectssl.ProgressCompleted, DCV: collectssl.ProgressInProgress, OVCallback: collectssl.ProgressNotRequired,
			OrganizationValidation: collectssl.ProgressNotCompleted, FreeDVUP: collectssl.ProgressNotRequired,
			EVClickThrough: collectssl.ProgressNotRequired, BrandValidation: collectssl.ProgressInProgress,
		},
		CertificateStatus: "Awaiting Validation",
		ValidationStatus:  "Awaiting Brand Validation",
		CAAStatus:         "Error '503'",
	})
	issued := srv.AddOrder(collectssltest.Order{Domains: []string{"www.example.test"}, CAAStatus: "Authorized"})

	wantProcessing := resultView{
		Status: 0, StatusText: "processing",
		CertificateStatus: "Awaiting Validation", ValidationStatus: "Awaiting Brand Validation",
		MDCDomainDetails:  []domainView{{"a.example.test", "VALIDATED"}, {"b.example.test", "NOTVALIDATED"}},
		MDCDomainDetails2: []domainView{{"a.example.test", "VALIDATED"}, {"b.example.test", "AWAITINGBRAND"}},
		StatusDetails:     &statusDetailsView{CSR: 1, DCV: 2, OVCallback: -1, OrganizationValidation: 0, FreeDVUP: -1, EVClickThrough: -1, BrandValidation: 2},
		CAAStatus:         "Error '503'",
	}
	wantIssued := resultView{
		Status: 1, StatusText: "available",
		NotBefore: timePtr(issued.NotBefore), NotAfter: timePtr(issued.NotAfter), FQDN: "www.example.test",
		CertificateStatus: "Issued", ValidationStatus: "Complete",
		StatusDetails: &statusDetailsView{CSR: 1, DCV: 1, OVCallback: -1, OrganizationValidation: -1, FreeDVUP: -1, EVClickThrough: -1, BrandValidation: -1},
		CAAStatus:     "Authorized",
	}
	for _, format := range []string{"lines", "urlencoded"} {
		for _, tt := range []struct {
			name  string
			order string
			want  resultView
		}{{"processing", processing.OrderNumber, wantProcessing}, {"issued", issued.OrderNumber, wantIssued}} {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				got := runCmd(t, testEnv(), "", append([]string{"status", "-json", "-format", format, "-order", tt.order}, flags...)...)
				if got.code != exitOK {
					t.Fatalf("exit code %d, want 0; stderr:\n%s", got.code, got.stderr)
				}
				if diff := cmp.Diff(tt.want, decodeView(t, got.stdout)); diff != "" {
					t.Errorf("status -json (-want +got):\n%s", diff)
				}
			})
		}
	}

	t.Run("field names", func(t *testing.T) {
		got := runCmd(t, testEnv(), "", append([]string{"status", "-json", "-order", processing.OrderNumber}, flags...)...)
		var m map[string]any
		if err := json.Unmarshal([]byte(got.stdout), &m); err != nil {
			t.Fatal(err)
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range m {
				if !yield(k) {
					return
				}
			}
		})
		want := []string{"caaStatus", "certificateStatus", "mdcDomainDetails", "mdcDomainDetails2", "status", "statusDetails", "statusText", "validationStatus"}
		if diff := cmp.Diff(want, keys); diff != "" {
			t.Errorf("JSON keys (-want +got):\n%s", diff)
		}
	})

	t.Run("human", func(t *testing.T) {
		got := runCmd(t, testEnv(), "", append([]string{"status", "-order", processing.OrderNumber}, flags...)...)
		for _, want := range []string{
			"Status:       0 (processing)\n",
			"Domains:      a.example.test VALIDATED\n",
			"              b.example.test NOTVALIDATED\n",
			"Domains (2):  a.example.test VALIDATED\n",
			"Steps:        CSR completed, DCV in progress, OV callback not required, organization validation not completed,\n",
			"CAA:          Error '503'\n",
		} {
			if !strings.Contains(got.stdout, want) {
				t.Errorf("stdout does not contain %q:\n%s", want, got.stdout)
			}
		}
	})

	t.Run("refused, as JSON", func(t *testing.T) {
		o := srv.AddOrder(collectssltest.Order{State: collectssltest.StateRevoked})
		got := runCmd(t, testEnv(), "", append([]string{"status", "-json", "-order", o.OrderNumber}, flags...)...)
		if got.code != exitRefused {
			t.Errorf("exit code %d, want %d", got.code, exitRefused)
		}
		want := resultView{Status: -21, StatusText: "revoked", Message: "The certificate has been revoked!"}
		if diff := cmp.Diff(want, decodeView(t, got.stdout)); diff != "" {
			t.Errorf("status -json (-want +got):\n%s", diff)
		}
	})
}

// capture posts req to the fake server the way any client would and returns
// the body it answered with.
func capture(t *testing.T, srv *collectssltest.Server, req *collectssl.Request) []byte {
	t.Helper()
	form, err := req.Form(srv.Credentials())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.HTTPServer().Client().PostForm(srv.URL(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// fingerprint is the SHA-256 of a certificate's DER in hexadecimal,
// computed here independently of viewCert.
func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func TestParse(t *testing.T) {
	srv, _ := testServer(t)
	issued := srv.AddOrder(collectssltest.Order{Shape: collectssltest.Shape2025, Domains: []string{"www.example.test", "example.test"}})
	processing := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing, CAAStatus: "Timeout"})
	rejected := srv.AddOrder(collectssltest.Order{State: collectssltest.StateRejected})

	cert := issued.Leaf
	tests := []struct {
		name   string
		req    collectssl.Request
		args   []string
		stdin  bool
		code   int
		check  func(t *testing.T, v resultView)
		stderr string
	}{
		{
			name: "lines individual with show flags",
			req: collectssl.Request{OrderNumber: issued.OrderNumber, QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual,
				ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true},
			args: []string{"-show-validity", "-show-fqdn", "-show-ext-status"},
			code: exitOK,
			check: func(t *testing.T, v resultView) {
				if v.Status != 2 || v.FQDN != "www.example.test" || v.CertificateStatus != "Issued" || v.ValidationStatus != "Complete" {
					t.Errorf("status %d, fqdn %q, ext status %q/%q; want 2, www.example.test, Issued/Complete", v.Status, v.FQDN, v.CertificateStatus, v.ValidationStatus)
				}
				if v.NotBefore == nil || !v.NotBefore.Equal(issued.NotBefore) || v.NotAfter == nil || !v.NotAfter.Equal(issued.NotAfter) {
					t.Errorf("validity %v to %v, want %v to %v", v.NotBefore, v.NotAfter, issued.NotBefore, issued.NotAfter)
				}
			},
		},
		{
			name: "urlencoded zip",
			req:  collectssl.Request{OrderNumber: issued.OrderNumber, QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseZIP, ResponseFormat: collectssl.FormatURLEncoded},
			args: []string{"-type", "zip", "-format", "urlencoded"},
			code: exitOK,
			check: func(t *testing.T, v resultView) {
				if v.ContainerBytes == 0 {
					t.Errorf("containerBytes = 0, want the ZIP's size")
				}
			},
		},
		{
			name:  "binary pkcs7 from stdin",
			req:   collectssl.Request{OrderNumber: issued.OrderNumber, QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponsePKCS7, ResponseEncoding: collectssl.EncodingBinary},
			args:  []string{"-type", "pkcs7", "-binary"},
			stdin: true,
			code:  exitOK,
		},
		{
			name: "status query",
			req:  collectssl.Request{OrderNumber: processing.OrderNumber, ShowExtStatus: true, ShowMDCDomainDetails: true, ShowStatusDetails: true},
			args: []string{"-query", "status", "-show-ext-status", "-show-mdc", "-show-status-details"},
			code: exitOK,
			check: func(t *testing.T, v resultView) {
				want := resultView{
					Status: 0, StatusText: "processing",
					CertificateStatus: "Awaiting Validation", ValidationStatus: "Awaiting Legal Documents",
					MDCDomainDetails: []domainView{{"www.example.test", "NOTVALIDATED"}},
					StatusDetails:    &statusDetailsView{CSR: 1, DCV: 2, OVCallback: -1, OrganizationValidation: -1, FreeDVUP: -1, EVClickThrough: -1, BrandValidation: -1},
					CAAStatus:        "Timeout",
				}
				if diff := cmp.Diff(want, v); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			},
		},
		{
			name:   "rejected",
			req:    collectssl.Request{OrderNumber: rejected.OrderNumber, QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual},
			code:   exitRefused,
			stderr: "collectssl: status -20 (rejected)",
			check: func(t *testing.T, v resultView) {
				want := resultView{Status: -20, StatusText: "rejected", Message: "The certificate request has been rejected!"}
				if diff := cmp.Diff(want, v); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := capture(t, srv, &tt.req)
			args := append([]string{"parse"}, tt.args...)
			stdin := ""
			if tt.stdin {
				args, stdin = append(args, "-"), string(body)
			} else {
				name := filepath.Join(t.TempDir(), "body")
				if err := os.WriteFile(name, body, 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, name)
			}
			got := runCmd(t, nil, stdin, args...)
			if got.code != tt.code {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", got.code, tt.code, got.stderr)
			}
			if !strings.Contains(got.stderr, tt.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", got.stderr, tt.stderr)
			}
			v := decodeView(t, got.stdout)
			if tt.req.QueryType == collectssl.QueryCertificateAndChain && tt.code == exitOK {
				if v.Certificate == nil {
					t.Fatalf("no certificate in %s", got.stdout)
				}
				if v.Certificate.Subject != cert.Subject.String() || v.Certificate.SHA256 != fingerprint(cert.Raw) ||
					v.Certificate.Serial != cert.SerialNumber.Text(16) || !slices.Equal(v.Certificate.DNSNames, []string{"www.example.test", "example.test"}) ||
					!v.Certificate.NotAfter.Equal(cert.NotAfter) || v.Certificate.IsCA {
					t.Errorf("certificate = %+v, want the order's leaf %s", *v.Certificate, cert.Subject)
				}
				var gotCAs, wantCAs []string
				for _, c := range v.CACertificates {
					gotCAs = append(gotCAs, c.SHA256)
				}
				for _, c := range issued.CACertificates {
					wantCAs = append(wantCAs, fingerprint(c.Raw))
				}
				if tt.req.ResponseType == collectssl.ResponseIndividual {
					if diff := cmp.Diff(wantCAs, gotCAs); diff != "" {
						t.Errorf("CA certificates, in the order delivered (-want +got):\n%s", diff)
					}
				} else {
					slices.Sort(gotCAs)
					slices.Sort(wantCAs)
					if diff := cmp.Diff(wantCAs, gotCAs); diff != "" {
						t.Errorf("CA certificates of a container (-want +got):\n%s", diff)
					}
				}
				if strings.Contains(got.stdout, "MII") {
					t.Errorf("a certificate blob in the output:\n%s", got.stdout)
				}
			}
			if tt.check != nil {
				tt.check(t, v)
			}
		})
	}

	for _, tt := range []struct {
		name, body, stderr string
	}{
		{"garbage", "hello, world\n", "collectssl: malformed response"},
		{"empty", "", "collectssl: malformed response"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := runCmd(t, nil, tt.body, "parse", "-")
			if got.code != exitFailure {
				t.Errorf("exit code %d, want %d", got.code, exitFailure)
			}
			if !strings.HasPrefix(got.stderr, tt.stderr) || strings.Count(got.stderr, "\n") != 1 {
				t.Errorf("stderr = %q, want one line starting %q", got.stderr, tt.stderr)
			}
			if got.stdout != "" {
				t.Errorf("stdout = %q, want nothing", got.stdout)
			}
		})
	}

	t.Run("too large", func(t *testing.T) {
		got := runCmd(t, nil, "2\n"+strings.Repeat("A", collectssl.DefaultMaxResponseBytes), "parse", "-")
		if got.code != exitFailure || !strings.Contains(got.stderr, "more than") {
			t.Errorf("exit code %d, stderr %q; want %d and a size error", got.code, got.stderr, exitFailure)
		}
	})
}

// TestParseInfersOptionalLines: without -show- flags, parse places each
// optional line of a status body by its content, never an MDC line as the
// CAA status, and says on stderr what it could not place.
func TestParseInfersOptionalLines(t *testing.T) {
	got := runCmd(t, nil, "0\nwww.example.test NOTVALIDATED\nTimeout\n", "parse", "-")
	if got.code != exitOK || got.stderr != "" {
		t.Fatalf("exit code %d, stderr %q; want %d and nothing", got.code, got.stderr, exitOK)
	}
	v := decodeView(t, got.stdout)
	want := resultView{Status: 0, StatusText: "processing", MDCDomainDetails: []domainView{{"www.example.test", "NOTVALIDATED"}}, CAAStatus: "Timeout"}
	if diff := cmp.Diff(want, v); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	got = runCmd(t, nil, "1\nIssued\nComplete\n%%% no such line %%%\n", "parse", "-")
	if got.code != exitOK || !strings.Contains(got.stderr, "1 line(s) of the body could not be placed") {
		t.Fatalf("exit code %d, stderr %q; want %d and a note on the line it could not place", got.code, got.stderr, exitOK)
	}
	v = decodeView(t, got.stdout)
	if v.CertificateStatus != "Issued" || v.ValidationStatus != "Complete" || len(v.Extra["line"]) != 1 || v.CAAStatus != "" {
		t.Errorf("got %+v; want the extended status and one line under extra", v)
	}
}

// TestStatusEchoingServer: a server that echoes the password, and sends
// terminal control sequences, gets neither onto the command's output
// (runCmd fails a test that prints the password).
func TestStatusEchoingServer(t *testing.T) {
	var calls atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		pw := r.PostForm.Get("loginPassword")
		switch calls.Add(1) {
		case 1:
			fmt.Fprintf(w, "-4\nThe value '%s' (%s) is invalid! \x1b]0;owned\x07\n", pw, url.QueryEscape(pw))
		case 2:
			fmt.Fprintf(w, "%s\n", pw)
		default:
			fmt.Fprintf(w, "1\nIssued \x1b[31m%s\nComplete \u009b31m\nAuthorized\n", pw)
		}
	}))
	defer ts.Close()
	args := []string{"status", "-order", "1", "-endpoint", ts.URL + "/x"}
	for i, wantCode := range []int{exitRefused, exitFailure, exitOK} {
		got := runCmd(t, testEnv(), "", args...)
		if got.code != wantCode {
			t.Fatalf("call %d: exit code %d, want %d; stderr %q", i+1, got.code, wantCode, got.stderr)
		}
		out := got.stdout + got.stderr
		if strings.ContainsAny(out, "\x1b\x07\u009b") {
			t.Errorf("call %d: a control character reached the output: %q", i+1, out)
		}
		if strings.Contains(out, url.QueryEscape(testPassword)) {
			t.Errorf("call %d: the escaped password reached the output: %q", i+1, out)
		}
		if i != 1 && !strings.Contains(out, "[REDACTED]") {
			t.Errorf("call %d: output %q does not show where the password was", i+1, out)
		}
	}
}

// TestStatusCaptureThenParse: status -capture DIR writes the answer it read;
// parse of that file, without flags, prints the JSON status -json printed.
func TestStatusCaptureThenParse(t *testing.T) {
	srv, flags := testServer(t)
	o := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing})
	dir := t.TempDir()
	live := runCmd(t, testEnv(), "", append([]string{"status", "-json", "-capture", dir, "-order", o.OrderNumber}, flags...)...)
	if live.code != exitOK {
		t.Fatalf("status: exit %d, stderr %q", live.code, live.stderr)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.capture"))
	if err != nil || len(files) != 1 {
		t.Fatalf("captures %v, %v; want one file", files, err)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), testPassword) || strings.Contains(string(b), testLogin) {
		t.Errorf("the capture holds a credential:\n%s", b)
	}
	parsed := runCmd(t, nil, "", "parse", files[0])
	if parsed.code != exitOK {
		t.Fatalf("parse: exit %d, stderr %q", parsed.code, parsed.stderr)
	}
	if parsed.stdout != live.stdout {
		t.Errorf("parse of the capture printed\n%s\nstatus -json printed\n%s", parsed.stdout, live.stdout)
	}
}

// TestCollectCaptureThenParse: collect -capture DIR against the fake server,
// then parse of the capture prints the Result of what collect read: the
// order's certificate.
func TestCollectCaptureThenParse(t *testing.T) {
	srv, flags := testServer(t)
	o := srv.AddOrder(collectssltest.Order{})
	dir, out := t.TempDir(), t.TempDir()
	got := runCmd(t, testEnv(), "", append([]string{"collect", "-q", "-capture", dir, "-out", out, "-order", o.OrderNumber}, flags...)...)
	if got.code != exitOK {
		t.Fatalf("collect: exit %d, stderr %q", got.code, got.stderr)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.capture"))
	if err != nil || len(files) != 1 {
		t.Fatalf("captures %v, %v; want one file", files, err)
	}
	parsed := runCmd(t, nil, "", "parse", files[0])
	if parsed.code != exitOK {
		t.Fatalf("parse: exit %d, stderr %q", parsed.code, parsed.stderr)
	}
	v := decodeView(t, parsed.stdout)
	if v.Status != 2 || v.Certificate == nil || v.Certificate.SHA256 != fingerprint(o.Leaf.Raw) {
		t.Errorf("parse of the capture: %+v; want status 2 and the order's certificate", v)
	}
}

// TestStatusCaptureMasked: -capture-mask writes a capture without the order
// number or the domain names; -capture-drop-certificates alone is a usage
// error.
func TestStatusCaptureMasked(t *testing.T) {
	srv, flags := testServer(t)
	o := srv.AddOrder(collectssltest.Order{Domains: []string{"private.example.org"}})
	dir := t.TempDir()
	got := runCmd(t, testEnv(), "", append([]string{"status", "-capture", dir, "-capture-mask", "-order", o.OrderNumber}, flags...)...)
	if got.code != exitOK {
		t.Fatalf("status: exit %d, stderr %q", got.code, got.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.capture"))
	if len(files) != 1 {
		t.Fatalf("captures %v; want one", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), o.OrderNumber) || strings.Contains(string(b), "private.example.org") || strings.Contains(files[0], o.OrderNumber) {
		t.Errorf("a masked capture names the order:\n%s", b)
	}
	if got := runCmd(t, testEnv(), "", append([]string{"status", "-capture", dir, "-capture-drop-certificates", "-order", o.OrderNumber}, flags...)...); got.code != exitUsage {
		t.Errorf("-capture-drop-certificates without -capture-mask: exit %d, want %d", got.code, exitUsage)
	}
}
