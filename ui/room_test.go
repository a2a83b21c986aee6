package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/muc"
)

// roomFake is a fakeAccount with group chat, behaving like the real account
// as far as the UI can tell: Join emits the room's RoomEvents (joined, or
// refused with a JoinError), a groupchat message comes back as the room's
// reflection (Dir Out, our nick), a message to room/nick is Private.
type roomFake struct {
	*fakeAccount
	service   jid.JID
	occupants []muc.Occupant // others in every room joined
	refuse    map[string]error
}

func newRoomFake(f *fakeAccount) *roomFake {
	return &roomFake{fakeAccount: f, service: jid.MustParse("conf.example.org"), occupants: testOccupants(), refuse: map[string]error{}}
}

func (f *roomFake) MUCService(context.Context) (jid.JID, error) {
	f.record("service")
	return f.service, nil
}

func (f *roomFake) Join(_ context.Context, room jid.JID, nick, password string) error {
	f.record(fmt.Sprintf("join %s %s %s", room, nick, password))
	if nick == "" {
		nick = "zed"
	}
	if err := f.refuse[room.String()+"/"+nick]; err != nil {
		var re *account.RoomError
		if errors.As(err, &re) {
			f.post(account.RoomEvent{Base: base(f.fakeAccount), Room: room, Nick: nick, State: muc.NotJoined,
				Changes: []muc.Change{muc.JoinError{At: muc.At{Room: room}, Text: re.Text, SuggestedNick: re.SuggestedNick}}})
		}
		return err
	}
	self := muc.Occupant{Nick: nick, Role: muc.RoleParticipant, Affiliation: muc.AffNone}
	var changes []muc.Change
	for _, o := range f.occupants {
		changes = append(changes, muc.OccupantJoined{At: muc.At{Room: room}, Occupant: o, Initial: true})
	}
	changes = append(changes, muc.SelfJoined{At: muc.At{Room: room}, Self: self})
	f.post(account.RoomEvent{Base: base(f.fakeAccount), Room: room, Nick: nick, State: muc.Joined, Count: len(f.occupants) + 1, Changes: changes})
	return nil
}

func (f *roomFake) call(format string, args ...any) error {
	f.record(fmt.Sprintf(format, args...))
	return nil
}

func (f *roomFake) Part(_ context.Context, room jid.JID, reason string) error {
	return f.call("part %s %s", room, reason)
}
func (f *roomFake) ChangeNick(_ context.Context, room jid.JID, nick string) error {
	return f.call("nick %s %s", room, nick)
}
func (f *roomFake) SetSubject(_ context.Context, room jid.JID, subject string) error {
	return f.call("subject %s %s", room, subject)
}
func (f *roomFake) Invite(_ context.Context, room, to jid.JID, reason string) error {
	return f.call("invite %s %s %s", room, to, reason)
}
func (f *roomFake) Kick(_ context.Context, room jid.JID, nick, reason string) error {
	return f.call("kick %s %s %s", room, nick, reason)
}
func (f *roomFake) Ban(_ context.Context, room, who jid.JID, reason string) error {
	return f.call("ban %s %s %s", room, who, reason)
}
func (f *roomFake) SetRole(_ context.Context, room jid.JID, nick, role string) error {
	return f.call("role %s %s %s", room, nick, role)
}
func (f *roomFake) SetAffiliation(_ context.Context, room, who jid.JID, aff, reason string) error {
	return f.call("affiliation %s %s %s %s", room, who, aff, reason)
}
func (f *roomFake) Destroy(_ context.Context, room jid.JID, reason string) error {
	return f.call("destroy %s %s", room, reason)
}
func (f *roomFake) Rooms() []jid.JID { return nil }
func (f *roomFake) PrivateConversation(room jid.JID, nick string) (jid.JID, bool, error) {
	conv, err := room.Bare().WithResource(nick)
	return conv, false, err
}
func (f *roomFake) AddBookmark(_ context.Context, b muc.Bookmark) error {
	return f.call("bookmark add %s %s %v", b.Room, b.Nick, b.Autojoin)
}
func (f *roomFake) RemoveBookmark(_ context.Context, room jid.JID) error {
	return f.call("bookmark remove %s", room)
}

// SendMessage sends nothing locally for groupchat but posts the room's
// reflection; a chat message to room/nick is a private one.
func (f *roomFake) SendMessage(_ context.Context, to jid.JID, typ, body string) (account.Message, error) {
	f.record("send " + to.String() + " " + body)
	m := account.Message{From: f.j, To: to, Type: typ, Body: body, Dir: account.Out, Time: fixedNow()}
	switch {
	case typ == "groupchat":
		m.From, m.To, m.Nick = to.Bare(), to.Bare(), "zed" // as the account sets a reflection
		if j, err := jid.New(to.Localpart(), to.Domainpart(), "zed"); err == nil {
			m.From = j
		}
	case to.Resourcepart() != "":
		m.Private, m.Nick = true, "zed"
	}
	f.post(account.MessageEvent{Base: base(f.fakeAccount), Msg: m})
	return m, nil
}

var _ RoomAccount = (*roomFake)(nil)

// testOccupants are the others in the test room, in muc's order.
func testOccupants() []muc.Occupant {
	return []muc.Occupant{
		{Nick: "alice", JID: jid.MustParse("alice@example.org/x"), Role: muc.RoleModerator, Affiliation: muc.AffOwner},
		{Nick: "bob", Role: muc.RoleModerator, Affiliation: muc.AffAdmin, Show: "away"},
		{Nick: "carol", JID: jid.MustParse("carol@example.org/y"), Role: muc.RoleParticipant, Affiliation: muc.AffMember},
		{Nick: "dave", Role: muc.RoleParticipant, Affiliation: muc.AffNone},
		{Nick: "eve", Role: muc.RoleVisitor, Affiliation: muc.AffNone, Show: "dnd"},
		{Nick: "frank", Role: muc.RoleVisitor, Affiliation: muc.AffNone},
	}
}

// withSelf inserts self among occ in role and nick order.
func withSelf(occ []muc.Occupant, self muc.Occupant) []muc.Occupant {
	out := append([]muc.Occupant(nil), occ...)
	out = append(out, self)
	slices.SortStableFunc(out, func(a, b muc.Occupant) int {
		if d := roleRank(a.Role) - roleRank(b.Role); d != 0 {
			return d
		}
		return strings.Compare(a.Nick, b.Nick)
	})
	return out
}

// startRoomUI starts a UI whose only account is a roomFake.
func startRoomUI(t testing.TB, w, h int, showJoins bool) (*harness, *roomFake) {
	t.Helper()
	return startRoomUIPrep(t, w, h, func(u *UI) { u.opts.ShowJoins = showJoins })
}

// startRoomUIPrep is startRoomUI with prep run on the UI before it starts.
func startRoomUIPrep(t testing.TB, w, h int, prep func(*UI)) (*harness, *roomFake) {
	t.Helper()
	f := newFake("me@example.org")
	rf := newRoomFake(f)
	hs := startUIPrep(t, w, h, func(u *UI) {
		u.accts[0].a = rf
		prep(u)
	}, f)
	hs.post(account.StateEvent{Base: base(f), State: account.Online})
	return hs, rf
}

var testRoom = jid.MustParse("dev@conf.example.org")

func roomMsg(f *roomFake, nick, body string, t time.Time) account.MessageEvent {
	from, _ := jid.New(testRoom.Localpart(), testRoom.Domainpart(), nick)
	return account.MessageEvent{Base: base(f.fakeAccount), Msg: account.Message{
		From: from, To: f.j, Type: "groupchat", Nick: nick, Body: body, Time: t, Dir: account.In}}
}

// roomChange posts changes to the test room with the given occupants.
func roomChange(f *roomFake, occ []muc.Occupant, changes ...muc.Change) account.RoomEvent {
	return account.RoomEvent{Base: base(f.fakeAccount), Room: testRoom, Nick: "zed", State: muc.Joined,
		Subject: "release on friday", Count: len(occ), Changes: changes}
}

// joinTestRoom joins dev@conf.example.org as zed through the command line.
func joinTestRoom(h *harness, f *roomFake) *window {
	h.typeText("/join dev@conf.example.org/zed")
	h.key(tcell.KeyEnter, 0, 0)
	var w *window
	h.waitFor("joined", func() bool {
		w = h.u.curWin()
		return w.kind == winRoom && w.room.state == muc.Joined
	})
	h.post(roomChange(f, withSelf(f.occupants, muc.Occupant{Nick: "zed", Role: muc.RoleParticipant}),
		muc.SubjectChanged{At: muc.At{Room: testRoom}, Subject: "release on friday"}))
	return w
}

// entryTexts returns the text of w's entries; on the tview goroutine only
// (waitFor conditions run there).
func entryTexts(w *window) []string {
	var out []string
	for i := 0; i < w.buf.len(); i++ {
		out = append(out, w.buf.at(i).text)
	}
	return out
}

// lines returns the text of w's entries, from the test goroutine.
func (h *harness) lines(w *window) (out []string) {
	h.on(func() { out = entryTexts(w) })
	return out
}

// on runs f on the tview goroutine and waits for it.
func (h *harness) on(f func()) { h.u.app.QueueUpdate(f) }

// counts returns w's unread and highlight counts.
func (h *harness) counts(w *window) (unread, high int) {
	h.on(func() { unread, high = w.unread, w.highlight })
	return
}

func countContaining(lines []string, s string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// waitCalls waits until the fake recorded a call containing want.
func (h *harness) waitCall(f *roomFake, want string) {
	h.t.Helper()
	h.waitFor("call "+want, func() bool { return slices.Contains(f.callList(), want) })
}

func (h *harness) enter(line string) {
	h.typeText(line)
	h.key(tcell.KeyEnter, 0, 0)
}

func TestGoldenRoom(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, true)
	h.post(account.BookmarksEvent{Base: base(f.fakeAccount), Bookmarks: []muc.Bookmark{
		{Room: testRoom, Nick: "zed", Autojoin: true},
		{Room: jid.MustParse("ops@conf.example.org"), Name: "Operations"},
	}})
	w := joinTestRoom(h, f)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	occ := withSelf(f.occupants, muc.Occupant{Nick: "zed", Role: muc.RoleParticipant})
	gina := muc.Occupant{Nick: "gina", Role: muc.RoleParticipant, JID: jid.MustParse("gina@example.org/z")}
	occ2 := withSelf(occ, gina)
	occ3 := slices.Clone(occ2)
	for i := range occ3 {
		if occ3[i].Nick == "dave" {
			occ3[i].Nick = "david"
		}
	}
	occ4 := occ3[:len(occ3)-1] // without frank
	h.post(
		roomMsg(f, "alice", "hello all", t0),
		roomMsg(f, "dave", "zed: can you look at the build?", t0.Add(time.Minute)),
		roomMsg(f, "carol", "zedd is not you", t0.Add(2*time.Minute)),
	)
	h.enter("on it")
	h.waitFor("own message", func() bool { return countContaining(entryTexts(w), "zed: on it") == 1 })
	h.post(
		roomChange(f, occ2, muc.OccupantJoined{At: muc.At{Room: testRoom}, Occupant: gina}),
		roomChange(f, occ3, muc.NickChanged{At: muc.At{Room: testRoom}, Old: "dave", New: "david"}),
		roomChange(f, occ4, muc.OccupantLeft{At: muc.At{Room: testRoom}, Occupant: occ[len(occ)-1], Cause: muc.Kicked, Actor: "alice", Reason: "spam"}),
		roomMsg(f, "bob", "/me waves", t0.Add(3*time.Minute)),
	)
	got := h.text()
	golden(t, "room", got)
	golden(t, "room_colors", h.colors(0, 2, 3, 5, 20, 21, 22))
	for _, l := range []string{"alice has joined", "bob has joined", "carol has joined"} {
		if strings.Contains(got, l) {
			t.Errorf("initial occupant shown as a join: %q", l)
		}
	}
	h.key(tcell.KeyF4, 0, 0)
	h.waitFor("pane hidden", func() bool { return h.u.rm.hideOcc })
	golden(t, "room_nopane", h.text())
}

func TestRoomJoin(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, true)
	w := joinTestRoom(h, f)
	h.waitCall(f, "join dev@conf.example.org zed ")
	if l := h.lines(w); countContaining(l, "you joined dev@conf.example.org as zed") != 1 || countContaining(l, "joining dev@conf.example.org as zed") != 1 {
		t.Errorf("join lines: %q", l)
	}
	if s := h.text(); !strings.Contains(s, "dev <dev@conf.example.org> as zed, 7 occupants — release on friday") {
		t.Errorf("title:\n%s", s)
	}
	// Without @service: the account's service.
	h.enter("/join ops")
	h.waitCall(f, "join ops@conf.example.org  ")
	h.waitFor("ops window", func() bool { return h.u.curWin().peer.String() == "ops@conf.example.org" })
	if !slices.Contains(f.callList(), "service") {
		t.Errorf("no service lookup: %q", f.callList())
	}
	h.enter("/join bad@@room")
	h.waitFor("bad address", func() bool {
		return countContaining(entryTexts(h.u.curWin()), "is not a room address") == 1
	})
}

func TestRoomJoinErrors(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, true)
	busy := "busy@conf.example.org"
	f.mu.Lock()
	f.refuse[busy+"/zed"] = &account.RoomError{Room: jid.MustParse(busy), Text: "that nick is already in use in this room", SuggestedNick: "zed_"}
	f.refuse["down@conf.example.org/zed"] = errors.New("not connected")
	f.mu.Unlock()
	h.enter("/join " + busy + "/zed")
	var w *window
	h.waitFor("refused", func() bool {
		w = h.u.curWin()
		return w.kind == winRoom && w.room.state == muc.NotJoined && w.room.errSeq == 1
	})
	// The retry is offered and typed in the input line: Enter accepts it.
	h.inputIs("/join busy@conf.example.org/zed_")
	h.settle()
	if l := h.lines(w); countContaining(l, "in use") != 1 || countContaining(l, "/join busy@conf.example.org/zed_ to retry") != 1 {
		t.Errorf("nick conflict lines: %q", l)
	}
	h.key(tcell.KeyEnter, 0, 0)
	h.waitCall(f, "join busy@conf.example.org zed_ ")
	h.waitFor("joined as zed_", func() bool { return w.room.state == muc.Joined && w.room.nick == "zed_" })

	h.enter("/join down@conf.example.org/zed")
	h.waitFor("plain error", func() bool {
		c := h.u.curWin()
		return c.peer.String() == "down@conf.example.org" && countContaining(entryTexts(c), "not connected") == 1
	})
	h.on(func() {
		if s := h.u.curWin().room.state; s != muc.NotJoined {
			t.Errorf("state after a failed join: %v", s)
		}
	})
	h.enter("hello?")
	h.waitFor("not in room", func() bool { return countContaining(entryTexts(h.u.curWin()), "you are not in this room") == 1 })
}

func TestRoomNickCompletion(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, true)
	joinTestRoom(h, f)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	h.post(roomMsg(f, "dave", "one", t0), roomMsg(f, "carol", "two", t0))
	h.typeText("d")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("dave: ")
	h.key(tcell.KeyCtrlU, 0, tcell.ModCtrl)
	h.typeText("thanks C")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("thanks carol ")
	// Tab again after a unique nick stays on it: it does not start a new
	// word with every nick in the room.
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("thanks carol ")
	h.key(tcell.KeyCtrlU, 0, tcell.ModCtrl)
	h.typeText("d")
	h.key(tcell.KeyTab, 0, 0)
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("dave: ")
	h.key(tcell.KeyCtrlU, 0, tcell.ModCtrl)
	// An empty start cycles through everyone, recent speakers first, never us.
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("carol: ")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("dave: ")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("alice: ")
	for i := 0; i < 4; i++ {
		h.key(tcell.KeyTab, 0, 0)
	}
	h.inputIs("carol: ") // alice bob eve frank, then round again
	h.key(tcell.KeyCtrlU, 0, tcell.ModCtrl)
	h.typeText("/kick ev")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("/kick eve ")
	h.key(tcell.KeyCtrlU, 0, tcell.ModCtrl)
	h.typeText("z")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("z")
}

func TestRoomMentionsAndUnread(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, true)
	w := joinTestRoom(h, f)
	h.sync(func() { h.u.show(0) })
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	h.post(roomMsg(f, "alice", "plain message", t0), roomMsg(f, "bob", "zedd is someone else; Zedonia too", t0))
	if n, hl := h.counts(w); n != 2 || hl != 0 || !strings.Contains(h.text(), "[2:dev*]") {
		t.Errorf("unread %d highlight %d:\n%s", n, hl, h.text())
	}
	h.post(roomMsg(f, "carol", "ZED, ping", t0), roomMsg(f, "dave", "@zed: see above", t0))
	if n, hl := h.counts(w); n != 4 || hl != 2 || !strings.Contains(h.text(), "[2:dev!2]") {
		t.Errorf("unread %d highlight %d:\n%s", n, hl, h.text())
	}
	// A private message is a highlight of its own window.
	from := jid.MustParse("dev@conf.example.org/carol")
	h.post(account.MessageEvent{Base: base(f.fakeAccount), Msg: account.Message{
		From: from, To: f.j, Type: "chat", Body: "psst", Time: t0, Dir: account.In, Private: true}})
	var p *window
	h.on(func() { p = h.u.findWin(w.acct, from) })
	if p == nil || !strings.Contains(h.text(), "[3:carol/dev!1]") {
		t.Fatalf("private window:\n%s", h.text())
	}
	if _, hl := h.counts(p); hl != 1 {
		t.Errorf("private highlight %d", hl)
	}
	// Our own reflected message is not unread.
	h.post(account.MessageEvent{Base: base(f.fakeAccount), Msg: account.Message{
		From: jid.MustParse("dev@conf.example.org/zed"), To: testRoom, Type: "groupchat", Nick: "zed", Body: "mine zed", Time: t0, Dir: account.Out}})
	if n, hl := h.counts(w); n != 4 || hl != 2 {
		t.Errorf("own message counted: unread %d highlight %d", n, hl)
	}
	h.key(tcell.KeyRune, 'a', tcell.ModAlt) // next active: highlights first
	h.waitFor("dev shown", func() bool { return h.u.curWin() == w && w.unread == 0 && w.highlight == 0 })
}

func TestMentionsNick(t *testing.T) {
	for _, tc := range []struct {
		body, nick string
		want       bool
	}{
		{"zed: hi", "zed", true},
		{"hi ZED", "zed", true},
		{"hi zedd", "zed", false},
		{"hized", "zed", false},
		{"ping @zed!", "zed", true},
		{"zed_2 is here", "zed", false},
		{"Ölaf, look", "ölaf", true},
		{"[bot] says", "[bot]", true},
		{"some text", "", false},
		{"", "zed", false},
		{"mr smith was here", "mr smith", true},
	} {
		if got := mentionsNick([]string{tc.body}, tc.nick); got != tc.want {
			t.Errorf("mentionsNick(%q, %q) = %v", tc.body, tc.nick, got)
		}
	}
}

func TestRoomInviteAccept(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, true)
	secret := jid.MustParse("secret@conf.example.org")
	h.post(account.InviteEvent{Base: base(f.fakeAccount), Invite: muc.Invite{
		Room: secret, From: jid.MustParse("alice@example.org/x"), Reason: "come \x1b[31min", Password: "pw"}})
	want := "alice@example.org invites you to secret@conf.example.org (come in), with its password — press Alt-j to join"
	if !strings.Contains(strings.Join(h.lines(h.u.console()), "\n"), want) {
		t.Fatalf("invitation line missing:\n%q", h.lines(h.u.console()))
	}
	h.key(tcell.KeyRune, 'j', tcell.ModAlt)
	h.waitCall(f, "join secret@conf.example.org  pw")
	h.waitFor("secret joined", func() bool {
		c := h.u.curWin()
		return c.peer.Equal(secret) && c.room.state == muc.Joined && c.room.password == "pw"
	})
	h.key(tcell.KeyRune, 'j', tcell.ModAlt)
	h.waitFor("nothing to accept", func() bool { return countContaining(entryTexts(h.u.curWin()), "no invitation to accept") == 1 })
}

func TestRoomShowJoins(t *testing.T) {
	for _, show := range []bool{false, true} {
		t.Run(fmt.Sprint(show), func(t *testing.T) {
			h, f := startRoomUI(t, 100, 30, show)
			w := joinTestRoom(h, f)
			occ := w.room.occ.Occupants()
			g := muc.Occupant{Nick: "gina", Role: muc.RoleParticipant}
			h.post(
				roomChange(f, occ, muc.OccupantJoined{At: muc.At{Room: testRoom}, Occupant: g}),
				roomChange(f, occ, muc.OccupantLeft{At: muc.At{Room: testRoom}, Occupant: g, Reason: "bye"}),
				roomChange(f, occ, muc.OccupantLeft{At: muc.At{Room: testRoom}, Occupant: occ[0], Cause: muc.Banned, Actor: "bob"}),
			)
			l := h.lines(w)
			n := 0
			if show {
				n = 1
			}
			if countContaining(l, "gina has joined") != n || countContaining(l, "gina left (bye)") != n {
				t.Errorf("ShowJoins %v: %q", show, l)
			}
			if countContaining(l, "alice was banned by bob") != 1 {
				t.Errorf("ban not shown: %q", l)
			}
		})
	}
}

func TestRoomBookmarks(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, true)
	h.post(account.BookmarksEvent{Base: base(f.fakeAccount), Bookmarks: []muc.Bookmark{
		{Room: jid.MustParse("ops@conf.example.org"), Name: "Ops \x1b[2J", Nick: "zz", Password: "s3", Autojoin: true},
	}})
	h.enter("/bookmark list")
	h.waitFor("listed", func() bool {
		return countContaining(entryTexts(h.u.console()), `ops@conf.example.org "Ops" as zz, autojoin, with password`) == 1
	})
	if !strings.Contains(h.text(), "Rooms") {
		t.Errorf("no Rooms section:\n%s", h.text())
	}
	// Enter on the bookmark in the roster joins with its nick and password.
	h.key(tcell.KeyRune, 'r', tcell.ModAlt)
	h.waitFor("roster focus", func() bool { return h.u.roster.HasFocus() })
	h.key(tcell.KeyEnter, 0, 0)
	h.waitCall(f, "join ops@conf.example.org zz s3")
	h.waitFor("ops window", func() bool { return h.u.curWin().name == "Ops" && h.u.curWin().room.state == muc.Joined })
	h.enter("/bookmark remove")
	h.waitCall(f, "bookmark remove ops@conf.example.org")
}

// TestRoomEmptySubjectOnJoin: rooms send an empty subject on every join; it
// is not news. Clearing a topic that was set is.
func TestRoomEmptySubjectOnJoin(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, true)
	w := joinTestRoom(h, f)
	occ := w.room.occ.Occupants()
	ev := roomChange(f, occ, muc.SubjectChanged{At: muc.At{Room: testRoom}, Subject: "", By: "bob"})
	ev.Subject = ""
	h.post(ev)
	if n := countContaining(h.lines(w), "topic was cleared"); n != 1 {
		t.Fatalf("clearing a set topic: %d lines, want 1: %q", n, h.lines(w))
	}
	h.post(ev) // the empty subject again, as on a rejoin
	if n := countContaining(h.lines(w), "topic was cleared"); n != 1 {
		t.Fatalf("empty subject on an empty topic: %d lines, want still 1: %q", n, h.lines(w))
	}
}
