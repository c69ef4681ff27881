//go:build !unix

// This file holds the side of running a hook for systems without process
// groups: a cancelled collect kills the hook's shell only.

package main

import "os/exec"

// killGroupOnCancel leaves cmd as exec.CommandContext made it.
func killGroupOnCancel(*exec.Cmd) {}
