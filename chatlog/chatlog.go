// Package chatlog connects accounts to the history store. It sits between
// the accounts and the UI: every message event is written to the history
// first, and only a message the store had not seen before is passed on, so a
// message that arrives several times (live, as a carbon, from the archive,
// from a room's history replay, after a reconnect) is stored once and shown
// once.
package chatlog

import (
	"errors"
	"sync"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
	"parley/msg"
)

// Recorder is an account.Sink that records messages and forwards events.
// It is safe for concurrent use by several accounts.
type Recorder struct {
	store *history.Store
	next  account.Sink

	mu        sync.Mutex
	reported  bool            // a write failure was already reported to the user
	failed    map[string]bool // accounts whose last write failed
	recovered func(jid.JID)   // set by OnRecovered
}

// OnRecovered sets f, called in a goroutine of its own when a message of an
// account is stored after one of its messages could not be (a full disk
// that has space again): f should catch up with the account's archive
// (account.Account.CatchUp), which brings what was not saved, since the
// store kept its anchor before it. Call it before the accounts run.
func (r *Recorder) OnRecovered(f func(acct jid.JID)) {
	r.mu.Lock()
	r.recovered = f
	r.mu.Unlock()
}

// noteWrite records the outcome of a write for acct and reports whether it
// is the first success after a failure.
func (r *Recorder) noteWrite(acct jid.JID, ok bool) (recovered func(jid.JID)) {
	k := acct.Bare().String()
	r.mu.Lock()
	defer r.mu.Unlock()
	if !ok {
		if r.failed == nil {
			r.failed = make(map[string]bool)
		}
		r.failed[k] = true
		return nil
	}
	if !r.failed[k] {
		return nil
	}
	delete(r.failed, k)
	r.reported = false // a later failure is reported again
	return r.recovered
}

// New returns a Recorder writing to store and forwarding to next.
// A nil store records nothing and forwards everything.
func New(store *history.Store, next account.Sink) *Recorder {
	return &Recorder{store: store, next: next}
}

// ForwardWarnings passes the store's warnings (skipped malformed or
// overlong lines, repaired torn lines, found by whoever reads the files:
// the UI, a search, an archive catch-up) to next as
// account.FileWarningEvent, those found so far at once, so that they reach
// the console. Call it once next can take events.
func (r *Recorder) ForwardWarnings() {
	if r.store != nil {
		r.store.OnWarning(func(msg string) { r.next(account.FileWarningEvent{Text: msg}) })
	}
}

// Sink is the account.Sink to give to accounts.
func (r *Recorder) Sink(ev account.Event) {
	me, ok := ev.(account.MessageEvent)
	if !ok || r.store == nil || me.Msg.Type == "error" {
		r.next(ev)
		return
	}
	conv := Conv(me.Msg)
	if conv == "" {
		r.next(ev)
		return
	}
	var stored bool
	var err error
	for _, rec := range Records(me.Msg) {
		var ok bool
		ok, err = r.store.Append(me.Account.String(), conv, rec)
		stored = stored || ok
		if err != nil {
			break
		}
	}
	if !errors.Is(err, history.ErrReadOnly) {
		if f := r.noteWrite(me.Account, err == nil); f != nil {
			go f(me.Account)
		}
	}
	switch {
	case err == nil && !stored:
		return // a duplicate: already stored and shown
	case err != nil && !errors.Is(err, history.ErrReadOnly):
		r.reportOnce(me.Account, err)
	}
	r.next(ev)
}

func (r *Recorder) reportOnce(acct jid.JID, err error) {
	r.mu.Lock()
	first := !r.reported
	r.reported = true
	r.mu.Unlock()
	if first {
		r.next(account.InfoEvent{
			Base:  account.Base{Account: acct},
			Error: true,
			Text: "history: cannot write (messages are shown but not saved; what was not saved is fetched " +
				"again from the server's archive at the next login): " + err.Error(),
		})
	}
}

// Conv is the name of the conversation a message belongs to in the store:
// the peer's bare JID, the room's bare JID, or room@service/nick for a
// private chat with a room occupant.
func Conv(m account.Message) string {
	p := m.Peer()
	if p.Domainpart() == "" {
		return ""
	}
	return p.String()
}

// Records are the history records of a message: its Record, preceded,
// for an archive's tombstone, by the message it stands for (without its
// text) in case history does not have it: the tombstone's reference then
// folds into that. (When history has the message, which the archive gave
// before it was removed, the archive sends no tombstone for it: a
// catch-up fetches only what is newer.)
func Records(m account.Message) []history.Record {
	r := Record(m)
	if m.Tombstone == nil || r.Ref == "" {
		return []history.Record{r}
	}
	stand := m
	stand.Tombstone = nil
	return []history.Record{Record(stand), r}
}

// Record converts a message to a history record. A message that refers to
// another becomes the reference record that reading folds into it (if its
// sender may change it): a XEP-0308 correction (Replaces set) a correction
// record, a moderation a moderate record (By, the reason as Body),
// a retraction a retract record, reactions a reactions record, a marker
// without a body a marker record, and an archive's tombstone the retract
// or moderate record of the message it stands for. A reply is a message
// record with the reply's id, author and quote.
func Record(m account.Message) history.Record {
	dir := history.In
	if m.Dir == account.Out {
		dir = history.Out
	}
	t := m.Time
	if t.IsZero() {
		t = time.Now()
	}
	r := history.Record{
		Time:       t.UTC(),
		Dir:        dir,
		From:       m.From.String(),
		Type:       m.Type,
		Body:       m.Body,
		Nick:       m.Nick,
		ID:         m.ID,
		OriginID:   m.OriginID,
		StanzaID:   m.StanzaID,
		StanzaBy:   m.StanzaIDBy,
		OccupantID: m.OccupantID,
		Unstyled:   m.Unstyled,
		Enc:        encOf(m),
	}
	if m.Reply != nil {
		r.ReplyID, r.ReplyTo, r.Quote = m.Reply.ID, m.Reply.To.String(), m.Quote
	}
	switch {
	case m.Moderation != nil:
		r.Kind, r.Ref, r.By, r.Body = history.KindModerate, m.Moderation.ID, m.Moderation.By, m.Moderation.Reason
	case m.Retraction != nil:
		r.Kind, r.Ref, r.Body = history.KindRetract, m.Retraction.ID, ""
	case m.Replaces != "":
		r.Kind, r.Replaces = history.KindCorrection, m.Replaces
	case m.Reactions != nil:
		r.Kind, r.Ref, r.Body = history.KindReactions, m.Reactions.ID, ""
		r.Emojis = append([]string{}, m.Reactions.Emojis...)
	case m.Marker.Kind != msg.NoMarker && m.Body == "":
		r.Kind, r.Ref, r.Body = history.KindMarker, m.Marker.ID, m.Marker.Kind.String()
	case m.Tombstone != nil:
		tombstone(&r, m)
	}
	return r
}

// tombstone makes r, the record of an archive's tombstone, the reference
// that removes the message it stands for: in a room the message with that
// stanza-id, in 1:1 the one with that origin-id (else id). A moderation's
// tombstone comes from the room (the fold honours no one else). It carries
// no ids of its own, which are the removed message's: dedup would take it
// for a copy of it.
func tombstone(r *history.Record, m account.Message) {
	ts := m.Tombstone
	ref := m.OriginID
	if ref == "" {
		ref = m.ID
	}
	if m.Type == "groupchat" {
		ref = m.StanzaID
	}
	r.Kind, r.Ref, r.Body = history.KindRetract, ref, ""
	if ts.Moderated {
		r.Kind, r.By, r.Body = history.KindModerate, ts.By, ts.Reason
		r.Dir, r.From, r.Nick, r.OccupantID = history.In, m.Peer().String(), "", ""
	}
	r.ID, r.OriginID, r.StanzaID, r.StanzaBy = "", "", "", ""
}

// Anchor returns the account.AnchorFunc of account acct for its
// Config.Anchor: the newest archive id history holds for the account's own
// archive (across all its 1:1 conversations) or for a room's. Without a
// store there is no anchor (the catch-up fetches the newest page).
func (r *Recorder) Anchor(acct jid.JID) account.AnchorFunc {
	return func(archive jid.JID) (string, error) {
		if r.store == nil {
			return "", nil
		}
		a := acct.Bare().String()
		if archive.Bare().Equal(acct.Bare()) {
			id, _, err := r.store.NewestArchiveIDAny(a, a)
			return id, err
		}
		return r.store.NewestArchiveID(a, archive.Bare().String(), archive.Bare().String())
	}
}

// StoreOlder stores a page of older archived messages of one conversation
// (from account.FetchOlder, oldest first) with history's AppendOlder and
// returns how many were new.
func StoreOlder(store *history.Store, acct jid.JID, conv string, msgs []account.Message) (int, error) {
	recs := make([]history.Record, 0, len(msgs))
	for _, m := range msgs {
		if m.Type == "error" || Conv(m) != conv {
			continue
		}
		recs = append(recs, Record(m))
	}
	return store.AppendOlder(acct.Bare().String(), conv, recs)
}

// encOf is the history's name for how m was encrypted.
func encOf(m account.Message) string {
	switch {
	case m.Undecryptable:
		return history.EncFailed
	case m.Encrypted && m.Untrusted:
		return history.EncUntrusted
	case m.Encrypted:
		return history.EncOMEMO
	}
	return ""
}
