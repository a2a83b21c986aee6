package account

import (
	"context"
	"encoding/xml"
	"errors"
	"strconv"
	"sync"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/blocking"
)

// Blocking (XEP-0191) with spam reporting (XEP-0377). At each fresh login,
// when the server announces urn:xmpp:blocking, the block list is fetched
// (which also subscribes this resource to its pushes); the server's
// pushes (a block or unblock from another client, or the echo of ours)
// are applied by the stanza handler at once, under a short lock, never
// waiting. A stream resumed keeps the list: no push was lost.
//
// Besides the server's own blocking, the account filters: an event from
// a blocked address (a message, a chat state, a subscription request, an
// available presence, an invitation; not an error, such as the server's
// bounce of a message we sent to a blocked address) is dropped behind the
// event queue
// (pipeline), before the history and the UI, whatever raced with the
// block on the way.

// ErrNoBlocking is the error of Block and Unblock on a server that does
// not announce blocking.
var ErrNoBlocking = errors.New("the server does not support blocking (XEP-0191)")

// BlockEvent reports the block list. Full: the list fetched at login,
// Blocked holding all of it (and Supported whether the server blocks at
// all); otherwise a change, ours or pushed by the server (another of our
// clients blocked someone), holding only the addresses that changed.
// Cut says the server had, or pushed, more than blocking.MaxItems
// addresses and the rest are not known here.
type BlockEvent struct {
	Base
	Full      bool
	Supported bool
	Blocked   []jid.JID
	Unblocked []jid.JID
	Cut       bool
}

// blockState is the block list. Its own lock: it is read per event.
type blockState struct {
	mu        sync.Mutex
	set       blocking.Set
	supported bool // the server announced blocking on this session
}

// fetchBlocklist asks, after a fresh login, whether the server blocks
// and for its list, and reports it as a full BlockEvent.
func (a *Account) fetchBlocklist(ctx context.Context, sess *xmpp.Session) {
	supported := hasFeature(ctx, sess, a.bare.Domain(), blocking.NS)
	var p blocking.Payload
	var err error
	if supported {
		err = checkedIQ(ctx, sess, a.bare, "get", jid.JID{}, blocking.Request(), func(se xml.StartElement, r xml.TokenReader) (err error) {
			p, err = blocking.Parse(se, r)
			return err
		})
	}
	b := &a.blk
	b.mu.Lock()
	b.set.Clear()
	b.supported = supported
	list, full := b.set.Add(p.JIDs)
	b.mu.Unlock()
	if err != nil {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "block list not read: " + err.Error()})
	}
	if p.Invalid > 0 {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "the block list had " + strconv.Itoa(p.Invalid) + " unusable addresses: left out"})
	}
	a.emit(BlockEvent{Base: a.base(), Full: true, Supported: supported, Blocked: list, Cut: p.Cut || full})
}

// blockPush applies a block list push: accepted only from the server on
// behalf of the account (no from, our bare JID, or our domain); from
// anyone else it is refused and reported.
func (h *handler) blockPush(start, payload xml.StartElement, b *tokenBudget, t xmlstream.TokenReadEncoder) error {
	a := h.a
	if from := attr(start, "from"); from != "" {
		j, err := jid.Parse(from)
		if err != nil || !j.Equal(a.bare) && !j.Equal(a.bare.Domain()) {
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: "ignored a block list push from " + clip(from, maxShort)})
			return writeIQ(t, start, "error", stanzaError("cancel", "service-unavailable"))
		}
	}
	p, err := blocking.Parse(payload, budgetTokens{b})
	if err != nil || p.Kind == blocking.List {
		if errors.Is(err, errTooLarge) {
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: "refused a block list push too large to read: the block list shown may be out of date until the next login"})
		}
		return writeIQ(t, start, "error", stanzaError("modify", "bad-request"))
	}
	if err := writeIQ(t, start, "result", nil); err != nil {
		return err
	}
	a.applyBlock(p.Kind == blocking.Blocked, p.JIDs, p.All, p.Cut)
	return nil
}

// applyBlock applies a block (block) or unblock of jids (all: of every
// address) and reports what changed. It never waits but to emit.
func (a *Account) applyBlock(block bool, jids []jid.JID, all, cut bool) {
	ev := BlockEvent{Base: a.base(), Cut: cut}
	b := &a.blk
	b.mu.Lock()
	switch {
	case block:
		var full bool
		ev.Blocked, full = b.set.Add(jids)
		ev.Cut = ev.Cut || full
	case all:
		ev.Unblocked = b.set.Clear()
	default:
		ev.Unblocked = b.set.Remove(jids)
	}
	b.mu.Unlock()
	if len(ev.Blocked) > 0 || len(ev.Unblocked) > 0 || ev.Cut {
		a.emit(ev)
	}
}

// Block blocks jids at the server (each a full or bare JID, or a domain),
// with the XEP-0377 report r (Reason blocking.NoReason: none); its
// StanzaIDs are of 1:1 messages, assigned by our account (r.By is set
// here). The change is reported as a BlockEvent when the server accepts
// it.
func (a *Account) Block(ctx context.Context, jids []jid.JID, r blocking.Report) error {
	if len(jids) == 0 {
		return errors.New("nothing to block")
	}
	if len(jids) > blocking.MaxItems {
		return errors.New("too many addresses at once")
	}
	sess, err := a.blockSession()
	if err != nil {
		return err
	}
	r.By = a.bare
	if err := checkedIQ(ctx, sess, a.bare, "set", jid.JID{}, blocking.Block(jids, r), nil); err != nil {
		return err
	}
	a.applyBlock(true, jids, false, false)
	return nil
}

// Unblock unblocks jids at the server; with none, every address.
func (a *Account) Unblock(ctx context.Context, jids []jid.JID) error {
	if len(jids) > blocking.MaxItems {
		return errors.New("too many addresses at once")
	}
	sess, err := a.blockSession()
	if err != nil {
		return err
	}
	if err := checkedIQ(ctx, sess, a.bare, "set", jid.JID{}, blocking.Unblock(jids), nil); err != nil {
		return err
	}
	a.applyBlock(false, jids, len(jids) == 0, false)
	return nil
}

// blockSession is the live session of a server that blocks.
func (a *Account) blockSession() (*xmpp.Session, error) {
	sess, err := a.online()
	if err != nil {
		return nil, err
	}
	a.blk.mu.Lock()
	ok := a.blk.supported
	a.blk.mu.Unlock()
	if !ok {
		return nil, ErrNoBlocking
	}
	return sess, nil
}

// Blocked returns the blocked addresses, sorted, and whether the server
// of the last login supports blocking. It does not wait.
func (a *Account) Blocked() ([]jid.JID, bool) {
	a.blk.mu.Lock()
	defer a.blk.mu.Unlock()
	return a.blk.set.JIDs(), a.blk.supported
}

// IsBlocked reports whether stanzas from j are blocked.
func (a *Account) IsBlocked(j jid.JID) bool {
	a.blk.mu.Lock()
	defer a.blk.mu.Unlock()
	return a.blk.set.Blocks(j)
}

// blockedEvent reports whether e comes from a blocked address and is
// dropped: a received message (live, carbon or archived), a chat state,
// a subscription stanza, an available presence, an invitation. What we
// sent, errors (the server's bounce of what we sent to a blocked address
// says why) and unavailable presence (so that nobody stays shown online)
// go through.
func (a *Account) blockedEvent(e Event) bool {
	var from jid.JID
	switch e := e.(type) {
	case MessageEvent:
		if e.Msg.Dir != In || e.Msg.Type == "error" {
			return false // ours, or a bounce (of ours to a blocked address)
		}
		from = e.Msg.From
	case ChatStateEvent:
		if e.Carbon {
			return false
		}
		from = e.From
	case SubscriptionEvent:
		from = e.From
	case PresenceEvent:
		if !e.Available {
			return false
		}
		from = e.From
	case InviteEvent:
		from = e.Invite.From
	default:
		return false
	}
	a.blk.mu.Lock()
	defer a.blk.mu.Unlock()
	return a.blk.set.Blocks(from)
}
