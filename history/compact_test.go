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
