package ui

import (
	"fmt"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/account"
)

// barRow returns the window list's row of the screen (the third from the
// bottom), right of the roster.
func (h *harness) barRow() string {
	rows := strings.Split(strings.TrimSuffix(h.text(), "\n"), "\n")
	r := rows[len(rows)-3]
	if i := strings.Index(r, "│"); i >= 0 {
		r = r[i+len("│"):]
	}
	return r
}

// TestWinBarOverflow: with more windows than fit, the current window and
// those with activity stay in the list, the others are counted.
func TestWinBarOverflow(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 160, 12, f)
	h.sync(func() {
		for i := 0; i < 30; i++ {
			h.u.chatWin(h.u.accts[0], jid.MustParse(fmt.Sprintf("contact%02d@example.org", i)))
		}
		h.u.show(2)
	})
	h.post(msgIn(f, "contact27@example.org/x", "hi", fixedNow()))
	h.sync(func() { h.u.wins[25].unread = 1 }) // activity that is no highlight
	bar := h.barRow()
	for _, want := range []string{"[3:", "[29:", "!1]", "[26:", "*]", " more"} {
		if !strings.Contains(bar, want) {
			t.Errorf("window list lacks %q: %q", want, bar)
		}
	}
	if strings.HasSuffix(bar, "…") {
		t.Errorf("window list cut off: %q", bar)
	}
	if strings.Contains(bar, "active") {
		t.Errorf("hidden windows said active, but every active one is shown: %q", bar)
	}
	// More windows with activity than fit: the mark counts the hidden ones.
	h.sync(func() {
		for i := 3; i < 31; i++ {
			h.u.wins[i].unread = 1
		}
	})
	if bar := h.barRow(); !strings.Contains(bar, "active") {
		t.Errorf("hidden active windows not counted: %q", bar)
	}
}

// TestWinBarSameNames: windows of the same name say whose they are.
func TestWinBarSameNames(t *testing.T) {
	f1, f2 := newFake("me@example.org"), newFake("work@corp.example")
	h := startUI(t, 160, 12, f1, f2)
	lounge := func(s string) jid.JID { return jid.MustParse(s) }
	h.sync(func() {
		h.u.openRoomWin(h.u.accts[0], lounge("lounge@conference.example.org"))
		h.u.openRoomWin(h.u.accts[1], lounge("lounge@conference.corp.example"))
		h.u.openRoomWin(h.u.accts[0], lounge("lounge@muc.other.org"))
		h.u.openRoomWin(h.u.accts[0], lounge("dev@muc.other.org"))
	})
	h.post(account.StateEvent{Base: base(f1), State: account.Online})
	bar := h.barRow()
	for _, want := range []string{"[2:lounge (me@example.org)]", "[3:lounge (work@corp.example)]", "[4:lounge (me@example.org)]", "[5:dev]"} {
		if !strings.Contains(bar, want) {
			t.Errorf("window list lacks %q: %q", want, bar)
		}
	}
}
