package history

import (
	"testing"
	"time"
)

func TestArchiveAnchors(t *testing.T) {
	const carol = "carol@example.com"
	rec := func(sec int, from, typ, sid, sby, body string) Record {
		return Record{Time: at(sec), Dir: In, From: from, Type: typ, StanzaID: sid, StanzaBy: sby, Body: body}
	}
	type app struct {
		conv  string
		r     Record
		older bool
	}
	tests := []struct {
		name       string
		appends    []app
		wantAny    string
		wantAnySec int
		wantOldBob string
	}{
		{"empty", nil, "", 0, ""},
		{"no trusted ids", []app{
			{bob, rec(1, bob+"/a", "chat", "X", bob, "spoofed by"), false},
			{bob, rec(2, bob+"/a", "chat", "", "", "no id"), false},
		}, "", 0, ""},
		{"newest across conversations by time", []app{
			{bob, rec(1, bob+"/a", "chat", "B1", me, "b1"), false},
			{carol, rec(5, carol+"/a", "chat", "C1", me, "c1"), false},
			{bob, rec(3, bob+"/a", "chat", "B2", me, "b2"), false},
			{bob, rec(4, bob+"/a", "chat", "", "", "live without id"), false},
		}, "C1", 5, "B1"},
		{"room ids do not count for the account", []app{
			{bob, rec(1, bob+"/a", "chat", "B1", me, "b1"), false},
			{room, rec(9, room+"/n", "groupchat", "R1", room, "r1"), false},
			{room, rec(10, room+"/n", "groupchat", "R2", me, "r2"), false},
		}, "B1", 1, "B1"},
		{"a record dated in the future is passed over", []app{
			{bob, rec(1, bob+"/a", "chat", "B1", me, "b1"), false},
			{bob, Record{Time: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), Dir: In, From: bob + "/a", Type: "chat", StanzaID: "FORGED-1", StanzaBy: me, Body: "from the future"}, false},
			{carol, rec(2, carol+"/a", "chat", "C2", me, "c2"), false},
		}, "C2", 2, "B1"},
		{"oldest comes from the older pages", []app{
			{bob, rec(10, bob+"/a", "chat", "B10", me, "b10"), false},
			{bob, rec(1, bob+"/a", "chat", "B1", me, "b1"), true},
		}, "B10", 10, "B1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openT(t, t.TempDir())
			for _, a := range tc.appends {
				var err error
				if a.older {
					_, err = s.AppendOlder(me, a.conv, []Record{a.r})
				} else {
					_, err = s.Append(me, a.conv, a.r)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			id, ts, err := s.NewestArchiveIDAny(me, me)
			if err != nil {
				t.Fatal(err)
			}
			if id != tc.wantAny || (id != "" && !ts.Equal(at(tc.wantAnySec))) {
				t.Errorf("NewestArchiveIDAny = %q at %v, want %q at %v", id, ts, tc.wantAny, at(tc.wantAnySec))
			}
			old, err := s.OldestArchiveID(me, bob, me)
			if err != nil {
				t.Fatal(err)
			}
			if old != tc.wantOldBob {
				t.Errorf("OldestArchiveID = %q, want %q", old, tc.wantOldBob)
			}
		})
	}
}
