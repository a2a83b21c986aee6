package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
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
//
// A burst is seen in what the process allocates, not in the events of the
// accounts: a login with a large roster on Prosody brings, besides the
// roster and the presences, as many disco#info requests as contacts on
// that server (each contact's PEP service asks for our features), answered
// in the session's handler without an event, up to a second after the
// account is online. parley looks every releaseTick at the bytes allocated
// so far: a tick that allocated less than releaseIdle is quiet; the first
// quiet one after busy ones ends a burst, released when releaseEnded or
// more were allocated since the last release (a flood's last seconds, when
// a quiet tick in its middle released the rest). An idle parley allocates
// next to nothing, so it is not released again and again; a steady trickle
// of messages, all quiet ticks, is released every releaseAfter. What a
// burst leaves held for a while is freed without allocating, so no burst
// shows it: the stream-management queue of the stanzas sent meanwhile
// (2.6 MB of disco#info answers on that login, acknowledged only once
// Prosody has read them all, seconds later). An account says when an
// acknowledgement let go of releaseAcked bytes or more, and the next quiet
// tick releases them.
//
// Until loginSettle after the first account came online, the collector
// runs at loginGOGC instead of Go's default 100 (unless GOGC is set): the
// heap of a login peaks at its goal, twice the live heap by default, and
// the login is the largest burst; later bursts (floods) keep the default,
// which costs the least CPU.

const (
	// releaseTick is how often the allocations are looked at.
	releaseTick = 250 * time.Millisecond
	// releaseAfter is how many bytes allocated since the last release
	// make a release worth a collection.
	releaseAfter = 4 << 20
	// releaseIdle is what a tick allocates at most to count as quiet.
	releaseIdle = 256 << 10
	// releaseEnded is how many bytes allocated since the last release
	// make one worth it at the end of a burst.
	releaseEnded = 1 << 20
	// releaseAcked is how many bytes one acknowledgement must let go of
	// to be released.
	releaseAcked = 1 << 20
	// loginGOGC is the collector's GOGC during the first login.
	loginGOGC = 50
	// loginSettle is how long after coming online the login is taken
	// to be over.
	loginSettle = 3 * time.Second
)

// allocWatch decides the releases from the running total of allocated
// bytes.
type allocWatch struct {
	last  uint64 // the total at the previous tick
	mark  uint64 // the total at the last release
	busy  bool   // the previous tick was not quiet
	freed bool   // memory was let go of without allocating (releaseAcked)
}

// step takes the total allocated at a tick and reports whether to release
// now.
func (w *allocWatch) step(total uint64) bool {
	tick := total - w.last
	w.last = total
	if tick >= releaseIdle {
		w.busy = true
		return false
	}
	since, ended := total-w.mark, w.busy
	w.busy = false
	if since < releaseAfter && (!ended || since < releaseEnded) && !w.freed {
		return false
	}
	w.mark, w.freed = total, false
	return true
}

// releaseWhenIdle frees the garbage of each burst of allocations once it
// is over, until ctx ends. With lowGC, the collector runs at loginGOGC
// until loginSettle after the first value on online (an account came
// online); a value on acked (an account's acknowledgement let go of
// releaseAcked bytes or more) has the next quiet tick release.
func releaseWhenIdle(ctx context.Context, lowGC bool, online, acked <-chan struct{}) {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	var w allocWatch
	prev := 0
	if lowGC {
		prev = debug.SetGCPercent(loginGOGC)
	}
	var settled <-chan time.Time // the first login is over
	t := time.NewTicker(releaseTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-online:
			if lowGC && settled == nil {
				settled = time.After(loginSettle)
			}
			continue
		case <-settled:
			debug.SetGCPercent(prev)
			lowGC, settled = false, nil
			continue
		case <-acked:
			w.freed = true
			continue
		case <-t.C:
		}
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindUint64 && w.step(s[0].Value.Uint64()) {
			debug.FreeOSMemory()
		}
	}
}

// signalOnline passes events on to next, and sends on online (without
// waiting) when an account comes online.
func signalOnline(next account.Sink, online chan<- struct{}) account.Sink {
	return func(ev account.Event) {
		next(ev)
		if se, ok := ev.(account.StateEvent); ok && se.State == account.Online {
			select {
			case online <- struct{}{}:
			default:
			}
		}
	}
}

// signalAcked is an account.Config.Acked that sends on acked (without
// waiting) when an acknowledgement let go of releaseAcked bytes or more.
func signalAcked(acked chan<- struct{}) func(int) {
	return func(n int) {
		if n < releaseAcked {
			return
		}
		select {
		case acked <- struct{}{}:
		default:
		}
	}
}
