package muc

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"mellium.im/xmpp/jid"
)

// TestListFollowsRoom feeds a room a long pseudo-random run of presences
// (joins, leaves, nick changes onto free and taken nicks, role, affiliation,
// real JID and status changes, our own join and leave) and checks after
// every one that a List kept only from the reported changes equals the
// room's own list, in order.
func TestListFollowsRoom(t *testing.T) {
	items := []string{modOwner, partNone, partMemb, visitor,
		`<item affiliation='admin' role='moderator' jid='x@example.org/r'/>`,
		`<item affiliation='none' role='participant' jid='y@example.org/r'/>`}
	shows := []string{"", "away", "dnd"}
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 9))
		r := NewRoom(jid.MustParse(room), "me")
		var l List
		check := func(step int, in string, changes []Change) {
			t.Helper()
			for _, c := range changes {
				l.Apply(c)
			}
			switch r.State() {
			case Joining:
				return // the account holds these until our own presence
			case NotJoined:
				l.Clear() // as the UI does on a state other than joined
			}
			if got, want := l.Occupants(), r.Occupants(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("seed %d step %d (%s): list\\n%v\\nroom\\n%v", seed, step, in, got, want)
			}
			if n := l.Counts(); n[0]+n[1]+n[2]+n[3] != l.Len() {
				t.Fatalf("seed %d step %d: counts %v, len %d", seed, step, n, l.Len())
			}
		}
		r.StartJoin("me")
		l.Clear()
		for step := range 3000 {
			nick := fmt.Sprintf("n%d", rng.IntN(30))
			var in string
			switch k := rng.IntN(20); {
			case k < 8:
				in = presShow(nick, shows[rng.IntN(len(shows))], items[rng.IntN(len(items))])
			case k < 12:
				in = pres(nick, "unavailable", leaveItem)
			case k < 16:
				to := fmt.Sprintf("n%d", rng.IntN(30))
				in = pres(nick, "unavailable", `<item affiliation='none' role='participant' nick='`+to+`'/>`, "303")
			case k < 17:
				in = pres("me", "", partNone, "110")
			case k < 18:
				in = pres("me", "unavailable", leaveItem, "110")
			case k < 19:
				r.StartJoin("me")
				l.Clear()
				continue
			default:
				to := fmt.Sprintf("me%d", rng.IntN(3))
				in = pres(r.Nick(), "unavailable", `<item affiliation='none' role='participant' nick='`+to+`'/>`, "303", "110")
			}
			check(step, in, r.HandlePresence(parseP(t, in)))
		}
	}
}

// presShow is pres with a <show/>.
func presShow(nick, show, item string) string {
	s := pres(nick, "", item)
	if show == "" {
		return s
	}
	return s[:len(s)-len("</presence>")] + "<show>" + show + "</show></presence>"
}

// TestListCostsWhatChanged: applying one change to a list of 20,000
// occupants allocates a bounded amount, not a copy of the list.
func TestListCostsWhatChanged(t *testing.T) {
	var l List
	at := At{Room: jid.MustParse(room)}
	for i := range 20000 {
		l.Apply(OccupantJoined{At: at, Occupant: Occupant{Nick: fmt.Sprintf("user%05d", i), Role: RoleParticipant}})
	}
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		i++
		nick := fmt.Sprintf("user%05d", i)
		l.Apply(PresenceChanged{At: at, Nick: nick, Show: "away"})
		l.Apply(RoleChanged{At: at, Nick: nick, Old: RoleParticipant, New: RoleModerator})
		l.Apply(RoleChanged{At: at, Nick: nick, Old: RoleModerator, New: RoleParticipant})
	})
	if allocs > 10 {
		t.Errorf("%.0f allocations per change, want a few", allocs)
	}
}
