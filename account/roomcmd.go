package account

// Room commands that need no waiting for the room's presence: subject,
// invitations, moderation and owner requests, the room list, and sending
// to rooms and occupants.

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/muc"
)

// SetSubject sets the subject of room (empty clears it). The room announces
// the new subject to everyone (a RoomEvent with SubjectChanged); a refusal
// comes back as an error message in the room's conversation.
func (a *Account) SetSubject(ctx context.Context, room jid.JID, subject string) error {
	sess, err := a.online()
	if err != nil {
		return err
	}
	if room, err = roomAddr(room); err != nil {
		return err
	}
	return sess.Send(ctx, muc.SubjectMessage(room, subject))
}

// Invite invites to (a contact) to room. The invitation is direct
// (XEP-0249, carrying the room password we know) when to is a full JID
// whose client says it supports direct invitations, or when we are not in
// the room; otherwise it is mediated by the room (XEP-0045 §7.8.2), which
// every client understands and which lets a members-only room admit the
// invitee. Only one kind is sent, so the invitee is asked once.
func (a *Account) Invite(ctx context.Context, room, to jid.JID, reason string) error {
	sess, err := a.online()
	if err != nil {
		return err
	}
	if room, err = roomAddr(room); err != nil {
		return err
	}
	if to.Domainpart() == "" {
		return errors.New("invitation has no invitee")
	}
	a.rooms.mu.Lock()
	rs := a.rooms.lookup(room)
	inRoom := rs != nil && rs.room.State() == muc.Joined
	password := ""
	if rs != nil {
		password = rs.password
	}
	a.rooms.mu.Unlock()
	direct := !inRoom
	if !direct && to.Resourcepart() != "" {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		direct = hasFeature(dctx, sess, to, muc.NSConference)
		cancel()
	}
	if direct {
		return sess.Send(ctx, muc.DirectInvite(room, to, reason, password))
	}
	return sess.Send(ctx, muc.MediatedInvite(room, to, reason))
}

// moderate runs a moderation or owner request with a bounded wait and turns
// a refusal into plain words.
func (a *Account) moderate(ctx context.Context, room jid.JID, do func(context.Context, *xmpp.Session, jid.JID) error) error {
	sess, err := a.online()
	if err != nil {
		return err
	}
	if room, err = roomAddr(room); err != nil {
		return err
	}
	ctx, cancel := reqCtx(ctx)
	defer cancel()
	if err := do(ctx, sess, room); err != nil {
		return errors.New(muc.RequestErrorText(err))
	}
	return nil
}

// Kick removes the occupant nick from room (we must be a moderator).
func (a *Account) Kick(ctx context.Context, room jid.JID, nick, reason string) error {
	return a.moderate(ctx, room, func(ctx context.Context, s *xmpp.Session, room jid.JID) error {
		return muc.Kick(ctx, s, room, nick, reason)
	})
}

// Ban bans who (reduced to a bare JID) from room (we must be an admin).
func (a *Account) Ban(ctx context.Context, room, who jid.JID, reason string) error {
	return a.moderate(ctx, room, func(ctx context.Context, s *xmpp.Session, room jid.JID) error {
		return muc.Ban(ctx, s, room, who.Bare(), reason)
	})
}

// SetRole changes the role of the occupant nick in room: moderator,
// participant, visitor or none (none kicks).
func (a *Account) SetRole(ctx context.Context, room jid.JID, nick, role string) error {
	if !muc.Role(role).Valid() {
		return fmt.Errorf("role %q: use moderator, participant, visitor or none", role)
	}
	return a.moderate(ctx, room, func(ctx context.Context, s *xmpp.Session, room jid.JID) error {
		return muc.SetRole(ctx, s, room, nick, muc.Role(role), "")
	})
}

// SetAffiliation changes the affiliation of who (a bare JID) with room:
// owner, admin, member, none or outcast (outcast bans).
func (a *Account) SetAffiliation(ctx context.Context, room, who jid.JID, affiliation, reason string) error {
	if !muc.Affiliation(affiliation).Valid() {
		return fmt.Errorf("affiliation %q: use owner, admin, member, none or outcast", affiliation)
	}
	return a.moderate(ctx, room, func(ctx context.Context, s *xmpp.Session, room jid.JID) error {
		return muc.SetAffiliation(ctx, s, room, who.Bare(), muc.Affiliation(affiliation), reason)
	})
}

// Destroy destroys room (we must be its owner), telling the occupants
// reason. The room then removes everyone: a RoomEvent with Destroyed.
func (a *Account) Destroy(ctx context.Context, room jid.JID, reason string) error {
	return a.moderate(ctx, room, func(ctx context.Context, s *xmpp.Session, room jid.JID) error {
		return muc.Destroy(ctx, s, room, reason, jid.JID{})
	})
}

// Rooms returns the rooms we are in or joining, sorted.
func (a *Account) Rooms() []jid.JID {
	a.rooms.mu.Lock()
	defer a.rooms.mu.Unlock()
	var out []jid.JID
	for _, rs := range a.rooms.rooms {
		if rs.room.State() != muc.NotJoined {
			out = append(out, rs.room.JID())
		}
	}
	slices.SortFunc(out, func(x, y jid.JID) int { return compareStrings(x.String(), y.String()) })
	return out
}

func compareStrings(x, y string) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// sendToRoom sends what send is asked to send to a room: a groupchat
// message or reference (no local event: the room's reflection, recognised
// by our nick, becomes the MessageEvent with Dir Out), or a private message
// to a room occupant (with the muc#user marker, emitted with Private set).
// handled is false for a message that is no group-chat business.
func (a *Account) sendToRoom(ctx context.Context, m Message) (out Message, handled bool, err error) {
	var conv jid.JID
	switch {
	case m.Type == "groupchat":
		if m.To, err = roomAddr(m.To); err != nil {
			return Message{}, true, err
		}
	case (m.Type == "" || m.Type == "chat") && m.To.Resourcepart() != "":
		a.rooms.mu.Lock()
		rs := a.rooms.lookup(m.To)
		if rs == nil {
			a.rooms.mu.Unlock()
			return Message{}, false, nil
		}
		m.Private = true
		m.To, conv, err = rs.privateOut(m.To) // the occupant of that conversation, where they are now
		a.rooms.mu.Unlock()
		if err != nil {
			return Message{}, true, err
		}
		m.Type = "chat"
	default:
		return Message{}, false, nil
	}
	if m.mustSeal { // an aesgcm:// link: OMEMO in rooms is not supported
		return Message{}, true, errors.New("an encrypted file's link (aesgcm://) goes only in an OMEMO conversation with a contact, not in a room: not sent")
	}
	sess, err := a.online()
	if err != nil {
		return Message{}, true, err
	}
	m.ID = newID()
	m.OriginID, m.From, m.Time, m.Dir, m.Conv = m.ID, sess.LocalAddr(), time.Now().UTC(), Out, conv
	if m.Type == "groupchat" {
		if m, err = a.sealRoom(ctx, sess, m); err != nil { // OMEMO, when on for the room (omemoroom.go)
			return Message{}, true, err
		}
	}
	st := messageStanza(m, m.Private)
	if m.sealed != nil {
		st = stanzaTokens(m.sealed)
	}
	if err := sess.Send(ctx, st); err != nil {
		return Message{}, true, fmt.Errorf("send message: %w", err)
	}
	if m.Private {
		m.Nick = a.roomNick(m.To) // ours in that room: how the conversation names us, also in the history
		a.emit(MessageEvent{Base: a.base(), Msg: m})
	}
	return m, true, nil
}

// hasFeature asks to (disco#info) whether it lists feature; no answer or an
// error answer means no.
func hasFeature(ctx context.Context, sess *xmpp.Session, to jid.JID, feature string) bool {
	found := false
	iq := iqStanza("get", to, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsDiscoInfo, Local: "query"}}))
	err := sendIQ(ctx, sess, iq, func(b *tokenBudget) error {
		for {
			tok, err := b.next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "feature" && b.depth == 2 && attr(se, "var") == feature {
				found = true
			}
		}
	})
	return err == nil && found
}
