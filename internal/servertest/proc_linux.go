package servertest

import "syscall"

// procAttr makes child processes die with the test binary, so that a test
// that panics or times out leaves no Prosody behind.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
