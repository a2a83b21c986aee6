package ui

import (
	"context"
	"errors"
	"slices"

	"mellium.im/xmpp/jid"

	"parley/forms"
)

// RoomConfigAccount configures rooms (account.Account): a new room joined
// and left locked to be configured, and a room's configuration form
// (XEP-0045 §10, muc#owner) fetched, submitted or cancelled. The methods
// wait on the network: the UI calls them off the tview goroutine.
type RoomConfigAccount interface {
	// JoinNew joins room as Join does, but a room the join creates stays
	// locked until its form is submitted or cancelled; created says
	// whether the join created it.
	JoinNew(ctx context.Context, room jid.JID, nick, password string) (created bool, err error)
	RoomConfig(ctx context.Context, room jid.JID) (*forms.Form, error)
	// SubmitRoomConfig sends f as filled in (its submission).
	SubmitRoomConfig(ctx context.Context, room jid.JID, f *forms.Form) error
	// CancelRoomConfig cancels the form; created: destroy the new room.
	CancelRoomConfig(ctx context.Context, room jid.JID, created bool) error
}

// configureFlag is the /join option that creates a new room from its
// configuration form instead of as an instant room.
const configureFlag = "-configure"

// completeJoin completes /join: a room, then the -configure option.
func completeJoin(u *UI, i int, args []string) []string {
	if i == 0 {
		return u.roomCandidates()
	}
	if slices.Contains(args, configureFlag) {
		return nil
	}
	return []string{configureFlag}
}

// roomConfigAcct returns the room configuration side of account a.
func roomConfigAcct(a *acctState) (RoomConfigAccount, error) {
	ca, ok := a.a.(RoomConfigAccount)
	if !ok {
		return nil, errors.New("account " + a.name + " cannot configure rooms")
	}
	return ca, nil
}

// cmdConfigure is /configure: the room's configuration form, for its
// owners, in the form window.
func cmdConfigure(u *UI, c *call) error {
	w, _, err := inRoom(c)
	if err != nil {
		return err
	}
	ca, err := roomConfigAcct(w.acct)
	if err != nil {
		return err
	}
	u.info(w, false, "asking "+w.peerText+" for its configuration form…")
	u.fetchRoomForm(w, ca, false)
	return nil
}

// fetchRoomForm asks the room of w for its configuration form and opens it
// in a form window; created: the room was just created by our join and is
// locked until the form is submitted (a cancel destroys it).
func (u *UI) fetchRoomForm(w *window, ca RoomConfigAccount, created bool) {
	room := w.peer
	ctx := u.ctx
	go func() {
		fctx, cancel := context.WithTimeout(ctx, requestTimeout)
		f, err := ca.RoomConfig(fctx, room)
		cancel()
		u.postFunc(func() {
			if !u.isOpen(w) {
				return
			}
			if err != nil {
				u.info(w, true, err.Error())
				if created {
					u.info(w, true, "the new room is not configured yet: /configure to try again, /destroy to give it up")
				}
				return
			}
			u.openRoomForm(w, ca, f, created)
		})
	}()
}

// openRoomForm shows the configuration form f of w's room. Submit sends
// it; Cancel (or closing the window) sends a cancel form, and for a room
// just created destroys it. The outcome is said in the room window.
func (u *UI) openRoomForm(w *window, ca RoomConfigAccount, f *forms.Form, created bool) {
	room := w.peer
	title := "configuration of " + w.peerText
	if created {
		title = "new room " + w.peerText
	}
	u.openForm(w.acct, title, f, func(ctx context.Context, f *forms.Form) error {
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		if err := ca.SubmitRoomConfig(ctx, room, f); err != nil {
			return err
		}
		u.Post(uiNote{win: w, text: "the configuration of " + room.String() + " was saved"})
		return nil
	}, func() {
		note := "configuration of " + room.String() + " cancelled: nothing changed"
		if created {
			note = "creation of " + room.String() + " cancelled: the room is destroyed"
		}
		u.roomRequest(w.acct, w, requestTimeout, func(ctx context.Context) (string, error) {
			if err := ca.CancelRoomConfig(ctx, room, created); err != nil {
				return "", err
			}
			return note, nil
		})
	})
}

// joinedNew follows a /join -configure: a room the join created gets its
// form, one that existed is joined as it was.
func (u *UI) joinedNew(w *window, ca RoomConfigAccount, created bool) {
	if !created {
		u.info(w, false, w.peerText+" exists already and was joined as it is (its owners change it with /configure)")
		return
	}
	u.info(w, false, "opening the configuration form of the new room "+w.peerText+": Submit opens the room so configured, Cancel destroys it")
	u.fetchRoomForm(w, ca, true)
}
