package ui

import (
	"fmt"
	"slices"
	"strings"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/sanitize"
)

// acctFor returns the state of the account an event belongs to, or nil.
func (u *UI) acctFor(ev account.Event) *acctState {
	j := ev.AccountJID().Bare()
	for _, a := range u.accts {
		if a.jid.Equal(j) {
			return a
		}
	}
	return nil
}

// apply applies one event to the UI state. Runs on the tview goroutine.
// Network strings are sanitized here, once.
func (u *UI) apply(ev account.Event) {
	if f, ok := ev.(histFunc); ok {
		f.f(u)
		return
	}
	if n, ok := ev.(uiNote); ok {
		w := n.win
		if !u.isOpen(w) {
			w = u.console()
		}
		u.info(w, n.err, n.text)
		return
	}
	if fw, ok := ev.(account.FileWarningEvent); ok {
		u.info(u.console(), true, fw.Text) // a damaged local file: belongs to no account
		return
	}
	a := u.acctFor(ev)
	if a == nil {
		return
	}
	switch ev := ev.(type) {
	case account.StateEvent:
		u.applyState(a, ev)
	case account.CertificateEvent:
		u.applyCertificate(a, ev) // the trust prompt (tlsprompt.go)
	case account.RosterEvent:
		u.applyRoster(a, ev)
	case account.PresenceEvent:
		u.applyPresence(a, ev)
	case account.OwnPresenceEvent:
		a.show, a.status = ev.Show, cleanName(ev.Status)
		u.roster.dirty = true
	case account.SubscriptionEvent:
		u.applySubscription(a, ev)
	case account.NickEvent:
		u.applyNick(a, ev) // ui/nicks.go
	case account.MessageEvent:
		u.messageStates(a, ev.Msg) // chat states and markers (chatstate.go, markers.go)
		u.applyMessage(a, ev.Msg)
		u.noteMarkable(a, ev.Msg) // its line may be marked displayed (markers.go)
	case account.BlockEvent:
		u.applyBlock(a, ev) // ui/cmd_block.go
	case account.ChatStateEvent:
		u.applyChatState(a, ev) // ui/chatstate.go
	case account.PrivateEvent:
		u.applyPrivate(a, ev) // ui/private.go
	case account.DeliveryEvent:
		u.applyDelivery(a, ev) // delivered marks (delivery.go)
		u.applySent(a, ev)     // pending marks (cmd_conn.go)
	case account.RoomEvent:
		u.applyRoom(a, ev)
	case account.InviteEvent:
		u.applyInvite(a, ev.Invite)
	case account.OMEMOEvent:
		u.applyOMEMO(a, ev) // the titles' OMEMO state (omemo.go)
	case account.BookmarksEvent:
		u.applyBookmarks(a, ev.Bookmarks)
	case account.XMLConsoleEvent:
		u.applyXML(a, ev) // ui/xmlconsole.go
	case account.InfoEvent:
		u.info(u.console(), ev.Error, a.jid.String()+": "+ev.Text)
	}
}

// isOpen reports whether w is still in the window list.
func (u *UI) isOpen(w *window) bool {
	for _, x := range u.wins {
		if x == w {
			return true
		}
	}
	return false
}

func (u *UI) applyState(a *acctState, ev account.StateEvent) {
	a.state = ev.State
	a.stateText = cleanName(ev.Text)
	line := a.jid.String() + ": " + ev.State.String()
	if a.stateText != "" {
		line += ": " + a.stateText
	}
	isErr := ev.Err != nil || ev.State == account.Failed
	if isErr && a.stateText == "" {
		line += ": " + sanitize.Text(ev.Err.Error())
	}
	u.info(u.console(), isErr, line)
	if isErr && u.cur != 0 {
		u.info(u.curWin(), true, line)
	}
	switch {
	case ev.State == account.Online && !ev.Resumed, ev.State == account.Disconnected, ev.State == account.Failed:
		// A fresh session starts from nothing (the contacts' presence
		// follows this event), and a session that ended has none. While
		// reconnecting it is kept, shown as unknown: a resumed stream
		// goes on with it.
		clear(a.pres)
	}
	if ev.State == account.Online {
		u.joinRestored(a) // rooms of the windows kept at the last quit (state.go)
	}
	u.roster.dirty = true
}

func (u *UI) applyRoster(a *acctState, ev account.RosterEvent) {
	if ev.Full {
		clear(a.items)
		clear(a.edits)
	}
	for _, it := range ev.Items {
		key := it.JID.Bare().String()
		if e, ok := a.edits[key]; ok && e.Name == it.Name && slices.Equal(e.Groups, it.Groups) {
			delete(a.edits, key) // the server has what we asked for
		}
		if it.Subscription == "from" || it.Subscription == "both" {
			delete(a.requests, key) // answered
		}
		if it.Subscription == "remove" {
			delete(a.items, key)
			continue
		}
		c := it
		c.JID = it.JID.Bare()
		c.Name = cleanName(it.Name)
		c.Groups = make([]string, 0, len(it.Groups))
		for _, g := range it.Groups {
			if g = cleanName(g); strings.TrimSpace(g) != "" {
				c.Groups = append(c.Groups, g)
			}
		}
		a.items[key] = &c
	}
	for _, w := range u.wins {
		if w.acct == a && w.kind == winChat && !w.isPrivate() { // a private one keeps nick/room
			w.name = a.displayName(w.peer)
		}
	}
	u.roster.dirty = true
}

// maxResources bounds the online resources kept per contact (the account
// reports presence only of contacts and of our own resources).
const maxResources = 64

// applyPresence applies a contact's (or our own other resource's)
// presence: its roster row, and a line in its open conversation.
func (u *UI) applyPresence(a *acctState, ev account.PresenceEvent) {
	bare := ev.From.Bare().String()
	name := a.displayName(ev.From.Bare())
	if ev.Err != "" {
		u.info(u.console(), true, fmt.Sprintf("%s: presence error from %s: %s", a.jid, name, cleanName(ev.Err)))
		return
	}
	before := a.best(bare)
	var oldShow account.Show
	var oldStatus string
	if before != nil {
		oldShow, oldStatus = before.show, before.status
	}
	res := ev.From.Resourcepart()
	if ev.Available {
		if a.pres[bare] == nil {
			a.pres[bare] = make(map[string]*resource)
		}
		if len(a.pres[bare]) >= maxResources && a.pres[bare][res] == nil {
			return // a contact claiming ever more resources: the first ones are enough
		}
		seq := u.seq + 1
		if old := a.pres[bare][res]; old != nil {
			seq = old.seq // the same resource, still online since then
		} else {
			u.seq = seq
		}
		a.pres[bare][res] = &resource{show: ev.Show, status: cleanName(ev.Status), prio: ev.Priority, seq: seq}
	} else if m := a.pres[bare]; m != nil {
		delete(m, res)
		if len(m) == 0 {
			delete(a.pres, bare)
		}
	}
	after := a.best(bare)
	u.roster.touch(a, ev.From.Bare()) // its symbol and place (roster.go)
	w := u.findWin(a, ev.From.Bare())
	if w == nil {
		return
	}
	switch {
	case before == nil && after == nil:
		return
	case after == nil:
		u.info(w, false, name+" is offline")
	case before == nil || after.show != oldShow || after.status != oldStatus:
		line := name + " is " + showWord(after.show, true)
		if after.status != "" {
			line += ": " + after.status
		}
		u.info(w, false, line)
	}
}

func (u *UI) applySubscription(a *acctState, ev account.SubscriptionEvent) {
	from := sanitize.Text(ev.From.Bare().String())
	var line string
	isReq := false
	key := ev.From.Bare().String()
	switch ev.Type {
	case "subscribe":
		if _, asked := a.requests[key]; asked {
			return // asked again before an answer: the line is there
		}
		if len(a.requests) >= maxRequests {
			clear(a.requests)
		}
		a.requests[key] = struct{}{}
		who := from
		if n := cleanNick(ev.Nick); n != "" {
			who += " (who calls themself \"" + n + "\")" // a name, never the address
		}
		line = fmt.Sprintf("%s wants to see your presence: /sub allow %s or /sub deny %s; %s", who, from, from, u.blockKeys(false))
		isReq = true
		u.noteRequest(a, ev.From) // for the block key (cmd_block.go)
	case "unsubscribe":
		delete(a.requests, key)
		line = from + " no longer wants to see your presence"
	case "subscribed":
		line = from + " allowed you to see their presence"
	case "unsubscribed":
		line = from + " denied or cancelled your subscription to their presence"
	default:
		return
	}
	if len(u.accts) > 1 {
		line = a.name + ": " + line
	}
	kind := lineInfo
	if isReq {
		kind = lineHigh
	}
	u.add(u.console(), composeEntry(u.now().In(u.loc), u.opts.TimeFormat, kind, "", []string{line}), true)
}

// applyMessage shows a message in the window of its conversation: a 1:1
// chat, a room, or a private conversation with a room occupant. Messages
// without a body (chat states, receipts) show nothing; a room's subject
// comes as a RoomEvent.
func (u *UI) applyMessage(a *acctState, m account.Message) {
	peer := m.Peer()
	if peer.String() == "" {
		return
	}
	if isReference(m) {
		u.applyReference(a, m) // on the line it names (refs.go)
		return
	}
	if m.Err == "" && m.Body == "" {
		return
	}
	var w *window
	switch {
	case m.Private:
		w = u.privWin(a, peer) // ui/room.go
	case m.Type == "groupchat":
		w = u.openRoomWin(a, peer.Bare())
	default:
		w = u.chatWin(a, peer)
	}
	if m.Replaces != "" {
		u.applyCorrection(w, m) // in place of the line it corrects (correct.go)
		return
	}
	e := u.messageEntry(w, liveView(m)) // ui/render.go
	if w.hist != nil {
		e.hk = lineHash(m.ID, m.From.String(), m.Time) // page.go
	}
	mine := e.kind == lineOwn || e.kind == lineOwnAct
	if !mine {
		// Bell, title, desktop notification (alert.go), after the counts,
		// also for a message a new window loaded from history already.
		defer u.alert(w, e, m)
	}
	if u.skipLive(w, m, e) {
		return // already loaded from history, or w shows older history
	}
	if w.room != nil && !mine {
		w.room.spoke(m.Nick) // completion offers recent speakers first
	}
	u.add(w, e, !mine && e.kind != lineInfo)
}

// mentions reports whether the body names the account's local part.
func mentions(lines []string, me jid.JID) bool {
	lp := strings.ToLower(me.Localpart())
	if lp == "" {
		return false
	}
	for _, l := range lines {
		if strings.Contains(strings.ToLower(l), lp) {
			return true
		}
	}
	return false
}
