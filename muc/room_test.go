package muc

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
)

// describe renders a change as a short line so that tests compare text.
func describe(c Change) string {
	switch c := c.(type) {
	case SelfJoined:
		return fmt.Sprintf("self-joined %s %s/%s created=%v modified=%v nonanon=%v logging=%v",
			c.Self.Nick, c.Self.Role, c.Self.Affiliation, c.Created, c.NickModified, c.NonAnonymous, c.Logging)
	case OccupantJoined:
		return fmt.Sprintf("joined %s %s/%s initial=%v", c.Occupant.Nick, c.Occupant.Role, c.Occupant.Affiliation, c.Initial)
	case OccupantLeft:
		return fmt.Sprintf("left %s self=%v %s actor=%q reason=%q", c.Occupant.Nick, c.Self, c.Cause, c.Actor, c.Reason)
	case NickChanged:
		return fmt.Sprintf("nick %s->%s self=%v", c.Old, c.New, c.Self)
	case RoleChanged:
		return fmt.Sprintf("role %s %s->%s self=%v", c.Nick, c.Old, c.New, c.Self)
	case AffiliationChanged:
		return fmt.Sprintf("affiliation %s %s->%s self=%v", c.Nick, c.Old, c.New, c.Self)
	case PresenceChanged:
		return fmt.Sprintf("presence %s %q %q self=%v", c.Nick, c.Show, c.Status, c.Self)
	case SubjectChanged:
		return fmt.Sprintf("subject %q by %q", c.Subject, c.By)
	case Destroyed:
		return fmt.Sprintf("destroyed %q alt=%s", c.Reason, c.Alternate)
	case JoinError:
		return fmt.Sprintf("error %s nickchange=%v suggest=%q: %s", c.Condition, c.NickChange, c.SuggestedNick, c.Text)
	}
	return fmt.Sprintf("unknown %T", c)
}

const (
	modOwner  = `<item affiliation='owner' role='moderator' jid='crone1@shakespeare.lit/desktop'/>`
	partNone  = `<item affiliation='none' role='participant'/>`
	partMemb  = `<item affiliation='member' role='participant'/>`
	visitor   = `<item affiliation='none' role='visitor'/>`
	leaveItem = `<item affiliation='none' role='none'/>`
)

type step struct {
	in      string // presence XML, or "subject:nick:text"
	want    []string
	state   State
	members string // occupants after the step, "nick,nick" in display order ("-" to skip the check)
}

func runSteps(t *testing.T, steps []step) *Room {
	t.Helper()
	r := NewRoom(jid.MustParse(room), "thirdwitch")
	r.StartJoin("thirdwitch")
	for i, s := range steps {
		var got []Change
		if rest, ok := strings.CutPrefix(s.in, "subject:"); ok {
			nick, text, _ := strings.Cut(rest, ":")
			from := jid.MustParse(room)
			if nick != "" {
				from = jid.MustParse(room + "/" + nick)
			}
			got = r.HandleSubject(from, text)
		} else {
			got = r.HandlePresence(parseP(t, s.in))
		}
		var lines []string
		for _, c := range got {
			if !c.RoomJID().Equal(jid.MustParse(room)) {
				t.Errorf("step %d: change for room %s", i, c.RoomJID())
			}
			lines = append(lines, describe(c))
		}
		if !slices.Equal(lines, s.want) {
			t.Errorf("step %d: got\n%s\nwant\n%s", i, strings.Join(lines, "\n"), strings.Join(s.want, "\n"))
		}
		if r.State() != s.state {
			t.Errorf("step %d: state %s, want %s", i, r.State(), s.state)
		}
		if s.members != "-" {
			var nicks []string
			for _, o := range r.Occupants() {
				nicks = append(nicks, o.Nick)
			}
			if got := strings.Join(nicks, ","); got != s.members {
				t.Errorf("step %d: occupants %q, want %q", i, got, s.members)
			}
		}
	}
	return r
}

func TestRoomJoinAndChanges(t *testing.T) {
	r := runSteps(t, []step{
		{pres("firstwitch", "", modOwner), []string{"joined firstwitch moderator/owner initial=true"}, Joining, "firstwitch"},
		{pres("secondwitch", "", visitor), []string{"joined secondwitch visitor/none initial=true"}, Joining, "firstwitch,secondwitch"},
		{pres("thirdwitch", "", partMemb, "110", "100", "170"),
			[]string{"self-joined thirdwitch participant/member created=false modified=false nonanon=true logging=true"}, Joined, "firstwitch,thirdwitch,secondwitch"},
		{"subject:firstwitch:Fire Burn and Cauldron Bubble!", []string{`subject "Fire Burn and Cauldron Bubble!" by "firstwitch"`}, Joined, "-"},
		{pres("Hecate", "", partNone), []string{"joined Hecate participant/none initial=false"}, Joined, "firstwitch,Hecate,thirdwitch,secondwitch"},
		// voice granted to a visitor: role change, moves group
		{pres("secondwitch", "", `<item affiliation='none' role='participant'/>`), []string{"role secondwitch visitor->participant self=false"}, Joined, "firstwitch,Hecate,secondwitch,thirdwitch"},
		// show/status change
		{`<presence from='` + room + `/Hecate'><show>xa</show><status>gone</status><x xmlns='http://jabber.org/protocol/muc#user'>` + partNone + `</x></presence>`,
			[]string{`presence Hecate "xa" "gone" self=false`}, Joined, "-"},
		// a presence without muc#user keeps role and affiliation
		{`<presence from='` + room + `/Hecate'/>`, []string{`presence Hecate "" "" self=false`}, Joined, "firstwitch,Hecate,secondwitch,thirdwitch"},
		// identical presence: nothing
		{pres("Hecate", "", partNone), nil, Joined, "-"},
		// affiliation change to member
		{pres("Hecate", "", partMemb), []string{"affiliation Hecate none->member self=false"}, Joined, "-"},
		// nick change of another occupant
		{pres("Hecate", "unavailable", `<item affiliation='member' role='participant' nick='aHecate'/>`, "303"), []string{"nick Hecate->aHecate self=false"}, Joined, "firstwitch,aHecate,secondwitch,thirdwitch"},
		{pres("aHecate", "", partMemb), nil, Joined, "firstwitch,aHecate,secondwitch,thirdwitch"},
		// our nick change
		{pres("thirdwitch", "unavailable", `<item affiliation='member' role='participant' nick='oldhag'/>`, "303", "110"), []string{"nick thirdwitch->oldhag self=true"}, Joined, "firstwitch,aHecate,oldhag,secondwitch"},
		{pres("oldhag", "", partMemb, "110"), nil, Joined, "-"},
		// plain leave with status
		{`<presence from='` + room + `/secondwitch' type='unavailable'><status>bye</status><x xmlns='http://jabber.org/protocol/muc#user'>` + leaveItem + `</x></presence>`,
			[]string{`left secondwitch self=false left actor="" reason="bye"`}, Joined, "firstwitch,aHecate,oldhag"},
		// kick of another
		{pres("aHecate", "unavailable", `<item affiliation='none' role='none'><actor nick='firstwitch'/><reason>out</reason></item>`, "307"),
			[]string{`left aHecate self=false kicked actor="firstwitch" reason="out"`}, Joined, "firstwitch,oldhag"},
		// someone we never saw leaving: nothing
		{pres("ghost", "unavailable", leaveItem), nil, Joined, "firstwitch,oldhag"},
		// presence from another room: nothing
		{`<presence from='other@chat.shakespeare.lit/x'><x xmlns='http://jabber.org/protocol/muc#user'>` + partNone + `</x></presence>`, nil, Joined, "-"},
		// we are banned
		{pres("oldhag", "unavailable", `<item affiliation='outcast' role='none'><reason>enough</reason></item>`, "301", "110"),
			[]string{`left oldhag self=true banned actor="" reason="enough"`}, NotJoined, ""},
	})
	if r.Nick() != "oldhag" {
		t.Errorf("nick %q", r.Nick())
	}
	if s, by := r.Subject(); s != "Fire Burn and Cauldron Bubble!" || by != "firstwitch" {
		t.Errorf("subject %q by %q", s, by)
	}
}

func TestRoomLeaveCauses(t *testing.T) {
	for _, tc := range []struct {
		code string
		want string
	}{
		{"307", "kicked"}, {"301", "banned"}, {"321", "removed (affiliation change)"},
		{"322", "removed (room is members-only)"}, {"332", "removed (service shutting down)"}, {"333", "removed (technical problem)"},
	} {
		for _, self := range []bool{false, true} {
			t.Run(tc.code+fmt.Sprint(self), func(t *testing.T) {
				nick, codes, state, members := "firstwitch", []string{tc.code}, Joined, "thirdwitch"
				if self {
					nick, codes, state, members = "thirdwitch", []string{tc.code, "110"}, NotJoined, ""
				}
				runSteps(t, []step{
					{pres("firstwitch", "", modOwner), []string{"joined firstwitch moderator/owner initial=true"}, Joining, "-"},
					{pres("thirdwitch", "", partNone, "110"), []string{"self-joined thirdwitch participant/none created=false modified=false nonanon=false logging=false"}, Joined, "-"},
					{pres(nick, "unavailable", leaveItem, codes...), []string{fmt.Sprintf(`left %s self=%v %s actor="" reason=""`, nick, self, tc.want)}, state, members},
				})
			})
		}
	}
}

func TestRoomCreatedModifiedNoStatus110(t *testing.T) {
	// A room created by our join, with a nick the service changed; then a
	// service that sends no 110 recognised by nick.
	r := runSteps(t, []step{
		{pres("Thirdwitch", "", `<item affiliation='owner' role='moderator'/>`, "110", "201", "210"),
			[]string{"self-joined Thirdwitch moderator/owner created=true modified=true nonanon=false logging=false"}, Joined, "Thirdwitch"},
	})
	if r.Nick() != "Thirdwitch" {
		t.Errorf("nick %q", r.Nick())
	}
	runSteps(t, []step{
		{pres("thirdwitch", "", partNone), []string{"self-joined thirdwitch participant/none created=false modified=false nonanon=false logging=false"}, Joined, "thirdwitch"},
		{pres("thirdwitch", "", `<item affiliation='none' role='visitor'/>`), []string{"role thirdwitch participant->visitor self=true"}, Joined, "thirdwitch"},
	})
}

func TestRoomDestroyed(t *testing.T) {
	runSteps(t, []step{
		{pres("firstwitch", "", modOwner), []string{"joined firstwitch moderator/owner initial=true"}, Joining, "-"},
		{pres("thirdwitch", "", partNone, "110"), []string{"self-joined thirdwitch participant/none created=false modified=false nonanon=false logging=false"}, Joined, "-"},
		{pres("thirdwitch", "unavailable", leaveItem+`<destroy jid='heath@chat.shakespeare.lit'><reason>Macbeth doth come.</reason></destroy>`, "110"),
			[]string{`destroyed "Macbeth doth come." alt=heath@chat.shakespeare.lit`}, NotJoined, ""},
	})
}

func TestRoomJoinErrors(t *testing.T) {
	errP := func(cond string) string {
		return `<presence from='` + room + `/thirdwitch' type='error'><error type='cancel'><` + cond + ` xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`
	}
	for _, tc := range []struct{ cond, want string }{
		{"conflict", `error conflict nickchange=false suggest="thirdwitch_": nick thirdwitch is already in use in this room; try thirdwitch_`},
		{"not-authorized", `error not-authorized nickchange=false suggest="": this room needs a password, or the password was wrong`},
		{"registration-required", `error registration-required nickchange=false suggest="": this room is members-only and you are not a member`},
		{"forbidden", `error forbidden nickchange=false suggest="": you are banned from this room`},
		{"service-unavailable", `error service-unavailable nickchange=false suggest="": the room is full or not available`},
		{"item-not-found", `error item-not-found nickchange=false suggest="": the room or its service cannot be reached`},
		{"remote-server-not-found", `error remote-server-not-found nickchange=false suggest="": the room or its service cannot be reached`},
		{"recipient-unavailable", `error recipient-unavailable nickchange=false suggest="": the room or its service cannot be reached`},
		{"not-allowed", `error not-allowed nickchange=false suggest="": the room does not exist and you may not create it`},
		{"jid-malformed", `error jid-malformed nickchange=false suggest="": the nick thirdwitch is not acceptable`},
		{"gone", `error gone nickchange=false suggest="": the room was destroyed`},
		{"invented", `error undefined-condition nickchange=false suggest="": the room refused the request (undefined-condition)`},
	} {
		t.Run(tc.cond, func(t *testing.T) {
			runSteps(t, []step{{errP(tc.cond), []string{tc.want}, NotJoined, ""}})
		})
	}
	// A refused nick change keeps us in the room under the old nick.
	r := runSteps(t, []step{
		{pres("thirdwitch", "", partNone, "110"), []string{"self-joined thirdwitch participant/none created=false modified=false nonanon=false logging=false"}, Joined, "thirdwitch"},
	})
	r.RequestNick("firstwitch")
	p := parseP(t, `<presence from='`+room+`/firstwitch' type='error'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`)
	got := r.HandlePresence(p)
	if len(got) != 1 || describe(got[0]) != `error conflict nickchange=true suggest="firstwitch_": nick firstwitch is already in use in this room; try firstwitch_` {
		t.Errorf("nick change error: %v", got)
	}
	if r.State() != Joined || r.Nick() != "thirdwitch" || r.Len() != 1 {
		t.Errorf("after refused nick change: %s %q %d", r.State(), r.Nick(), r.Len())
	}
	// An error while joined that is not about a nick change says nothing.
	if got := r.HandlePresence(p); got != nil {
		t.Errorf("stray error: %v", got)
	}
}

func TestRoomGroupsAndCap(t *testing.T) {
	r := NewRoom(jid.MustParse(room), "me")
	r.StartJoin("me")
	items := []string{modOwner, partNone, visitor}
	for i := 0; i < MaxOccupants+5; i++ {
		r.HandlePresence(parseP(t, pres(fmt.Sprintf("N%05d", MaxOccupants-i), "", items[i%3])))
	}
	if r.Len() != MaxOccupants || r.Dropped() != 5 {
		t.Fatalf("len %d dropped %d", r.Len(), r.Dropped())
	}
	// Our own presence is still taken at the cap.
	if ch := r.HandlePresence(parseP(t, pres("me", "", partNone, "110"))); len(ch) != 1 {
		t.Fatalf("self at cap: %v", ch)
	}
	mods, parts, vis := r.Groups()
	if len(mods)+len(parts)+len(vis) != r.Len() {
		t.Fatalf("groups %d+%d+%d != %d", len(mods), len(parts), len(vis), r.Len())
	}
	for _, g := range []struct {
		occ  []Occupant
		role Role
	}{{mods, RoleModerator}, {parts, RoleParticipant}, {vis, RoleVisitor}} {
		for i, o := range g.occ {
			if o.Role != g.role {
				t.Fatalf("%s in group %s", o.Role, g.role)
			}
			if i > 0 && strings.ToLower(g.occ[i-1].Nick) > strings.ToLower(o.Nick) {
				t.Fatalf("order %s > %s", g.occ[i-1].Nick, o.Nick)
			}
		}
	}
	// Appending to one group must not overwrite the next.
	_ = append(mods, Occupant{Nick: "intruder"})
	if len(parts) > 0 && parts[0].Nick == "intruder" {
		t.Fatal("groups share capacity")
	}
}

func TestRoomCaseInsensitiveOrder(t *testing.T) {
	r := NewRoom(jid.MustParse(room), "me")
	r.StartJoin("me")
	for _, n := range []string{"bob", "Alice", "carol", "alice", "Bob"} {
		r.HandlePresence(parseP(t, pres(n, "", partNone)))
	}
	var got []string
	for _, o := range r.Occupants() {
		got = append(got, o.Nick)
	}
	if want := "Alice,alice,Bob,bob,carol"; strings.Join(got, ",") != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

func TestRoomCopies(t *testing.T) {
	r := NewRoom(jid.MustParse(room), "me")
	r.StartJoin("me")
	r.HandlePresence(parseP(t, pres("b", "", partNone)))
	one := r.Occupants()
	r.HandlePresence(parseP(t, pres("b", "", modOwner)))
	three := r.Occupants()
	if one[0].Role != RoleParticipant || three[0].Role != RoleModerator {
		t.Errorf("copy changed under the receiver: %v %v", one, three)
	}
	r.HandlePresence(parseP(t, pres("a", "", partNone)))
	if got := nicks(r.Occupants()); got != "b,a" || nicks(three) != "b" {
		t.Errorf("after join %s, old copy %s", got, nicks(three))
	}
}

func TestOccupantMark(t *testing.T) {
	for _, tc := range []struct {
		o    Occupant
		want string
	}{
		{Occupant{Role: RoleModerator, Affiliation: AffOwner}, "~"},
		{Occupant{Role: RoleModerator, Affiliation: AffAdmin}, "&"},
		{Occupant{Role: RoleModerator, Affiliation: AffMember}, "@"},
		{Occupant{Role: RoleModerator, Affiliation: AffNone}, "@"},
		{Occupant{Role: RoleParticipant, Affiliation: AffMember}, "+"},
		{Occupant{Role: RoleParticipant, Affiliation: AffNone}, ""},
		{Occupant{Role: RoleVisitor, Affiliation: AffNone}, ""},
	} {
		if got := tc.o.Mark(); got != tc.want {
			t.Errorf("%s/%s: mark %q, want %q", tc.o.Role, tc.o.Affiliation, got, tc.want)
		}
	}
}
