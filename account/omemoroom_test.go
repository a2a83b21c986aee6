package account

import (
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/muc"
)

// TestOMEMORoomRefusal: only a members-only, non-anonymous room qualifies,
// and the refusal names what the room lacks.
func TestOMEMORoomRefusal(t *testing.T) {
	room := jid.MustParse("r@muc.example")
	for _, tc := range []struct {
		name  string
		known bool
		f     roomFeatures
		want  string // "" qualifies
	}{
		{"qualifies", true, roomFeatures{nonAnonymous: true, membersOnly: true}, ""},
		{"open", true, roomFeatures{nonAnonymous: true}, "needs a members-only room"},
		{"semi-anonymous", true, roomFeatures{membersOnly: true}, "needs a non-anonymous room"},
		{"neither", true, roomFeatures{}, "is neither"},
		{"no answer", false, roomFeatures{nonAnonymous: true, membersOnly: true}, "did not say"},
	} {
		rs := &roomState{room: muc.NewRoom(room, "me"), feats: tc.f, featsKnown: tc.known}
		got := rs.omemoRefusal()
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: refusal %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestRoomMembers: members come and go with affiliations, bounded.
func TestRoomMembers(t *testing.T) {
	rs := &roomState{room: muc.NewRoom(jid.MustParse("r@muc.example"), "me")}
	a, b := jid.MustParse("a@example.org"), jid.MustParse("b@example.org/x")
	rs.setMember(a, muc.AffMember)
	rs.setMember(b, muc.AffOwner)
	rs.setMember(a, muc.AffOutcast)
	if _, ok := rs.members["a@example.org"]; ok || rs.members["b@example.org"] != muc.AffOwner || len(rs.members) != 1 {
		t.Errorf("members %v", rs.members)
	}
	for i := range maxRoomMembers + 10 {
		rs.setMember(jid.MustParse("u"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+"@"+string(rune('a'+i/26%26))+string(rune('a'+i/676%26))+".example"), muc.AffMember)
	}
	if len(rs.members) > maxRoomMembers {
		t.Errorf("%d members tracked, bound %d", len(rs.members), maxRoomMembers)
	}
	for _, tc := range []struct {
		codes []int
		want  bool
	}{{[]int{104}, true}, {[]int{173}, true}, {[]int{110, 210}, false}, {nil, false}} {
		if got := configChanged(tc.codes); got != tc.want {
			t.Errorf("configChanged(%v) = %v", tc.codes, got)
		}
	}
}
