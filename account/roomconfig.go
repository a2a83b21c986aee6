package account

// Room configuration (XEP-0045 §10.1–10.2, muc#owner with XEP-0004 data
// forms): a new room opened as an instant room or configured from its
// form, and an existing room's form fetched, submitted or cancelled.

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"parley/forms"
	"parley/muc"
)

// Room configuration fields (muc#roomconfig) parley sets by itself.
const (
	cfgPasswordProtected = "muc#roomconfig_passwordprotectedroom"
	cfgSecret            = "muc#roomconfig_roomsecret"
)

// createRoom opens a room our join just created (it answered status 201):
// with the service's default configuration (an instant room), and when
// password is not empty protected by it, in the same submission.
func createRoom(ctx context.Context, sess *xmpp.Session, room jid.JID, password string) error {
	ctx, cancel := reqCtx(ctx)
	defer cancel()
	var err error
	if password == "" {
		err = muc.CreateInstant(ctx, sess, room)
	} else {
		err = muc.Configure(ctx, sess, room, map[string][]string{cfgPasswordProtected: {"1"}, cfgSecret: {password}})
	}
	if err != nil {
		return fmt.Errorf("room %s was created but could not be opened: %s", room, muc.RequestErrorText(err))
	}
	return nil
}

// JoinNew is Join for a room that may not exist yet: a room the join
// creates is left locked (no one else can enter it) for the caller to
// configure with RoomConfig and SubmitRoomConfig, or to give up with
// CancelRoomConfig, which destroys it (XEP-0045 §10.1.3). created reports
// that the join created the room; a room that existed is joined as Join
// does. It waits for replies: call it outside the stanza handler.
func (a *Account) JoinNew(ctx context.Context, room jid.JID, nick, password string) (created bool, err error) {
	sess, err := a.online()
	if err != nil {
		return false, err
	}
	if room, err = roomAddr(room); err != nil {
		return false, err
	}
	if nick == "" {
		nick = a.defaultNick()
	}
	a.rooms.mu.Lock()
	rs := a.rooms.lookup(room)
	in := rs != nil && rs.room.State() == muc.Joined
	a.rooms.mu.Unlock()
	if in {
		return false, errors.New("you are already in " + room.String() + ": /configure changes its configuration")
	}
	return a.join(ctx, sess, room, nick, password, true, true)
}

// ownerQuery is a muc#owner query holding payload (nil: empty).
func ownerQuery(payload xml.TokenReader) xml.TokenReader {
	return xmlstream.Wrap(payload, xml.StartElement{Name: xml.Name{Space: muc.NSOwner, Local: "query"}})
}

// RoomConfig asks room for its configuration form (we must be its owner).
// The form is bounded by forms.Parse; its text is untrusted.
func (a *Account) RoomConfig(ctx context.Context, room jid.JID) (*forms.Form, error) {
	room, err := roomAddr(room)
	if err != nil {
		return nil, err
	}
	var form *forms.Form
	err = a.query(ctx, "get", room, ownerQuery(nil), func(se xml.StartElement, r xml.TokenReader) error {
		if se.Name != (xml.Name{Space: muc.NSOwner, Local: "query"}) {
			return errors.New("the room answered something else than its configuration")
		}
		for {
			tok, err := r.Token()
			if err == io.EOF || (tok == nil && err == nil) {
				return errors.New("the room sent no configuration form")
			}
			if err != nil {
				return err
			}
			if x, ok := tok.(xml.StartElement); ok && x.Name.Space == forms.NS && x.Name.Local == "x" {
				form, err = forms.Parse(r, x)
				return err
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("configuration of %s: %w", room, err)
	}
	return form, nil
}

// SubmitRoomConfig sends the configuration form f as filled in (its
// submission: f.Submit()) to room. A room our JoinNew created opens with
// it.
func (a *Account) SubmitRoomConfig(ctx context.Context, room jid.JID, f *forms.Form) error {
	room, err := roomAddr(room)
	if err != nil {
		return err
	}
	if err := a.query(ctx, "set", room, ownerQuery(f.Submit().TokenReader()), nil); err != nil {
		return fmt.Errorf("configuration of %s: %w", room, err)
	}
	return nil
}

// CancelRoomConfig tells room that we will not submit its configuration
// form; an existing room keeps its configuration. With created (a room our
// JoinNew created and left locked) the room is then destroyed: XEP-0045
// §10.1.3 asks the service to, ejabberd does, Prosody 0.12 keeps it locked.
func (a *Account) CancelRoomConfig(ctx context.Context, room jid.JID, created bool) error {
	room, err := roomAddr(room)
	if err != nil {
		return err
	}
	if err := a.query(ctx, "set", room, ownerQuery(forms.CancelForm()), nil); err != nil {
		return fmt.Errorf("configuration of %s: %w", room, err)
	}
	if !created {
		return nil
	}
	sess, err := a.online()
	if err != nil {
		return err
	}
	dctx, cancel := reqCtx(ctx)
	defer cancel()
	err = muc.Destroy(dctx, sess, room, "", jid.JID{})
	var se stanza.Error
	if errors.As(err, &se) && se.Condition == stanza.ItemNotFound {
		err = nil // the service destroyed it already
	}
	if err != nil {
		return fmt.Errorf("room %s: %s", room, muc.RequestErrorText(err))
	}
	return nil
}
