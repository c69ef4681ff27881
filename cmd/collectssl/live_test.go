// This file tests collect on the live directory against the fake server:
// renewals, the same certificate again, other names, the deploy hook, 20
// concurrent collects, named pipes, keys and PKCS#12, progress, -v, -q,
// signals during -wait, and the version command.

package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/collectssl/collectssl/certdir"
	"github.com/collectssl/collectssl/collectssltest"
	"software.sslmate.com/src/go-pkcs12"
)

// collectIn runs collect for order into dir with extra flags.
func collectIn(t *testing.T, flags []string, dir, order string, extra ...string) outcome {
	t.Helper()
	return runCmd(t, testEnv(), "", append(append([]string{"collect", "-out", dir, "-order", order}, extra...), flags...)...)
}

// jsonOutcome decodes collect -json.
func jsonOutcome(t *testing.T, o outcome) installView {
	t.Helper()
	var v installView
	if err := json.Unmarshal([]byte(o.stdout), &v); err != nil {
		t.Fatalf("stdout is not the JSON outcome: %v\n%s\nstderr:\n%s", err, o.stdout, o.stderr)
	}
	return v
}

func TestCollectRenewal(t *testing.T) {
	srv, flags := testServer(t)
	first := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025, Domains: []string{"example.test", "www.example.test"}})
	renewal := srv.AddOrder(collectssltest.Order{Renews: first.OrderNumber, Shape: collectssltest.ShapePre2025})
	other := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025, Domains: []string{"other.example.test"}})
	dir := filepath.Join(t.TempDir(), "live")
	hookLog := filepath.Join(t.TempDir(), "hook.log")
	hook := []string{"-json", "-deploy-hook", `printf '%s|%s|%s\n' "$RENEWED_LINEAGE" "$RENEWED_DOMAINS" "$COLLECTSSL_CHANGE" >> ` + hookLog}
	hookRuns := func() []string {
		data, err := os.ReadFile(hookLog)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSpace(string(data)), "\n")
	}

	got := collectIn(t, flags, dir, first.OrderNumber, hook...)
	if got.code != exitOK || jsonOutcome(t, got).Change != "created" {
		t.Fatalf("first: exit code %d, stdout %s; stderr:\n%s", got.code, got.stdout, got.stderr)
	}
	checkFiles(t, dir, first)

	got = collectIn(t, flags, dir, renewal.OrderNumber, hook...)
	if got.code != exitOK {
		t.Fatalf("renewal: exit code %d, want 0; stderr:\n%s", got.code, got.stderr)
	}
	v := jsonOutcome(t, got)
	if v.Change != "renewed" || v.Hook == nil || v.Hook.ExitCode != 0 || v.Previous != filepath.Join(dir, "versions", "0001") {
		t.Errorf("renewal: JSON %+v, want renewed, previous versions/0001, hook exit 0", v)
	}
	checkFiles(t, dir, renewal)
	// The previous version stays whole.
	checkFiles(t, filepath.Join(dir, "versions", "0001"), first)
	wantRuns := []string{
		dir + "|example.test www.example.test|created",
		dir + "|example.test www.example.test|renewed",
	}
	if runs := hookRuns(); strings.Join(runs, "\n") != strings.Join(wantRuns, "\n") {
		t.Errorf("hook runs = %q, want %q", runs, wantRuns)
	}

	got = collectIn(t, flags, dir, renewal.OrderNumber, hook...)
	if got.code != exitSame || jsonOutcome(t, got).Change != "unchanged" || jsonOutcome(t, got).Hook != nil {
		t.Errorf("the same again: exit code %d, stdout %s; want %d, unchanged, no hook", got.code, got.stdout, exitSame)
	}
	if runs := hookRuns(); len(runs) != 2 {
		t.Errorf("the same again: the hook ran (%d runs)", len(runs))
	}

	for _, tt := range []struct{ name, order, want string }{
		{"older", first.OrderNumber, "not newer than the current one (force to replace it)"},
		{"other names", other.OrderNumber, "for other names than the current one (force to replace it): current example.test www.example.test, new other.example.test"},
	} {
		got = collectIn(t, flags, dir, tt.order, hook...)
		if got.code != exitFailure || !strings.Contains(got.stderr, tt.want) {
			t.Errorf("%s: exit code %d, stderr %q; want %d and %q", tt.name, got.code, got.stderr, exitFailure, tt.want)
		}
		checkFiles(t, dir, renewal)
	}

	got = collectIn(t, flags, dir, other.OrderNumber, "-force", "-deploy-hook", "echo from the hook; exit 7")
	if got.code != exitHook || !strings.Contains(got.stderr, "the live set changed (replaced), but the deploy hook failed: exit status 7") || !strings.Contains(got.stderr, "from the hook") {
		t.Errorf("-force, failing hook: exit code %d, stderr %q; want %d", got.code, got.stderr, exitHook)
	}
	checkFiles(t, dir, other)
	if runs := hookRuns(); len(runs) != 2 {
		t.Errorf("hook runs = %d, want 2", len(runs))
	}
}

// TestCollectNoIntermediates: a set without intermediates leaves chain.pem
// dangling (absent to readers), not the previous set's chain.
func TestCollectNoIntermediates(t *testing.T) {
	srv, flags := testServer(t)
	prod := srv.AddOrder(collectssltest.Order{Shape: collectssltest.Shape2025, Domains: []string{"a.example.test"}})
	test := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapeTestMode, Domains: []string{"a.example.test"}, NotBefore: prod.NotBefore.Add(time.Hour)})
	dir := t.TempDir()
	if got := collectIn(t, flags, dir, prod.OrderNumber); got.code != exitOK {
		t.Fatalf("exit code %d; stderr:\n%s", got.code, got.stderr)
	}
	if got := collectIn(t, flags, dir, test.OrderNumber); got.code != exitOK {
		t.Fatalf("exit code %d; stderr:\n%s", got.code, got.stderr)
	}
	checkFiles(t, dir, test) // fails if chain.pem can be read
}

// TestCollectConcurrent: 20 collects of an order and its renewal into one
// directory at once leave one consistent set: the renewal's.
func TestCollectConcurrent(t *testing.T) {
	srv, flags := testServer(t)
	first := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025})
	renewal := srv.AddOrder(collectssltest.Order{Renews: first.OrderNumber, Shape: collectssltest.Shape2025})
	dir := t.TempDir()
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			order := first.OrderNumber
			if i%2 == 1 {
				order = renewal.OrderNumber
			}
			o := collectIn(t, flags, dir, order, "-q")
			codes[i] = o.code
			if o.code != exitOK && o.code != exitSame && !(o.code == exitFailure && strings.Contains(o.stderr, "not newer")) {
				t.Errorf("collect %d: exit code %d; stderr:\n%s", i, o.code, o.stderr)
			}
		}()
	}
	wg.Wait()
	checkFiles(t, dir, renewal)
	// Every version kept is whole: its chain and fullchain are its cert's.
	entries, err := os.ReadDir(filepath.Join(dir, "versions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		vdir := filepath.Join(dir, "versions", e.Name())
		leaf := readPEMFile(t, filepath.Join(vdir, "cert.pem"))[0]
		switch {
		case leaf.Equal(first.Leaf):
			checkFiles(t, vdir, first)
		case leaf.Equal(renewal.Leaf):
			checkFiles(t, vdir, renewal)
		default:
			t.Errorf("%s: an unknown leaf", vdir)
		}
	}
}

// mkfifo makes a named pipe or skips the test.
func mkfifo(t *testing.T, name string) {
	t.Helper()
	if err := syscall.Mkfifo(name, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

// TestCollectNamedPipes: a named pipe as cert.pem, -credentials or -cacert
// is refused at once, with a message.
func TestCollectNamedPipes(t *testing.T) {
	srv, flags := testServer(t)
	o := srv.AddOrder(collectssltest.Order{})
	dir := t.TempDir()
	mkfifo(t, filepath.Join(dir, "cert.pem"))
	fifo := filepath.Join(t.TempDir(), "fifo")
	mkfifo(t, fifo)
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"cert.pem", append([]string{"collect", "-out", dir, "-order", o.OrderNumber}, flags...), exitFailure},
		{"-credentials", append([]string{"collect", "-out", t.TempDir(), "-order", o.OrderNumber, "-credentials", fifo}, flags...), exitUsage},
		{"-cacert", []string{"collect", "-out", t.TempDir(), "-order", o.OrderNumber, "-endpoint", srv.URL(), "-cacert", fifo}, exitFailure},
		{"-key", append([]string{"collect", "-out", t.TempDir(), "-order", o.OrderNumber, "-key", fifo}, flags...), exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan outcome, 1)
			go func() { done <- runCmd(t, testEnv(), "", tt.args...) }()
			select {
			case got := <-done:
				if got.code != tt.code || !strings.Contains(got.stderr, "not a regular file (a named pipe)") {
					t.Errorf("exit code %d, stderr %q; want %d and a named pipe refused", got.code, got.stderr, tt.code)
				}
			case <-time.After(30 * time.Second): // a guard against blocking, not a speed threshold
				t.Fatal("collect blocked on a named pipe")
			}
		})
	}
}

// writeKey writes key as PKCS#8 PEM with mode.
func writeKey(t *testing.T, key any, mode os.FileMode) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(name, mode); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestCollectKey(t *testing.T) {
	srv, flags := testServer(t)
	first := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025})
	renewal := srv.AddOrder(collectssltest.Order{Renews: first.OrderNumber, Shape: collectssltest.ShapePre2025})
	dir := t.TempDir()

	// A key that does not match: refused, nothing written.
	got := collectIn(t, flags, dir, first.OrderNumber, "-key", writeKey(t, renewal.LeafKey, 0o600))
	if got.code != exitFailure || !strings.Contains(got.stderr, "the private key does not match the certificate") {
		t.Errorf("mismatched key: exit code %d, stderr %q", got.code, got.stderr)
	}
	if _, err := os.Lstat(filepath.Join(dir, "current")); err == nil {
		t.Error("mismatched key: a set was made live")
	}

	const p12Password = "p12-Pa55-never-printed"
	env := testEnv()
	env[envP12Password] = p12Password
	got = runCmd(t, env, "", append([]string{"collect", "-out", dir, "-order", first.OrderNumber, "-key", writeKey(t, first.LeafKey, 0o400), "-p12"}, flags...)...)
	if got.code != exitOK {
		t.Fatalf("matching key: exit code %d; stderr:\n%s", got.code, got.stderr)
	}
	if strings.Contains(got.stdout+got.stderr, p12Password) {
		t.Error("the PKCS#12 password was printed")
	}
	checkFiles(t, dir, first)
	for _, n := range []string{"privkey.pem", "combined.pem", "cert.p12"} {
		fi, err := os.Stat(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o400 {
			t.Errorf("%s: mode %04o, want 0400 (no looser than the key given)", n, fi.Mode().Perm())
		}
	}
	combined, err := os.ReadFile(filepath.Join(dir, "combined.pem"))
	if err != nil {
		t.Fatal(err)
	}
	full, _ := os.ReadFile(filepath.Join(dir, "fullchain.pem"))
	key, _ := os.ReadFile(filepath.Join(dir, "privkey.pem"))
	if !bytes.Equal(combined, append(full, key...)) {
		t.Error("combined.pem is not fullchain.pem then privkey.pem")
	}

	p12, err := os.ReadFile(filepath.Join(dir, "cert.p12"))
	if err != nil {
		t.Fatal(err)
	}
	_, leaf, cas, err := pkcs12.DecodeChain(p12, p12Password)
	if err != nil {
		t.Fatalf("go-pkcs12: %v", err)
	}
	if !leaf.Equal(first.Leaf) || len(cas) != len(first.CACertificates) {
		t.Errorf("go-pkcs12: leaf %v, %d CA certificates; want the order's leaf and %d", leaf.Subject, len(cas), len(first.CACertificates))
	}

	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed: cert.p12 checked by go-pkcs12 only")
	}
	cmd := exec.Command(openssl, "pkcs12", "-in", filepath.Join(dir, "cert.p12"), "-passin", "env:P12PASS", "-nodes")
	cmd.Env = append(os.Environ(), "P12PASS="+p12Password)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl pkcs12: %v", err)
	}
	if n := strings.Count(string(out), "-----BEGIN CERTIFICATE-----"); n != 1+len(first.CACertificates) {
		t.Errorf("openssl pkcs12: %d certificates, want %d", n, 1+len(first.CACertificates))
	}
	if !strings.Contains(string(out), "-----BEGIN PRIVATE KEY-----") {
		t.Error("openssl pkcs12: no private key")
	}
}

func TestCollectProgress(t *testing.T) {
	srv, flags := testServer(t)
	for _, quiet := range []bool{false, true} {
		o := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing, IssueAfterPolls: 2})
		args := []string{"-wait", "-interval", "1ms"}
		if quiet {
			args = append(args, "-q")
		}
		got := collectIn(t, flags, t.TempDir(), o.OrderNumber, args...)
		if got.code != exitOK {
			t.Fatalf("exit code %d; stderr:\n%s", got.code, got.stderr)
		}
		want := []string{
			"collectssl: poll 1: order " + o.OrderNumber + " still being processed (status 0); next poll in 1ms, at ",
			"collectssl: poll 2: order " + o.OrderNumber + " still being processed (status 0); next poll in 2ms, at ",
		}
		for _, w := range want {
			if strings.Contains(got.stderr, w) == quiet {
				t.Errorf("quiet %v: stderr %q, containing %q: %v", quiet, got.stderr, w, !quiet)
			}
		}
		if quiet && got.stderr != "" {
			t.Errorf("-q: stderr %q, want nothing", got.stderr)
		}
	}
}

func TestCollectVerbose(t *testing.T) {
	srv, flags := testServer(t)
	o := srv.AddOrder(collectssltest.Order{})
	got := collectIn(t, flags, t.TempDir(), o.OrderNumber, "-v")
	if got.code != exitOK || !strings.Contains(got.stderr, "level=DEBUG msg=\"collectssl call\"") {
		t.Errorf("exit code %d, stderr %q; want 0 and a debug line per call", got.code, got.stderr)
	}
	// runCmd fails the test if the password shows.
}

// TestCollectInterrupted: a signal during -wait ends collect with 130
// (SIGINT) or 143 (SIGTERM), nothing written, no temporary entry.
func TestCollectInterrupted(t *testing.T) {
	srv, flags := testServer(t)
	for _, tt := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, exitInterrupted}, {syscall.SIGTERM, exitTerminated}} {
		o := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing})
		dir := t.TempDir()
		ctx, cancel := context.WithCancelCause(context.Background())
		var stdout, stderr syncBuffer
		done := make(chan int, 1)
		go func() {
			args := append([]string{"collect", "-out", dir, "-order", o.OrderNumber, "-wait", "-interval", "1h"}, flags...)
			done <- run(ctx, args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return testEnv()[k] })
		}()
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(stderr.String(), "poll 1:") {
			if time.Now().After(deadline) {
				t.Fatalf("no progress line; stderr %q", stderr.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel(signalError{tt.sig})
		code := <-done
		if code != tt.code || !strings.Contains(stderr.String(), "collectssl: interrupted") {
			t.Errorf("%v: exit code %d, stderr %q; want %d", tt.sig, code, stderr.String(), tt.code)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%v: %d entries in the directory, want none", tt.sig, len(entries))
		}
	}
}

func TestVersion(t *testing.T) {
	got := runCmd(t, nil, "", "version")
	if got.code != exitOK || !strings.HasPrefix(got.stdout, "collectssl ") || !strings.HasSuffix(got.stdout, " "+runtime.Version()+"\n") {
		t.Errorf("version: exit code %d, stdout %q", got.code, got.stdout)
	}
}

// TestCollectSignals builds the command and signals it while -wait polls an
// order that is never issued: SIGINT exits 130 and SIGTERM 143, and no
// temporary file is left in the output directory.
func TestCollectSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	srv, flags := testServer(t)
	o := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing})
	bin := buildCommand(t, t.TempDir())
	for _, tt := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		out := t.TempDir()
		cmd := exec.Command(bin, append([]string{"collect", "-wait", "-interval", "20ms", "-out", out, "-order", o.OrderNumber}, flags...)...)
		cmd.Env = append(os.Environ(), envLogin+"="+testLogin, envPassword+"="+testPassword)
		var stderr syncBuffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); !strings.Contains(stderr.String(), "poll 2:"); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("no second poll after 30s; stderr:\n%s", stderr.String())
			}
		}
		if err := cmd.Process.Signal(tt.sig); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != tt.code {
			t.Errorf("%v: %v; want exit status %d\n%s", tt.sig, err, tt.code, stderr.String())
		}
		if strings.Contains(stderr.String(), testPassword) {
			t.Errorf("%v: the password on stderr", tt.sig)
		}
		left, _ := filepath.Glob(filepath.Join(out, "*"))
		left2, _ := filepath.Glob(filepath.Join(out, ".*"))
		if len(left)+len(left2) > 0 {
			t.Errorf("%v: left in the output directory: %v %v", tt.sig, left, left2)
		}
	}
}

// TestHookEnvHasNoSecrets: the deploy hook's environment holds none of the
// secrets the command reads from its own.
func TestHookEnvHasNoSecrets(t *testing.T) {
	environ := []string{"PATH=/bin", envPassword + "=a", envP12Password + "=b", envTrusticoSecret + "=c", envLogin + "=d"}
	got := hookEnv(environ, &certdir.Outcome{Lineage: "/x", Domains: []string{"a.example"}})
	for _, kv := range got {
		for _, s := range secretEnv {
			if strings.HasPrefix(kv, s+"=") {
				t.Errorf("the hook gets %s", kv)
			}
		}
	}
	if !slices.Contains(got, "PATH=/bin") || !slices.Contains(got, envLogin+"=d") || !slices.Contains(got, "RENEWED_DOMAINS=a.example") {
		t.Errorf("hook environment %v lacks what it should have", got)
	}
}
