package chatlog

import (
	"time"

	"mellium.im/xmpp/jid"

	"parley/history"
	"parley/msg"
)

// FromMsg converts a message of the one model (package msg) into its
// history record for the conversation of account acct: a message with all
// its ids, or, for a message that refers to another, the reference record
// that reading folds into it (a moderation, a retraction, a correction,
// reactions or a marker, in that order when a stanza carries several). The
// stanza-id kept in "sid" is the one the archive of the conversation
// assigned (the room for a groupchat, else the account): only that one is
// trusted; every stanza-id is kept in "sids". It decides nothing about
// trust beyond that: the fold checks who may correct, retract or moderate.
func FromMsg(acct jid.JID, m *msg.Message) history.Record {
	dir := history.In
	if m.Dir == msg.Out {
		dir = history.Out
	}
	t := m.Time()
	if t.IsZero() {
		t = time.Now()
	}
	typ := m.Kind.String()
	archive := acct.Bare()
	switch m.Kind {
	case msg.Private:
		typ = "chat"
	case msg.Groupchat:
		archive = m.From.Bare()
		if m.Dir == msg.Out {
			archive = m.To.Bare()
		}
	}
	r := history.Record{
		Time:       t.UTC(),
		Dir:        dir,
		From:       m.From.String(),
		Type:       typ,
		Body:       m.Body,
		ID:         m.ID,
		OriginID:   m.OriginID,
		StanzaID:   m.StanzaIDBy(archive),
		OccupantID: m.OccupantID,
	}
	if r.StanzaID != "" {
		r.StanzaBy = archive.String()
	}
	if m.Kind == msg.Groupchat {
		r.Nick = m.From.Resourcepart()
	}
	for _, s := range m.StanzaIDs {
		if len(r.StanzaIDs) < history.MaxStanzaIDs {
			r.StanzaIDs = append(r.StanzaIDs, history.StanzaID{ID: s.ID, By: s.By})
		}
	}
	if m.Reply != nil {
		r.ReplyID, r.ReplyTo = m.Reply.ID, m.Reply.To.String()
	}
	switch {
	case m.Moderation != nil:
		r.Kind, r.Ref, r.By, r.Body = history.KindModerate, m.Moderation.ID, m.Moderation.By, m.Moderation.Reason
	case m.Retraction != nil:
		r.Kind, r.Ref, r.Body = history.KindRetract, m.Retraction.ID, "" // its body is a fallback
	case m.Correction != nil:
		r.Kind, r.Replaces = history.KindCorrection, m.Correction.ID
	case m.Reactions != nil:
		r.Kind, r.Ref, r.Body = history.KindReactions, m.Reactions.ID, ""
		r.Emojis = append([]string{}, m.Reactions.Emojis...)
	case m.Marker.Kind != msg.NoMarker && m.Body == "":
		r.Kind, r.Ref, r.Body = history.KindMarker, m.Marker.ID, m.Marker.Kind.String()
	}
	return r
}
