package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/muc"
	"parley/sanitize"
)

// RoomAccount is what the UI needs of an account for group chat
// (implemented by *account.Account). The UI type-asserts its Account to it;
// an account without it cannot join rooms. Every method but Rooms may wait
// for the server: the UI calls them from goroutines of its own.
type RoomAccount interface {
	// MUCService returns the group chat service of the account's server.
	MUCService(ctx context.Context) (jid.JID, error)
	// Join joins room with nick ("" means the configured nick) and
	// password, and returns once the room let us in or refused.
	Join(ctx context.Context, room jid.JID, nick, password string) error
	Part(ctx context.Context, room jid.JID, reason string) error
	ChangeNick(ctx context.Context, room jid.JID, nick string) error
	SetSubject(ctx context.Context, room jid.JID, subject string) error
	Invite(ctx context.Context, room, to jid.JID, reason string) error
	Kick(ctx context.Context, room jid.JID, nick, reason string) error
	Ban(ctx context.Context, room, who jid.JID, reason string) error
	SetRole(ctx context.Context, room jid.JID, nick, role string) error
	SetAffiliation(ctx context.Context, room, who jid.JID, aff, reason string) error
	Destroy(ctx context.Context, room jid.JID, reason string) error
	// Rooms returns the rooms joined or being joined.
	Rooms() []jid.JID
	// PrivateConversation returns the private conversation with the
	// occupant who has nick in room now (a new one if there is none).
	// other: a new one, with someone who has the nick of an earlier
	// conversation's occupant.
	PrivateConversation(room jid.JID, nick string) (conv jid.JID, other bool, err error)
	AddBookmark(ctx context.Context, b muc.Bookmark) error
	RemoveBookmark(ctx context.Context, room jid.JID) error
}

// Time limits of room requests made from the UI.
const (
	joinTimeout    = 60 * time.Second
	requestTimeout = 30 * time.Second
)

// msgType is the type of the messages typed in w: groupchat in a room we
// are in, chat in a conversation.
func msgType(w *window) (string, error) {
	if w.kind != winRoom {
		return "chat", nil
	}
	if w.room.state != muc.Joined {
		return "", errors.New("you are not in this room: /join " + w.peer.String() + " to enter it")
	}
	return "groupchat", nil
}

// roomAcct returns the group chat side of account a.
func roomAcct(a *acctState) (RoomAccount, error) {
	ra, ok := a.a.(RoomAccount)
	if !ok {
		return nil, fmt.Errorf("account %s cannot do group chat", a.jid)
	}
	return ra, nil
}

// inRoom returns the room window the command was typed in.
func inRoom(c *call) (*window, RoomAccount, error) {
	if c.win.kind != winRoom {
		return nil, nil, errors.New("this is not a room window: /join a room, or go to its window with /win")
	}
	ra, err := roomAcct(c.win.acct)
	return c.win, ra, err
}

// roomRequest runs f off the tview goroutine with a time limit, on the
// requests lane of account a (in the order typed); its error, or its
// non-empty result, becomes a line in w.
func (u *UI) roomRequest(a *acctState, w *window, d time.Duration, f func(ctx context.Context) (string, error)) {
	u.asyncReq(a, w, func(ctx context.Context) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return f(ctx)
	})
}

func cmdJoin(u *UI, c *call) error {
	a, err := u.pickAcct(c)
	if err != nil {
		return err
	}
	ra, err := roomAcct(a)
	if err != nil {
		return err
	}
	args, configure := joinFlags(c.args)
	if len(args) == 0 || len(args) > 2 {
		return errUsage
	}
	spec, nick, _ := strings.Cut(args[0], "/")
	password := ""
	if len(args) > 1 {
		password = args[1]
	}
	if spec == "" {
		return errUsage
	}
	if strings.Contains(spec, "@") {
		room, err := jid.Parse(spec)
		if err != nil || room.Localpart() == "" {
			return fmt.Errorf("%q is not a room address (room@service)", spec)
		}
		u.startJoinNew(a, ra, room.Bare(), nick, password, configure)
		return nil
	}
	if _, err := jid.New(spec, "example.org", ""); err != nil {
		return fmt.Errorf("%q is not a valid room name: %v", spec, err)
	}
	w := c.win
	u.info(w, false, "looking for the group chat service of "+a.jid.Domainpart()+"…")
	ctx := u.ctx
	go func() {
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		svc, err := ra.MUCService(ctx)
		var room jid.JID
		if err == nil {
			room, err = jid.New(spec, svc.Domainpart(), "")
		}
		u.postFunc(func() {
			if err != nil {
				u.info(w, true, "cannot join "+sanitize.Text(spec)+": "+err.Error())
				return
			}
			u.startJoinNew(a, ra, room, nick, password, configure)
		})
	}()
	return nil
}

// joinFlags takes the -configure option out of /join's arguments.
func joinFlags(args []string) (rest []string, configure bool) {
	for _, a := range args {
		if a == configureFlag {
			configure = true
			continue
		}
		rest = append(rest, a)
	}
	return rest, configure
}

// startJoinNew is startJoin; with configure a room the join creates is
// set up from its configuration form (room_config.go).
func (u *UI) startJoinNew(a *acctState, ra RoomAccount, room jid.JID, nick, password string, configure bool) {
	w := u.openRoomWin(a, room)
	w.room.configure = configure && w.room.state == muc.NotJoined
	u.showWin(w)
	u.joinWin(w, ra, nick, password)
}

// startJoin opens the window of room in a joining state, shows it and joins
// (or, in a room we are in, changes nick). Runs on the tview goroutine.
func (u *UI) startJoin(a *acctState, ra RoomAccount, room jid.JID, nick, password string) {
	w := u.openRoomWin(a, room)
	u.showWin(w)
	u.joinWin(w, ra, nick, password)
}

// joinWin joins the room of window w (or, in a room we are in, changes
// nick), without showing it.
func (u *UI) joinWin(w *window, ra RoomAccount, nick, password string) {
	a, room := w.acct, w.peer
	rs := w.room
	if rs.state != muc.NotJoined {
		if nick != "" && nick != rs.nick {
			u.changeNick(w, ra, nick)
			return
		}
		u.info(w, false, "you are already in this room")
		return
	}
	bm, hasBM := u.bookmark(a, room)
	if password == "" {
		switch {
		case u.rm.invite != nil && u.rm.invite.acct == a && u.rm.invite.inv.Room.Equal(room):
			password = u.rm.invite.inv.Password
		case hasBM && bm.Password != "":
			password = bm.Password
		default:
			password = rs.password
		}
	}
	if nick == "" && hasBM {
		nick = bm.Nick
	}
	if nick == "" && rs.nick != "" {
		nick = rs.nick
	}
	if u.rm.invite != nil && u.rm.invite.acct == a && u.rm.invite.inv.Room.Equal(room) {
		u.rm.invite = nil
	}
	rs.state = muc.Joining
	rs.password = password
	line := "joining " + cleanName(room.String())
	if nick != "" {
		line += " as " + cleanName(nick)
	}
	u.info(w, false, line+"…")
	seq := rs.errSeq
	ctx := u.ctx
	ca, configure := ra.(RoomConfigAccount)
	configure = configure && rs.configure
	go func() {
		ctx, cancel := context.WithTimeout(ctx, joinTimeout)
		defer cancel()
		if !configure {
			err := ra.Join(ctx, room, nick, password)
			u.postFunc(func() { u.roomResult(w, seq, err, true) })
			return
		}
		created, err := ca.JoinNew(ctx, room, nick, password)
		u.postFunc(func() {
			rs.configure = false
			u.roomResult(w, seq, err, true)
			if err == nil && u.isOpen(w) {
				u.joinedNew(w, ca, created)
			}
		})
	}()
}

// roomResult shows the outcome of a join or nick change. A refusal by the
// room (*account.RoomError) is not shown here: the room's RoomEvent carries
// it as a JoinError change, with the suggested nick, and it may be applied
// before or after this result. Other errors are shown unless a JoinError was
// shown since the request.
func (u *UI) roomResult(w *window, seq uint64, err error, join bool) {
	if err == nil || !u.isOpen(w) {
		return
	}
	rs := w.room
	if join && rs.state == muc.Joining {
		rs.state = muc.NotJoined
		u.roster.dirty = true
	}
	var refused *account.RoomError
	if errors.As(err, &refused) || rs.errSeq != seq {
		return
	}
	u.info(w, true, err.Error())
}

// changeNick asks for a new nick in w's room.
func (u *UI) changeNick(w *window, ra RoomAccount, nick string) {
	seq := w.room.errSeq
	room := w.peer
	ctx := u.ctx
	go func() {
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		err := ra.ChangeNick(ctx, room, nick)
		u.postFunc(func() { u.roomResult(w, seq, err, false) })
	}()
}

func cmdPart(u *UI, c *call) error {
	w, ra, err := inRoom(c)
	if err != nil {
		return err
	}
	if w.room.state == muc.NotJoined {
		return errors.New("you are not in this room (/close closes the window)")
	}
	reason := ""
	if len(c.args) > 0 {
		reason = c.args[0]
	}
	u.part(w, ra, reason)
	return nil
}

// part leaves w's room. When the room's own "you left" does not come (the
// account is offline), the window is marked left when the request returns.
func (u *UI) part(w *window, ra RoomAccount, reason string) {
	room := w.peer
	ctx := u.ctx
	go func() {
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		err := ra.Part(ctx, room, reason)
		u.postFunc(func() {
			if !u.isOpen(w) {
				return
			}
			if err != nil {
				u.info(w, true, err.Error())
				return
			}
			if w.room.state != muc.NotJoined {
				w.room.state = muc.NotJoined
				w.room.occ.Clear()
				u.info(w, false, "you left the room (/join to come back, /close to close this window)")
				u.roster.dirty = true
			}
		})
	}()
}

// closingRoom leaves the room of w, if we are in it, as its window closes.
func (u *UI) closingRoom(w *window) {
	if w.kind != winRoom || w.room.state == muc.NotJoined {
		return
	}
	ra, err := roomAcct(w.acct)
	if err != nil {
		return
	}
	room := w.peer
	u.roomRequest(w.acct, u.console(), requestTimeout, func(ctx context.Context) (string, error) {
		return "", ra.Part(ctx, room, "")
	})
}

func cmdNick(u *UI, c *call) error {
	w, ra, err := inRoom(c)
	if err != nil {
		return err
	}
	if w.room.state == muc.NotJoined {
		return errors.New("you are not in this room: /join " + w.peer.String() + "/" + c.args[0])
	}
	u.changeNick(w, ra, c.args[0])
	return nil
}

func cmdTopic(u *UI, c *call) error {
	w, ra, err := inRoom(c)
	if err != nil {
		return err
	}
	if len(c.args) == 0 {
		switch {
		case w.room.subject == "":
			u.info(w, false, "this room has no topic")
		case w.room.subjectBy != "":
			u.info(w, false, "topic: "+w.room.subject+" (set by "+w.room.subjectBy+")")
		default:
			u.info(w, false, "topic: "+w.room.subject)
		}
		return nil
	}
	room, subject := w.peer, c.args[0]
	u.roomRequest(w.acct, w, requestTimeout, func(ctx context.Context) (string, error) {
		return "", ra.SetSubject(ctx, room, subject)
	})
	return nil
}

// occupant finds an occupant of rs by nick: exactly, else the only one
// whose nick matches ignoring case.
func (rs *roomState) occupant(nick string) (muc.Occupant, bool) { return rs.occ.Fold(nick) }

// privatePeer returns the occupant JID room/nick for a nick typed in a room
// window.
func privatePeer(w *window, nick string) (jid.JID, error) {
	if o, ok := w.room.occupant(nick); ok {
		nick = o.Nick
	}
	p, err := jid.New(w.peer.Localpart(), w.peer.Domainpart(), nick)
	if err != nil {
		return jid.JID{}, fmt.Errorf("%q is not a valid nick: %v", nick, err)
	}
	return p, nil
}

// roomMsg handles /msg typed in a room window: a target that is an occupant,
// or has no "@", is a nick and gets a private message. It reports whether it
// handled the command.
func (u *UI) roomMsg(c *call) (bool, error) {
	w := c.win
	target := c.args[0]
	if _, ok := w.room.occupant(target); !ok && strings.Contains(target, "@") {
		return false, nil
	}
	peer, err := privatePeer(w, target)
	if err != nil {
		return true, err
	}
	ra, err := roomAcct(w.acct)
	if err != nil {
		return true, err
	}
	conv, other, err := ra.PrivateConversation(w.peer, peer.Resourcepart())
	if err != nil {
		return true, err
	}
	pw := u.privWin(w.acct, conv)
	if other {
		u.info(pw, false, otherOccupant(peer.Resourcepart()))
	}
	if pw.priv != nil && pw.priv.nick != peer.Resourcepart() {
		// Named after the nick they had before, or with a suffix: the
		// window shows who it is with now.
		pw.priv.nick, pw.priv.gone = peer.Resourcepart(), false
		pw.name = cleanName(peer.Resourcepart()) + "/" + u.roomName(w.acct, w.peer)
	}
	u.showWin(pw)
	if len(c.args) > 1 {
		return true, u.sendText(pw, c.args[1])
	}
	return true, nil
}

func cmdQuery(u *UI, c *call) error {
	if c.win.kind == winRoom {
		_, err := u.roomMsg(&call{args: c.args[:1], win: c.win})
		return err
	}
	return cmdMsg(u, &call{args: c.args[:1], win: c.win})
}

func cmdInvite(u *UI, c *call) error {
	w, ra, err := inRoom(c)
	if err != nil {
		return err
	}
	to, err := parseJID(c.args[0])
	if err != nil {
		return err
	}
	reason := ""
	if len(c.args) > 1 {
		reason = c.args[1]
	}
	room := w.peer
	u.roomRequest(w.acct, w, requestTimeout, func(ctx context.Context) (string, error) {
		if err := ra.Invite(ctx, room, to, reason); err != nil {
			return "", err
		}
		return "invited " + to.String() + " to " + room.String(), nil
	})
	return nil
}

func cmdKick(u *UI, c *call) error {
	w, ra, err := inRoom(c)
	if err != nil {
		return err
	}
	o, ok := w.room.occupant(c.args[0])
	if !ok {
		return fmt.Errorf("no occupant %q in this room", sanitize.Text(c.args[0]))
	}
	reason := ""
	if len(c.args) > 1 {
		reason = c.args[1]
	}
	room := w.peer
	u.roomRequest(w.acct, w, requestTimeout, func(ctx context.Context) (string, error) {
		return "", ra.Kick(ctx, room, o.Nick, reason)
	})
	return nil
}
