package history

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestReadFolded writes messages and references to them through Append and
// checks that every reader shows the folded view: Tail and Before page by
// page, Around and After, Search; and that the pages together equal Fold of
// the whole file.
func TestReadFolded(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const acct, conv = "me@x", "bob@x"
	var all []Record
	add := func(r Record) {
		r.Time = t0.Add(time.Duration(len(all)) * time.Second)
		if r.Type == "" {
			r.Type = "chat"
		}
		if _, err := s.Append(acct, conv, r); err != nil {
			t.Fatal(err)
		}
		r.V = Version
		all = append(all, r)
	}
	for i := range 40 {
		add(Record{Dir: In, From: "bob@x/p", ID: fmt.Sprint("m", i), OriginID: fmt.Sprint("o", i), Body: fmt.Sprint("text ", i)})
	}
	add(Record{Dir: In, From: "bob@x/p", Kind: KindCorrection, ID: "c1", Replaces: "m2", Body: "fixed two"})
	add(Record{Dir: In, From: "bob@x/p", Kind: KindRetract, ID: "r1", Ref: "o3"})
	add(Record{Dir: Out, From: "me@x/p", Kind: KindReactions, ID: "e1", Ref: "m38", Emojis: []string{"👍"}})
	add(Record{Dir: In, From: "bob@x/p", ID: "m40", Body: "secret agent"})
	add(Record{Dir: In, From: "bob@x/p", Kind: KindRetract, ID: "r2", Ref: "m40"})
	want := Fold(all)

	var got []Record
	recs, cur, err := s.Tail(acct, conv, 7)
	if err != nil {
		t.Fatal(err)
	}
	got = recs
	for !cur.Done() {
		recs, cur, err = s.Before(acct, conv, cur, 7)
		if err != nil {
			t.Fatal(err)
		}
		got = append(recs, got...)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("paged\n got %+v\nwant %+v", got, want)
	}
	if !got[2].Folded.Edited || got[2].Body != "fixed two" || !got[3].Folded.Retracted || got[3].Body != "" ||
		len(got[38].Folded.Reactions) != 1 || !got[40].Folded.Retracted {
		t.Fatalf("not folded: %+v %+v %+v", got[2], got[3], got[38])
	}

	var hits []Hit
	if err := s.Search(context.Background(), Query{Text: "secret"}, func(h Hit) bool { hits = append(hits, h); return true }); err != nil {
		t.Fatal(err)
	}
	if len(hits) != 0 {
		t.Fatalf("a retracted text is found: %+v", hits)
	}
	if err := s.Search(context.Background(), Query{Text: "fixed"}, func(h Hit) bool { hits = append(hits, h); return true }); err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || !hits[0].Record.Folded.Edited {
		t.Fatalf("search of a corrected text: %+v", hits)
	}
	hits = nil
	if err := s.Search(context.Background(), Query{Text: "text 1"}, func(h Hit) bool { hits = append(hits, h); return true }); err != nil {
		t.Fatal(err)
	}
	around, hit, older, newer, err := s.Around(acct, conv, hits[0].Pos, 3)
	if err != nil {
		t.Fatal(err)
	}
	if around[hit].Body != "text 1" || !around[hit+1].Folded.Edited || !around[hit+2].Folded.Retracted {
		t.Fatalf("around: %+v", around)
	}
	_, _, _ = older, newer, hit
	page := around
	for !newer.Done() {
		recs, newer, err = s.After(acct, conv, newer, 5)
		if err != nil {
			t.Fatal(err)
		}
		page = append(page, recs...)
	}
	for !older.Done() {
		recs, older, err = s.Before(acct, conv, older, 5)
		if err != nil {
			t.Fatal(err)
		}
		page = append(recs, page...)
	}
	if !reflect.DeepEqual(page, want) {
		t.Fatalf("around and paging\n got %+v\nwant %+v", page, want)
	}
}

// TestErase checks that the text of a retracted or moderated message (and of
// its corrections, and a reply's quote) leaves the file when the store closes, that the file is
// otherwise unchanged byte for byte in length and content, and that it still
// folds to the same view.
func TestErase(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	const acct, conv, room = "me@x", "bob@x", "r@m"
	in := func(m int, r Record) {
		t.Helper()
		r.Time = t0.Add(time.Duration(m) * time.Second)
		if r.Type == "" {
			r.Type = "chat"
		}
		c := conv
		if r.Type == "groupchat" {
			c = room
		}
		if _, err := s.Append(acct, c, r); err != nil {
			t.Fatal(err)
		}
	}
	in(0, Record{Dir: In, From: "bob@x/p", ID: "a", Body: "keep me"})
	in(1, Record{Dir: In, From: "bob@x/p", ID: "b", OriginID: "ob", ReplyID: "a", Quote: "> me: hunter0\n", Body: "password hunter2"})
	in(2, Record{Dir: In, From: "bob@x/p", Kind: KindCorrection, ID: "c", Replaces: "b", Body: "password hunter3"})
	in(3, Record{Dir: In, From: "bob@x/p", Kind: KindRetract, ID: "d", Ref: "ob"})
	in(4, Record{Dir: In, From: "r@m/ann", Type: "groupchat", ID: "g", StanzaID: "s1", StanzaBy: "r@m", Body: "spam spam"})
	in(5, Record{Dir: In, From: "r@m", Type: "groupchat", Kind: KindModerate, ID: "h", Ref: "s1", By: "r@m/mod", Body: "no spam"})
	before, _, err := s.Tail(acct, conv, 10)
	if err != nil {
		t.Fatal(err)
	}
	path, _ := s.paths(acct, conv)
	old, _ := os.ReadFile(path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "hunter") || len(data) != len(old) || !strings.Contains(string(data), "keep me") {
		t.Fatalf("after Close:\n%s", data)
	}
	roomPath, _ := s.paths(acct, room)
	if data, _ := os.ReadFile(roomPath); strings.Contains(string(data), "spam spam") || !strings.Contains(string(data), "no spam") {
		t.Fatalf("moderated text kept:\n%s", data)
	}
	s2, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	after, _, err := s2.Tail(acct, conv, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) || !after[1].Folded.Retracted {
		t.Fatalf("fold changed:\n%+v\n%+v", before, after)
	}
	if w := s2.Warnings(); len(w) != 0 {
		t.Fatalf("warnings: %q", w)
	}
}

// TestEraseWhileOpen erases while the writer holds the file and appends
// after it: the append goes to the new file.
func TestEraseWhileOpen(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const acct, conv = "me@x", "bob@x"
	for i, r := range []Record{
		{Dir: In, From: "bob@x/p", ID: "b", Body: "oops"},
		{Dir: In, From: "bob@x/p", Kind: KindRetract, ID: "d", Ref: "b"},
	} {
		r.Time, r.Type = t0.Add(time.Duration(i)*time.Second), "chat"
		if _, err := s.Append(acct, conv, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Erase(acct, conv); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(acct, conv, Record{Time: t0.Add(time.Minute), Dir: In, Type: "chat", From: "bob@x/p", ID: "e", Body: "after"}); err != nil {
		t.Fatal(err)
	}
	path, _ := s.paths(acct, conv)
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "oops") || !strings.Contains(string(data), "after") {
		t.Fatalf("file:\n%s", data)
	}
	recs, _, err := s.Tail(acct, conv, 5)
	if err != nil || len(recs) != 2 || !recs[0].Folded.Retracted || recs[1].Body != "after" {
		t.Fatalf("%+v %v", recs, err)
	}
}
