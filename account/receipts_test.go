package account

import (
	"testing"

	"mellium.im/xmpp/jid"
)

// TestWantsReceipt lists which received messages get a receipt.
func TestWantsReceipt(t *testing.T) {
	bob := jid.MustParse("bob@example.net/pc")
	chat := Message{ID: "m1", From: bob, Type: "chat", Body: "hi"}
	with := func(f func(*Message)) Message { m := chat; f(&m); return m }
	cases := []struct {
		name string
		cfg  Config
		m    Message
		req  bool
		want bool
	}{
		{"chat with a request", Config{}, chat, true, true},
		{"normal with a request", Config{}, with(func(m *Message) { m.Type = "normal" }), true, true},
		{"no request", Config{}, chat, false, false},
		{"send_receipts = false", Config{NoReceipts: true}, chat, true, false},
		{"groupchat", Config{}, with(func(m *Message) { m.Type = "groupchat" }), true, false},
		{"error", Config{}, with(func(m *Message) { m.Type = "error" }), true, false},
		{"no id", Config{}, with(func(m *Message) { m.ID = "" }), true, false},
		{"no body", Config{}, with(func(m *Message) { m.Body = "" }), true, false},
		{"carbon", Config{}, with(func(m *Message) { m.Carbon = true }), true, false},
		{"archived", Config{}, with(func(m *Message) { m.Archived = true }), true, false},
		{"bare sender", Config{}, with(func(m *Message) { m.From = bob.Bare() }), true, false},
		{"our own", Config{}, with(func(m *Message) { m.From = must(testAccount.WithResource("x")) }), true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.JID = testAccount
			a := New(tc.cfg, nil)
			if got := a.wantsReceipt(tc.m, tc.req); got != tc.want {
				t.Errorf("wantsReceipt = %v, want %v", got, tc.want)
			}
		})
	}
}

func must(j jid.JID, err error) jid.JID {
	if err != nil {
		panic(err)
	}
	return j
}
