package ui

import (
	"context"
	"fmt"
	"strings"

	"mellium.im/xmpp/jid"

	"parley/muc"
	"parley/sanitize"
)

// whoJID resolves a /ban or /affiliation target: a JID, or the nick of an
// occupant whose real JID the room shows us.
func whoJID(w *window, arg string) (jid.JID, error) {
	if o, ok := w.room.occupant(arg); ok {
		if o.JID.String() == "" {
			return jid.JID{}, fmt.Errorf("the room does not show the address of %s: give their JID instead", cleanName(o.Nick))
		}
		return o.JID.Bare(), nil
	}
	if !strings.Contains(arg, "@") {
		return jid.JID{}, fmt.Errorf("no occupant %q in this room (give a JID for someone who is not here)", sanitize.Text(arg))
	}
	return parseJID(arg)
}

func cmdBan(u *UI, c *call) error {
	w, ra, err := inRoom(c)
	if err != nil {
		return err
	}
	who, err := whoJID(w, c.args[0])
	if err != nil {
		return err
	}
	reason := ""
	if len(c.args) > 1 {
		reason = c.args[1]
	}
	room := w.peer
	u.roomRequest(w.acct, w, requestTimeout, func(ctx context.Context) (string, error) {
		if err := ra.Ban(ctx, room, who, reason); err != nil {
			return "", err
		}
		return "banned " + who.String(), nil
	})
	return nil
}

func cmdRole(u *UI, c *call) error {
	if c.args[0] == "list" {
		return cmdRoleList(u, c) // ui/room_lists.go
	}
	if len(c.args) < 2 {
		return errUsage
	}
	w, ra, err := inRoom(c)
	if err != nil {
		return err
	}
	role := muc.Role(c.args[1])
	if !role.Valid() {
		return errUsage
	}
	o, ok := w.room.occupant(c.args[0])
	if !ok {
		return fmt.Errorf("no occupant %q in this room", sanitize.Text(c.args[0]))
	}
	room := w.peer
	u.roomRequest(w.acct, w, requestTimeout, func(ctx context.Context) (string, error) {
		return "", ra.SetRole(ctx, room, o.Nick, string(role))
	})
	return nil
}

func cmdAffiliation(u *UI, c *call) error {
	if c.args[0] == "list" {
		return cmdAffiliationList(u, c) // ui/room_lists.go
	}
	if len(c.args) < 2 {
		return errUsage
	}
	w, ra, err := inRoom(c)
	if err != nil {
		return err
	}
	aff := muc.Affiliation(c.args[1])
	if !aff.Valid() {
		return errUsage
	}
	who, err := whoJID(w, c.args[0])
	if err != nil {
		return err
	}
	room := w.peer
	u.roomRequest(w.acct, w, requestTimeout, func(ctx context.Context) (string, error) {
		if err := ra.SetAffiliation(ctx, room, who, string(aff), ""); err != nil {
			return "", err
		}
		return who.String() + " is now " + string(aff) + " of " + room.String(), nil
	})
	return nil
}

func cmdDestroy(u *UI, c *call) error {
	w, ra, err := inRoom(c)
	if err != nil {
		return err
	}
	reason := ""
	if len(c.args) > 0 {
		reason = c.args[0]
	}
	room := w.peer
	u.roomRequest(w.acct, w, requestTimeout, func(ctx context.Context) (string, error) {
		return "", ra.Destroy(ctx, room, reason)
	})
	return nil
}
