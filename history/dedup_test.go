package history

import (
	"testing"
	"time"
)

const (
	me   = "me@example.org"
	bob  = "bob@example.net"
	room = "room@muc.example.net"
)

func openT(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func TestDedup(t *testing.T) {
	type step struct {
		r      Record
		stored bool
	}
	in := func(sec int, id, oid, sid, sby, body string) Record {
		return Record{Time: at(sec), Dir: In, From: bob + "/phone", Type: "chat", ID: id, OriginID: oid, StanzaID: sid, StanzaBy: sby, Body: body}
	}
	out := func(sec int, id, oid, sid, sby, body string) Record {
		return Record{Time: at(sec), Dir: Out, From: me + "/parley", Type: "chat", ID: id, OriginID: oid, StanzaID: sid, StanzaBy: sby, Body: body}
	}
	gc := func(sec int, nick, id, sid, sby, body string) Record {
		return Record{Time: at(sec), Dir: In, From: room + "/" + nick, Nick: nick, Type: "groupchat", ID: id, StanzaID: sid, StanzaBy: sby, Body: body}
	}
	tests := []struct {
		name    string
		conv    string
		steps   []step
		bodies  []string
		archive string // want NewestArchiveID(conv, by=account or room)
	}{
		{"live twice", bob, []step{
			{in(0, "m1", "o1", "S1", me, "hi"), true},
			{in(0, "m1", "o1", "S1", me, "hi"), false},
		}, []string{"hi"}, "S1"},
		{"carbon and live", bob, []step{
			{in(0, "m1", "", "", "", "hi"), true},
			{in(1, "m1", "", "S1", me, "hi"), false}, // carbon with the stanza-id: linked
		}, []string{"hi"}, "S1"},
		{"archive copy of a received message", bob, []step{
			{in(0, "m1", "o1", "S1", me, "hi"), true},
			{in(2, "m1", "o1", "S1", me, "hi"), false},
			{in(3, "m2", "o2", "S2", me, "new from archive"), true},
		}, []string{"hi", "new from archive"}, "S2"},
		{"archive copy of our sent message", bob, []step{
			{out(0, "s1", "so1", "", "", "sent"), true},
			{out(1, "s1", "so1", "S7", me, "sent"), false},
			{out(1, "s1", "so1", "S7", me, "sent"), false}, // and again in a later catch-up
		}, []string{"sent"}, "S7"},
		{"archive copy of our message sent by another client, matched by id only", bob, []step{
			{Record{Time: at(0), Dir: Out, From: me + "/phone", Type: "chat", ID: "x1", Body: "from phone"}, true},
			{Record{Time: at(1), Dir: Out, From: me, Type: "chat", ID: "x1", StanzaID: "S8", StanzaBy: me, Body: "from phone"}, false},
		}, []string{"from phone"}, "S8"},
		{"room history replay", room, []step{
			{gc(0, "alice", "g1", "R1", room, "hello room"), true},
			{gc(5, "alice", "g1", "R1", room, "hello room"), false},
			{gc(6, "alice", "", "R1", room, "hello room"), false}, // replay without id
		}, []string{"hello room"}, "R1"},
		{"id plus sender fallback", bob, []step{
			{in(0, "m1", "", "", "", "a"), true},
			{in(0, "m1", "", "", "", "a"), false},
			{Record{Time: at(1), Dir: In, From: bob + "/laptop", Type: "chat", ID: "m1", Body: "other sender"}, true},
			{in(2, "m2", "", "", "", "b"), true},
		}, []string{"a", "other sender", "b"}, ""},
		{"origin-id", bob, []step{
			{in(0, "m1", "o1", "", "", "a"), true},
			{in(1, "m2", "o1", "", "", "a"), false},
		}, []string{"a"}, ""},
		{"stanza-id by someone else is not trusted", bob, []step{
			{in(0, "m1", "", "X", bob, "one"), true},
			{in(1, "m2", "", "X", bob, "two"), true},
			{in(2, "m3", "", "R", bob, "three"), true},
			{in(3, "m4", "", "R", bob, "four"), true},
		}, []string{"one", "two", "three", "four"}, ""},
		{"room stanza-id in a chat message is not trusted", room, []step{
			{Record{Time: at(0), Dir: In, From: room + "/eve", Type: "chat", ID: "e1", StanzaID: "Z", StanzaBy: room, Body: "one"}, true},
			{Record{Time: at(1), Dir: In, From: room + "/eve", Type: "chat", ID: "e2", StanzaID: "Z", StanzaBy: room, Body: "two"}, true},
		}, []string{"one", "two"}, ""},
		{"reused id with different stanza-ids is two messages", bob, []step{
			{in(0, "1", "", "S1", me, "first"), true},
			{in(9, "1", "", "S2", me, "second"), true},
			{in(9, "1", "", "S2", me, "second"), false},
		}, []string{"first", "second"}, "S2"},
		{"reused id with different origin-ids is two messages", bob, []step{
			{in(0, "1", "oa", "", "", "first"), true},
			{in(9, "1", "ob", "", "", "second"), true},
		}, []string{"first", "second"}, ""},
		{"a forged stanza-id on two different messages", bob, []step{
			{in(0, "a1", "", "FORGED-1", me, "one"), true},
			{in(1, "a2", "", "FORGED-1", me, "two"), true},
			{in(1, "a2", "", "FORGED-1", me, "two"), false},
		}, []string{"one", "two"}, "FORGED-1"},
		{"same stanza-id from another sender", bob, []step{
			{in(0, "a1", "", "S1", me, "same"), true},
			{Record{Time: at(0), Dir: In, From: bob + "/laptop", Type: "chat", ID: "a1", StanzaID: "S1", StanzaBy: me, Body: "same"}, true},
		}, []string{"same", "same"}, "S1"},
		{"same origin-id with another body", bob, []step{
			{in(0, "m1", "o1", "", "", "first"), true},
			{in(1, "m1", "o1", "", "", "second"), true},
		}, []string{"first", "second"}, ""},
		{"reused id with another body after a restart", bob, []step{
			{in(0, "msg1", "", "", "", "hi"), true},
			{in(30, "msg1", "", "", "", "URGENT"), true},
		}, []string{"hi", "URGENT"}, ""},
		{"reused id with the same body an hour later", bob, []step{
			{in(0, "msg1", "", "", "", "ok"), true},
			{in(3600, "msg1", "", "", "", "ok"), true},
			{in(3660, "msg1", "", "", "", "ok"), false}, // its archive copy, a minute off
		}, []string{"ok", "ok"}, ""},
		{"our reused id with another body", bob, []step{
			{out(0, "1", "", "", "", "first"), true},
			{out(5, "1", "", "", "", "second"), true},
		}, []string{"first", "second"}, ""},
		{"a link does not stand for another body", bob, []step{
			{in(0, "m1", "", "", "", "hi"), true},
			{in(1, "m1", "", "S1", me, "hi"), false}, // linked
			{in(2, "m9", "", "S1", me, "forged"), true},
		}, []string{"hi", "forged"}, "S1"},
		{"events without ids are always stored", room, []step{
			{Record{Time: at(0), Dir: In, Kind: "join", From: room + "/a", Nick: "a"}, true},
			{Record{Time: at(1), Dir: In, Kind: "join", From: room + "/a", Nick: "a"}, true},
		}, []string{"", ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir)
			for i, st := range tt.steps {
				got, err := s.Append(me, tt.conv, st.r)
				if err != nil {
					t.Fatal(err)
				}
				if got != st.stored {
					t.Fatalf("step %d: stored %v, want %v", i, got, st.stored)
				}
			}
			check := func(s *Store) {
				recs, _, err := s.Tail(me, tt.conv, 100)
				if err != nil {
					t.Fatal(err)
				}
				var bodies []string
				for _, r := range recs {
					bodies = append(bodies, r.Body)
				}
				if len(bodies) != len(tt.bodies) {
					t.Fatalf("bodies %q, want %q", bodies, tt.bodies)
				}
				for i := range bodies {
					if bodies[i] != tt.bodies[i] {
						t.Fatalf("bodies %q, want %q", bodies, tt.bodies)
					}
				}
				by := me
				if tt.conv == room {
					by = room
				}
				id, err := s.NewestArchiveID(me, tt.conv, by)
				if err != nil || id != tt.archive {
					t.Fatalf("NewestArchiveID = %q, %v; want %q", id, err, tt.archive)
				}
			}
			check(s)
			// After a restart the index is rebuilt from the file: every
			// step that was a duplicate still is, and so is every stored one.
			s.Close()
			s2 := openT(t, dir)
			for i, st := range tt.steps {
				if st.r.ID == "" && st.r.OriginID == "" && st.r.StanzaID == "" {
					continue
				}
				if got, err := s2.Append(me, tt.conv, st.r); err != nil || got {
					t.Fatalf("after reopen, step %d stored again (%v)", i, err)
				}
			}
			check(s2)
		})
	}
}
