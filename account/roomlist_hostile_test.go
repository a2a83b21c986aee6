package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/internal/fakexmpp"
	"parley/muc"
)

// TestHostileRoomList answers /list the way a hostile service might: a
// huge list with long names full of control characters, malformed and
// duplicate items, an answer from another address, a room whose info claims
// an absurd occupant count. Each is bounded or refused; the session lives.
func TestHostileRoomList(t *testing.T) {
	var huge strings.Builder
	huge.WriteString("<iq type='result' id='%s' from='huge.localhost'><query xmlns='" + muc.NSDiscoItems + "'>")
	name := strings.Repeat("\u202e\u009b31m\u0085", 30) // bidi override, C1 CSI, NEL: legal XML, hostile text
	for i := range muc.MaxRoomList + 500 {              // under the stream's stanza limit (sm.MaxStanzaSize)
		fmt.Fprintf(&huge, "<item jid='r%d@huge.localhost' name='%s'/>", i, name)
	}
	huge.WriteString("</query></iq>")
	answers := map[string]string{ // by the address asked
		"huge.localhost": huge.String(),
		"junk.localhost": "<iq type='result' id='%s' from='junk.localhost'><query xmlns='" + muc.NSDiscoItems + "'>" +
			"<item jid='junk.localhost'/><item jid='a@junk.localhost/res'/><item jid='@@@'/><item/>" +
			"<item jid='ok@junk.localhost' name='one'/><item jid='OK@junk.localhost' name='dup'/>" +
			"<deep><deeper><item jid='hidden@junk.localhost'/></deeper></deep></query></iq>",
		"spoof.localhost": "<iq type='result' id='%s' from='mallory.localhost'><query xmlns='" + muc.NSDiscoItems + "'><item jid='trap@mallory.localhost'/></query></iq>",
		"wrong.localhost": "<iq type='result' id='%s' from='wrong.localhost'><query xmlns='urn:other'/></iq>",
		"room@junk.localhost": "<iq type='result' id='%s' from='room@junk.localhost'><query xmlns='" + muc.NSDiscoInfo + "'><identity category='conference' type='text' name='" + strings.Repeat("n", 5000) + "'/>" +
			"<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roominfo</value></field><field var='muc#roominfo_occupants'><value>99999999999999999999</value></field></x></query></iq>",
	}
	srv := fakexmpp.Start(t, fakexmpp.Options{Handle: func(c *fakexmpp.Conn, e fakexmpp.Element) bool {
		a, ok := answers[e.Attr("to")]
		if e.Name.Local != "iq" || e.Attr("type") != "get" || !ok {
			return false
		}
		_ = c.Write(fmt.Sprintf(a, e.Attr("id")))
		return true
	}})
	r, _ := fakeAccount(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	_, rooms, cut, err := r.ListRooms(ctx, jid.MustParse("junk.localhost"))
	if err != nil || cut || len(rooms) != 1 || rooms[0].JID.String() != "ok@junk.localhost" || rooms[0].Name != "one" {
		t.Errorf("junk list: %+v, cut %v, %v", rooms, cut, err)
	}
	if _, rooms, _, err := r.ListRooms(ctx, jid.MustParse("spoof.localhost")); !errors.Is(err, ErrSpoofed) {
		t.Errorf("spoofed list: %+v, %v", rooms, err)
	}
	if _, _, _, err := r.ListRooms(ctx, jid.MustParse("wrong.localhost")); err == nil {
		t.Errorf("an answer of another namespace read as a list")
	}
	info, err := r.RoomInfo(ctx, jid.MustParse("room@junk.localhost"))
	if err != nil || info.Occupants != -1 || len(info.Name) > muc.MaxName {
		t.Errorf("hostile room info: %d occupants, %d bytes of name, %v", info.Occupants, len(info.Name), err)
	}
	_, rooms, cut, err = r.ListRooms(ctx, jid.MustParse("huge.localhost"))
	if err != nil || !cut || len(rooms) != muc.MaxRoomList || len(rooms[0].Name) > muc.MaxName {
		t.Errorf("huge list: %d rooms, cut %v, %v", len(rooms), cut, err)
	}
	// The rest of the cut answer was skipped: the session still answers.
	if _, rooms, _, err := r.ListRooms(ctx, jid.MustParse("junk.localhost")); err != nil || len(rooms) != 1 {
		t.Errorf("after the huge list: %+v, %v", rooms, err)
	}
	if r.State() != Online {
		t.Errorf("state %v after the attacks", r.State())
	}
}
