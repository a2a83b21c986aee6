package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/muc"
)

var _ RoomDirAccount = (*account.Account)(nil)

// dirFake is a roomFake that also lists rooms and affiliations.
type dirFake struct {
	*roomFake
	rooms []muc.RoomItem
	infos map[string]muc.Info
	affs  map[string][]muc.AdminItem
}

func (f *dirFake) ListRooms(_ context.Context, service jid.JID) (jid.JID, []muc.RoomItem, bool, error) {
	f.record("list " + service.String())
	if service.String() == "" {
		service = f.service
	}
	return service, append([]muc.RoomItem(nil), f.rooms...), false, nil
}

func (f *dirFake) RoomInfo(_ context.Context, room jid.JID) (muc.Info, error) {
	info, ok := f.infos[room.String()]
	if !ok {
		return muc.Info{}, errors.New("no such room")
	}
	return info, nil
}

func (f *dirFake) AffiliationList(_ context.Context, room jid.JID, aff string) ([]muc.AdminItem, bool, error) {
	f.record("afflist " + room.String() + " " + aff)
	if aff == "outcast" {
		return nil, false, errors.New("forbidden")
	}
	return f.affs[aff], false, nil
}

func startDirUI(t *testing.T, w, h int) (*harness, *dirFake) {
	t.Helper()
	var df *dirFake
	hs, rf := startRoomUIPrep(t, w, h, func(u *UI) {
		rf := u.accts[0].a.(*roomFake)
		df = &dirFake{roomFake: rf}
		u.accts[0].a = df
	})
	_ = rf
	svc := "conf.example.org"
	r := func(local, name string) muc.RoomItem {
		return muc.RoomItem{JID: jid.MustParse(local + "@" + svc), Name: name, Occupants: -1}
	}
	df.rooms = []muc.RoomItem{
		r("dev", "dev (3)"),
		r("lobby", "The \x1b[31mLobby\x1b[0m"),
		r("quiet", ""),
		r("ops", "Operations"),
	}
	df.infos = map[string]muc.Info{
		"dev@" + svc:   {Name: "Developers", Occupants: 3},
		"lobby@" + svc: {Name: "The \x1b[31mLobby\x1b[0m", Occupants: 12},
		"ops@" + svc:   {Occupants: 0},
	}
	df.affs = map[string][]muc.AdminItem{
		"owner":  {{JID: jid.MustParse("alice@example.org"), Affiliation: muc.AffOwner}},
		"member": {{JID: jid.MustParse("carol@example.org"), Nick: "carol", Affiliation: muc.AffMember}, {JID: jid.MustParse("x@evil.example"), Nick: "\x1b]0;pwn\x07x", Affiliation: muc.AffMember}},
	}
	return hs, df
}

func TestGoldenRoomList(t *testing.T) {
	h, f := startDirUI(t, 100, 14)
	h.enter("/list")
	h.waitFor("sorted list", func() bool {
		w := h.u.curWin()
		return w.kind == winRooms && w.rlist != nil && len(w.rlist.rooms) == 4 && w.rlist.rooms[0].Occupants == 12
	})
	if !strings.Contains(strings.Join(f.callList(), "\n"), "list ") {
		t.Errorf("calls: %q", f.callList())
	}
	golden(t, "roomlist", h.text())
	if rev := h.reversedRows(); len(rev) != 1 || !strings.Contains(rev[0], "lobby@conf.example.org") {
		t.Errorf("selected rows: %q", rev)
	}
	h.key(tcell.KeyDown, 0, 0)
	h.key(tcell.KeyEnter, 0, 0)
	h.waitCall(f.roomFake, "join dev@conf.example.org  ")
	h.waitFor("room window", func() bool { w := h.u.curWin(); return w.kind == winRoom && w.peer.String() == "dev@conf.example.org" })
	// Back in the list, Esc closes it.
	h.enter("/list conf.example.org")
	h.waitCall(f.roomFake, "list conf.example.org")
	h.waitFor("list again", func() bool { return h.u.curWin().kind == winRooms })
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("closed", func() bool { return h.u.curWin().kind != winRooms })
	h.enter("/list dev@conf.example.org")
	h.waitFor("refused", func() bool { return countContaining(entryTexts(h.u.curWin()), "is not a service address") == 1 })
}

func TestRoomListsAndNames(t *testing.T) {
	h, f := startDirUI(t, 100, 30)
	w := joinTestRoom(h, f.roomFake)
	h.enter("/names")
	h.waitFor("names", func() bool {
		return countContaining(entryTexts(w), "7 occupants in dev@conf.example.org: 2 moderators, 3 participants, 2 visitors") == 1
	})
	all := strings.Join(h.lines(w), "\n")
	for _, want := range []string{"moderators (2): ~alice &bob", "participants (3): +carol dave zed", "visitors (2): eve frank"} {
		if !strings.Contains(all, want) {
			t.Errorf("/names lacks %q:\n%s", want, all)
		}
	}
	h.enter("/role list moderator")
	h.waitFor("role list", func() bool { return countContaining(entryTexts(w), "~alice (owner, alice@example.org)") == 1 })
	h.enter("/role list king")
	h.waitFor("usage", func() bool { return countContaining(entryTexts(w), "usage: /role") == 1 })
	h.enter("/affiliation list member")
	h.waitCall(f.roomFake, "afflist dev@conf.example.org member")
	h.waitFor("member list", func() bool { return countContaining(entryTexts(w), "members (2):") == 1 })
	all = strings.Join(h.lines(w), "\n")
	if strings.ContainsAny(all, "\x1b\x07") || !strings.Contains(all, "carol@example.org (carol)") {
		t.Errorf("member list:\n%q", all)
	}
	h.enter("/affiliation list")
	h.waitFor("all lists", func() bool {
		all := strings.Join(entryTexts(w), "\n")
		return strings.Contains(all, "owners (1):") && strings.Contains(all, "admins: none") && strings.Contains(all, "outcasts: forbidden")
	})
	h.enter("/affiliation list outcast")
	h.waitFor("refusal", func() bool { return countContaining(entryTexts(w), "forbidden") == 2 })
	// Tab completes "list" and the list names.
	if got := completeAffiliation(h.u, 1, []string{"list"}); strings.Join(got, " ") != "owner admin member outcast" {
		t.Errorf("completion: %q", got)
	}
	if got := completeRole(h.u, 1, []string{"list"}); strings.Join(got, " ") != "moderator participant visitor" {
		t.Errorf("completion: %q", got)
	}
}
