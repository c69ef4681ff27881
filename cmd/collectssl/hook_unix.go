//go:build unix

// This file holds the Unix side of running a hook: the hook gets a process
// group of its own, which a cancelled collect kills whole.

package main

import (
	"os/exec"
	"syscall"
)

// killGroupOnCancel puts cmd in a new process group and makes its context's
// end kill the group, so that what the hook started goes too.
func killGroupOnCancel(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
