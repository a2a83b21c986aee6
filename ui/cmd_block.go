package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/blocking"
	"parley/sanitize"
)

// BlockAccount blocks and unblocks addresses at the server (XEP-0191,
// account.Account), optionally reporting them (XEP-0377). Block and
// Unblock wait on the network: the UI calls them off the tview goroutine.
// Blocked does not wait.
type BlockAccount interface {
	Block(ctx context.Context, jids []jid.JID, r blocking.Report) error
	Unblock(ctx context.Context, jids []jid.JID) error
	Blocked() ([]jid.JID, bool)
}

// Bounds of what blocking prints.
const (
	maxBlockedLines = 200 // addresses /blocked lists
	maxBlockLines   = 10  // addresses one change names, one line each
	// unblockAllWait is how long "/unblock all" waits for its
	// confirmation (the same command again).
	unblockAllWait = 30 * time.Second
)

// blockUI is the UI's blocking state: each account's blocked addresses
// (as its BlockEvents said: for the roster's mark and the title bar), the
// newest subscription request (what the block key acts on outside a
// stranger's window), and a pending "/unblock all".
type blockUI struct {
	lists   map[*acctState]map[string]struct{}
	cutSaid map[*acctState]bool // the list's cut was said since the login
	request struct {
		acct *acctState
		from jid.JID
	}
	unblockAll struct {
		acct *acctState
		at   time.Time
	}
}

// blockCommands are the rows of blocking.
func blockCommands() []command {
	return []command{
		{name: "block", usage: "[-a ACCOUNT] [JID|name|nick] [spam|abuse [text]]", help: "block JID at the server (XEP-0191: a full JID, a bare JID with every resource, or a whole domain; in a room, an occupant's nick blocks their address in the room; default: this conversation's contact): nothing from it reaches you, here or on your other clients; with spam or abuse also report it to your server (XEP-0377), with an optional text. Alt-x blocks the sender of the newest subscription request, or the stranger of this window; Alt-k also reports spam", max: 3, rest: true, acct: true, run: cmdBlock, complete: completeBlock},
		{name: "unblock", usage: "[-a ACCOUNT] [JID|name|nick|all]", help: "unblock JID (default: this conversation's contact); \"all\" unblocks every address, after the same command again within 30 s to confirm", max: 1, acct: true, run: cmdUnblock, complete: completeUnblock},
		{name: "blocked", usage: "[-a ACCOUNT]", help: "list the addresses blocked at the server (kept live: a block made on another of your clients shows here too)", acct: true, run: cmdBlocked},
	}
}

// blockAcct returns the account of c that blocks.
func (u *UI) blockAcct(c *call) (*acctState, BlockAccount, error) {
	a, err := u.pickAcct(c)
	if err != nil {
		return nil, nil, err
	}
	ba, ok := a.a.(BlockAccount)
	if !ok {
		return nil, nil, errors.New("account " + a.name + " cannot block")
	}
	return a, ba, nil
}

// blockTarget resolves the address argument of /block and /unblock: in a
// room window an occupant's nick (room@service/nick), an address as
// written (a full JID or a domain kept as is), a contact's name; without
// one this conversation's peer (in a private window: the occupant).
func (u *UI) blockTarget(c *call, a *acctState, arg string) (jid.JID, error) {
	w := c.win
	switch {
	case arg == "" && w.kind == winChat && w.acct == a:
		return w.peer, nil
	case arg == "":
		return jid.JID{}, errors.New("say whom: this window is no conversation with one contact")
	case w.kind == winRoom && w.acct == a && w.room != nil && !strings.ContainsAny(arg, "@/"):
		// An occupant: their address in the room, which is what their
		// messages here come from (until they change nick).
		if o, ok := w.room.occupant(arg); ok {
			return w.peer.WithResource(o.Nick)
		}
		fallthrough
	case strings.ContainsAny(arg, "@/."):
		j, err := jid.Parse(arg)
		if err != nil {
			return jid.JID{}, errorf("%q is not a valid JID: %v", arg, err)
		}
		return j, nil
	}
	found, bare, err := u.contact(a, arg)
	if err != nil {
		return jid.JID{}, err
	}
	if found != a {
		return jid.JID{}, errors.New("that contact is on another account: say which with -a ACCOUNT")
	}
	return bare, nil
}

func cmdBlock(u *UI, c *call) error {
	a, ba, err := u.blockAcct(c)
	if err != nil {
		return err
	}
	args := c.args
	target := ""
	if len(args) > 0 {
		if _, isReason := blocking.ParseReason(args[0]); !isReason {
			target, args = args[0], args[1:]
		}
	}
	reason, text := blocking.NoReason, ""
	if len(args) > 0 {
		var ok bool
		if reason, ok = blocking.ParseReason(args[0]); !ok {
			return errUsage
		}
		if len(args) > 1 {
			text = strings.Join(args[1:], " ")
		}
	}
	j, err := u.blockTarget(c, a, target)
	if err != nil {
		return err
	}
	if j.Equal(a.jid) || j.Equal(a.jid.Domain()) {
		return errors.New("blocking your own account or server would cut you off: not done")
	}
	u.startBlock(c.win, a, ba, j, blocking.Report{Reason: reason, Text: text}, false)
	return nil
}

// startBlock blocks j off the tview goroutine, with the report r; deny
// also refuses j's subscription request. A report names the messages of
// j in the window of the conversation (evidence). Success shows as the
// account's BlockEvent (applyBlock); a report and errors are said in w.
func (u *UI) startBlock(w *window, a *acctState, ba BlockAccount, j jid.JID, r blocking.Report, deny bool) {
	ctx, reason := u.ctx, r.Reason
	if reason != blocking.NoReason {
		r.StanzaIDs = u.evidence(a, j)
	}
	a.reqs.push(func() { // in the order typed: /block then /unblock ends unblocked (sendlane.go)
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		var err error
		if deny { // first: the server refuses to send anything to an address once blocked
			err = a.a.Subscription(ctx, j.Bare(), "unsubscribed")
		}
		if err == nil {
			err = ba.Block(ctx, []jid.JID{j}, r)
		}
		u.postFunc(func() {
			if !u.isOpen(w) {
				w = u.console()
			}
			name := sanitize.Text(j.String())
			switch {
			case err != nil:
				u.info(w, true, "cannot block "+name+": "+err.Error())
			case reason != blocking.NoReason:
				u.info(w, false, "reported "+name+" to "+sanitize.Text(a.jid.Domainpart())+" for "+reason.String())
			}
		})
	})
}

func cmdUnblock(u *UI, c *call) error {
	a, ba, err := u.blockAcct(c)
	if err != nil {
		return err
	}
	var jids []jid.JID
	if len(c.args) == 1 && c.args[0] == "all" {
		list, _ := ba.Blocked()
		p := &u.blk.unblockAll
		if p.acct != a || u.now().Sub(p.at) > unblockAllWait {
			p.acct, p.at = a, u.now()
			u.info(c.win, false, fmt.Sprintf("this unblocks all %d addresses blocked by %s: /unblock all again within 30 s to confirm", len(list), a.name))
			return nil
		}
		p.acct = nil
	} else {
		arg := ""
		if len(c.args) == 1 {
			arg = c.args[0]
		}
		j, err := u.blockTarget(c, a, arg)
		if err != nil {
			return err
		}
		if list, _ := ba.Blocked(); len(list) < blocking.MaxItems && !slices.ContainsFunc(list, j.Equal) {
			return errors.New(sanitize.Text(j.String()) + " is not on the block list (/blocked lists it; an item is unblocked as it was blocked: a bare JID, a full JID or a domain)")
		}
		jids = []jid.JID{j}
	}
	w, ctx := c.win, u.ctx
	a.reqs.push(func() {
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		if err := ba.Unblock(ctx, jids); err != nil {
			u.postFunc(func() {
				if u.isOpen(w) {
					u.info(w, true, "cannot unblock: "+err.Error())
				}
			})
		}
	})
	return nil
}

func cmdBlocked(u *UI, c *call) error {
	accts := u.accts
	if c.acct != nil {
		accts = []*acctState{c.acct}
	}
	for _, a := range accts {
		ba, ok := a.a.(BlockAccount)
		if !ok {
			continue
		}
		list, supported := ba.Blocked()
		switch {
		case !supported && len(list) == 0:
			u.info(c.win, false, a.name+": the server does not support blocking (or the account has not logged in yet)")
			continue
		case len(list) == 0:
			u.info(c.win, false, a.name+": nobody is blocked")
			continue
		}
		u.info(c.win, false, fmt.Sprintf("%s: %d blocked (/unblock JID unblocks):", a.name, len(list)))
		for i, j := range list {
			if i == maxBlockedLines {
				u.info(c.win, false, fmt.Sprintf("  … and %d more", len(list)-i))
				break
			}
			u.info(c.win, false, "  "+sanitize.Text(j.String()))
		}
	}
	return nil
}

// applyBlock shows a change of an account's block list: a line on the
// console and in the window of each address that changed. The list at
// login says nothing, unless it was cut.
func (u *UI) applyBlock(a *acctState, ev account.BlockEvent) {
	prefix := ""
	if len(u.accts) > 1 {
		prefix = a.name + ": "
	}
	u.noteBlocked(a, ev)
	if ev.Full {
		delete(u.blk.cutSaid, a)
	}
	if ev.Cut && !u.blk.cutSaid[a] {
		if u.blk.cutSaid == nil {
			u.blk.cutSaid = make(map[*acctState]bool)
		}
		u.blk.cutSaid[a] = true // once a login: a server pushing more and more says it once
		u.info(u.console(), true, fmt.Sprintf("%sthe block list is longer than %d addresses: the rest is not known here", prefix, blocking.MaxItems))
	}
	if ev.Full {
		return
	}
	say := func(js []jid.JID, verb, inWin string) {
		for i, j := range js {
			if i == maxBlockLines {
				u.info(u.console(), false, fmt.Sprintf("%s%s %d more addresses", prefix, verb, len(js)-i))
				return
			}
			name := sanitize.Text(j.String())
			u.info(u.console(), false, prefix+verb+" "+name)
			if w := u.findWin(a, j.Bare()); w != nil && w.kind == winChat {
				u.info(w, false, name+inWin)
			}
		}
	}
	for _, j := range ev.Blocked {
		delete(a.requests, j.Bare().String()) // no longer waiting for an answer
	}
	say(ev.Blocked, "blocked", " is blocked: nothing from it is shown (/unblock to undo)")
	say(ev.Unblocked, "unblocked", " is unblocked")
}

// noteBlocked keeps a's blocked addresses for the roster and marks the
// rows that changed. The account bounds the list (blocking.MaxItems).
func (u *UI) noteBlocked(a *acctState, ev account.BlockEvent) {
	if u.blk.lists == nil {
		u.blk.lists = make(map[*acctState]map[string]struct{})
	}
	set := u.blk.lists[a]
	if ev.Full || set == nil {
		set = make(map[string]struct{}, len(ev.Blocked))
		u.blk.lists[a] = set
		u.roster.dirty = true
	}
	touch := func(j jid.JID) {
		if j.Localpart() == "" {
			u.roster.dirty = true // a domain: any row of it
		}
		u.roster.touch(a, j.Bare())
	}
	for _, j := range ev.Blocked {
		set[j.String()] = struct{}{}
		touch(j)
	}
	for _, j := range ev.Unblocked {
		delete(set, j.String())
		touch(j)
	}
}

// isBlocked reports whether a's contact bare is blocked: its bare JID or
// its domain is on the list.
func (u *UI) isBlocked(a *acctState, bare jid.JID) bool {
	set := u.blk.lists[a]
	if len(set) == 0 {
		return false
	}
	if _, ok := set[bare.String()]; ok {
		return true
	}
	_, ok := set[bare.Domainpart()]
	return ok
}

// noteRequest remembers the newest subscription request for the block
// key.
func (u *UI) noteRequest(a *acctState, from jid.JID) {
	u.blk.request.acct, u.blk.request.from = a, from.Bare()
}

// strangerTitle is what the title bar of w adds for a conversation with
// someone not in the roster: that it is blocked, or how to block them.
func (u *UI) strangerTitle(w *window) string {
	if w.kind != winChat || w.isPrivate() || w.acct == nil {
		return ""
	}
	a, peer := w.acct, w.peer.Bare()
	switch {
	case u.isBlocked(a, peer):
		return " · blocked"
	case a.items[peer.String()] != nil || peer.Equal(a.jid) || peer.Localpart() == "":
		return ""
	}
	return " · not in roster: " + u.blockKeys(true)
}

// blockKeys says which keys block, as bound now; short for a title.
func (u *UI) blockKeys(short bool) string {
	s := []string{}
	if k := u.keyOf("block-sender"); k != "" {
		s = append(s, k+" blocks")
	}
	if k := u.keyOf("block-report"); k != "" && short {
		s = append(s, k+" reports spam")
	} else if k != "" {
		s = append(s, k+" blocks and reports spam")
	}
	if len(s) == 0 {
		return "/block blocks"
	}
	return strings.Join(s, ", ")
}

// keyOf is the first key bound to action, or "".
func (u *UI) keyOf(action string) string {
	for _, k := range u.keys {
		if k.action == action {
			return k.chord.String()
		}
	}
	return ""
}

// blockSender is the block key (report: with a spam report): in the
// window of a stranger (not in the roster) it blocks them; elsewhere it
// blocks the sender of the newest subscription request still unanswered
// and refuses it. A contact of the roster is not blocked by a key: /block
// says it on purpose.
func (u *UI) blockSender(report bool) {
	w := u.curWin()
	reason := blocking.NoReason
	if report {
		reason = blocking.Spam
	}
	if w.kind == winChat && !w.isPrivate() {
		a := w.acct
		ba, ok := a.a.(BlockAccount)
		switch {
		case !ok:
			u.info(w, true, "account "+a.name+" cannot block")
		case a.items[w.peer.Bare().String()] != nil:
			u.info(w, false, sanitize.Text(w.peer.String())+" is in your roster: /block blocks a contact")
		default:
			_, asked := a.requests[w.peer.Bare().String()]
			u.startBlock(w, a, ba, w.peer.Bare(), blocking.Report{Reason: reason}, asked)
		}
		return
	}
	r := u.blk.request
	if r.acct == nil {
		u.info(w, false, "no subscription request to block, and this is no stranger's window")
		return
	}
	if _, pending := r.acct.requests[r.from.String()]; !pending {
		u.info(w, false, "no subscription request waits for an answer")
		return
	}
	ba, ok := r.acct.a.(BlockAccount)
	if !ok {
		u.info(w, true, "account "+r.acct.name+" cannot block")
		return
	}
	u.blk.request.acct = nil
	u.startBlock(w, r.acct, ba, r.from, blocking.Report{Reason: reason}, true)
}

// evidence returns the stanza-ids (XEP-0359, assigned by our server) of
// the newest messages from j in its conversation's window, oldest first,
// at most blocking.MaxEvidence: the report points the server's operators
// at them.
func (u *UI) evidence(a *acctState, j jid.JID) []string {
	w := u.findWin(a, j.Bare())
	if w == nil || w.kind != winChat || w.isPrivate() {
		return nil
	}
	var ids []string
	for i := w.buf.len() - 1; i >= 0 && len(ids) < blocking.MaxEvidence; i-- {
		e := w.buf.at(i)
		from, err := jid.Parse(e.from)
		if err != nil || !j.Equal(from) && !j.Equal(from.Bare()) && !j.Equal(from.Domain()) {
			continue
		}
		for _, k := range e.ids {
			if id, ok := strings.CutPrefix(k, "s\x00"); ok {
				ids = append(ids, id)
			}
		}
	}
	slices.Reverse(ids)
	return ids
}

func completeBlock(u *UI, n int, args []string) []string {
	if n == 0 {
		return append(completeJIDArg(0)(u, n, args), "spam", "abuse")
	}
	if n == 1 {
		if _, isReason := blocking.ParseReason(args[0]); !isReason {
			return []string{"spam", "abuse"}
		}
	}
	return nil
}

func completeUnblock(u *UI, n int, _ []string) []string {
	if n != 0 {
		return nil
	}
	out := []string{"all"}
	for _, a := range u.accts {
		if ba, ok := a.a.(BlockAccount); ok {
			list, _ := ba.Blocked()
			for i, j := range list {
				if i == maxBlockedLines {
					break
				}
				out = append(out, j.String())
			}
		}
	}
	return out
}
