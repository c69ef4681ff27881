// This file tests Install on bundles of the fake server's orders: the
// layout, the renewal rule, keys, a failure just before the swap, files
// that are not regular, leftovers and pruning.

package certdir

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
	"software.sslmate.com/src/go-pkcs12"
)

func bundleOf(t *testing.T, o collectssltest.Order) *collectssl.Bundle {
	t.Helper()
	b, err := collectssl.NewBundle(o.Chain)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// orders returns an order, its renewal, and an order for other names.
func orders(t *testing.T) (first, renewal, other collectssltest.Order) {
	t.Helper()
	srv := collectssltest.NewServer()
	t.Cleanup(srv.Close)
	first = srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025, Domains: []string{"www.example.test", "example.test"}})
	renewal = srv.AddOrder(collectssltest.Order{Renews: first.OrderNumber, Shape: collectssltest.ShapePre2025})
	other = srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025, Domains: []string{"other.example.test"}})
	return first, renewal, other
}

// liveLeaf reads the leaf behind the stable cert.pem.
func liveLeaf(t *testing.T, dir string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, CertFile))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestInstallRenewalRule(t *testing.T) {
	first, renewal, other := orders(t)
	ctx := context.Background()
	d := &Dir{Path: filepath.Join(t.TempDir(), "live", "example")}
	steps := []struct {
		name   string
		order  collectssltest.Order
		opts   Options
		change Change
		err    error
	}{
		{"first", first, Options{}, Created, nil},
		{"same again", first, Options{}, Unchanged, nil},
		{"other names", other, Options{}, 0, ErrOtherNames},
		{"renewal", renewal, Options{}, Renewed, nil},
		{"renewal again", renewal, Options{}, Unchanged, nil},
		{"older", first, Options{}, 0, ErrNotNewer},
		{"same with a key", renewal, Options{Key: renewal.LeafKey}, Updated, nil},
		{"older, forced", first, Options{Force: true}, Replaced, nil},
	}
	for _, s := range steps {
		before, _ := os.ReadFile(filepath.Join(d.Path, CertFile))
		out, err := d.Install(ctx, bundleOf(t, s.order), &s.opts)
		if s.err != nil {
			if !errors.Is(err, s.err) {
				t.Fatalf("%s: err = %v, want %v", s.name, err, s.err)
			}
			if after := liveLeaf(t, d.Path); !bytes.Equal(before, after) {
				t.Errorf("%s: refused, but cert.pem changed", s.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if out.Change != s.change {
			t.Errorf("%s: change = %v, want %v", s.name, out.Change, s.change)
		}
		leaf, version, err := d.Current()
		if err != nil || !leaf.Equal(s.order.Leaf) {
			t.Errorf("%s: current leaf is not the order's (err %v)", s.name, err)
		}
		if version != out.Version {
			t.Errorf("%s: Current's version %s, Outcome's %s", s.name, version, out.Version)
		}
	}
	// Keep 2: only the last two versions are left.
	entries, err := os.ReadDir(filepath.Join(d.Path, versionsDir))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if want := []string{"0003", "0004"}; !slices.Equal(got, want) {
		t.Errorf("versions = %v, want %v", got, want)
	}
	if want := []string{"example.test", "www.example.test"}; !slices.Equal(Domains(first.Leaf), want) {
		t.Errorf("Domains = %v, want %v", Domains(first.Leaf), want)
	}
}

// TestFailureBeforeSwap: a failure just before the rename leaves the old set
// whole and live, and the new version is gone.
func TestFailureBeforeSwap(t *testing.T) {
	first, renewal, _ := orders(t)
	ctx := context.Background()
	dir := t.TempDir()
	d := &Dir{Path: dir}
	if _, err := d.Install(ctx, bundleOf(t, first), nil); err != nil {
		t.Fatal(err)
	}
	read := func() map[string][]byte {
		m := map[string][]byte{}
		for _, n := range []string{CertFile, ChainFile, FullChainFile, RootFile, PKCS7File} {
			data, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				t.Fatal(err)
			}
			m[n] = data
		}
		return m
	}
	before := read()
	full := bundleOf(t, first)
	if want := full.FullChainPEM(); !bytes.Equal(before[FullChainFile], want) {
		t.Fatal("fullchain.pem is not the first order's")
	}
	injected := errors.New("disk full (injected)")
	d.beforeSwap = func() error { return injected }
	if _, err := d.Install(ctx, bundleOf(t, renewal), nil); !errors.Is(err, injected) {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	after := read()
	for n := range before {
		if !bytes.Equal(before[n], after[n]) {
			t.Errorf("%s changed although the swap failed", n)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, versionsDir))
	if len(entries) != 1 {
		t.Errorf("%d version directories after the failure, want 1", len(entries))
	}
	d.beforeSwap = nil
	if out, err := d.Install(ctx, bundleOf(t, renewal), nil); err != nil || out.Change != Renewed {
		t.Fatalf("after the failure: %v, %v; want renewed", out, err)
	}
	if got := read(); !bytes.Equal(got[CertFile], bundleOf(t, renewal).CertPEM()) || !bytes.Equal(got[FullChainFile], bundleOf(t, renewal).FullChainPEM()) {
		t.Error("the renewal is not live")
	}
}

func TestKey(t *testing.T) {
	first, renewal, _ := orders(t)
	ctx := context.Background()
	dir := t.TempDir()
	d := &Dir{Path: dir}
	if _, err := d.Install(ctx, bundleOf(t, first), &Options{Key: renewal.LeafKey}); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("a key of another certificate: err = %v, want ErrKeyMismatch", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a mismatched key wrote %d entries", len(entries))
	}
	const password = "p12-s3cret-not-shown"
	out, err := d.Install(ctx, bundleOf(t, first), &Options{Key: first.LeafKey, KeyMode: 0o440, PKCS12: true, PKCS12Password: password})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{KeyFile, CombinedFile, PKCS12File} {
		fi, err := os.Stat(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o400 {
			t.Errorf("%s: mode %04o, want 0400 (key 0440 narrowed to 0600's bits)", n, got)
		}
	}
	p12, err := os.ReadFile(filepath.Join(dir, PKCS12File))
	if err != nil {
		t.Fatal(err)
	}
	key, leaf, cas, err := pkcs12.DecodeChain(p12, password)
	if err != nil {
		t.Fatal(err)
	}
	if !leaf.Equal(first.Leaf) || len(cas) != len(first.CACertificates) {
		t.Errorf("cert.p12: leaf or %d CA certificates, want %d", len(cas), len(first.CACertificates))
	}
	if signer, ok := key.(crypto.Signer); !ok || !first.LeafKey.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(signer.Public()) {
		t.Error("cert.p12: the key is not the order's")
	}
	if len(out.Files) != 8 {
		t.Errorf("Files = %v, want 8", out.Files)
	}
	// Again with the same options: unchanged although cert.p12 is salted.
	out, err = d.Install(ctx, bundleOf(t, first), &Options{Key: first.LeafKey, KeyMode: 0o440, PKCS12: true, PKCS12Password: password})
	if err != nil || out.Change != Unchanged {
		t.Errorf("the same again: %v, %v; want unchanged", out, err)
	}
}

// TestNotRegular: a named pipe at a stable name is refused at once.
func TestNotRegular(t *testing.T) {
	first, _, _ := orders(t)
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, CertFile), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := (&Dir{Path: dir}).Install(context.Background(), bundleOf(t, first), nil)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("err = %v, want ErrNotRegular naming a named pipe", err)
		}
	case <-time.After(10 * time.Second): // a guard against hanging, not a speed threshold
		t.Fatal("Install blocked on a named pipe")
	}
	if _, err := ReadFile(filepath.Join(dir, CertFile), 100); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFile of a named pipe: %v, want ErrNotRegular", err)
	}
}

// TestLeftoversAndLegacy: an earlier release's regular files are taken over
// and temporary entries of a dead run removed.
func TestLeftoversAndLegacy(t *testing.T) {
	first, renewal, _ := orders(t)
	dir := t.TempDir()
	b := bundleOf(t, first)
	for n, data := range map[string][]byte{CertFile: b.CertPEM(), FullChainFile: b.FullChainPEM()} {
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, leftover := range []string{filepath.Join(dir, ".tmp-link-1"), filepath.Join(dir, versionsDir, ".tmp-version-1")} {
		if err := os.MkdirAll(leftover, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	d := &Dir{Path: dir}
	out, err := d.Install(context.Background(), bundleOf(t, renewal), nil)
	if err != nil || out.Change != Renewed {
		t.Fatalf("renewal over an earlier release's files: %v, %v", out, err)
	}
	for _, n := range []string{CertFile, FullChainFile} {
		if target, err := os.Readlink(filepath.Join(dir, n)); err != nil || target != "current/"+n {
			t.Errorf("%s: link %q, %v; want current/%s", n, target, err, n)
		}
	}
	filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(e.Name(), tmpPrefix) {
			t.Errorf("leftover %s not removed", path)
		}
		return nil
	})
}

// TestLinksMended: an Install that died between its swap and its stable
// links (here: the links removed by hand) is mended by the next Install of
// the same bundle, which is unchanged.
func TestLinksMended(t *testing.T) {
	first, _, _ := orders(t)
	ctx := context.Background()
	d := &Dir{Path: t.TempDir()}
	b := bundleOf(t, first)
	if _, err := d.Install(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{CertFile, FullChainFile, ChainFile} {
		if err := os.Remove(filepath.Join(d.Path, name)); err != nil {
			t.Fatal(err)
		}
	}
	out, err := d.Install(ctx, b, nil)
	if err != nil || out.Change != Unchanged {
		t.Fatalf("Install again = %+v, %v; want unchanged", out, err)
	}
	if !bytes.Equal(liveLeaf(t, d.Path), b.CertPEM()) {
		t.Error("cert.pem not mended")
	}
}

// TestPruneKeepsTheRollback: a version left by an Install that died before
// its swap does not push out the version the live one replaced.
func TestPruneKeepsTheRollback(t *testing.T) {
	first, renewal, _ := orders(t)
	ctx := context.Background()
	d := &Dir{Path: t.TempDir()} // Keep 2
	if _, err := d.Install(ctx, bundleOf(t, first), nil); err != nil {
		t.Fatal(err)
	}
	// An orphan: written, never made current.
	if err := os.MkdirAll(filepath.Join(d.Path, versionsDir, "0002"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := d.Install(ctx, bundleOf(t, renewal), nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Previous == "" || filepath.Base(out.Previous) != "0001" {
		t.Errorf("Previous = %q, want versions/0001", out.Previous)
	}
	if _, err := os.Stat(filepath.Join(d.Path, versionsDir, "0001")); err != nil {
		t.Errorf("the rollback version was removed: %v (removed %v)", err, out.Removed)
	}
}
