//go:build !linux

package servertest

import "syscall"

// procAttr returns no special attributes where Pdeathsig does not exist.
func procAttr() *syscall.SysProcAttr { return nil }
