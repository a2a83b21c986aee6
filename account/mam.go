package account

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

// Archive sync (XEP-0313 with RSM paging).
//
// At every fresh login (not after a resumed stream, which lost nothing) the
// account catches up with its own archive: everything after the newest
// archive id history holds across all 1:1 conversations (Config.Anchor),
// page by page with RSM <after/>, until the server says complete. On a
// first run (no anchor) only the last FirstRunPage messages are fetched,
// so a first start does not download years. Rooms are caught up the same
// way against the room's archive when they are joined (catchUpRoom).
//
// Order: history appends in arrival order, and the archive pages are older
// than anything arriving live during the catch-up. So live messages and
// delivery updates of the conversations being caught up are held back
// (emit buffers them) from just before initial presence until the catch-up
// is over, then released in their order; archived messages go out first,
// in archive order. A message that arrives both ways is stored once (the
// store deduplicates by stanza-id, origin-id, id), so the order of the two
// copies does not matter. Held messages are released even when the
// catch-up fails. A hold is bounded (maxHeld events): a flood that fills it
// ends the hold early, its events are delivered at once and nothing is
// lost; only the order of the rest of that catch-up against live messages
// is given up.

// Sizes of archive queries.
const (
	// FirstRunPage is how many of the newest archived messages a first
	// catch-up (history has no anchor yet) fetches.
	FirstRunPage = 100
	// catchUpPage is the RSM page size of a catch-up.
	catchUpPage = 100
	// maxCatchUpPages bounds one catch-up (a server that never says
	// complete cannot keep us paging forever).
	maxCatchUpPages = 1000
	// MaxOlderPage is the largest page FetchOlder asks for.
	MaxOlderPage = 200
	// maxHeld bounds the events one hold buffers (live messages can arrive
	// faster than a long catch-up pages; a body is up to MaxBody).
	maxHeld = 1000
)

// AnchorFunc returns the newest archive id (XEP-0359 stanza-id) stored in
// history for an archive: the account's own (archive is the account's bare
// JID; the newest across all its 1:1 conversations) or a room's (the
// room's bare JID). "" means history has none yet.
type AnchorFunc func(archive jid.JID) (string, error)

// relState is the account's state for carbons, archive queries, held live
// messages and receipts. Its zero value is ready to use.
type relState struct {
	deliverMu sync.Mutex // held while held events are delivered, to keep their order
	holdMu    sync.Mutex
	holds     map[string][]Event // held events per hold key; a key present is held

	mu       sync.Mutex
	queries  map[string]*mamQuery // running archive queries by queryid
	receipts receiptBook

	page int // RSM page size of catch-ups; 0: catchUpPage (tests page by 1)

	sids atomic.Bool // the server announced urn:xmpp:sid:0 for the account (discoverSIDs)
}

// discoverSIDs asks the server (disco#info on the account's bare JID)
// whether it announces XEP-0359 stanza-ids for the account; live
// stanza-ids by the account are believed only then (ParseContext.SIDs).
// Archive results do not depend on it: their id is the archive's. It runs
// in the login sequence, before live messages are read as trusted.
func (a *Account) discoverSIDs(ctx context.Context, sess *xmpp.Session) {
	a.rel.sids.Store(hasFeature(ctx, sess, a.bare, nsSID))
}

// mamQuery collects the results of one archive query. The handler appends
// to it; the query's goroutine reads it after the IQ result, which the
// server sends after the last result message.
type mamQuery struct {
	archive jid.JID // bare: the account or a room
	max     int
	msgs    []Message
}

// holdKey is the hold an event belongs to: "" for 1:1 conversations (the
// account's archive), the room's bare JID for groupchat. ok is false for
// events that are never held.
func holdKey(e Event) (string, bool) {
	switch e := e.(type) {
	case MessageEvent:
		if e.Msg.Type == "groupchat" {
			return e.Msg.Peer().String(), true
		}
		return "", true
	case DeliveryEvent:
		return "", true
	}
	return "", false
}

// held buffers e if its conversation is being caught up and reports whether
// it did. emit calls it for every event. When the hold is full (maxHeld),
// the hold ends: its events are delivered here, in order, and e is not held.
func (a *Account) held(e Event) bool {
	r := &a.rel
	r.holdMu.Lock()
	if len(r.holds) == 0 {
		r.holdMu.Unlock()
		return false // the usual case: nothing is held, no key to compute
	}
	key, ok := holdKey(e)
	if !ok {
		r.holdMu.Unlock()
		return false
	}
	buf, holding := r.holds[key]
	if holding && len(buf) < maxHeld {
		r.holds[key] = append(buf, e)
	}
	r.holdMu.Unlock()
	if !holding || len(buf) < maxHeld {
		return holding
	}
	// Full: end the hold early rather than grow without bound. Delivering
	// under deliverMu keeps these after whatever release is delivering.
	r.deliverMu.Lock()
	defer r.deliverMu.Unlock()
	r.holdMu.Lock()
	buf = r.holds[key]
	delete(r.holds, key)
	r.holdMu.Unlock()
	for _, h := range buf {
		a.sink(h)
	}
	a.sink(e)
	return true
}

// hold starts holding the events of key (see holdKey) until release.
func (a *Account) hold(key string) {
	r := &a.rel
	r.holdMu.Lock()
	defer r.holdMu.Unlock()
	if r.holds == nil {
		r.holds = make(map[string][]Event)
	}
	if _, ok := r.holds[key]; !ok {
		r.holds[key] = nil
	}
}

// release delivers the events held for key, in order, and stops holding.
// Events that arrive while it delivers are held and delivered after them.
func (a *Account) release(key string) {
	r := &a.rel
	r.deliverMu.Lock()
	defer r.deliverMu.Unlock()
	for {
		r.holdMu.Lock()
		buf, ok := r.holds[key]
		if !ok || len(buf) == 0 {
			delete(r.holds, key)
			r.holdMu.Unlock()
			return
		}
		r.holds[key] = buf[:0:0]
		r.holdMu.Unlock()
		for _, e := range buf {
			a.sink(e)
		}
	}
}

// holdLive starts holding live 1:1 messages for the login catch-up and
// returns the function that releases them (catchUp has normally done so).
func (a *Account) holdLive() func() {
	a.hold("")
	return func() { a.release("") }
}

// catchUp fetches what the account's archive got since history's anchor
// and emits it in archive order, then releases the held live messages. It
// runs in the login sequence, outside the handler; errors are reported on
// the console and do not end the session.
func (a *Account) catchUp(ctx context.Context, sess *xmpp.Session) {
	defer a.release("")
	if err := a.syncArchive(ctx, sess, a.bare, jid.JID{}); err != nil && ctx.Err() == nil && !a.isClosing() {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "archive sync: " + oneLine(err.Error())})
	}
}

// CatchUp catches up with the account's archive from history's anchor
// now, outside the login sequence, as the login does: the archived messages
// go to the sink (the store drops what it has). It is how what history could
// not save (a full disk) is fetched again as soon as it can write. It waits
// for the server: call it from a goroutine of its own, never from the sink.
// When it returns, what it fetched has reached the sink (it flushes the
// event queue), so the history holds it.
func (a *Account) CatchUp(ctx context.Context) error {
	sess, err := a.online()
	if err != nil {
		return err
	}
	if err := a.syncArchive(ctx, sess, a.bare, jid.JID{}); err != nil {
		return err
	}
	return a.Flush(ctx)
}

// holdRoom starts holding the live groupchat messages of room; call it
// before sending the join presence of a room whose archive will be caught
// up, then catchUpRoom once joined (which releases them).
func (a *Account) holdRoom(room jid.JID) { a.hold(room.Bare().String()) }

// catchUpRoom catches up with the archive of a joined room (after the
// newest archive id history holds for it, or its last FirstRunPage
// messages) and then releases the room's held live messages. It must not be
// called from the stanza handler. Call roomHasArchive first: a room without
// urn:xmpp:mam:2 answers with an error.
func (a *Account) catchUpRoom(ctx context.Context, room jid.JID) error {
	room = room.Bare()
	defer a.release(room.String())
	sess, err := a.session()
	if err != nil {
		return err
	}
	if err := a.syncArchive(ctx, sess, room, room); err != nil {
		return fmt.Errorf("archive sync of %s: %w", room, err)
	}
	return nil
}

// roomFeatures is what a room's disco#info says that the account uses.
type roomFeatures struct {
	archive      bool // urn:xmpp:mam:2
	occupantIDs  bool // XEP-0421
	nonAnonymous bool // muc_nonanonymous: occupants see real JIDs
	membersOnly  bool // muc_membersonly
}

// roomHasArchive asks the room (disco#info) whether it keeps a XEP-0313
// archive, and what else of it the account uses. It must not be called
// from the stanza handler.
func (a *Account) roomHasArchive(ctx context.Context, room jid.JID) (roomFeatures, error) {
	var f roomFeatures
	sess, err := a.session()
	if err != nil {
		return f, err
	}
	iq := iqStanza("get", room.Bare(), xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsDiscoInfo, Local: "query"}}))
	err = sendIQ(ctx, sess, iq, func(b *tokenBudget) error {
		for {
			tok, err := b.next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "feature" && b.depth == 2 {
				switch attr(se, "var") {
				case nsMAM:
					f.archive = true
				case nsOccupantID:
					f.occupantIDs = true
				case "muc_nonanonymous":
					f.nonAnonymous = true
				case "muc_membersonly":
					f.membersOnly = true
				}
			}
		}
	})
	return f, err
}

// session returns the current session, online or still in the login
// sequence.
func (a *Account) session() (*xmpp.Session, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sess == nil || a.closing {
		return nil, ErrOffline
	}
	return a.sess, nil
}

// syncArchive pages forward through archive (the account's bare JID, or a
// room: then to is the room) from history's anchor and emits every result
// through the sink, bypassing the hold.
func (a *Account) syncArchive(ctx context.Context, sess *xmpp.Session, archive, to jid.JID) error {
	var anchor string
	if a.cfg.Anchor != nil {
		var err error
		if anchor, err = a.cfg.Anchor(archive); err != nil {
			return fmt.Errorf("reading the history anchor: %w", err)
		}
	}
	if anchor == "" {
		msgs, _, err := a.queryArchive(ctx, sess, archive, to, rsm{max: FirstRunPage, last: true})
		a.deliver(msgs)
		return err
	}
	size := catchUpPage
	if a.rel.page > 0 {
		size = a.rel.page
	}
	after := anchor
	for page := 0; page < maxCatchUpPages; page++ {
		msgs, fin, err := a.queryArchive(ctx, sess, archive, to, rsm{max: size, after: after})
		var ie iqError
		if page == 0 && errors.As(err, &ie) && strings.HasPrefix(ie.Error(), "item not found") {
			// The archive no longer has our anchor (expired or cleared):
			// take its newest page and say that there may be a gap.
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: "the archive of " + archive.String() +
				" no longer has the last synced message; fetched its newest " + strconv.Itoa(FirstRunPage) + " messages, older ones may be missing"})
			msgs, _, err = a.queryArchive(ctx, sess, archive, to, rsm{max: FirstRunPage, last: true})
			a.deliver(msgs)
			return err
		}
		if err != nil {
			return err
		}
		a.deliver(msgs)
		if fin.complete || len(msgs) == 0 || fin.last == "" || fin.last == after {
			return nil
		}
		after = fin.last
	}
	return fmt.Errorf("stopped after %d pages", maxCatchUpPages)
}

// deliver emits archived messages, bypassing the hold.
func (a *Account) deliver(msgs []Message) {
	for _, m := range msgs {
		if m.Body == "" && m.Subject == "" && !m.hasRef() {
			continue // receipts, chat states, ... stored in the archive
		}
		a.sink(MessageEvent{Base: a.base(), Msg: m})
	}
}

// FetchOlder fetches from the account's archive up to n messages exchanged
// with peer (a bare JID) that are older than the archived message beforeID
// (an archive id, as found in history), oldest first; beforeID "" fetches
// the newest n. It does not emit the messages: the caller stores them
// (history.AppendOlder) and shows them. complete is true when the archive
// has nothing older. It must not be called from the stanza handler.
func (a *Account) FetchOlder(ctx context.Context, peer jid.JID, beforeID string, n int) (msgs []Message, complete bool, err error) {
	if n <= 0 || n > MaxOlderPage {
		n = MaxOlderPage
	}
	sess, err := a.online()
	if err != nil {
		return nil, false, err
	}
	msgs, fin, err := a.queryArchive(ctx, sess, a.bare, jid.JID{}, rsm{max: n, before: beforeID, last: true, with: peer.Bare()})
	if err != nil {
		return nil, false, fmt.Errorf("archive of %s: %w", peer.Bare(), err)
	}
	kept := msgs[:0]
	for _, m := range msgs {
		if m.omemoRaw != nil || m.omemoCut {
			var ok bool
			if m, ok = a.omemoOpen(m); !ok {
				continue
			}
		}
		if m.Body != "" {
			kept = append(kept, m)
		}
	}
	return kept, fin.complete || len(msgs) == 0, nil
}

// rsm is one archive query: page size, and where (after an id; before an
// id; or, with last, the newest page), optionally only with one JID.
type rsm struct {
	max    int
	after  string
	before string
	last   bool // page backwards: <before>before</before>, or <before/>
	with   jid.JID
}

// fin is what the server's <fin/> says about a page.
type fin struct {
	complete    bool
	first, last string
}

// queryArchive runs one archive query and returns its results in archive
// order. Results are accepted only from archive (checked by the handler,
// with the queryid).
func (a *Account) queryArchive(ctx context.Context, sess *xmpp.Session, archive, to jid.JID, q rsm) ([]Message, fin, error) {
	qid := newID()
	mq := &mamQuery{archive: archive.Bare(), max: q.max}
	r := &a.rel
	r.mu.Lock()
	if r.queries == nil {
		r.queries = make(map[string]*mamQuery)
	}
	r.queries[qid] = mq
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.queries, qid)
		r.mu.Unlock()
	}()

	var f fin
	err := sendIQ(ctx, sess, mamIQ(to, qid, q), func(b *tokenBudget) error {
		for {
			tok, err := b.next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			se, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			switch {
			case b.depth == 1 && se.Name.Space == nsMAM && se.Name.Local == "fin":
				f.complete = attr(se, "complete") == "true" || attr(se, "complete") == "1"
			case b.depth == 3 && se.Name.Space == nsRSM && (se.Name.Local == "first" || se.Name.Local == "last"):
				v, _, err := b.text(maxShort)
				if err != nil {
					return err
				}
				if se.Name.Local == "first" {
					f.first = v
				} else {
					f.last = v
				}
			}
		}
	})
	r.mu.Lock()
	msgs := mq.msgs
	mq.msgs = nil
	r.mu.Unlock()
	return msgs, f, err
}

// mamIQ builds the query IQ: to is the room, or zero for the account's own
// archive; a with filter goes in a data form.
func mamIQ(to jid.JID, qid string, q rsm) xml.TokenReader {
	var set []xml.TokenReader
	set = append(set, textElement("max", strconv.Itoa(q.max)))
	switch {
	case q.after != "":
		set = append(set, textElement("after", q.after))
	case q.last && q.before != "":
		set = append(set, textElement("before", q.before))
	case q.last:
		set = append(set, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "before"}}))
	}
	var parts []xml.TokenReader
	if q.with.String() != "" {
		field := func(v, typ, val string) xml.TokenReader {
			attrs := []xml.Attr{{Name: xml.Name{Local: "var"}, Value: v}}
			if typ != "" {
				attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "type"}, Value: typ})
			}
			return xmlstream.Wrap(textElement("value", val), xml.StartElement{Name: xml.Name{Local: "field"}, Attr: attrs})
		}
		parts = append(parts, xmlstream.Wrap(xmlstream.MultiReader(
			field("FORM_TYPE", "hidden", nsMAM),
			field("with", "", q.with.String()),
		), xml.StartElement{Name: xml.Name{Space: nsDataForm, Local: "x"}, Attr: []xml.Attr{{Name: xml.Name{Local: "type"}, Value: "submit"}}}))
	}
	parts = append(parts, xmlstream.Wrap(xmlstream.MultiReader(set...), xml.StartElement{Name: xml.Name{Space: nsRSM, Local: "set"}}))
	query := xmlstream.Wrap(xmlstream.MultiReader(parts...), xml.StartElement{Name: xml.Name{Space: nsMAM, Local: "query"}, Attr: []xml.Attr{{Name: xml.Name{Local: "queryid"}, Value: qid}}})
	return iqStanza("set", to, query)
}

// iqStanza wraps payload in an IQ of type typ with a fresh id, to to (none
// when zero: the account itself).
func iqStanza(typ string, to jid.JID, payload xml.TokenReader) xml.TokenReader {
	attrs := []xml.Attr{{Name: xml.Name{Local: "type"}, Value: typ}, {Name: xml.Name{Local: "id"}, Value: newID()}}
	if to.String() != "" {
		attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "to"}, Value: to.String()})
	}
	return xmlstream.Wrap(payload, xml.StartElement{Name: xml.Name{Space: nsClient, Local: "iq"}, Attr: attrs})
}
