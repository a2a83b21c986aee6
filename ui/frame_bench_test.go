package ui

import (
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/gdamore/tcell/v2/terminfo"

	"parley/account"
	"parley/muc"
)

// BenchmarkFrameOneLine is the cost of the frame that shows one new line in
// the conversation of a 120x40 screen, with a 2,000-contact roster and a
// 1,000-occupant room open (the room is the window in front): the message
// is applied and the frame drawn and shown, as after each message of a
// trickle.
func BenchmarkFrameOneLine(b *testing.B) {
	b.Run("sim", func(b *testing.B) { benchFrameOneLine(b, nil) })
	b.Run("tty", func(b *testing.B) {
		ti, err := terminfo.LookupTerminfo("xterm-256color")
		if err != nil {
			b.Skip("no xterm-256color terminfo:", err)
		}
		tty := newRecTty(120, 40)
		scr, err := tcell.NewTerminfoScreenFromTtyTerminfo(tty, ti)
		if err != nil {
			b.Fatal(err)
		}
		benchFrameOneLine(b, &ttyScreen{scr, tty})
	})
}

// ttyScreen is a terminfo screen over a recording tty.
type ttyScreen struct {
	scr tcell.Screen
	tty *recTty
}

// cpuTime is the CPU time the process has used (user and system): a
// benchmark figure that other load on the machine disturbs less than the
// wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchFrameOneLine(b *testing.B, term *ttyScreen) {
	f := newFake("me@example.org")
	rf := newRoomFake(f)
	rf.occupants = nil
	for i := 0; i < 1000; i++ {
		role := muc.RoleParticipant
		if i < 20 {
			role = muc.RoleModerator
		}
		rf.occupants = append(rf.occupants, muc.Occupant{Nick: fmt.Sprintf("user%04d", i), Role: role, Affiliation: muc.AffMember, Show: []string{"", "away", "dnd"}[i%3]})
	}
	var target atomic.Int64
	drawn := make(chan struct{}, 1)
	prep := func(x *UI) {
		x.accts[0].a = rf
		x.frameGap = 0
		x.onDraw = func() {
			if t := target.Load(); t > 0 && x.applied.Load() >= t {
				target.Store(0)
				drawn <- struct{}{}
			}
		}
	}
	var h *harness
	if term == nil {
		h = startUIPrep(b, 120, 40, prep, f)
	} else {
		h = runUI(b, term.scr, prep, f)
	}
	h.post(account.StateEvent{Base: base(f), State: account.Online})
	items := make([]account.RosterItem, 2000)
	for i := range items {
		items[i] = item(fmt.Sprintf("contact%04d@example.org", i), fmt.Sprintf("Contact %04d", i), []string{"Friends", "Work", "Family"}[i%3])
	}
	h.post(rosterEv(f, items...))
	h.sync(func() { h.u.submit("/join dev@conf.example.org/zed") })
	h.waitFor("joined", func() bool { w := h.u.curWin(); return w.kind == winRoom && w.room.state == muc.Joined })
	h.post(roomChange(rf, withSelf(rf.occupants, muc.Occupant{Nick: "zed", Role: muc.RoleParticipant}),
		muc.SubjectChanged{At: muc.At{Room: testRoom}, Subject: "release on friday"}))
	u := h.u
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	evs := make([]account.Event, 64)
	for i := range evs {
		evs[i] = roomMsg(rf, fmt.Sprintf("user%04d", i*7), fmt.Sprintf("message %d of a steady stream, a line of ordinary length", i), t0)
	}
	for _, ev := range evs { // fill the conversation pane
		u.Post(ev)
	}
	h.settle()
	if term != nil {
		term.tty.sent()
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		target.Store(u.applied.Load() + 1)
		u.Post(evs[i%len(evs)])
		<-drawn
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	if term != nil {
		b.ReportMetric(float64(len(term.tty.sent()))/float64(b.N), "bytes/frame")
	}
}
