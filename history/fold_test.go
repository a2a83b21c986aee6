package history

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// rec builds a record at minute m.
func rec(m int, r Record) Record {
	r.Time = t0.Add(time.Duration(m) * time.Minute)
	if r.Type == "" {
		r.Type = "chat"
	}
	return r
}

func TestFold(t *testing.T) {
	bob := "bob@x/phone"
	room := "r@m"
	in := func(m int, id, body string) Record {
		return rec(m, Record{Dir: In, From: bob, ID: id, OriginID: "o" + id, Body: body})
	}
	gc := func(m int, nick, occ, sid, body string) Record {
		return rec(m, Record{Dir: In, From: room + "/" + nick, Nick: nick, OccupantID: occ, Type: "groupchat",
			ID: "x", StanzaIDs: []StanzaID{{sid, room}}, Body: body})
	}
	tests := []struct {
		name string
		in   []Record
		want []Record // Time is filled from the input by position
	}{
		{"plain", []Record{in(0, "a", "hi")}, []Record{in(0, "a", "hi")}},
		{"correction", []Record{in(0, "a", "hi"), rec(1, Record{Dir: In, From: bob, Kind: KindCorrection, Replaces: "a", Body: "hey"}),
			rec(2, Record{Dir: In, From: bob, Kind: KindCorrection, Replaces: "a", Body: "hello"})},
			[]Record{func() Record { r := in(0, "a", "hello"); r.Folded.Edited = true; return r }()}},
		{"correction from another resource is refused", []Record{in(0, "a", "hi"),
			rec(1, Record{Dir: In, From: "bob@x/evil", Kind: KindCorrection, Replaces: "a", Body: "pwned"})},
			[]Record{in(0, "a", "hi")}},
		{"correction of our message by the contact is refused", []Record{rec(0, Record{Dir: Out, From: "me@x/p", ID: "a", Body: "mine"}),
			rec(1, Record{Dir: In, From: bob, Kind: KindCorrection, Replaces: "a", Body: "pwned"})},
			[]Record{rec(0, Record{Dir: Out, From: "me@x/p", ID: "a", Body: "mine"})}},
		{"newest of two messages sharing an id", []Record{in(0, "a", "one"), in(1, "a", "two"),
			rec(2, Record{Dir: In, From: bob, Kind: KindCorrection, Replaces: "a", Body: "TWO"})},
			[]Record{in(0, "a", "one"), func() Record { r := in(1, "a", "TWO"); r.Folded.Edited = true; return r }()}},
		{"retraction by origin-id", []Record{in(0, "a", "secret"), rec(1, Record{Dir: In, From: bob, Kind: KindRetract, Ref: "oa"})},
			[]Record{func() Record { r := in(0, "a", ""); r.Folded.Retracted = true; return r }()}},
		{"correction after retraction keeps the tombstone", []Record{in(0, "a", "secret"),
			rec(1, Record{Dir: In, From: bob, Kind: KindRetract, Ref: "oa"}),
			rec(2, Record{Dir: In, From: bob, Kind: KindCorrection, Replaces: "a", Body: "back"})},
			[]Record{func() Record { r := in(0, "a", ""); r.Folded.Retracted = true; return r }()}},
		{"reactions per sender, replaced", []Record{gc(0, "ann", "", "s1", "hi"),
			rec(1, Record{Dir: In, From: room + "/bob", Type: "groupchat", Kind: KindReactions, Ref: "s1", Emojis: []string{"👍", "❤"}}),
			rec(2, Record{Dir: In, From: room + "/cy", Type: "groupchat", Kind: KindReactions, Ref: "s1", Emojis: []string{"👍"}}),
			rec(3, Record{Dir: In, From: room + "/bob", Type: "groupchat", Kind: KindReactions, Ref: "s1", Emojis: []string{"👍"}}),
			rec(4, Record{Dir: Out, From: room + "/me", Type: "groupchat", Kind: KindReactions, Ref: "s1", Emojis: []string{"🎉"}}),
			rec(5, Record{Dir: In, From: room + "/dan", Type: "groupchat", Kind: KindReactions, Ref: "s1", Emojis: []string{"😀"}}),
			rec(6, Record{Dir: In, From: room + "/dan", Type: "groupchat", Kind: KindReactions, Ref: "s1", Emojis: []string{}})},
			[]Record{func() Record {
				r := gc(0, "ann", "", "s1", "hi")
				r.Folded.Reactions = []Reaction{{"👍", 2, false}, {"🎉", 1, true}}
				r.Folded.ReactionSets = []ReactionSet{{"n\x00bob", []string{"👍"}}, {"n\x00cy", []string{"👍"}}, {"\x00me", []string{"🎉"}}, {"n\x00dan", []string{}}}
				return r
			}()}},
		{"room reference by a forged stanza-id is not applied", []Record{
			rec(0, Record{Dir: In, From: room + "/ann", Type: "groupchat", StanzaIDs: []StanzaID{{"f", "evil@x"}}, Body: "hi"}),
			rec(1, Record{Dir: In, From: room + "/bob", Type: "groupchat", Kind: KindReactions, Ref: "f", Emojis: []string{"👍"}})},
			[]Record{rec(0, Record{Dir: In, From: room + "/ann", Type: "groupchat", StanzaIDs: []StanzaID{{"f", "evil@x"}}, Body: "hi"})}},
		{"moderation by the room", []Record{gc(0, "ann", "", "s1", "spam"),
			rec(1, Record{Dir: In, From: room, Type: "groupchat", Kind: KindModerate, Ref: "s1", By: room + "/mod", Body: "no"})},
			[]Record{func() Record {
				r := gc(0, "ann", "", "s1", "")
				r.Folded.Moderated, r.Folded.By, r.Folded.Reason = true, room+"/mod", "no"
				return r
			}()}},
		{"moderation by an occupant is refused", []Record{gc(0, "ann", "", "s1", "fine"),
			rec(1, Record{Dir: In, From: room + "/bob", Type: "groupchat", Kind: KindModerate, Ref: "s1"})},
			[]Record{gc(0, "ann", "", "s1", "fine")}},
		{"room correction by occupant-id, not nick", []Record{gc(0, "ann", "o1", "s1", "hi"),
			rec(1, Record{Dir: In, From: room + "/ann", Nick: "ann", OccupantID: "o2", Type: "groupchat", Kind: KindCorrection, Replaces: "x", Body: "imposter"}),
			rec(2, Record{Dir: In, From: room + "/ann2", Nick: "ann2", OccupantID: "o1", Type: "groupchat", Kind: KindCorrection, Replaces: "x", Body: "renamed"})},
			[]Record{func() Record { r := gc(0, "ann", "o1", "s1", "renamed"); r.Folded.Edited = true; return r }()}},
		{"marker from the other side", []Record{rec(0, Record{Dir: Out, From: "me@x/p", ID: "m", Body: "read?"}),
			rec(1, Record{Dir: In, From: bob, Kind: KindMarker, Ref: "m", Body: "displayed"})},
			[]Record{func() Record {
				r := rec(0, Record{Dir: Out, From: "me@x/p", ID: "m", Body: "read?"})
				r.Folded.Marker = "displayed"
				return r
			}()}},
		{"reference to nothing", []Record{rec(0, Record{Dir: In, From: bob, Kind: KindRetract, Ref: "zz"})}, []Record{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fold(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Fold\n got %+v\nwant %+v", got, tt.want)
			}
			// Reading backwards page by page folds the same.
			var f foldState
			var back []Record
			for i := len(tt.in) - 1; i >= 0; i-- {
				r := tt.in[i]
				if r.IsRef() {
					f.add(r, Position{})
					continue
				}
				f.resolve(&r)
				back = append([]Record{r}, back...)
			}
			if len(back) == 0 {
				back = []Record{}
			}
			if !reflect.DeepEqual(back, tt.want) {
				t.Fatalf("backwards\n got %+v\nwant %+v", back, tt.want)
			}
		})
	}
}

// TestReadV1 reads a version 1 file (a golden file written by parley
// before version 2): every message, the correction folded in.
func TestReadV1(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/v1.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	acct := filepath.Join(dir, "me@example.org")
	if err := os.MkdirAll(acct, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(acct, "bob@example.net.jsonl"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, _, err := s.Tail("me@example.org", "bob@example.net", 10)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, r := range recs {
		bodies = append(bodies, r.Body)
	}
	want := []string{"Lunch tomorrow?", "Sure.\nNoon?", "Where exactly?"}
	if !reflect.DeepEqual(bodies, want) || !recs[2].Folded.Edited || recs[0].StanzaID != "Zx3" || recs[0].V != 1 {
		t.Fatalf("got %q %+v", bodies, recs)
	}
}

// FuzzFold checks that folding never panics, never returns a reference or
// meta record, never returns more records than it got, and that reading
// backwards (as Tail and Before do) folds the same as Fold.
func FuzzFold(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{0, 0, 10, 20, 30, 40, 50, 60, 70})
	f.Add([]byte{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 255, 128})
	kinds := []string{"", KindCorrection, KindReactions, KindRetract, KindModerate, KindMarker, "join"}
	froms := []string{"bob@x/a", "bob@x/b", "r@m/ann", "r@m", "me@x/p"}
	ids := []string{"a", "b", "c"}
	emo := []string{"👍", "❤"}
	f.Fuzz(func(t *testing.T, b []byte) {
		var recs []Record
		for i := 0; i+1 < len(b) && len(recs) < 64; i += 2 {
			x, y := b[i], b[i+1]
			r := Record{Time: t0.Add(time.Duration(i) * time.Second), Kind: kinds[int(x)%len(kinds)],
				From: froms[int(x>>3)%len(froms)], ID: ids[int(y)%len(ids)], Dir: In, Type: "chat", Body: "t"}
			if y&8 != 0 {
				r.Dir = Out
			}
			if y&16 != 0 {
				r.Type = "groupchat"
				r.StanzaIDs = []StanzaID{{ids[int(y>>5)%len(ids)], "r@m"}}
			}
			if y&32 != 0 {
				r.OccupantID = "o"
			}
			r.Ref, r.Replaces = ids[int(y>>2)%len(ids)], ids[int(y>>4)%len(ids)]
			if r.Kind == KindReactions {
				r.Emojis = emo[:int(y>>6)%3]
			}
			recs = append(recs, r)
		}
		got := Fold(recs)
		for _, r := range got {
			if r.IsRef() || r.IsMeta() {
				t.Fatalf("reference left in the fold: %+v", r)
			}
			if r.Folded.Removed() && r.Body != "" {
				t.Fatalf("a tombstone keeps its text: %+v", r)
			}
		}
		var fs foldState
		var back []Record
		for i := len(recs) - 1; i >= 0; i-- {
			r := recs[i]
			if r.IsRef() {
				fs.add(r, Position{})
				continue
			}
			fs.resolve(&r)
			back = append([]Record{r}, back...)
		}
		if len(back) == 0 {
			back = []Record{}
		}
		if !reflect.DeepEqual(got, back) {
			t.Fatalf("backwards differs\n got %+v\nwant %+v", back, got)
		}
	})
}

// TestPendingBound: references whose targets never come are dropped past
// MaxPending, those that waited longest first; a recent one still folds.
func TestPendingBound(t *testing.T) {
	var f foldState
	for i := range MaxPending + 100 {
		f.add(Record{Dir: In, From: "b@x/p", Type: "chat", Kind: KindRetract, Ref: fmt.Sprint("none", i)}, Position{})
	}
	f.add(Record{Dir: In, From: "b@x/p", Type: "chat", Kind: KindCorrection, Replaces: "m", Body: "new"}, Position{})
	if f.n > MaxPending || len(f.pending) > MaxPending {
		t.Fatalf("%d references kept", f.n)
	}
	m := Record{Dir: In, From: "b@x/p", Type: "chat", ID: "m", Body: "old"}
	if !f.resolve(&m) || m.Body != "new" {
		t.Fatalf("%+v", m)
	}
	if _, ok := f.pending["o\x00none0"]; ok {
		t.Fatal("the reference read first is still kept")
	}
}

// TestMayHaveRefs: the pre-check of Search sees reference records, also
// across its block boundaries, and not a body that quotes one.
func TestMayHaveRefs(t *testing.T) {
	dir := t.TempDir()
	write := func(recs ...Record) string {
		var b []byte
		b = appendHeader(b, header{"a@x", "b@x"}, t0)
		for _, r := range recs {
			r.Time = t0
			b = appendRecord(b, r)
		}
		p := filepath.Join(dir, fmt.Sprint(len(recs), ".jsonl"))
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	long := Record{Dir: In, Body: string(make([]byte, 256<<10-40))}
	for _, c := range []struct {
		path string
		want bool
	}{
		{write(Record{Dir: In, Body: `"k":"correction" is how it is written`}, Record{Dir: Out, Kind: KindLink, ID: "x"}), false},
		{write(Record{Dir: In, Body: "x"}, Record{Dir: In, Kind: KindRetract, Ref: "x"}, Record{Dir: In}), true},
		{write(long, Record{Dir: In, Kind: KindReactions, Ref: "x", Emojis: []string{}}, Record{}, Record{}), true},
		{filepath.Join(dir, "missing.jsonl"), false},
	} {
		if got := mayHaveRefs(c.path); got != c.want {
			t.Errorf("%s: %v, want %v", c.path, got, c.want)
		}
	}
}

// TestReactionSets: a live set applied with SetReactions aggregates as the
// fold of the same records does.
func TestReactionSets(t *testing.T) {
	bob := Record{Dir: In, From: "bob@x/phone", Type: "chat", Kind: KindReactions}
	bob2 := Record{Dir: In, From: "Bob@x/laptop", Type: "chat", Kind: KindReactions}
	me := Record{Dir: Out, From: "me@x/p", Type: "chat", Kind: KindReactions}
	if ReactionSender(&bob) != ReactionSender(&bob2) {
		t.Error("a contact's devices share one set")
	}
	var sets []ReactionSet
	sets = SetReactions(sets, ReactionSender(&bob), []string{"👍", "❤"})
	sets = SetReactions(sets, ReactionSender(&me), []string{"👍"})
	sets = SetReactions(sets, ReactionSender(&bob2), []string{"❤"})
	got := AggregateReactions(sets)
	want := []Reaction{{"❤", 1, false}, {"👍", 1, true}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if o := OurReactions(sets); !reflect.DeepEqual(o, []string{"👍"}) {
		t.Fatalf("ours: %q", o)
	}
}
