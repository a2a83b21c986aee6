package ui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/history"
	"parley/keymap"
)

// startHistUI is startUI with a real history store.
func startHistUI(t *testing.T, w, h int, store *history.Store, fakes ...*fakeAccount) *harness {
	t.Helper()
	scr := tcell.NewSimulationScreen("UTF-8")
	accts := make([]Account, len(fakes))
	for i, f := range fakes {
		accts[i] = f
	}
	u := New(Options{Screen: scr, Accounts: accts, RosterWidth: 26, History: store})
	u.now = fixedNow
	u.loc = time.UTC
	for _, f := range fakes {
		f.post = u.Post
	}
	ctx, cancel := context.WithCancel(context.Background())
	hs := &harness{t: t, u: u, scr: scr, fakes: fakes, done: make(chan error, 1), stop: cancel}
	go func() { hs.done <- u.Run(ctx) }()
	hs.sync(func() { scr.SetSize(w, h) })
	t.Cleanup(hs.close)
	return hs
}

// openStore opens a store in a temporary directory, closed at cleanup.
func openStore(t *testing.T) *history.Store {
	t.Helper()
	s, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)

// fillHist appends n numbered messages from peer (every third one ours).
func fillHist(t *testing.T, s *history.Store, acct, peer string, n int, word string) {
	t.Helper()
	for i := 0; i < n; i++ {
		r := history.Record{Time: t0.Add(time.Duration(i) * time.Minute), Dir: history.In, From: peer + "/x", Type: "chat",
			Body: fmt.Sprintf("%s %03d", word, i), ID: fmt.Sprintf("%s-%d", word, i)}
		if i%3 == 2 {
			r.Dir, r.From = history.Out, acct+"/parley"
		}
		if _, err := s.Append(acct, peer, r); err != nil {
			t.Fatal(err)
		}
	}
}

// run runs a command line in the current window.
func (h *harness) run(line string) {
	h.sync(func() { h.u.runCommand(h.u.curWin(), line) })
}

// screenHas waits for the screen to contain s.
func (h *harness) screenHas(s string) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(h.text(), s) {
		if time.Now().After(deadline) {
			h.t.Fatalf("screen lacks %q:\n%s", s, h.text())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// winHas waits for a line of the current window to contain s.
func (h *harness) winHas(s string) {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("a line with %q", s), func() bool {
		w := h.u.curWin()
		for i := 0; i < w.buf.len(); i++ {
			if strings.Contains(w.buf.at(i).text, s) {
				return true
			}
		}
		return false
	})
}

func TestHistoryTailOnOpen(t *testing.T) {
	s := openStore(t)
	fillHist(t, s, "me@example.org", "alice@example.org", 300, "msg")
	f := newFake("me@example.org")
	h := startHistUI(t, 100, 30, s, f)
	h.run("msg alice@example.org")
	h.screenHas("msg 299")
	got := h.text()
	for _, want := range []string{"13:51 alice@example.org: msg 291", "13:59 me: msg 299"} {
		if !strings.Contains(got, want) {
			t.Errorf("screen lacks %q:\n%s", want, got)
		}
	}
	var n int
	h.sync(func() { n = h.u.curWin().buf.len() })
	if n != minPage {
		t.Errorf("loaded %d entries, want one page of %d", n, minPage)
	}
}

// TestHistoryNoDoubleOnOpen covers a message stored before its window
// existed (chatlog stores, then forwards): the tail has it, the live event
// must not add it again, and it still counts as unread.
func TestHistoryNoDoubleOnOpen(t *testing.T) {
	s := openStore(t)
	fillHist(t, s, "me@example.org", "bob@example.org", 5, "old")
	f := newFake("me@example.org")
	h := startHistUI(t, 100, 30, s, f)
	ev := msgIn(f, "bob@example.org/x", "fresh one", t0.Add(time.Hour))
	ev.Msg.ID = "live-1"
	if _, err := s.Append("me@example.org", "bob@example.org", history.Record{
		Time: ev.Msg.Time, Dir: history.In, From: ev.Msg.From.String(), Type: "chat", Body: ev.Msg.Body, ID: ev.Msg.ID}); err != nil {
		t.Fatal(err)
	}
	h.post(ev)
	var unread, n int
	h.sync(func() {
		w := h.u.findWin(h.u.accts[0], jid.MustParse("bob@example.org"))
		unread, n = w.unread, w.buf.len()
	})
	if n != 6 || unread != 1 {
		t.Errorf("window has %d lines (want 6), %d unread (want 1)", n, unread)
	}
	// A later live message is shown, once.
	h.post(msgIn(f, "bob@example.org/x", "later", t0.Add(2*time.Hour)))
	h.run("win bob@example.org")
	got := h.text()
	if c := strings.Count(got, "fresh one"); c != 1 {
		t.Errorf("\"fresh one\" shown %d times:\n%s", c, got)
	}
	if !strings.Contains(got, "later") {
		t.Errorf("live message missing:\n%s", got)
	}
}

// TestHistoryReusedID covers a contact whose client restarted its id
// counter: a new message with the id of one in the loaded tail is shown.
func TestHistoryReusedID(t *testing.T) {
	s := openStore(t)
	const acct, bob = "me@example.org", "bob@example.org"
	old := history.Record{Time: t0, Dir: history.In, From: bob + "/phone", Type: "chat", Body: "see you at 5", ID: "msg1"}
	if _, err := s.Append(acct, bob, old); err != nil {
		t.Fatal(err)
	}
	f := newFake(acct)
	h := startHistUI(t, 100, 30, s, f)
	h.run("msg " + bob)
	h.screenHas("see you at 5")
	ev := msgIn(f, bob+"/phone", "URGENT", t0.Add(time.Hour))
	ev.Msg.ID = "msg1"
	if stored, err := s.Append(acct, bob, history.Record{
		Time: ev.Msg.Time, Dir: history.In, From: ev.Msg.From.String(), Type: "chat", Body: ev.Msg.Body, ID: ev.Msg.ID}); err != nil || !stored {
		t.Fatalf("stored %v, %v", stored, err)
	}
	h.post(ev)
	h.screenHas("URGENT")
}

// TestHistoryPageUp pages back to the first record; each page is prepended
// without moving what is on screen.
func TestHistoryPageUp(t *testing.T) {
	s := openStore(t)
	fillHist(t, s, "me@example.org", "alice@example.org", 150, "msg")
	f := newFake("me@example.org")
	h := startHistUI(t, 100, 20, s, f)
	h.run("msg alice@example.org")
	h.screenHas("msg 149")
	convoRows := func(scr string) []string {
		lines := strings.Split(scr, "\n")
		var out []string
		for _, l := range lines[1:17] { // title bar, then the conversation
			if r := []rune(l); len(r) > 26 {
				out = append(out, string(r[26:]))
			}
		}
		return out
	}
	for i := 0; i < 30; i++ {
		before := convoRows(h.text())
		if strings.Contains(strings.Join(before, "\n"), "beginning of the history") {
			break
		}
		var scroll int
		h.sync(func() { scroll = h.u.curWin().scroll })
		h.key(tcell.KeyPgUp, 0, 0)
		h.waitFor("scroll", func() bool { return h.u.curWin().scroll != scroll })
		after := convoRows(h.text())
		if strings.Contains(strings.Join(after, "\n"), "beginning of the history") {
			continue // the last page stops at the top
		}
		// PgUp moves by height-1 rows: the old top row is now the bottom one.
		if before[0] != after[len(after)-1] {
			t.Fatalf("page %d jumped: top before %q, bottom after %q", i, before[0], after[len(after)-1])
		}
	}
	got := h.text()
	for _, want := range []string{"-- beginning of the history --", "alice@example.org: msg 000"} {
		if !strings.Contains(got, want) {
			t.Errorf("screen lacks %q:\n%s", want, got)
		}
	}
	var n int
	h.sync(func() { n = h.u.curWin().buf.len() })
	if n != 151 {
		t.Errorf("window holds %d lines, want 150 records and the marker", n)
	}
}

func TestSearchAllAndOpen(t *testing.T) {
	s := openStore(t)
	fillHist(t, s, "me@example.org", "alice@example.org", 120, "apple")
	fillHist(t, s, "me@example.org", "bob@example.org", 30, "pear")
	if _, err := s.Append("me@example.org", "bob@example.org", history.Record{Time: t0.Add(time.Hour), Dir: history.In,
		From: "bob@example.org/x", Type: "chat", Body: "an APPLE [red]pie\x1b[2J", ID: "hostile"}); err != nil {
		t.Fatal(err)
	}
	f := newFake("me@example.org")
	h := startHistUI(t, 110, 30, s, f)
	h.run("search -a apple 007")
	h.screenHas("1 result")
	h.screenHas("2024-05-01 09:07  alice@example.org  alice@example.org: apple 007")

	h.run("search -a apple")
	h.winHas("121 results")
	h.winHas("bob@example.org  bob@example.org: an APPLE [red]pie")
	h.sync(func() {
		st := h.u.curWin().srch
		e := st.entries[len(st.entries)-1]
		if strings.Contains(e.text, "\x1b") || e.text[e.hlStart:e.hlEnd] != "APPLE" {
			t.Errorf("hostile hit %q, highlight %q", e.text, e.text[e.hlStart:e.hlEnd])
		}
	})
	// The match is highlighted: underlined cells on "apple".
	var hl string
	h.sync(func() {
		w, ht := h.scr.Size()
		for y := 0; y < ht; y++ {
			for x := 0; x < w; x++ {
				str, st, _ := h.scr.Get(x, y)
				if _, _, attr := st.Decompose(); attr&tcell.AttrUnderline != 0 {
					hl += str
				}
			}
		}
	})
	if !strings.Contains(hl, "appleapple") {
		t.Errorf("highlighted cells %q lack the match", hl)
	}
	// Select the 51st hit (apple 050) and open it.
	for i := 0; i < 50; i++ {
		h.key(tcell.KeyDown, 0, 0)
	}
	h.waitFor("selection", func() bool { return h.u.curWin().srch != nil && h.u.curWin().srch.sel == 50 })
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("conversation", func() bool { return h.u.curWin().kind == winChat })
	h.screenHas("apple 050")
	var sel string
	h.sync(func() {
		w := h.u.curWin()
		for i := 0; i < w.buf.len(); i++ {
			if e := w.buf.at(i); e.selected {
				sel = e.text
			}
		}
		if !w.hist.detached {
			t.Errorf("window opened at a hit is not detached from live")
		}
	})
	if !strings.HasSuffix(sel, "apple 050") {
		t.Errorf("marked entry %q, want apple 050", sel)
	}
	// A live message while the window shows older history is not appended
	// out of order; PgDn pages forward to the present, where it is.
	live := msgIn(f, "alice@example.org/x", "live now", t0.Add(3*time.Hour))
	live.Msg.ID = "live-x"
	if _, err := s.Append("me@example.org", "alice@example.org", history.Record{Time: live.Msg.Time, Dir: history.In,
		From: live.Msg.From.String(), Type: "chat", Body: live.Msg.Body, ID: live.Msg.ID}); err != nil {
		t.Fatal(err)
	}
	h.post(live)
	for i := 0; i < 10; i++ {
		h.key(tcell.KeyPgDn, 0, 0)
	}
	h.waitFor("live again", func() bool { return !h.u.curWin().hist.detached })
	got := h.text()
	if c := strings.Count(got, "live now"); c != 1 {
		t.Errorf("\"live now\" shown %d times:\n%s", c, got)
	}
	if !strings.Contains(got, "apple 119") {
		t.Errorf("newest record missing after paging forward:\n%s", got)
	}
	// Esc closes the search window.
	h.run("win search")
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("search closed", func() bool {
		for _, w := range h.u.wins {
			if w.kind == winSearch {
				return false
			}
		}
		return true
	})
}

func TestSearchHere(t *testing.T) {
	s := openStore(t)
	fillHist(t, s, "me@example.org", "alice@example.org", 20, "word")
	fillHist(t, s, "me@example.org", "bob@example.org", 20, "word")
	f := newFake("me@example.org")
	h := startHistUI(t, 110, 30, s, f)
	h.run("search word")
	h.screenHas("not in a conversation")
	h.run("msg bob@example.org")
	h.run("search WORD 01")
	h.screenHas("10 results")
	if got := h.text(); strings.Contains(got, "alice@example.org") {
		t.Errorf("search of one conversation shows another:\n%s", got)
	}
	h.run("search nothing-like-this") // from the results: same scope
	h.screenHas("no results")
	h.screenHas("in bob@example.org")
}

func TestSearchCapped(t *testing.T) {
	s := openStore(t)
	fillHist(t, s, "me@example.org", "alice@example.org", maxResults+20, "many")
	f := newFake("me@example.org")
	h := startHistUI(t, 110, 30, s, f)
	h.run("search -a many")
	h.winHas(fmt.Sprintf("first %d results shown", maxResults))
	var n int
	h.sync(func() { n = len(h.u.curWin().srch.hits) })
	if n != maxResults {
		t.Errorf("%d hits kept, want %d", n, maxResults)
	}
}

func TestHistoryOff(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	h.run("search -a x")
	h.screenHas("history is off")
	h.post(msgIn(f, "alice@example.org/x", "hello", t0))
	h.run("win alice@example.org")
	h.screenHas("alice@example.org: hello")
	h.key(tcell.KeyPgUp, 0, 0) // no history: scrolls only
	h.sync(func() {})
}

func TestIndexFold(t *testing.T) {
	for _, c := range []struct {
		s, sub string
		want   int
	}{
		{"Hello World", "world", 6},
		{"héllo HÉLLO", "héllo", 0},
		{"abc", "", -1},
		{"abc", "abcd", -1},
		{"ÀÉ x", "x", 5},
	} {
		if got := indexFold(c.s, c.sub); got != c.want {
			t.Errorf("indexFold(%q, %q) = %d, want %d", c.s, c.sub, got, c.want)
		}
	}
}

// TestHitWindow keeps the part of a long body around the match, whole
// runes only, and short bodies as they are.
func TestHitWindow(t *testing.T) {
	if got := hitWindow("short body", "body"); got != "short body" {
		t.Errorf("short body windowed to %q", got)
	}
	long := strings.Repeat("é", maxBody) + " needle " + strings.Repeat("ü", maxBody)
	got := hitWindow(long, "NEEDLE")
	if len(got) > maxBody || !strings.Contains(got, " needle ") || !utf8.ValidString(got) {
		t.Errorf("long body windowed to %d bytes, match kept %v, valid %v", len(got), strings.Contains(got, "needle"), utf8.ValidString(got))
	}
	if got := hitWindow(long, "absent"); !strings.HasPrefix(long, got) || len(got) > maxBody || !utf8.ValidString(got) {
		t.Errorf("body without match windowed to %d bytes not at its start", len(got))
	}
}

// TestRecordEntryKinds draws folded records as lines through the one
// renderer: edited, tombstones, reactions; kinds it does not show are
// skipped.
func TestRecordEntryKinds(t *testing.T) {
	f := newFake("me@example.org")
	h := startHistUI(t, 100, 30, openStore(t), f)
	h.u.opts.ShowJoins = true
	room := jid.MustParse("room@conf.example.org")
	for _, c := range []struct {
		r    history.Record
		want string
	}{
		{history.Record{Kind: "join", Nick: "ann"}, ""},
		{history.Record{Type: "groupchat", From: "room@conf.example.org/ann", Body: "hi me"}, "ann: hi me"},
		{history.Record{Type: "groupchat", Dir: history.Out, Body: "/me waves"}, "* me waves"},
		{history.Record{Type: "groupchat", Nick: "ann", Body: "fixed", Folded: history.Folded{Edited: true}}, "ann: fixed (edited)"},
		{history.Record{Type: "groupchat", Nick: "ann", Folded: history.Folded{Retracted: true}}, "ann: (message retracted)"},
		{history.Record{Type: "groupchat", Nick: "ann", Folded: history.Folded{Moderated: true, By: "room@conf.example.org/mod", Reason: "spam"}},
			"ann: (removed by moderator mod: spam)"},
		{history.Record{Type: "groupchat", Nick: "ann", Body: "lunch?", Folded: history.Folded{Reactions: []history.Reaction{{Emoji: "👍", Count: 2, Ours: true}}}},
			"ann: lunch?\n👍 2*"},
		{history.Record{Kind: history.KindHead}, ""},
	} {
		var got string
		h.sync(func() {
			w := newWindow(winHistory, h.u.accts[0], room, "r")
			c.r.Time = t0
			if e := h.u.recordEntry(w, c.r); e != nil {
				got = e.text
			}
		})
		if c.want == "" && got != "" || c.want != "" && !strings.HasSuffix(got, c.want) {
			t.Errorf("record %+v drawn %q, want …%q", c.r, got, c.want)
		}
	}
}

// The store main wires in is a History.
var _ History = (*history.Store)(nil)

// TestReadmeListsCommands keeps README.md and the command and key tables
// together: every command and every key must be in README.
func TestReadmeListsCommands(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, c := range commandTable() {
		if !strings.Contains(readme, "| `/"+c.name+" ") && !strings.Contains(readme, "| `/"+c.name+"`") {
			t.Errorf("README.md lacks the command /%s: add a row to its Commands table (/help shows %q)", c.name, c.help)
		}
	}
	for _, a := range keymap.Actions() {
		if !strings.Contains(readme, "`"+a.Name+"`") && !strings.Contains(readme, "`"+strings.TrimRight(a.Name, "0123456789")) {
			t.Errorf("README.md lacks the action %s: add a row to its Keys table", a.Name)
		}
	}
}

// TestHitEntryFolded: a search result is drawn by the one renderer: an
// edited hit carries the mark, a tombstone (listed by an empty search) its
// text and no highlight.
func TestHitEntryFolded(t *testing.T) {
	f := newFake("me@example.org")
	h := startHistUI(t, 100, 30, openStore(t), f)
	for _, c := range []struct {
		r    history.Record
		text string
		want string
	}{
		{history.Record{Type: "chat", From: "bob@x/p", Body: "lunch at noon", Folded: history.Folded{Edited: true}}, "noon", "lunch at noon (edited)"},
		{history.Record{Type: "chat", From: "bob@x/p", Folded: history.Folded{Retracted: true}}, "", "(message retracted)"},
	} {
		var got string
		var hl int
		h.sync(func() {
			c.r.Time = t0
			e := h.u.hitEntry(history.Hit{Conv: history.Conv{Account: "me@example.org", Conv: "bob@x"}, Record: c.r}, c.text)
			got, hl = e.text, e.hlEnd-e.hlStart
		})
		if !strings.HasSuffix(got, c.want) || c.text == "" && hl != 0 {
			t.Errorf("hit %+v drawn %q (highlight %d), want …%q", c.r, got, hl, c.want)
		}
	}
}
