//go:build unix

package ui

import "syscall"

// detached starts a program in a session of its own, away from parley's
// terminal (no signals from its keys, no job control).
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
