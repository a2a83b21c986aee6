package ui

import (
	"context"
	"strings"
	"testing"
)

// TestRemoteSend: a message from the control socket lands in its
// conversation's window like a typed one, without taking the user away
// from the window in front; a room we are in gets a group chat message;
// addresses and names are resolved as /msg resolves them.
func TestRemoteSend(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, false)
	fillRoster(h, f.fakeAccount)
	joinTestRoom(h, f) // the room window is in front
	ctx := context.Background()
	if _, err := h.u.RemoteSend(ctx, "", "bob@example.org", "from a script"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.u.RemoteSend(ctx, "me", "dev@conf.example.org", "to the room"); err != nil {
		t.Fatal(err)
	}
	var front string
	var lines []string
	h.sync(func() {
		front = h.u.curWin().peer.String()
		w := h.u.findWin(h.u.accts[0], jidOf("bob@example.org"))
		for i := 0; w != nil && i < w.buf.len(); i++ {
			lines = append(lines, w.buf.at(i).text)
		}
	})
	if front != "dev@conf.example.org" {
		t.Errorf("window in front: %s, want the room still", front)
	}
	if len(lines) != 1 || !strings.HasSuffix(lines[0], "me: from a script") {
		t.Errorf("bob's window holds %q", lines)
	}
	calls := strings.Join(f.callList(), "\n")
	for _, want := range []string{"send bob@example.org from a script", "send dev@conf.example.org to the room"} {
		if !strings.Contains(calls, want) {
			t.Errorf("calls lack %q:\n%s", want, calls)
		}
	}
	for _, tc := range []struct{ acct, to, want string }{
		{"", "not a jid@@", "not a valid JID"},
		{"nobody", "bob@example.org", `no account "nobody"`},
		{"", "zzz", "no contact named"},
	} {
		if _, err := h.u.RemoteSend(ctx, tc.acct, tc.to, "x"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("RemoteSend(%q, %q): %v, want %q", tc.acct, tc.to, err, tc.want)
		}
	}
	if err := h.u.RemoteStatus(ctx, "", "away", "gone"); err != nil {
		t.Fatal(err)
	}
	h.screenHas("[me@example.org: away: gone]")
	as, err := h.u.RemoteAccounts(ctx, "")
	if err != nil || len(as) != 1 || as[0] != (RemoteAccount{JID: "me@example.org", State: "online", Show: "away", Status: "gone"}) {
		t.Errorf("RemoteAccounts: %+v %v", as, err)
	}
}
