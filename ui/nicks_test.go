package ui

import (
	"strings"
	"testing"

	"parley/account"
)

func TestNickIsName(t *testing.T) {
	for n, want := range map[string]bool{
		"Bobby": true, "J. Doe": true, "Ünïcode 名前": true,
		"": false, "alice@example.org": false, "alice\uff20example.org": false, "example.org": false,
		"a/b": false, "alice﹫example.org": false,
	} {
		if got := nickIsName(n); got != want {
			t.Errorf("nickIsName(%q) = %v", n, got)
		}
	}
	if got := cleanNick("  Evil\x1b[2J\u202e" + strings.Repeat("x", 100)); strings.ContainsAny(got, "\x1b\u202e") || len(got) > maxNickCells+3 {
		t.Errorf("cleanNick: %q", got)
	}
}

// TestGoldenNicks: a contact without a roster name shows its published
// nickname in the roster, the window title and its message lines; one with
// a roster name keeps it; a nickname that looks like another contact's
// address is not shown as a name (the JID is, and /info says the nickname
// as what it is); a retraction puts the JID back; a subscription request
// shows its nickname after the address.
func TestGoldenNicks(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 20, f)
	h.post(account.StateEvent{Base: base(f), State: account.Online},
		rosterEv(f, item("bob@example.org", ""), item("carol@example.org", "Carol"), item("mallory@evil.example", "")),
		account.NickEvent{Base: base(f), From: jidOf("bob@example.org"), Nick: "Bobby\u202e"},
		account.NickEvent{Base: base(f), From: jidOf("carol@example.org"), Nick: "Not Carol"},
		account.NickEvent{Base: base(f), From: jidOf("mallory@evil.example"), Nick: "carol@example.org"},
		msgIn(f, "bob@example.org/phone", "hi there", fixedNow()),
		account.SubscriptionEvent{Base: base(f), From: jidOf("dave@example.org"), Type: "subscribe", Nick: "Dave\x07 the @dmin"})
	h.waitFor("bob's window", func() bool { return len(h.u.wins) > 1 })
	h.sync(func() { h.u.showWin(h.u.wins[1]) })
	h.settle()
	golden(t, "nicks", h.text())
	h.enter("/info mallory@evil.example")
	h.waitFor("info", func() bool {
		return countContaining(entryTexts(h.u.curWin()), `published nickname: "carol@example.org"`) == 1
	})
	h.post(account.NickEvent{Base: base(f), From: jidOf("bob@example.org"), Nick: ""})
	h.waitFor("bob's JID back", func() bool { return h.u.wins[1].name == "bob@example.org" })
	if s := h.text(); strings.Contains(s, "○ Bobby") || strings.Contains(s, "[2:Bobby]") {
		t.Errorf("a retracted nickname is still shown:\n%s", s)
	}
	if n := countContaining(h.lines(h.u.console()), `dave@example.org (who calls themself "Dave the @dmin") wants to see your presence`); n != 1 {
		t.Errorf("subscription request line: %q", h.lines(h.u.console()))
	}
}
