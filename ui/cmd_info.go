package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"parley/muc"
	"parley/sanitize"
)

// cmdInfo shows what parley knows of a contact (roster entry, resources
// and their presence) or, in a room, of an occupant (role, affiliation,
// real address, presence); without an argument, of the window's peer.
func cmdInfo(u *UI, c *call) error {
	w := c.win
	if c.acct == nil {
		switch {
		case w.kind == winRoom && len(c.args) == 0:
			u.roomInfo(w)
			return nil
		case w.kind == winRoom:
			if o, ok := w.room.occupant(c.args[0]); ok {
				u.occupantInfo(w, w, o)
				return nil
			}
			if !strings.ContainsAny(c.args[0], "@/") {
				return fmt.Errorf("no occupant %q in this room (/info name@server for a contact)", sanitize.Text(c.args[0]))
			}
		case w.isPrivate() && len(c.args) == 0:
			if rw := u.roomWin(w.acct, w.peer.Bare()); rw != nil {
				if o, ok := rw.room.occupant(w.privNick()); ok && o.Nick == w.privNick() && !w.privGone() {
					u.occupantInfo(w, rw, o)
					return nil
				}
			}
			u.info(w, false, cleanName(w.privNick())+" is not in "+cleanName(w.peer.Bare().String())+" now")
			return nil
		}
	}
	a, j := w.acct, w.peer
	switch {
	case len(c.args) > 0:
		var err error
		if a, j, err = u.contactArg(c, c.args[0]); err != nil {
			return err
		}
	case w.kind != winChat:
		return errUsage
	}
	bare := j.Bare().String()
	lines := []string{"info for " + sanitize.Text(bare) + " (account " + a.name + ")"}
	if it, ok := a.items[bare]; ok {
		ask := ""
		if it.Ask {
			ask = ", request pending"
		}
		lines = append(lines, "  name: "+it.Name, "  subscription: "+it.Subscription+ask)
		if len(it.Groups) > 0 {
			lines = append(lines, "  groups: "+strings.Join(it.Groups, ", "))
		}
	} else {
		lines = append(lines, "  not in the roster")
	}
	if n := a.nicks[bare]; n != "" {
		lines = append(lines, "  published nickname: \""+n+"\"") // XEP-0172, as it is: a name, not an address
	}
	lines = append(lines, resourceLines(a, bare)...)
	for _, l := range lines {
		u.info(w, false, l)
	}
	return nil
}

// resourceLines describes the resources of contact bare and their presence.
func resourceLines(a *acctState, bare string) []string {
	if !a.presenceKnown() {
		return []string{"  presence unknown: the account is " + a.state.String()}
	}
	res := a.pres[bare]
	names := make([]string, 0, len(res))
	for r := range res {
		names = append(names, r)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return []string{"  no resource online"}
	}
	lines := make([]string, 0, len(names))
	for _, r := range names {
		p := res[r]
		l := fmt.Sprintf("  resource %s: %s, priority %d", cleanName(r), showWord(p.show, true), p.prio)
		if p.status != "" {
			l += ", \"" + p.status + "\""
		}
		lines = append(lines, l)
	}
	return lines
}

// occupantInfo shows, in w, occupant o of the room of window rw.
func (u *UI) occupantInfo(w, rw *window, o muc.Occupant) {
	nick := cleanName(o.Nick)
	lines := []string{"info for " + nick + " in " + rw.peerText}
	if o.Nick == rw.room.nick {
		lines[0] += " (you)"
	}
	lines = append(lines, "  role: "+string(o.Role)+", affiliation: "+string(o.Affiliation))
	if o.JID.String() != "" {
		lines = append(lines, "  address: "+cleanName(o.JID.String()))
	} else {
		lines = append(lines, "  address: not shown by the room")
	}
	p := "  presence: " + showWord(occShow(o.Show), true)
	if o.Status != "" {
		p += ", \"" + cleanName(o.Status) + "\""
	}
	lines = append(lines, p)
	for _, l := range lines {
		u.info(w, false, l)
	}
}

// roomInfo shows what the room window w knows of its room.
func (u *UI) roomInfo(w *window) {
	rs := w.room
	lines := []string{"info for room " + w.peerText}
	switch rs.state {
	case muc.Joined:
		lines = append(lines, "  you are in it as "+rs.nickClean+", with "+strconv.Itoa(rs.occ.Len())+" occupants (/info NICK for one)")
	case muc.Joining:
		lines = append(lines, "  joining")
	default:
		lines = append(lines, "  you are not in it (/join to enter)")
	}
	if rs.subject != "" {
		lines = append(lines, "  topic: "+rs.subject)
	}
	for _, l := range lines {
		u.info(w, false, l)
	}
}
