package ui

import (
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/account"
)

func TestDeliveredMark(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 80, 12, f)
	out := func(id, body string) account.MessageEvent {
		return account.MessageEvent{Base: base(f), Msg: account.Message{ID: id, From: jid.MustParse("me@example.org/parley"),
			To: jid.MustParse("bob@example.net"), Type: "chat", Body: body, Time: fixedNow(), Dir: account.Out, Receipt: true}}
	}
	delivered := func(peer, id string) account.DeliveryEvent {
		return account.DeliveryEvent{Base: base(f), Peer: jid.MustParse(peer), ID: id, Delivered: true}
	}
	h.post(out("a1", "first"), out("a2", "second"))
	h.sync(func() { h.u.show(1) })
	tests := []struct {
		name string
		ev   account.Event
		want []string // lines that must appear
		not  []string // and must not
	}{
		{"no mark before the receipt", nil, []string{"me: first", "me: second"}, []string{"✓"}},
		{"receipt for another conversation", delivered("eve@example.net", "a1"), nil, []string{"✓"}},
		{"unknown id", delivered("bob@example.net", "zz"), nil, []string{"✓"}},
		{"delivered", delivered("bob@example.net", "a1"), []string{"me: first ✓", "me: second"}, []string{"second ✓"}},
		{"twice is one mark", delivered("bob@example.net", "a1"), []string{"me: first ✓"}, []string{"✓ ✓"}},
		{"the other one", delivered("bob@example.net", "a2"), []string{"me: first ✓", "me: second ✓"}, nil},
	}
	for _, tc := range tests {
		if tc.ev != nil {
			h.post(tc.ev)
		}
		screen := h.text()
		for _, w := range tc.want {
			if !strings.Contains(screen, w) {
				t.Errorf("%s: screen lacks %q:\n%s", tc.name, w, screen)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(screen, w) {
				t.Errorf("%s: screen has %q:\n%s", tc.name, w, screen)
			}
		}
	}
}
