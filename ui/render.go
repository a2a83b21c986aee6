package ui

import (
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/history"
	"parley/render"
	"parley/sanitize"
)

// msgView is a message as the UI draws it, whether it arrived live or was
// read from the history: the one input of messageEntry, so that a message
// looks the same both ways. Text fields are raw (untrusted).
type msgView struct {
	t       time.Time
	out     bool   // ours
	group   bool   // a groupchat message: nick names the sender
	nick    string // the sender's nick in a room
	body    string
	err     string // the error text of an error message
	id      string // the message id: our messages' delivered and pending marks
	pending bool   // ours, waiting in the outbox
	live    bool   // arrived now (not read from the history)
	// ids are the keys a reference may find the line by (see lineKeys).
	ids []string
	// from and occ name the author, for the corrections that may replace
	// the line (correct.go): the full JID, and in a room the occupant-id
	// the room vouched for.
	from, occ string
	// correction: v is a correction drawn in place of its target, not a
	// message of its own (not our last message for /correct).
	correction bool
	// oob are the message's XEP-0066 URLs (raw).
	oob []string
	// folded is what the references to the message say (edited,
	// retracted, moderated, reactions), drawn by package render.
	folded render.Message
	// sets are the senders' reaction sets behind folded.Reactions
	// (refs.go).
	sets []history.ReactionSet
	// replyID and replyTo name the message v answers (XEP-0461), quote
	// is the reply's fallback quote (shown when that message is not in
	// the window); quoteLine, when set, is the quote line as drawn, with
	// replyKey and quoted as its lineExt had them (a correction keeps
	// its target's).
	replyID, replyTo, quote string
	quoteLine, replyKey     string
	quoted                  bool
}

// lineKeys are the keys under which a line of a message is found by the
// references to it, typed so that an id of one kind never finds a message
// by an id of another (a sender chooses ids and origin-ids, a room or our
// server assigns stanza-ids): "i" id, "o" origin-id, "s" a stanza-id by the
// archive we trust for the conversation.
func lineKeys(id, originID, stanzaID string) []string {
	var k []string
	if id != "" {
		k = append(k, "i\x00"+id)
	}
	if originID != "" {
		k = append(k, "o\x00"+originID)
	}
	if stanzaID != "" {
		k = append(k, "s\x00"+stanzaID)
	}
	return k
}

// liveView is the view of a live message.
func liveView(m account.Message) msgView {
	v := msgView{t: m.Time, out: m.Dir == account.Out, group: m.Type == "groupchat", nick: m.Nick,
		body: m.Body, err: m.Err, id: m.ID, pending: m.Pending, live: true,
		ids: lineKeys(m.ID, m.OriginID, m.StanzaID), from: m.From.String(), occ: m.OccupantID,
		folded: render.Message{Unstyled: m.Unstyled, Enc: liveEnc(m)}, oob: oobURLs(m.OOB)}
	if m.Reply != nil {
		v.replyID, v.replyTo, v.quote = m.Reply.ID, m.Reply.To.String(), m.Quote
	}
	return v
}

// recordView is the view of a stored message record.
func recordView(r history.Record) msgView {
	v := msgView{t: r.Time, out: r.Dir == history.Out, group: r.Type == "groupchat", nick: r.Nick,
		body: r.Body, id: r.ID, ids: lineKeys(r.ID, r.OriginID, r.StanzaID), folded: render.FromRecord(r),
		from: r.From, occ: r.OccupantID, sets: r.Folded.ReactionSets, replyID: r.ReplyID, replyTo: r.ReplyTo, quote: r.Quote}
	if v.group && v.nick == "" {
		if _, res, ok := strings.Cut(r.From, "/"); ok {
			v.nick = res
		}
	}
	return v
}

// timeLayout is the layout of an entry's time: the configured one, with
// the date in front for a time of another day than today (a delayed or
// archived message) unless the configured layout shows the date itself.
func (u *UI) timeLayout(t time.Time) string {
	layout := u.opts.TimeFormat
	if sameDay(t, u.now().In(u.loc)) || hasDate(layout) {
		return layout
	}
	return "2006-01-02 " + layout
}

// hasDate reports whether a Go time layout shows the day of the month.
func hasDate(layout string) bool {
	for _, d := range []string{"02", "_2", "Jan", "Mon", "2006"} {
		if strings.Contains(layout, d) {
			return true
		}
	}
	return false
}

// clipBody bounds a body for display.
func clipBody(body string) string {
	if len(body) > maxBody {
		return body[:maxBody] + "…"
	}
	return body
}

// messageEntry is the one renderer of messages: the line of v in window w.
// The speaker is named by one rule: in a room (and a private conversation
// with an occupant) by nick, ours being our nick; in a 1:1 conversation by
// roster name, ours being "me"; ours always in our colour.
func (u *UI) messageEntry(w *window, v msgView) *entry {
	t := v.t.In(u.loc)
	layout := u.timeLayout(t)
	body := clipBody(v.body)
	if v.err != "" {
		text := "error: " + v.err
		if body != "" {
			text += " (message: " + body + ")"
		}
		return u.timed(composeEntry(t, layout, lineError, "", sanitize.Lines(text)))
	}
	rs := w.room
	group := v.group || w.kind == winRoom
	if group && v.nick == "" && !v.out {
		// The room itself speaks: a notice, not a message.
		return u.timed(composeEntry(t, layout, lineInfo, "", sanitize.Lines(body)))
	}
	own := v.out || v.live && group && rs != nil && rs.loaded && v.nick == rs.nick
	name, color := u.speaker(w, v, group, own)
	kind := lineMsg
	if own {
		kind, color = lineOwn, u.theme.Own
	}
	if rest, ok := strings.CutPrefix(body, "/me "); ok {
		body = rest
		kind = lineAction
		if own {
			kind = lineOwnAct
		}
	}
	lines := render.Lines(v.folded, body) // the one renderer of message text
	styled := 0                           // bytes of the composed body that styling applies to
	if !u.opts.NoStyling && !v.folded.Removed() && !v.folded.Unstyled {
		styled = len(lines) - 1
		for _, l := range lines {
			styled += len(l)
		}
		if v.folded.Edited {
			styled -= len(render.EditedMark) // the mark is ours, not styled
		}
	}
	if !v.folded.Removed() {
		lines = append(lines, oobLines(body, v.oob)...) // XEP-0066 URLs the body lacks (links.go)
	}
	quote, replyKey, quoted := "", "", false
	if (v.replyID != "" || v.quoteLine != "") && !v.folded.Removed() {
		quote, replyKey, quoted = u.replyQuote(w, v, group) // refs.go
	}
	rl := render.ReactionsLine(v.folded.Reactions)
	if rl != "" {
		lines = append(lines, rl)
	}
	if kind == lineMsg {
		switch {
		case group && rs != nil:
			if mentionsNick(lines, rs.nickClean) || u.mentionsWord(lines) {
				kind = lineHigh
			}
		case !group && !w.isPrivate() && w.acct != nil:
			if mentions(lines, w.acct.jid) {
				kind = lineHigh
			}
		}
	}
	at := 0 // where the message's own lines start in the body
	if quote != "" {
		lines = append([]string{quote}, lines...)
		at = len(quote) + 1
	}
	e := u.timed(composeEntry(t, layout, kind, name, lines))
	// The encryption mark before the speaker; a plain message is marked
	// only when it arrives in a conversation where OMEMO is on.
	plainMarked := v.live && !v.out && w.kind == winChat && w.omemo != nil && w.omemo.On
	if mark := render.EncMark(v.folded.Enc, plainMarked); mark != "" {
		markEnc(e, mark)
	}
	e.links = findLinks(e.text, e.bodyStart, &u.linkSeq)
	if styled > 0 { // sanitized first, then styled (styled.go)
		e.spans = bodySpans(e.text, e.bodyStart+at, e.bodyStart+at+styled)
	}
	if quote != "" || rl != "" || len(v.sets) > 0 || v.folded.Removed() {
		e.ext = &lineExt{quote: quote, react: rl, sets: v.sets, removed: v.folded.Removed(), replyKey: replyKey, quoted: quoted} // refs.go
	}
	e.nickColor = color
	e.ids = v.ids
	e.from, e.occ = v.from, v.occ
	if own {
		u.noteOwn(w, v) // the message /correct corrects (correct.go)
		e.msgID = v.id  // for the delivered mark
		if v.pending {
			markPending(e) // waiting in the outbox (cmd_conn.go)
		}
	}
	return e
}

// timed sets e's place in time order: its time, but never later than now
// (a stamp from the future must not hold the bottom of the window).
func (u *UI) timed(e *entry) *entry {
	if now := u.now(); e.key.After(now) {
		e.key = now
	}
	return e
}

// speaker names the sender of v in w (sanitized) and gives its colour.
func (u *UI) speaker(w *window, v msgView, group, own bool) (string, tcell.Color) {
	switch {
	case group:
		nick := cleanName(v.nick)
		if own && nick == "" {
			nick = u.ourNick(w)
		}
		return nick, u.nickColor(nick)
	case w.isPrivate():
		if own {
			if nick := cleanName(v.nick); nick != "" {
				return nick, u.theme.Own // our nick in the room when we wrote it
			}
			return u.ourNick(w), u.theme.Own
		}
		nick := cleanName(v.nick) // theirs when they wrote it
		if nick == "" {
			nick = cleanName(w.peer.Resourcepart())
		}
		return nick, u.nickColor(nick)
	case own:
		return "me", u.theme.Own
	}
	if w.acct == nil {
		return w.peerText, u.nickColor(w.peer.String())
	}
	return w.acct.displayName(w.peer.Bare()), u.nickColor(w.peer.Bare().String())
}

// ourNick is our nick in the room of w (a room window or a private
// conversation with one of its occupants), "me" when it is not known.
func (u *UI) ourNick(w *window) string {
	rs := w.room
	if rs == nil && w.acct != nil {
		rs = u.roomOf(w.acct, w.peer.Bare())
	}
	if rs != nil && rs.nickClean != "" {
		return rs.nickClean
	}
	return "me"
}
