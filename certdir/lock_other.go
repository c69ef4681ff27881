// This file holds the lock where flock(2) does not exist: Install fails.

//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package certdir

import "os"

func tryLock(*os.File) (bool, error) { return false, ErrUnsupported }

func openLockFile(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
}
