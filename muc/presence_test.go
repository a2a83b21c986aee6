package muc

import (
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// parseP parses a presence given as XML text, the way a handler would see it.
func parseP(t testing.TB, s string) Presence {
	t.Helper()
	p, err := parsePresenceText(s)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return p
}

func parsePresenceText(s string) (Presence, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := d.Token()
		if err != nil {
			return Presence{}, err
		}
		if start, ok := tok.(xml.StartElement); ok {
			return ParsePresence(start, d)
		}
	}
}

const room = "coven@chat.shakespeare.lit"

// pres builds an occupant presence from room/nick with a muc#user payload.
func pres(nick, typ, item string, codes ...string) string {
	var b strings.Builder
	b.WriteString(`<presence xmlns='jabber:client' from='` + room + `/` + nick + `' to='hag66@shakespeare.lit/pda'`)
	if typ != "" {
		b.WriteString(` type='` + typ + `'`)
	}
	b.WriteString(`><x xmlns='http://jabber.org/protocol/muc#user'>` + item)
	for _, c := range codes {
		b.WriteString(`<status code='` + c + `'/>`)
	}
	b.WriteString(`</x></presence>`)
	return b.String()
}

func TestParsePresence(t *testing.T) {
	long := strings.Repeat("é", MaxReason) // 2 bytes a rune: over the bound
	tests := []struct {
		name string
		in   string
		want Presence
	}{{
		name: "occupant with real JID",
		in: `<presence from='coven@chat.shakespeare.lit/firstwitch' to='hag66@shakespeare.lit/pda'>
			<show>away</show><status>brewing</status>
			<x xmlns='http://jabber.org/protocol/muc#user'>
			<item affiliation='owner' role='moderator' jid='crone1@shakespeare.lit/desktop'/></x></presence>`,
		want: Presence{From: jid.MustParse(room + "/firstwitch"), Show: "away", Status: "brewing", MUC: true,
			Item: Item{Affiliation: AffOwner, Role: RoleModerator, JID: jid.MustParse("crone1@shakespeare.lit/desktop")}},
	}, {
		name: "self presence with codes",
		in:   pres("thirdwitch", "", `<item affiliation='member' role='participant'/>`, "110", "100", "170", "210"),
		want: Presence{From: jid.MustParse(room + "/thirdwitch"), MUC: true,
			Item: Item{Affiliation: AffMember, Role: RoleParticipant}, Codes: []int{110, 100, 170, 210}},
	}, {
		name: "kick with actor and reason",
		in: pres("pistol", "unavailable", `<item affiliation='none' role='none'><actor nick='Fluellen'/>
			<reason>Avaunt, you cullion!</reason></item>`, "307"),
		want: Presence{From: jid.MustParse(room + "/pistol"), Type: stanza.UnavailablePresence, MUC: true,
			Item: Item{Affiliation: AffNone, Role: RoleNone, Actor: "Fluellen", Reason: "Avaunt, you cullion!"}, Codes: []int{307}},
	}, {
		name: "nick change",
		in:   pres("thirdwitch", "unavailable", `<item affiliation='member' nick='oldhag' role='participant'/>`, "303", "110"),
		want: Presence{From: jid.MustParse(room + "/thirdwitch"), Type: stanza.UnavailablePresence, MUC: true,
			Item: Item{Affiliation: AffMember, Role: RoleParticipant, Nick: "oldhag"}, Codes: []int{303, 110}},
	}, {
		name: "destroy",
		in: pres("firstwitch", "unavailable", `<item affiliation='none' role='none'/><destroy jid='heath@chat.shakespeare.lit/x'>
			<reason>Macbeth doth come.</reason><password>cauldronburn</password></destroy>`, "110"),
		want: Presence{From: jid.MustParse(room + "/firstwitch"), Type: stanza.UnavailablePresence, MUC: true,
			Item: Item{Affiliation: AffNone, Role: RoleNone}, Codes: []int{110},
			Destroy: &DestroyInfo{Alternate: jid.MustParse("heath@chat.shakespeare.lit"), Reason: "Macbeth doth come.", Password: "cauldronburn"}},
	}, {
		name: "error conflict",
		in: `<presence from='coven@chat.shakespeare.lit/thirdwitch' type='error'><x xmlns='http://jabber.org/protocol/muc'/>
			<error by='coven@chat.shakespeare.lit' type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
			<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>That nickname is taken</text></error></presence>`,
		want: Presence{From: jid.MustParse(room + "/thirdwitch"), Type: stanza.ErrorPresence,
			Err: &Error{Type: stanza.Cancel, Condition: stanza.Conflict, Text: "That nickname is taken"}},
	}, {
		name: "unknown condition, bad role and affiliation, bad codes, bad jid",
		in: `<presence from='coven@chat.shakespeare.lit/x' type='error'><x xmlns='http://jabber.org/protocol/muc#user'>
			<item affiliation='god' role='emperor' jid='@@'/><status code='abc'/><status code='5'/><status code='1000'/></x>
			<error type='cancel'><made-up xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`,
		want: Presence{From: jid.MustParse(room + "/x"), Type: stanza.ErrorPresence, MUC: true,
			Item: Item{Affiliation: AffNone, Role: RoleNone}, Err: &Error{Type: stanza.Cancel, Condition: stanza.UndefinedCondition}},
	}, {
		name: "bounded reason and status, bad show",
		in: `<presence from='coven@chat.shakespeare.lit/x' type='unavailable'><show>sparkly</show><status>` + long + `</status>
			<x xmlns='http://jabber.org/protocol/muc#user'><item role='none'><reason>` + long + `</reason></item></x></presence>`,
		want: Presence{From: jid.MustParse(room + "/x"), Type: stanza.UnavailablePresence, MUC: true,
			Status: strings.Repeat("é", MaxStatus/2), Item: Item{Affiliation: AffNone, Role: RoleNone, Reason: strings.Repeat("é", MaxReason/2)}},
	}, {
		name: "no muc payload",
		in:   `<presence from='coven@chat.shakespeare.lit/x'><show>dnd</show></presence>`,
		want: Presence{From: jid.MustParse(room + "/x"), Show: "dnd"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parseP(t, tc.in)
			if !presenceEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func presenceEqual(a, b Presence) bool {
	if (a.Destroy == nil) != (b.Destroy == nil) || (a.Err == nil) != (b.Err == nil) {
		return false
	}
	if a.Destroy != nil && (!a.Destroy.Alternate.Equal(b.Destroy.Alternate) || a.Destroy.Reason != b.Destroy.Reason || a.Destroy.Password != b.Destroy.Password) {
		return false
	}
	if a.Err != nil && *a.Err != *b.Err {
		return false
	}
	return a.From.Equal(b.From) && a.Type == b.Type && a.Show == b.Show && a.Status == b.Status && a.MUC == b.MUC &&
		a.Item.Affiliation == b.Item.Affiliation && a.Item.Role == b.Item.Role && a.Item.JID.Equal(b.Item.JID) &&
		a.Item.Nick == b.Item.Nick && a.Item.Actor == b.Item.Actor && a.Item.Reason == b.Item.Reason &&
		slices.Equal(a.Codes, b.Codes)
}

func TestParsePresenceBroken(t *testing.T) {
	for _, in := range []string{
		`<presence from='a@b/c'><x xmlns='http://jabber.org/protocol/muc#user'>`,
		`<presence from='@@@'/>`,
		`<presence/>`,
	} {
		if _, err := parsePresenceText(in); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
}

func FuzzParsePresence(f *testing.F) {
	f.Add(pres("nick", "", `<item affiliation='owner' role='moderator' jid='a@b/c'/>`, "110", "201"))
	f.Add(pres("nick", "unavailable", `<item role='none'><actor nick='x'/><reason>r</reason></item>`, "307"))
	f.Add(pres("nick", "unavailable", `<item nick='new'/>`, "303"))
	f.Add(pres("nick", "unavailable", `<destroy jid='x@y'><reason>r</reason></destroy>`, "110"))
	f.Add(`<presence from='r@s/n' type='error'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePresenceText(s)
		if err != nil {
			return
		}
		if len(p.Status) > MaxStatus || len(p.Item.Reason) > MaxReason || len(p.Codes) > MaxCodes || len(p.Item.Nick) > MaxNick {
			t.Fatalf("unbounded: %+v", p)
		}
		// Whatever parsed must be safe to feed to a room.
		r := NewRoom(jid.MustParse(room), "me")
		r.StartJoin("me")
		r.HandlePresence(p)
		r.Occupants()
	})
}
