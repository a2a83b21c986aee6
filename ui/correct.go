package ui

import (
	"context"
	"errors"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
	"parley/sanitize"
)

// CorrectAccount is an account that can send XEP-0308 corrections
// (account.Account). The account emits the correction as a MessageEvent
// with Dir Out and Replaces set, which replaces our line.
type CorrectAccount interface {
	// Correct sends body as a correction of our message with the id
	// replaces.
	Correct(ctx context.Context, to jid.JID, typ, replaces, body string) (account.Message, error)
}

// ownLast is our newest message of a window: what /correct corrects. id is
// the original stanza's id (a correction of a correction still names it,
// XEP-0308), body its newest raw text (Tab after "/correct " fills it in).
type ownLast struct {
	id   string
	body string
	t    time.Time
}

// noteOwn keeps v, a message of ours drawn in w, as the one /correct
// corrects when it is the newest seen (a page of older history does not
// replace it).
func (u *UI) noteOwn(w *window, v msgView) {
	if v.correction || v.id == "" || (w.kind != winChat && w.kind != winRoom) || v.t.Before(w.own.t) {
		return
	}
	w.own = ownLast{id: v.id, body: v.folded.Body, t: v.t}
	if w.own.body == "" {
		w.own.body = v.body
	}
	if v.folded.Removed() {
		w.own = ownLast{t: v.t} // nothing left to correct
	}
}

// sameAuthor reports whether correction m may replace line e, by the one
// rule history.Fold uses for stored ones (history.SameSender): ours only
// ours; in a room the same occupant-id when both have one, else the same
// nick; in 1:1 the same full JID.
func sameAuthor(e *entry, m account.Message, group bool) bool {
	ownLine := e.kind == lineOwn || e.kind == lineOwnAct
	if ownLine || m.Dir == account.Out {
		return ownLine && m.Dir == account.Out
	}
	if e.kind != lineMsg && e.kind != lineAction && e.kind != lineHigh {
		return false // not a message (a notice, an error)
	}
	typ := "chat"
	if group {
		typ = "groupchat"
	}
	target := history.Record{Type: typ, From: e.from, OccupantID: e.occ}
	ref := history.Record{Type: typ, From: m.From.String(), OccupantID: m.OccupantID}
	return history.SameSender(&ref, &target) // the rule reading folds by (history/fold.go)
}

// applyCorrection draws correction m in place of the line it corrects in
// w, marked "(edited)", found in O(1) by the corrected message's id. A
// correction from anyone but the line's author is refused with a warning
// line; one whose target is not in the window changes nothing here: the
// history stored it, and reading folds it into its message.
func (u *UI) applyCorrection(w *window, m account.Message) {
	e := w.buf.lookup("i\x00" + m.Replaces)
	if e == nil || e.removed() {
		return // not here, or a tombstone: nothing to correct (as the fold)
	}
	group := m.Type == "groupchat"
	if !sameAuthor(e, m, group) {
		who := m.From.String()
		if group {
			who = m.From.Resourcepart()
		}
		u.info(w, true, "refused a correction by "+sanitize.Text(clipBody(who))+" of a message they did not write")
		return
	}
	v := liveView(m)
	v.t, v.ids, v.from, v.occ, v.correction = e.t, e.ids, e.from, e.occ, true
	v.folded.Edited = true
	if x := e.ext; x != nil { // the reply's quote and the reactions stay (refs.go)
		v.quoteLine, v.replyKey, v.quoted, v.sets = x.quote, x.replyKey, x.quoted, x.sets
		v.folded.Reactions = history.AggregateReactions(x.sets)
	}
	ne := u.messageEntry(w, v)
	ne.key, ne.dayHead, ne.selected, ne.msgID, ne.hk = e.key, e.dayHead, e.selected, e.msgID, e.hk
	if e.delivered {
		ne.delivered = true
		ne.addMark(deliveredMark)
	}
	keepMarks(ne, e) // read, markers (markers.go)
	ne.rows, ne.wrapW = nil, 0
	*e = *ne // the ring and its index keep the same entry
	if m.Dir == account.Out && w.own.id == m.Replaces {
		w.own.body = m.Body
	}
	u.requoteTo(w, e) // the replies quote the new text (refs.go)
}

// cmdCorrect sends a correction of our last message in this window.
func cmdCorrect(u *UI, c *call) error {
	w := c.win
	if w.kind != winChat && w.kind != winRoom {
		return errors.New("this is not a conversation")
	}
	if w.own.id == "" {
		return errors.New("no message of yours to correct in this window")
	}
	typ, err := msgType(w) // ui/cmd_room.go
	if err != nil {
		return err
	}
	ca, ok := w.acct.a.(CorrectAccount)
	if !ok {
		return errors.New("account " + w.acct.jid.String() + " cannot send corrections")
	}
	peer, id, text := w.peer, w.own.id, c.args[0]
	u.asyncSend(w.acct, w, func(ctx context.Context) (string, error) { // in order with the messages (sendlane.go)
		_, err := ca.Correct(ctx, peer, typ, id, text)
		return "", err
	})
	return nil
}

// completeCorrect offers the text of the message /correct corrects.
func completeCorrect(u *UI, n int, _ []string) []string {
	if w := u.curWin(); n == 0 && w.own.id != "" && w.own.body != "" {
		return []string{w.own.body}
	}
	return nil
}
