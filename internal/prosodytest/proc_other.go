//go:build !linux

package prosodytest

import "syscall"

// procAttr returns no special attributes where Pdeathsig does not exist.
func procAttr() *syscall.SysProcAttr { return nil }
