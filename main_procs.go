package main

import "runtime"

// oneThread runs Go code on one thread (GOMAXPROCS 1) unless the
// environment's GOMAXPROCS says otherwise (getenv is os.Getenv).
//
// parley's work is a chain of short hand-offs: a stanza is read by the
// session's goroutine, delivered by the account's event queue goroutine,
// drawn by the UI's. With a second processor each hand-off wakes an idle
// OS thread, which looks for work, finds the goroutine already run or
// steals it, and goes back to sleep: futex and epoll calls and the Go
// scheduler's search loop for every message. Measured on the real binary
// against Prosody (bench TestSteady, README "Benchmarks"), a steady stream
// of 100 messages a second cost 20-24 ms of CPU a second on one thread
// against 27-33 on two, with the key echo and the flood's CPU no worse.
// Nothing in parley needs two cores; the system calls that block (disk,
// the terminal) still run on threads of their own.
func oneThread(getenv func(string) string) {
	if getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}
