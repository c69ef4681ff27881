// This file holds the file side: bounded reads, and writing a bundle's files
// atomically (temporary file in the same directory, fsync, rename) without
// ever replacing a different certificate unless asked to.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/collectssl/collectssl"
)

// Modes of what collect creates.
const (
	fileMode = 0o644 // certificates are public
	dirMode  = 0o755
)

// maxExistingFileBytes bounds how much of an existing bundle file is read to
// compare it with the new one: a bundle file is a few KiB; a bigger file is
// different whatever it holds.
const maxExistingFileBytes = 1 << 20

// errTooBig is why readFileLimited refused a file.
var errTooBig = errors.New("file too large")

// readFileLimited reads at most limit bytes of name; a longer file is an
// error.
func readFileLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("collectssl: %w", err)
	}
	defer f.Close()
	return readLimited(f, name, limit)
}

func readLimited(r io.Reader, name string, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("collectssl: reading %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("collectssl: %s: more than %d bytes: %w", name, limit, errTooBig)
	}
	return data, nil
}

// outFile is one file of a bundle.
type outFile struct {
	name string
	data []byte
	skip string // when not "": why the file is not written
}

// bundleFiles lists the files of b, in the order they are written. chain.pem
// is skipped when there are no intermediates, root.pem when no root was
// delivered: an old one is left where it is.
func bundleFiles(b *collectssl.Bundle) ([]outFile, error) {
	p7, err := b.PKCS7()
	if err != nil {
		return nil, err
	}
	all := []outFile{
		{name: "cert.pem", data: b.CertPEM()},
		{name: "chain.pem", data: b.ChainPEM()},
		{name: "fullchain.pem", data: b.FullChainPEM()},
		{name: "root.pem", data: b.RootPEM()},
		{name: "chain.p7b", data: p7},
	}
	if len(b.Intermediates) == 0 {
		all[1].skip = "not written: no intermediate certificate"
	}
	if b.Root == nil {
		all[3].skip = "not written: no root delivered"
	}
	return all, nil
}

// fileOutcome says what happened to one file.
type fileOutcome struct {
	name string
	what string // "written", "replaced", "unchanged", or why it was skipped
}

// errWouldOverwrite: a file holds something else and -force was not given.
var errWouldOverwrite = errors.New("would overwrite a different file (use -force to replace it)")

// writeFiles writes files into dir. First every existing file is compared:
// one holding the same bytes is left alone; one holding anything else stops
// everything (nothing is written) unless force. Then each new or changed file
// is written atomically. dir is created (mode 0755) when missing.
func writeFiles(dir string, files []outFile, force bool) ([]fileOutcome, error) {
	outcomes := make([]fileOutcome, len(files))
	var differ []string
	for i, f := range files {
		outcomes[i] = fileOutcome{name: f.name, what: "written"}
		if f.skip != "" {
			outcomes[i].what = f.skip
			continue
		}
		old, err := readFileLimited(filepath.Join(dir, f.name), maxExistingFileBytes)
		switch {
		case err == nil && bytes.Equal(old, f.data):
			outcomes[i].what = "unchanged"
		case err == nil, errors.Is(err, errTooBig):
			outcomes[i].what = "replaced"
			differ = append(differ, f.name)
		case errors.Is(err, fs.ErrNotExist):
		default:
			return nil, err
		}
	}
	if len(differ) > 0 && !force {
		return nil, fmt.Errorf("collectssl: %s: %s %w", dir, joinNames(differ), errWouldOverwrite)
	}
	if err := ensureDir(dir); err != nil {
		return nil, err
	}
	for i, f := range files {
		if f.skip != "" || outcomes[i].what == "unchanged" {
			continue
		}
		if err := writeFileAtomic(dir, f.name, f.data, fileMode); err != nil {
			return nil, err
		}
	}
	syncDir(dir)
	return outcomes, nil
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			s += " and "
		default:
			s += ", "
		}
		s += n
	}
	if len(names) == 1 {
		return s + " exists and differs;"
	}
	return s + " exist and differ;"
}

// ensureDir creates dir (and its parents) when missing; dir itself gets
// mode 0755 whatever the umask.
func ensureDir(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("collectssl: %s is not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("collectssl: %w", err)
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("collectssl: %w", err)
	}
	if err := os.Chmod(dir, dirMode); err != nil {
		return fmt.Errorf("collectssl: %w", err)
	}
	return nil
}

// writeFileAtomic writes data to dir/name through a temporary file in dir,
// synced and renamed over the target, so that a reader never sees a partial
// file. The temporary file is removed on any failure.
func writeFileAtomic(dir, name string, data []byte, mode fs.FileMode) (err error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("collectssl: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("collectssl: writing %s: %w", tmp, err)
	}
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("collectssl: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("collectssl: syncing %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("collectssl: closing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("collectssl: %w", err)
	}
	return nil
}

// syncDir makes the renames durable where the platform allows; failure is
// not an error (Windows cannot sync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
