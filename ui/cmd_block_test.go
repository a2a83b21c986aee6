package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/blocking"
)

var _ BlockAccount = (*account.Account)(nil)

// The fake account blocks as the real one reports it: a BlockEvent of
// what changed. Its list is kept in its calls.

func (f *fakeAccount) Block(_ context.Context, jids []jid.JID, r blocking.Report) error {
	f.record(fmt.Sprintf("block %v %q %q", jids, r.Reason.String(), r.Text))
	if len(r.StanzaIDs) > 0 {
		f.record(fmt.Sprintf("evidence %q", r.StanzaIDs))
	}
	if f.post != nil {
		f.post(account.BlockEvent{Base: base(f), Blocked: jids})
	}
	return nil
}

func (f *fakeAccount) Unblock(_ context.Context, jids []jid.JID) error {
	call := fmt.Sprintf("unblock %v", jids)
	if len(jids) == 0 {
		jids, _ = f.Blocked()
	}
	f.record(call)
	if f.post != nil {
		f.post(account.BlockEvent{Base: base(f), Unblocked: jids})
	}
	return nil
}

// Blocked derives the list from the calls recorded.
func (f *fakeAccount) Blocked() ([]jid.JID, bool) {
	set := map[string]bool{}
	for _, c := range f.callList() {
		var list string
		switch {
		case strings.HasPrefix(c, "block ["):
			list, _, _ = strings.Cut(strings.TrimPrefix(c, "block ["), "]")
			for _, j := range strings.Fields(list) {
				set[j] = true
			}
		case c == "unblock []":
			clear(set)
		case strings.HasPrefix(c, "unblock ["):
			list, _, _ = strings.Cut(strings.TrimPrefix(c, "unblock ["), "]")
			for _, j := range strings.Fields(list) {
				delete(set, j)
			}
		}
	}
	var out []jid.JID
	for j := range set {
		out = append(out, jid.MustParse(j))
	}
	slices.SortFunc(out, func(a, b jid.JID) int { return strings.Compare(a.String(), b.String()) })
	return out, true
}

// TestBlockKeysAndCommands blocks with the keys, in a stranger's window
// and on a subscription request, refuses the key on a contact, then
// lists, unblocks with confirmation and blocks with a report by command.
func TestBlockKeysAndCommands(t *testing.T) {
	f := newFake("me@example.org")
	rf := &roomFake{fakeAccount: f}
	h := startUI(t, 100, 24, f)
	h.post(rosterEv(f, item("bob@example.org", "Bob")))

	h.post(msgIn(f, "spammer@evil.example/x", "cheap \x1b[31mpills", fixedNow()))
	var stranger *window
	h.on(func() { stranger = h.u.findWin(h.u.accts[0], jidOf("spammer@evil.example")) })
	h.post(msgIn(f, "spammer@evil.example/x", "more", fixedNow()))
	h.run("win spammer")
	h.screenHas("spammer@evil.example ○ offline · not in roster: Alt-x blocks, Alt-k")
	h.key(tcell.KeyRune, 'x', tcell.ModAlt)
	h.waitCall(rf, `block [spammer@evil.example] "" ""`)
	h.waitFor("block line", func() bool {
		return countContaining(entryTexts(stranger), "spammer@evil.example is blocked: nothing from it is shown") == 1
	})
	h.screenHas("spammer@evil.example ○ offline · blocked")
	golden(t, "block_stranger", h.text())

	// A subscription request: the key blocks its sender and refuses it,
	// from any window but a stranger's.
	h.post(account.SubscriptionEvent{Base: base(f), From: jidOf("nosy@example.org/r"), Type: "subscribe"})
	if n := countContaining(h.lines(h.u.console()), "nosy@example.org wants to see your presence: /sub allow nosy@example.org or /sub deny nosy@example.org; Alt-x blocks, Alt-k blocks and reports spam"); n != 1 {
		t.Errorf("request line: %q", h.lines(h.u.console()))
	}
	h.run("msg bob")
	h.key(tcell.KeyRune, 'x', tcell.ModAlt) // bob is a contact: not blocked by a key
	h.screenHas("bob@example.org is in your roster: /block blocks a contact")
	h.run("win 1")
	h.key(tcell.KeyRune, 'k', tcell.ModAlt)
	h.waitCall(rf, `block [nosy@example.org] "spam" ""`)
	h.waitCall(rf, "sub unsubscribed nosy@example.org")
	h.screenHas("reported nosy@example.org to example.org for spam")
	h.key(tcell.KeyRune, 'x', tcell.ModAlt)
	h.screenHas("no subscription request to block")

	h.run("block evil.example abuse sends \x1b[2Jthreats")
	h.waitCall(rf, `block [evil.example] "abuse" "sends \x1b[2Jthreats"`)
	h.screenHas("reported evil.example to example.org for abuse")
	h.post(account.BlockEvent{Base: base(f), Blocked: []jid.JID{jidOf("bob@example.org")}})
	h.run("clear")
	h.run("blocked")
	h.settle()
	golden(t, "blocked", h.text())

	h.run("unblock all")
	h.waitFor("confirmation", func() bool {
		return countContaining(entryTexts(h.u.console()), "this unblocks all 3 addresses blocked by me@example.org: /unblock all again within 30 s to confirm") == 1
	})
	if slices.Contains(f.callList(), "unblock []") {
		t.Fatal("unblock all without confirmation")
	}
	h.run("unblock all")
	h.waitCall(rf, "unblock []")
	h.screenHas("unblocked spammer@evil.example")

	// In bob's window: the reason alone blocks this conversation's contact.
	h.run("msg bob")
	h.run("block spam")
	h.waitCall(rf, `block [bob@example.org] "spam" ""`)
	h.run("block me@example.org")
	h.screenHas("blocking your own account or server would cut you off")
	// A report names the stranger's messages by their stanza-ids.
	troll := msgIn(f, "troll@evil2.example/x", "first", fixedNow())
	troll.Msg.StanzaID = "sid-1"
	h.post(troll)
	troll.Msg.Body, troll.Msg.StanzaID = "second", "sid-2"
	h.post(troll)
	h.run("win troll")
	h.key(tcell.KeyRune, 'k', tcell.ModAlt)
	h.waitCall(rf, `block [troll@evil2.example] "spam" ""`)
	h.waitCall(rf, `evidence ["sid-1" "sid-2"]`)
	// A list over the bound is said once a login, however often it comes.
	cut := account.BlockEvent{Base: base(f), Cut: true, Blocked: []jid.JID{jidOf("x@flood.example")}}
	h.post(cut, cut, cut)
	if n := countContaining(h.lines(h.u.console()), "the block list is longer than 10000 addresses"); n != 1 {
		t.Errorf("the cut said %d times", n)
	}
	h.run("unblock never@example.org")
	h.screenHas("never@example.org is not on the block list")
	h.run("block nobody")
	h.screenHas(`no contact named "nobody" in the roster`)
}

// TestRawBlockKeys feeds the bytes tmux sends for Alt-x and Alt-k (ESC x,
// ESC k): each reaches its own action, the letter is not typed.
func TestRawBlockKeys(t *testing.T) {
	for _, term := range []string{"tmux-256color", "xterm-256color"} {
		t.Run(term, func(t *testing.T) {
			f := newFake("me@example.org")
			rf := &roomFake{fakeAccount: f}
			h, tty := startRawUI(t, term, f)
			for _, from := range []string{"a@spam.example", "b@spam.example"} {
				h.post(account.SubscriptionEvent{Base: base(f), From: jidOf(from), Type: "subscribe"})
				if from == "a@spam.example" {
					tty.send("\x1bx")
					h.waitCall(rf, `block [a@spam.example] "" ""`)
				} else {
					tty.send("\x1bk")
					h.waitCall(rf, `block [b@spam.example] "spam" ""`)
				}
			}
			h.inputIs("")
		})
	}
}

// TestBlockOccupant blocks a room occupant by nick: their address in the
// room.
func TestBlockOccupant(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, false)
	joinTestRoom(h, f)
	h.run("block carol spam")
	h.waitCall(f, `block [dev@conf.example.org/carol] "spam" ""`)
	h.run("unblock carol")
	h.waitCall(f, `unblock [dev@conf.example.org/carol]`)
	h.run("block")
	h.screenHas("say whom")
}
