package account

// The room directory of a group chat service, what a room says about
// itself, and a room's affiliation lists: requests that wait for the
// answer, for the UI's /list, /affiliation list and /configure.

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"

	"mellium.im/xmpp/jid"

	"parley/muc"
)

// ListRooms asks service (the zero JID: the group chat service of our
// server) for its rooms and returns the service asked, its rooms in its
// order (at most muc.MaxRoomList, names bounded, occupant counts unknown:
// RoomInfo tells them) and whether the list was cut. It waits for the
// answer: call it outside the stanza handler.
func (a *Account) ListRooms(ctx context.Context, service jid.JID) (jid.JID, []muc.RoomItem, bool, error) {
	if service.String() == "" {
		svc, err := a.MUCService(ctx)
		if err != nil {
			return jid.JID{}, nil, false, err
		}
		service = svc
	}
	service = service.Bare()
	var rooms []muc.RoomItem
	var cut bool
	err := a.query(ctx, "get", service, muc.ItemsQuery(), func(se xml.StartElement, r xml.TokenReader) (err error) {
		rooms, cut, err = muc.ParseRoomItems(se, r)
		return err
	})
	if err != nil {
		return service, nil, false, fmt.Errorf("rooms of %s: %w", service, err)
	}
	return service, rooms, cut, nil
}

// RoomInfo asks room what it says about itself (disco#info: name,
// occupant count, features). It waits for the answer.
func (a *Account) RoomInfo(ctx context.Context, room jid.JID) (muc.Info, error) {
	sess, err := a.online()
	if err != nil {
		return muc.Info{}, err
	}
	if room, err = roomAddr(room); err != nil {
		return muc.Info{}, err
	}
	ctx, cancel := reqCtx(ctx)
	defer cancel()
	info, err := muc.RoomInfo(ctx, sess, room)
	if err != nil {
		return muc.Info{}, errors.New(muc.RequestErrorText(err))
	}
	return info, nil
}

// AffiliationList asks room for the users with affiliation aff (owner,
// admin, member or outcast): at most muc.MaxAdminList, and whether the list
// was cut. Rooms answer only those allowed to ask (admins and owners, for
// some lists members); a refusal is an error in plain words.
func (a *Account) AffiliationList(ctx context.Context, room jid.JID, aff string) ([]muc.AdminItem, bool, error) {
	q, err := muc.AffiliationQuery(muc.Affiliation(aff))
	if err != nil {
		return nil, false, err
	}
	if room, err = roomAddr(room); err != nil {
		return nil, false, err
	}
	var items []muc.AdminItem
	var cut bool
	err = a.query(ctx, "get", room, q, func(se xml.StartElement, r xml.TokenReader) (err error) {
		items, cut, err = muc.ParseAdminItems(se, r)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("%s list of %s: %w", aff, room, err)
	}
	return items, cut, nil
}
