// This file holds the file side: reading only regular files, without ever
// blocking on a named pipe; rendering a bundle into the files of a version;
// and writing a version directory and a link atomically.

package certdir

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/collectssl/collectssl"
	"software.sslmate.com/src/go-pkcs12"
)

// maxVersionFileBytes bounds what Install reads of a file of the current
// set: a bundle file is a few KiB; a bigger file is different whatever it
// holds.
const maxVersionFileBytes = 1 << 20

// ReadFile reads the regular file name (a link to one is followed), at most
// limit bytes; a longer file is an error matching ErrTooLarge. Anything but
// a regular file (a named pipe, a device, a directory) is refused at once
// with ErrNotRegular: the file is opened without blocking and checked before
// a byte is read.
func ReadFile(name string, limit int64) ([]byte, error) {
	f, err := openRegular(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &PathError{Op: "reading", Path: name, Err: err}
	}
	if int64(len(data)) > limit {
		return nil, &PathError{Op: "reading", Path: name, Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)}
	}
	return data, nil
}

// openRegular opens name for reading without blocking (O_NONBLOCK: opening
// a named pipe with no writer returns at once) and refuses it unless it is a
// regular file.
func openRegular(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, &PathError{Op: "opening", Path: name, Err: unwrapPath(err)}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &PathError{Op: "opening", Path: name, Err: unwrapPath(err)}
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &PathError{Op: "opening", Path: name, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kind(fi.Mode()))}
	}
	return f, nil
}

// unwrapPath drops the *fs.PathError around err: PathError names the path.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// kind names a file type for messages.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a regular file"
}

// file is one file of a version.
type file struct {
	name   string
	data   []byte
	mode   fs.FileMode
	salted bool // the bytes differ at each rendering (cert.p12): compared by presence only
}

// render lists the files of b with opts, in the order of names. It checks
// the key against the leaf first.
func render(b *collectssl.Bundle, opts *Options) ([]file, error) {
	if b == nil || b.Leaf == nil {
		return nil, errors.New("certdir: a bundle without a leaf")
	}
	if opts.Key != nil {
		pub, ok := opts.Key.Public().(interface{ Equal(x crypto.PublicKey) bool })
		if !ok || !pub.Equal(b.Leaf.PublicKey) {
			return nil, fmt.Errorf("certdir: %w", ErrKeyMismatch)
		}
	}
	if opts.PKCS12 && opts.Key == nil {
		return nil, errors.New("certdir: PKCS#12 needs the private key")
	}
	p7, err := b.PKCS7()
	if err != nil {
		return nil, err
	}
	files := []file{
		{name: CertFile, data: b.CertPEM(), mode: publicMode},
		{name: ChainFile, data: b.ChainPEM(), mode: publicMode},
		{name: FullChainFile, data: b.FullChainPEM(), mode: publicMode},
		{name: RootFile, data: b.RootPEM(), mode: publicMode},
		{name: PKCS7File, data: p7, mode: publicMode},
	}
	if len(b.Intermediates) == 0 {
		files[1].data = nil
	}
	if opts.Key != nil {
		der, err := x509.MarshalPKCS8PrivateKey(opts.Key)
		if err != nil {
			return nil, fmt.Errorf("certdir: encoding the private key: %w", err)
		}
		mode := opts.KeyMode & DefaultKeyMode
		if opts.KeyMode == 0 {
			mode = DefaultKeyMode
		}
		mode |= 0o400 // the owner must be able to read it back
		keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		files = append(files,
			file{name: KeyFile, data: keyPEM, mode: mode},
			file{name: CombinedFile, data: append(b.FullChainPEM(), keyPEM...), mode: mode})
		if opts.PKCS12 {
			cas := append([]*x509.Certificate(nil), b.Intermediates...)
			if b.Root != nil {
				cas = append(cas, b.Root)
			}
			p12, err := pkcs12.Modern.Encode(opts.Key, b.Leaf, cas, opts.PKCS12Password)
			if err != nil {
				// go-pkcs12's errors name no password; ours neither.
				return nil, fmt.Errorf("certdir: encoding PKCS#12: %w", err)
			}
			files = append(files, file{name: PKCS12File, data: p12, mode: mode, salted: true})
		}
	}
	kept := files[:0]
	for _, f := range files {
		if f.data != nil {
			kept = append(kept, f)
		}
	}
	return kept, nil
}

// sameFiles reports whether the version directory dir holds exactly files:
// the same names, the same bytes (salted files: present), the same modes.
func sameFiles(dir string, files []file) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, &PathError{Op: "reading", Path: dir, Err: unwrapPath(err)}
	}
	if len(entries) != len(files) {
		return false, nil
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, &PathError{Op: "reading", Path: path, Err: unwrapPath(err)}
		}
		if !fi.Mode().IsRegular() {
			return false, &PathError{Op: "reading", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kind(fi.Mode()))}
		}
		if fi.Mode().Perm() != f.mode || f.salted {
			if fi.Mode().Perm() != f.mode {
				return false, nil
			}
			continue
		}
		old, err := ReadFile(path, maxVersionFileBytes)
		if errors.Is(err, ErrTooLarge) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !bytes.Equal(old, f.data) {
			return false, nil
		}
	}
	return true, nil
}

// writeVersion writes files into a new temporary directory under parent,
// each synced, the directory synced, and returns its path. On failure
// nothing is left.
func writeVersion(parent string, files []file) (dir string, err error) {
	dir, err = os.MkdirTemp(parent, tmpPrefix+"version-*")
	if err != nil {
		return "", &PathError{Op: "creating a directory in", Path: parent, Err: unwrapPath(err)}
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if err := os.Chmod(dir, dirMode); err != nil {
		return "", &PathError{Op: "chmod", Path: dir, Err: unwrapPath(err)}
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return "", err
		}
	}
	syncDir(dir)
	return dir, nil
}

// writeFile creates name (which must not exist) with data and mode, synced.
func writeFile(name string, data []byte, mode fs.FileMode) (err error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return &PathError{Op: "writing", Path: name, Err: unwrapPath(err)}
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = &PathError{Op: "writing", Path: name, Err: unwrapPath(cerr)}
		}
	}()
	if err := f.Chmod(mode); err != nil { // whatever the umask
		return &PathError{Op: "writing", Path: name, Err: unwrapPath(err)}
	}
	if _, err := f.Write(data); err != nil {
		return &PathError{Op: "writing", Path: name, Err: unwrapPath(err)}
	}
	if err := f.Sync(); err != nil {
		return &PathError{Op: "syncing", Path: name, Err: unwrapPath(err)}
	}
	return nil
}

// symlinkAtomic makes name a symbolic link to target with one rename of a
// temporary link in name's directory, so that name is the old entry or the
// new link, never missing.
func symlinkAtomic(target, name string) error {
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, tmpPrefix+"link-*")
	if err != nil {
		return &PathError{Op: "creating a link in", Path: dir, Err: unwrapPath(err)}
	}
	tmpName := tmp.Name()
	tmp.Close()
	// The name was reserved by CreateTemp; the link takes its place.
	if err := os.Remove(tmpName); err != nil {
		return &PathError{Op: "creating a link in", Path: dir, Err: unwrapPath(err)}
	}
	if err := os.Symlink(target, tmpName); err != nil {
		return &PathError{Op: "creating a link in", Path: dir, Err: unwrapPath(err)}
	}
	if err := os.Rename(tmpName, name); err != nil {
		os.Remove(tmpName)
		return &PathError{Op: "renaming a link to", Path: name, Err: unwrapPath(err)}
	}
	return nil
}

// syncDir makes renames in dir durable where the platform allows; failure
// is not an error (Windows cannot sync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
