package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"parley/muc"
	"parley/sanitize"
)

// maxListLines bounds the entries /affiliation list, /role list and /names
// print; the others are counted.
const maxListLines = 500

// listAffs are the affiliation lists a room keeps, in the order
// "/affiliation list" prints them.
var listAffs = [...]muc.Affiliation{muc.AffOwner, muc.AffAdmin, muc.AffMember, muc.AffOutcast}

// listRoles are the roles occupants have, in the order lists print them.
var listRoles = [...]muc.Role{muc.RoleModerator, muc.RoleParticipant, muc.RoleVisitor}

// plurals is the word for a list of users with affiliation or role s.
func plurals(s string) string { return s + "s" }

// cmdAffiliationList is /affiliation list [owner|admin|member|outcast]:
// the room's lists asked of it (muc#admin), printed in the window.
func cmdAffiliationList(u *UI, c *call) error {
	w, _, err := inRoom(c)
	if err != nil {
		return err
	}
	da, ok := w.acct.a.(RoomDirAccount)
	if !ok {
		return errors.New("account " + w.acct.name + " cannot ask for affiliation lists")
	}
	affs := listAffs[:]
	if len(c.args) > 1 {
		aff := muc.Affiliation(c.args[1])
		if aff == muc.AffNone || !aff.Valid() {
			return errUsage
		}
		affs = []muc.Affiliation{aff}
	}
	room := w.peer
	u.roomRequest(w.acct, w, requestTimeout, func(ctx context.Context) (string, error) {
		var b strings.Builder
		for i, aff := range affs {
			items, cut, err := da.AffiliationList(ctx, room, string(aff))
			if i > 0 {
				b.WriteByte('\n')
			}
			if err != nil {
				if len(affs) == 1 {
					return "", err
				}
				fmt.Fprintf(&b, "%s: %s", plurals(string(aff)), err)
				continue
			}
			writeAffList(&b, aff, items, cut)
		}
		return b.String(), nil
	})
	return nil
}

// writeAffList writes the list of users with aff: a heading line, then one
// line per user (JID, reserved nick, a ban's reason), bounded.
func writeAffList(b *strings.Builder, aff muc.Affiliation, items []muc.AdminItem, cut bool) {
	if len(items) == 0 {
		fmt.Fprintf(b, "%s: none", plurals(string(aff)))
		return
	}
	more := ""
	if cut {
		more = ", the room has more"
	}
	fmt.Fprintf(b, "%s (%d%s):", plurals(string(aff)), len(items), more)
	for i, it := range items {
		if i == maxListLines {
			fmt.Fprintf(b, "\n  … and %d more", len(items)-i)
			break
		}
		b.WriteString("\n  " + cleanName(it.JID.String()))
		if it.Nick != "" {
			b.WriteString(" (" + cleanName(it.Nick) + ")")
		}
		if it.Reason != "" {
			b.WriteString(": " + sanitize.Truncate(sanitize.Text(it.Reason), 200))
		}
	}
}

// cmdRoleList is /role list [moderator|participant|visitor]: the occupants
// with that role (all, grouped, without one), from the occupant list the
// room keeps us up to date with.
func cmdRoleList(u *UI, c *call) error {
	w, _, err := inRoom(c)
	if err != nil {
		return err
	}
	if w.room.state != muc.Joined {
		return errors.New("you are not in this room: /join it to see who is here")
	}
	roles := listRoles[:]
	if len(c.args) > 1 {
		role := muc.Role(c.args[1])
		if role == muc.RoleNone || !role.Valid() {
			return errUsage
		}
		roles = []muc.Role{role}
	}
	u.info(w, false, occupantLines(w, roles, true))
	return nil
}

// cmdNames is /names: the room's occupants, grouped by role.
func cmdNames(u *UI, c *call) error {
	w, _, err := inRoom(c)
	if err != nil {
		return err
	}
	if w.room.state != muc.Joined {
		return errors.New("you are not in this room: /join it to see who is here")
	}
	u.info(w, false, occupantLines(w, listRoles[:], false))
	return nil
}

// occupantLines lists the occupants of w's room with roles: a count line,
// then per role its occupants, as IRC's NAMES does (marks: ~ owner, &
// admin, @ moderator, + member), or with long one line per occupant with
// affiliation and real address.
func occupantLines(w *window, roles []muc.Role, long bool) string {
	occ := &w.room.occ
	byRole := make(map[muc.Role][]muc.Occupant)
	for i := range occ.Len() {
		o := occ.At(i)
		byRole[o.Role] = append(byRole[o.Role], o)
	}
	var b strings.Builder
	if len(roles) > 1 {
		counts := occ.Counts()
		fmt.Fprintf(&b, "%s in %s: %s, %s, %s", listCount(occ.Len(), "occupant"), w.peerText,
			listCount(counts[0], "moderator"), listCount(counts[1], "participant"), listCount(counts[2], "visitor"))
	}
	shown := 0
	for _, role := range roles {
		list := byRole[role]
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		if len(list) == 0 {
			fmt.Fprintf(&b, "%s: none", plurals(string(role)))
			continue
		}
		fmt.Fprintf(&b, "%s (%d):", plurals(string(role)), len(list))
		for i, o := range list {
			if shown == maxListLines {
				fmt.Fprintf(&b, " … and %d more", len(list)-i)
				break
			}
			shown++
			if !long {
				b.WriteString(" " + o.Mark() + cleanName(o.Nick))
				continue
			}
			b.WriteString("\n  " + o.Mark() + cleanName(o.Nick) + " (" + cleanName(string(o.Affiliation)))
			if o.JID.String() != "" {
				b.WriteString(", " + cleanName(o.JID.Bare().String()))
			}
			b.WriteString(")")
		}
	}
	return b.String()
}

// listCount is "N name(s)".
func listCount(n int, name string) string {
	if n == 1 {
		return "1 " + name
	}
	return strconv.Itoa(n) + " " + plurals(name)
}
