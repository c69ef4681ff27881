// This file holds the errors of the package: the sentinels callers match
// with errors.Is, and the one error type that carries a path.

package certdir

import (
	"errors"
	"strconv"
)

var (
	// ErrOtherNames: the new certificate is not for the same names as the
	// current one (the renewal rule); Options.Force installs it.
	ErrOtherNames = errors.New("the new certificate is for other names than the current one (force to replace it)")
	// ErrNotNewer: the same names, but the new certificate's notBefore is
	// not later than the current one's; Options.Force installs it.
	ErrNotNewer = errors.New("the new certificate is not newer than the current one (force to replace it)")
	// ErrKeyMismatch: Options.Key is not the key of the certificate.
	ErrKeyMismatch = errors.New("the private key does not match the certificate")
	// ErrNotRegular: a file that should be a regular file (or one of the
	// package's links) is a named pipe, a device, a socket, a directory or
	// a link that is not ours.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: a file is bigger than the caller's limit.
	ErrTooLarge = errors.New("file too large")
	// ErrUnsupported: the platform has no flock(2).
	ErrUnsupported = errors.New("locking a directory is not supported on this platform")
)

// PathError is a failure about one path; Err is a sentinel above or an
// error of the os package.
type PathError struct {
	Op   string // what was done: "reading", "writing", "locking", ...
	Path string
	Err  error
}

// Error returns "certdir: <op> <path>: <err>".
func (e *PathError) Error() string {
	return "certdir: " + e.Op + " " + e.Path + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *PathError) Unwrap() error { return e.Err }

func itoa(i int) string { return strconv.Itoa(i) }
