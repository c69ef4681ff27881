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
	none string // when not "": what the bundle lacks, so that it has no such file ("no root")
	skip string // with none: the outcome when no such file is there either
}

// bundleFiles lists the files of b, in the order they are written. The
// bundle has no chain.pem when there are no intermediates, no root.pem when
// no root was delivered.
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
		all[1].none, all[1].skip = "no intermediate certificate", "not written: no intermediate certificate"
	}
	if b.Root == nil {
		all[3].none, all[3].skip = "no root", "not written: no root delivered"
	}
	return all, nil
}

// fileOutcome says what happened to one file.
type fileOutcome struct {
	name string
	what string // "written", "replaced", "unchanged", "removed: ..." or why it was not written
}

var (
	// errWouldOverwrite: a file holds something else and -force was not
	// given.
	errWouldOverwrite = errors.New("would overwrite a different file (use -force to replace it)")
	// errStaleFile: the bundle has no such file (no intermediate, no root),
	// but one is there, from an earlier collection, and -force was not
	// given. Left alone, the directory would mix two certificates' files.
	errStaleFile = errors.New("would leave a file that may belong to another certificate (use -force to remove it)")
)

// refusalError is why writeFiles wrote nothing: files that differ, files the
// bundle does not have (stale), or both. It matches errWouldOverwrite and
// errStaleFile accordingly.
type refusalError struct {
	dir    string
	differ []string  // names of files holding something else
	stale  []outFile // files the bundle does not have, but which are there
}

func (e *refusalError) Error() string {
	s := "collectssl: " + e.dir + ":"
	if len(e.differ) > 0 {
		s += " " + joinNames(e.differ) + " " + errWouldOverwrite.Error()
		if len(e.stale) > 0 {
			s += ";"
		}
	}
	for i, f := range e.stale {
		if i > 0 {
			s += ","
		}
		s += " " + f.name + " exists but this bundle has " + f.none
	}
	if len(e.stale) > 0 {
		s += "; " + errStaleFile.Error()
	}
	return s
}

func (e *refusalError) Unwrap() []error {
	var errs []error
	if len(e.differ) > 0 {
		errs = append(errs, errWouldOverwrite)
	}
	if len(e.stale) > 0 {
		errs = append(errs, errStaleFile)
	}
	return errs
}

// writeFiles writes files into dir. First every existing file is compared:
// one holding the same bytes is left alone; one holding anything else, or
// one the bundle does not have (a chain.pem or root.pem of an earlier
// collection), stops everything (nothing is written) unless force. Then each
// new or changed file is written atomically, and with force the files the
// bundle does not have are removed, last. dir is created (mode 0755) when
// missing.
func writeFiles(dir string, files []outFile, force bool) ([]fileOutcome, error) {
	outcomes := make([]fileOutcome, len(files))
	var (
		differ []string
		stale  []outFile
	)
	for i, f := range files {
		outcomes[i] = fileOutcome{name: f.name, what: "written"}
		path := filepath.Join(dir, f.name)
		if f.none != "" {
			outcomes[i].what = f.skip
			switch _, err := os.Lstat(path); {
			case err == nil:
				outcomes[i].what = "removed: this bundle has " + f.none
				stale = append(stale, f)
			case errors.Is(err, fs.ErrNotExist):
			default:
				return nil, fmt.Errorf("collectssl: %w", err)
			}
			continue
		}
		old, err := readFileLimited(path, maxExistingFileBytes)
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
	if (len(differ) > 0 || len(stale) > 0) && !force {
		return nil, &refusalError{dir: dir, differ: differ, stale: stale}
	}
	if err := ensureDir(dir); err != nil {
		return nil, err
	}
	for i, f := range files {
		if f.none != "" || outcomes[i].what == "unchanged" {
			continue
		}
		if err := writeFileAtomic(dir, f.name, f.data, fileMode); err != nil {
			return nil, err
		}
	}
	for _, f := range stale {
		if err := os.Remove(filepath.Join(dir, f.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("collectssl: removing the stale %s: %w", f.name, err)
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
