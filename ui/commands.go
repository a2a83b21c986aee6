package ui

import (
	"context"
	"errors"
	"slices"
	"strings"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
)

// command is one row of the command table: commands are data.
type command struct {
	name  string
	usage string // arguments, shown after "/name"
	help  string
	min   int  // fewest arguments
	max   int  // most arguments; -1: any number
	rest  bool // the last argument takes the rest of the line, spaces kept
	// verbatim: a completion of the rest argument goes in as it is (no
	// quotes, no space after): a message's text.
	verbatim bool
	acct     bool // accepts "-a ACCOUNT" before its arguments
	run      func(u *UI, c *call) error
	// complete returns the candidates for argument n (0-based, after any
	// "-a ACCOUNT") given the arguments before it.
	complete func(u *UI, n int, args []string) []string
}

// call is one invocation of a command.
type call struct {
	args []string
	acct *acctState // chosen with -a, or nil
	win  *window    // the window the command was typed in
}

// errUsage makes the dispatcher print the command's usage.
var errUsage = errors.New("usage")

// commandTable returns the commands, in /help order.
func commandTable() []command {
	head := []command{
		{name: "msg", usage: "[-a ACCOUNT] JID|name [text]", help: "open a conversation with JID, or with the contact of that roster name (or the start of one), and send text; in a room window, a nick instead of JID: a private message to that occupant", min: 1, max: 2, rest: true, acct: true, run: cmdMsg, complete: completeJIDArg(0)},
		{name: "me", usage: "text", help: "send an action (\"/me text\") in this conversation", min: 1, max: 1, rest: true, run: cmdMe},
		{name: "correct", usage: "text", help: "correct your last message in this conversation (XEP-0308): it is replaced in place and marked (edited), here and at the other side; Tab after \"/correct \" fills in its text", min: 1, max: 1, rest: true, verbatim: true, run: cmdCorrect, complete: completeCorrect},
		omemoCommand(), // ui/omemo.go
		{name: "react", usage: "EMOJI", help: "react with EMOJI (or a :shortcode: such as :thumbsup:, Tab completes) to the selected message (Alt-s), else to the newest from the other side (XEP-0444); the same emoji again takes yours back", min: 1, max: 1, run: cmdReact, complete: completeEmoji},
		{name: "retract", help: "retract your last message in this conversation (XEP-0424): it becomes \"(message retracted)\" here and at the other side; Alt-s then d retracts another", run: cmdRetract},
		{name: "moderate", usage: "[reason]", help: "as a room moderator, remove the selected message (Alt-s) for everyone (XEP-0425), with an optional reason", max: 1, rest: true, run: cmdModerate},
		{name: "upload", usage: "FILE | cancel", help: "upload FILE (Tab completes paths, ~ is your home) to the server's HTTP upload service (XEP-0363) and send its link to this conversation; progress shows here and in the status bar; Esc or /upload cancel stops it and then nothing is sent (also /sendfile)", min: 1, max: 1, rest: true, verbatim: true, run: cmdUpload, complete: completePath},
		{name: "sendfile", usage: "FILE | cancel", help: "the same as /upload (profanity's name)", min: 1, max: 1, rest: true, verbatim: true, run: cmdUpload, complete: completePath},
		{name: "url", usage: "[open [N] | save [N] [PATH]]", help: "list the links of this window, newest first and numbered; open link N (default 1, the newest) with url_open_cmd, $BROWSER or xdg-open; or save it into download_dir (or PATH), decrypting aesgcm:// links, never over an existing file", max: 3, run: cmdURL, complete: completeURL},
		{name: "close", help: "close this window (not the console)", run: cmdClose},
		{name: "wins", help: "list the windows with their number, account and unread messages", run: cmdWins},
		{name: "win", usage: "N|name", help: "show window N, or the window whose name or JID starts with name", min: 1, max: 1, run: cmdWin, complete: completeWin},
		{name: "status", usage: "[-a ACCOUNT] online|chat|away|xa|dnd [text]", help: "set presence of every account (of ACCOUNT only with -a)", min: 1, max: 2, rest: true, acct: true, run: cmdStatus, complete: completeWords(0, "online", "chat", "away", "xa", "dnd")},
		{name: "away", usage: "[-a ACCOUNT] [text]", help: "set presence to away, with an optional status text (like /status away)", max: 1, rest: true, acct: true, run: showCommand(account.ShowAway)},
		{name: "xa", usage: "[-a ACCOUNT] [text]", help: "set presence to extended away (not available), with an optional text", max: 1, rest: true, acct: true, run: showCommand(account.ShowXA)},
		{name: "dnd", usage: "[-a ACCOUNT] [text]", help: "set presence to do not disturb, with an optional text", max: 1, rest: true, acct: true, run: showCommand(account.ShowDND)},
		{name: "chat", usage: "[-a ACCOUNT] [text]", help: "set presence to free for chat, with an optional text", max: 1, rest: true, acct: true, run: showCommand(account.ShowChat)},
		{name: "back", usage: "[-a ACCOUNT] [text]", help: "set presence back to online, with an optional text (also /online)", max: 1, rest: true, acct: true, run: showCommand(account.ShowOnline)},
		{name: "online", usage: "[-a ACCOUNT] [text]", help: "set presence to online, with an optional text", max: 1, rest: true, acct: true, run: showCommand(account.ShowOnline)},
		{name: "sub", usage: "[-a ACCOUNT] request|allow|deny|cancel JID", help: "presence subscription: request JID's presence, allow or deny JID's request, cancel JID's subscription to ours (a request asked again before an answer is shown once; one from a contact already allowed is answered by itself)", min: 2, max: 2, acct: true, run: cmdSub, complete: completeSub},
		{name: "roster", usage: "[-a ACCOUNT] add JID [name] | remove JID | nick JID name | group JID [group...] | show|hide offline | order presence|name | fold|unfold GROUP", help: "edit the roster (JID: an address, or for a contact in the roster its name; a name or group of several words in \"double quotes\"); or change how it is shown: offline contacts, contacts online first or by name, a group folded (as Enter on its header); the views are kept across restarts", min: 2, max: -1, acct: true, run: cmdRoster, complete: completeRoster},
		{name: "info", usage: "[-a ACCOUNT] [JID|name|nick]", help: "show resources, presence, subscription and groups of a contact (default: this conversation's); in a room, of the occupant nick (role, affiliation, address, presence), without an argument of the room", max: 1, acct: true, run: cmdInfo, complete: completeJIDArg(0)},
		{name: "join", usage: "[-a ACCOUNT] room[@service][/nick] [password] [-configure]", help: "join a room (without @service: the server's group chat service; without /nick: the configured nick) and open its window; in a room, /join room/newnick changes nick. A room that does not exist is created: open to all (an instant room), protected by the password if one is given; with -configure its configuration form opens (the room stays locked meanwhile where the server locks new rooms) (name, password, members-only, persistent, moderated, …): Submit opens the room, Cancel destroys it", min: 1, max: 3, acct: true, run: cmdJoin, complete: completeJoin},
		{name: "part", usage: "[reason]", help: "leave this room; the window stays (/close closes it; /close in a room leaves it first)", max: 1, rest: true, run: cmdPart},
		{name: "nick", usage: "NICK", help: "change your nick in this room", min: 1, max: 1, rest: true, run: cmdNick},
		{name: "topic", usage: "[text]", help: "show this room's topic, or set it to text", max: 1, rest: true, run: cmdTopic},
		{name: "query", usage: "nick | JID", help: "in a room: open a private conversation with the occupant nick; elsewhere: open a conversation with JID", min: 1, max: 1, rest: true, run: cmdQuery, complete: completeNickArg(0, false)},
		{name: "invite", usage: "JID [reason]", help: "invite JID to this room", min: 1, max: 2, rest: true, run: cmdInvite, complete: completeJIDArg(0)},
		{name: "kick", usage: "nick [reason]", help: "remove the occupant nick from this room (moderators)", min: 1, max: 2, rest: true, run: cmdKick, complete: completeNickArg(0, false)},
		{name: "ban", usage: "JID|nick [reason]", help: "ban JID, or the occupant nick by their real address, from this room (admins)", min: 1, max: 2, rest: true, run: cmdBan, complete: completeNickArg(0, true)},
		{name: "role", usage: "nick none|visitor|participant|moderator | list [moderator|participant|visitor]", help: "change the role of the occupant nick (none kicks, visitor takes the voice away); list: the occupants with that role (without one: all, by role), with affiliation and address", min: 1, max: 2, run: cmdRole, complete: completeRole},
		{name: "affiliation", usage: "JID|nick outcast|none|member|admin|owner | list [owner|admin|member|outcast]", help: "change the affiliation of JID (or of the occupant nick) with this room (outcast bans); list: ask the room for its owners, admins, members or outcasts (without one: all four; admins and owners may ask)", min: 1, max: 2, run: cmdAffiliation, complete: completeAffiliation},
		{name: "names", help: "print the occupants of this room into the window, by role (~ owner, & admin, @ moderator, + member)", run: cmdNames},
		{name: "list", usage: "[-a ACCOUNT] [SERVICE]", help: "list the rooms of SERVICE (default: the server's group chat service) with their occupants and names, in a window: ↑/↓ PgUp/PgDn select, Enter joins, Esc closes", max: 1, acct: true, run: cmdList},
		{name: "configure", help: "open this room's configuration form (owners; XEP-0045 muc#owner) in a form window: Tab/arrows move, Enter edits or toggles, Ctrl-S submits, Esc cancels (nothing changes)", run: cmdConfigure},
		{name: "destroy", usage: "[reason]", help: "destroy this room (owners)", max: 1, rest: true, run: cmdDestroy},
		{name: "bookmark", usage: "[-a ACCOUNT] add [room] [autojoin] | remove [room] | list", help: "bookmark a room (default: this one; autojoin: join it at login), remove a bookmark, or list them (the roster's Rooms section lists them too)", min: 1, max: 3, acct: true, run: cmdBookmark, complete: completeBookmark},
		{name: "occupants", help: "show or hide the occupant pane of room windows (also F4)", run: func(u *UI, _ *call) error { u.toggleOccupants(); return nil }},
		{name: "connect", usage: "[ACCOUNT]", help: "connect ACCOUNT (default: this window's account): for accounts with autoconnect = false, after /disconnect, or to stop waiting between reconnect attempts; on an account that is online or connecting it says so", max: 1, run: cmdConnect, complete: completeAccount},
		{name: "reconnect", usage: "[ACCOUNT]", help: "reconnect ACCOUNT now (default: this window's account): drops the connection and resumes the stream, or retries at once while waiting to reconnect; the status bar shows the state", max: 1, run: cmdReconnect, complete: completeAccount},
		{name: "disconnect", usage: "[ACCOUNT]", help: "log ACCOUNT out (default: this window's account) and stay offline until /connect; messages typed meanwhile are marked (pending) and sent after /connect", max: 1, run: cmdDisconnect, complete: completeAccount},
		{name: "search", usage: "[-a] TEXT", help: "search the history of this conversation for TEXT (ignoring case), or with -a of every conversation of every account; results (up to 500) open in a window of their own: arrows/PgUp/PgDn select, Enter opens the conversation at the message, Esc closes", min: 1, max: 1, rest: true, run: cmdSearch},
		{name: "notify", usage: "[on|off|mentions|default]", help: "show or set which messages of this conversation notify (bell, title, desktop notification): on every message, off none, mentions those naming you or a highlight word; default is mentions in rooms and on elsewhere; kept across restarts", max: 1, run: cmdNotify, complete: completeWords(0, "on", "off", "mentions", "default")},
	}
	tail := []command{
		{name: "clear", help: "clear this window", run: cmdClear},
		{name: "help", usage: "[command|keys]", help: "list commands, or explain one command, or list the keys", max: 1, run: cmdHelp, complete: completeHelp},
		{name: "quit", help: "leave parley; when messages are still unsent (kept for the next login), it says so first and a second /quit leaves", run: cmdQuit},
	}
	return slices.Concat(head, serviceCommands(), xmlConsoleCommands(), tail)
}

// lookup returns the command named name.
func (u *UI) lookup(name string) *command {
	for i := range u.cmds {
		if u.cmds[i].name == name {
			return &u.cmds[i]
		}
	}
	return nil
}

// submit handles an input line: a command, "//text" (sends "/text"), or a
// message for the current conversation.
func (u *UI) submit(text string) {
	w := u.curWin()
	w.scroll = 0
	if strings.HasPrefix(text, "/") && !strings.HasPrefix(text, "//") {
		u.runCommand(w, text[1:])
		if u.curWin() == w {
			u.leaveSelect(w) // the command acted on the selection (select.go)
		}
		return
	}
	if strings.HasPrefix(text, "//") {
		text = text[1:]
	}
	if err := u.sendText(w, text); err != nil {
		u.info(w, true, err.Error())
	}
	u.leaveSelect(w) // a message ends the selection mode (select.go)
}

// runCommand parses and runs "name args"; errors go to w.
func (u *UI) runCommand(w *window, line string) {
	name, argStr, _ := strings.Cut(line, " ")
	cmd := u.lookup(name)
	if cmd == nil {
		u.info(w, true, "unknown command /"+name+": /help lists the commands")
		return
	}
	c := &call{win: w}
	if cmd.acct {
		if first, rest, ok, _ := nextArg(argStr); ok && first == "-a" {
			name, after, ok, err := nextArg(rest)
			if err != nil || !ok {
				u.info(w, true, "usage: /"+cmd.name+" "+cmd.usage)
				return
			}
			a, err := u.accountByName(name)
			if err != nil {
				u.info(w, true, err.Error())
				return
			}
			c.acct, argStr = a, after
		}
	}
	args, err := splitArgs(argStr, cmd.max, cmd.rest)
	if err != nil {
		u.info(w, true, err.Error())
		return
	}
	c.args = args
	err = errUsage
	if len(c.args) >= cmd.min && (cmd.max < 0 || len(c.args) <= cmd.max) {
		err = cmd.run(u, c)
	}
	switch {
	case errors.Is(err, errUsage):
		u.info(w, true, "usage: /"+cmd.name+" "+cmd.usage)
	case err != nil:
		u.info(w, true, err.Error())
	}
}

// accountByName finds an account by bare JID or unique JID prefix: the
// rule `parley history --account` follows too (history.MatchAccount).
func (u *UI) accountByName(name string) (*acctState, error) {
	names := make([]string, len(u.accts))
	for i, a := range u.accts {
		names[i] = a.jid.String()
	}
	found, err := history.MatchAccount(names, name)
	if err != nil {
		return nil, err
	}
	return u.accts[slices.Index(names, found)], nil
}

// pickAcct returns the account a command acts on: -a, else the window's,
// else the only one.
func (u *UI) pickAcct(c *call) (*acctState, error) {
	switch {
	case c.acct != nil:
		return c.acct, nil
	case c.win.acct != nil:
		return c.win.acct, nil
	case len(u.accts) == 1:
		return u.accts[0], nil
	case len(u.accts) == 0:
		return nil, errors.New("no account configured")
	}
	return nil, errors.New("several accounts: say which one with -a ACCOUNT")
}

// parseJID parses a JID argument and returns its bare form.
func parseJID(s string) (jid.JID, error) {
	j, err := jid.Parse(s)
	if err != nil {
		return jid.JID{}, errorf("%q is not a valid JID: %v", s, err)
	}
	return j.Bare(), nil
}

// sendText sends text as a chat message in window w.
func (u *UI) sendText(w *window, text string) error {
	if w.kind == winXML && w.xml != nil {
		return u.sendXML(w, text) // raw XML (xmlconsole.go)
	}
	if w.kind != winChat && w.kind != winRoom {
		return errors.New("this is not a conversation: open one with /msg JID or from the roster (Alt-r)")
	}
	if strings.TrimSpace(text) == "" {
		return nil
	}
	typ, err := msgType(w) // ui/cmd_room.go
	if err != nil {
		return err
	}
	a, peer := w.acct, w.peer
	u.asyncSend(a, w, func(ctx context.Context) (string, error) { // in the order typed (sendlane.go)
		_, err := a.a.SendMessage(ctx, peer, typ, text)
		return "", err
	})
	return nil
}

func cmdMsg(u *UI, c *call) error {
	if c.win.kind == winRoom && c.acct == nil {
		if done, err := u.roomMsg(c); done { // a nick: ui/cmd_room.go
			return err
		}
	}
	a, peer, err := u.contactArg(c, c.args[0]) // a roster name, or an address
	if err != nil {
		return err
	}
	w := u.chatWin(a, peer)
	u.showWin(w)
	if len(c.args) > 1 {
		return u.sendText(w, c.args[1])
	}
	return nil
}

func cmdMe(u *UI, c *call) error {
	return u.sendText(c.win, "/me "+c.args[0])
}

func cmdClose(u *UI, c *call) error {
	if u.cur == 0 {
		return errors.New("the console cannot be closed")
	}
	u.closingRoom(u.curWin()) // leaves a room we are in
	u.statesGone(u.curWin())  // chat states: gone (chatstate_out.go)
	u.closeWin(u.cur)
	return nil
}

func cmdWin(u *UI, c *call) error {
	i, err := u.winByName(c.args[0])
	if err != nil {
		return err
	}
	u.show(i)
	return nil
}

func cmdClear(u *UI, c *call) error {
	c.win.buf.clear()
	c.win.scroll = 0
	return nil
}
