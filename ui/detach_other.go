//go:build !unix

package ui

import "syscall"

// detached: nothing to do here.
func detached() *syscall.SysProcAttr { return nil }
