package history

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCompactLines: what Append writes for typical records, byte for byte,
// and that each reads back as it was given.
func TestCompactLines(t *testing.T) {
	const room = "room@muc.x"
	pm := room + "/Ann"
	tests := []struct {
		name string
		conv string
		r    Record
		want string
	}{
		{"received 1:1", bob, Record{Time: t0, Dir: In, From: bob + "/phone", Type: "chat", ID: "a1", OriginID: "a1",
			StanzaID: "Zx3", StanzaBy: me, StanzaIDs: []StanzaID{{"Zx3", me}}, Body: "Lunch?"},
			`{"t":1795442709.123,"f":"/phone","o":"a1","s":"Zx3","b":"Lunch?"}`},
		{"sent 1:1", bob, Record{Time: t0, Dir: Out, From: me + "/parley", Type: "chat", ID: "b7", OriginID: "b7", Body: "Sure."},
			`{"t":1795442709.123,"dir":"out","f":"/parley","o":"b7","b":"Sure."}`},
		{"link", bob, Record{Time: t0.Add(877 * time.Millisecond), Dir: Out, Kind: KindLink, From: me + "/parley", Type: "chat", ID: "b7", OriginID: "b7",
			StanzaID: "Qw8", StanzaBy: me, StanzaIDs: []StanzaID{{"Qw8", me}}},
			`{"t":1795442710,"dir":"out","k":"link","f":"/parley","o":"b7","s":"Qw8"}`},
		{"room message", room, Record{Time: t0, Dir: In, From: room + "/ann", Nick: "ann", Type: "groupchat", OccupantID: "dX9",
			StanzaID: "r41", StanzaBy: room, StanzaIDs: []StanzaID{{"r41", room}}, Body: "hi all"},
			`{"t":1795442709.123,"n":"ann","s":"r41","occ":"dX9","b":"hi all"}`},
		{"moderation", room, Record{Time: t0, Dir: In, Kind: KindModerate, From: room, Type: "groupchat", Ref: "r41", By: room + "/mod", Body: "spam"},
			`{"t":1795442709.123,"k":"moderate","type":"groupchat","ref":"r41","by":"room@muc.x/mod","b":"spam"}`},
		{"room private chat", pm, Record{Time: t0, Dir: In, From: pm, Type: "chat", ID: "p", Body: "psst"},
			`{"t":1795442709.123,"id":"p","b":"psst"}`},
		{"our room private chat", pm, Record{Time: t0, Dir: Out, From: me + "/parley", Type: "chat", ID: "q", Body: "yes"},
			`{"t":1795442709.123,"dir":"out","f":"/parley","id":"q","b":"yes"}`},
		{"values that differ from the defaults", bob, Record{Time: time.Unix(-2, -500e6), Dir: "", From: "", Type: "",
			ID: "", OriginID: "o", StanzaID: "s", StanzaBy: "", Body: "odd"},
			`{"t":-2.5,"dir":"","f":"","type":"","id":"","o":"o","s":"s","sby":"","sids":[],"b":"odd"}`},
		{"another sender, another archive", bob, Record{Time: t0, Dir: In, From: "eve@evil.example/x", Type: "normal",
			ID: "i", OriginID: "o", StanzaID: "s", StanzaBy: "evil.example", StanzaIDs: []StanzaID{{"t", me}, {"s", "evil.example"}}},
			`{"t":1795442709.123,"f":"eve@evil.example/x","type":"normal","id":"i","o":"o","s":"s","sby":"evil.example","sids":[{"id":"t","by":"me@example.org"},{"id":"s","by":"evil.example"}]}`},
		{"not a JID: written in full", bob, Record{Time: t0, Dir: In, From: "/phone", Type: "chat", Body: "x"},
			`{"v":2,"t":"2026-11-23T14:05:09.123Z","dir":"in","from":"/phone","type":"chat","body":"x"}`},
		{"UUIDs packed", bob, Record{Time: t0, Dir: In, From: bob + "/phone", Type: "chat", ID: "8377dc9b-7384-415f-bc38-900c7123ef54",
			OriginID: "8377dc9b-7384-415f-bc38-900c7123ef54", StanzaID: "f5396d45-6ba4-4e79-8c3d-13d9c7e3f6d6", StanzaBy: me,
			StanzaIDs: []StanzaID{{"f5396d45-6ba4-4e79-8c3d-13d9c7e3f6d6", me}}, Body: "hi"},
			`{"t":1795442709.123,"f":"/phone","ou":"g3fcm3OEQV-8OJAMcSPvVA","su":"9TltRWukTnmMPRPZx-P21g","b":"hi"}`},
		{"UUIDs not canonical: as they are", bob, Record{Time: t0, Dir: In, From: bob + "/phone", Type: "chat", ID: "8377DC9B-7384-415F-BC38-900C7123EF54",
			OriginID: "8377DC9B-7384-415F-BC38-900C7123EF54", StanzaID: "{f5396d45-6ba4-4e79-8c3d-13d9c7e3f6d6}", StanzaBy: me,
			StanzaIDs: []StanzaID{{"{f5396d45-6ba4-4e79-8c3d-13d9c7e3f6d6}", me}}},
			`{"t":1795442709.123,"f":"/phone","o":"8377DC9B-7384-415F-BC38-900C7123EF54","s":"{f5396d45-6ba4-4e79-8c3d-13d9c7e3f6d6}"}`},
		{"a reaction", bob, Record{Time: t0, Dir: Out, Kind: KindReactions, From: me + "/parley", Type: "chat", ID: "r", Ref: "a1", Emojis: []string{"👍"}},
			`{"t":1795442709.123,"dir":"out","k":"reactions","f":"/parley","id":"r","ref":"a1","emo":["👍"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := scope{me, tt.conv}
			line := appendCompact(nil, sc, tt.r)
			if string(line) != tt.want+"\n" {
				t.Fatalf("encoded\n%s\nwant\n%s", line, tt.want)
			}
			got, _, err := parseRecord(line[:len(line)-1], sc)
			if err != nil {
				t.Fatal(err)
			}
			if tt.r.StanzaIDs == nil && got.StanzaIDs != nil && len(got.StanzaIDs) == 0 {
				got.StanzaIDs = nil
			}
			sameRecord(t, tt.want, got, tt.r)
		})
	}
}

// oldLine is a record as parley wrote it before the compact encoding.
func oldLine(r Record) []byte {
	if r.V == 0 {
		r.V = 2
	}
	return appendRecord(nil, r)
}

// TestMixedFile: a file written before the compact encoding and appended to
// after it reads as one conversation: dedup across the two, references in
// new lines to old messages, search, paging from the end, anchors, erase.
func TestMixedFile(t *testing.T) {
	dir := t.TempDir()
	s := &Store{dir: dir}
	path, _ := s.paths(me, bob)
	os.MkdirAll(filepath.Dir(path), 0o700)
	old := appendHeader(nil, header{me, bob}, t0)
	old = bytes.Replace(old, []byte(`"t":1795442709.123`), []byte(`"t":"2026-11-23T14:05:09.123Z"`), 1)
	old = bytes.Replace(old, []byte(`"v":2`), []byte(`"v":1`), 1)
	old = append(old, oldLine(Record{V: 1, Time: at(1), Dir: In, From: bob + "/phone", Type: "chat", ID: "a1", OriginID: "a1", StanzaID: "S1", StanzaBy: me, Body: "old one"})...)
	old = append(old, oldLine(Record{Time: at(2), Dir: Out, From: me + "/parley", Type: "chat", ID: "b1", OriginID: "b1", Body: "old two"})...)
	old = append(old, oldLine(Record{Time: at(3), Dir: In, From: bob + "/phone", Type: "chat", ID: "a2", Body: "old three needle"})...)
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	w := openT(t, dir)
	app := func(r Record) bool {
		t.Helper()
		ok, err := w.Append(me, bob, r)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	// Copies of the old messages are duplicates (by stanza-id, origin-id,
	// id); the archive copy of our old message is linked.
	if app(Record{Time: at(1), Dir: In, From: bob + "/phone", Type: "chat", ID: "a1", OriginID: "a1", StanzaID: "S1", StanzaBy: me, Body: "old one"}) ||
		app(Record{Time: at(2), Dir: Out, From: me + "/other", Type: "chat", ID: "b1", OriginID: "b1", StanzaID: "S2", StanzaBy: me, Body: "old two"}) ||
		app(Record{Time: at(3), Dir: In, From: bob + "/phone", Type: "chat", ID: "a2", Body: "old three needle"}) {
		t.Fatal("a copy of an old message was stored again")
	}
	// New messages and references to old ones.
	app(Record{Time: at(4), Dir: In, From: bob + "/phone", Type: "chat", ID: "a3", OriginID: "a3", StanzaID: "S3", StanzaBy: me, Body: "new four needle"})
	app(Record{Time: at(5), Dir: In, Kind: KindCorrection, From: bob + "/phone", Type: "chat", ID: "a4", OriginID: "a4", Replaces: "a2", Body: "old three fixed needle"})
	app(Record{Time: at(6), Dir: Out, Kind: KindReactions, From: me + "/parley", Type: "chat", ID: "b2", OriginID: "b2", Ref: "a1", Emojis: []string{"👍"}})
	app(Record{Time: at(7), Dir: Out, Kind: KindRetract, From: me + "/parley", Type: "chat", ID: "b3", OriginID: "b3", Ref: "b1"})
	app(Record{Time: at(8), Dir: In, Kind: KindCorrection, From: "eve@x/phone", Type: "chat", ID: "e1", Replaces: "a3", Body: "forged"})
	if app(Record{Time: at(4), Dir: In, From: bob + "/phone", Type: "chat", ID: "a3", OriginID: "a3", StanzaID: "S3", StanzaBy: me, Body: "new four needle"}) {
		t.Fatal("a copy of a new message was stored again")
	}
	file, _ := os.ReadFile(path)
	if !bytes.HasPrefix(file, old) {
		t.Fatal("the old lines were rewritten")
	}
	for _, l := range strings.Split(strings.TrimSpace(string(file[len(old):])), "\n") {
		if strings.Contains(l, `"v"`) || strings.Contains(l, bob) {
			t.Errorf("not compact: %s", l)
		}
	}
	r, _ := OpenReadOnly(dir)
	want := "old one|(retracted)|old three fixed needle (edited)|new four needle"
	show := func(recs []Record) string {
		var b []string
		for _, r := range recs {
			switch {
			case r.Folded.Removed():
				b = append(b, "(retracted)")
			case r.Folded.Edited:
				b = append(b, r.Body+" (edited)")
			default:
				b = append(b, r.Body)
			}
		}
		return strings.Join(b, "|")
	}
	for name, st := range map[string]*Store{"writer": w, "reader": r} {
		recs, _, err := st.Tail(me, bob, 10)
		if err != nil || show(recs) != want {
			t.Fatalf("%s Tail: %v %q", name, err, show(recs))
		}
		if len(recs[0].Folded.Reactions) != 1 || recs[0].From != bob+"/phone" || recs[0].StanzaBy != me || recs[1].Dir != Out {
			t.Fatalf("%s: %+v", name, recs[:2])
		}
		// Paging from the end, two at a time, across old and new lines.
		page, c, _ := st.Tail(me, bob, 2)
		older, _, _ := st.Before(me, bob, c, 2)
		if show(append(older, page...)) != want {
			t.Fatalf("%s paging: %q", name, show(append(older, page...)))
		}
		var hits []string
		err = st.Search(context.Background(), Query{Conv: bob, Text: "NEEDLE", Since: at(3)}, func(h Hit) bool {
			hits = append(hits, h.Record.Body)
			return true
		})
		if err != nil || strings.Join(hits, "|") != "old three fixed needle|new four needle" {
			t.Fatalf("%s Search: %v %q", name, err, hits)
		}
		if id, err := st.NewestArchiveID(me, bob, me); err != nil || id != "S3" {
			t.Fatalf("%s anchor %q, %v", name, id, err)
		}
		if id, err := st.OldestArchiveID(me, bob, me); err != nil || id != "S1" {
			t.Fatalf("%s oldest anchor %q, %v", name, id, err)
		}
	}
	// Erase: the retracted old message loses its text and keeps its
	// encoding; so does a retracted new one.
	app(Record{Time: at(9), Dir: In, Kind: KindRetract, From: bob + "/phone", Type: "chat", ID: "a5", Ref: "a3"})
	if err := w.Erase(me, bob); err != nil {
		t.Fatal(err)
	}
	file, _ = os.ReadFile(path)
	lines := strings.Split(string(file), "\n")
	if l := lines[2]; !strings.HasPrefix(l, `{"v":2,"t":"2026-11-23T14:05:11.123Z","dir":"out"`) || strings.Contains(l, "old two") || len(l) != len(strings.Split(string(old), "\n")[2]) {
		t.Fatalf("old line erased as %q", l)
	}
	if l := lines[5]; !strings.HasPrefix(l, `{"t":1795442713.123,"f":"/phone","o":"a3","s":"S3"`) || strings.Contains(l, "needle") {
		t.Fatalf("new line erased as %q", l)
	}
	recs, _, _ := r.Tail(me, bob, 10)
	if show(recs) != "old one|(retracted)|old three fixed needle (edited)|(retracted)" {
		t.Fatalf("after erase: %q", show(recs))
	}
}

// TestCompactHostile: a crafted file cannot make a compact record speak for
// another conversation: the defaults come from the file's name, never from
// its header; a record naming another sender keeps it; overlong lines and
// absurd times are skipped.
func TestCompactHostile(t *testing.T) {
	dir := t.TempDir()
	s := &Store{dir: dir}
	path, _ := s.paths(me, bob)
	os.MkdirAll(filepath.Dir(path), 0o700)
	var b []byte
	b = append(b, `{"v":2,"t":1795442709,"k":"head","account":"mallory@evil.example","conv":"alice@example.net"}`+"\n"...)
	b = append(b, `{"t":1795442710,"f":"/phone","o":"a1","s":"S1","b":"from bob"}`+"\n"...)
	b = append(b, `{"t":1795442711,"f":"alice@example.net/x","b":"claims alice"}`+"\n"...)
	b = append(b, `{"t":1795442712,"k":"correction","f":"alice@example.net/x","rep":"a1","b":"hijack"}`+"\n"...)
	b = append(b, `{"t":99999999999999999999,"b":"absurd time"}`+"\n"...)
	b = append(b, `{"t":1795442713,"b":"`+strings.Repeat("x", 2<<20)+`"}`+"\n"...)
	b = append(b, `{"t":1795442714,"sby":"alice@example.net","s":"S9","b":"foreign archive"}`+"\n"...)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func() (*Store, error){"reader": func() (*Store, error) { return OpenReadOnly(dir) }, "writer": func() (*Store, error) { return Open(dir) }} {
		st, err := open()
		if err != nil {
			t.Fatal(err)
		}
		if name == "writer" {
			if _, err := st.Append(me, bob, Record{Time: at(100), Dir: In, From: bob + "/phone", Type: "chat", ID: "z", Body: "z"}); err != nil {
				t.Fatal(err)
			}
		}
		recs, _, err := st.Tail(me, bob, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) < 3 || recs[0].From != bob+"/phone" || recs[0].Body != "from bob" || recs[0].Folded.Edited ||
			recs[1].From != "alice@example.net/x" || recs[2].Body != "foreign archive" {
			t.Fatalf("%s: %+v", name, recs)
		}
		if id, _ := st.NewestArchiveID(me, bob, me); id != "S1" {
			t.Fatalf("%s: anchor %q", name, id)
		}
		if w := strings.Join(st.Warnings(), "\n"); !strings.Contains(w, "skipped") {
			t.Fatalf("%s: no warning for the bad lines: %q", name, w)
		}
		st.Close()
	}
}

// TestPackedIDsFold: references to messages whose ids are packed UUIDs
// find them, through the writer's index and by reading backwards, and a
// packed id that is not one is ignored.
func TestPackedIDsFold(t *testing.T) {
	const room = "room@muc.x"
	dir := t.TempDir()
	w := openT(t, dir)
	sid := "f5396d45-6ba4-4e79-8c3d-13d9c7e3f6d6"
	oid := "8377dc9b-7384-415f-bc38-900c7123ef54"
	for _, r := range []Record{
		{Time: at(1), Dir: In, From: room + "/ann", Nick: "ann", Type: "groupchat", ID: oid, OriginID: oid, StanzaID: sid, StanzaBy: room, Body: "spam"},
		{Time: at(2), Dir: In, From: room + "/bob", Nick: "bob", Type: "groupchat", ID: "x", StanzaID: "e0000000-0000-4000-8000-000000000000", StanzaBy: room, Body: "fine"},
		{Time: at(3), Dir: In, From: room + "/bob", Nick: "bob", Type: "groupchat", Kind: KindReactions, StanzaID: "e1000000-0000-4000-8000-000000000000", StanzaBy: room, Ref: sid, Emojis: []string{"👎"}},
		{Time: at(4), Dir: In, From: room, Type: "groupchat", Kind: KindModerate, Ref: sid, By: room + "/mod", Body: "spam"},
	} {
		if ok, err := w.Append(me, room, r); err != nil || !ok {
			t.Fatal(ok, err)
		}
	}
	if ok, _ := w.Append(me, room, Record{Time: at(1), Dir: In, From: room + "/ann", Nick: "ann", Type: "groupchat", ID: oid, OriginID: oid, StanzaID: sid, StanzaBy: room, Body: "spam"}); ok {
		t.Fatal("a duplicate by packed stanza-id was stored")
	}
	file, _ := os.ReadFile(filepath.Join(dir, EncodeName(me), EncodeName(room)+".jsonl"))
	if bytes.Count(file, []byte(sid)) != 2 || bytes.Count(file, []byte(`"ref":"`+sid+`"`)) != 2 {
		t.Fatalf("ids not packed in messages, or packed in references:\n%s", file)
	}
	r, _ := OpenReadOnly(dir)
	for name, st := range map[string]*Store{"writer": w, "reader": r} {
		got, _, ok, err := st.Target(me, room, Record{Dir: In, From: room + "/x", Type: "groupchat", Kind: KindRetract, Ref: sid})
		if err != nil || !ok || got.StanzaID != sid || got.OriginID != oid || got.ID != oid || !got.Folded.Moderated || len(got.Folded.Reactions) != 1 {
			t.Fatalf("%s Target: %v %v %+v", name, ok, err, got)
		}
		if id, _ := st.NewestArchiveID(me, room, room); id != "e1000000-0000-4000-8000-000000000000" {
			t.Fatalf("%s anchor %q", name, id)
		}
	}
	rec, _, err := parseRecord([]byte(`{"t":1,"su":"not a packed uuid","ou":"AAAAAAAAAAAAAAAAAAAAAB","b":"x"}`), scope{me, bob})
	if err != nil || rec.StanzaID != "" || rec.OriginID != "" || rec.Body != "x" {
		t.Fatalf("bad packed ids: %+v, %v", rec, err)
	}
}

func TestUnixMilliRange(t *testing.T) {
	if minUnixMilli != time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() ||
		maxUnixMilli != time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC).UnixMilli() {
		t.Fatal("range constants")
	}
	for _, c := range []struct {
		in string
		ok bool
	}{{"253402300799.999", true}, {"253402300800", false}, {"-62167219200", true}, {"-62167219200.001", false}, {"0", true}, {"-0.5", true}} {
		if _, ok := parseUnixMilli([]byte(c.in)); ok != c.ok {
			t.Errorf("%s: %v", c.in, ok)
		}
	}
}
