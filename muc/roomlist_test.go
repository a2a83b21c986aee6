package muc

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
)

// parseQuery decodes s up to its first start element and hands the rest to
// parse, as the account does with an IQ answer's payload.
func parseQuery[T any](s string, parse func(xml.StartElement, xml.TokenReader) (T, bool, error)) (T, bool, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := d.Token()
		if err != nil {
			var zero T
			return zero, false, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return parse(se, d)
		}
	}
}

const itemsNS = `<query xmlns='http://jabber.org/protocol/disco#items'>`

func TestParseRoomItems(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // jid=name
		cut, err bool
	}{
		{"rooms", itemsNS + `<item jid='a@conf.x' name='A (2)'/><item jid='b@conf.x'/></query>`, []string{"a@conf.x=A (2)", "b@conf.x="}, false, false},
		{"not rooms skipped", itemsNS + `<item jid='conf.x' name='svc'/><item jid='a@conf.x/nick'/><item jid='@@'/><item name='no jid'/><item jid='c@conf.x'/></query>`, []string{"c@conf.x="}, false, false},
		{"duplicates once", itemsNS + `<item jid='a@conf.x' name='one'/><item jid='A@conf.x' name='two'/></query>`, []string{"a@conf.x=one"}, false, false},
		{"nested items ignored", itemsNS + `<x><item jid='n@conf.x'/></x><item jid='a@conf.x'/></query>`, []string{"a@conf.x="}, false, false},
		{"other namespace", `<query xmlns='urn:other'><item jid='a@conf.x'/></query>`, nil, false, true},
		{"broken end keeps rooms", itemsNS + `<item jid='a@conf.x'/><item jid='b@conf.x'>`, []string{"a@conf.x=", "b@conf.x="}, true, false},
		{"broken and empty", itemsNS + `<item `, nil, false, true},
		{"invalid utf-8 name", itemsNS + "<item jid='a@conf.x' name='\xff\xfe'/></query>", nil, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rooms, cut, err := parseQuery(tc.in, ParseRoomItems)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v", err)
			}
			var got []string
			for _, r := range rooms {
				got = append(got, r.JID.String()+"="+r.Name)
				if r.Occupants != -1 {
					t.Errorf("occupants %d before RoomInfo", r.Occupants)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || cut != tc.cut {
				t.Errorf("got %q cut %v, want %q cut %v", got, cut, tc.want, tc.cut)
			}
		})
	}
}

// TestParseRoomItemsHostile: a service answering a huge list, huge names
// and a flood of junk elements is cut, bounded, and not an error.
func TestParseRoomItemsHostile(t *testing.T) {
	var b strings.Builder
	b.WriteString(itemsNS)
	for i := range MaxRoomList + 500 {
		fmt.Fprintf(&b, "<item jid='r%d@conf.x' name='%s'/>", i, strings.Repeat("n", 2*MaxName))
	}
	b.WriteString("</query>")
	rooms, cut, err := parseQuery(b.String(), ParseRoomItems)
	if err != nil || !cut || len(rooms) != MaxRoomList || len(rooms[0].Name) != MaxName {
		t.Fatalf("huge list: %d rooms, cut %v, err %v, name %d bytes", len(rooms), cut, err, len(rooms[0].Name))
	}
	b.Reset()
	b.WriteString(itemsNS + "<item jid='a@conf.x'/>")
	for range maxListToks {
		b.WriteString("<junk/>")
	}
	b.WriteString("<item jid='late@conf.x'/></query>")
	rooms, cut, err = parseQuery(b.String(), ParseRoomItems)
	if err != nil || !cut || len(rooms) != 1 {
		t.Fatalf("junk flood: %d rooms, cut %v, err %v", len(rooms), cut, err)
	}
}

func TestParseAdminItems(t *testing.T) {
	in := `<query xmlns='http://jabber.org/protocol/muc#admin'>` +
		`<item affiliation='outcast' jid='troll@evil.x/res'><reason>spam ` + strings.Repeat("x", 2*MaxReason) + `</reason></item>` +
		`<item affiliation='member' jid='carol@x' nick='carol' role='participant'/>` +
		`<item affiliation='king' jid='bad@x'/><item affiliation='member' jid='@@'/>` +
		`<item affiliation='member' jid='dave@x'><reason>a</reason><reason>b</reason></item></query>`
	items, cut, err := parseQuery(in, ParseAdminItems)
	if err != nil || cut || len(items) != 3 {
		t.Fatalf("items %+v cut %v err %v", items, cut, err)
	}
	if items[0].JID.String() != "troll@evil.x" || items[0].Affiliation != AffOutcast || len(items[0].Reason) != MaxReason || !strings.HasPrefix(items[0].Reason, "spam") {
		t.Errorf("ban: %+v", items[0])
	}
	if items[1].JID.String() != "carol@x" || items[1].Nick != "carol" || items[2].JID.String() != "dave@x" {
		t.Errorf("members: %+v", items[1:])
	}
	if _, err := AffiliationQuery(AffNone); err == nil {
		t.Errorf("a list of affiliation none was asked")
	}
}

func FuzzParseRoomItems(f *testing.F) {
	f.Add(itemsNS + `<item jid='a@conf.x' name='A (2)'/><item jid='conf.x'/></query>`)
	f.Add(`<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast' jid='t@x'><reason>r</reason></item></query>`)
	f.Fuzz(func(t *testing.T, s string) {
		rooms, _, err := parseQuery(s, ParseRoomItems)
		if err == nil {
			if len(rooms) > MaxRoomList {
				t.Fatalf("%d rooms", len(rooms))
			}
			for _, r := range rooms {
				if len(r.Name) > MaxName || r.JID.Localpart() == "" || r.JID.Resourcepart() != "" {
					t.Fatalf("room %+v", r)
				}
			}
		}
		items, _, err := parseQuery(s, ParseAdminItems)
		if err == nil {
			for _, it := range items {
				if len(it.Reason) > MaxReason || len(it.Nick) > MaxNick || !it.Affiliation.Valid() || it.JID.Resourcepart() != "" {
					t.Fatalf("item %+v", it)
				}
			}
		}
	})
}

func TestNameCount(t *testing.T) {
	for _, tc := range []struct {
		in, name string
		n        int
	}{
		{"lobby (3)", "lobby", 3},
		{"The Lobby (120)", "The Lobby", 120},
		{"lobby", "lobby", -1},
		{"lobby ()", "lobby ()", -1},
		{"lobby (x)", "lobby (x)", -1},
		{"lobby (99999999)", "lobby (99999999)", -1},
		{"(3)", "(3)", -1},
		{"a (b) (4)", "a (b)", 4},
	} {
		if name, n := NameCount(tc.in); name != tc.name || n != tc.n {
			t.Errorf("NameCount(%q) = %q, %d; want %q, %d", tc.in, name, n, tc.name, tc.n)
		}
	}
}

// BenchmarkParseRoomItems parses a service's list of MaxRoomList rooms.
func BenchmarkParseRoomItems(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(itemsNS)
	for i := range MaxRoomList {
		fmt.Fprintf(&sb, "<item jid='room%d@conference.example.org' name='Room number %d (%d)'/>", i, i, i%50)
	}
	sb.WriteString("</query>")
	in := sb.String()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if rooms, _, err := parseQuery(in, ParseRoomItems); err != nil || len(rooms) != MaxRoomList {
			b.Fatal(len(rooms), err)
		}
	}
}
