package ui

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/muc"
)

// reversedRows returns the rows of the conversation pane drawn in reverse
// video, as text.
func (h *harness) reversedRows() []string {
	var out []string
	h.on(func() {
		x0, y0, w, ht := h.u.convo.GetInnerRect()
		for y := y0; y < y0+ht; y++ {
			var line strings.Builder
			rev := false
			for x := x0; x < x0+w; {
				s, st, width := h.u.screen.Get(x, y)
				if _, _, attr := st.Decompose(); attr&tcell.AttrReverse != 0 && s != " " {
					rev = true
				}
				line.WriteString(s)
				x += max(width, 1)
			}
			if rev {
				out = append(out, strings.TrimSpace(line.String()))
			}
		}
	})
	return out
}

// waitCall waits until the fake recorded a call containing want.
func (h *harness) waitCallHas(f *fakeAccount, want string) {
	h.t.Helper()
	h.waitFor("call "+want, func() bool {
		for _, c := range f.callList() {
			if strings.Contains(c, want) {
				return true
			}
		}
		return false
	})
}

// TestSelectionMode drives the selection mode of a room with the bytes
// tmux sends: Alt-s selects the newest message (reverse video), k/j and
// the arrows move, e corrects ours, + reacts (a digit, or a :shortcode:),
// /react on the selection takes ours back, d retracts ours, r replies with
// the quote, d as a moderator removes with a reason, y copies with OSC 52,
// Esc leaves; the letters type text after "/".
func TestSelectionMode(t *testing.T) {
	// What tmux sends for the keys (its tmux-256color terminfo).
	const keyUp, keyDown, keyHome, keyEnd = "\x1b[A", "\x1b[B", "\x1b[1~", "\x1b[4~"
	h, tty, rf := startRawRoomUI(t)
	f := rf.fakeAccount
	h.post(account.StateEvent{Base: base(f), State: account.Online})
	tty.send("/join dev@conf.example.org/zed\r")
	h.waitFor("joined", func() bool { w := h.u.curWin(); return w.kind == winRoom && w.room.state == muc.Joined })
	own := gcMsg(f, "zed", "o-zed", "z1", "s7", "I can bring teh cake")
	own.Dir, own.From, own.To = account.Out, jidOf(roomJID+"/zed"), jidOf(roomJID)
	post(h, f, gcMsg(f, "ann", "o-ann", "a1", "s1", "lunch tomorrow?"), own, gcMsg(f, "dave", "o-dave", "d1", "s2", "sure, noon"))

	step := func(keys ...string) {
		for _, k := range keys {
			tty.send(k)
		}
	}
	selected := func(want string) {
		t.Helper()
		h.waitFor("selected "+want, func() bool { s := h.u.curWin().sel; return s != nil && strings.Contains(s.text, want) })
		h.sync(func() {})
		if rows := h.reversedRows(); len(rows) != 1 || !strings.Contains(rows[0], want) {
			t.Errorf("reversed rows %q, want the one of %q", rows, want)
		}
	}
	step("\x1bs")
	selected("sure, noon")
	golden(t, "selection", h.text()+"reverse video: "+strings.Join(h.reversedRows(), "\n")+"\n")
	step("k")
	selected("teh cake")
	step("k")
	selected("lunch tomorrow?")
	step("k") // the oldest message stays selected
	selected("lunch tomorrow?")
	step("j")
	selected("teh cake")
	step(keyUp)
	selected("lunch tomorrow?")
	step(keyEnd)
	selected("sure, noon")
	step(keyHome)
	selected("lunch tomorrow?")
	step(keyDown)
	selected("teh cake")

	// e: the text of ours in the input line, Enter corrects it.
	step("e")
	h.inputIs("I can bring teh cake")
	step("\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", "the cake\r")
	h.waitCallHas(f, "correct dev@conf.example.org z1 I can bring the cake")
	h.screenHas("I can bring the cake (edited)")
	h.waitFor("selection left", func() bool { return h.u.curWin().sel == nil })

	// +: 1 picks the first common emoji; :tada: and Enter another.
	step("\x1bs", "+", "1")
	h.waitCallHas(f, `react dev@conf.example.org s2 ["👍"]`)
	h.screenHas("👍 1*")
	step("\x1bs", "+", ":tada:", "\r")
	h.waitCallHas(f, `react dev@conf.example.org s2 ["👍" "🎉"]`)
	h.screenHas("👍 1*  🎉 1*")
	// With the selection on, "/react 👍" takes ours back: the letters
	// after "/" are text.
	step("\x1bs", "/react 👍", "\r")
	h.waitCallHas(f, `react dev@conf.example.org s2 ["🎉"]`)
	h.screenHas("🎉 1*")

	// r: a reply, with the quote of the message answered.
	step("\x1bs", "k", "k", "r")
	h.waitFor("reply prompt", func() bool { return h.u.act != nil && h.u.act.kind == actReply })
	h.screenHas("reply to ann:")
	step("me too", "\r")
	h.waitCallHas(f, `reply dev@conf.example.org s1 dev@conf.example.org/ann "ann" "lunch tomorrow?" "me too"`)
	h.screenHas("> ann: lunch tomorrow?")

	// d on ours: a confirmation, Enter retracts.
	step("\x1bs", "k", "k", "d")
	h.screenHas("retract? Enter: yes")
	step("\r")
	h.waitCallHas(f, "retract dev@conf.example.org s7")
	h.screenHas("zed: (message retracted)")

	// d on another's message: refused unless we moderate the room.
	step("\x1bs", keyHome, "d")
	h.screenHas("you are not a moderator of this room")
	h.post(roomChange(rf, nil, muc.RoleChanged{At: muc.At{Room: testRoom}, Nick: "zed", Self: true, Old: muc.RoleParticipant, New: muc.RoleModerator}))
	step("d")
	h.screenHas("moderate, reason (optional):")
	step("spam", "\r")
	h.waitCallHas(f, `moderate dev@conf.example.org s1 "spam"`)
	h.screenHas("(removed by moderator zed: spam)")

	// y: the text to the clipboard with OSC 52; Esc leaves.
	step("\x1bs", "y")
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("me too")) // the newest: our reply, without its quote + "\a"
	h.waitFor("OSC 52", func() bool { return strings.Contains(tty.written(), want) })
	step("\x1b")
	h.waitFor("selection left", func() bool { return h.u.curWin().sel == nil && h.u.act == nil })
	if rows := h.reversedRows(); len(rows) != 0 {
		t.Errorf("reversed rows after Esc: %q", rows)
	}
}

// TestSelectionChat: in 1:1, d on the contact's message is refused and e
// too; Esc gives up a started action, and the input line is free again.
func TestSelectionChat(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 90, 14, f)
	in := msgIn(f, "bob@example.org/phone", "hello there", fixedNow())
	in.Msg.ID = "b1"
	h.post(in)
	h.sync(func() { h.u.showWin(h.u.findWin(h.u.accts[0], jidOf("bob@example.org"))) })
	h.key(tcell.KeyRune, 's', tcell.ModAlt)
	h.waitFor("selected", func() bool { return h.u.curWin().sel != nil })
	h.key(tcell.KeyRune, 'd', 0)
	h.screenHas("only your own messages can be retracted")
	h.key(tcell.KeyRune, 'e', 0)
	h.screenHas("only your own messages can be corrected")
	h.key(tcell.KeyRune, '+', 0)
	h.screenHas("react 1👍")
	h.typeText("xy")
	h.key(tcell.KeyEnter, 0, 0)
	h.screenHas("not one emoji")
	h.key(tcell.KeyBackspace2, 0, 0)
	h.key(tcell.KeyBackspace2, 0, 0)
	h.typeText(":tad")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs(":tada:") // Tab completes a shortcode in the react prompt
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("no action", func() bool { return h.u.act == nil })
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("selection left", func() bool { return h.u.curWin().sel == nil })
	if c := strings.Join(f.callList(), "\n"); strings.Contains(c, "react") || strings.Contains(c, "retract") {
		t.Errorf("calls: %s", c)
	}
}

// TestRefCommands: /react on the newest message of the other side (the
// same emoji again takes it back, :shortcodes: work), /retract on our last
// message, /moderate without a selection; errors go to the window.
func TestRefCommands(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 14, f)
	in := msgIn(f, "bob@example.org/phone", "hello there", fixedNow())
	in.Msg.ID = "b1"
	h.post(in)
	h.sync(func() { h.u.showWin(h.u.findWin(h.u.accts[0], jidOf("bob@example.org"))) })
	run := func(line string) {
		h.typeText(line)
		h.key(tcell.KeyEnter, 0, 0)
	}
	run("/retract")
	h.screenHas("no message of yours to retract")
	run("/react :thumbsup:")
	h.waitCallHas(f, `react bob@example.org b1 ["👍"]`)
	h.screenHas("👍 1*")
	run("/react 👍")
	h.waitCallHas(f, `react bob@example.org b1 []`)
	h.waitFor("reaction gone", func() bool { return !strings.Contains(strings.Join(entryTexts(h.u.curWin()), "\n"), "👍") })
	run("/react nope")
	h.screenHas("not one emoji")
	run("/moderate")
	h.screenHas("select the message to remove first")
	own := account.MessageEvent{Base: base(f), Msg: account.Message{ID: "o1", OriginID: "oo1", From: f.j, To: jidOf("bob@example.org"),
		Type: "chat", Body: "bye", Dir: account.Out, Time: fixedNow()}}
	h.post(own)
	run("/retract")
	h.waitCallHas(f, "retract bob@example.org oo1") // by its origin-id in 1:1
	h.screenHas("me: (message retracted)")
	h.typeText("/react :th")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("/react :thinking:")
}

// TestSelectionMonochrome: on a terminal without colours (vt220) the
// selected line is still marked: tcell writes it in reverse video.
func TestSelectionMonochrome(t *testing.T) {
	f := newFake("me@example.org")
	h, tty := startRawUI(t, "vt220", f)
	in := msgIn(f, "bob@example.org/phone", "pick me", fixedNow())
	in.Msg.ID = "b1"
	h.post(in)
	h.sync(func() { h.u.showWin(h.u.findWin(h.u.accts[0], jidOf("bob@example.org"))) })
	h.screenHas("pick me")
	before := len(tty.written())
	tty.send("\x1bs")
	h.waitFor("selected", func() bool { return h.u.curWin().sel != nil })
	h.sync(func() {})
	h.waitFor("reverse video written", func() bool {
		out := tty.written()
		return len(out) > before && strings.Contains(out[before:], "\x1b[7m")
	})
}

// TestSelectionNoID: a room message the room gave no stanza-id cannot be
// replied or reacted to: the selection mode says so at once.
func TestSelectionNoID(t *testing.T) {
	h, rf := startRoomUI(t, 100, 16, false)
	joinTestRoom(h, rf)
	post(h, rf.fakeAccount, gcMsg(rf.fakeAccount, "ann", "", "a1", "", "no stanza-id here"))
	h.key(tcell.KeyRune, 's', tcell.ModAlt)
	h.waitFor("selected", func() bool { return h.u.curWin().sel != nil })
	for _, r := range "r+" {
		h.key(tcell.KeyRune, r, 0)
		h.screenHas("the room gave that message no id")
		h.waitFor("no action", func() bool { return h.u.act == nil })
	}
}
