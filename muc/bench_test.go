package muc

import (
	"fmt"
	"testing"

	"mellium.im/xmpp/jid"
)

// burst returns the presences of a room with n occupants joining, ours
// last, as a join would deliver them.
func burst(b *testing.B, n int) []Presence {
	items := []string{modOwner, partNone, partNone, partNone, visitor}
	out := make([]Presence, 0, n)
	for i := 0; i < n-1; i++ {
		out = append(out, parseP(b, pres(fmt.Sprintf("Nick%04d", (i*7919)%n), "", items[i%len(items)])))
	}
	return append(out, parseP(b, pres("me", "", partNone, "110")))
}

func BenchmarkHandlePresenceJoinBurst1000(b *testing.B) {
	ps := burst(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		r := NewRoom(jid.MustParse(room), "me")
		r.StartJoin("me")
		for _, p := range ps {
			r.HandlePresence(p)
		}
	}
}

func BenchmarkParsePresence(b *testing.B) {
	s := pres("firstwitch", "", modOwner, "110", "100")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parsePresenceText(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOccupantsSorted1000(b *testing.B) {
	r := NewRoom(jid.MustParse(room), "me")
	r.StartJoin("me")
	for _, p := range burst(b, 1000) {
		r.HandlePresence(p)
	}
	r.Occupants()
	b.ReportAllocs()
	for b.Loop() {
		r.Groups()
	}
}

// BenchmarkOccupantsAfterChange1000 is the cost of a redraw after one
// occupant changed role: one re-sort of a nearly sorted list plus the copy.
func BenchmarkOccupantsAfterChange1000(b *testing.B) {
	r := NewRoom(jid.MustParse(room), "me")
	r.StartJoin("me")
	for _, p := range burst(b, 1000) {
		r.HandlePresence(p)
	}
	up := parseP(b, pres("Nick0001", "", modOwner))
	down := parseP(b, pres("Nick0001", "", visitor))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			r.HandlePresence(up)
		} else {
			r.HandlePresence(down)
		}
		i++
		r.Occupants()
	}
}
