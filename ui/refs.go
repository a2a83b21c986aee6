package ui

import (
	"slices"
	"strings"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
	"parley/render"
	"parley/sanitize"
)

// Messages that refer to messages (issue 11), live: a reply shows the
// message it answers, reactions are aggregated under their message, a
// retraction or moderation turns it into a tombstone. Every rule is the
// one history.Fold applies to the stored references, drawn by the one
// renderer (package render), so that a window shows the same live as
// when it is loaded again from the history files.

// maxReactionSenders bounds the senders whose reactions a line keeps.
const maxReactionSenders = 256

// lineExt is what references added to the line of a message; nil for the
// lines of most messages, so that plain lines cost one pointer.
type lineExt struct {
	// quote is the reply's quote line (render.QuoteLine): the first line
	// of the entry's body, before the message's own lines.
	quote string
	// react is the reactions line (render.ReactionsLine), the last line
	// of the entry's text; "" for none.
	react string
	// sets are the senders' reaction sets behind react, as the fold keeps
	// them (history.Folded.ReactionSets): a sender's new set replaces
	// their old one.
	sets []history.ReactionSet
	// removed: the line is a tombstone (retracted or moderated).
	removed bool
	// replyKey is the key of the message a reply answers; quoted says
	// that quote is taken from its line (else it is the fallback, the
	// window lacking it: a page of older history that brings it replaces
	// the quote, see requote). A correction or removal of that line
	// changes the quote too, as the window loaded again would show it.
	replyKey string
	quoted   bool
}

// ext returns e's lineExt, creating it.
func (e *entry) extOrNew() *lineExt {
	if e.ext == nil {
		e.ext = &lineExt{}
	}
	return e.ext
}

// removed reports whether e is a tombstone.
func (e *entry) removed() bool { return e.ext != nil && e.ext.removed }

// reactAt is where the reactions line starts in e's text (its line
// break), len(e.text) without one. A mark added by text += after it is
// put back before it by setReactions.
func (e *entry) reactAt() int {
	if e.ext == nil || e.ext.react == "" {
		return len(e.text)
	}
	if i := strings.LastIndex(e.text, "\n"+e.ext.react); i >= e.bodyStart {
		return i
	}
	return len(e.text)
}

// addMark puts a mark (delivered, pending) after the message's text,
// before its reactions line.
func (e *entry) addMark(mark string) {
	at := e.reactAt()
	e.text = e.text[:at] + mark + e.text[at:]
	e.rows, e.wrapW = nil, 0
}

// dropMark removes the last mark added by addMark.
func (e *entry) dropMark(mark string) {
	end := e.reactAt()
	if j := strings.LastIndex(e.text[:end], mark); j >= e.bodyStart {
		e.text = e.text[:j] + e.text[j+len(mark):]
	}
	e.rows, e.wrapW = nil, 0
}

// isMessage reports whether e is the line of a message (not a notice or an
// error): what references may name.
func (e *entry) isMessage() bool {
	switch e.kind {
	case lineMsg, lineOwn, lineAction, lineOwnAct, lineHigh:
		return len(e.ids) > 0 || e.from != "" || e.msgID != ""
	}
	return false
}

// own reports whether e is a message of ours.
func (e *entry) own() bool { return e.kind == lineOwn || e.kind == lineOwnAct }

// idOf returns the id of e's message of the kind given ('i' id, 'o'
// origin-id, 's' stanza-id: see lineKeys), "" when it has none.
func (e *entry) idOf(kind byte) string {
	for _, k := range e.ids {
		if len(k) > 2 && k[0] == kind && k[1] == 0 {
			return k[2:]
		}
	}
	return ""
}

// refID is the id a reference to e's message names, by the rule of the
// contract and the fold: in a room the room's stanza-id; in 1:1 the
// message's id, or for a retraction its origin-id (its id when it has
// none).
func refID(e *entry, group, retract bool) string {
	switch {
	case group:
		return e.idOf('s')
	case retract:
		if id := e.idOf('o'); id != "" {
			return id
		}
	}
	return e.idOf('i')
}

// refKey is the key (lineKeys) under which a reference naming id finds
// its line: see refID. (A 1:1 retraction may also name the id of a
// message without origin-id: see retractTarget.)
func refKey(id string, group, retract bool) string {
	switch {
	case group:
		return "s\x00" + id
	case retract:
		return "o\x00" + id
	}
	return "i\x00" + id
}

// retractTarget is the line a 1:1 retraction of id names: the message
// with that origin-id, else the one with that id and no origin-id (as the
// fold's target keys; lines keep no second key for it, so that a flood of
// plain messages costs no more).
func (u *UI) retractTarget(w *window, id string, group bool) *entry {
	if e := u.findLine(w, refKey(id, group, true)); e != nil || group {
		return e
	}
	if e := u.findLine(w, "i\x00"+id); e != nil && e.idOf('o') == "" {
		return e
	}
	return nil
}

// findLine returns the line of w with key k: in the window, or in the page
// of older history being built (loadOlder).
func (u *UI) findLine(w *window, k string) *entry {
	if e := w.buf.lookup(k); e != nil {
		return e
	}
	return u.building[k]
}

// bodyText returns the text of e's message as drawn, without the quote,
// the marks and the reactions line.
func (e *entry) bodyText() string {
	end := e.reactAt()
	if e.delivered && strings.HasSuffix(e.text[:end], deliveredMark) {
		end -= len(deliveredMark)
	}
	if e.pending && strings.HasSuffix(e.text[:end], pendingMark) {
		end -= len(pendingMark)
	}
	start := e.bodyStart
	if e.ext != nil && e.ext.quote != "" {
		start = min(start+len(e.ext.quote)+1, end)
	}
	if start > end {
		return ""
	}
	return e.text[start:end]
}

// quoteOf is the quote line of a reply to e: its sender and the first
// line of its text.
func quoteOf(e *entry) string {
	text := e.bodyText()
	first, more := text, false
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		first, more = text[:i], true
	}
	first = strings.TrimSuffix(strings.TrimSuffix(first, render.EditedMark), " ")
	if more {
		first += " …"
	}
	return render.QuoteLine(e.text[e.nickStart:e.nickEnd], first)
}

// replyQuote is the quote line of reply v in w: the message answered when
// w has its line (quoted), else the reply's fallback quote with its
// author; and the key of the message answered.
func (u *UI) replyQuote(w *window, v msgView, group bool) (quote, key string, quoted bool) {
	k := refKey(v.replyID, group, false)
	if v.quoteLine != "" {
		return v.quoteLine, v.replyKey, v.quoted
	}
	if t := u.findLine(w, k); t != nil && t.isMessage() {
		return quoteOf(t), k, true
	}
	who := u.replyAuthor(w, v.replyTo, group)
	return render.QuoteLine(who, render.FallbackText(v.quote, who != "")), k, false
}

// setQuote replaces the quote line of reply e.
func (e *entry) setQuote(q string) {
	x := e.ext
	old := x.quote
	e.text = e.text[:e.bodyStart] + q + e.text[e.bodyStart+len(old):]
	d := len(q) - len(old)
	for j := range e.spans {
		e.spans[j].Start += d
		e.spans[j].End += d
	}
	if e.hlEnd > e.bodyStart {
		e.hlStart, e.hlEnd = e.hlStart+d, e.hlEnd+d
	}
	x.quote, x.quoted = q, true
	e.rows, e.wrapW = nil, 0
}

// requote gives the replies of w whose quote was a fallback the quote of
// the message they answer, when w now has it (a page of older history
// came).
func (u *UI) requote(w *window) {
	for i := 0; i < w.buf.len(); i++ {
		e := w.buf.at(i)
		if x := e.ext; x != nil && x.replyKey != "" && x.quote != "" && !x.quoted {
			if t := w.buf.lookup(x.replyKey); t != nil && t.isMessage() {
				e.setQuote(quoteOf(t))
			}
		}
	}
}

// requoteTo gives the replies of w to t's message t's text again, after t
// changed (a correction, a tombstone).
func (u *UI) requoteTo(w *window, t *entry) {
	for i := 0; i < w.buf.len(); i++ {
		e := w.buf.at(i)
		if x := e.ext; x != nil && x.replyKey != "" && x.quote != "" && e != t && slices.Contains(t.ids, x.replyKey) {
			e.setQuote(quoteOf(t))
		}
	}
}

// replyAuthor names the author of a message answered, from the reply's
// to: a nick in a room or private conversation, else "me" or the
// contact's roster name; "" when not given.
func (u *UI) replyAuthor(w *window, to string, group bool) string {
	j, err := jid.Parse(to)
	if to == "" || err != nil {
		return ""
	}
	switch {
	case group || w.isPrivate():
		return cleanName(j.Resourcepart())
	case w.acct == nil:
		return cleanName(j.Bare().String())
	case j.Bare().Equal(w.acct.jid):
		return "me"
	}
	return w.acct.displayName(j.Bare())
}

// isReference reports whether m refers to another message rather than
// being one of its own to show (a correction is drawn in place too, see
// applyCorrection).
func isReference(m account.Message) bool {
	return m.Moderation != nil || m.Retraction != nil || m.Reactions != nil || m.Tombstone != nil
}

// applyReference applies reference m (a moderation, a retraction,
// reactions, or an archive's tombstone, which stands for the message it
// removed and carries its ids: stored as its retraction or moderation,
// see chatlog) to the line it names in its conversation's window, found in
// O(1) by id. A window that is not open, or a target it does not show,
// changes nothing here: the history stored the reference, and reading
// folds it into its message. One that may not change its target (a
// retraction by someone else, a moderation not from the room) is refused.
func (u *UI) applyReference(a *acctState, m account.Message) {
	group := m.Type == "groupchat"
	var w *window
	if group {
		w = u.roomWin(a, m.Peer().Bare())
	} else {
		w = u.findWin(a, m.Peer())
	}
	if w == nil {
		return
	}
	switch {
	case m.Moderation != nil:
		e := u.findLine(w, refKey(m.Moderation.ID, true, false))
		if e == nil || !e.isMessage() || !group {
			return
		}
		if m.Dir != account.In || m.From.Resourcepart() != "" || !m.From.Bare().Equal(w.peer.Bare()) {
			u.info(w, true, "refused a moderation by "+sanitize.Text(clipBody(m.From.String()))+": only the room moderates")
			return
		}
		u.tombstone(w, e, render.Message{Moderated: true, By: m.Moderation.By, Reason: m.Moderation.Reason})
	case m.Retraction != nil:
		e := u.retractTarget(w, m.Retraction.ID, group)
		if e == nil || !e.isMessage() {
			return
		}
		if !sameAuthor(e, m, group) {
			who := m.From.String()
			if group {
				who = m.From.Resourcepart()
			}
			u.info(w, true, "refused a retraction by "+sanitize.Text(clipBody(who))+" of a message they did not write")
			return
		}
		u.tombstone(w, e, render.Message{Retracted: true})
	case m.Tombstone != nil:
		id := m.StanzaID
		if !group {
			id = m.OriginID
			if id == "" {
				id = m.ID
			}
		}
		e := u.retractTarget(w, id, group)
		switch {
		case id == "" || e == nil || !e.isMessage():
		case m.Tombstone.Moderated && group:
			u.tombstone(w, e, render.Message{Moderated: true, By: m.Tombstone.By, Reason: m.Tombstone.Reason})
		case !m.Tombstone.Moderated && sameAuthor(e, m, group):
			u.tombstone(w, e, render.Message{Retracted: true})
		}
	default:
		e := u.findLine(w, refKey(m.Reactions.ID, group, false))
		if e == nil || !e.isMessage() {
			return
		}
		typ := "chat"
		if group {
			typ = "groupchat"
		}
		dir := history.In
		if m.Dir == account.Out {
			dir = history.Out
		}
		sender := history.ReactionSender(&history.Record{Dir: dir, Type: typ, From: m.From.String(), Nick: m.Nick, OccupantID: m.OccupantID})
		emojis := m.Reactions.Emojis
		if emojis == nil {
			emojis = []string{}
		}
		var sets []history.ReactionSet
		if e.ext != nil {
			sets = e.ext.sets
		}
		if len(sets) >= maxReactionSenders && !slices.ContainsFunc(sets, func(s history.ReactionSet) bool { return s.Sender == sender }) {
			return // a room of ever new nicks cannot grow a line without bound
		}
		setReactions(e, history.SetReactions(sets, sender, emojis))
	}
}

// setReactions draws sets, aggregated, as e's reactions line.
func setReactions(e *entry, sets []history.ReactionSet) {
	x := e.extOrNew()
	if at := e.reactAt(); at < len(e.text) {
		e.text = e.text[:at] + e.text[at+1+len(x.react):] // marks after it stay, before the new one
	}
	x.sets = sets
	x.react = render.ReactionsLine(history.AggregateReactions(sets))
	if x.react != "" {
		e.text += "\n" + x.react
	}
	e.rows, e.wrapW = nil, 0
}

// tombstone draws e as removed (m says how), as the fold shows a removed
// message: the tombstone in place of its text (and quote), a plain line
// (an action loses its "/me" with its text), its reactions kept.
func (u *UI) tombstone(w *window, e *entry, m render.Message) {
	kind := e.kind
	switch kind {
	case lineAction, lineHigh:
		kind = lineMsg
	case lineOwnAct:
		kind = lineOwn
	}
	lines := render.Lines(m, "")
	x := e.extOrNew()
	if x.react != "" {
		lines = append(lines, x.react)
	}
	ne := composeEntry(e.t, u.timeLayout(e.t), kind, e.text[e.nickStart:e.nickEnd], lines)
	ne.key, ne.dayHead, ne.selected, ne.msgID = e.key, e.dayHead, e.selected, e.msgID
	ne.ids, ne.from, ne.occ, ne.nickColor, ne.hk = e.ids, e.from, e.occ, e.nickColor, e.hk
	x.quote, x.removed = "", true
	ne.ext = x
	*e = *ne // the ring and its index keep the same entry
	if e.own() && w.own.id != "" && e.idOf('i') == w.own.id {
		w.own = ownLast{t: w.own.t} // nothing left to correct
	}
	u.requoteTo(w, e) // its text is gone from the replies' quotes too
}
