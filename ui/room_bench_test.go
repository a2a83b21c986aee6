package ui

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"parley/account"
	"parley/muc"
)

// BenchmarkRoomOccupants applies a RoomEvent with 1,000 occupants (a new
// snapshot each time, as after a presence change) and draws the room window
// with its occupant pane.
func BenchmarkRoomOccupants(b *testing.B) {
	h, f := startRoomUI(b, 120, 40, true)
	joinTestRoom(h, f)
	snaps := make([][]muc.Occupant, 2)
	for s := range snaps {
		for i := 0; i < 1000; i++ {
			role := muc.RoleParticipant
			switch {
			case i < 20:
				role = muc.RoleModerator
			case i >= 900:
				role = muc.RoleVisitor
			}
			snaps[s] = append(snaps[s], muc.Occupant{Nick: fmt.Sprintf("user%04d", i), Role: role, Affiliation: muc.AffMember, Show: []string{"", "away", "dnd"}[i%3]})
		}
		snaps[s] = withSelf(snaps[s], muc.Occupant{Nick: "zed", Role: muc.RoleParticipant})
	}
	u := h.u
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev := roomChange(f, snaps[i%2], muc.PresenceChanged{At: muc.At{Room: testRoom}, Nick: "user0001", Show: "away"})
		u.app.QueueUpdateDraw(func() { u.apply(ev) })
	}
	b.StopTimer()
	if !strings.Contains(h.text(), "Participants (881)") {
		b.Fatalf("occupant pane not drawn:\n%s", h.text())
	}
}

// BenchmarkRoomFlood posts 10,000 groupchat messages (some mentioning us)
// to a room window shown with its occupant pane and waits until all are
// applied and drawn.
func BenchmarkRoomFlood(b *testing.B) {
	f := newFake("me@example.org")
	rf := newRoomFake(f)
	var target atomic.Int64
	drawn := make(chan struct{}, 1)
	h := startUIPrep(b, 100, 30, func(x *UI) {
		x.accts[0].a = rf
		x.frameGap = 0
		x.onDraw = func() {
			if t := target.Load(); t > 0 && x.applied.Load() >= t {
				target.Store(0)
				drawn <- struct{}{}
			}
		}
	}, f)
	joinTestRoom(h, rf)
	u := h.u
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	evs := make([]account.Event, 10000)
	for i := range evs {
		body := fmt.Sprintf("message %d in the flood, with some words to wrap and to search for mentions", i)
		if i%100 == 0 {
			body = "zed: " + body
		}
		evs[i] = roomMsg(rf, testOccupants()[i%6].Nick, body, t0)
	}
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
