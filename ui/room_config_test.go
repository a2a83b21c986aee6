package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/forms"
)

var _ RoomConfigAccount = (*account.Account)(nil)

// configFake is a dirFake that configures rooms: rooms in exists were
// there before the join, others are created by it.
type configFake struct {
	*dirFake
	exists map[string]bool
}

func (f *configFake) JoinNew(ctx context.Context, room jid.JID, nick, password string) (bool, error) {
	f.record("joinnew " + room.String())
	return !f.exists[room.String()], f.Join(ctx, room, nick, password)
}

func (f *configFake) RoomConfig(_ context.Context, room jid.JID) (*forms.Form, error) {
	f.record("getconfig " + room.String())
	return &forms.Form{Type: forms.TypeForm, Title: "Configuration for " + room.String(), Fields: []forms.Field{
		{Var: "FORM_TYPE", Type: forms.Hidden, Values: []string{"http://jabber.org/protocol/muc#roomconfig"}},
		{Var: "muc#roomconfig_roomname", Type: forms.TextSingle, Label: "Title"},
		{Var: "muc#roomconfig_membersonly", Type: forms.Boolean, Label: "Only allow members to join", Values: []string{"0"}},
	}}, nil
}

func (f *configFake) SubmitRoomConfig(_ context.Context, room jid.JID, form *forms.Form) error {
	var vals []string
	for _, fd := range form.Fields {
		vals = append(vals, fd.Var+"="+strings.Join(fd.Values, ","))
	}
	f.record("submit " + room.String() + " " + strings.Join(vals, " "))
	return nil
}

func (f *configFake) CancelRoomConfig(_ context.Context, room jid.JID, created bool) error {
	f.record(fmt.Sprintf("cancel %s %v", room, created))
	return nil
}

func startConfigUI(t *testing.T) (*harness, *configFake) {
	t.Helper()
	h, df := startDirUI(t, 100, 30)
	cf := &configFake{dirFake: df, exists: map[string]bool{testRoom.String(): true}}
	h.sync(func() { h.u.accts[0].a = cf })
	return h, cf
}

func TestRoomConfigure(t *testing.T) {
	h, f := startConfigUI(t)
	w := joinTestRoom(h, f.roomFake)
	h.enter("/configure")
	h.waitCall(f.roomFake, "getconfig dev@conf.example.org")
	h.waitFor("form", func() bool { return h.u.curWin().kind == winForm })
	h.key(tcell.KeyRune, 'L', 0) // a letter starts editing the first field, Title
	h.typeText("ounge")
	h.key(tcell.KeyEnter, 0, 0)
	h.key(tcell.KeyTab, 0, 0)
	h.key(tcell.KeyRune, ' ', 0) // members-only on
	h.key(tcell.KeyCtrlS, 0, 0)
	h.waitCall(f.roomFake, "submit dev@conf.example.org FORM_TYPE=http://jabber.org/protocol/muc#roomconfig muc#roomconfig_roomname=Lounge muc#roomconfig_membersonly=1")
	h.waitFor("saved", func() bool {
		return countContaining(entryTexts(w), "the configuration of dev@conf.example.org was saved") == 1
	})
	// Esc on the form of an existing room cancels it, nothing destroyed.
	h.enter("/configure")
	h.waitFor("form", func() bool { return h.u.curWin().kind == winForm })
	h.key(tcell.KeyEscape, 0, 0)
	h.waitCall(f.roomFake, "cancel dev@conf.example.org false")
	h.waitFor("cancelled", func() bool { return countContaining(entryTexts(w), "cancelled: nothing changed") == 1 })
	if got := completeJoin(h.u, 1, []string{"x"}); len(got) != 1 || got[0] != "-configure" {
		t.Errorf("completion: %q", got)
	}
}

func TestJoinConfigure(t *testing.T) {
	h, f := startConfigUI(t)
	// A room that existed is joined as it is: no form.
	h.enter("/join dev@conf.example.org -configure")
	h.waitCall(f.roomFake, "joinnew dev@conf.example.org")
	h.waitFor("existing", func() bool {
		return countContaining(entryTexts(h.u.curWin()), "exists already and was joined as it is") == 1
	})
	// A new one opens its form; Esc destroys it.
	h.enter("/join -configure new@conf.example.org/zed")
	h.waitCall(f.roomFake, "joinnew new@conf.example.org")
	h.waitFor("form", func() bool { return h.u.curWin().kind == winForm })
	if s := h.text(); !strings.Contains(s, "new room new@conf.example.org") {
		t.Errorf("form title:\n%s", s)
	}
	h.key(tcell.KeyEscape, 0, 0)
	h.waitCall(f.roomFake, "cancel new@conf.example.org true")
	h.waitFor("destroyed", func() bool {
		w := h.u.curWin()
		return w.kind == winRoom && countContaining(entryTexts(w), "creation of new@conf.example.org cancelled: the room is destroyed") == 1
	})
	// Without the flag, /join does as before.
	h.enter("/join plain@conf.example.org")
	h.waitCall(f.roomFake, "join plain@conf.example.org  ")
	for _, c := range f.callList() {
		if c == "joinnew plain@conf.example.org" {
			t.Errorf("/join without -configure used JoinNew")
		}
	}
	h.enter("/join a@b c d")
	h.waitFor("usage", func() bool { return countContaining(entryTexts(h.u.curWin()), "usage: /join") == 1 })
}
