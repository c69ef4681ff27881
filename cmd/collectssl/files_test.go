// This file tests writeFiles directly: which files it writes, skips, leaves,
// removes and refuses, their modes, and that it leaves no temporary file
// behind.

package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/google/go-cmp/cmp"
)

func testBundle(t *testing.T, o certgen.Options) *collectssl.Bundle {
	t.Helper()
	chain := certgen.MustNew(o)
	b, err := collectssl.NewBundle(chain.Served())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWriteFiles(t *testing.T) {
	testMode := testBundle(t, certgen.Options{Shape: certgen.TestMode})
	full := testBundle(t, certgen.Options{Shape: certgen.Shape2025})
	other := testBundle(t, certgen.Options{Shape: certgen.Shape2025, Domains: []string{"other.example.test"}})
	noRoot := &collectssl.Bundle{Leaf: full.Leaf, Intermediates: full.Intermediates}
	testModeP7, err := testMode.PKCS7()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		before  map[string][]byte // files present before
		bundle  *collectssl.Bundle
		force   bool
		want    map[string]string // file -> outcome
		wantErr string
		wantIs  []error // what the error must match
	}{
		{
			name:   "test mode: no chain.pem",
			bundle: testMode,
			want: map[string]string{"cert.pem": "written", "chain.pem": "not written: no intermediate certificate",
				"fullchain.pem": "written", "root.pem": "written", "chain.p7b": "written"},
		},
		{
			name:    "a foreign cert.pem is refused",
			before:  map[string][]byte{"cert.pem": other.CertPEM()},
			bundle:  full,
			wantErr: "cert.pem exists and differs; would overwrite a different file",
		},
		{
			name:    "an oversized file counts as different",
			before:  map[string][]byte{"root.pem": bytes.Repeat([]byte("x"), maxExistingFileBytes+1)},
			bundle:  full,
			wantErr: "root.pem exists and differs",
		},
		{
			name:   "-force replaces",
			before: map[string][]byte{"cert.pem": other.CertPEM(), "chain.pem": full.ChainPEM()},
			bundle: full,
			force:  true,
			want: map[string]string{"cert.pem": "replaced", "chain.pem": "unchanged",
				"fullchain.pem": "written", "root.pem": "written", "chain.p7b": "written"},
		},
		{
			name:    "a stale root.pem is refused when no root is delivered",
			before:  map[string][]byte{"root.pem": []byte("old")},
			bundle:  noRoot,
			wantErr: "root.pem exists but this bundle has no root; would leave a file that may belong to another certificate (use -force to remove it)",
			wantIs:  []error{errStaleFile},
		},
		{
			name: "a stale chain.pem is refused although everything else is the same",
			before: map[string][]byte{"cert.pem": testMode.CertPEM(), "fullchain.pem": testMode.FullChainPEM(),
				"root.pem": testMode.RootPEM(), "chain.p7b": testModeP7, "chain.pem": full.ChainPEM()},
			bundle:  testMode,
			wantErr: ": chain.pem exists but this bundle has no intermediate certificate; would leave",
			wantIs:  []error{errStaleFile},
		},
		{
			name:    "a differing and a stale file are both named",
			before:  map[string][]byte{"cert.pem": other.CertPEM(), "root.pem": full.RootPEM()},
			bundle:  noRoot,
			wantErr: ": cert.pem exists and differs; would overwrite a different file (use -force to replace it); root.pem exists but this bundle has no root; would leave",
			wantIs:  []error{errWouldOverwrite, errStaleFile},
		},
		{
			name:   "-force removes a stale root.pem",
			before: map[string][]byte{"root.pem": []byte("old"), "cert.pem": noRoot.CertPEM()},
			bundle: noRoot,
			force:  true,
			want: map[string]string{"cert.pem": "unchanged", "chain.pem": "written",
				"fullchain.pem": "written", "root.pem": "removed: this bundle has no root", "chain.p7b": "written"},
		},
		{
			name:   "-force removes a stale chain.pem and replaces the rest",
			before: map[string][]byte{"cert.pem": full.CertPEM(), "chain.pem": full.ChainPEM(), "root.pem": full.RootPEM()},
			bundle: testMode,
			force:  true,
			want: map[string]string{"cert.pem": "replaced", "chain.pem": "removed: this bundle has no intermediate certificate",
				"fullchain.pem": "written", "root.pem": "replaced", "chain.p7b": "written"},
		},
		{
			name:   "no root before, none now: nothing to do",
			before: map[string][]byte{"cert.pem": noRoot.CertPEM()},
			bundle: noRoot,
			want: map[string]string{"cert.pem": "unchanged", "chain.pem": "written",
				"fullchain.pem": "written", "root.pem": "not written: no root delivered", "chain.p7b": "written"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, data := range tt.before {
				if err := os.WriteFile(filepath.Join(dir, n), data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			files, err := bundleFiles(tt.bundle)
			if err != nil {
				t.Fatal(err)
			}
			outcomes, err := writeFiles(dir, files, tt.force)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				for _, target := range tt.wantIs {
					if !errors.Is(err, target) {
						t.Errorf("err = %v, want it to match %v", err, target)
					}
				}
				for n, data := range tt.before {
					got, _ := os.ReadFile(filepath.Join(dir, n))
					if !bytes.Equal(got, data) {
						t.Errorf("%s changed although writeFiles refused", n)
					}
				}
				if entries, _ := os.ReadDir(dir); len(entries) != len(tt.before) {
					t.Errorf("%d files in the directory after a refusal, want %d", len(entries), len(tt.before))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, o := range outcomes {
				got[o.name] = o.what
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcomes (-want +got):\n%s", diff)
			}
			for _, f := range files {
				path := filepath.Join(dir, f.name)
				data, err := os.ReadFile(path)
				if f.none != "" {
					// Never written, and removed when it was there.
					if err == nil {
						t.Errorf("%s is there, but the bundle has no such file: %q", f.name, data)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(data, f.data) {
					t.Errorf("%s does not hold the bundle's bytes", f.name)
				}
				fi, _ := os.Stat(path)
				if got[f.name] != "unchanged" && fi.Mode().Perm() != fileMode {
					t.Errorf("%s: mode %v, want %v", f.name, fi.Mode().Perm(), os.FileMode(fileMode))
				}
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp-") {
					t.Errorf("temporary file %s left behind", e.Name())
				}
			}
		})
	}
}

func TestWriteFilesOutIsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := bundleFiles(testBundle(t, certgen.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writeFiles(file, files, false); err == nil || !strings.HasPrefix(err.Error(), "collectssl: ") {
		t.Errorf("err = %v, want a collectssl: error", err)
	}
}
