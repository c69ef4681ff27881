// This file holds the file side of the command: bounded reads of regular
// files only (through certdir.ReadFile, so that a named pipe never blocks),
// and the atomic write of a single file (serve's CA and key files).

package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/collectssl/collectssl/certdir"
)

// Modes of what serve creates.
const fileMode = 0o644

// errTooBig is why readLimited refused its input.
var errTooBig = errors.New("file too large")

// readFileLimited reads at most limit bytes of the regular file name; a
// longer file, or anything but a regular file (a named pipe, a device), is
// an error at once.
func readFileLimited(name string, limit int64) ([]byte, error) {
	data, err := certdir.ReadFile(name, limit)
	if err != nil {
		return nil, fmt.Errorf("collectssl: %w", err)
	}
	return data, nil
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
