// This file holds the lock where flock(2) does not exist: Install fails.

//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package certdir

import "os"

func tryLock(*os.File) (bool, error) { return false, ErrUnsupported }
