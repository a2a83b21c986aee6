package history

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// randomConv appends to s a conversation of n records: messages whose ids
// repeat, references of every kind to ids that exist, repeat or do not,
// from the author, from others and from the room, some as older archive
// pages. room picks a groupchat.
func randomConv(t testing.TB, s *Store, acct, conv string, room bool, seed uint64, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	senders := []string{"bob@x/phone", "bob@x/pc", "eve@x/a"}
	typ := "chat"
	if room {
		senders = []string{conv + "/ann", conv + "/bob", conv + "/eve"}
		typ = "groupchat"
	}
	id := func() string { return fmt.Sprint("m", rng.IntN(n/3+1)) }
	var older []Record
	for i := range n {
		r := Record{Time: t0.Add(time.Duration(i) * time.Second), Type: typ, Dir: In, From: senders[rng.IntN(len(senders))], ID: id()}
		if rng.IntN(5) == 0 {
			r.Dir, r.From = Out, acct+"/parley"
		}
		if rng.IntN(2) == 0 {
			r.OriginID = "o" + r.ID[1:]
		}
		if room {
			r.Nick = r.From[strings.IndexByte(r.From, '/')+1:]
			by := conv
			if rng.IntN(6) == 0 {
				by = "forger@x"
			}
			r.StanzaID, r.StanzaBy = fmt.Sprint("s", rng.IntN(n/3+1)), by
			if rng.IntN(4) == 0 {
				r.StanzaIDs = []StanzaID{{ID: r.StanzaID, By: by}, {ID: fmt.Sprint("s", rng.IntN(n)), By: conv}}
			}
		}
		target := id()
		if room && rng.IntN(3) > 0 {
			target = fmt.Sprint("s", rng.IntN(n/3+1))
		} else if rng.IntN(3) == 0 {
			target = "o" + target[1:]
		}
		switch rng.IntN(9) {
		case 0:
			r.Kind, r.Replaces, r.Body = KindCorrection, target, fmt.Sprint("fixed ", i)
		case 1:
			r.Kind, r.Ref, r.Emojis = KindReactions, target, []string{"👍", "❤"}[:rng.IntN(3)]
		case 2:
			r.Kind, r.Ref = KindRetract, target
		case 3:
			r.Kind, r.Ref, r.By, r.Body = KindModerate, target, "mod", "spam"
			if rng.IntN(2) == 0 {
				r.From = bareOf(r.From)
			}
		case 4:
			r.Kind, r.Ref, r.Body = KindMarker, target, "displayed"
		default:
			r.Body = fmt.Sprint("text ", i)
		}
		if rng.IntN(8) == 0 {
			r.Time = t0.Add(-time.Duration(i) * time.Second)
			older = append(older, r)
			continue
		}
		if _, err := s.Append(acct, conv, r); err != nil {
			t.Fatal(err)
		}
	}
	for len(older) > 0 {
		k := min(len(older), 1+rng.IntN(7))
		page := older[:k]
		older = older[k:]
		for i, j := 0, len(page)-1; i < j; i, j = i+1, j-1 {
			page[i], page[j] = page[j], page[i]
		}
		if _, err := s.AppendOlder(acct, conv, page); err != nil {
			t.Fatal(err)
		}
	}
}

// pagedAll reads a whole conversation backwards in pages of n.
func pagedAll(t testing.TB, s *Store, acct, conv string, n int) []Record {
	t.Helper()
	recs, c, err := s.Tail(acct, conv, n)
	if err != nil {
		t.Fatal(err)
	}
	all := recs
	for !c.Done() {
		if recs, c, err = s.Before(acct, conv, c, n); err != nil {
			t.Fatal(err)
		}
		all = append(recs, all...)
	}
	return all
}

// compareStores checks that the writer w (folding through its id index)
// and the read-only r (folding by reading backwards) show the same.
func compareStores(t *testing.T, w, r *Store, acct, conv string, indexed bool) {
	t.Helper()
	if ic := w.indexed(acct, conv); (ic != nil) != indexed {
		t.Fatalf("indexed = %v, want %v", ic != nil, indexed)
	} else if ic != nil {
		ic.mu.Unlock()
	}
	got, want := pagedAll(t, w, acct, conv, 5), pagedAll(t, r, acct, conv, 5)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("paged through the index\n got %+v\nwant %+v", got, want)
	}
	var hits []Hit
	for _, text := range []string{"FIXED", "text 1", "hi", ""} {
		hits = nil
		if err := r.Search(context.Background(), Query{Conv: conv, Text: text}, func(h Hit) bool { hits = append(hits, h); return true }); err != nil {
			t.Fatal(err)
		}
		var whits []Hit
		if err := w.Search(context.Background(), Query{Conv: conv, Text: text}, func(h Hit) bool { whits = append(whits, h); return true }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(whits, hits) {
			t.Fatalf("search %q through the index\n got %+v\nwant %+v", text, whits, hits)
		}
	}
	for i, h := range hits {
		if i%3 != 0 {
			continue
		}
		g, gh, _, gn, err := w.Around(acct, conv, h.Pos, 2)
		if err != nil {
			t.Fatal(err)
		}
		e, eh, _, en, err := r.Around(acct, conv, h.Pos, 2)
		if err != nil {
			t.Fatal(err)
		}
		if gh != eh || !reflect.DeepEqual(g, e) {
			t.Fatalf("Around %v through the index\n got %d %+v\nwant %d %+v", h.Pos, gh, g, eh, e)
		}
		ga, _, err := w.After(acct, conv, gn, 3)
		if err != nil {
			t.Fatal(err)
		}
		ea, _, err := r.After(acct, conv, en, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ga, ea) {
			t.Fatalf("After Around %v through the index\n got %+v\nwant %+v", h.Pos, ga, ea)
		}
	}
}

// TestIndexFoldMatchesScan: the writer, folding through its id index,
// shows every conversation exactly as a reader that folds by reading
// backwards; Target finds what reading backwards finds.
func TestIndexFoldMatchesScan(t *testing.T) {
	for _, tc := range []struct {
		name string
		room bool
		seed uint64
	}{{"chat1", false, 1}, {"chat2", false, 2}, {"room1", true, 1}, {"room2", true, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			r, err := OpenReadOnly(dir)
			if err != nil {
				t.Fatal(err)
			}
			const acct = "me@x"
			conv := "bob@x"
			if tc.room {
				conv = "room@muc.x"
			}
			randomConv(t, w, acct, conv, tc.room, tc.seed, 300)
			compareStores(t, w, r, acct, conv, true)
			// Every reference's target, through the index and by scanning.
			var refs []Record
			if err := r.walkOlderRaw(acct, conv, Cursor{}, func(line []byte, p Position) bool {
				if rec, _, err := parseRecord(line, scope{acct, conv}); err == nil && rec.IsRef() {
					refs = append(refs, rec)
				}
				return true
			}); err != nil {
				t.Fatal(err)
			}
			// Erase through the index rewrites the file as erasing by
			// reading it does.
			mainPath, olderPath := w.paths(acct, conv)
			dir2 := t.TempDir()
			w2 := &Store{dir: dir2}
			main2, older2 := w2.paths(acct, conv)
			os.MkdirAll(dirOf(main2), 0o700)
			for _, cp := range [][2]string{{mainPath, main2}, {olderPath, older2}} {
				if b, err := os.ReadFile(cp[0]); err == nil {
					os.WriteFile(cp[1], b, 0o600)
				}
			}
			before, _ := os.ReadFile(mainPath)
			if err := w.Erase(acct, conv); err != nil {
				t.Fatal(err)
			}
			if after, _ := os.ReadFile(mainPath); string(after) == string(before) {
				t.Fatal("nothing erased: the conversation has no retraction that counts")
			}
			if w2, err = Open(dir2); err != nil {
				t.Fatal(err)
			}
			if err := w2.Erase(acct, conv); err != nil {
				t.Fatal(err)
			}
			w2.Close()
			for _, cp := range [][2]string{{mainPath, main2}, {olderPath, older2}} {
				a, _ := os.ReadFile(cp[0])
				b, _ := os.ReadFile(cp[1])
				if string(a) != string(b) {
					t.Fatalf("%s erased through the index differs from erased by reading", cp[0])
				}
			}
			compareStores(t, w, r, acct, conv, true)
			for _, ref := range refs {
				g, gp, gok, err := w.Target(acct, conv, ref)
				if err != nil {
					t.Fatal(err)
				}
				e, ep, eok, err := r.Target(acct, conv, ref)
				if err != nil {
					t.Fatal(err)
				}
				if gok != eok || gp != ep || !reflect.DeepEqual(g, e) {
					t.Fatalf("Target(%+v)\n got %v %v %+v\nwant %v %v %+v", ref, gok, gp, g, eok, ep, e)
				}
			}
		})
	}
}

// TestIndexChangedBehindOurBack: a file edited, grown or replaced while
// the writer has it indexed is noticed: readers fall back to reading
// backwards (same result) and the next write indexes it again.
func TestIndexChangedBehindOurBack(t *testing.T) {
	for _, change := range []string{"append", "truncate", "replace"} {
		t.Run(change, func(t *testing.T) {
			dir := t.TempDir()
			w, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			r, _ := OpenReadOnly(dir)
			const acct, conv = "me@x", "bob@x"
			randomConv(t, w, acct, conv, false, 7, 120)
			compareStores(t, w, r, acct, conv, true)
			path, _ := w.paths(acct, conv)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			switch change {
			case "append":
				line := appendRecord(nil, Record{V: 2, Time: t0, Dir: In, Kind: KindCorrection, From: "bob@x/phone", Type: "chat", Replaces: "m3", Body: "behind"})
				f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
				f.Write(line)
				f.Close()
			case "truncate":
				cut := len(b) / 2
				for b[cut-1] != '\n' {
					cut--
				}
				os.WriteFile(path, b[:cut], 0o600)
			case "replace":
				// The same length, other content at the same positions.
				b2 := []byte(strings.ReplaceAll(string(b), `"k":"retract"`, `"k":"marker!"`))
				os.WriteFile(path+".new", b2, 0o600)
				os.Rename(path+".new", path)
			}
			compareStores(t, w, r, acct, conv, false)
			if _, err := w.Append(acct, conv, Record{Time: t0, Dir: In, From: "bob@x/phone", Type: "chat", ID: "new", Body: "after"}); err != nil {
				t.Fatal(err)
			}
			compareStores(t, w, r, acct, conv, true)
		})
	}
}

// TestIndexBounded: the id index holds at most its limit of entries and
// none past the offsets it can name; past either it is unusable (never
// wrong) and readers fold by reading backwards.
func TestIndexBounded(t *testing.T) {
	x := posIndex{limit: 100}
	for i := range 200 {
		x.add(mkEntry(uint32(i), uint64(i), eMsg))
	}
	if !x.full || len(x.levels) != 0 || len(x.tail) != 0 {
		t.Fatalf("over the limit: full %v, %d levels, %d in tail", x.full, len(x.levels), len(x.tail))
	}
	if _, ok := ordOf(Position{seg: segMain, off: maxIndexedOff + 1}); ok {
		t.Fatal("an offset past the limit has an order")
	}
	for _, p := range []Position{{segMain, 0}, {segMain, 12345}, {segOlder, 0}, {segOlder, 999}, {segMain, maxIndexedOff}} {
		o, ok := ordOf(p)
		if !ok || posOfOrd(o) != p {
			t.Fatalf("ordOf(%v) = %d %v, back %v", p, o, ok, posOfOrd(o))
		}
	}
	a, _ := ordOf(Position{segOlder, 10})
	b, _ := ordOf(Position{segOlder, 5})
	c, _ := ordOf(Position{segMain, 0})
	if !(a < b && b < c) {
		t.Fatal("conversation order: the older file's end, its start, then the main file")
	}

	// A crafted file: 20,000 messages with one id, each corrected.
	dir := t.TempDir()
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, _ := OpenReadOnly(dir)
	const acct, conv = "me@x", "bob@x"
	path, _ := w.paths(acct, conv)
	os.MkdirAll(dirOf(path), 0o700)
	var b2 []byte
	for i := range 20000 {
		b2 = appendRecord(b2, Record{Time: t0, Dir: In, From: "bob@x/p", Type: "chat", ID: "same", Body: fmt.Sprint(i)})
		b2 = appendRecord(b2, Record{Time: t0, Dir: In, Kind: KindCorrection, From: "bob@x/p", Type: "chat", ID: "c", Replaces: "same", Body: fmt.Sprint("fixed ", i)})
	}
	os.WriteFile(path, b2, 0o600)
	if _, err := w.Append(acct, conv, Record{Time: t0, Dir: In, Kind: KindReactions, From: "eve@x/p", Type: "chat", Ref: "same", Emojis: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	got, at, ok, err := w.Target(acct, conv, Record{Kind: KindCorrection, Replaces: "same"})
	if err != nil || !ok || got.Body != "fixed 19999" || !got.Folded.Edited || len(got.Folded.Reactions) != 1 {
		t.Fatalf("Target in the crafted file: %+v at %v, %v, %v", got, at, ok, err)
	}
	g, _, _ := w.Tail(acct, conv, 10)
	e, _, _ := r.Tail(acct, conv, 10)
	if !reflect.DeepEqual(g, e) {
		t.Fatalf("Tail of the crafted file\n got %+v\nwant %+v", g, e)
	}
}

func dirOf(p string) string { return p[:strings.LastIndexByte(p, '/')] }

// FuzzIndexFold: whatever a history file holds, the writer (through its
// id index, after one write) shows what a reader folding backwards shows,
// and nothing crashes.
func FuzzIndexFold(f *testing.F) {
	var seed, compact, mixed []byte
	for _, r := range []Record{
		{Time: t0, Dir: In, From: "bob@x/p", Type: "chat", ID: "a", OriginID: "oa", Body: "hi"},
		{Time: t0, Dir: In, Kind: KindCorrection, From: "bob@x/p", Type: "chat", ID: "b", Replaces: "a", Body: "hey"},
		{Time: t0, Dir: Out, Kind: KindReactions, From: "me@x/p", Type: "chat", Ref: "a", Emojis: []string{"👍"}},
		{Time: t0, Dir: In, Kind: KindRetract, From: "bob@x/p", Type: "chat", Ref: "oa"},
	} {
		seed = appendRecord(seed, r)
		compact = appendCompact(compact, scope{"me@x", "bob@x"}, r)
		if len(mixed)%2 == 0 {
			mixed = appendRecord(mixed, r)
		} else {
			mixed = appendCompact(mixed, scope{"me@x", "bob@x"}, r)
		}
	}
	f.Add(seed)
	f.Add(compact)
	f.Add(mixed)
	f.Add([]byte("{\"t\":1,\"f\":\"/p\",\"o\":\"a\",\"b\":\"x\"}\n{\"t\":2,\"k\":\"retract\",\"f\":\"/p\",\"ref\":\"a\"}\n{\"t\":3,\"f\":\"bob@x/p\",\"id\":\"a\",\"b\":\"y\"}\n"))
	f.Add([]byte("{\"v\":1,\"t\":\"2026-01-01T00:00:00.000Z\",\"id\":\"a\",\"body\":\"x\"}\n{\"v\":2,\"t\":\"2026-01-01T00:00:00.000Z\",\"k\":\"correction\",\"rep\":\"a\",\"body\":\"y\"}\n"))
	f.Add([]byte("garbage\n\x00\x00\n{\"v\":2}\n{\"v\":2,\"t\":\"2026-01-01T00:00:00.000Z\",\"k\":\"retract\",\"ref\":\"\\u0061\"}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		dir := t.TempDir()
		w, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		r, _ := OpenReadOnly(dir)
		const acct, conv = "me@x", "bob@x"
		path, _ := w.paths(acct, conv)
		os.MkdirAll(dirOf(path), 0o700)
		os.WriteFile(path, data, 0o600)
		if _, err := w.Append(acct, conv, Record{Time: t0, Dir: In, Kind: KindCorrection, From: "bob@x/p", Type: "chat", ID: "z", Replaces: "a", Body: "new"}); err != nil {
			t.Fatal(err)
		}
		compareStores(t, w, r, acct, conv, true)
		g, gp, gok, err := w.Target(acct, conv, Record{Kind: KindCorrection, Replaces: "a"})
		if err != nil {
			t.Fatal(err)
		}
		e, ep, eok, err := r.Target(acct, conv, Record{Kind: KindCorrection, Replaces: "a"})
		if err != nil {
			t.Fatal(err)
		}
		if gok != eok || gp != ep || !reflect.DeepEqual(g, e) {
			t.Fatalf("Target\n got %v %v %+v\nwant %v %v %+v", gok, gp, g, eok, ep, e)
		}
	})
}

// TestSearchCallbackUsesStore: Search through the id index holds no lock
// while its callback runs: the callback may read and write the same
// conversation.
func TestSearchCallbackUsesStore(t *testing.T) {
	w, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	const acct, conv = "me@x", "bob@x"
	randomConv(t, w, acct, conv, false, 9, 100)
	n := 0
	err = w.Search(context.Background(), Query{Conv: conv, Text: "text"}, func(h Hit) bool {
		n++
		if _, _, _, _, err := w.Around(acct, conv, h.Pos, 1); err != nil {
			t.Error(err)
		}
		if _, err := w.Append(acct, conv, Record{Time: t0, Dir: In, From: "bob@x/phone", Type: "chat", ID: fmt.Sprint("cb", n), Body: "x"}); err != nil {
			t.Error(err)
		}
		return n < 20
	})
	if err != nil || n == 0 {
		t.Fatal(err, n)
	}
}
