package ui

import (
	"context"
	"errors"
	"slices"
	"strings"

	"mellium.im/xmpp/jid"

	"parley/muc"
	"parley/sanitize"
)

func cmdBookmark(u *UI, c *call) error {
	a, err := u.pickAcct(c)
	if err != nil {
		return err
	}
	ra, err := roomAcct(a)
	if err != nil {
		return err
	}
	sub, args := c.args[0], c.args[1:]
	if sub == "list" {
		if len(args) > 0 {
			return errUsage
		}
		u.listBookmarks(c.win, a)
		return nil
	}
	autojoin := false
	var room jid.JID
	for _, arg := range args {
		switch {
		case arg == "autojoin" && sub == "add" && !autojoin:
			autojoin = true
		case room.String() == "":
			j, err := jid.Parse(arg)
			if err != nil || j.Localpart() == "" {
				return errorf("%q is not a room address (room@service)", arg)
			}
			room = j.Bare()
		default:
			return errUsage
		}
	}
	if room.String() == "" {
		if c.win.kind != winRoom || c.win.acct != a {
			return errors.New("say which room, or use /bookmark in the room's window")
		}
		room = c.win.peer
	}
	switch sub {
	case "add":
		b, _ := u.bookmark(a, room)
		b.Room, b.Autojoin = room, autojoin
		if rs := u.roomOf(a, room); rs != nil {
			if rs.nick != "" {
				b.Nick = rs.nick
			}
			if rs.password != "" {
				b.Password = rs.password
			}
		}
		u.roomRequest(a, c.win, requestTimeout, func(ctx context.Context) (string, error) {
			if err := ra.AddBookmark(ctx, b); err != nil {
				return "", err
			}
			line := "bookmarked " + room.String()
			if autojoin {
				line += " (joined at login)"
			}
			return line, nil
		})
	case "remove":
		u.roomRequest(a, c.win, requestTimeout, func(ctx context.Context) (string, error) {
			if err := ra.RemoveBookmark(ctx, room); err != nil {
				return "", err
			}
			return "removed the bookmark of " + room.String(), nil
		})
	default:
		return errUsage
	}
	return nil
}

// listBookmarks shows the bookmarks of a in w.
func (u *UI) listBookmarks(w *window, a *acctState) {
	bms := u.rm.bookmarks[a]
	if len(bms) == 0 {
		u.info(w, false, "no bookmarks for "+a.jid.String())
		return
	}
	u.info(w, false, "bookmarks of "+a.jid.String()+":")
	for _, b := range bms {
		line := "  " + cleanName(b.Room.String())
		if name := strings.TrimSpace(cleanName(b.Name)); name != "" {
			line += " \"" + name + "\""
		}
		if b.Nick != "" {
			line += " as " + cleanName(b.Nick)
		}
		if b.Autojoin {
			line += ", autojoin"
		}
		if b.Password != "" {
			line += ", with password"
		}
		u.info(w, false, line)
	}
}

// inviter names who invites: the bare JID (of a full one, as ejabberd
// sends), or the nick of an occupant JID of the room (as Prosody sends
// from a semi-anonymous room), or "someone".
func inviter(inv muc.Invite) string {
	switch {
	case inv.From.Domainpart() == "":
		return "someone"
	case inv.From.Bare().Equal(inv.Room) && inv.From.Resourcepart() != "":
		return inv.From.Resourcepart() + " (in the room)"
	}
	return inv.From.Bare().String()
}

// acceptInvite joins the room of the newest invitation (Alt-j).
func (u *UI) acceptInvite() {
	p := u.rm.invite
	if p == nil {
		u.info(u.curWin(), false, "no invitation to accept")
		return
	}
	ra, err := roomAcct(p.acct)
	if err != nil {
		u.info(u.curWin(), true, err.Error())
		return
	}
	u.rm.invite = nil
	u.startJoin(p.acct, ra, p.inv.Room, "", p.inv.Password)
}

// openRoom shows the window of room (joining it when there is none), for
// the roster's Rooms section.
func (u *UI) openRoom(a *acctState, room jid.JID) {
	if w := u.roomWin(a, room); w != nil {
		u.showWin(w)
		return
	}
	ra, err := roomAcct(a)
	if err != nil {
		u.info(u.curWin(), true, err.Error())
		return
	}
	u.startJoin(a, ra, room, "", "")
}

// roomRows returns the roster rows of a's rooms: its bookmarks and the rooms
// it has windows for, by name, under a "Rooms" header; none when there are
// none.
func (u *UI) roomRows(a *acctState) []rosterRow {
	type item struct {
		room jid.JID
		name string
	}
	var list []item
	seen := make(map[string]bool)
	for _, w := range u.wins {
		if w.acct == a && w.kind == winRoom {
			seen[w.peer.String()] = true
			list = append(list, item{w.peer, w.name})
		}
	}
	for _, b := range u.rm.bookmarks[a] {
		if b.Room.String() == "" || seen[b.Room.String()] {
			continue
		}
		seen[b.Room.String()] = true
		list = append(list, item{b.Room, u.roomName(a, b.Room)})
	}
	if len(list) == 0 {
		return nil
	}
	slices.SortFunc(list, func(x, y item) int {
		if c := strings.Compare(strings.ToLower(x.name), strings.ToLower(y.name)); c != 0 {
			return c
		}
		return strings.Compare(x.room.String(), y.room.String())
	})
	rows := []rosterRow{{header: true, acct: a, text: "Rooms"}}
	for _, it := range list {
		row := rosterRow{acct: a, jid: it.room, key: it.room.String(), text: it.name, room: true}
		u.roster.refreshRow(&row) // symbol and unread count (roster.go)
		rows = append(rows, row)
	}
	return rows
}

// completeRoomArg completes rooms (open, bookmarked, invited) for argument n.
func completeRoomArg(n int) func(*UI, int, []string) []string {
	return func(u *UI, i int, _ []string) []string {
		if i != n {
			return nil
		}
		return u.roomCandidates()
	}
}

// roomCandidates are the rooms of every account's windows and bookmarks,
// and the room of the pending invitation.
func (u *UI) roomCandidates() []string {
	var out []string
	for _, w := range u.wins {
		if w.kind == winRoom {
			out = append(out, w.peer.String())
		}
	}
	for _, bms := range u.rm.bookmarks {
		for _, b := range bms {
			out = append(out, sanitize.Text(b.Room.String()))
		}
	}
	if p := u.rm.invite; p != nil {
		out = append(out, sanitize.Text(p.inv.Room.String()))
	}
	return out
}

// completeNickArg completes the current room's occupant nicks for argument
// n (and their real JIDs with jids).
func completeNickArg(n int, jids bool) func(*UI, int, []string) []string {
	return func(u *UI, i int, _ []string) []string {
		if i != n {
			return nil
		}
		return u.occupantCandidates(jids)
	}
}

// occupantCandidates are the nicks (and with jids the known real JIDs) of
// the current room's occupants.
func (u *UI) occupantCandidates(jids bool) []string {
	w := u.curWin()
	if w.room == nil {
		return u.jidCandidates()
	}
	var out []string
	for i := range w.room.occ.Len() {
		o := w.room.occ.At(i)
		if o.Nick != w.room.nick {
			out = append(out, cleanName(o.Nick))
		}
		if jids && o.JID.String() != "" {
			out = append(out, cleanName(o.JID.Bare().String()))
		}
	}
	return out
}

func completeRole(u *UI, i int, args []string) []string {
	switch {
	case i == 0:
		return append(u.occupantCandidates(false), "list")
	case args[0] == "list":
		if i == 1 {
			return []string{"moderator", "participant", "visitor"}
		}
	case i == 1:
		return []string{"none", "visitor", "participant", "moderator"}
	}
	return nil
}

func completeAffiliation(u *UI, i int, args []string) []string {
	switch {
	case i == 0:
		return append(u.occupantCandidates(true), "list")
	case args[0] == "list":
		if i == 1 {
			return []string{"owner", "admin", "member", "outcast"}
		}
	case i == 1:
		return []string{"outcast", "none", "member", "admin", "owner"}
	}
	return nil
}

func completeBookmark(u *UI, i int, args []string) []string {
	switch {
	case i == 0:
		return []string{"add", "remove", "list"}
	case args[0] == "list":
		return nil
	case i == 1:
		if args[0] == "add" {
			return append(u.roomCandidates(), "autojoin")
		}
		return u.roomCandidates()
	case i == 2 && args[0] == "add":
		return []string{"autojoin"}
	}
	return nil
}
