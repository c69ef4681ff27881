// This file holds the clock's alarm on Linux: a timerfd, which the
// netpoller wakes for.

package collectssltest

import (
	"os"
	"syscall"
	"time"
	"unsafe"
)

// timerFD is a Linux timerfd read through the netpoller: it is readable
// from its deadline on (a high-resolution timer), and epoll wakes for it.
type timerFD struct {
	f  *os.File
	rc syscall.RawConn // the descriptor, used only while the file is open
}

const clockMonotonic = 1 // CLOCK_MONOTONIC, the clock of Go's monotonic readings

func platformAlarm() (alarm, error) {
	// TFD_NONBLOCK and TFD_CLOEXEC are O_NONBLOCK and O_CLOEXEC by
	// definition; non-blocking, os.NewFile adds the descriptor to the
	// netpoller.
	fd, _, errno := syscall.Syscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		return nil, os.NewSyscallError("timerfd_create", errno)
	}
	f := os.NewFile(fd, "timerfd")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &timerFD{f: f, rc: rc}, nil
}

func (t *timerFD) set(d time.Duration) error {
	// A zero value would disarm it; a day at most keeps the seconds within
	// a 32-bit time_t (the clock sets it again for what is left).
	var spec struct{ interval, value syscall.Timespec } // struct itimerspec
	spec.value = syscall.NsecToTimespec(int64(min(max(d, 1), 24*time.Hour)))
	var errno syscall.Errno
	err := t.rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall6(syscall.SYS_TIMERFD_SETTIME, fd, 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
	})
	if err != nil {
		return err
	}
	if errno != 0 {
		return os.NewSyscallError("timerfd_settime", errno)
	}
	return nil
}

func (t *timerFD) wait() error {
	var expirations [8]byte
	_, err := t.f.Read(expirations[:])
	return err
}

func (t *timerFD) close() error { return t.f.Close() }
