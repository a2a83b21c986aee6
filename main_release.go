package main

import (
	"runtime/debug"
	"sync"
	"time"

	"parley/account"
)

// Handing garbage back to the operating system. Go's collector keeps the
// memory freed by a collection for reuse and returns it only slowly, so
// resident memory after a login (the parsed roster, the archive catch-up)
// or after a flood of messages (each parsed, stored and drawn, then
// dropped: windows keep a bounded number of lines, ui/page.go) stays near
// its peak for minutes. Once such a burst is over parley frees it at once
// (debug.FreeOSMemory: one collection of a heap of a few MB, a few ms).
// Measured with the real binary after two 10,000-message floods (README,
// Benchmarks): see there for the figures.

const (
	// releaseBurst is how many events make a burst worth releasing after.
	releaseBurst = 1000
	// releaseQuiet is how long a burst must have been over.
	releaseQuiet = time.Second
)

// releaser counts the events of a burst of one account (its sink runs on
// the account's goroutines).
type releaser struct {
	mu    sync.Mutex
	n     int // events since the last release
	timer *time.Timer
}

// releaseAfterLogin passes events on, and hands the garbage of a login back
// to the operating system half a second after an account comes online, and
// that of a burst of releaseBurst events or more once releaseQuiet passed
// without one.
func releaseAfterLogin(next account.Sink) account.Sink {
	r := &releaser{}
	return func(ev account.Event) {
		next(ev)
		if se, ok := ev.(account.StateEvent); ok && se.State == account.Online {
			time.AfterFunc(500*time.Millisecond, debug.FreeOSMemory)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.n++
		switch {
		case r.n < releaseBurst:
		case r.timer == nil:
			r.timer = time.AfterFunc(releaseQuiet, r.release)
		default:
			r.timer.Reset(releaseQuiet)
		}
	}
}

// release frees the garbage of the burst that ended.
func (r *releaser) release() {
	r.mu.Lock()
	r.n = 0
	r.mu.Unlock()
	debug.FreeOSMemory()
}
