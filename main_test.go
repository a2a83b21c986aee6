package main

import (
	"testing"

	"parley/account"
)

// TestAllocWatch: a release comes at the quiet tick that ends a burst of
// releaseEnded bytes or more, at a quiet tick once releaseAfter bytes were
// allocated, or at the first quiet tick after memory was freed without
// allocating; never while idle or in the middle of a burst.
func TestAllocWatch(t *testing.T) {
	const mb = 1 << 20
	var w allocWatch
	var total uint64
	steps := []struct {
		alloc uint64 // bytes allocated during the tick
		freed bool   // an acknowledgement let go of much before the tick
		want  bool
	}{
		{0, false, false},                // idle
		{100 << 10, false, false},        // a little: not enough since the start
		{3 * mb, false, false},           // a burst
		{3 * mb, false, false},           // still
		{0, false, true},                 // over: release
		{0, false, false},                // idle: not again
		{releaseIdle - 1, false, false},  // a trickle
		{releaseAfter, false, false},     // a burst
		{releaseIdle - 1, false, true},   // a quiet tick: release
		{releaseIdle, false, false},      // not quiet
		{releaseAfter - 1, false, false}, // a burst, of a little less than releaseAfter
		{0, false, true},                 // with the tick before: enough
		{mb, true, false},                // freed, but not quiet
		{0, false, true},                 // quiet: release
		{0, true, true},                  // freed while idle: release
		{0, false, false},                // once
		{releaseEnded / 2, false, false}, // a small burst
		{0, false, false},                // over: not worth a release
		{releaseEnded, false, false},     // a burst of releaseEnded
		{0, false, true},                 // over: with the one before, release
		{releaseIdle - 1, false, false},  // quiet, some
		{releaseIdle - 1, false, false},  // quiet: no burst ended
	}
	for i, s := range steps {
		total += s.alloc
		if s.freed {
			w.freed = true
		}
		if got := w.step(total); got != s.want {
			t.Fatalf("tick %d (%d bytes): release %v, want %v", i, s.alloc, got, s.want)
		}
	}
}

// TestSignalAcked: only an acknowledgement of releaseAcked bytes or more
// is signalled, without waiting.
func TestSignalAcked(t *testing.T) {
	acked := make(chan struct{}, 1)
	f := signalAcked(acked)
	f(releaseAcked - 1)
	select {
	case <-acked:
		t.Fatal("a small acknowledgement was signalled")
	default:
	}
	f(releaseAcked)
	f(releaseAcked) // the channel is full: does not wait
	<-acked
}

// TestSignalOnline: events pass on unchanged and in order; an account
// coming online is signalled without waiting, however often.
func TestSignalOnline(t *testing.T) {
	online := make(chan struct{}, 1)
	var got []account.State
	sink := signalOnline(func(ev account.Event) { got = append(got, ev.(account.StateEvent).State) }, online)
	for _, st := range []account.State{account.Connecting, account.Online, account.Reconnecting, account.Online} {
		sink(account.StateEvent{State: st})
	}
	if len(got) != 4 || got[1] != account.Online || got[2] != account.Reconnecting {
		t.Fatalf("forwarded %v", got)
	}
	select {
	case <-online:
	default:
		t.Fatal("coming online was not signalled")
	}
}
