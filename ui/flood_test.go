package ui

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
)

// floodEvents makes n incoming messages from alice.
func floodEvents(f *fakeAccount, n int) []account.Event {
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	evs := make([]account.Event, n)
	for i := range evs {
		evs[i] = msgIn(f, "alice@example.org/x", fmt.Sprintf("flood message number %d with some text in it", i), t0)
	}
	return evs
}

// TestCoalescing posts 10,000 messages from another goroutine and counts
// the redraws they cost: bursts must coalesce (a count, not a time).
func TestCoalescing(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	h.sync(func() { h.u.show(0) })
	evs := floodEvents(f, 10000)
	before := h.u.draws.Load()
	appliedBefore := h.u.applied.Load()
	go func() {
		for _, ev := range evs {
			h.u.Post(ev)
		}
	}()
	h.waitFor("all applied", func() bool { return h.u.applied.Load()-appliedBefore == int64(len(evs)) })
	draws := h.u.draws.Load() - before
	t.Logf("10,000 posted messages cost %d redraws", draws)
	if draws >= 100 {
		t.Errorf("10,000 messages cost %d redraws, want < 100", draws)
	}
	var n, unread int
	h.sync(func() { n, unread = h.u.wins[1].buf.len(), h.u.wins[1].unread })
	if n != 10000 || unread != 10000 {
		t.Errorf("window holds %d lines, %d unread; want 10000, 10000", n, unread)
	}
}

// BenchmarkFlood posts 10,000 incoming messages and waits until they are
// applied and drawn (the conversation shown) on a simulation screen. The
// frame gap is off so that the figure is the UI's own cost.
func BenchmarkFlood(b *testing.B) {
	f := newFake("me@example.org")
	var target atomic.Int64
	drawn := make(chan struct{}, 1)
	var u *UI
	h := startUIPrep(b, 100, 30, func(x *UI) {
		u = x
		x.frameGap = 0
		x.onDraw = func() {
			if t := target.Load(); t > 0 && x.applied.Load() >= t {
				target.Store(0)
				drawn <- struct{}{}
			}
		}
	}, f)
	h.post(rosterEv(f, item("alice@example.org", "Alice")))
	h.sync(func() { u.show(u.cur) })
	h.post(floodEvents(f, 1)...)
	h.sync(func() { u.show(1) })
	evs := floodEvents(f, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		target.Store(u.applied.Load() + int64(len(evs)))
		for _, ev := range evs {
			u.Post(ev)
		}
		<-drawn
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(evs)), "ns/msg")
}

// BenchmarkKeyEcho measures one key press until it is drawn, with a
// 10,000-line conversation on screen.
func BenchmarkKeyEcho(b *testing.B) {
	f := newFake("me@example.org")
	var want atomic.Int64
	drawn := make(chan struct{}, 1)
	var u *UI
	h := startUIPrep(b, 100, 30, func(x *UI) {
		u = x
		x.onDraw = func() {
			if w := want.Load(); w > 0 && int64(len(x.input.text)) >= w {
				want.Store(0)
				drawn <- struct{}{}
			}
		}
	}, f)
	h.post(floodEvents(f, 10000)...)
	h.sync(func() { u.show(1) })
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%64 == 0 {
			b.StopTimer()
			h.sync(func() { u.input.set("") })
			b.StartTimer()
		}
		want.Store(int64(i%64 + 1))
		h.scr.InjectKey(tcell.KeyRune, 'x', tcell.ModNone)
		<-drawn
	}
}
