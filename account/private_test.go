package account

import (
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/muc"
)

// TestPrivateIdentity: in a room that hides real JIDs, who a private
// message comes from is the occupant's presence session, or, in a room that
// announces XEP-0421, their occupant id; never their nick. Each step feeds
// stanzas through the handler and names the conversation the private
// message lands in ("!" marks one started for someone else under a nick an
// earlier conversation had).
func TestPrivateIdentity(t *testing.T) {
	const r = "room@muc.example.org"
	join := func(nick, extra string) string {
		return `<presence xmlns="jabber:client" from="` + r + `/` + nick + `"><x xmlns="` + muc.NSUser + `"><item affiliation="none" role="participant"/></x>` + extra + `</presence>`
	}
	oid := func(id string) string { return `<occupant-id xmlns="` + muc.NSOccupantID + `" id="` + id + `"/>` }
	rename := func(old, nick string) string {
		return `<presence xmlns="jabber:client" type="unavailable" from="` + r + `/` + old + `"><x xmlns="` + muc.NSUser + `"><item affiliation="none" role="participant" nick="` + nick + `"/><status code="303"/></x></presence>`
	}
	leave := func(nick string) string {
		return `<presence xmlns="jabber:client" type="unavailable" from="` + r + `/` + nick + `"><x xmlns="` + muc.NSUser + `"><item affiliation="none" role="none"/></x></presence>`
	}
	pm := func(nick, body string) string {
		return `<message xmlns="jabber:client" type="chat" from="` + r + `/` + nick + `"><body>` + body + `</body><x xmlns="` + muc.NSUser + `"/></message>`
	}
	self := `<presence xmlns="jabber:client" from="` + r + `/alice"><x xmlns="` + muc.NSUser + `"><item affiliation="owner" role="moderator"/><status code="110"/></x></presence>`
	type step struct {
		in   string
		want string // conversation of the private message of the step
	}
	for _, tc := range []struct {
		name    string
		trusted bool // the room announces occupant ids
		steps   []step
	}{
		{"presence session", false, []step{
			{join("pmA", "") + join("davey", "") + pm("pmA", "1"), "pmA"},
			{rename("pmA", "pmB") + rename("davey", "pmA") + pm("pmA", "2"), "pmA (2)!"},
			{pm("pmB", "3"), "pmA"},
			// The first occupant leaves; someone joins as pmB: a stranger.
			{leave("pmB") + join("pmB", "") + pm("pmB", "4"), "pmB"},
			// Dave comes back as pmA after leaving: a new session.
			{leave("pmA") + join("pmA", "") + pm("pmA", "5"), "pmA (3)!"},
		}},
		{"occupant id vouched for", true, []step{
			{join("pmA", oid("first")) + pm("pmA", "1"), "pmA"},
			{leave("pmA") + join("again", oid("first")) + pm("again", "2"), "pmA"},
			{join("pmB", oid("other")) + rename("again", "x") + rename("pmB", "pmA") + pm("pmA", "3"), "pmA (2)!"},
		}},
		{"occupant id not vouched for", false, []step{
			{join("pmA", oid("first")) + pm("pmA", "1"), "pmA"},
			{leave("pmA") + join("pmA", oid("first")) + pm("pmA", "2"), "pmA (2)!"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			a, h := joiningAccount(rec.sink)
			a.rooms.mu.Lock()
			a.rooms.lookup(testRoom).occIDTrusted = tc.trusted
			a.rooms.mu.Unlock()
			feedHandler(t, h, self)
			seen := 0
			for i, st := range tc.steps {
				feedHandler(t, h, st.in)
				all := rec.all()
				got := ""
				for _, e := range all[seen:] {
					switch e := e.(type) {
					case PrivateEvent:
						if e.Started && e.Other {
							got += "!"
						}
					case MessageEvent:
						got = e.Msg.Peer().Resourcepart() + got
					}
				}
				seen = len(all)
				if got != st.want {
					t.Errorf("step %d: conversation %q, want %q", i, got, st.want)
				}
			}
		})
	}
}

// TestPrivateReplyNeverRedirected: a reply goes to the occupant of its
// conversation under their nick now, and is refused once they left, even
// when someone else has their old nick.
func TestPrivateReplyNeverRedirected(t *testing.T) {
	const r = "room@muc.example.org"
	rec := newRecorder()
	a, h := joiningAccount(rec.sink)
	feedHandler(t, h, `<presence xmlns="jabber:client" from="`+r+`/alice"><x xmlns="`+muc.NSUser+`"><item affiliation="owner" role="moderator"/><status code="110"/></x></presence>`+
		`<presence xmlns="jabber:client" from="`+r+`/pmA"><x xmlns="`+muc.NSUser+`"><item affiliation="none" role="participant"/></x></presence>`+
		`<message xmlns="jabber:client" type="chat" from="`+r+`/pmA"><body>hi</body></message>`+
		`<presence xmlns="jabber:client" type="unavailable" from="`+r+`/pmA"><x xmlns="`+muc.NSUser+`"><item affiliation="none" role="participant" nick="pmB"/><status code="303"/></x></presence>`)
	conv := testRoom.String() + "/pmA"
	resolve := func() (string, error) {
		a.rooms.mu.Lock()
		defer a.rooms.mu.Unlock()
		to, _, err := a.rooms.lookup(testRoom).privateOut(jid.MustParse(conv))
		return to.String(), err
	}
	if to, err := resolve(); err != nil || to != r+"/pmB" {
		t.Fatalf("reply goes to %q, %v; want %s/pmB", to, err, r)
	}
	feedHandler(t, h, `<presence xmlns="jabber:client" type="unavailable" from="`+r+`/pmB"><x xmlns="`+muc.NSUser+`"><item affiliation="none" role="none"/></x></presence>`+
		`<presence xmlns="jabber:client" from="`+r+`/pmA"><x xmlns="`+muc.NSUser+`"><item affiliation="none" role="participant"/></x></presence>`)
	if to, err := resolve(); err == nil || !strings.Contains(err.Error(), "has left") {
		t.Fatalf("reply after the occupant left goes to %q, %v; want a refusal", to, err)
	}
}
